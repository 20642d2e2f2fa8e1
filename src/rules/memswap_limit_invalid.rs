use crate::diagnostic::Diagnostic;
use crate::units;

use super::{Check, Context, OnInvalid, size};
use crate::registry::MEMSWAP_LIMIT_INVALID as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for service in &cx.project.services {
        let memory = service.memory();
        let Some(swap) = &memory.memswap_limit else {
            continue;
        };
        if memory.swap_is_unlimited() || swap.is_unknown() {
            continue;
        }
        let value = swap.written;
        let diagnostic = match (&swap.bytes, memory.limit()) {
            (Err(error), _) => RULE
                .on_invalid(cx, swap.node, "invalid memory value", match super::hidden_value(cx, swap.node) {
                    Some(hidden) => format!(
                        "`memswap_limit: {}` is not a valid memory value: {hidden} is not a Compose byte value",
                        super::written_form(swap.node),
                    ),
                    None => format!("`memswap_limit: {value}` is not a valid memory value: {error}"),
                })
                .with_help("write a size such as `1g`, or `-1` (without quotes) for unlimited swap"),
            (Ok(0), _) => continue, // 0 means unset
            (Ok(bytes), None) => RULE
                .on(
                    swap.node,
                    "swap limit without a memory limit",
                    format!(
                        "`memswap_limit: {value}` ({}) is set without a memory limit: Docker refuses to start the container (\"You should always set the Memory limit when using Memoryswap limit\")",
                        units::human_bytes(*bytes)
                    ),
                )
                .with_help("set `mem_limit` (or `deploy.resources.limits.memory`) too; `memswap_limit` is memory plus swap"),
            (Ok(bytes), Some((limit, field))) if *bytes < limit => {
                let limit_text = size(field.written, limit);
                RULE.on(
                    swap.node,
                    format!("below the limit of {}", units::human_bytes(limit)),
                    format!(
                        "`memswap_limit` {} is below the memory limit {limit_text}: it counts memory plus swap, and Docker refuses to start the container (\"Minimum memoryswap limit should be larger than memory limit\")",
                        size(value, *bytes)
                    ),
                )
                .with_node_label(field.node, format!("memory limit {}", units::human_bytes(limit)))
                .with_help(format!(
                    "set it to the memory limit (`{}`) for no swap, or above it to allow swap",
                    units::compose_size(limit)
                ))
            }
            _ => continue,
        };
        out.push(diagnostic.with_service(&service.name));
    }
}
