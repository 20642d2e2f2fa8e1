use crate::diagnostic::Diagnostic;

use super::{Check, Context};
use crate::registry::REDIS_CONFIG_INVALID as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

/// The policies Redis 7 accepts (case-insensitively).
pub const POLICIES: [&str; 8] = [
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
];

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for service in &cx.project.services {
        let Some(redis) = &service.redis else {
            continue;
        };
        if let (Some(directive), Some(Err(error))) = (&redis.maxmemory, redis.maxmemory_bytes()) {
            out.push(
                super::on_word(
                    &RULE,
                    cx,
                    (&directive.span, &directive.value, directive.hidden.as_ref()),
                    "Redis refuses this value",
                    |hidden| match hidden {
                        Some(hidden) => format!(
                            "Redis refuses to start with this `maxmemory`: {hidden} is not a Redis memory value"
                        ),
                        None => format!(
                            "Redis refuses to start with `maxmemory {}`: {error}",
                            directive.value
                        ),
                    },
                )
                .with_service(&service.name)
                .with_help("write an integer with a unit, e.g. `256mb`"),
            );
        }
        if let Some(policy) = &redis.policy {
            let name = policy.value.to_ascii_lowercase();
            if !POLICIES.contains(&name.as_str()) {
                let hint = crate::did_you_mean(&name, POLICIES, || {
                    format!("valid policies are {}", POLICIES.join(", "))
                });
                out.push(
                    super::on_word(
                        &RULE,
                        cx,
                        (&policy.span, &policy.value, policy.hidden.as_ref()),
                        "unknown policy",
                        |hidden| match hidden {
                            Some(hidden) => format!(
                                "Redis refuses to start with this `maxmemory-policy`: {hidden} is not a policy"
                            ),
                            None => format!(
                                "Redis refuses to start with `maxmemory-policy {}`: no such policy",
                                policy.value
                            ),
                        },
                    )
                    .with_service(&service.name)
                    .with_help(hint),
                );
            }
        }
    }
}
