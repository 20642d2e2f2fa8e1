//! The rules: one file each, its check registered in `CHECKS` and its metadata in
//! [`crate::registry`]. A rule reads the project model and reports
//! diagnostics; it never parses text or prints.

use crate::compose::interpolated::HiddenWord;
use crate::compose::redis::Directive;
use crate::compose::workload::Heap;
use crate::compose::{Project, ProjectService};
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::edit;
use crate::hidden::written_form;
use crate::registry::Rule;
use crate::settings::{Origin, Settings};
use crate::source::{SourceMap, Span};
use crate::units;
use crate::yaml::Node;

mod alert_threshold_unreachable;
mod celery_child_memory_exceeds_limit;
mod celery_concurrency_implicit;
mod docs_limit_mismatch;
mod docs_service_missing;
mod docs_service_unknown;
mod docs_total_mismatch;
mod docs_value_mismatch;
mod file_not_read;
mod jvm_heap_exceeds_limit;
mod mem_limit_conflict;
mod mem_limit_invalid;
mod mem_limit_missing;
mod mem_reservation_exceeds_limit;
mod memswap_limit_invalid;
mod node_heap_exceeds_limit;
mod plan_ram_exceeded;
mod postgres_memory_worst_case;
mod postgres_setting_invalid;
mod postgres_shared_buffers_ratio;
mod redis_broker_eviction;
mod redis_config_invalid;
mod redis_maxmemory_exceeds_limit;
mod redis_maxmemory_headroom;
mod redis_maxmemory_missing;
mod replicas_invalid;
mod suppression_invalid;
mod unused_suppression;
mod variable_unset;
mod web_workers_exceed_cpus;

/// A rule's check, beside its metadata in [`crate::registry`].
pub(crate) struct Check {
    rule: &'static Rule,
    run: fn(&Context, &mut Vec<Diagnostic>),
}

/// What [`Rule::on`] does for a value that is not valid for its field, keeping a hidden value's
/// text out of the finding.
trait OnInvalid {
    fn on_invalid(
        &self,
        cx: &Context,
        node: &Node,
        label: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic;
}

impl OnInvalid for Rule {
    /// A diagnostic on a value that is not valid for its field: at the `${...}` that
    /// interpolated it when its text must not be shown ([`at_written`]), else as [`Rule::on`].
    fn on_invalid(
        &self,
        cx: &Context,
        node: &Node,
        label: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        match hidden_value(cx, node) {
            Some(_) => at_written(self.at(node.span.clone(), label, message), node),
            None => self.on(node, label, message),
        }
    }
}

/// Every rule's check, in the order of [`crate::registry::RULES`].
static CHECKS: &[&Check] = &[
    &alert_threshold_unreachable::CHECK,
    &celery_child_memory_exceeds_limit::CHECK,
    &celery_concurrency_implicit::CHECK,
    &docs_limit_mismatch::CHECK,
    &docs_service_missing::CHECK,
    &docs_service_unknown::CHECK,
    &docs_total_mismatch::CHECK,
    &docs_value_mismatch::CHECK,
    &file_not_read::CHECK,
    &jvm_heap_exceeds_limit::CHECK,
    &mem_limit_conflict::CHECK,
    &mem_limit_invalid::CHECK,
    &mem_limit_missing::CHECK,
    &mem_reservation_exceeds_limit::CHECK,
    &memswap_limit_invalid::CHECK,
    &node_heap_exceeds_limit::CHECK,
    &plan_ram_exceeded::CHECK,
    &postgres_memory_worst_case::CHECK,
    &postgres_setting_invalid::CHECK,
    &postgres_shared_buffers_ratio::CHECK,
    &redis_broker_eviction::CHECK,
    &redis_config_invalid::CHECK,
    &redis_maxmemory_exceeds_limit::CHECK,
    &redis_maxmemory_headroom::CHECK,
    &redis_maxmemory_missing::CHECK,
    &replicas_invalid::CHECK,
    &suppression_invalid::CHECK,
    &unused_suppression::CHECK,
    &variable_unset::CHECK,
    &web_workers_exceed_cpus::CHECK,
];

/// What a rule sees: the project, the settings of this run and the source text.
pub struct Context<'a> {
    pub project: &'a Project,
    pub settings: &'a Settings,
    pub sources: &'a SourceMap,
}

impl Context<'_> {
    /// The services that will run with the active profiles and have at least one replica.
    pub fn running(&self) -> impl Iterator<Item = &ProjectService> {
        self.project
            .services
            .iter()
            .filter(|s| self.settings.runs(s))
    }
}

/// A size as written with its value: "`128m` (128 MiB)".
fn size(written: &str, bytes: u64) -> String {
    format!("`{written}` ({})", units::human_bytes(bytes))
}

