use crate::diagnostic::Diagnostic;
use crate::units;

use super::{Check, Context, size};
use crate::registry::CELERY_CHILD_MEMORY_EXCEEDS_LIMIT as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

const KIB: u64 = 1024;

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for service in cx.running() {
        let Some(celery) = service
            .workload
            .celery
            .as_ref()
            .filter(|c| c.forks_children())
        else {
            continue;
        };
        let Some(per_child) = &celery.max_memory_per_child else {
            continue;
        };
        let Some(per_child_kib) = per_child.value else {
            continue;
        };
        // Implicit concurrency is one child per CPU of the host: the plan's.
        let children = match celery.processes() {
            Some(n) => n,
            None if celery.concurrency_is_implicit() => match &cx.settings.plan {
                Some(plan) => u64::from(plan.value.vcpus),
                None => continue,
            },
            None => continue,
        };
        let memory = service.memory();
        let Some((limit, limit_field)) = memory.limit() else {
            continue;
        };
        // The parent is the same application, so it is counted as one more process that size.
        let total = (children + 1).saturating_mul(per_child_kib.saturating_mul(KIB));
        if total < limit {
            continue;
        }
        let fitting_kib = limit / KIB / (children + 1) * 9 / 10;
        out.push(
            RULE.at(
                per_child.arg.span.clone(),
                format!("{} per child", units::human_bytes(per_child_kib * KIB)),
                format!(
                    "{children} Celery children at `--max-memory-per-child={per_child_kib}` (KiB, {} each) plus the parent process come to {}, not below the container limit {}: the kernel kills the worker before Celery recycles a child",
                    units::human_bytes(per_child_kib * KIB),
                    units::human_bytes(total),
                    size(limit_field.written, limit)
                ),
            )
            .with_node_label(
                limit_field.node,
                format!("container limit {}", units::human_bytes(limit)),
            )
            .with_service(&service.name)
            .with_help(format!(
                "lower `--max-memory-per-child` to about {fitting_kib} (KiB), lower the concurrency, or raise the limit"
            )),
        );
    }
}
