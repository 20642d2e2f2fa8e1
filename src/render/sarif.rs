//! `--format sarif`: one SARIF 2.1.0 log with one run for all files, as GitHub code scanning
//! (`github/codeql-action/upload-sarif`) and other SARIF consumers read it.
//!
//! - Every rule is in `tool.driver.rules`, with its summary, the "What it does" section of its
//!   documentation and the whole documentation as help; results point at their rule by `ruleId`
//!   and `ruleIndex`.
//! - Columns count Unicode code points (`columnKind: unicodeCodePoints`), like the other formats
//!   of orion-lint; regions end exclusively, as SARIF defines.
//! - URIs are the paths as orion-lint shows them (relative to the working directory, which in CI
//!   is the repository root), percent-encoded; absolute paths become `file://` URIs.
//! - `partialFingerprints["orionLint/v1"]` hashes the rule, the path, the service and the text
//!   of the finding, so a finding keeps its identity when unrelated lines move.
//! - Projects that could not be read are tool execution notifications of the run's invocation,
//!   whose `executionSuccessful` is then false; stdout stays a valid log.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::ops::Range;

use serde::Serialize;

use crate::compose::LoadError;
use crate::diagnostic::{Applicability, Diagnostic, Fix, Label, Severity};
use crate::lint::Report;
use crate::registry::{self, Rule};
use crate::source::{SourceFile, SourceMap, Span};

use super::Renderer;

pub struct Sarif;

/// The schema GitHub's documentation names; SARIF validators resolve it to the OASIS 2.1.0 schema.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of orion-lint's own fingerprint; bump the version when what it hashes changes.
pub const FINGERPRINT_KEY: &str = "orionLint/v1";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: String,
    short_description: Message,
    full_description: Message,
    help: Message,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
}

impl Message {
    fn text(text: impl Into<String>) -> Self {
        Message {
            text: text.into(),
            markdown: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties>,
}

#[derive(Serialize)]
struct ResultProperties {
    /// The Compose service the finding is about.
    service: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
    #[serde(skip_serializing_if = "Option::is_none")]
    context_region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Message,
    artifact_changes: Vec<ArtifactChange>,
    properties: FixProperties,
}

#[derive(Serialize)]
struct FixProperties {
    /// `safe`: `orion-lint --fix` applies it; `unsafe`: it changes behaviour and needs a person.
    applicability: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: InsertedContent,
}

#[derive(Serialize)]
struct InsertedContent {
    text: String,
}

/// SARIF's name for a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A rule's friendly name, which SARIF wants distinct from its ID and in Pascal case:
/// `redis-maxmemory-headroom` is `RedisMaxmemoryHeadroom`.
pub fn pascal_case(name: &str) -> String {
    name.split(['-', '_'])
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect()
}

/// A path as a URI reference: relative paths stay relative (GitHub resolves them against the
/// repository root), absolute paths become `file://` URIs; everything but unreserved characters
/// and `/` is percent-encoded as UTF-8.
pub fn uri(path: &str) -> String {
    let bytes = path.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    let (mut out, rest) = if drive {
        (format!("file:///{}", &path[..2]), &path[2..])
    } else if path.starts_with('/') {
        ("file://".to_string(), path)
    } else {
        (String::new(), path)
    };
    for byte in rest.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// FNV-1a, 128 bits: a hash that is the same on every platform and in every version of
/// orion-lint (std's hashers promise neither).
fn fnv1a_128(parts: &[&str]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut hash = OFFSET;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            // A separator that cannot occur in the parts' text, so ("ab", "c") ≠ ("a", "bc").
            hash ^= 0xff;
            hash = hash.wrapping_mul(PRIME);
        }
        for byte in part.bytes() {
            hash ^= u128::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

/// The identity of a finding across runs: its rule, file, service and the text it points at,
/// but not its line, so that it survives edits elsewhere in the file.
pub fn fingerprint(diagnostic: &Diagnostic, sources: &SourceMap) -> String {
    let file = sources.get(diagnostic.primary.span.file);
    fnv_hex(&[
        diagnostic.rule,
        &file.display_path(),
        diagnostic.service.as_deref().unwrap_or(""),
        sources.text(&diagnostic.primary.span),
    ])
}

/// The 128-bit FNV-1a hash of `parts`, as 32 hexadecimal digits.
pub(crate) fn fnv_hex(parts: &[&str]) -> String {
    format!("{:032x}", fnv1a_128(parts))
}

/// Each finding's [`fingerprint`] with `:N` appended: identical ones (the same text twice in a
/// service) are told apart by their order, as GitHub does with `primaryLocationLineHash`.
pub(crate) fn counted_fingerprints(report: &Report) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let hash = fingerprint(d, &report.sources);
            let count = seen.entry(hash.clone()).or_default();
            *count += 1;
            format!("{hash}:{count}")
        })
        .collect()
}

/// A section of a rule's Markdown documentation, without its heading.
fn doc_section(doc: &str, heading: &str) -> Option<String> {
    let mut lines = doc.lines();
    lines
        .by_ref()
        .find(|line| line.strip_prefix("## ").map(str::trim) == Some(heading))?;
    let mut body = Vec::new();
    let mut fenced = false;
    for line in lines {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if !fenced && (line.starts_with("# ") || line.starts_with("## ")) {
            break;
        }
        body.push(line);
    }
    Some(body.join("\n").trim().to_string())
}

/// Markdown as plain text: hard-wrapped lines of a paragraph or list item joined.
fn unwrap_markdown(markdown: &str) -> String {
    let mut out = String::new();
    let mut in_paragraph = false;
    for line in markdown.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            in_paragraph = false;
            continue;
        }
        let item = trimmed.starts_with("- ") || trimmed.starts_with("* ");
        if !out.is_empty() {
            out.push_str(if !in_paragraph {
                "\n\n"
            } else if item {
                "\n"
            } else {
                " "
            });
        }
        out.push_str(trimmed);
        in_paragraph = true;
    }
    out
}

