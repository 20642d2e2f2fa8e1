use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::docs::{Row, RowKind, Table};
use crate::source::Span;
use crate::units;

use super::{Context, Rule};

pub static RULE: Rule = Rule {
    name: "docs-service-missing",
    severity: Severity::Warning,
    summary: "A budget table in a Markdown doc lists the services but leaves out one with a memory limit",
    doc: include_str!("../../lints/docs-service-missing.md"),
    check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    // The services with a limit, in the compose file's order.
    let limited: Vec<&str> = cx
        .project
        .services
        .iter()
        .filter(|s| s.memory().limit().is_some())
        .map(|s| s.name.as_str())
        .collect();
    for doc in &cx.project.docs {
        for table in &doc.tables {
            let listed: Vec<(usize, &str)> = table
                .rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| match &r.kind {
                    RowKind::Service(s) => Some((i, s.as_str())),
                    _ => None,
                })
                .collect();
            // A table that lists most of the services is meant to list them all.
            let listed_limited = limited
                .iter()
                .filter(|s| listed.iter().any(|(_, l)| l == *s))
                .count();
            if listed_limited < 2 || listed_limited * 2 < limited.len() {
                continue;
            }
            for (position, &missing) in limited.iter().enumerate() {
                if listed.iter().any(|(_, l)| *l == missing) {
                    continue;
                }
                let Some(budget) = super::doc_budget(cx, missing, table.per_replica_total) else {
                    continue;
                };
                let after = insertion_row(table, &listed, &limited, position);
                let at = after.map_or_else(
                    || table.rows[listed[0].0].name_span.clone(),
                    |row| row.name_span.clone(),
                );
                let mut diagnostic = RULE
                    .at(
                        at,
                        format!("`{missing}` has no row"),
                        format!(
                            "the doc's budget table lists the other services but not `{missing}`, limited to {}",
                            units::human_bytes(budget.bytes)
                        ),
                    )
                    .with_node_label(budget.limit_node, format!("container limit {}", units::human_bytes(budget.limit)))
                    .with_service(missing)
                    .with_help(format!("add a row for `{missing}` so that the budget adds up"));
                if let Some(edit) =
                    after.and_then(|row| new_row(doc.file, table, row, missing, budget.bytes))
                {
                    diagnostic = diagnostic.with_fix(Fix {
                        title: format!("add a row for {missing}"),
                        applicability: Applicability::Safe,
                        edits: vec![edit],
                    });
                }
                out.push(diagnostic);
            }
        }
    }
}

/// The row a missing service's row goes after, when the table follows the compose file's order
/// and the service's neighbours in that order tell one place: right after the row of the listed
/// service before it, whose next row is not another listed service out of order.
fn insertion_row<'t>(
    table: &'t Table,
    listed: &[(usize, &str)],
    limited: &[&str],
    position: usize,
) -> Option<&'t Row> {
    let order = |name: &str| limited.iter().position(|s| *s == name);
    let in_order = listed.windows(2).all(|w| order(w[0].1) < order(w[1].1));
    if !in_order {
        return None;
    }
    // In the compose file's order, the row goes right after its predecessor's.
    let (row, _) = listed
        .iter()
        .rev()
        .find(|(_, s)| order(s).is_some_and(|o| o < position))?;
    Some(&table.rows[*row])
}

/// The edit inserting `| service | size | |` after `row`, with its indentation and pipes.
fn new_row(
    file: crate::source::FileId,
    table: &Table,
    row: &Row,
    service: &str,
    bytes: u64,
) -> Option<Edit> {
    let size = row.size.as_ref()?.0.rewrite(bytes)?;
    let cells: Vec<String> = (0..table.columns)
        .map(|c| match c {
            c if c == table.name_column => service.to_string(),
            c if c == table.size_column => size.clone(),
            _ => String::new(),
        })
        .collect();
    let body = cells
        .iter()
        .map(|c| {
            if c.is_empty() {
                " ".to_string()
            } else {
                format!(" {c} ")
            }
        })
        .collect::<Vec<_>>()
        .join("|");
    let line = if row.piped {
        format!("|{body}|")
    } else {
        body.trim().to_string()
    };
    Some(Edit {
        span: Span::new(file, row.line_end..row.line_end),
        replacement: format!("\n{}{}", row.indent, line),
    })
}
