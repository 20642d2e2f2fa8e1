//! `--format json`: one object, `{"diagnostics": [...], "errors": [...]}`. The schema is stable
//! and documented in the README; CI integrations build on it.

use std::io::{self, Write};

use serde::Serialize;

use crate::compose::LoadError;
use crate::diagnostic::Diagnostic;
use crate::lint::Report;
use crate::source::{SourceMap, Span};

use super::Renderer;

pub struct Json;

/// A span as 1-based lines and columns (columns count characters; the end is exclusive).
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Location {
    pub fn of(span: &Span, sources: &SourceMap) -> Self {
        let file = sources.get(span.file);
        let start = file.line_col(span.range.start);
        let end = file.line_col(span.range.end);
        Location {
            path: file.display_path(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        }
    }
}

#[derive(Serialize)]
struct JsonLabel {
    #[serde(flatten)]
    location: Location,
    message: String,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    #[serde(flatten)]
    location: Location,
    service: Option<&'a str>,
    help: Option<&'a str>,
    labels: Vec<JsonLabel>,
}

#[derive(Serialize)]
struct JsonError {
    message: String,
    path: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    errors: Vec<JsonError>,
}

fn diagnostic<'a>(d: &'a Diagnostic, sources: &SourceMap) -> JsonDiagnostic<'a> {
    JsonDiagnostic {
        rule: d.rule,
        severity: d.severity.as_str(),
        message: &d.message,
        location: Location::of(&d.primary.span, sources),
        service: d.service.as_deref(),
        help: d.help.as_deref(),
        labels: d
            .secondary
            .iter()
            .map(|l| JsonLabel {
                location: Location::of(&l.span, sources),
                message: l.message.clone(),
            })
            .collect(),
    }
}

fn error(e: &LoadError, sources: &SourceMap) -> JsonError {
    match &e.span {
        Some(span) => {
            let location = Location::of(span, sources);
            JsonError {
                message: e.message.clone(),
                path: Some(location.path),
                line: Some(location.line),
                column: Some(location.column),
            }
        }
        None => JsonError {
            message: e.message.clone(),
            path: e.path.as_deref().map(crate::source::display_path),
            line: None,
            column: None,
        },
    }
}

impl Renderer for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let json = JsonReport {
            diagnostics: report
                .diagnostics
                .iter()
                .map(|d| diagnostic(d, &report.sources))
                .collect(),
            errors: report
                .errors
                .iter()
                .map(|e| error(e, &report.sources))
                .collect(),
        };
        serde_json::to_writer_pretty(&mut *out, &json)?;
        writeln!(out)
    }
}
