use crate::diagnostic::{Diagnostic, Severity};

use super::{Context, Rule};

pub static RULE: Rule = Rule {
    name: "node-heap-exceeds-limit",
    severity: Severity::Error,
    summary: "A Node `--max-old-space-size` at or near the container's memory limit",
    doc: include_str!("../../lints/node-heap-exceeds-limit.md"),
    check,
};

/// The young generation, buffers and native modules need the rest.
const WARN_SHARE: f64 = 0.85;

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    super::check_heap(
        &RULE,
        cx,
        out,
        |service| service.workload.node_heap.as_ref(),
        WARN_SHARE,
        "the young generation, `Buffer`s and native modules",
    );
}
