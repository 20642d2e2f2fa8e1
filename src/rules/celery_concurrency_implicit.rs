use crate::diagnostic::{Applicability, Diagnostic};
use crate::edit;

use super::{Check, Context};
use crate::registry::CELERY_CONCURRENCY_IMPLICIT as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for service in cx.running() {
        let Some(celery) = &service.workload.celery else {
            continue;
        };
        if !celery.concurrency_is_implicit() {
            continue;
        }
        let plan = cx.settings.plan.as_ref().map(|p| p.value);
        let limit = service
            .memory()
            .limit()
            .map_or(String::new(), |(bytes, _)| {
                format!(
                    " while its container limit of {} stays the same",
                    crate::units::human_bytes(bytes)
                )
            });
        let processes = match plan {
            Some(plan) => format!(
                "{} processes on plan {} ({} vCPUs)",
                plan.vcpus,
                plan.display_name(),
                plan.vcpus
            ),
            None => "one process per CPU of the server".to_string(),
        };
        let mut diagnostic = RULE
            .at(
                celery.worker.span.clone(),
                "no --concurrency",
                format!(
                    "`celery worker` sets no concurrency: Celery starts {processes}, counting the CPUs of the host, not of the container, so the worker needs more memory when the server grows{limit}"
                ),
            )
            .with_service(&service.name);
        if let Some(plan) = plan {
            diagnostic = super::with_plan_label(
                diagnostic,
                cx,
                format!("{} vCPUs", plan.vcpus),
            )
            .with_help(format!(
                "set `--concurrency={}` (or `-c`) and size the memory limit for that many processes",
                plan.vcpus
            ));
            let option = format!("--concurrency={}", plan.vcpus);
            let edit = service
                .get("command")
                .filter(|_| celery.in_command)
                .and_then(|command| {
                    let read_whole = service.command_is_read_whole();
                    edit::append_args(cx.sources, command, read_whole, &[option.as_str()])
                });
            if let Some(edit) = edit {
                // Unsafe: it changes how many tasks run at once.
                diagnostic = diagnostic.with_fix(edit::single(
                    format!("set {option}"),
                    Applicability::Unsafe,
                    edit,
                ));
            }
        } else {
            diagnostic = diagnostic.with_help(
                "set `--concurrency` (or `-c`) to the number of processes the memory limit is sized for",
            );
        }
        out.push(diagnostic);
    }
}
