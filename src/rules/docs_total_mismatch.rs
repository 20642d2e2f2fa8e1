use crate::compose::docs::{Row, RowKind, Table};
use crate::diagnostic::Diagnostic;
use crate::edit;
use crate::units;

use super::{Check, Context};
use crate::registry::DOCS_TOTAL_MISMATCH as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for doc in &cx.project.docs {
        for table in &doc.tables {
            // Running sums, in one pass: of the section since the last subtotal, and of the
            // table. `None` once a row cannot be counted.
            let (mut section, mut total) = (Some(0u64), Some(0u64));
            let (mut section_rows, mut total_rows) = (0, 0);
            for row in &table.rows {
                let expected = match row.kind {
                    RowKind::Subtotal => (section_rows > 0).then_some(section).flatten(),
                    RowKind::Total => (total_rows > 0).then_some(total).flatten(),
                    RowKind::Service(_) | RowKind::Unknown => {
                        let bytes = row_bytes(cx, table, row);
                        section = section.zip(bytes).and_then(|(s, b)| s.checked_add(b));
                        total = total.zip(bytes).and_then(|(t, b)| t.checked_add(b));
                        section_rows += 1;
                        total_rows += 1;
                        continue;
                    }
                    RowKind::Other => continue,
                };
                if row.kind == RowKind::Subtotal {
                    (section, section_rows) = (Some(0), 0);
                }
                let (Some((size, span)), Some(expected)) = (&row.size, expected) else {
                    continue;
                };
                if size.states(expected) {
                    continue;
                }
                let sum_text = size
                    .rewrite(expected)
                    .unwrap_or_else(|| units::human_bytes(expected));
                let mut diagnostic = RULE
                    .at(
                        span.clone(),
                        format!("sum is {sum_text}"),
                        format!(
                            "`{}` says `{}`, but the rows it adds up come to {sum_text} with the compose file's limits",
                            row.name,
                            size.written,
                        ),
                    )
                    .with_help("write the sum of the rows, as the compose file sets them");
                if let Some(new) = size.rewrite(expected) {
                    diagnostic = diagnostic.with_fix(edit::rewrite_in_doc(span, new));
                }
                out.push(diagnostic);
            }
        }
    }
}

/// What a summed row counts: a service's limit from the compose file (times replicas where the
/// table says so), else the size the doc gives.
fn row_bytes(cx: &Context, table: &Table, row: &Row) -> Option<u64> {
    let compose = match &row.kind {
        RowKind::Service(service) => {
            super::doc_budget(cx, service, table.per_replica_total).map(|b| b.bytes)
        }
        _ => None,
    };
    compose.or_else(|| row.size.as_ref().map(|(s, _)| s.bytes()))
}
