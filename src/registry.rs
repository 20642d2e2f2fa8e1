//! Every rule's metadata, written once: its stable public name, default severity, one-line
//! summary and documentation. Selection, settings, suppression comments, the configuration file
//! and the renderers need only this, not the checks, which live in `crate::rules` (one file
//! per rule, each naming its entry here), so this module sits at the bottom.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Span;
use crate::yaml::Node;

/// A rule's metadata.
pub struct Rule {
    /// The public ID, used in output, `--select`, suppressions and `lints/<name>.md`.
    pub name: &'static str,
    pub severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// The Markdown documentation, `lints/<name>.md`.
    pub doc: &'static str,
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

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every rule, sorted by name.
pub static RULES: &[&Rule] = &[
    &ALERT_THRESHOLD_UNREACHABLE,
    &CELERY_CHILD_MEMORY_EXCEEDS_LIMIT,
    &CELERY_CONCURRENCY_IMPLICIT,
    &DOCS_LIMIT_MISMATCH,
    &DOCS_SERVICE_MISSING,
    &DOCS_SERVICE_UNKNOWN,
    &DOCS_TOTAL_MISMATCH,
    &DOCS_VALUE_MISMATCH,
    &FILE_NOT_READ,
    &JVM_HEAP_EXCEEDS_LIMIT,
    &MEM_LIMIT_CONFLICT,
    &MEM_LIMIT_INVALID,
    &MEM_LIMIT_MISSING,
    &MEM_RESERVATION_EXCEEDS_LIMIT,
    &MEMSWAP_LIMIT_INVALID,
    &NODE_HEAP_EXCEEDS_LIMIT,
    &PLAN_RAM_EXCEEDED,
    &POSTGRES_MEMORY_WORST_CASE,
    &POSTGRES_SETTING_INVALID,
    &POSTGRES_SHARED_BUFFERS_RATIO,
    &REDIS_BROKER_EVICTION,
    &REDIS_CONFIG_INVALID,
    &REDIS_MAXMEMORY_EXCEEDS_LIMIT,
    &REDIS_MAXMEMORY_HEADROOM,
    &REDIS_MAXMEMORY_MISSING,
    &REPLICAS_INVALID,
    &SUPPRESSION_INVALID,
    &UNUSED_SUPPRESSION,
    &VARIABLE_UNSET,
    &WEB_WORKERS_EXCEED_CPUS,
];

/// The rule with this name.
pub fn find(name: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.name == name)
}

pub static ALERT_THRESHOLD_UNREACHABLE: Rule = Rule {
    name: "alert-threshold-unreachable",
    severity: Severity::Warning,
    summary: "A Prometheus alert's memory threshold is at or above what the metric can reach",
    doc: include_str!("../lints/alert-threshold-unreachable.md"),
};

pub static CELERY_CHILD_MEMORY_EXCEEDS_LIMIT: Rule = Rule {
    name: "celery-child-memory-exceeds-limit",
    severity: Severity::Warning,
    summary: "Celery's `--max-memory-per-child` times its processes reaches the container limit",
    doc: include_str!("../lints/celery-child-memory-exceeds-limit.md"),
};

pub static CELERY_CONCURRENCY_IMPLICIT: Rule = Rule {
    name: "celery-concurrency-implicit",
    severity: Severity::Warning,
    summary: "A Celery worker without a concurrency starts one process per CPU of the host",
    doc: include_str!("../lints/celery-concurrency-implicit.md"),
};

pub static DOCS_LIMIT_MISMATCH: Rule = Rule {
    name: "docs-limit-mismatch",
    severity: Severity::Warning,
    summary: "A budget table in a Markdown doc states a memory limit the compose file does not set",
    doc: include_str!("../lints/docs-limit-mismatch.md"),
};