/// Links between the rule documents (`[mem-limit-missing](mem-limit-missing.md)`) lead nowhere
/// outside the repository: keep their text.
fn drop_relative_links(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|close| {
            let target_start = close + 2;
            let target_len = after[target_start..].find(')')?;
            let target = &after[target_start..target_start + target_len];
            let relative = target.ends_with(".md") && !target.contains("://");
            (relative && !after[..close].contains(['[', '\n']))
                .then_some((close, target_start + target_len + 1))
        });
        match link {
            Some((close, end)) => {
                out.push_str(&rest[..open]);
                out.push_str(&after[..close]);
                rest = &after[end..];
            }
            None => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let doc = drop_relative_links(rule.doc);
    let what = doc_section(&doc, "What it does").unwrap_or_else(|| rule.summary.to_string());
    ReportingDescriptor {
        id: rule.name,
        name: pascal_case(rule.name),
        short_description: Message::text(rule.summary),
        full_description: Message {
            text: unwrap_markdown(&what),
            markdown: Some(what),
        },
        help: Message {
            text: doc.clone(),
            markdown: Some(doc.clone()),
        },
        default_configuration: Configuration {
            level: level(rule.severity),
        },
    }
}

fn region(file: &SourceFile, range: Range<usize>) -> Region {
    let start = file.line_col(range.start);
    let end = file.line_col(range.end);
    Region {
        start_line: start.line,
        start_column: start.column,
        end_line: end.line,
        end_column: end.column,
        snippet: None,
    }
}

/// The text of `range` with the secrets of its lines masked (a secret is found by its key,
/// which may be outside the range).
fn masked_lines(file: &SourceFile, range: Range<usize>) -> String {
    let lines = file.line_range(file.line_col(range.start).line).start
        ..file
            .line_range(file.line_col(range.end).line)
            .end
            .max(range.end);
    let masked = super::snippet::masked(&file.text[lines.clone()]);
    masked[range.start - lines.start..range.end - lines.start].to_string()
}

fn physical_location(span: &Span, sources: &SourceMap) -> PhysicalLocation {
    let file = sources.get(span.file);
    let mut main = region(file, span.range.clone());
    main.snippet = Some(Message::text(masked_lines(file, span.range.clone())));
    // The whole lines around the region, when they say more than the region itself.
    let first = file.line_range(main.start_line);
    let last = file.line_range(main.end_line);
    let lines = first.start..last.end.max(span.range.end);
    let context_region = (lines != span.range).then(|| {
        let mut context = region(file, lines.clone());
        context.snippet = Some(Message::text(super::snippet::masked(&file.text[lines])));
        context
    });
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: uri(&file.display_path()),
        },
        region: main,
        context_region,
    }
}

