use crate::diagnostic::{Diagnostic, Severity};
use crate::yaml::{Node, Value};

use super::{Context, Rule};

pub static RULE: Rule = Rule {
    name: "variable-unset",
    severity: Severity::Warning,
    summary: "A value orion-lint checks uses a variable that is not set and has no default",
    doc: include_str!("../../lints/variable-unset.md"),
    check,
};

/// The service fields whose values the rules read, with an example default for the help.
const CHECKED: &[(&[&str], &str)] = &[
    (&["mem_limit"], "512m"),
    (&["mem_reservation"], "256m"),
    (&["deploy", "resources", "limits", "memory"], "512m"),
    (&["deploy", "resources", "reservations", "memory"], "256m"),
    (&["scale"], "1"),
    (&["deploy", "replicas"], "1"),
    (&["profiles"], "default"),
    (&["command"], "value"),
    (&["entrypoint"], "value"),
];

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut nodes: Vec<(Option<&str>, &Node, &str)> = Vec::new();
    if let Some(block) = cx.project.root.get("x-orion-lint") {
        collect(block, &mut |n| nodes.push((None, n, "value")));
    }
    for service in &cx.project.services {
        for (path, example) in CHECKED {
            if let Some(node) = service.node.get_path(path) {
                collect(node, &mut |n| nodes.push((Some(&service.name), n, example)));
            }
        }
    }
    for (service, node, example) in nodes {
        let Some(substitution) = node.substitution().filter(|s| !s.unset.is_empty()) else {
            continue;
        };
        let names = substitution.unset.join("`, `");
        let diagnostic = RULE
            .at(
                node.span.clone(),
                format!("`{names}` is not set"),
                format!(
                    "`{}` uses `{names}`, which is set neither in the environment nor in a `.env` file and has no default: Compose substitutes an empty string, so this value is unknown",
                    substitution.written
                ),
            )
            .with_help(format!(
                "set `{}` in the project's `.env`, or give it a default, e.g. `${{{}:-{example}}}`",
                substitution.unset[0], substitution.unset[0]
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
