//! `--format concise`: one line per finding and nothing else, for grep, editors' quickfix lists
//! and scripts:
//!
//! ```text
//! testdata/orion/docker-compose.yml:58:39: warning[redis-maxmemory-headroom] Redis maxmemory ...
//! ```
//!
//! Lines and columns are 1-based, columns count characters. A line break in a message (or a
//! path) becomes a space, so that every finding stays on its line. Projects that could not be
//! read go to stderr only, as in every format.

use std::io::{self, Write};

use crate::lint::Report;

use super::{Location, Renderer};

pub struct Concise;

/// Text on one line: every run of line breaks and control characters, with the spaces around
/// it, becomes one space.
pub fn one_line(text: &str) -> String {
    let breaks = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
    if !text.contains(breaks) {
        return text.to_string();
    }
    text.split(breaks)
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Renderer for Concise {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for d in &report.diagnostics {
            let at = Location::of(&d.primary.span, &report.sources);
            writeln!(
                out,
                "{}:{}:{}: {}[{}] {}",
                one_line(&at.path),
                at.line,
                at.column,
                d.severity,
                d.rule,
                one_line(&d.message)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn messages_stay_on_one_line() {
        assert_eq!(one_line("plain  text"), "plain  text");
        assert_eq!(one_line("first\nsecond"), "first second");
        assert_eq!(
            one_line("first \r\n  second\n\nthird\t"),
            "first second third"
        );
        assert_eq!(one_line("a\u{2028}b\u{85}c"), "a b c");
    }
}
