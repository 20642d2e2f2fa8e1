use crate::compose::postgres::Term;
use crate::diagnostic::Diagnostic;
use crate::units;

use super::{Check, Context, size};
use crate::registry::POSTGRES_MEMORY_WORST_CASE as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for service in cx.running() {
        let Some(worst) = service
            .postgres
            .as_ref()
            .and_then(|p| p.memory_worst_case())
        else {
            continue;
        };
        let memory = service.memory();
        let Some((limit, limit_field)) = memory.limit() else {
            continue;
        };
        let total = worst.total();
        if total <= limit {
            continue;
        }
        let written = |term: &Term, default: &str| {
            term.setting
                .map_or_else(|| format!("{default} (default)"), |s| s.value.clone())
        };
        let message = format!(
            "PostgreSQL may use up to {} — shared_buffers {} + max_connections {} x work_mem {} + autovacuum_max_workers {} x {} — more than the container limit {}: a busy moment gets the database killed",
            units::human_bytes(total),
            written(&worst.shared_buffers, "128MB"),
            written(&worst.max_connections, "100"),
            written(&worst.work_mem, "4MB"),
            written(&worst.autovacuum_max_workers, "3"),
            written(&worst.autovacuum_work_mem, "64MB"),
            size(limit_field.written, limit)
        );
        // The value to change: the per-connection memory first, as the documentation advises.
        let primary = [
            worst.work_mem,
            worst.max_connections,
            worst.shared_buffers,
            worst.autovacuum_work_mem,
        ]
        .into_iter()
        .find_map(|term| term.setting);
        let label = format!("worst case {}", units::human_bytes(total));
        let diagnostic = match primary {
            Some(setting) => RULE
                .at(setting.span.clone(), label, message)
                .with_node_label(
                    limit_field.node,
                    format!("container limit {}", units::human_bytes(limit)),
                ),
            None => RULE.on(limit_field.node, label, message),
        };
        let room = limit.saturating_sub(
            worst.shared_buffers.value
                + worst.autovacuum_max_workers.value * worst.autovacuum_work_mem.value,
        );
        let fitting_work_mem = room / worst.max_connections.value.max(1);
        out.push(
            diagnostic.with_service(&service.name).with_help(format!(
                "lower work_mem to at most {} for {} connections (e.g. `-c work_mem={}`), lower max_connections, or raise the limit",
                units::human_bytes(fitting_work_mem),
                worst.max_connections.value,
                postgres_kb(fitting_work_mem)
            )),
        );
    }
}

/// A size in PostgreSQL's `kB`, rounded down, for values that may be below one MB.
fn postgres_kb(bytes: u64) -> String {
    format!("{}kB", bytes / 1024)
}
