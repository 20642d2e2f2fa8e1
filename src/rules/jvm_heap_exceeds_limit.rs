use crate::diagnostic::{Diagnostic, Severity};

use super::{Context, Rule};

pub static RULE: Rule = Rule {
    name: "jvm-heap-exceeds-limit",
    severity: Severity::Error,
    summary: "A JVM `-Xmx` heap at or near the container's memory limit",
    doc: include_str!("../../lints/jvm-heap-exceeds-limit.md"),
    check,
};

/// Metaspace, thread stacks, code cache and direct buffers need the rest (Elastic advises half).
const WARN_SHARE: f64 = 0.80;

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    super::check_heap(
        &RULE,
        cx,
        out,
        |service| service.workload.jvm_heap.as_ref(),
        WARN_SHARE,
        "metaspace, thread stacks, the code cache and direct buffers",
    );
}
