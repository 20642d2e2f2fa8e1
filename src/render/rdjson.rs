//! `--format rdjson` and `--format rdjsonl`: the Reviewdog Diagnostic Format, for
//! `reviewdog -f=rdjson` (one `DiagnosticResult` object) and `reviewdog -f=rdjsonl` (one
//! `Diagnostic` object per line).
//!
//! reviewdog counts columns in UTF-8 bytes (1-based, the end exclusive), unlike the other
//! formats of orion-lint, which count characters. Safe fixes become `suggestions` when all their
//! edits are in the file of the finding (a suggestion has no file of its own); reviewdog turns
//! them into suggested changes where the code host supports them.

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Applicability, Diagnostic, Label, Severity};
use crate::lint::Report;
use crate::source::{SourceMap, Span};

use super::Renderer;

/// One `DiagnosticResult` object.
pub struct Rdjson;

/// One `Diagnostic` object per line.
pub struct Rdjsonl;

#[derive(Serialize)]
struct DiagnosticResult {
    source: Source,
    diagnostics: Vec<RdDiagnostic>,
}

#[derive(Serialize)]
struct Source {
    name: &'static str,
}

const SOURCE: Source = Source { name: "orion-lint" };

#[derive(Serialize)]
struct RdDiagnostic {
    message: String,
    location: RdLocation,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source>,
    code: Code,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suggestions: Vec<Suggestion>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
}

#[derive(Serialize)]
struct Code {
    value: &'static str,
}

#[derive(Serialize)]
struct RdLocation {
    path: String,
    range: RdRange,
}

/// A range of 1-based lines and 1-based UTF-8 byte columns, the end exclusive.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct RdRange {
    pub start: Position,
    pub end: Position,
}

#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Serialize)]
struct Suggestion {
    range: RdRange,
    text: String,
}

#[derive(Serialize)]
struct RelatedLocation {
    message: String,
    location: RdLocation,
}

/// reviewdog's name for a severity.
pub fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    }
}

/// The line and UTF-8 byte column (both 1-based) of a byte offset.
fn position(sources: &SourceMap, span: &Span, offset: usize) -> Position {
    let file = sources.get(span.file);
    let offset = offset.min(file.text.len());
    let line = file.line_col(offset).line;
    Position {
        line,
        column: offset - file.line_range(line).start + 1,
    }
}

/// A span as reviewdog counts it.
pub fn range(span: &Span, sources: &SourceMap) -> RdRange {
    RdRange {
        start: position(sources, span, span.range.start),
        end: position(sources, span, span.range.end),
    }
}

fn location(span: &Span, sources: &SourceMap) -> RdLocation {
    RdLocation {
        path: sources.get(span.file).display_path(),
        range: range(span, sources),
    }
}

fn related(label: &Label, sources: &SourceMap) -> RelatedLocation {
    RelatedLocation {
        message: label.message.clone(),
        location: location(&label.span, sources),
    }
}

fn suggestions(d: &Diagnostic, sources: &SourceMap) -> Vec<Suggestion> {
    let Some(fix) = d.fix.as_ref() else {
        return Vec::new();
    };
    // A fix is applied whole or not at all: one edit reviewdog cannot place drops all of them.
    if fix.applicability != Applicability::Safe
        || fix.edits.iter().any(|e| e.span.file != d.primary.span.file)
    {
        return Vec::new();
    }
    let mut edits: Vec<_> = fix.edits.iter().collect();
    edits.sort_by_key(|e| (e.span.range.start, e.span.range.end));
    edits
        .into_iter()
        .map(|edit| Suggestion {
            range: range(&edit.span, sources),
            text: edit.replacement.clone(),
        })
        .collect()
}

fn diagnostic(d: &Diagnostic, sources: &SourceMap, source: Option<Source>) -> RdDiagnostic {
    RdDiagnostic {
        message: super::message_with_help(d),
        location: location(&d.primary.span, sources),
        severity: severity(d.severity),
        source,
        code: Code { value: d.rule },
        suggestions: suggestions(d, sources),
        related_locations: d.secondary.iter().map(|l| related(l, sources)).collect(),
    }
}

impl Renderer for Rdjson {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let result = DiagnosticResult {
            source: SOURCE,
            diagnostics: report
                .diagnostics
                .iter()
                .map(|d| diagnostic(d, &report.sources, None))
                .collect(),
        };
        serde_json::to_writer_pretty(&mut *out, &result)?;
        writeln!(out)
    }
}

impl Renderer for Rdjsonl {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for d in &report.diagnostics {
            // Each line stands alone, so each names its source.
            serde_json::to_writer(&mut *out, &diagnostic(d, &report.sources, Some(SOURCE)))?;
            writeln!(out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Edit, Fix};
    use crate::source::SourceFile;
    use serde_json::{Value, json};

