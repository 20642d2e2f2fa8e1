use crate::compose::alerts::Measure;
use crate::diagnostic::Diagnostic;
use crate::units;

use super::{Check, Context};
use crate::registry::ALERT_THRESHOLD_UNREACHABLE as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for threshold in &cx.project.alerts {
        let Some(service) = cx.project.service(&threshold.service) else {
            continue;
        };
        if !cx.settings.runs(service) {
            continue;
        }
        let memory = service.memory();
        let limit = memory.limit();
        let maxmemory = (threshold.measure == Measure::RedisUsedMemory)
            .then(|| {
                let redis = service.redis.as_ref()?;
                let bytes = redis.maxmemory_bytes()?.ok().filter(|&b| b > 0)?;
                Some((bytes, redis.maxmemory.as_ref()?))
            })
            .flatten();
        let (ceiling, what, label) = match (maxmemory, limit) {
            (Some((bytes, directive)), _) => (
                bytes,
                format!("its Redis `maxmemory` ({})", units::human_bytes(bytes)),
                (
                    directive.span.clone(),
                    format!("maxmemory {}", units::human_bytes(bytes)),
                ),
            ),
            (None, Some((bytes, field))) => (
                bytes,
                format!("the container limit ({})", units::human_bytes(bytes)),
                (
                    field.node.edit_span().clone(),
                    format!("container limit {}", units::human_bytes(bytes)),
                ),
            ),
            (None, None) => continue,
        };
        if threshold.bytes < ceiling as f64 {
            continue;
        }
        let after = if maxmemory.is_some() {
            "Redis evicts or refuses writes"
        } else {
            "the kernel kills the container"
        };
        let threshold_text = units::human_bytes(threshold.bytes as u64);
        out.push(
            RULE.at(
                threshold.span.clone(),
                format!("threshold {threshold_text}"),
                format!(
                    "alert `{}` fires when `{}` of service `{}` passes {threshold_text}, which is not below {what}: {after} first, so the alert never fires",
                    threshold.alert, threshold.metric, service.name
                ),
            )
            .with_label(label.0, label.1)
            .with_service(&service.name)
            .with_help(
                "compare with the limit instead, which never drifts: `container_memory_usage_bytes / container_spec_memory_limit_bytes > 0.8` (or `redis_memory_used_bytes / redis_memory_max_bytes > 0.8`)",
            ),
        );
    }
}
