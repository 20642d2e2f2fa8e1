use crate::compose::service::{CountField, SizeField};
use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::edit;
use crate::units;
use crate::yaml::Node;

use super::{Check, Context, size};
use crate::registry::MEM_LIMIT_CONFLICT as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

const HELP: &str = "keep one of the two: `deploy.resources.limits.memory` is the Compose Specification's place for it, and it is honoured by Compose v1, v2 and Swarm";

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for service in &cx.project.services {
        let memory = service.memory();
        let limits = memory.deploy_limits;
        let reservations = service
            .node
            .get_path(&["deploy", "resources", "reservations"])
            .filter(|n| !n.is_null());
        let pairs = [
            (
                "mem_limit",
                &memory.mem_limit,
                "deploy.resources.limits",
                limits,
                &memory.deploy_limit,
            ),
            (
                "mem_reservation",
                &memory.mem_reservation,
                "deploy.resources.reservations",
                reservations,
                &memory.deploy_reservation,
            ),
        ];
        for (legacy_name, legacy, block_name, block, deploy) in pairs {
            if let Some(diagnostic) =
                memory_conflict(cx, legacy_name, legacy, block_name, block, deploy)
            {
                out.push(diagnostic.with_service(&service.name));
            }
        }
        if let (Some(scale), Some(replicas)) = (service.scale(), service.deploy_replicas()) {
            if let Some(diagnostic) = count_conflict(cx, &scale, &replicas) {
                out.push(diagnostic.with_service(&service.name));
            }
        }
    }
}

/// Compose v2 compares the two in bytes once `mem_limit` is non-zero; a `deploy` block without
/// `memory` counts as 0 (compose-go `loader/validate.go`).
fn memory_conflict(
    cx: &Context,
    legacy_name: &str,
    legacy: &Option<SizeField>,
    block_name: &str,
    block: Option<&Node>,
    deploy: &Option<SizeField>,
) -> Option<Diagnostic> {
    let legacy = legacy.as_ref()?;
    let legacy_bytes = *legacy.bytes.as_ref().ok().filter(|b| **b > 0)?;
    let block = block?;
    let legacy_text = size(legacy.written, legacy_bytes);
    let Some(deploy) = deploy else {
        return Some(
            RULE.on(
                legacy.node,
                format!("conflicts with `{block_name}`, which has no `memory`"),
                format!(
                    "`{legacy_name}: {}` is set beside a `{block_name}` block without `memory`: Compose v2 refuses the file (it compares {legacy_text} with 0) and Compose v1 drops the limit",
                    legacy.written,
                ),
            )
            .with_node_label(block, format!("`{block_name}` without `memory`"))
            .with_help(format!("move the value into `{block_name}.memory` and remove `{legacy_name}`")),
        );
    };
    let deploy_bytes = *deploy.bytes.as_ref().ok()?;
    if deploy_bytes == legacy_bytes {
        return None;
    }
    let deploy_text = size(deploy.written, deploy_bytes);
    let diagnostic = RULE
        .on(
            deploy.node,
            format!("{deploy_text} here"),
            format!(
                "`{legacy_name}` is {legacy_text} but `{block_name}.memory` is {deploy_text}: Compose v2 refuses the file (\"can't set distinct values\") and Compose v1 silently uses the `deploy` value"
            ),
        )
        .with_node_label(legacy.node, format!("{legacy_text} here"))
        .with_help(HELP);
    // Unsafe: which value was meant is a decision; the smaller one is the one that fits.
    let (larger, smaller) = if legacy_bytes > deploy_bytes {
        (legacy, deploy_bytes)
    } else {
        (deploy, legacy_bytes)
    };
    Some(match align(cx, larger, smaller) {
        Some(fix) => diagnostic.with_fix(fix),
        None => diagnostic,
    })
}

/// The fix that writes `bytes` in place of a size, in that size's style.
fn align(cx: &Context, field: &SizeField, bytes: u64) -> Option<Fix> {
    let value = units::compose_size_like(bytes, field.edit_text);
    let edit = edit::replace_value(cx.sources, field.node.edit_span(), field.edit_text, &value)?;
    Some(edit::single(
        format!("use the smaller value, {value}, in both places"),
        Applicability::Unsafe,
        edit,
    ))
}

fn count_conflict(cx: &Context, scale: &CountField, replicas: &CountField) -> Option<Diagnostic> {
    let (Ok(a), Ok(b)) = (&scale.value, &replicas.value) else {
        return None;
    };
    let (a, b) = (*a, *b);
    if a == b {
        return None;
    }
    let diagnostic = RULE
        .on(
            replicas.node,
            format!("{b} replicas here"),
            format!(
                "`scale: {}` and `deploy.replicas: {}` disagree: Compose v2 refuses the file (\"can't set distinct values\")",
                scale.written, replicas.written
            ),
        )
        .with_node_label(scale.node, format!("{a} here"))
        .with_help("keep only `deploy.replicas`; `scale` is its older spelling");
    let (larger, smaller) = if a > b { (scale, b) } else { (replicas, a) };
    let edit = edit::replace_value(
        cx.sources,
        larger.node.edit_span(),
        larger.edit_text,
        &smaller.to_string(),
    );
    Some(match edit {
        Some(edit) => diagnostic.with_fix(edit::single(
            format!("use the smaller count, {smaller}, in both places"),
            Applicability::Unsafe,
            edit,
        )),
        None => diagnostic,
    })
}
