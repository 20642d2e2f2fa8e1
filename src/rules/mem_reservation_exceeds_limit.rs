use crate::diagnostic::Diagnostic;

use super::{Check, Context, size};
use crate::registry::MEM_RESERVATION_EXCEEDS_LIMIT as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for service in &cx.project.services {
        let memory = service.memory();
        let (Some((limit, limit_field)), Some((reservation, reservation_field))) =
            (memory.limit(), memory.reservation())
        else {
            continue;
        };
        if reservation <= limit {
            continue;
        }
        let limit_text = size(limit_field.written, limit);
        let reservation_text = size(reservation_field.written, reservation);
        out.push(
            RULE.on(
                reservation_field.node,
                format!("reservation {reservation_text}"),
                format!(
                    "service `{}` reserves {reservation_text}, more than its limit of {limit_text}: Docker refuses to start it (\"Minimum memory limit can not be less than memory reservation limit\")",
                    service.name
                ),
            )
            .with_node_label(limit_field.node, format!("limit {limit_text}"))
            .with_service(&service.name)
            .with_help("lower the reservation to at most the limit (a reservation is a soft floor, the limit a hard ceiling)"),
        );
    }
}
