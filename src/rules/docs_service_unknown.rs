use crate::diagnostic::{Diagnostic, Severity};
use crate::docs::RowKind;

use super::{Context, Rule};

pub static RULE: Rule = Rule {
    name: "docs-service-unknown",
    severity: Severity::Warning,
    summary: "A budget table in a Markdown doc has a row for a service the compose file does not define",
    doc: include_str!("../../lints/docs-service-unknown.md"),
    check,
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
