//! `--format junit`: JUnit XML, for Jenkins and GitLab test reports (`artifacts:reports:junit`).
//! One `<testsuite>` per file orion-lint read, one failing `<testcase>` per finding in it
//! (`classname` the path, `name` the rule and position, `<failure>` with the severity as `type`
//! and the message with its help), and one passing `<testcase>` for a file without findings, so
//! that a clean run shows as passed tests. A project that could not be read is a testcase with
//! an `<error>`, in the suite of its file (or of `orion-lint` when it has none).
//!
//! Text is escaped for XML 1.0: markup characters become entities, and control characters
//! (which XML 1.0 cannot hold even as references) are shown escaped, as in the other text formats.

use std::io::{self, Write};

use crate::lint::Report;
use crate::source::display_path;

use super::{Location, Renderer};

pub struct Junit;

/// Text for an XML attribute or element.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in super::snippet::escape_controls(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Not characters of XML 1.0; the C0 controls are escaped above.
            '\u{fffe}' | '\u{ffff}' => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

/// One testcase: its name, and its failure or error (element, type, message, body), if any.
struct Case {
    name: String,
    outcome: Option<(&'static str, &'static str, String, String)>,
}

/// Add a testcase to the suite of `path`, a new suite at the end if there is none yet.
fn add(suites: &mut Vec<(String, Vec<Case>)>, path: String, case: Case) {
    match suites.iter_mut().find(|(p, _)| *p == path) {
        Some((_, cases)) => cases.push(case),
        None => suites.push((path, vec![case])),
    }
}

/// How many of `cases` end with a `<failure>` or an `<error>`.
fn count<'a>(cases: impl IntoIterator<Item = &'a Case>, element: &str) -> usize {
    cases
        .into_iter()
        .filter(|c| c.outcome.as_ref().is_some_and(|o| o.0 == element))
        .count()
}

impl Renderer for Junit {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let sources = &report.sources;
        // The suites in the order their files were read, then the errors without a file.
        let mut suites: Vec<(String, Vec<Case>)> = sources
            .ids()
            .map(|id| (sources.get(id).display_path(), Vec::new()))
            .collect();
        for e in &report.errors {
            let path = match (&e.span, &e.path) {
                (Some(span), _) => Location::of(span, sources).path,
                (None, Some(path)) => display_path(path),
                (None, None) => "orion-lint".to_string(),
            };
            let case = Case {
                name: "orion-lint could not read this project".to_string(),
                outcome: Some(("error", "error", e.message.clone(), e.message.clone())),
            };
            add(&mut suites, path, case);
        }
        for d in &report.diagnostics {
            let at = Location::of(&d.primary.span, sources);
            let body = format!(
                "{}:{}:{}: {}",
                at.path,
                at.line,
                at.column,
                super::message_with_help(d)
            );
            let case = Case {
                name: format!("{} ({}:{}:{})", d.rule, at.path, at.line, at.column),
                outcome: Some(("failure", d.severity.as_str(), d.message.clone(), body)),
            };
            add(&mut suites, at.path, case);
        }
        let all: Vec<&Case> = suites.iter().flat_map(|(_, cases)| cases).collect();
        let (failures, errors) = (count(all.iter().copied(), "failure"), count(all, "error"));
        let tests: usize = suites.iter().map(|(_, cases)| cases.len().max(1)).sum();
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<testsuites name="orion-lint" tests="{tests}" failures="{failures}" errors="{errors}">"#
        )?;
        for (path, cases) in &suites {
            let tests = cases.len().max(1);
            writeln!(
                out,
                r#"  <testsuite name="{}" tests="{tests}" failures="{}" errors="{}">"#,
                xml(path),
                count(cases, "failure"),
                count(cases, "error")
            )?;
            if cases.is_empty() {
                writeln!(
                    out,
                    r#"    <testcase classname="{}" name="orion-lint"/>"#,
                    xml(path)
                )?;
            }
            for case in cases {
                write!(
                    out,
                    r#"    <testcase classname="{}" name="{}">"#,
                    xml(path),
                    xml(&case.name)
                )?;
                if let Some((element, kind, message, body)) = &case.outcome {
                    write!(
                        out,
                        r#"<{element} type="{kind}" message="{}">{}</{element}>"#,
                        xml(message),
                        xml(body)
                    )?;
                }
                writeln!(out, "</testcase>")?;
            }
            writeln!(out, "  </testsuite>")?;
        }
        writeln!(out, "</testsuites>")
    }
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn text_is_escaped_for_xml_1_0() {
        assert_eq!(
            xml(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(
            xml("a\u{1b}[31mb\u{0}c\u{ffff}"),
            r"a\u{1b}[31mb\u{0}c\u{ffff}"
        );
        assert_eq!(xml("tab\tline\n"), "tab\tline\n");
    }
}
