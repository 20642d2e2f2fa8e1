//! `--format github`: GitHub Actions workflow commands, one per line, which the runner turns into
//! annotations on the files of a pull request:
//!
//! ```text
//! ::warning file=compose.yml,line=58,col=39,endLine=58,endColumn=44,title=redis-maxmemory-headroom::Redis maxmemory ...
//! ```
//!
//! Severities map to `::error`, `::warning` and `::notice`. The message carries the help and the
//! related places on lines of their own. Data is escaped as the runner unescapes it (`%`, CR, LF;
//! in properties also `:` and `,`). Columns count characters and are given only for a finding on
//! one line, since GitHub accepts columns on single-line annotations only. Projects that could
//! not be read are `::error` commands too (they also go to stderr, as in every format).
//!
//! Gitea Actions ignores these commands: use `--format rdjson` with reviewdog there.

use std::io::{self, Write};

use crate::compose::LoadError;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::Report;
use crate::source::SourceMap;

use super::{Location, Renderer};

pub struct Github;

/// Escape a command's message as the runner expects.
pub fn escape_data(text: &str) -> String {
    // The runner unescapes only `%`, CR and LF: other control characters are shown escaped.
    super::snippet::escape_controls(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (`file=`, `title=`...): like data, plus `:` and `,`, which delimit
/// the properties.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// `file=...,line=...` for a location; columns only when it is on one line.
fn properties(location: &Location, title: &str) -> String {
    let mut properties = format!(
        "file={},line={}",
        escape_property(&location.path),
        location.line
    );
    if location.line == location.end_line {
        properties.push_str(&format!(",col={}", location.column));
    }
    properties.push_str(&format!(",endLine={}", location.end_line));
    if location.line == location.end_line {
        properties.push_str(&format!(",endColumn={}", location.end_column));
    }
    properties.push_str(&format!(",title={}", escape_property(title)));
    properties
}

fn message(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut text = super::message_with_help(d);
    for label in &d.secondary {
        let at = Location::of(&label.span, sources);
        text.push_str(&format!(
            "\n{}:{}:{}: {}",
            at.path, at.line, at.column, label.message
        ));
    }
    text
}

fn error(e: &LoadError, sources: &SourceMap) -> String {
    let title = "orion-lint could not read this project";
    match (&e.span, &e.path) {
        (Some(span), _) => format!(
            "::error {}::{}",
            properties(&Location::of(span, sources), title),
            escape_data(&e.message)
        ),
        (None, Some(path)) => format!(
            "::error file={},title={}::{}",
            escape_property(&crate::source::display_path(path)),
            escape_property(title),
            escape_data(&e.message)
        ),
        (None, None) => format!(
            "::error title={}::{}",
            escape_property(title),
            escape_data(&e.message)
        ),
    }
}

impl Renderer for Github {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for e in &report.errors {
            writeln!(out, "{}", error(e, &report.sources))?;
        }
        for d in &report.diagnostics {
            let location = Location::of(&d.primary.span, &report.sources);
            writeln!(
                out,
                "::{} {}::{}",
                command(d.severity),
                properties(&location, d.rule),
                escape_data(&message(d, &report.sources))
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_actions_toolkit() {
        assert_eq!(escape_data("50% of 1:2, a\r\nb"), "50%25 of 1:2, a%0D%0Ab");
        assert_eq!(escape_property("C:\\a,b%\nc.yml"), "C%3A\\a%2Cb%25%0Ac.yml");
    }

    #[test]
    fn columns_only_on_one_line() {
        let one = Location {
            path: "a,b.yml".into(),
            line: 3,
            column: 5,
            end_line: 3,
            end_column: 9,
        };
        assert_eq!(
            properties(&one, "rule"),
            "file=a%2Cb.yml,line=3,col=5,endLine=3,endColumn=9,title=rule"
        );
        let two = Location { end_line: 4, ..one };
        assert_eq!(
            properties(&two, "rule"),
            "file=a%2Cb.yml,line=3,endLine=4,title=rule"
        );
    }
}
