use crate::compose::docs::RowKind;
use crate::diagnostic::Diagnostic;

use super::{Check, Context};
use crate::registry::DOCS_SERVICE_UNKNOWN as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let names: Vec<&str> = cx
        .project
        .services
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    for doc in &cx.project.docs {
        for row in doc.tables.iter().flat_map(|t| &t.rows) {
            if row.kind != RowKind::Unknown {
                continue;
            }
            let hint = crate::did_you_mean(&row.name, names.iter().copied(), || {
                "remove the row if the service is gone, or name the service as the compose file does".to_string()
            });
            out.push(
                RULE.at(
                    row.name_span.clone(),
                    "no such service",
                    format!(
                        "the doc budgets `{}`, but the compose file has no such service",
                        row.name
                    ),
                )
                .with_help(hint),
            );
        }
    }
}