pub static DOCS_SERVICE_MISSING: Rule = Rule {
    name: "docs-service-missing",
    severity: Severity::Warning,
    summary: "A budget table in a Markdown doc lists the services but leaves out one with a memory limit",
    doc: include_str!("../lints/docs-service-missing.md"),
};

pub static DOCS_SERVICE_UNKNOWN: Rule = Rule {
    name: "docs-service-unknown",
    severity: Severity::Warning,
    summary: "A budget table in a Markdown doc has a row for a service the compose file does not define",
    doc: include_str!("../lints/docs-service-unknown.md"),
};

pub static DOCS_TOTAL_MISMATCH: Rule = Rule {
    name: "docs-total-mismatch",
    severity: Severity::Warning,
    summary: "A subtotal or total row of a budget table is not the sum of the rows it adds up",
    doc: include_str!("../lints/docs-total-mismatch.md"),
};

pub static DOCS_VALUE_MISMATCH: Rule = Rule {
    name: "docs-value-mismatch",
    severity: Severity::Warning,
    summary: "A Markdown doc states a service's maxmemory, limit, concurrency or workers unlike the compose file",
    doc: include_str!("../lints/docs-value-mismatch.md"),
};

pub static FILE_NOT_READ: Rule = Rule {
    name: "file-not-read",
    severity: Severity::Info,
    summary: "A file the project names is outside the repository, or not a regular file, so it is not read",
    doc: include_str!("../lints/file-not-read.md"),
};

pub static JVM_HEAP_EXCEEDS_LIMIT: Rule = Rule {
    name: "jvm-heap-exceeds-limit",
    severity: Severity::Error,
    summary: "A JVM `-Xmx` heap at or near the container's memory limit",
    doc: include_str!("../lints/jvm-heap-exceeds-limit.md"),
};

pub static MEM_LIMIT_CONFLICT: Rule = Rule {
    name: "mem-limit-conflict",
    severity: Severity::Error,
    summary: "`mem_limit` and `deploy.resources.limits.memory` (or `scale` and `deploy.replicas`) disagree",
    doc: include_str!("../lints/mem-limit-conflict.md"),
};

pub static MEM_LIMIT_INVALID: Rule = Rule {
    name: "mem-limit-invalid",
    severity: Severity::Error,
    summary: "A memory value Compose rejects, silently drops, or Docker refuses",
    doc: include_str!("../lints/mem-limit-invalid.md"),
};

pub static MEM_LIMIT_MISSING: Rule = Rule {
    name: "mem-limit-missing",
    severity: Severity::Warning,
    summary: "A service that will run has no memory limit",
    doc: include_str!("../lints/mem-limit-missing.md"),
};

pub static MEM_RESERVATION_EXCEEDS_LIMIT: Rule = Rule {
    name: "mem-reservation-exceeds-limit",
    severity: Severity::Error,
    summary: "A memory reservation is larger than the memory limit",
    doc: include_str!("../lints/mem-reservation-exceeds-limit.md"),
};

pub static MEMSWAP_LIMIT_INVALID: Rule = Rule {
    name: "memswap-limit-invalid",
    severity: Severity::Error,
    summary: "A `memswap_limit` Compose or Docker refuses: unreadable, below the memory limit, or without one",
    doc: include_str!("../lints/memswap-limit-invalid.md"),
};

pub static NODE_HEAP_EXCEEDS_LIMIT: Rule = Rule {
    name: "node-heap-exceeds-limit",
    severity: Severity::Error,
    summary: "A Node `--max-old-space-size` at or near the container's memory limit",
    doc: include_str!("../lints/node-heap-exceeds-limit.md"),
};

pub static PLAN_RAM_EXCEEDED: Rule = Rule {
    name: "plan-ram-exceeded",
    severity: Severity::Error,
    summary: "The memory limits of the services that run, plus the OS reserve, exceed the plan's RAM",
    doc: include_str!("../lints/plan-ram-exceeded.md"),
};