fn label_location(label: &Label, id: Option<usize>, sources: &SourceMap) -> Location {
    Location {
        id,
        physical_location: physical_location(&label.span, sources),
        message: Some(Message::text(&label.message)),
    }
}

fn fix(fix: &Fix, sources: &SourceMap) -> SarifFix {
    let mut changes: Vec<(crate::source::FileId, Vec<&crate::diagnostic::Edit>)> = Vec::new();
    for edit in &fix.edits {
        match changes.iter_mut().find(|(file, _)| *file == edit.span.file) {
            Some((_, edits)) => edits.push(edit),
            None => changes.push((edit.span.file, vec![edit])),
        }
    }
    SarifFix {
        description: Message::text(&fix.title),
        artifact_changes: changes
            .into_iter()
            .map(|(file_id, mut edits)| {
                edits.sort_by_key(|e| (e.span.range.start, e.span.range.end));
                let file = sources.get(file_id);
                ArtifactChange {
                    artifact_location: ArtifactLocation {
                        uri: uri(&file.display_path()),
                    },
                    replacements: edits
                        .into_iter()
                        .map(|edit| Replacement {
                            deleted_region: region(file, edit.span.range.clone()),
                            inserted_content: InsertedContent {
                                text: edit.replacement.clone(),
                            },
                        })
                        .collect(),
                }
            })
            .collect(),
        properties: FixProperties {
            applicability: match fix.applicability {
                Applicability::Safe => "safe",
                Applicability::Unsafe => "unsafe",
            },
        },
    }
}

fn notification(error: &LoadError, sources: &SourceMap) -> Notification {
    let (text, locations) = match (&error.span, &error.path) {
        (Some(span), _) => (
            error.message.clone(),
            vec![Location {
                id: None,
                physical_location: physical_location(span, sources),
                message: None,
            }],
        ),
        (None, Some(path)) => (
            format!("{}: {}", crate::source::display_path(path), error.message),
            Vec::new(),
        ),
        (None, None) => (error.message.clone(), Vec::new()),
    };
    Notification {
        level: "error",
        message: Message::text(text),
        locations,
    }
}

impl Renderer for Sarif {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let sources = &report.sources;
        let results = report
            .diagnostics
            .iter()
            .zip(counted_fingerprints(report))
            .map(|(d, fingerprint)| SarifResult {
                rule_id: d.rule,
                rule_index: registry::RULES.iter().position(|r| r.name == d.rule),
                level: level(d.severity),
                message: Message::text(super::message_with_help(d)),
                locations: vec![label_location(&d.primary, None, sources)],
                related_locations: d
                    .secondary
                    .iter()
                    .enumerate()
                    .map(|(i, label)| label_location(label, Some(i + 1), sources))
                    .collect(),
                partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
                fixes: d.fix.iter().map(|f| fix(f, sources)).collect(),
                properties: d.service.as_ref().map(|service| ResultProperties {
                    service: service.clone(),
                }),
            })
            .collect();
        let log = Log {
            schema: SCHEMA,
            version: "2.1.0",
            runs: vec![Run {
                tool: Tool {
                    driver: Driver {
                        name: "orion-lint",
                        version: env!("CARGO_PKG_VERSION"),
                        semantic_version: env!("CARGO_PKG_VERSION"),
                        rules: registry::RULES.iter().map(|r| descriptor(r)).collect(),
                    },
                },
                invocations: vec![Invocation {
                    execution_successful: report.errors.is_empty(),
                    tool_execution_notifications: report
                        .errors
                        .iter()
                        .map(|e| notification(e, sources))
                        .collect(),
                }],
                column_kind: "unicodeCodePoints",
                results,
            }],
        };
        serde_json::to_writer_pretty(&mut *out, &log)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Edit;
    use crate::source::SourceFile;
    use serde_json::{Value, json};

    const COMPOSE: &str = "services:\n  redis:\n    # Größe\n    command: redis-server --requirepass Größe --maxmemory 100mb\n    mem_limit: 128m\n";

