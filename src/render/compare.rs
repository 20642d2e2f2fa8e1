//! `orion-lint budget --compare REV`: the budget before and after, as text, JSON or a Markdown
//! pull-request comment; and the plain budget as Markdown. Everything shown is computed by
//! [`crate::engine::budget_compare`]; values are shown as sizes the budget parsed, never as the
//! text a variable held.

use std::fmt::Write;

use serde_json::{Value, json};

use super::budget::{files, project_json, remaining_text};
use crate::budget::{Comparison, ServiceUse, Totals};
use crate::engine::{BudgetComparison, ProjectBudget};
use crate::plans::Plan;
use crate::source::SourceMap;
use crate::units::human_bytes;

/// The first line of a Markdown budget: a CI step finds its earlier comment by it and edits it.
pub const MARKDOWN_MARKER: &str = "<!-- orion-lint budget -->";

/// A service's limit on one side: `-` where the service does not exist.
fn limit_text(side: Option<&ServiceUse>) -> String {
    match side {
        None => "-".to_string(),
        Some(ServiceUse {
            limit: Some(bytes), ..
        }) => human_bytes(*bytes),
        Some(ServiceUse { unknown: true, .. }) => "unknown".to_string(),
        Some(_) => "no limit".to_string(),
    }
}

fn replicas_text(side: Option<&ServiceUse>) -> String {
    match side {
        None => "-".to_string(),
        Some(ServiceUse {
            replicas: Some(n), ..
        }) => n.to_string(),
        Some(_) => "?".to_string(),
    }
}

fn subtotal_text(side: Option<&ServiceUse>) -> String {
    match side {
        None => "-".to_string(),
        Some(ServiceUse { runs: false, .. }) => "not started".to_string(),
        Some(u) if u.limit.is_none() || u.replicas.is_none() => "not counted".to_string(),
        Some(u) => human_bytes(u.subtotal),
    }
}

/// `a → b`, or `a` alone when both are the same.
fn arrow(before: &str, after: &str) -> String {
    if before == after {
        after.to_string()
    } else {
        format!("{before} → {after}")
    }
}

/// What is left on the plan, as the plain budget says it: `1.5 GiB left`, `OVER by 512 MiB`.
fn left_text(totals: &Totals) -> String {
    match totals.remaining {
        None => "no plan".to_string(),
        Some(r) => remaining_text(r),
    }
}

/// The cell of the "left on the plan" row: the size alone (the row says `left`), or the overcommit.
fn left_cell(totals: &Totals) -> String {
    match totals.remaining {
        Some(r) if r >= 0 => human_bytes(r as u64),
        _ => left_text(totals),
    }
}

fn plan_text(plan: Option<&Plan>) -> String {
    plan.map_or("no plan".to_string(), |p| {
        format!("{} ({})", p.display_name(), human_bytes(p.ram_bytes()))
    })
}

/// Whether the after side fits, in words: `bold` marks the verdict for Markdown.
fn verdict(totals: &Totals, bold: bool) -> String {
    let mark = |word: &str| {
        if bold {
            format!("**{word}**")
        } else {
            word.to_string()
        }
    };
    match (totals.plan, totals.fits()) {
        (Some(plan), Some(true)) => format!(
            "{} on {}: {}",
            mark("fits"),
            plan_text(Some(plan)),
            left_text(totals)
        ),
        (Some(plan), _) => format!(
            "{} on {}: {}",
            mark("does not fit"),
            plan_text(Some(plan)),
            left_text(totals)
        ),
        (None, _) => format!(
            "{}: set one with `--plan` or `x-orion-lint: {{plan: ...}}`",
            mark("no plan")
        ),
    }
}

