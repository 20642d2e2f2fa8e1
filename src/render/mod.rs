//! Output formats: each renders a [`Report`] and nothing else decides what is shown.

mod budget;
mod compare;
mod concise;
mod github;
mod gitlab;
mod human;
mod json;
mod junit;
mod rdjson;
mod sarif;
mod snippet;
mod tables;

use std::io::{self, Write};

pub(crate) use budget::row_text as budget_row_text;
pub use budget::{budget_json, budget_text, rescale_text};
pub use compare::{
    MARKDOWN_MARKER, budget_markdown, comparison_json, comparison_markdown, comparison_text,
};
pub use concise::Concise;
pub use github::Github;
pub use gitlab::Gitlab;
pub use human::{Human, summary};
pub use json::{Json, Location};
pub use junit::Junit;
pub use rdjson::{Rdjson, Rdjsonl};
pub use sarif::Sarif;
pub use tables::{plans_json, plans_text, rules_json, rules_text};
// Messages as every text format shows them, for the language server.
pub(crate) use snippet::escape_controls;

use crate::diagnostic::Diagnostic;
use crate::lint::Report;

/// One output format.
pub trait Renderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// A finding's message followed by its help, for formats that show one text per finding (a
/// review comment, a code scanning alert, an annotation).
fn message_with_help(diagnostic: &Diagnostic) -> String {
    match &diagnostic.help {
        Some(help) => format!("{}\n\nhelp: {help}", diagnostic.message),
        None => diagnostic.message.clone(),
    }
}
