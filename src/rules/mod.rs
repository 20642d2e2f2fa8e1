//! The rules: one file each, registered in [`RULES`]. A rule reads the project model and reports
//! diagnostics; it never parses text or prints.

use crate::compose::redis::Directive;
use crate::compose::workload::Heap;
use crate::compose::{Project, ProjectService};
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::fix;
use crate::hidden::written_form;
use crate::settings::{Origin, Settings};
use crate::source::{SourceMap, Span};
use crate::units;
use crate::yaml::Node;

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
pub mod suppression_invalid;
pub mod unused_suppression;
mod variable_unset;
mod web_workers_exceed_cpus;

/// A rule: its stable public name, default severity, documentation and check.
pub struct Rule {
    /// The public ID, used in output, `--select`, suppressions and `lints/<name>.md`.
    pub name: &'static str,
    pub severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// The Markdown documentation, `lints/<name>.md`.
    pub doc: &'static str,
    pub check: fn(&Context, &mut Vec<Diagnostic>),
}

impl Rule {
    /// A diagnostic of this rule on a span.
    pub fn at(
        &self,
        span: Span,
        label: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(self.name, self.severity, span, label, message)
    }

    /// A diagnostic of this rule on a value, with labels on the aliases that carried it.
    pub fn on(
        &self,
        node: &Node,
        label: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::on_node(self.name, self.severity, node, label, message)
    }
}

impl Rule {
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

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every rule, sorted by name.
pub static RULES: &[&Rule] = &[
    &celery_child_memory_exceeds_limit::RULE,
    &celery_concurrency_implicit::RULE,
    &docs_limit_mismatch::RULE,
    &docs_service_missing::RULE,
    &docs_service_unknown::RULE,
    &docs_total_mismatch::RULE,
    &docs_value_mismatch::RULE,
    &file_not_read::RULE,
    &jvm_heap_exceeds_limit::RULE,
    &mem_limit_conflict::RULE,
    &mem_limit_invalid::RULE,
    &mem_limit_missing::RULE,
    &mem_reservation_exceeds_limit::RULE,
    &memswap_limit_invalid::RULE,
    &node_heap_exceeds_limit::RULE,
    &plan_ram_exceeded::RULE,
    &postgres_memory_worst_case::RULE,
    &postgres_setting_invalid::RULE,
    &postgres_shared_buffers_ratio::RULE,
    &redis_broker_eviction::RULE,
    &redis_config_invalid::RULE,
    &redis_maxmemory_exceeds_limit::RULE,
    &redis_maxmemory_headroom::RULE,
    &redis_maxmemory_missing::RULE,
    &replicas_invalid::RULE,
    &suppression_invalid::RULE,
    &unused_suppression::RULE,
    &variable_unset::RULE,
    &web_workers_exceed_cpus::RULE,
];

pub fn find(name: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.name == name)
}

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

/// A scalar's value for messages (without YAML quotes); a collection's text as written.
fn written<'a>(cx: &'a Context, node: &'a Node) -> &'a str {
    node.as_str().unwrap_or_else(|| cx.sources.text(&node.span))
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

/// [`hidden_value`] for a word read from a command line or a config file (a Redis directive, a
/// PostgreSQL setting): hidden unless its text is written at `span` as it is, outside any
/// variable's value. With the span of the value that uses the variables, the `${...}` in the
/// compose file.
fn hidden_word(cx: &Context, span: &Span, value: &str) -> Option<(String, Span)> {
    let mut variables = Vec::new();
    let mut holder = None;
    collect_variables(&cx.project.root, span, &mut variables, &mut holder);
    let written = cx.sources.text(span);
    let literal = written.trim_matches(['"', '\'']) == value;
    let in_variable = variables
        .iter()
        .any(|(_, set)| set.as_ref().is_some_and(|s| s.contains(span)));
    (!literal || in_variable).then(|| {
        (
            crate::hidden::describe(cx.sources, &variables, value.chars().count()),
            holder.unwrap_or_else(|| span.clone()),
        )
    })
}

/// A finding on a word of a command line or a config file, its message made from how to name
/// the value when it must not be shown ([`hidden_word`]). A hidden value is reported at the
/// `${...}` that uses it, as [`at_written`] does; a suppression on the `.env` line still applies.
fn on_word(
    rule: &Rule,
    cx: &Context,
    span: &Span,
    value: &str,
    label: &str,
    message: impl FnOnce(Option<&str>) -> String,
) -> Diagnostic {
    match hidden_word(cx, span, value) {
        Some((hidden, at)) => {
            let mut diagnostic = rule.at(at, label, message(Some(&hidden)));
            diagnostic.uses.push(span.clone());
            diagnostic
        }
        None => rule.at(span.clone(), label, message(None)),
    }
}

/// The variables of the values that hold `span` or whose `.env` text holds it, and the first
/// such value.
fn collect_variables(
    node: &Node,
    span: &Span,
    out: &mut Vec<(String, Option<Span>)>,
    holder: &mut Option<Span>,
) {
    let contains = |outer: &Span| outer.contains(span);
    match &node.value {
        crate::yaml::Value::Scalar(_) => {
            if let Some(substitution) = node.substitution() {
                let holds = contains(&node.span)
                    || substitution
                        .variables
                        .iter()
                        .any(|(_, s)| s.as_ref().is_some_and(contains));
                if holds {
                    out.extend(substitution.variables.iter().cloned());
                    holder.get_or_insert_with(|| node.span.clone());
                }
            }
        }
        crate::yaml::Value::Seq(items) => items
            .iter()
            .for_each(|n| collect_variables(n, span, out, holder)),
        crate::yaml::Value::Map(entries) => entries
            .iter()
            .for_each(|e| collect_variables(&e.value, span, out, holder)),
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
}

fn redis_sizings<'a>(cx: &'a Context) -> impl Iterator<Item = RedisSizing<'a>> {
    cx.running().filter_map(|service| {
        let redis = service.redis.as_ref()?;
        let directive = redis.maxmemory.as_ref()?;
        let maxmemory = redis.maxmemory_bytes()?.ok()?;
        let (limit, limit_node) = service
            .memory()
            .limit()
            .map(|(bytes, field)| (bytes, field.node))?;
        Some(RedisSizing {
            service,
            maxmemory,
            directive,
            limit,
            limit_node,
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
        let limit_text = size(written(cx, limit_field.node), limit);
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
    let edit = fix::replace_value(cx.sources, &directive.span, &directive.value, value)?;
    Some(fix::single(
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
    for rule in RULES {
        (rule.check)(cx, &mut diagnostics);
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
