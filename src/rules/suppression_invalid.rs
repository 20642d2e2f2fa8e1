//! Findings about suppression comments are made by [`crate::suppress`]; the rule gives them a
//! name, a severity and documentation.

use crate::diagnostic::Diagnostic;

use super::{Check, Context};
use crate::registry::SUPPRESSION_INVALID as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

/// Reported by [`crate::suppress`], which reads the comments.
fn check(_: &Context, _: &mut Vec<Diagnostic>) {}