    /// A report with one finding whose fix edits two places in the compose file and one in a
    /// second file, built by hand so that every shape of fix is covered.
    fn report_with_fix(applicability: Applicability) -> Report {
        let mut report = Report::default();
        let compose = report
            .sources
            .add(SourceFile::new("./stack/compose.yml".into(), COMPOSE));
        let conf = report.sources.add(SourceFile::new(
            "stack/redis.conf".into(),
            "maxmemory 1gb\n",
        ));
        let at = |needle: &str| {
            let start = COMPOSE.find(needle).unwrap();
            Span::new(compose, start..start + needle.len())
        };
        let diagnostic = Diagnostic::new(
            "redis-maxmemory-headroom",
            Severity::Warning,
            at("100mb"),
            "78% of the container limit",
            "Redis maxmemory is 78% of the container limit",
        )
        .with_service("redis")
        .with_help("lower maxmemory to `96mb`")
        .with_label(at("128m"), "container limit 128 MiB")
        .with_fix(Fix {
            title: "set maxmemory to 96mb".into(),
            applicability,
            edits: vec![
                Edit {
                    span: at("100mb"),
                    replacement: "96mb".into(),
                },
                Edit {
                    span: Span::new(conf, 10..13),
                    replacement: "96mb".into(),
                },
                // Listed after the later edit: replacements come out in file order.
                Edit {
                    span: at("Größe --"),
                    replacement: "".into(),
                },
            ],
        });
        report.diagnostics.push(diagnostic);
        report.projects = 1;
        report
    }

    fn render(report: &Report) -> Value {
        let mut out = Vec::new();
        Sarif.render(report, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn fixes_become_artifact_changes_in_characters() {
        let log = render(&report_with_fix(Applicability::Unsafe));
        let result = &log["runs"][0]["results"][0];
        // "# Größe" does not shift the next line; "Größe " before 100mb does: 6 characters, 8 bytes.
        assert_eq!(
            result["locations"][0]["physicalLocation"]["region"],
            json!({"startLine": 4, "startColumn": 59, "endLine": 4, "endColumn": 64,
                   "snippet": {"text": "100mb"}})
        );
        assert_eq!(
            result["fixes"],
            json!([{
                "description": {"text": "set maxmemory to 96mb"},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": "stack/compose.yml"},
                        "replacements": [
                            {
                                "deletedRegion": {"startLine": 4, "startColumn": 41,
                                                  "endLine": 4, "endColumn": 49},
                                "insertedContent": {"text": ""}
                            },
                            {
                                "deletedRegion": {"startLine": 4, "startColumn": 59,
                                                  "endLine": 4, "endColumn": 64},
                                "insertedContent": {"text": "96mb"}
                            }
                        ]
                    },
                    {
                        "artifactLocation": {"uri": "stack/redis.conf"},
                        "replacements": [{
                            "deletedRegion": {"startLine": 1, "startColumn": 11,
                                              "endLine": 1, "endColumn": 14},
                            "insertedContent": {"text": "96mb"}
                        }]
                    }
                ],
                "properties": {"applicability": "unsafe"}
            }])
        );
        assert_eq!(
            render(&report_with_fix(Applicability::Safe))["runs"][0]["results"][0]["fixes"][0]["properties"]
                ["applicability"],
            "safe"
        );
    }

