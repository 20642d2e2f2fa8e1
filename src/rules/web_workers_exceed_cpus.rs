use crate::diagnostic::Diagnostic;

use super::{Check, Context};
use crate::registry::WEB_WORKERS_EXCEED_CPUS as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for service in cx.running() {
        let Some(web) = &service.workload.web else {
            continue;
        };
        let Some(workers) = web.workers.value else {
            continue;
        };
        let Some(budget) = super::cpu_budget(cx, service) else {
            continue;
        };
        // gunicorn's guidance: (2 x cores) + 1.
        let most = (2.0 * budget.cpus + 1.0).floor() as u64;
        if workers <= most {
            continue;
        }
        let server = web.server.unwrap_or("the web server");
        let diagnostic = RULE
            .at(
                web.workers.arg.span.clone(),
                format!("{workers} workers"),
                format!(
                    "{server} starts {workers} worker processes (`{}`), more than 2 x {} + 1 = {most} for {}: each worker is a full copy of the application in memory, and the extra ones only wait for a CPU",
                    web.workers.source, budget.cpus, budget.described
                ),
            )
            .with_service(&service.name)
            .with_help(format!(
                "set the workers to at most {most}, or raise the CPUs they run on"
            ));
        out.push(budget.label(diagnostic, cx));
    }
}
