//! `orion-lint budget`: the memory table of each project, as text or JSON.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::budget::{Budget, Row};
use crate::engine::ProjectBudget;
use crate::lint::LoadedProject;
use crate::rescale::{self, Rescale};
use crate::source::SourceMap;
use crate::units::human_bytes;

/// Width of the proportional bar for a service that takes the whole plan.
const BAR_WIDTH: usize = 24;

pub(super) fn files(project: &LoadedProject, sources: &SourceMap) -> Vec<String> {
    project
        .project
        .files
        .iter()
        .map(|f| sources.get(*f).display_path())
        .collect()
}

fn profiles_text(project: &LoadedProject) -> String {
    match &project.settings.profiles {
        None => "all profiles".to_string(),
        Some(active) if active.is_empty() => "no profiles".to_string(),
        Some(active) => format!("profiles: {}", active.join(", ")),
    }
}

/// A bar proportional to `share` (0..=1), in eighths of a character.
fn bar(share: f64) -> String {
    const PARTIAL: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let eighths = (share.clamp(0.0, 1.0) * (BAR_WIDTH * 8) as f64).round() as usize;
    let mut bar = "█".repeat(eighths / 8);
    bar.push_str(PARTIAL[eighths % 8]);
    bar
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        String::new()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

pub fn budget_text(budgets: &[ProjectBudget], sources: &SourceMap) -> String {
    let mut out = String::new();
    for (i, budget) in budgets.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        write_budget(&mut out, budget, sources);
    }
    out
}