/// A size with its exact bytes, for comparisons across programs whose units differ:
/// "`100m` (100,000,000 B, 95.4 MiB)".
fn exact_size(written: &str, bytes: u64) -> String {
    format!(
        "`{written}` ({}, {})",
        units::exact_bytes(bytes),
        units::human_bytes(bytes)
    )
}

/// [`crate::hidden::value`]: how to name a value that must not be shown, if it must not.
fn hidden_value(cx: &Context, node: &Node) -> Option<String> {
    crate::hidden::value(cx.sources, node)
}

/// A finding on a hidden value, placed at the `${...}` that uses it rather than on the `.env`
/// line that holds it (a snippet there would show the value); a suppression comment on that line
/// still covers it.
fn at_written(mut diagnostic: Diagnostic, node: &Node) -> Diagnostic {
    diagnostic.uses.push(node.edit_span().clone());
    diagnostic.uses.extend(node.via.iter().cloned());
    diagnostic
}

/// A finding on a word of a command line or a config file, its message made from how to name
/// the value when it must not be shown (`hidden`, recorded at load). A hidden value is reported
/// at the `${...}` that uses it, as [`at_written`] does; a suppression on the `.env` line still
/// applies.
fn on_word(
    rule: &Rule,
    cx: &Context,
    (span, value, hidden): (&Span, &str, Option<&HiddenWord>),
    label: &str,
    message: impl FnOnce(Option<&str>) -> String,
) -> Diagnostic {
    match hidden {
        Some(hidden) => {
            let described =
                crate::hidden::describe(cx.sources, &hidden.variables, value.chars().count());
            let mut diagnostic = rule.at(hidden.at.clone(), label, message(Some(&described)));
            diagnostic.uses.push(span.clone());
            diagnostic
        }
        None => rule.at(span.clone(), label, message(None)),
    }
}

/// Redis reads `k`, `m` and `g` as powers of 1000 where Compose reads powers of 1024: say so when
/// a value uses them.
fn redis_unit_note(value: &str) -> &'static str {
    if units::redis_unit_is_decimal(value) {
        " (Redis reads `k`, `m` and `g` as powers of 1000, unlike Compose: `kb`, `mb` and `gb` are the 1024-based units)"
    } else {
        ""
    }
}

/// A running Redis with a container limit and a `maxmemory` Redis can read: what the
/// `maxmemory` rules compare.
struct RedisSizing<'a> {
    service: &'a ProjectService,
    maxmemory: u64,
    directive: &'a Directive,
    limit: u64,
    limit_node: &'a Node,
    /// The limit as written, for messages.
    limit_written: &'a str,
}

fn redis_sizings<'a>(cx: &'a Context) -> impl Iterator<Item = RedisSizing<'a>> {
    cx.running().filter_map(|service| {
        let redis = service.redis.as_ref()?;
        let directive = redis.maxmemory.as_ref()?;
        let maxmemory = redis.maxmemory_bytes()?.ok()?;
        let (limit, limit_node, limit_written) = service
            .memory()
            .limit()
            .map(|(bytes, field)| (bytes, field.node, field.written))?;
        Some(RedisSizing {
            service,
            maxmemory,
            directive,
            limit,
            limit_node,
            limit_written,
        })
    })
}

/// The plan the stack runs on, with the label that points at where it is chosen (none when it
/// comes from the command line).
fn with_plan_label(diagnostic: Diagnostic, cx: &Context, label: String) -> Diagnostic {
    match cx.settings.plan.as_ref().map(|p| &p.origin) {
        Some(Origin::File(span) | Origin::Config(span)) => {
            diagnostic.with_label(span.clone(), label)
        }
        _ => diagnostic,
    }
}

/// The CPUs a service's processes are sized against: its own `cpus` limit, else the plan's
/// vCPUs. With the label to put on it and how to name it in a message.
struct CpuBudget<'a> {
    cpus: f64,
    limit_node: Option<&'a Node>,
    /// "`cpus: 1.5`", "the 2 vCPUs of plan CAX11".
    described: String,
}

fn cpu_budget<'a>(cx: &Context, service: &'a ProjectService) -> Option<CpuBudget<'a>> {
    if let Some(field) = service.cpus() {
        return Some(CpuBudget {
            cpus: field.cpus,
            limit_node: Some(field.node),
            described: format!("the service's CPU limit `cpus: {}`", field.cpus),
        });
    }
    let plan = cx.settings.plan.as_ref()?.value;
    Some(CpuBudget {
        cpus: f64::from(plan.vcpus),
        limit_node: None,
        described: format!("the {} vCPUs of plan {}", plan.vcpus, plan.display_name()),
    })
}