    const COMPOSE: &str = "services:\n  redis:\n    command: redis-server --requirepass Größe --maxmemory 100mb\n    mem_limit: 128m\n";

    fn report(applicability: Applicability, other_file: bool) -> Report {
        let mut report = Report::default();
        let compose = report
            .sources
            .add(SourceFile::new("stack/compose.yml".into(), COMPOSE));
        let conf = report.sources.add(SourceFile::new(
            "stack/redis.conf".into(),
            "maxmemory 1gb\n",
        ));
        let at = |needle: &str| {
            let start = COMPOSE.find(needle).unwrap();
            Span::new(compose, start..start + needle.len())
        };
        let mut edits = vec![
            Edit {
                span: at("100mb"),
                replacement: "96mb".into(),
            },
            Edit {
                span: at("--requirepass Größe "),
                replacement: "".into(),
            },
        ];
        if other_file {
            edits.push(Edit {
                span: Span::new(conf, 10..13),
                replacement: "96mb".into(),
            });
        }
        report.diagnostics.push(
            Diagnostic::new(
                "redis-maxmemory-headroom",
                Severity::Warning,
                at("100mb"),
                "78% of the container limit",
                "Redis maxmemory is 78%\nof the limit",
            )
            .with_label(at("128m"), "container limit 128 MiB")
            .with_fix(Fix {
                title: "set maxmemory to 96mb".into(),
                applicability,
                edits,
            }),
        );
        report
    }

    fn rdjson(report: &Report) -> Value {
        let mut out = Vec::new();
        Rdjson.render(report, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn safe_fixes_become_suggestions_in_bytes() {
        let result = rdjson(&report(Applicability::Safe, false));
        let diagnostic = &result["diagnostics"][0];
        // "Größe " is 6 characters and 8 bytes: `100mb` starts at byte column 61.
        assert_eq!(
            diagnostic["location"],
            json!({"path": "stack/compose.yml",
                   "range": {"start": {"line": 3, "column": 61}, "end": {"line": 3, "column": 66}}})
        );
        assert_eq!(
            diagnostic["suggestions"],
            json!([
                {"range": {"start": {"line": 3, "column": 27}, "end": {"line": 3, "column": 49}},
                 "text": ""},
                {"range": {"start": {"line": 3, "column": 61}, "end": {"line": 3, "column": 66}},
                 "text": "96mb"}
            ])
        );
        assert_eq!(
            diagnostic["related_locations"],
            json!([{"message": "container limit 128 MiB",
                    "location": {"path": "stack/compose.yml",
                                 "range": {"start": {"line": 4, "column": 16},
                                           "end": {"line": 4, "column": 20}}}}])
        );
        assert_eq!(
            diagnostic["code"],
            json!({"value": "redis-maxmemory-headroom"})
        );
        assert_eq!(diagnostic["severity"], "WARNING");
        assert_eq!(result["source"], json!({"name": "orion-lint"}));
    }

    #[test]
    fn unsafe_and_multi_file_fixes_are_not_suggested() {
        for report in [
            report(Applicability::Unsafe, false),
            report(Applicability::Safe, true),
        ] {
            let result = rdjson(&report);
            assert!(
                result["diagnostics"][0].get("suggestions").is_none(),
                "{result}"
            );
        }
    }

    #[test]
    fn rdjsonl_is_one_diagnostic_per_line() {
        let mut report = report(Applicability::Safe, false);
        report.diagnostics.push(report.diagnostics[0].clone());
        let mut out = Vec::new();
        Rdjsonl.render(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        for line in lines {
            let diagnostic: Value = serde_json::from_str(line).unwrap();
            assert_eq!(diagnostic["source"]["name"], "orion-lint");
            assert_eq!(diagnostic["suggestions"].as_array().unwrap().len(), 2);
        }
        let mut empty = Vec::new();
        Rdjsonl.render(&Report::default(), &mut empty).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn columns_count_bytes() {
        let mut sources = SourceMap::default();
        let text = "a: x\n# Größe\nb: ö 1\r\nc: 2";
        let file = sources.add(SourceFile::new("c.yml".into(), text));
        let at = |needle: &str| {
            let start = text.find(needle).unwrap();
            range(&Span::new(file, start..start + needle.len()), &sources)
        };
        let pos = |line, column| Position { line, column };
        assert_eq!(at("x").start, pos(1, 4));
        // "ö " is three bytes: `1` is the 7th byte of its line, the 6th character.
        assert_eq!(
            at("1"),
            RdRange {
                start: pos(3, 7),
                end: pos(3, 8)
            }
        );
        assert_eq!(at("2").start, pos(4, 4));
        // An end at the line break is one past the last byte of the line.
        assert_eq!(at("Größe").end, pos(2, 10));
    }
}
