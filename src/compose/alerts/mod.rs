//! Prometheus alert rules tied to the services' memory: the rule files the stack's Prometheus
//! loads (mounted into a `prometheus` service and named under `rule_files:` in its
//! `prometheus.yml`, or given as `alert-rules = [globs]` in the config), and in them each alert
//! that compares a memory metric of one service with a constant.
//!
//! A threshold is tied to its service by the selector's labels (`name`, `container`,
//! `container_label_com_docker_compose_service`, a `job` or `instance` naming an exporter), or by
//! the metric family of an exporter that watches one service (`redis_*` from redis-exporter,
//! `pg_*` from postgres-exporter). The rule files are read at load, so the rules only compare.

mod files;
mod promql;

use crate::compose::{LoadError, ProjectService};
use crate::diagnostic::Edit;
use crate::source::{FileId, SourceMap, Span};
use crate::yaml::{Node, ValueLocator};

pub(crate) use files::{configured, mounted};

/// What an alert's metric measures, and so what bounds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// The memory of a container: at most its limit.
    Container,
    /// The memory Redis uses for data: at most its `maxmemory` when set, else the limit.
    RedisUsedMemory,
}

/// An alert's constant compared with the memory of one service.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// The alert's name.
    pub alert: String,
    pub service: String,
    pub metric: String,
    pub measure: Measure,
    pub bytes: f64,
    /// The constant as written, or the whole expression when it cannot be located exactly.
    pub span: Span,
    /// How the constant is written, when it is located exactly: what a fix rewrites.
    pub spelling: Option<Spelling>,
}

/// A constant's spelling: one number (`314572800`, `4e8`), or a product whose first factor
/// carries the size (`300 * 1024 * 1024`).
#[derive(Clone, Debug, PartialEq)]
pub struct Spelling {
    /// The first (or only) number, and its text.
    pub first: Span,
    pub first_text: String,
    /// What the other factors multiply it by (1 for a single number).
    pub rest: f64,
}

/// The edits that keep each threshold of `service` at its share of what bounds it when its
/// `limit` goes from before to after: a Redis used-memory threshold follows `redis_ceiling`
/// (its `maxmemory`, before and after, when the service is Redis), the others the limit.
pub(crate) fn follow_limit(
    thresholds: &[Threshold],
    service: &str,
    (before, after): (u64, u64),
    redis_ceiling: Option<(u64, u64)>,
) -> Vec<Edit> {
    let factor = |measure: Measure| match (measure, redis_ceiling) {
        (Measure::RedisUsedMemory, Some((was, will_be))) if was > 0 => {
            Some(will_be as f64 / was as f64)
        }
        _ if before > 0 => Some(after as f64 / before as f64),
        _ => None,
    };
    thresholds
        .iter()
        .filter(|t| t.service == service)
        .filter_map(|t| {
            let spelling = t.spelling.as_ref()?;
            let replacement = respell(
                &spelling.first_text,
                t.bytes * factor(t.measure)? / spelling.rest,
            )?;
            Some(Edit {
                span: spelling.first.clone(),
                replacement,
            })
        })
        .collect()
}

/// `value` written the way `text` is: an exponent form keeps its exponent (`4e8` -> `6e8`,
/// `300e6` -> `450e6`), a hexadecimal number stays hexadecimal, a decimal keeps at most three
/// decimals, an integer stays an integer.
fn respell(text: &str, value: f64) -> Option<String> {
    if !value.is_finite() || value <= 0.0 {
        return None;
    }
    let trimmed = |v: f64| {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        let digits = format!("{:x}", value.round() as u64);
        let upper = hex.chars().any(|c| c.is_ascii_uppercase());
        let digits = if upper { digits.to_uppercase() } else { digits };
        return Some(format!("{}{digits}", &text[..2]));
    }
    if let Some(at) = text.find(['e', 'E']) {
        let exponent: i32 = text[at + 1..].parse().ok()?;
        let mantissa = value / 10f64.powi(exponent);
        return Some(format!("{}{}", trimmed(mantissa), &text[at..]));
    }
    if text.contains('.') {
        return Some(trimmed(value));
    }
    Some(format!("{}", value.round() as u64))
}

