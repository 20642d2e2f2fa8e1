use crate::diagnostic::Diagnostic;
use crate::units;

use super::{Check, Context, exact_size};
use crate::registry::REDIS_MAXMEMORY_EXCEEDS_LIMIT as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for redis in super::redis_sizings(cx) {
        if redis.maxmemory < redis.limit {
            continue;
        }
        let suggestion =
            units::redis_size((redis.limit as f64 * cx.settings.redis_headroom.value) as u64);
        let mut diagnostic = RULE
            .at(
                redis.directive.span.clone(),
                format!("maxmemory {}", units::human_bytes(redis.maxmemory)),
                format!(
                    "Redis maxmemory {} is not below the container limit {}: the kernel kills Redis before it ever evicts or refuses a write{}",
                    exact_size(&redis.directive.value, redis.maxmemory),
                    exact_size(redis.limit_written, redis.limit),
                    super::redis_unit_note(&redis.directive.value)
                ),
            )
            .with_node_label(
                redis.limit_node,
                format!("container limit {}", units::human_bytes(redis.limit)),
            )
            .with_service(&redis.service.name)
            .with_help(format!(
                "set maxmemory to at most {:.0}% of the limit, e.g. `{}`, so that the fork for persistence and fragmentation fit in the container",
                cx.settings.redis_headroom.value * 100.0,
                suggestion
            ));
        if let Some(fix) = super::set_maxmemory(cx, redis.directive, &suggestion) {
            diagnostic = diagnostic.with_fix(fix);
        }
        out.push(diagnostic);
    }
}
