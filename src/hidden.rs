//! Values a person must not see unless they are valid: a value interpolated from the process
//! environment or an env file (which hold a CI job's tokens) is shown as written, `${API_MEM}`,
//! with where it came from, unless it is a valid value of its field.

use crate::source::{SourceMap, Span};
use crate::yaml::{Node, Substitution, ValueOrigin};

/// Where a value that is not valid for its field came from, when its text must not be shown:
/// "the value of `API_MEM` (18 characters, from the process environment)". `None` when the
/// value is written in the project's files and can be quoted.
pub(crate) fn value(sources: &SourceMap, node: &Node) -> Option<String> {
    let substitution = node.substitution()?;
    let chars = node.as_str().map_or(0, |t| t.chars().count());
    (!substitution.variables.is_empty()).then(|| describe(sources, &substitution.variables, chars))
}

/// Where an interpolated value comes from, said at the place it is used: "`API_MEM` is set in a
/// `.env` file". Names variables, never their values.
pub(crate) fn origin(substitution: &Substitution) -> String {
    match &substitution.origin {
        ValueOrigin::Default => "its variable is not set, so this default is used".to_string(),
        ValueOrigin::EnvFile(name) => format!("`{name}` is set in a `.env` file"),
        ValueOrigin::ProcessEnvironment(name) => {
            format!("`{name}` comes from the process environment")
        }
        ValueOrigin::Assembled if substitution.unset.is_empty() => "interpolated".to_string(),
        ValueOrigin::Assembled => format!("`{}` is not set", substitution.unset.join("`, `")),
    }
}

/// A value as written, before interpolation: `${API_MEM}`.
pub(crate) fn written_form(node: &Node) -> &str {
    node.substitution()
        .map_or_else(|| node.as_str().unwrap_or_default(), |s| s.written.as_str())
}

/// "the value of `API_MEM` (18 characters, from the process environment)".
pub(crate) fn describe(
    sources: &SourceMap,
    variables: &[(String, Option<Span>)],
    chars: usize,
) -> String {
    let mut names: Vec<String> = Vec::new();
    let mut origins: Vec<String> = Vec::new();
    for (name, set) in variables {
        let name = format!("`{name}`");
        if !names.contains(&name) {
            names.push(name);
        }
        let origin = match set {
            Some(span) => {
                let file = sources.get(span.file);
                format!(
                    "set in {} line {}",
                    file.display_path(),
                    file.line_col(span.range.start).line
                )
            }
            None => "from the process environment".to_string(),
        };
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    let plural = if chars == 1 { "" } else { "s" };
    match names.as_slice() {
        [] => format!("an interpolated value ({chars} character{plural})"),
        _ => format!(
            "the value of {} ({chars} character{plural}, {})",
            names.join(", "),
            origins.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::yaml::{Substitution, ValueOrigin};

    fn made(origin: ValueOrigin, unset: &[&str]) -> Substitution {
        Substitution {
            written: "${A}".to_string(),
            source: None,
            origin,
            unset: unset.iter().map(|u| u.to_string()).collect(),
            required: Vec::new(),
            pieces: Vec::new(),
            variables: Vec::new(),
        }
    }

    #[test]
    fn origins_name_the_variable_never_its_value() {
        let cases = [
            (
                made(ValueOrigin::Default, &[]),
                "its variable is not set, so this default is used",
            ),
            (
                made(ValueOrigin::EnvFile("API_MEM".into()), &[]),
                "`API_MEM` is set in a `.env` file",
            ),
            (
                made(ValueOrigin::ProcessEnvironment("TOKEN".into()), &[]),
                "`TOKEN` comes from the process environment",
            ),
            (made(ValueOrigin::Assembled, &[]), "interpolated"),
            (
                made(ValueOrigin::Assembled, &["A", "B"]),
                "`A`, `B` is not set",
            ),
        ];
        for (substitution, wording) in cases {
            assert_eq!(super::origin(&substitution), wording);
        }
    }
}
