//! Findings about suppression comments are made by [`crate::suppress`]; the rule gives them a
//! name, a severity and documentation.

use crate::diagnostic::{Diagnostic, Severity};

use super::{Context, Rule};

pub static RULE: Rule = Rule {
    name: "unused-suppression",
    severity: Severity::Info,
    summary: "A suppression comment names a rule that reports nothing there",
    doc: include_str!("../../lints/unused-suppression.md"),
    check,
};

/// Reported by [`crate::suppress`], once every project has been linted.
fn check(_: &Context, _: &mut Vec<Diagnostic>) {}