    #[test]
    fn a_result_names_its_rule_locations_and_fingerprint() {
        let log = render(&report_with_fix(Applicability::Safe));
        let run = &log["runs"][0];
        let result = &run["results"][0];
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            run["tool"]["driver"]["rules"][index]["id"],
            result["ruleId"]
        );
        assert_eq!(result["level"], "warning");
        assert_eq!(
            result["message"]["text"],
            "Redis maxmemory is 78% of the container limit\n\nhelp: lower maxmemory to `96mb`"
        );
        assert_eq!(
            result["locations"][0]["message"]["text"],
            "78% of the container limit"
        );
        assert_eq!(
            result["relatedLocations"][0],
            json!({
                "id": 1,
                "physicalLocation": {
                    "artifactLocation": {"uri": "stack/compose.yml"},
                    "region": {"startLine": 5, "startColumn": 16, "endLine": 5, "endColumn": 20,
                               "snippet": {"text": "128m"}},
                    "contextRegion": {"startLine": 5, "startColumn": 1, "endLine": 5,
                                      "endColumn": 20, "snippet": {"text": "    mem_limit: 128m"}}
                },
                "message": {"text": "container limit 128 MiB"}
            })
        );
        let fingerprint = result["partialFingerprints"][FINGERPRINT_KEY]
            .as_str()
            .unwrap();
        assert!(fingerprint.ends_with(":1"), "{fingerprint}");
        assert_eq!(result["properties"]["service"], "redis");
    }

    #[test]
    fn fingerprints_ignore_lines_and_count_repeats() {
        let report = report_with_fix(Applicability::Safe);
        let mut moved = Report::default();
        let text = format!("# a new first line\n{COMPOSE}");
        let file = moved
            .sources
            .add(SourceFile::new("stack/compose.yml".into(), text.clone()));
        let start = text.find("100mb").unwrap();
        let mut diagnostic = report.diagnostics[0].clone();
        diagnostic.primary.span = Span::new(file, start..start + 5);
        diagnostic.secondary.clear();
        diagnostic.fix = None;
        moved.diagnostics = vec![diagnostic.clone(), diagnostic];
        let before = fingerprint(&report.diagnostics[0], &report.sources);
        assert_eq!(fingerprint(&moved.diagnostics[0], &moved.sources), before);
        let log = render(&moved);
        let prints: Vec<&str> = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"][FINGERPRINT_KEY].as_str().unwrap())
            .collect();
        assert_eq!(prints, [format!("{before}:1"), format!("{before}:2")]);
        // Another service is another finding.
        let mut other = moved.diagnostics[0].clone();
        other.service = Some("cache".into());
        assert_ne!(fingerprint(&other, &moved.sources), before);
    }

    #[test]
    fn rule_names_become_pascal_case() {
        assert_eq!(
            pascal_case("redis-maxmemory-headroom"),
            "RedisMaxmemoryHeadroom"
        );
        assert_eq!(pascal_case("plan-ram-exceeded"), "PlanRamExceeded");
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            uri("deploy/docker-compose.yml"),
            "deploy/docker-compose.yml"
        );
        assert_eq!(uri("my stack/compose.yml"), "my%20stack/compose.yml");
        assert_eq!(uri("a:b/c#d?e%.yml"), "a%3Ab/c%23d%3Fe%25.yml");
        assert_eq!(uri("größe/compose.yml"), "gr%C3%B6%C3%9Fe/compose.yml");
        assert_eq!(uri("/srv/app/compose.yml"), "file:///srv/app/compose.yml");
        assert_eq!(uri("C:/app/compose.yml"), "file:///C:/app/compose.yml");
    }

    #[test]
    fn fingerprint_hash_is_fixed_and_separates_parts() {
        // FNV-1a 128 of the empty input is its offset basis.
        assert_eq!(fnv1a_128(&[""]), 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d);
        assert_eq!(
            format!("{:032x}", fnv1a_128(&["a"])),
            "d228cb696f1a8caf78912b704e4a8964"
        );
        assert_ne!(fnv1a_128(&["ab", "c"]), fnv1a_128(&["a", "bc"]));
    }

    #[test]
    fn what_it_does_is_read_from_the_rule_doc() {
        let doc = "# r\n\n**Severity:** warning\n\n## What it does\nFinds things\nthat break:\n\n- one\n  wrapped;\n- two.\n\nMore.\n\n## Why it matters\nBecause.\n";
        let section = doc_section(doc, "What it does").unwrap();
        let section = section.as_str();
        assert_eq!(
            section,
            "Finds things\nthat break:\n\n- one\n  wrapped;\n- two.\n\nMore."
        );
        assert_eq!(
            unwrap_markdown(section),
            "Finds things that break:\n\n- one wrapped;\n- two.\n\nMore."
        );
        for rule in registry::RULES {
            assert!(
                doc_section(rule.doc, "What it does").is_some_and(|s| !s.is_empty()),
                "{} has no \"What it does\" section",
                rule.name
            );
        }
    }

    #[test]
    fn links_between_rule_docs_keep_their_text() {
        assert_eq!(
            drop_relative_links(
                "see [mem-limit-missing](mem-limit-missing.md) and [Redis](https://redis.io)."
            ),
            "see mem-limit-missing and [Redis](https://redis.io)."
        );
        assert_eq!(drop_relative_links("a [b] c ["), "a [b] c [");
    }
}
