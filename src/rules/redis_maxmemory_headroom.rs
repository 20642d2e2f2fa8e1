use crate::diagnostic::Diagnostic;
use crate::units;

use super::{Check, Context, exact_size};
use crate::registry::REDIS_MAXMEMORY_HEADROOM as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let share = cx.settings.redis_headroom.value;
    for redis in super::redis_sizings(cx) {
        if !crate::compose::redis::above_headroom(redis.maxmemory, redis.limit, share) {
            continue;
        }
        let percent = redis.maxmemory as f64 * 100.0 / redis.limit as f64;
        let limit_for_maxmemory = ((redis.maxmemory as f64 / share) as u64).div_ceil(1 << 20) << 20;
        let suggestion = crate::compose::redis::suggested_maxmemory(redis.limit, share);
        let mut diagnostic = RULE
            .at(
                redis.directive.span.clone(),
                format!("{percent:.0}% of the container limit"),
                format!(
                    "Redis maxmemory {} is {percent:.0}% of the container limit {}, above the {:.0}% share that leaves room for the fork of a background save or AOF rewrite, replication buffers and fragmentation{}",
                    exact_size(&redis.directive.value, redis.maxmemory),
                    exact_size(redis.limit_written, redis.limit),
                    share * 100.0,
                    super::redis_unit_note(&redis.directive.value)
                ),
            )
            .with_node_label(
                redis.limit_node,
                format!("container limit {}", units::human_bytes(redis.limit)),
            )
            .with_service(&redis.service.name)
            .with_help(format!(
                "lower maxmemory to `{suggestion}` or raise the container limit to at least `{}`",
                units::compose_size(limit_for_maxmemory)
            ));
        if let Some(fix) = super::set_maxmemory(cx, redis.directive, &suggestion) {
            diagnostic = diagnostic.with_fix(fix);
        }
        out.push(diagnostic);
    }
}
