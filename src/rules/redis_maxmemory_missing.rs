use crate::diagnostic::{Diagnostic, Severity};
use crate::units;

use super::{Context, Rule};

pub static RULE: Rule = Rule {
    name: "redis-maxmemory-missing",
    severity: Severity::Warning,
    summary: "A Redis with a container memory limit has no `maxmemory`",
    doc: include_str!("../../lints/redis-maxmemory-missing.md"),
    check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for service in cx.running() {
        let Some(redis) = &service.redis else {
            continue;
        };
        // Settings may hide in a config file orion-lint could not read.
        if redis.unread_config.is_some() {
            continue;
        }
        let memory = service.memory();
        let Some((limit, limit_field)) = memory.limit() else {
            continue;
        };
        let suggestion =
            units::redis_size((limit as f64 * cx.settings.redis_headroom.value) as u64);
        let message = format!(
            "Redis in service `{}` has a {} container limit but no `maxmemory`: it grows until the kernel kills it instead of evicting keys or refusing writes",
            service.name,
            units::human_bytes(limit)
        );
        let diagnostic = match (&redis.maxmemory, redis.maxmemory_bytes()) {
            (Some(directive), Some(Ok(0))) => {
                RULE.at(directive.span.clone(), "`0` means no limit", message)
            }
            (Some(_), _) => continue,
            (None, _) => match service.get("command") {
                Some(command) => RULE.on(
                    command,
                    format!("add `--maxmemory {suggestion}` here"),
                    message,
                ),
                None => RULE.at(
                    service.key.span.clone(),
                    "no `command:` sets `--maxmemory`",
                    message,
                ),
            },
        };
        out.push(
            diagnostic
                .with_node_label(limit_field.node, format!("container limit {}", units::human_bytes(limit)))
                .with_service(&service.name)
                .with_help(format!(
                    "pass `--maxmemory {suggestion}` ({:.0}% of the limit) to redis-server, e.g. `command: redis-server --maxmemory {suggestion}`",
                    cx.settings.redis_headroom.value * 100.0
                )),
        );
    }
}
