//! Values a person must not see unless they are valid: a value interpolated from the process
//! environment or an env file (which hold a CI job's tokens) is shown as written, `${API_MEM}`,
//! with where it came from, unless it is a valid value of its field.

use crate::source::{SourceMap, Span};
use crate::yaml::Node;

/// Where a value that is not valid for its field came from, when its text must not be shown:
/// "the value of `API_MEM` (18 characters, from the process environment)". `None` when the
/// value is written in the project's files and can be quoted.
pub(crate) fn value(sources: &SourceMap, node: &Node) -> Option<String> {
    let substitution = node.substitution()?;
    let chars = node.as_str().map_or(0, |t| t.chars().count());
    (!substitution.variables.is_empty()).then(|| describe(sources, &substitution.variables, chars))
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
