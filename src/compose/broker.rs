//! Which service is the task broker of which: a Redis named by a broker URL in a client's
//! environment or on its command line, found when the project is loaded.

use std::collections::HashMap;

use crate::source::Span;

use super::ProjectService;
use super::service::Service;

/// `client` queues its tasks in the Redis of service `broker`, as the value at `span` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerLink {
    pub client: String,
    pub broker: String,
    /// The environment entry or command-line argument that names the broker.
    pub span: Span,
}

/// Every link from a service to a Redis service it uses as its broker, by broker then client,
/// each client's environment before its command line. Each client's URLs are read once and
/// looked up by host, so many services cost no more than their URLs.
pub fn links(services: &[ProjectService]) -> Vec<BrokerLink> {
    let mut brokers_by_host: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, broker) in services
        .iter()
        .enumerate()
        .filter(|(_, s)| s.redis.is_some())
    {
        for host in broker.hostnames() {
            let brokers = brokers_by_host.entry(host).or_default();
            if !brokers.contains(&i) {
                brokers.push(i);
            }
        }
    }
    if brokers_by_host.is_empty() {
        return Vec::new();
    }
    let mut links: Vec<(usize, BrokerLink)> = Vec::new();
    for client in services {
        for (host, span) in broker_urls(client) {
            let brokers = brokers_by_host.get(host.as_str()).into_iter().flatten();
            for &i in brokers.filter(|&&i| services[i].name != client.name) {
                links.push((
                    i,
                    BrokerLink {
                        client: client.name.clone(),
                        broker: services[i].name.clone(),
                        span: span.clone(),
                    },
                ));
            }
        }
    }
    // Stable: within a broker, clients stay in order.
    links.sort_by_key(|(i, _)| *i);
    links.into_iter().map(|(_, link)| link).collect()
}

/// The Redis hosts `client` names as its task broker, with where: a broker URL in its
/// environment or on its command line (`celery --broker=redis://redis:6379/0`, `rq worker --url
/// ...`), or a `REDIS_URL` given to a process that queues work through Redis (Sidekiq, RQ,
/// Celery, BullMQ).
fn broker_urls(client: &Service) -> Vec<(String, Span)> {
    let command = client.argv();
    let runs_queue_worker = command.iter().any(|a| {
        let word = a.text.rsplit('/').next().unwrap_or(&a.text);
        matches!(
            word,
            "celery" | "rq" | "rqworker" | "sidekiq" | "bull" | "bullmq"
        ) || a.text.contains("celery ")
            || a.text.contains("sidekiq")
            || a.text.contains("rq worker")
    });
    let mut urls = Vec::new();
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
        if (broker_name || generic_redis_url) && !not_a_broker {
            if let Some(host) = redis_url_host(value) {
                urls.push((host.to_string(), var.node.span.clone()));
            }
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
                urls.push((host.to_string(), url.span.clone()));
            }
        }
    }
    urls
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
