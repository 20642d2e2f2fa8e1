use crate::compose::ProjectService;
use std::collections::HashMap;

use crate::compose::command::Arg;
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::fix;
use crate::source::Span;

use super::{Context, Rule};

pub static RULE: Rule = Rule {
    name: "redis-broker-eviction",
    severity: Severity::Warning,
    summary: "A Redis used as a task broker may evict queued tasks",
    doc: include_str!("../../lints/redis-broker-eviction.md"),
    check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    // Each client's broker URLs are read once and indexed by host, not read or searched once per
    // Redis: 10,000 services stay linear.
    let clients: Vec<(&ProjectService, Vec<(String, Span)>)> = cx
        .running()
        .map(|client| (client, broker_uses(cx, client)))
        .collect();
    let mut by_host: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    for (c, (_, uses)) in clients.iter().enumerate() {
        for (u, (host, _)) in uses.iter().enumerate() {
            by_host.entry(host.as_str()).or_default().push((c, u));
        }
    }
    for redis_service in cx.running() {
        let Some(redis) = &redis_service.redis else {
            continue;
        };
        let Some(policy) = redis
            .policy
            .as_ref()
            .filter(|p| p.value.to_ascii_lowercase().starts_with("allkeys-"))
        else {
            continue;
        };
        // In the clients' order, each use once (a Redis may have the same name twice).
        let mut found: Vec<(usize, usize)> = redis_service
            .hostnames()
            .into_iter()
            .flat_map(|host| by_host.get(host).into_iter().flatten().copied())
            .filter(|&(c, _)| clients[c].0.name != redis_service.name)
            .collect();
        found.sort_unstable();
        found.dedup();
        let uses: Vec<(&str, &Span)> = found
            .into_iter()
            .map(|(c, u)| (clients[c].0.name.as_str(), &clients[c].1[u].1))
            .collect();
        if uses.is_empty() {
            continue;
        }
        let mut names: Vec<&str> = uses.iter().map(|&(c, _)| c).collect();
        names.dedup();
        let mut diagnostic = RULE
            .at(
                policy.span.clone(),
                format!("`{}` evicts any key", policy.value),
                format!(
                    "Redis `{}` is the task broker of {} but runs with `maxmemory-policy {}`: when it reaches maxmemory it silently deletes keys, queued tasks included",
                    redis_service.name,
                    names.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                    policy.value
                ),
            )
            .with_service(&redis_service.name)
            .with_help("use `--maxmemory-policy noeviction`: a full broker then refuses new tasks with an error instead of losing queued ones (Sidekiq and BullMQ require it); keep a cache in a separate Redis");
        for (client, span) in uses {
            diagnostic =
                diagnostic.with_label(span.clone(), format!("`{client}` uses it as a broker"));
        }
        if let Some(edit) =
            fix::replace_value(cx.sources, &policy.span, &policy.value, "noeviction")
        {
            // Unsafe: a full broker then refuses writes, which the application must handle.
            diagnostic = diagnostic.with_fix(fix::single(
                "set maxmemory-policy to noeviction".to_string(),
                Applicability::Unsafe,
                edit,
            ));
        }
        out.push(diagnostic);
    }
}

/// The Redis hosts `client` names as its task broker, each where it is named: a broker URL in its
/// environment or on its command line (`celery --broker=redis://redis:6379/0`, `rq worker --url
/// ...`), or a `REDIS_URL` given to a process that queues work through Redis (Sidekiq, RQ,
/// Celery, BullMQ).
fn broker_uses(cx: &Context, client: &ProjectService) -> Vec<(String, Span)> {
    let command: Vec<Arg> = client
        .entrypoint(cx.sources)
        .into_iter()
        .flatten()
        .chain(client.command(cx.sources).into_iter().flatten())
        .collect();
    let runs_queue_worker = command.iter().any(|a| {
        let word = a.text.rsplit('/').next().unwrap_or(&a.text);
        matches!(
            word,
            "celery" | "rq" | "rqworker" | "sidekiq" | "bull" | "bullmq"
        ) || a.text.contains("celery ")
            || a.text.contains("sidekiq")
            || a.text.contains("rq worker")
    });
    let mut uses = Vec::new();
    for var in client.environment() {
        let Some(value) = var.value.as_deref() else {
            continue;
        };
        let name = var.name.to_ascii_uppercase();
        let broker_name = name.contains("BROKER")
            || name.contains("QUEUE")
            || name.starts_with("RQ_")
            || name.contains("SIDEKIQ")
            || name.contains("BULL");
        let generic_redis_url = name.ends_with("REDIS_URL") && runs_queue_worker;
        let not_a_broker =
            name.contains("RESULT") || name.contains("BACKEND") || name.contains("CACHE");
        if !(broker_name || generic_redis_url) || not_a_broker {
            continue;
        }
        if let Some(host) = redis_url_host(value) {
            uses.push((host.to_string(), var.node.span.clone()));
        }
    }
    for (i, arg) in command.iter().enumerate() {
        let url = match arg.text.as_str() {
            "-b" | "--broker" | "-u" | "--url" => command.get(i + 1),
            text if text.starts_with("--broker=") || text.starts_with("--url=") => Some(arg),
            _ => None,
        };
        if let Some(url) = url {
            let value = url
                .text
                .split_once('=')
                .filter(|_| url.text.starts_with("--"))
                .map_or(url.text.as_str(), |(_, v)| v);
            if let Some(host) = redis_url_host(value) {
                uses.push((host.to_string(), url.span.clone()));
            }
        }
    }
    uses
}

/// The host of a `redis://[user:password@]host[:port][/db]` URL.
fn redis_url_host(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("redis://")
        .or_else(|| url.strip_prefix("rediss://"))
        .or_else(|| url.strip_prefix("redis+socket://"))?;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = host_port.split(':').next()?;
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::redis_url_host;

    #[test]
    fn redis_url_hosts() {
        assert_eq!(redis_url_host("redis://redis:6379/0"), Some("redis"));
        assert_eq!(redis_url_host("redis://:secret@queue:6380"), Some("queue"));
        assert_eq!(redis_url_host("rediss://user:p@cache/1"), Some("cache"));
        assert_eq!(redis_url_host("amqp://guest@rabbit//"), None);
        assert_eq!(redis_url_host("redis://"), None);
    }
}