/// The rows of totals, each as (name, before, after).
fn total_rows(comparison: &Comparison) -> Vec<(&'static str, String, String)> {
    let after = &comparison.after;
    let side = |f: &dyn Fn(&Totals) -> String| {
        (
            comparison.before.as_ref().map_or("-".to_string(), f),
            f(after),
        )
    };
    let bound = |t: &Totals| {
        if t.unlimited.is_empty() {
            ""
        } else {
            " or more"
        }
    };
    let rows: [(&'static str, (String, String)); 6] = [
        ("containers", side(&|t| human_bytes(t.containers))),
        ("OS reserve", side(&|t| human_bytes(t.os_reserve))),
        (
            "total",
            side(&|t| format!("{}{}", human_bytes(t.needed), bound(t))),
        ),
        ("plan", side(&|t| plan_text(t.plan))),
        ("left on the plan", side(&left_cell)),
        (
            "plan-ram-exceeded",
            side(&|t| {
                if t.plan_ram_exceeded {
                    "reported"
                } else {
                    "no"
                }
                .to_string()
            }),
        ),
    ];
    rows.into_iter()
        .map(|(name, (b, a))| (name, b, a))
        .collect()
}

/// A one-line summary for a project whose budget did not change.
fn unchanged_line(comparison: &Comparison) -> String {
    format!(
        "no change to the memory budget (total {}; {})",
        human_bytes(comparison.after.needed),
        verdict(&comparison.after, false)
    )
}

pub fn comparison_text(report: &BudgetComparison) -> String {
    let mut out = String::new();
    for (n, (i, comparison)) in report.comparisons.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let name = files(&report.after.projects[*i], &report.after.sources).join(" + ");
        if comparison.unchanged() {
            let _ = writeln!(
                out,
                "{name}: {} since `{}`",
                unchanged_line(comparison),
                report.revision
            );
            continue;
        }
        let new = if comparison.before.is_none() {
            " (new since then: every service added)"
        } else {
            ""
        };
        let _ = writeln!(out, "{name}: compared with `{}`{new}", report.revision);
        let rows: Vec<[String; 4]> = comparison
            .services
            .iter()
            .map(|change| {
                let (b, a) = (change.before.as_ref(), change.after.as_ref());
                [
                    change.name.clone(),
                    arrow(&limit_text(b), &limit_text(a)),
                    arrow(&replicas_text(b), &replicas_text(a)),
                    arrow(&subtotal_text(b), &subtotal_text(a)),
                ]
            })
            .collect();
        let totals = total_rows(comparison);
        let header = ["service", "limit", "×", "subtotal"];
        let mut widths = header.map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let name_width = totals
            .iter()
            .map(|(name, ..)| name.len())
            .chain([widths[0]])
            .max()
            .unwrap_or(0);
        let [_, w1, w2, w3] = widths;
        let _ = writeln!(
            out,
            "  {:name_width$}  {:>w1$}  {:>w2$}  {:>w3$}",
            header[0], header[1], header[2], header[3]
        );
        for [service, limit, replicas, subtotal] in &rows {
            let _ = writeln!(
                out,
                "  {service:name_width$}  {limit:>w1$}  {replicas:>w2$}  {subtotal:>w3$}"
            );
        }
        if rows.is_empty() {
            out.push_str("  no service changed\n");
        }
        for (name, before, after) in &totals {
            let _ = writeln!(out, "  {name:name_width$}  {}", arrow(before, after));
        }
        let _ = writeln!(out, "  {}", verdict(&comparison.after, false));
    }
    out
}

