use crate::compose::broker::BrokerLink;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::edit;

use super::{Check, Context};
use crate::registry::REDIS_BROKER_EVICTION as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
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
        let uses: Vec<&BrokerLink> = cx
            .project
            .broker_links
            .iter()
            .filter(|link| link.broker == redis_service.name)
            .filter(|link| {
                cx.project
                    .service(&link.client)
                    .is_some_and(|client| cx.settings.runs(client))
            })
            .collect();
        if uses.is_empty() {
            continue;
        }
        let mut clients: Vec<&str> = uses.iter().map(|link| link.client.as_str()).collect();
        clients.dedup();
        let mut diagnostic = RULE
            .at(
                policy.span.clone(),
                format!("`{}` evicts any key", policy.value),
                format!(
                    "Redis `{}` is the task broker of {} but runs with `maxmemory-policy {}`: when it reaches maxmemory it silently deletes keys, queued tasks included",
                    redis_service.name,
                    clients.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                    policy.value
                ),
            )
            .with_service(&redis_service.name)
            .with_help("use `--maxmemory-policy noeviction`: a full broker then refuses new tasks with an error instead of losing queued ones (Sidekiq and BullMQ require it); keep a cache in a separate Redis");
        for link in &uses {
            diagnostic = diagnostic.with_label(
                link.span.clone(),
                format!("`{}` uses it as a broker", link.client),
            );
        }
        if let Some(edit) =
            edit::replace_value(cx.sources, &policy.span, &policy.value, "noeviction")
        {
            // Unsafe: a full broker then refuses writes, which the application must handle.
            diagnostic = diagnostic.with_fix(edit::single(
                "set maxmemory-policy to noeviction".to_string(),
                Applicability::Unsafe,
                edit,
            ));
        }
        out.push(diagnostic);
    }
}
