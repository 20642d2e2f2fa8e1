use crate::diagnostic::{Applicability, Diagnostic};
use crate::edit;
use crate::units;

use super::{Check, Context};
use crate::registry::REDIS_MAXMEMORY_MISSING as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
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
        // Docker refuses such a container (`mem-limit-invalid`): no `maxmemory` fits in it.
        if limit < units::DOCKER_MIN_MEMORY {
            continue;
        }
        let suggestion =
            crate::compose::redis::suggested_maxmemory(limit, cx.settings.redis_headroom.value);
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
        let maxmemory = ["--maxmemory", suggestion.as_str()];
        let edit = match (&redis.maxmemory, service.get("command")) {
            (Some(directive), _) => {
                edit::replace_value(cx.sources, &directive.span, &directive.value, &suggestion)
            }
            (None, Some(command)) if redis.command_starts_server => edit::append_args(
                cx.sources,
                command,
                service.command_is_read_whole(),
                &maxmemory,
            ),
            (None, None) if service.get("entrypoint").is_none() => {
                // Only the plain images, whose default command is just the server.
                let server = match service.image_name() {
                    Some("redis") => Some("redis-server"),
                    Some("valkey") => Some("valkey-server"),
                    _ => None,
                };
                server
                    .zip(service.node.entry("image"))
                    .and_then(|(server, image)| {
                        let command = format!("{server} {}", maxmemory.join(" "));
                        edit::insert_entry_after(cx.sources, image, "command", &command)
                    })
            }
            _ => None,
        };
        let diagnostic = match edit {
            Some(edit) => diagnostic.with_fix(edit::single(
                format!("set maxmemory to {suggestion}"),
                Applicability::Safe,
                edit,
            )),
            None => diagnostic,
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