/// Text as a Markdown code span, so that a file name or revision reads as itself in the comment's
/// source: the fence one backtick longer than the longest run inside (CommonMark), padded with a
/// space where the text starts or ends with a backtick; line breaks as spaces.
fn code_span(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A project's compose files, each as a code span: `` `compose.yaml` + `compose.prod.yaml` ``.
fn files_markdown(project: &crate::lint::LoadedProject, sources: &SourceMap) -> String {
    files(project, sources)
        .iter()
        .map(|file| code_span(file))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Text for a Markdown table cell or line: ASCII punctuation escaped (so a service or file name
/// cannot close a cell, start a link, an HTML tag or a mention), line breaks as spaces.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
            out.push(c);
        } else if c.is_control() {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// The comparison as a pull-request comment; nothing at all when no project was compared (each
/// error is on stderr), so that a CI step has no empty comment to post.
pub fn comparison_markdown(report: &BudgetComparison) -> String {
    let mut out = String::new();
    if report.comparisons.is_empty() {
        return out;
    }
    let _ = writeln!(out, "{MARKDOWN_MARKER}");
    let _ = writeln!(
        out,
        "### Memory budget against {}",
        code_span(&report.revision)
    );
    for (i, comparison) in &report.comparisons {
        let name = files_markdown(&report.after.projects[*i], &report.after.sources);
        out.push('\n');
        if comparison.unchanged() {
            let _ = writeln!(out, "{name}: {}", unchanged_line(comparison));
            continue;
        }
        let new = if comparison.before.is_none() {
            " (new: every service added)"
        } else {
            ""
        };
        let _ = writeln!(out, "{name}{new}\n");
        if comparison.services.is_empty() {
            out.push_str("No service changed.\n\n");
        } else {
            out.push_str(
                "| service | limit | replicas | subtotal |\n| --- | ---: | ---: | ---: |\n",
            );
            for change in &comparison.services {
                let (b, a) = (change.before.as_ref(), change.after.as_ref());
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    md(&change.name),
                    arrow(&limit_text(b), &limit_text(a)),
                    arrow(&replicas_text(b), &replicas_text(a)),
                    arrow(&subtotal_text(b), &subtotal_text(a)),
                );
            }
            out.push('\n');
        }
        out.push_str("| | before | after |\n| --- | ---: | ---: |\n");
        for (name, before, after) in total_rows(comparison) {
            let _ = writeln!(out, "| {name} | {before} | {after} |");
        }
        let _ = writeln!(out, "\n{}", verdict(&comparison.after, true));
    }
    out
}

fn use_json(side: Option<&ServiceUse>) -> Value {
    side.map_or(Value::Null, |u| {
        json!({
            "limit_bytes": u.limit,
            "limit_unknown": u.unknown,
            "replicas": u.replicas,
            "runs": u.runs,
            "subtotal_bytes": u.subtotal,
        })
    })
}

fn totals_json(totals: &Totals) -> Value {
    json!({
        "plan": totals.plan.map(|p| p.name),
        "plan_ram_bytes": totals.plan.map(|p| p.ram_bytes()),
        "containers_bytes": totals.containers,
        "os_reserve_bytes": totals.os_reserve,
        "total_bytes": totals.needed,
        "remaining_bytes": totals.remaining_i64(),
        "total_out_of_range": totals.out_of_range,
        "unlimited": totals.unlimited,
        "fits": totals.fits(),
        "plan_ram_exceeded": totals.plan_ram_exceeded,
    })
}

/// The budget JSON of the work tree, with a `compare` object in each project compared.
pub fn comparison_json(report: &BudgetComparison, budgets: &[ProjectBudget]) -> String {
    let projects: Vec<Value> = budgets
        .iter()
        .enumerate()
        .map(|(i, budget)| {
            let mut project = project_json(budget, &report.after.sources);
            let compared = report.comparisons.iter().find(|(j, _)| *j == i);
            project["compare"] = compared.map_or(Value::Null, |(_, c)| {
                json!({
                    "revision": report.revision,
                    "added": c.before.is_none(),
                    "changed": !c.unchanged(),
                    "services": c.services.iter().map(|s| json!({
                        "name": s.name,
                        "before": use_json(s.before.as_ref()),
                        "after": use_json(s.after.as_ref()),
                    })).collect::<Vec<_>>(),
                    "before": c.before.as_ref().map_or(Value::Null, totals_json),
                    "after": totals_json(&c.after),
                })
            });
            project
        })
        .collect();
    serde_json::to_string_pretty(&json!({ "revision": report.revision, "projects": projects }))
        .expect("JSON values serialize")
}

/// The plain budget (no comparison) as a Markdown comment: each project's services and totals.
pub fn budget_markdown(budgets: &[ProjectBudget], sources: &SourceMap) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKDOWN_MARKER}\n### Memory budget");
    for entry in budgets {
        let budget = &entry.budget;
        // The plain budget runs no rule: `plan-ram-exceeded` is not shown here.
        let totals = Totals::new(budget, false);
        let _ = writeln!(
            out,
            "\n{} ({})\n",
            files_markdown(entry.project, sources),
            plan_text(budget.plan)
        );
        out.push_str("| service | limit | replicas | subtotal |\n| --- | ---: | ---: | ---: |\n");
        for row in &budget.rows {
            let side = ServiceUse::from(row);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md(&row.service.name),
                limit_text(Some(&side)),
                replicas_text(Some(&side)),
                subtotal_text(Some(&side)),
            );
        }
        let _ = writeln!(
            out,
            "| containers | | | {} |\n| OS reserve | | | {} |\n| total | | | {}{} |",
            human_bytes(totals.containers),
            human_bytes(totals.os_reserve),
            human_bytes(totals.needed),
            if totals.unlimited.is_empty() {
                ""
            } else {
                " or more"
            }
        );
        let _ = writeln!(out, "\n{}", verdict(&totals, true));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::code_span;

    /// The code span's text as CommonMark reads it back.
    fn parsed(markdown: &str) -> Vec<String> {
        pulldown_cmark::Parser::new(markdown)
            .filter_map(|event| match event {
                pulldown_cmark::Event::Code(text) => Some(text.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_code_span_holds_any_file_name() {
        assert_eq!(code_span("docker-compose.yml"), "`docker-compose.yml`");
        for name in [
            "a`b.yaml",
            "``x```y`",
            "`lead.yaml",
            "trail.yaml`",
            "a\nb <i>|*x*",
        ] {
            let span = code_span(name);
            assert_eq!(parsed(&span), [name.replace('\n', " ")], "{span}");
        }
    }
}
