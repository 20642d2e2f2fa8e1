use crate::diagnostic::Diagnostic;

use super::{Check, Context};
use crate::registry::NODE_HEAP_EXCEEDS_LIMIT as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
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
