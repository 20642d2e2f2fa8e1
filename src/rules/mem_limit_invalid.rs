use crate::diagnostic::{Applicability, Diagnostic};
use crate::edit;
use crate::units::{self, DOCKER_MIN_MEMORY};
use crate::yaml::Resolved;

use super::{Check, Context, OnInvalid};
use crate::registry::MEM_LIMIT_INVALID as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    // Every service, not just those that run: Compose reads the whole file.
    for service in &cx.project.services {
        let memory = service.memory();
        let fields = [
            ("mem_limit", &memory.mem_limit, false),
            ("deploy.resources.limits.memory", &memory.deploy_limit, true),
            ("mem_reservation", &memory.mem_reservation, false),
            (
                "deploy.resources.reservations.memory",
                &memory.deploy_reservation,
                true,
            ),
        ];
        for (name, field, string_only) in fields {
            let Some(field) = field.as_ref().filter(|f| !f.is_unknown()) else {
                continue; // `variable-unset` reports it
            };
            let value = field.written;
            let problem = match (&field.bytes, field.node.resolve()) {
                (_, Some(Resolved::Int(_) | Resolved::Float(_))) if string_only => Some((
                    "must be a string".to_string(),
                    format!(
                        "`{name}` is written as a YAML number, which Compose rejects: it must be a string"
                    ),
                    format!(
                        "write it as a size string, e.g. `{name}: \"{}\"`",
                        suggest_string(&field.bytes)
                    ),
                )),
                (Err(error), _) => Some((
                    "invalid memory value".to_string(),
                    match super::hidden_value(cx, field.node) {
                        Some(hidden) => format!(
                            "`{name}: {}` is not a valid memory value: {hidden} is not a Compose byte value",
                            super::written_form(field.node)
                        ),
                        None => format!("`{name}: {value}` is not a valid memory value: {error}"),
                    },
                    "write a size such as `512m` or `1g` (b, k, m, g, t, p; 1024-based)"
                        .to_string(),
                )),
                (Ok(0), _) if !field.is_explicit_zero() => Some((
                    "truncated to 0 bytes".to_string(),
                    format!(
                        "`{name}: {value}` is read as 0 bytes (Compose truncates fractions of a byte), so the service silently gets no memory limit"
                    ),
                    "write the size with a unit, e.g. `512m` for half a gigabyte".to_string(),
                )),
                (Ok(bytes), _) if (1..DOCKER_MIN_MEMORY).contains(bytes) => Some((
                    format!(
                        "{}, below Docker's 6 MiB minimum",
                        units::human_bytes(*bytes)
                    ),
                    format!(
                        "`{name}: {value}` is {}: Docker refuses to start a container with less than 6 MiB",
                        units::exact_bytes(*bytes)
                    ),
                    "use at least `6m`; most services need far more".to_string(),
                )),
                _ => None,
            };
            let Some((label, message, help)) = problem else {
                continue;
            };
            let mut diagnostic = match field.bytes {
                Err(_) => RULE.on_invalid(cx, field.node, label, message),
                Ok(_) => RULE.on(field.node, label, message),
            }
            .with_service(&service.name)
            .with_help(help);
            // A byte count written as a YAML integer means the same as a string.
            if let (true, Some(Resolved::Int(_))) = (string_only, field.node.resolve()) {
                // A YAML integer is a plain scalar: its text before interpolation is as written.
                let written = super::written_form(field.node);
                let quoted = format!("\"{written}\"");
                if let Some(edit) =
                    edit::replace_value(cx.sources, &field.node.span, written, &quoted)
                {
                    diagnostic = diagnostic.with_fix(edit::single(
                        format!("quote it: {quoted}"),
                        Applicability::Safe,
                        edit,
                    ));
                }
            }
            out.push(diagnostic);
        }
    }
}

/// The portable spelling of a byte count for a string field: `512m`, `1g`.
fn suggest_string(bytes: &Result<u64, units::SizeError>) -> String {
    match bytes {
        Ok(b) if *b > 0 => units::compose_size(*b),
        _ => "512m".to_string(),
    }
}
