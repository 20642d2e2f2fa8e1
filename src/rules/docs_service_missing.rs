use crate::compose::docs::{Row, RowKind, Table};
use crate::diagnostic::{Applicability, Diagnostic};
use crate::edit;
use crate::units;

use super::{Check, Context};
use crate::registry::DOCS_SERVICE_MISSING as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
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
                if let Some(edit) = after.and_then(|row| {
                    edit::insert_table_row(doc.file, table, row, missing, budget.bytes)
                }) {
                    diagnostic = diagnostic.with_fix(edit::single(
                        format!("add a row for {missing}"),
                        Applicability::Safe,
                        edit,
                    ));
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