fn write_budget(out: &mut String, entry: &ProjectBudget, sources: &SourceMap) {
    let (budget, project) = (&entry.budget, entry.project);
    let plan_text = match budget.plan {
        Some(p) => format!(
            "{} ({} vCPU, {} RAM)",
            p.display_name(),
            p.vcpus,
            human_bytes(p.ram_bytes())
        ),
        None => "no plan (use --plan or x-orion-lint: {plan: ...})".to_string(),
    };
    let _ = writeln!(
        out,
        "{}: {plan_text}, {}",
        files(project, sources).join(" + "),
        profiles_text(project)
    );
    // Shares are of the plan's RAM, or of everything needed when there is no plan.
    let whole = budget.plan.map_or(budget.needed(), |p| p.ram_bytes());
    let name_width = budget
        .rows
        .iter()
        .map(|r| r.service.name.len())
        .chain(["containers".len(), "OS reserve".len()])
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "  {:name_width$}  {:>9}  {:>3}  {:>9}  {:>6}",
        "service", "limit", "×", "subtotal", "share"
    );
    for row in &budget.rows {
        write_row(out, row, whole, name_width);
    }
    let line = |out: &mut String, name: &str, bytes: u64| {
        let _ = writeln!(
            out,
            "  {name:name_width$}  {:>9}  {:>3}  {:>9}  {:>6}  {}",
            "",
            "",
            human_bytes(bytes),
            percent(bytes, whole),
            bar(bytes as f64 / whole.max(1) as f64)
        );
    };
    line(out, "containers", budget.containers());
    line(out, "OS reserve", budget.os_reserve);
    let _ = writeln!(
        out,
        "  {:name_width$}  {:>9}  {:>3}  {:>9}  {:>6}",
        "total",
        "",
        "",
        human_bytes(budget.needed()),
        percent(budget.needed(), whole)
    );
    if let (Some(plan), Some(remaining)) = (budget.plan, budget.remaining()) {
        let verdict = remaining_text(remaining);
        let _ = writeln!(
            out,
            "  {} has {}: {verdict}",
            plan.display_name(),
            human_bytes(plan.ram_bytes())
        );
    }
    if budget.out_of_range() {
        out.push_str(
            "  the total is beyond 16 EiB, more than orion-lint counts: check `replicas` and the limits\n",
        );
    }
    let unlimited = budget.unlimited();
    if !unlimited.is_empty() {
        let _ = writeln!(
            out,
            "  without a known memory limit (not counted, so the total is a lower bound): {}",
            unlimited
                .iter()
                .map(|r| r.service.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    // A rescale `--fix` would refuse is reported by `--fix`; the table shows only one that works.
    if let Some(rescale) = &entry.rescale {
        out.push('\n');
        out.push_str(&rescale_text(rescale, false));
    }
    match budget.smallest_fitting_plan() {
        Some(p) => {
            let _ = writeln!(
                out,
                "  smallest plan that fits today's limits: {} ({} vCPU, {})",
                p.display_name(),
                p.vcpus,
                human_bytes(p.ram_bytes())
            );
        }
        None => out.push_str("  no plan in the catalog fits today's limits\n"),
    }
}

/// A rescale as a before/after table with its totals: the preview of `budget --plan` (`done`
/// false) and the report of `--fix --plan` (`done` true) print the same `Rescale`.
pub fn rescale_text(rescale: &Rescale, done: bool) -> String {
    let mut out = String::new();
    let (from, to) = (rescale.from.display_name(), rescale.to.display_name());
    if std::ptr::eq(rescale.from, rescale.to) {
        let outcome = if done {
            "no limit changed; the plan is recorded"
        } else {
            "nothing to rescale"
        };
        let _ = writeln!(
            out,
            "  limits already sized for {to}, the smallest {} plan they fit: {outcome}",
            rescale.family()
        );
        return out;
    }
    if done {
        let changed = rescale.changed().count();
        let _ = writeln!(
            out,
            "  rescaled from {from} to {to}: {changed} limit{} changed",
            if changed == 1 { "" } else { "s" }
        );
    } else {
        let _ = writeln!(
            out,
            "  rescaled from {from} to {to} by `orion-lint --fix --plan {}`:",
            rescale.to.name
        );
    }
    if rescale.from_assumed {
        let _ = writeln!(
            out,
            "  limits sized for {from}: the smallest {} plan they fit; use --from-plan to say otherwise",
            rescale.family()
        );
    }
    let name_width = rescale
        .rows
        .iter()
        .map(|r| r.service.name.len())
        .chain(["service".len()])
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "  {:name_width$}  {:>9}     {:>9}  {:>3}  role",
        "service", "before", "after", "×"
    );
    for row in &rescale.rows {
        let after = if row.after == row.before {
            "=".to_string()
        } else {
            human_bytes(row.after)
        };
        let note = row
            .note
            .as_deref()
            .map(|n| format!("  ({n})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:name_width$}  {:>9}  →  {after:>9}  {:>3}  {}{note}",
            row.service.name,
            human_bytes(row.before),
            row.replicas,
            row.role.name()
        );
    }
    let _ = writeln!(
        out,
        "  containers {} → {} of {}'s {}: {} left outside the containers ({} OS reserve included; {} on {from})",
        human_bytes(rescale.total_before()),
        human_bytes(rescale.total_after()),
        to,
        human_bytes(rescale.to.ram_bytes()),
        human_bytes(rescale.free_after()),
        human_bytes(rescale.os_reserve),
        human_bytes(rescale.free_before()),
    );
    if !rescale.unlimited.is_empty() {
        let count = rescale.unlimited.len();
        let bound = rescale
            .growth_bound
            .map(|b| format!("; while they run, no limit grows more than {b:.2}×, the ratio of the plans' usable RAM"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  the budget leaves {count} service{} out, without a known limit: {}{bound}",
            if count == 1 { "" } else { "s" },
            rescale
                .unlimited
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out
}

/// One service's line of the budget table, under the table's header: what an editor shows on a
/// memory value of the service.
pub(crate) fn row_text(budget: &Budget, row: &Row) -> String {
    let whole = budget.plan.map_or(budget.needed(), |p| p.ram_bytes());
    let name_width = row.service.name.len().max("service".len());
    let mut out = format!(
        "  {:name_width$}  {:>9}  {:>3}  {:>9}  {:>6}\n",
        "service", "limit", "×", "subtotal", "share"
    );
    write_row(&mut out, row, whole, name_width);
    out
}

/// What is left on a plan, or by how much it is overcommitted: `1.5 GiB left`, `OVER by 512 MiB`.
pub(crate) fn remaining_text(remaining: i128) -> String {
    if remaining >= 0 {
        format!("{} left", human_bytes(remaining as u64))
    } else {
        format!("OVER by {}", human_bytes(remaining.unsigned_abs() as u64))
    }
}

fn write_row(out: &mut String, row: &Row, whole: u64, name_width: usize) {
    let limit = match (row.limit, row.unknown) {
        (Some(bytes), _) => human_bytes(bytes),
        (None, true) => "unknown".to_string(),
        (None, false) => "no limit".to_string(),
    };
    let note = if row.runs {
        String::new()
    } else if row.replicas == Some(0) {
        "  (0 replicas)".to_string()
    } else {
        format!(
            "  (not started: profiles {})",
            row.service.profiles_as_written().join(", ")
        )
    };
    let replicas = row.replicas.map_or("?".to_string(), |r| r.to_string());
    let (subtotal, share, bar_text) = if row.runs && !row.is_uncounted() {
        let subtotal = row.subtotal();
        (
            human_bytes(subtotal),
            percent(subtotal, whole),
            bar(subtotal as f64 / whole.max(1) as f64),
        )
    } else {
        ("-".to_string(), String::new(), String::new())
    };
    let _ = writeln!(
        out,
        "  {:name_width$}  {limit:>9}  {:>3}  {subtotal:>9}  {share:>6}  {bar_text}{note}",
        row.service.name, replicas
    );
}

pub fn budget_json(budgets: &[ProjectBudget], sources: &SourceMap) -> String {
    let projects: Vec<Value> = budgets.iter().map(|b| project_json(b, sources)).collect();
    serde_json::to_string_pretty(&json!({ "projects": projects })).expect("JSON values serialize")
}

/// One project of [`budget_json`].
pub(super) fn project_json(entry: &ProjectBudget, sources: &SourceMap) -> Value {
    let ProjectBudget {
        budget,
        project,
        rescale,
    } = entry;
    let services: Vec<Value> = budget
        .rows
        .iter()
        .map(|row| {
            json!({
                "name": row.service.name,
                "limit_bytes": row.limit,
                "replicas": row.replicas,
                "subtotal_bytes": row.subtotal(),
                "profiles": row.service.profiles_as_written(),
                "runs": row.runs,
            })
        })
        .collect();
    json!({
        "files": files(project, sources),
        "profiles": project.settings.profiles,
        "plan": budget.plan.map(|p| json!({
            "name": p.name,
            "vcpus": p.vcpus,
            "ram_bytes": p.ram_bytes(),
        })),
        "services": services,
        "containers_bytes": budget.containers(),
        "os_reserve_bytes": budget.os_reserve,
        "total_bytes": budget.needed(),
        "remaining_bytes": budget.remaining_i64(),
        "total_out_of_range": budget.numbers_are_bounds(),
        "unlimited": budget.unlimited().iter().map(|r| r.service.name.as_str()).collect::<Vec<_>>(),
        "smallest_fitting_plan": budget.smallest_fitting_plan().map(|p| p.name),
        "rescale": rescale.as_ref().map(|r| json!({
            "from": r.from.name,
            "from_assumed": r.from_assumed,
            "to": r.to.name,
            "grow": match r.growth {
                rescale::Growth::Headroom => "headroom",
                rescale::Growth::Fill => "fill",
            },
            "containers_before_bytes": r.total_before(),
            "containers_after_bytes": r.total_after(),
            "free_before_bytes": r.free_before(),
            "free_after_bytes": r.free_after(),
            "unlimited": r.unlimited.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            "growth_bound": r.growth_bound,
            "services": r.rows.iter().map(|row| json!({
                "name": row.service.name,
                "role": row.role.name(),
                "before_bytes": row.before,
                "after_bytes": row.after,
                "replicas": row.replicas,
                "note": row.note,
            })).collect::<Vec<_>>(),
        })),
    })
}