/// The thresholds of one rule file tied to a service of the project.
fn thresholds(
    file: FileId,
    sources: &SourceMap,
    root: &Node,
    services: &[ProjectService],
    project_name: &str,
) -> Result<Vec<Threshold>, LoadError> {
    let mut out = Vec::new();
    if root.is_null() {
        return Ok(out);
    }
    let groups = root.get("groups").and_then(Node::as_seq).ok_or_else(|| {
        LoadError::at(
            root.span.clone(),
            "a Prometheus rule file is a mapping with `groups:`, a list of rule groups: Prometheus refuses this file too",
        )
    })?;
    let text = &sources.get(file).text;
    for rule in groups
        .iter()
        .filter_map(|g| g.get("rules").and_then(Node::as_seq))
        .flatten()
    {
        let (Some(alert), Some(expr)) =
            (rule.get("alert").and_then(Node::as_str), rule.get("expr"))
        else {
            continue;
        };
        let Some(expr_text) = expr.as_str() else {
            continue;
        };
        let locator = ValueLocator::new(text, expr);
        for comparison in promql::comparisons(expr_text) {
            let Some((service, measure)) = tie(&comparison, services, project_name) else {
                continue;
            };
            let located: Option<Vec<(Span, &str)>> =
                comparison.numbers.as_ref().and_then(|ranges| {
                    ranges
                        .iter()
                        .map(|r| {
                            let span = locator.span(r.clone());
                            let written = &expr_text[r.clone()];
                            (sources.text(&span) == written).then_some((span, written))
                        })
                        .collect()
                });
            let (span, spelling) = match located.as_deref() {
                Some([(first, first_text), rest @ ..]) => {
                    let end = rest
                        .last()
                        .map_or(first.range.end, |(last, _)| last.range.end);
                    let spelling =
                        promql::number_value(first_text)
                            .filter(|v| *v != 0.0)
                            .map(|v| Spelling {
                                first: first.clone(),
                                first_text: first_text.to_string(),
                                rest: comparison.value / v,
                            });
                    (Span::new(file, first.range.start..end), spelling)
                }
                _ => (expr.span.clone(), None),
            };
            out.push(Threshold {
                alert: alert.to_string(),
                service: service.name.clone(),
                metric: comparison.metric.clone(),
                measure,
                bytes: comparison.value,
                span,
                spelling,
            });
        }
    }
    Ok(out)
}

const CONTAINER_METRICS: [&str; 3] = [
    "container_memory_usage_bytes",
    "container_memory_working_set_bytes",
    "container_memory_rss",
];

