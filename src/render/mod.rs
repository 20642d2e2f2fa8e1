//! Output formats: each renders a [`Report`] and nothing else decides what is shown.

mod budget;
mod human;
mod json;

use std::io::{self, Write};

pub use budget::{budget_json, budget_text};
pub use human::{Human, summary};
pub use json::{Json, Location};

use crate::lint::Report;

/// One output format.
pub trait Renderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}
