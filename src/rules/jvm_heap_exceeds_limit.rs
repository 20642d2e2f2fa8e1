use crate::diagnostic::Diagnostic;

use super::{Check, Context};
use crate::registry::JVM_HEAP_EXCEEDS_LIMIT as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
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
