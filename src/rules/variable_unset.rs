use crate::diagnostic::Diagnostic;
use crate::yaml::{Node, Value};

use super::{Check, Context};
use crate::registry::VARIABLE_UNSET as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

/// The service fields whose values the rules read.
const CHECKED: &[&[&str]] = &[
    &["mem_limit"],
    &["mem_reservation"],
    &["deploy", "resources", "limits", "memory"],
    &["deploy", "resources", "reservations", "memory"],
    &["scale"],
    &["deploy", "replicas"],
    &["profiles"],
    &["command"],
    &["entrypoint"],
];

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut nodes: Vec<(Option<&str>, &Node)> = Vec::new();
    if let Some(block) = cx.project.root.get("x-orion-lint") {
        collect(block, &mut |n| nodes.push((None, n)));
    }
    for service in &cx.project.services {
        for path in CHECKED {
            if let Some(node) = service.node.get_path(path) {
                collect(node, &mut |n| nodes.push((Some(&service.name), n)));
            }
        }
    }
    for (service, node) in nodes {
        let Some(substitution) = node.substitution().filter(|s| !s.unset.is_empty()) else {
            continue;
        };
        let names = substitution.unset.join("`, `");
        // What Compose does differs by form: `${VAR?}` and `${VAR:?}` stop it, the others
        // substitute an empty string with a warning.
        let compose_does = if substitution.unset == substitution.required {
            format!(
                "Compose refuses the file (\"required variable {} is missing a value\")",
                substitution.required[0]
            )
        } else if substitution.required.is_empty() {
            "Compose substitutes an empty string, with a warning".to_string()
        } else {
            format!(
                "Compose refuses the file for `{}` and substitutes an empty string for the others",
                substitution.required.join("`, `")
            )
        };
        let diagnostic = RULE
            .at(
                node.span.clone(),
                format!("`{names}` is not set"),
                format!(
                    "`{}` uses `{names}`, which is set neither in the environment nor in a `.env` file and has no default: {compose_does}, so orion-lint cannot check this value",
                    substitution.written
                ),
            )
            .with_help(format!(
                "set `{}` where the deployment runs (its environment, the project's `.env` or `--env-file`)",
                substitution.unset[0]
            ));
        out.push(match service {
            Some(name) => diagnostic.with_service(name),
            None => diagnostic,
        });
    }
}

/// Every scalar under a node.
fn collect<'a>(node: &'a Node, found: &mut impl FnMut(&'a Node)) {
    match &node.value {
        Value::Scalar(_) => found(node),
        Value::Seq(items) => items.iter().for_each(|i| collect(i, found)),
        Value::Map(entries) => entries.iter().for_each(|e| collect(&e.value, found)),
    }
}