pub static POSTGRES_MEMORY_WORST_CASE: Rule = Rule {
    name: "postgres-memory-worst-case",
    severity: Severity::Warning,
    summary: "PostgreSQL's shared_buffers, work_mem per connection and autovacuum memory exceed the container limit",
    doc: include_str!("../lints/postgres-memory-worst-case.md"),
};

pub static POSTGRES_SETTING_INVALID: Rule = Rule {
    name: "postgres-setting-invalid",
    severity: Severity::Error,
    summary: "A PostgreSQL memory setting PostgreSQL refuses to start with",
    doc: include_str!("../lints/postgres-setting-invalid.md"),
};

pub static POSTGRES_SHARED_BUFFERS_RATIO: Rule = Rule {
    name: "postgres-shared-buffers-ratio",
    severity: Severity::Warning,
    summary: "PostgreSQL `shared_buffers` is outside 15-40% of the container's memory limit",
    doc: include_str!("../lints/postgres-shared-buffers-ratio.md"),
};

pub static REDIS_BROKER_EVICTION: Rule = Rule {
    name: "redis-broker-eviction",
    severity: Severity::Warning,
    summary: "A Redis used as a task broker may evict queued tasks",
    doc: include_str!("../lints/redis-broker-eviction.md"),
};

pub static REDIS_CONFIG_INVALID: Rule = Rule {
    name: "redis-config-invalid",
    severity: Severity::Error,
    summary: "A `maxmemory` or `maxmemory-policy` value Redis refuses to start with",
    doc: include_str!("../lints/redis-config-invalid.md"),
};

pub static REDIS_MAXMEMORY_EXCEEDS_LIMIT: Rule = Rule {
    name: "redis-maxmemory-exceeds-limit",
    severity: Severity::Error,
    summary: "Redis `maxmemory` is not below the container's memory limit",
    doc: include_str!("../lints/redis-maxmemory-exceeds-limit.md"),
};

pub static REDIS_MAXMEMORY_HEADROOM: Rule = Rule {
    name: "redis-maxmemory-headroom",
    severity: Severity::Warning,
    summary: "Redis `maxmemory` leaves too little of the container limit for forks and fragmentation",
    doc: include_str!("../lints/redis-maxmemory-headroom.md"),
};

pub static REDIS_MAXMEMORY_MISSING: Rule = Rule {
    name: "redis-maxmemory-missing",
    severity: Severity::Warning,
    summary: "A Redis with a container memory limit has no `maxmemory`",
    doc: include_str!("../lints/redis-maxmemory-missing.md"),
};

pub static REPLICAS_INVALID: Rule = Rule {
    name: "replicas-invalid",
    severity: Severity::Error,
    summary: "A `scale` or `deploy.replicas` Compose refuses: negative, fractional, not a number, or too large",
    doc: include_str!("../lints/replicas-invalid.md"),
};

pub static SUPPRESSION_INVALID: Rule = Rule {
    name: "suppression-invalid",
    severity: Severity::Warning,
    summary: "A suppression comment names an unknown rule or is malformed",
    doc: include_str!("../lints/suppression-invalid.md"),
};

pub static UNUSED_SUPPRESSION: Rule = Rule {
    name: "unused-suppression",
    severity: Severity::Info,
    summary: "A suppression comment names a rule that reports nothing there",
    doc: include_str!("../lints/unused-suppression.md"),
};

pub static VARIABLE_UNSET: Rule = Rule {
    name: "variable-unset",
    severity: Severity::Warning,
    summary: "A value orion-lint checks uses a variable that is not set and has no default",
    doc: include_str!("../lints/variable-unset.md"),
};

pub static WEB_WORKERS_EXCEED_CPUS: Rule = Rule {
    name: "web-workers-exceed-cpus",
    severity: Severity::Warning,
    summary: "More gunicorn or uvicorn workers than 2 x CPUs + 1",
    doc: include_str!("../lints/web-workers-exceed-cpus.md"),
};
