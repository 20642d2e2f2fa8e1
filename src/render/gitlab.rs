//! `--format gitlab`: a GitLab Code Quality report (`artifacts:reports:codequality`), the subset
//! of the Code Climate issue format that GitLab reads: a JSON array of
//!
//! ```json
//! {"description": "...", "check_name": "redis-maxmemory-headroom", "fingerprint": "...:1",
//!  "severity": "minor", "location": {"path": "compose.yml", "lines": {"begin": 58, "end": 58}}}
//! ```
//!
//! Severities: error `major`, warning `minor`, info `info`; a project that could not be read is a
//! `blocker` (when it has a path to show it on). The fingerprint is SARIF's
//! `partialFingerprints["orionLint/v1"]`: rule, path, service and the text of the finding, so it
//! does not change when unrelated lines move, and GitLab tells new findings from fixed ones.

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::Severity;
use crate::lint::Report;
use crate::source::display_path;

use super::{Location, Renderer};

pub struct Gitlab;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// The check name of a project that could not be read.
const LOAD_ERROR: &str = "orion-lint/project-not-read";

impl Renderer for Gitlab {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let sources = &report.sources;
        let findings = report
            .diagnostics
            .iter()
            .zip(super::sarif::counted_fingerprints(report))
            .map(|(d, fingerprint)| {
                let at = Location::of(&d.primary.span, sources);
                Issue {
                    description: super::message_with_help(d),
                    check_name: d.rule,
                    fingerprint,
                    severity: severity(d.severity),
                    location: IssueLocation {
                        path: at.path,
                        lines: Lines {
                            begin: at.line,
                            end: at.end_line,
                        },
                    },
                }
            });
        // GitLab needs a path: an error without one is on stderr only.
        let errors = report.errors.iter().filter_map(|e| {
            let (path, begin, end) = match (&e.span, &e.path) {
                (Some(span), _) => {
                    let at = Location::of(span, sources);
                    (at.path, at.line, at.end_line)
                }
                (None, Some(path)) => (display_path(path), 1, 1),
                (None, None) => return None,
            };
            let fingerprint = super::sarif::fnv_hex(&[LOAD_ERROR, &path, &e.message]);
            Some(Issue {
                description: e.message.clone(),
                check_name: LOAD_ERROR,
                fingerprint,
                severity: "blocker",
                location: IssueLocation {
                    path,
                    lines: Lines { begin, end },
                },
            })
        });
        let issues: Vec<Issue> = errors.chain(findings).collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&issues)?)
    }
}