impl CpuBudget<'_> {
    fn label(&self, diagnostic: Diagnostic, cx: &Context) -> Diagnostic {
        match self.limit_node {
            Some(node) => diagnostic.with_node_label(node, format!("CPU limit {}", self.cpus)),
            None => with_plan_label(diagnostic, cx, format!("{} vCPUs", self.cpus)),
        }
    }
}

/// The heap rules: a heap at or above the container limit is an error, one above `warn_share`
/// of it a warning (the runtime needs memory outside the heap).
fn check_heap(
    rule: &'static Rule,
    cx: &Context,
    out: &mut Vec<Diagnostic>,
    heap_of: fn(&ProjectService) -> Option<&Heap>,
    warn_share: f64,
    outside_heap: &str,
) {
    for service in cx.running() {
        let Some(heap) = heap_of(service) else {
            continue;
        };
        let memory = service.memory();
        let Some((limit, limit_field)) = memory.limit() else {
            continue;
        };
        let allowed = (limit as f64 * warn_share) as u64;
        if heap.bytes <= allowed {
            continue;
        }
        let percent = heap.bytes as f64 * 100.0 / limit as f64;
        let where_set = heap
            .variable
            .map_or_else(String::new, |v| format!(" (in `{v}`)"));
        let option = format!("{}{}", heap.option, heap.size.text);
        let limit_text = size(limit_field.written, limit);
        let mut diagnostic = rule.at(
            heap.size.span.clone(),
            format!("heap {}", units::human_bytes(heap.bytes)),
            if heap.bytes >= limit {
                format!(
                    "`{option}`{where_set} ({}) is not below the container limit {limit_text}: the kernel kills the process before the heap is full",
                    units::human_bytes(heap.bytes)
                )
            } else {
                format!(
                    "`{option}`{where_set} ({}) is {percent:.0}% of the container limit {limit_text}, above {:.0}%: {outside_heap} live outside the heap",
                    units::human_bytes(heap.bytes),
                    warn_share * 100.0
                )
            },
        );
        if heap.bytes < limit {
            diagnostic.severity = Severity::Warning;
        }
        out.push(
            diagnostic
                .with_node_label(
                    limit_field.node,
                    format!("container limit {}", units::human_bytes(limit)),
                )
                .with_service(&service.name)
                .with_help(format!(
                    "lower the heap to at most {:.0}% of the limit ({}) or raise the limit",
                    warn_share * 100.0,
                    units::human_bytes(allowed)
                )),
        );
    }
}

/// The fix that sets a `maxmemory` directive to `value`.
fn set_maxmemory(cx: &Context, directive: &Directive, value: &str) -> Option<Fix> {
    let edit = edit::replace_value(cx.sources, &directive.span, &directive.value, value)?;
    Some(edit::single(
        format!("set maxmemory to {value}"),
        Applicability::Safe,
        edit,
    ))
}

/// What a budget table should state for a service: its limit, times its replicas when the
/// table gives totals per service.
struct DocBudget<'a> {
    bytes: u64,
    limit: u64,
    replicas: u64,
    limit_node: &'a Node,
}

impl DocBudget<'_> {
    fn replicas_note(&self) -> String {
        if self.replicas == 1 {
            String::new()
        } else {
            format!(" x {} replicas", self.replicas)
        }
    }
}

fn doc_budget<'a>(
    cx: &'a Context,
    service: &str,
    per_replica_total: bool,
) -> Option<DocBudget<'a>> {
    let service = cx.project.services.iter().find(|s| s.name == service)?;
    let memory = service.memory();
    let (limit, field) = memory.limit()?;
    let replicas = if per_replica_total {
        service.replicas()?
    } else {
        1
    };
    Some(DocBudget {
        bytes: limit.checked_mul(replicas)?,
        limit,
        replicas,
        limit_node: field.node,
    })
}

/// Run every rule over a project; diagnostics come out in source order.
pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for check in CHECKS {
        let before = diagnostics.len();
        (check.run)(cx, &mut diagnostics);
        debug_assert!(
            diagnostics[before..]
                .iter()
                .all(|d| d.rule == check.rule.name),
            "a check reports findings of its own rule only: {}",
            check.rule.name
        );
    }
    diagnostics.sort_by(|a, b| {
        (a.primary.span.file, a.primary.span.range.start, a.rule).cmp(&(
            b.primary.span.file,
            b.primary.span.range.start,
            b.rule,
        ))
    });
    diagnostics.dedup();
    diagnostics
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_rule_has_one_check_in_registry_order() {
        let checked: Vec<&str> = super::CHECKS.iter().map(|c| c.rule.name).collect();
        let registered: Vec<&str> = crate::registry::RULES.iter().map(|r| r.name).collect();
        assert_eq!(checked, registered);
    }
}
