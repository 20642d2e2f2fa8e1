use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::fix;
use crate::units;

use super::{Context, Rule};

pub static RULE: Rule = Rule {
    name: "postgres-setting-invalid",
    severity: Severity::Error,
    summary: "A PostgreSQL memory setting PostgreSQL refuses to start with",
    doc: include_str!("../../lints/postgres-setting-invalid.md"),
    check,
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
            let corrected =
                corrected_unit(&setting.value).filter(|v| units::postgres_bytes(v, base).is_ok());
            let help = match &corrected {
                Some(fixed) => format!("write `{}={fixed}`", setting.name),
                None => "write a number with one of the units B, kB, MB, GB or TB, e.g. `256MB`"
                    .to_string(),
            };
            let mut diagnostic = RULE
                .at(
                    setting.span.clone(),
                    "PostgreSQL refuses this value",
                    format!(
                        "PostgreSQL refuses to start with `{}={}`: {error}",
                        setting.name, setting.value
                    ),
                )
                .with_service(&service.name)
                .with_help(help);
            let edit = corrected
                .and_then(|v| fix::replace_value(cx.sources, &setting.span, &setting.value, &v));
            if let Some(edit) = edit {
                diagnostic = diagnostic.with_fix(fix::single(
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

/// The same value with the unit spelled the way PostgreSQL wants it: `256mb` and `256M` become
/// `256MB`, `64kb` becomes `64kB`.
pub fn corrected_unit(value: &str) -> Option<String> {
    let split = value.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = value.split_at(split);
    let unit = match unit.trim().to_ascii_lowercase().as_str() {
        "b" => "B",
        "k" | "kb" | "kib" => "kB",
        "m" | "mb" | "mib" => "MB",
        "g" | "gb" | "gib" => "GB",
        "t" | "tb" | "tib" => "TB",
        _ => return None,
    };
    (!number.is_empty()).then(|| format!("{number}{unit}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn corrected_units() {
        assert_eq!(super::corrected_unit("256mb").as_deref(), Some("256MB"));
        assert_eq!(super::corrected_unit("1G").as_deref(), Some("1GB"));
        assert_eq!(super::corrected_unit("64KB").as_deref(), Some("64kB"));
        assert_eq!(super::corrected_unit("256MiB").as_deref(), Some("256MB"));
        assert_eq!(super::corrected_unit("lots"), None);
    }
}
