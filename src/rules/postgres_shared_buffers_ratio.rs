use crate::diagnostic::Diagnostic;
use crate::units::{self, PgBaseUnit};

use super::{Check, Context, size};
use crate::registry::POSTGRES_SHARED_BUFFERS_RATIO as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

const LOW: f64 = 0.15;
const HIGH: f64 = 0.40;
/// PostgreSQL's `shared_buffers` when nothing sets it (the official image's initdb keeps it).
const DEFAULT_SHARED_BUFFERS: u64 = 128 * 1024 * 1024;

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for service in cx.running() {
        let Some(postgres) = &service.postgres else {
            continue;
        };
        let memory = service.memory();
        let Some((limit, limit_field)) = memory.limit() else {
            continue;
        };
        let limit_text = size(limit_field.written, limit);
        let suggestion = units::postgres_size(limit / 4);
        let diagnostic = match postgres.get("shared_buffers") {
            Some(setting) => {
                let Ok(bytes) = units::postgres_bytes(&setting.value, PgBaseUnit::Blocks8k) else {
                    continue; // postgres-setting-invalid
                };
                let ratio = bytes as f64 / limit as f64;
                if (LOW..=HIGH).contains(&ratio) {
                    continue;
                }
                let why = if ratio > HIGH {
                    "leaving too little of the container for connections, work_mem and the OS page cache PostgreSQL relies on"
                } else {
                    "too small to cache the working set, so PostgreSQL reads from disk what it could keep in memory"
                };
                RULE.at(
                    setting.span.clone(),
                    format!("{:.0}% of the container limit", ratio * 100.0),
                    format!(
                        "`shared_buffers={}` ({}) is {:.0}% of the container limit {limit_text}: {why}",
                        setting.value,
                        units::human_bytes(bytes),
                        ratio * 100.0
                    ),
                )
                .with_node_label(limit_field.node, format!("container limit {}", units::human_bytes(limit)))
            }
            None => {
                let ratio = DEFAULT_SHARED_BUFFERS as f64 / limit as f64;
                if ratio <= HIGH {
                    continue; // a default that fits is left to the operator
                }
                RULE.on(
                    limit_field.node,
                    format!("default shared_buffers is {:.0}% of this", ratio * 100.0),
                    format!(
                        "PostgreSQL's default `shared_buffers` of 128 MiB is {:.0}% of the container limit {limit_text}, leaving too little for connections and work_mem",
                        ratio * 100.0
                    ),
                )
            }
        };
        out.push(
            diagnostic
                .with_service(&service.name)
                .with_help(format!(
                    "set `shared_buffers` to about 25% of the container limit, e.g. `-c shared_buffers={suggestion}`"
                )),
        );
    }
}
