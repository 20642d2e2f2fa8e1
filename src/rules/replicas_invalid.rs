use crate::diagnostic::Diagnostic;

use super::{Check, Context, OnInvalid};
use crate::registry::REPLICAS_INVALID as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    // Every service, not just those that run: Compose reads the whole file.
    for service in &cx.project.services {
        let fields = [
            ("scale", "scale", service.scale()),
            ("deploy.replicas", "replicas", service.deploy_replicas()),
        ];
        for (name, key, field) in fields {
            let Some(field) = field.filter(|f| !f.node.is_unknown()) else {
                continue; // `variable-unset` reports it
            };
            let Err(problem) = &field.value else {
                continue;
            };
            let diagnostic = RULE
                .on_invalid(
                    cx,
                    field.node,
                    "invalid replica count",
                    format!(
                        "`{name}`: {problem}: Compose refuses the file, and the memory budget cannot count this service"
                    ),
                )
                .with_help(format!(
                    "write a whole number of containers, 0 or more, e.g. `{key}: 2`"
                ));
            out.push(diagnostic.with_service(&service.name));
        }
    }
}
