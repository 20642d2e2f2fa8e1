use crate::budget::Budget;
use crate::diagnostic::Diagnostic;
use crate::settings::Origin;
use crate::units;

use super::{Check, Context};
use crate::registry::PLAN_RAM_EXCEEDED as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

/// How many of the largest consumers get a label of their own.
const LABELLED_CONSUMERS: usize = 3;

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(plan) = &cx.settings.plan else {
        return;
    };
    let budget = Budget::new(cx.project, cx.settings);
    let needed = budget.needed();
    if needed <= plan.value.ram_bytes() {
        return;
    }
    let unlimited = budget.unlimited();
    let lower_bound = if unlimited.is_empty() {
        String::new()
    } else {
        format!(
            "; {} {} no memory limit, so the real need is higher",
            unlimited
                .iter()
                .map(|r| format!("`{}`", r.service.name))
                .collect::<Vec<_>>()
                .join(", "),
            if unlimited.len() == 1 { "has" } else { "have" }
        )
    };
    let message = format!(
        "the services that run may use {} and the OS needs {}: {} in all, more than the {} of RAM of {}{lower_bound}",
        units::human_bytes(budget.containers()),
        units::human_bytes(budget.os_reserve),
        units::human_bytes(needed),
        units::human_bytes(plan.value.ram_bytes()),
        plan.value.display_name(),
    );
    let plan_label = format!(
        "{} has {}",
        plan.value.display_name(),
        units::human_bytes(plan.value.ram_bytes())
    );
    let services_key = cx
        .project
        .root
        .entry("services")
        .map(|e| e.key.span.clone());
    let mut diagnostic = match (&plan.origin, services_key) {
        (Origin::File(span), _) => RULE.at(span.clone(), plan_label, message),
        (_, Some(span)) => RULE.at(
            span,
            format!("these need {}; {plan_label}", units::human_bytes(needed)),
            message,
        ),
        (_, None) => return,
    };
    if let Origin::Config(span) = &plan.origin {
        diagnostic = diagnostic.with_label(span.clone(), "the plan, set in orion-lint.toml");
    }
    let mut consumers: Vec<_> = budget.rows.iter().filter(|r| r.subtotal() > 0).collect();
    consumers.sort_by_key(|r| std::cmp::Reverse(r.subtotal()));
    for row in consumers.into_iter().take(LABELLED_CONSUMERS) {
        let memory = row.service.memory();
        let Some((_, field)) = memory.limit() else {
            continue;
        };
        let label = if let Some(replicas) = row.replicas.filter(|r| *r > 1) {
            format!(
                "{} × {replicas} replicas",
                units::human_bytes(row.limit.unwrap_or(0)),
            )
        } else {
            units::human_bytes(row.subtotal())
        };
        diagnostic = diagnostic.with_node_label(field.node, label);
    }
    let help = match budget.smallest_fitting_plan() {
        Some(bigger) => format!(
            "lower the limits by {} in all, or move to {} ({}), the smallest plan that fits; `orion-lint budget` shows the table",
            units::human_bytes(needed - plan.value.ram_bytes()),
            bigger.display_name(),
            units::human_bytes(bigger.ram_bytes())
        ),
        None => format!(
            "lower the limits by {} in all; no plan in the catalog is large enough",
            units::human_bytes(needed - plan.value.ram_bytes())
        ),
    };
    out.push(diagnostic.with_help(help));
}
