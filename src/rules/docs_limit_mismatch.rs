use crate::compose::docs::RowKind;
use crate::diagnostic::Diagnostic;
use crate::edit;
use crate::units;

use super::{Check, Context};
use crate::registry::DOCS_LIMIT_MISMATCH as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for doc in &cx.project.docs {
        for table in &doc.tables {
            for row in &table.rows {
                let (RowKind::Service(service), Some((size, span))) = (&row.kind, &row.size) else {
                    continue;
                };
                let Some(budget) = super::doc_budget(cx, service, table.per_replica_total) else {
                    continue;
                };
                if size.states(budget.bytes) {
                    continue;
                }
                let mut diagnostic = RULE
                    .at(
                        span.clone(),
                        format!("doc says {}", units::human_bytes(size.bytes())),
                        format!(
                            "the doc gives `{service}` `{}`, but the compose file limits it to {}{}",
                            size.written,
                            units::human_bytes(budget.bytes),
                            budget.replicas_note()
                        ),
                    )
                    .with_node_label(budget.limit_node, format!("container limit {}", units::human_bytes(budget.limit)))
                    .with_service(service)
                    .with_help("write the compose value in the doc, or change the limit if the doc is right");
                if let Some(new) = size.rewrite(budget.bytes) {
                    diagnostic = diagnostic.with_fix(edit::rewrite_in_doc(span, new));
                }
                out.push(diagnostic);
            }
        }
    }
}
