use crate::diagnostic::{Applicability, Diagnostic};
use crate::edit;
use crate::units;

use super::{Check, Context};
use crate::registry::POSTGRES_SETTING_INVALID as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for service in &cx.project.services {
        let Some(postgres) = &service.postgres else {
            continue;
        };
        for setting in &postgres.settings {
            let Some(base) = units::postgres_memory_setting(&setting.name) else {
                continue;
            };
            let Err(error) = units::postgres_bytes(&setting.value, base) else {
                continue;
            };
            let corrected = units::postgres_unit_corrected(&setting.value)
                .filter(|v| units::postgres_bytes(v, base).is_ok());
            let help = match &corrected {
                Some(fixed) => format!("write `{}={fixed}`", setting.name),
                None => "write a number with one of the units B, kB, MB, GB or TB, e.g. `256MB`"
                    .to_string(),
            };
            let mut diagnostic = super::on_word(
                &RULE,
                cx,
                (&setting.span, &setting.value, setting.hidden.as_ref()),
                "PostgreSQL refuses this value",
                |hidden| match hidden {
                    Some(hidden) => format!(
                            "PostgreSQL refuses to start with this `{}`: {hidden} is not a PostgreSQL memory value",
                            setting.name
                        ),
                        None => format!(
                            "PostgreSQL refuses to start with `{}={}`: {error}",
                            setting.name, setting.value
                        ),
                    },
                )
                .with_service(&service.name)
                .with_help(help);
            let edit = corrected
                .and_then(|v| edit::replace_value(cx.sources, &setting.span, &setting.value, &v));
            if let Some(edit) = edit {
                diagnostic = diagnostic.with_fix(edit::single(
                    format!(
                        "write the unit as PostgreSQL spells it: {}",
                        edit.replacement
                    ),
                    Applicability::Safe,
                    edit,
                ));
            }
            out.push(diagnostic);
        }
    }
}