/// An exporter that watches one service, found by its image and the address it scrapes.
struct Exporter {
    /// The metric family it exports.
    family: &'static str,
    /// Words of image names that run it.
    images: [&'static str; 2],
    /// Environment variables and flags that hold the address of the watched service.
    variables: [&'static str; 2],
    flags: [&'static str; 2],
}

const EXPORTERS: [Exporter; 2] = [
    Exporter {
        family: "redis_",
        images: ["redis_exporter", "redis-exporter"],
        variables: ["REDIS_ADDR", "REDIS_URI"],
        flags: ["--redis.addr", "-redis.addr"],
    },
    Exporter {
        family: "pg_",
        images: ["postgres_exporter", "postgres-exporter"],
        variables: ["DATA_SOURCE_NAME", "DATA_SOURCE_URI"],
        flags: ["--data-source-uri", "--data-source-name"],
    },
];

/// The service whose memory a comparison watches, and what bounds the metric; `None` for
/// metrics that are no memory of one service (CPU, host percentages, ratios).
fn tie<'s>(
    comparison: &promql::Comparison,
    services: &'s [ProjectService],
    project_name: &str,
) -> Option<(&'s ProjectService, Measure)> {
    let label = |name: &str| {
        comparison
            .labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let metric = comparison.metric.as_str();
    if CONTAINER_METRICS.contains(&metric) {
        let by_container = |value: &str| {
            services
                .iter()
                .find(|s| names_container(s, value, project_name))
        };
        let service = match label("container_label_com_docker_compose_service") {
            Some(name) => services.iter().find(|s| s.name == name),
            None => label("name")
                .or_else(|| label("container"))
                .and_then(by_container),
        }?;
        return Some((service, Measure::Container));
    }
    let exporter = EXPORTERS.iter().find(|e| metric.starts_with(e.family))?;
    let measure = match metric {
        "redis_memory_used_bytes" => Measure::RedisUsedMemory,
        m if m.contains("memory") && m.ends_with("_bytes") => Measure::Container,
        _ => return None,
    };
    let exporters: Vec<&ProjectService> = services
        .iter()
        .filter(|s| is_exporter(s, exporter))
        .collect();
    let named = label("job").or_else(|| label("instance").map(host_of));
    let chosen = match named {
        Some(name) => exporters
            .iter()
            .find(|s| s.hostnames().contains(&name))
            .copied()?,
        None => match exporters.as_slice() {
            [only] => only,
            _ => return None,
        },
    };
    Some((watched(chosen, exporter, services)?, measure))
}

/// Whether `value` (a `name` or `container` label) names a container of `service`: its
/// `container_name`, Compose's `<project>-<service>-<n>` (or v1's `<project>_<service>_<n>`),
/// or the service's name.
fn names_container(service: &ProjectService, value: &str, project_name: &str) -> bool {
    if service.name == value || service.get("container_name").and_then(Node::as_str) == Some(value)
    {
        return true;
    }
    ['-', '_'].iter().any(|&sep| {
        value
            .strip_prefix(project_name)
            .and_then(|rest| rest.strip_prefix(sep))
            .and_then(|rest| rest.strip_prefix(service.name.as_str()))
            .and_then(|rest| rest.strip_prefix(sep))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

fn is_exporter(service: &ProjectService, exporter: &Exporter) -> bool {
    let image = service.image().unwrap_or_default();
    exporter.images.iter().any(|i| image.contains(i))
}

/// The service an exporter scrapes: the host of its address, from its environment or flags.
/// The address is never shown (it may hold a password); only the service it names is.
fn watched<'s>(
    exporter_service: &ProjectService,
    exporter: &Exporter,
    services: &'s [ProjectService],
) -> Option<&'s ProjectService> {
    let from_env = exporter
        .variables
        .iter()
        .find_map(|v| exporter_service.env_var(v).and_then(|var| var.value));
    let from_flags = || {
        let args: Vec<String> = exporter_service
            .get("command")
            .map(|c| match c.as_seq() {
                Some(items) => items
                    .iter()
                    .filter_map(Node::as_str)
                    .map(String::from)
                    .collect(),
                None => c
                    .as_str()
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(String::from)
                    .collect(),
            })
            .unwrap_or_default();
        args.iter().enumerate().find_map(|(i, arg)| {
            exporter.flags.iter().find_map(|flag| {
                let rest = arg.strip_prefix(flag)?;
                match rest.strip_prefix('=') {
                    Some(value) => Some(value.to_string()),
                    None if rest.is_empty() => args.get(i + 1).cloned(),
                    None => None,
                }
            })
        })
    };
    let address = from_env.or_else(from_flags)?;
    let host = host_of(&address);
    services
        .iter()
        .filter(|s| s.name != exporter_service.name)
        .find(|s| s.hostnames().contains(&host))
}

/// The host of an address: `redis://:secret@cache:6379/0`, `db:5432/app?sslmode=disable` and
/// `cache:6379` all name `cache`/`db`.
fn host_of(address: &str) -> &str {
    let rest = address.split_once("://").map_or(address, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host_port.split(':').next().unwrap_or(host_port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respelling_keeps_the_form() {
        assert_eq!(respell("4e8", 6e8).as_deref(), Some("6e8"));
        assert_eq!(respell("300e6", 450e6).as_deref(), Some("450e6"));
        assert_eq!(
            respell("314572800", 471859200.0).as_deref(),
            Some("471859200")
        );
        assert_eq!(respell("0.5", 0.75).as_deref(), Some("0.75"));
        assert_eq!(respell("0x100", 512.0).as_deref(), Some("0x200"));
        assert_eq!(respell("300", 450.4).as_deref(), Some("450"));
    }

    #[test]
    fn hosts_of_addresses() {
        assert_eq!(host_of("redis://:secret@cache:6379/0"), "cache");
        assert_eq!(host_of("db:5432/app?sslmode=disable"), "db");
        assert_eq!(host_of("postgresql://u:p@db/app"), "db");
        assert_eq!(host_of("cache"), "cache");
    }
}
