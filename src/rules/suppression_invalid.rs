//! Findings about suppression comments are made by [`crate::suppress`]; the rule gives them a
//! name, a severity and documentation.

use crate::diagnostic::{Diagnostic, Severity};

use super::{Context, Rule};

pub static RULE: Rule = Rule {
    name: "suppression-invalid",
    severity: Severity::Warning,
    summary: "A suppression comment names an unknown rule or is malformed",
    doc: include_str!("../../lints/suppression-invalid.md"),
    check,
};

/// Reported by [`crate::suppress`], which reads the comments.
fn check(_: &Context, _: &mut Vec<Diagnostic>) {}
