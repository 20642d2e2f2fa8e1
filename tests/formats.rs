//! The machine-readable output formats, checked with the programs that read them:
//!
//! - SARIF with the SARIF Multitool (npm `@microsoft/sarif-multitool`, its SARIF and GitHub rule
//!   sets) and with `check-jsonschema` against the official SARIF 2.1.0 schema in
//!   `../shared/schemas/`, plus GitHub code scanning's required fields;
//! - rdjson and rdjsonl with `rdformat-validator` (npm `@umbrelladocs/rdformat-validator`);
//! - the exact output of `concise` and `github` (snapshots in `tests/snapshots/`);
//! - columns: characters in `json`, `sarif`, `github` and `concise`, UTF-8 bytes in `rdjson`;
//! - the Gitea example workflow.
//!
//! The validators are installed by `.ci/run` (`npm ci --prefix .ci`, `pip install
//! check-jsonschema`); without them a test skips with a message, or fails under
//! `ORION_REQUIRE_ORACLES=1`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use orion_lint::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use orion_lint::lint::Report;
use orion_lint::render::{Concise, Github, Rdjson, Rdjsonl, Renderer, Sarif};
use orion_lint::source::{SourceFile, Span};

/// A name, a change that breaks a valid output, and what the validator reports for it.
type Breakage<'a> = (&'a str, &'a dyn Fn(&mut Value), &'a str);

/// What the validators see: each fixture, plus a run that cannot read its project.
const FIXTURES: &[&[&str]] = &[
    &["testdata/mistakes"],
    &["testdata/orion"],
    &["testdata/orion-cax21"],
    &["testdata/redis-conf"],
    &["testdata/unicode"],
    &["testdata/anchors"],
    &["testdata/overcommitted", "--plan", "cax11"],
    &["testdata/semantics/indirection"],
    &["testdata/no-such-directory"],
];

/// The warning the SARIF multitool gives every log of orion-lint: the crate has no public URL
/// yet, and an invented `informationUri` would be worse than none.
const NO_INFORMATION_URI: &str = "SARIF2005";

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn orion(args: &[&str]) -> Output {
    let output = common::orion()
        .args(args)
        .args(["--color", "never"])
        .output()
        .expect("runs");
    Output {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn with_format(args: &[&str], format: &str) -> Output {
    let mut all = args.to_vec();
    all.extend(["--format", format]);
    orion(&all)
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// A file name for a fixture's output: `testdata/redis-conf` -> `testdata-redis-conf.sarif`.
fn file_name(args: &[&str], extension: &str) -> String {
    let stem: String = args
        .join("-")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{stem}.{extension}")
}

/// A finding with a fix, as the fix engine will produce them (no rule has fixes yet): the fix
/// edits the compose file in two places (one after non-ASCII text) and a second file.
fn report_with_fix(applicability: Applicability) -> Report {
    const COMPOSE: &str = "services:\n  redis:\n    command: redis-server --requirepass Größe --maxmemory 100mb\n    mem_limit: 128m\n";
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
    let fix = |edits: Vec<Edit>| Fix {
        title: "set maxmemory to 96mb".into(),
        applicability,
        edits,
    };
    let replace = |span: Span, text: &str| Edit {
        span,
        replacement: text.into(),
    };
    report.diagnostics = vec![
        Diagnostic::new(
            "redis-maxmemory-headroom",
            Severity::Warning,
            at("100mb"),
            "78% of the container limit",
            "Redis maxmemory is 78% of the container limit,\nabove 75%",
        )
        .with_service("redis")
        .with_help("lower maxmemory to `96mb`")
        .with_label(at("128m"), "container limit 128 MiB")
        .with_fix(fix(vec![
            replace(at("100mb"), "96mb"),
            replace(at("--requirepass Größe "), ""),
        ])),
        Diagnostic::new(
            "redis-maxmemory-exceeds-limit",
            Severity::Error,
            Span::new(conf, 10..13),
            "maxmemory 1 GiB",
            "Redis maxmemory is not below the container limit",
        )
        .with_service("redis")
        .with_fix(fix(vec![
            replace(Span::new(conf, 10..13), "96mb"),
            replace(at("128m"), "128m"),
        ])),
    ];
    report.projects = 1;
    report
}

fn render(renderer: &dyn Renderer, report: &Report) -> String {
    let mut out = Vec::new();
    renderer.render(report, &mut out).expect("renders");
    String::from_utf8(out).expect("UTF-8")
}

/// A project whose compose file is not valid YAML: orion-lint reports it with a position.
fn unreadable_project() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yml");
    fs::write(&file, "services:\n  web: [\n").unwrap();
    let file = file.to_str().unwrap().to_string();
    (dir, file)
}

/// Every SARIF log the tests validate: each fixture's, an unreadable project's, and the
/// hand-built findings with fixes.
fn sarif_logs() -> Vec<(String, String)> {
    let mut logs: Vec<(String, String)> = common::parallel_map(FIXTURES, |args| {
        (file_name(args, "sarif"), with_format(args, "sarif").stdout)
    });
    let (_dir, unreadable) = unreadable_project();
    logs.push((
        "unreadable.sarif".into(),
        with_format(&[&unreadable], "sarif").stdout,
    ));
    for (name, applicability) in [
        ("fixes-safe.sarif", Applicability::Safe),
        ("fixes-unsafe.sarif", Applicability::Unsafe),
    ] {
        logs.push((name.into(), render(&Sarif, &report_with_fix(applicability))));
    }
    logs
}

fn write_all(dir: &Path, files: &[(String, String)]) -> Vec<PathBuf> {
    files
        .iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            fs::write(&path, text).expect("write");
            path
        })
        .collect()
}

// ---- SARIF ----

/// What is wrong with a log, going by the SARIF multitool's findings: any error, any warning
/// but the missing `informationUri`, and no findings at all. The multitool reports nothing for
/// a log it cannot load (seen with 5.7.0 for a result `level` outside the schema's enum, which it
/// lets pass with exit code 0), while it gives every log of ours the `informationUri` warning: its
/// absence means the log was not analysed.
fn multitool_verdict(findings: &[common::Finding]) -> Vec<String> {
    let mut problems = Vec::new();
    if !findings.iter().any(|f| f.rule == NO_INFORMATION_URI) {
        problems.push(format!(
            "the multitool did not analyse the log (no {NO_INFORMATION_URI}): {findings:#?}"
        ));
    }
    for finding in findings {
        let accepted = finding.level == "note"
            || (finding.level == "warning"
                && finding.rule == NO_INFORMATION_URI
                && finding.message.contains("informationUri"));
        if !accepted {
            problems.push(finding.to_string());
        }
    }
    problems
}

/// SARIF Multitool (npm @microsoft/sarif-multitool), or the skip/fail convention.
fn required_sarif_multitool() -> Option<PathBuf> {
    common::require(
        "SARIF Multitool (npm @microsoft/sarif-multitool)",
        common::sarif_multitool(),
        common::NPM_VALIDATORS_HINT,
    )
}

/// ../shared/schemas/sarif-schema-2.1.0.json, or the skip/fail convention.
fn required_sarif_schema() -> Option<PathBuf> {
    common::require(
        "../shared/schemas/sarif-schema-2.1.0.json",
        common::sarif_schema(),
        "the shared folder beside the repository",
    )
}

/// check-jsonschema, or the skip/fail convention.
fn required_check_jsonschema() -> Option<PathBuf> {
    common::require(
        "check-jsonschema",
        common::check_jsonschema(),
        common::CHECK_JSONSCHEMA_HINT,
    )
}

/// rdformat-validator (npm @umbrelladocs/rdformat-validator), or the skip/fail convention.
fn required_rdformat_validator() -> Option<PathBuf> {
    common::require(
        "rdformat-validator (npm @umbrelladocs/rdformat-validator)",
        common::rdformat_validator(),
        common::NPM_VALIDATORS_HINT,
    )
}

#[test]
#[ignore = "needs the SARIF Multitool"]
fn sarif_passes_the_sarif_multitool() {
    let Some(multitool) = required_sarif_multitool() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let files = write_all(dir.path(), &sarif_logs());
    let reports = common::parallel_map(&files, |file| {
        (
            file.clone(),
            common::sarif_multitool_validate(&multitool, file),
        )
    });
    let problems: Vec<String> = reports
        .iter()
        .flat_map(|(file, findings)| {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            multitool_verdict(findings)
                .into_iter()
                .map(move |problem| format!("{name}: {problem}"))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
#[ignore = "needs check-jsonschema and ../shared/schemas"]
fn sarif_passes_check_jsonschema_with_the_official_schema() {
    let Some(schema) = required_sarif_schema() else {
        return;
    };
    let Some(tool) = required_check_jsonschema() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let files = write_all(dir.path(), &sarif_logs());
    match common::check_jsonschema_validate(&tool, &schema, &files) {
        Ok(output) => assert!(output.contains("ok -- validation done"), "{output}"),
        Err(output) => panic!("the SARIF logs do not match the schema:\n{output}"),
    }
}

/// The validators find what is wrong: each broken copy of a valid log is rejected.
#[test]
#[ignore = "needs the SARIF Multitool and check-jsonschema"]
fn the_validators_reject_broken_sarif() {
    let log = json_of(&with_format(&["testdata/redis-conf"], "sarif").stdout);
    let broken = |change: &dyn Fn(&mut Value)| {
        let mut copy = log.clone();
        change(&mut copy);
        serde_json::to_string_pretty(&copy).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    if let Some(multitool) = required_sarif_multitool() {
        let cases: [Breakage; 4] = [
            (
                "uri.sarif",
                &|log| {
                    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
                        ["uri"] = json!("a file.yml")
                },
                "error SARIF1002",
            ),
            (
                "rule-id.sarif",
                &|log| {
                    log["runs"][0]["results"][0]
                        .as_object_mut()
                        .unwrap()
                        .remove("ruleId");
                },
                "error SARIF1010",
            ),
            (
                "rules.sarif",
                &|log| {
                    log["runs"][0]["tool"]["driver"]
                        .as_object_mut()
                        .unwrap()
                        .remove("rules");
                },
                "error GH1018",
            ),
            (
                "level.sarif",
                &|log| log["runs"][0]["results"][0]["level"] = json!("fatal"),
                "did not analyse",
            ),
        ];
        for (name, change, expected) in cases {
            let file = dir.path().join(name);
            fs::write(&file, broken(change)).unwrap();
            let problems = multitool_verdict(&common::sarif_multitool_validate(&multitool, &file));
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{name}: expected `{expected}`, got {problems:#?}"
            );
        }
    }
    let (Some(schema), Some(tool)) = (required_sarif_schema(), required_check_jsonschema()) else {
        return;
    };
    let file = dir.path().join("level.sarif");
    fs::write(
        &file,
        broken(&|log| log["runs"][0]["results"][0]["level"] = json!("fatal")),
    )
    .unwrap();
    let error = common::check_jsonschema_validate(&tool, &schema, &[file])
        .expect_err("`level: fatal` is rejected");
    assert!(error.contains("'fatal' is not one of"), "{error}");
}

#[test]
fn sarif_has_what_github_code_scanning_requires() {
    let output = with_format(&["testdata/redis-conf"], "sarif");
    assert_eq!(output.code, 1, "{}", output.stderr);
    let log = json_of(&output.stdout);
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one run for all files");
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "orion-lint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver.get("informationUri").is_none(),
        "no invented informationUri"
    );
    let rules = driver["rules"].as_array().unwrap();
    let names: Vec<&str> = orion_lint::registry::RULES.iter().map(|r| r.name).collect();
    assert_eq!(
        rules
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        names,
        "every rule, in order"
    );
    for (rule, ours) in rules.iter().zip(orion_lint::registry::RULES) {
        assert_ne!(rule["name"], rule["id"], "SARIF wants a friendly name");
        assert_eq!(rule["shortDescription"]["text"], ours.summary);
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(
            full.starts_with("Finds") || full.starts_with("Adds") || full.starts_with("Compares"),
            "{}: fullDescription is the \"What it does\" section: {full}",
            ours.name
        );
        assert!(!full.contains("## "), "{full}");
        assert!(
            rule["help"]["text"]
                .as_str()
                .unwrap()
                .contains("## Why it matters")
        );
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("```yaml")
        );
        let level = match ours.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level);
    }
    let results = run["results"].as_array().unwrap();
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris,
        [
            "testdata/redis-conf/redis/redis.conf",
            "testdata/redis-conf/cache/valkey.conf"
        ],
        "findings in two files, in one run"
    );
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let locations = result["locations"].as_array().unwrap();
        assert!((1..=10).contains(&locations.len()));
        let region = &locations[0]["physicalLocation"]["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().unwrap() >= 1, "{key}: {region}");
        }
        let fingerprint = result["partialFingerprints"]["orionLint/v1"]
            .as_str()
            .unwrap();
        assert_eq!(fingerprint.len(), 32 + 2, "{fingerprint}");
        let related = &result["relatedLocations"][0];
        assert_eq!(related["message"]["text"], "container limit 256 MiB");
        assert_eq!(
            related["physicalLocation"]["artifactLocation"]["uri"],
            "testdata/redis-conf/docker-compose.yml"
        );
    }
    assert_eq!(
        with_format(&["testdata/redis-conf"], "sarif").stdout,
        output.stdout,
        "the same input gives the same bytes"
    );
}

/// Each SARIF result says what the JSON diagnostic says, at the same place.
#[test]
fn sarif_results_match_the_json_diagnostics() {
    for args in FIXTURES {
        let json = json_of(&with_format(args, "json").stdout);
        let sarif = json_of(&with_format(args, "sarif").stdout);
        let diagnostics = json["diagnostics"].as_array().unwrap();
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), diagnostics.len(), "{args:?}");
        for (result, d) in results.iter().zip(diagnostics) {
            assert_eq!(result["ruleId"], d["rule"]);
            let level = match d["severity"].as_str().unwrap() {
                "info" => "note",
                other => other,
            };
            assert_eq!(result["level"], level);
            assert!(
                result["message"]["text"]
                    .as_str()
                    .unwrap()
                    .starts_with(d["message"].as_str().unwrap())
            );
            let place = |location: &Value| {
                let physical = &location["physicalLocation"];
                let region = &physical["region"];
                json!({
                    "path": physical["artifactLocation"]["uri"],
                    "line": region["startLine"], "column": region["startColumn"],
                    "end_line": region["endLine"], "end_column": region["endColumn"],
                })
            };
            let expected = |d: &Value| {
                json!({
                    "path": d["path"], "line": d["line"], "column": d["column"],
                    "end_line": d["end_line"], "end_column": d["end_column"],
                })
            };
            assert_eq!(place(&result["locations"][0]), expected(d), "{args:?}");
            let labels = d["labels"].as_array().unwrap();
            let related = result["relatedLocations"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert_eq!(related.len(), labels.len());
            for (r, label) in related.iter().zip(labels) {
                assert_eq!(place(r), expected(label));
                assert_eq!(r["message"]["text"], label["message"]);
            }
        }
    }
}

#[test]
fn sarif_is_a_valid_log_when_nothing_is_found_or_nothing_can_be_read() {
    let clean = with_format(&["testdata/orion-cax21"], "sarif");
    assert_eq!(clean.code, 0);
    let log = json_of(&clean.stdout);
    assert_eq!(log["runs"][0]["results"], json!([]));
    assert_eq!(
        log["runs"][0]["invocations"],
        json!([{"executionSuccessful": true}])
    );

    let (_dir, broken) = unreadable_project();
    let broken = broken.as_str();
    for format in ["sarif", "rdjson", "rdjsonl", "github", "concise"] {
        let output = with_format(&[broken], format);
        assert_eq!(output.code, 2, "{format}");
        assert!(
            output.stderr.contains("compose.yml"),
            "{format}: {}",
            output.stderr
        );
        match format {
            "sarif" => {
                let log = json_of(&output.stdout);
                let invocation = &log["runs"][0]["invocations"][0];
                assert_eq!(invocation["executionSuccessful"], false);
                let notification = &invocation["toolExecutionNotifications"][0];
                assert_eq!(notification["level"], "error");
                assert!(
                    notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap()
                        .starts_with("file:///")
                );
                assert_eq!(log["runs"][0]["results"], json!([]));
            }
            "rdjson" => assert_eq!(
                json_of(&output.stdout),
                json!({"source": {"name": "orion-lint"}, "diagnostics": []})
            ),
            "github" => {
                assert!(
                    output.stdout.starts_with("::error file=")
                        && output.stdout.lines().count() == 1,
                    "{}",
                    output.stdout
                );
            }
            _ => assert_eq!(output.stdout, "", "{format}"),
        }
    }
}

// ---- rdjson / rdjsonl ----

#[test]
#[ignore = "needs rdformat-validator"]
fn rdjson_and_rdjsonl_pass_the_rdformat_validator() {
    let Some(validator) = required_rdformat_validator() else {
        return;
    };
    let mut files: Vec<(String, String)> = Vec::new();
    let mut empty = Vec::new();
    for args in FIXTURES {
        let rdjson = with_format(args, "rdjson").stdout;
        if json_of(&rdjson)["diagnostics"] == json!([]) {
            empty.push(file_name(args, "rdjson"));
        }
        files.push((file_name(args, "rdjson"), rdjson));
        let rdjsonl = with_format(args, "rdjsonl").stdout;
        for (i, line) in rdjsonl.lines().enumerate() {
            files.push((
                file_name(args, &format!("{i}.rdjsonl.json")),
                line.to_string(),
            ));
        }
    }
    let (_dir, unreadable) = unreadable_project();
    files.push((
        "unreadable.rdjson".into(),
        with_format(&[&unreadable], "rdjson").stdout,
    ));
    empty.push("unreadable.rdjson".into());
    for applicability in [Applicability::Safe, Applicability::Unsafe] {
        let report = report_with_fix(applicability);
        let name = format!("fixes-{applicability:?}");
        files.push((format!("{name}.rdjson"), render(&Rdjson, &report)));
        for (i, line) in render(&Rdjsonl, &report).lines().enumerate() {
            files.push((format!("{name}.{i}.rdjsonl.json"), line.to_string()));
        }
    }
    assert!(
        files
            .iter()
            .any(|(_, text)| text.contains("\"suggestions\"")),
        "suggestions are validated too"
    );
    let dir = tempfile::tempdir().unwrap();
    let paths = write_all(dir.path(), &files);
    let (report, success) = common::rdformat_validate(&validator, &paths);
    assert!(success, "{report:#}");
    assert_eq!(report["filesProcessed"], paths.len(), "{report:#}");
    assert_eq!(report["totalErrors"], 0, "{report:#}");
    for file in report["fileResults"].as_array().unwrap() {
        let name = Path::new(file["file"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert_eq!(file["valid"], true, "{file:#}");
        for warning in file["warningDetails"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            // "contains no diagnostics. This may be intentional": it is, for a clean project.
            assert!(
                warning["code"] == "EMPTY_ARRAY" && empty.contains(&name),
                "{name}: {warning:#}"
            );
        }
    }
}

#[test]
#[ignore = "needs rdformat-validator"]
fn the_rdformat_validator_rejects_broken_rdjson() {
    let Some(validator) = required_rdformat_validator() else {
        return;
    };
    let valid = json_of(&with_format(&["testdata/redis-conf"], "rdjson").stdout);
    let dir = tempfile::tempdir().unwrap();
    let cases: [Breakage; 3] = [
        (
            "severity",
            &|r| r["diagnostics"][0]["severity"] = json!("FATAL"),
            "INVALID_SEVERITY",
        ),
        (
            "line",
            &|r| r["diagnostics"][0]["location"]["range"]["start"]["line"] = json!(0),
            "INVALID_POSITION",
        ),
        (
            "field",
            &|r| r["diagnostics"][0]["rule"] = json!("redis-maxmemory-headroom"),
            "UNKNOWN_PROPERTY",
        ),
    ];
    for (name, change, code) in cases {
        let mut copy = valid.clone();
        change(&mut copy);
        let path = dir.path().join(format!("{name}.rdjson"));
        fs::write(&path, copy.to_string()).unwrap();
        let (report, success) = common::rdformat_validate(&validator, &[path]);
        assert!(!success, "{name}: {report:#}");
        let codes: Vec<&str> = report["fileResults"][0]["errorDetails"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&code), "{name}: {report:#}");
    }
}

/// The 1-based UTF-8 byte column of a 1-based character column on a line of a file.
fn byte_column(path: &str, line: u64, column: u64) -> u64 {
    let text = fs::read_to_string(path).unwrap();
    let line = text.split('\n').nth(line as usize - 1).unwrap();
    let prefix: String = line.chars().take(column as usize - 1).collect();
    prefix.len() as u64 + 1
}

/// rdjson says what JSON says, with columns in bytes; rdjsonl is rdjson one diagnostic a line.
#[test]
fn rdjson_matches_the_json_diagnostics_in_bytes() {
    for args in FIXTURES {
        let json = json_of(&with_format(args, "json").stdout);
        let rdjson = json_of(&with_format(args, "rdjson").stdout);
        let diagnostics = json["diagnostics"].as_array().unwrap();
        let rd = rdjson["diagnostics"].as_array().unwrap();
        assert_eq!(rd.len(), diagnostics.len(), "{args:?}");
        let place = |d: &Value| {
            let path = d["path"].as_str().unwrap();
            let (line, end_line) = (d["line"].as_u64().unwrap(), d["end_line"].as_u64().unwrap());
            json!({"path": path, "range": {
                "start": {"line": line,
                          "column": byte_column(path, line, d["column"].as_u64().unwrap())},
                "end": {"line": end_line,
                        "column": byte_column(path, end_line, d["end_column"].as_u64().unwrap())},
            }})
        };
        for (r, d) in rd.iter().zip(diagnostics) {
            assert_eq!(r["code"]["value"], d["rule"]);
            assert_eq!(
                r["severity"],
                d["severity"].as_str().unwrap().to_ascii_uppercase()
            );
            assert_eq!(r["location"], place(d), "{args:?}");
            let labels = d["labels"].as_array().unwrap();
            let related = r["related_locations"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert_eq!(related.len(), labels.len());
            for (r, label) in related.iter().zip(labels) {
                assert_eq!(r["location"], place(label));
                assert_eq!(r["message"], label["message"]);
            }
        }
        let lines: Vec<Value> = with_format(args, "rdjsonl")
            .stdout
            .lines()
            .map(json_of)
            .collect();
        let with_source: Vec<Value> = rd
            .iter()
            .map(|d| {
                let mut d = d.clone();
                d["source"] = json!({"name": "orion-lint"});
                d
            })
            .collect();
        assert_eq!(lines, with_source, "{args:?}");
    }
}

#[test]
fn columns_count_characters_except_in_rdjson() {
    let fixture = ["testdata/unicode"];
    let text = fs::read_to_string("testdata/unicode/docker-compose.yml").unwrap();
    let line = text.lines().nth(6).unwrap();
    let before = &line[..line.find("300mb").unwrap()];
    assert_eq!(
        (before.chars().count(), before.len()),
        (59, 64),
        "line 7 has 5 more bytes than characters before `300mb`"
    );

    let json = json_of(&with_format(&fixture, "json").stdout);
    let columns: Vec<(u64, u64, u64)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["end_column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(columns, [(7, 60, 65), (12, 82, 84)]);

    let sarif = json_of(&with_format(&fixture, "sarif").stdout);
    let regions: Vec<Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["locations"][0]["physicalLocation"]["region"].clone())
        .collect();
    assert_eq!(regions[0]["startColumn"], 60);
    assert_eq!(regions[0]["endColumn"], 65);
    assert_eq!(regions[0]["snippet"]["text"], "300mb");
    assert_eq!(regions[1]["startColumn"], 82);

    let rdjson = json_of(&with_format(&fixture, "rdjson").stdout);
    let ranges: Vec<&Value> = rdjson["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["location"]["range"])
        .collect();
    assert_eq!(
        ranges,
        [
            &json!({"start": {"line": 7, "column": 65}, "end": {"line": 7, "column": 70}}),
            &json!({"start": {"line": 12, "column": 86}, "end": {"line": 12, "column": 88}}),
        ]
    );

    let github = with_format(&fixture, "github").stdout;
    assert!(
        github.contains("line=7,col=60,endLine=7,endColumn=65,"),
        "{github}"
    );
    let concise = with_format(&fixture, "concise").stdout;
    assert!(
        concise.starts_with("testdata/unicode/docker-compose.yml:7:60: error["),
        "{concise}"
    );
}

// ---- concise and github ----

fn snapshot_run(args: &[&str]) -> String {
    let output = orion(args);
    format!(
        "exit code: {}\n--- stdout\n{}--- stderr\n{}",
        output.code, output.stdout, output.stderr
    )
}

macro_rules! snapshot {
    ($name:ident, $($arg:expr),+) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(snapshot_run(&[$($arg),+]));
        }
    };
}

snapshot!(mistakes_concise, "testdata/mistakes", "--format", "concise");
snapshot!(
    redis_conf_concise,
    "testdata/redis-conf",
    "--format",
    "concise"
);
snapshot!(unicode_concise, "testdata/unicode", "--format", "concise");
snapshot!(
    orion_cax21_concise,
    "testdata/orion-cax21",
    "--format",
    "concise"
);
snapshot!(mistakes_github, "testdata/mistakes", "--format", "github");
snapshot!(
    redis_conf_github,
    "testdata/redis-conf",
    "--format",
    "github"
);
snapshot!(unicode_github, "testdata/unicode", "--format", "github");
snapshot!(
    overcommitted_github,
    "testdata/overcommitted",
    "--plan",
    "cax11",
    "--format",
    "github"
);

/// Undo the runner's escaping (`%25` last, as the runner does).
fn unescape(text: &str) -> String {
    text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// Every finding is one line, and nothing else is printed; a multi-line message stays on it.
#[test]
fn concise_and_github_print_one_line_per_finding() {
    for args in FIXTURES {
        let json = json_of(&with_format(args, "json").stdout);
        let diagnostics = json["diagnostics"].as_array().unwrap();
        let concise = with_format(args, "concise").stdout;
        let lines: Vec<&str> = concise.lines().collect();
        assert_eq!(lines.len(), diagnostics.len(), "{args:?}: {concise}");
        for (line, d) in lines.iter().zip(diagnostics) {
            let prefix = format!(
                "{}:{}:{}: {}[{}] ",
                d["path"].as_str().unwrap(),
                d["line"],
                d["column"],
                d["severity"].as_str().unwrap(),
                d["rule"].as_str().unwrap()
            );
            assert!(line.starts_with(&prefix), "{line}\n{prefix}");
        }

        let github = with_format(args, "github").stdout;
        // Projects that could not be read come first, as `::error`s of their own.
        let findings: Vec<&str> = github
            .lines()
            .filter(|l| !l.contains("title=orion-lint could not read"))
            .collect();
        assert_eq!(findings.len(), diagnostics.len(), "{args:?}: {github}");
        for (command, d) in findings.iter().zip(diagnostics) {
            let (head, message) = command[2..].split_once("::").unwrap();
            let (kind, properties) = head.split_once(' ').unwrap();
            let expected_kind = match d["severity"].as_str().unwrap() {
                "info" => "notice",
                other => other,
            };
            assert_eq!(kind, expected_kind);
            let properties: Vec<(&str, String)> = properties
                .split(',')
                .map(|p| {
                    let (key, value) = p.split_once('=').unwrap();
                    (key, unescape(value))
                })
                .collect();
            let get = |key: &str| {
                properties
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.clone())
            };
            assert_eq!(get("file").as_deref(), d["path"].as_str());
            assert_eq!(get("line"), Some(d["line"].to_string()));
            assert_eq!(get("endLine"), Some(d["end_line"].to_string()));
            if d["line"] == d["end_line"] {
                assert_eq!(get("col"), Some(d["column"].to_string()));
                assert_eq!(get("endColumn"), Some(d["end_column"].to_string()));
            } else {
                assert_eq!((get("col"), get("endColumn")), (None, None));
            }
            assert_eq!(get("title").as_deref(), d["rule"].as_str());
            assert!(unescape(message).starts_with(d["message"].as_str().unwrap()));
        }
    }

    let report = report_with_fix(Applicability::Safe);
    let concise = render(&Concise, &report);
    assert_eq!(
        concise.lines().next().unwrap(),
        "stack/compose.yml:3:59: warning[redis-maxmemory-headroom] Redis maxmemory is 78% of the container limit, above 75%"
    );
    assert_eq!(concise.lines().count(), 2);
    let github = render(&Github, &report);
    assert_eq!(github.lines().count(), 2, "{github}");
    assert_eq!(
        github.lines().next().unwrap(),
        "::warning file=stack/compose.yml,line=3,col=59,endLine=3,endColumn=64,title=redis-maxmemory-headroom::Redis maxmemory is 78%25 of the container limit,%0Aabove 75%25%0A%0Ahelp: lower maxmemory to `96mb`%0Astack/compose.yml:4:16: container limit 128 MiB"
    );
}

// ---- the Gitea example ----

/// The `run:` script of a workflow step.
fn run(step: &orion_lint::yaml::Node) -> &str {
    step.get("run").and_then(|r| r.as_str()).unwrap_or("")
}

#[test]
fn the_gitea_workflow_pipes_rdjson_into_reviewdog() {
    let path = "examples/gitea/.gitea/workflows/orion-lint.yml";
    let text = fs::read_to_string(path).unwrap();
    let mut sources = orion_lint::source::SourceMap::default();
    let file = sources.add(SourceFile::new(path.into(), text.as_str()));
    let documents = orion_lint::yaml::parse(file, &text).expect("the workflow is valid YAML");
    let workflow = &documents[0];
    assert!(workflow.get_path(&["on", "pull_request"]).is_some());
    let jobs = workflow.get("jobs").and_then(|j| j.as_map()).unwrap();
    assert_eq!(jobs.len(), 1);
    let steps = jobs[0].value.get("steps").and_then(|s| s.as_seq()).unwrap();
    let find = |needle: &str| {
        steps
            .iter()
            .position(|s| run(s).contains(needle))
            .unwrap_or_else(|| panic!("no step runs `{needle}`"))
    };
    assert!(
        steps[0]
            .get("uses")
            .and_then(|u| u.as_str())
            .is_some_and(|u| u.starts_with("actions/checkout@"))
    );
    let install_orion = find("cargo install --locked --git");
    let install_reviewdog = find("reviewdog/master/install.sh");
    let lint = find("orion-lint --format rdjson |");
    assert!(install_orion < lint && install_reviewdog < lint);
    let lint = &steps[lint];
    let script = run(lint);
    for flag in [
        "reviewdog -f=rdjson",
        "-reporter=gitea-pr-review",
        "-filter-mode=added",
    ] {
        assert!(script.contains(flag), "{flag}: {script}");
    }
    // `shell: bash` is `bash -eo pipefail`: orion-lint's exit code fails the step.
    assert_eq!(lint.get("shell").and_then(|s| s.as_str()), Some("bash"));
    let env = lint.get("env").unwrap();
    assert_eq!(
        env.get("REVIEWDOG_GITEA_API_TOKEN")
            .and_then(|v| v.as_str()),
        Some("${{ secrets.REVIEWDOG_GITEA_API_TOKEN }}")
    );
    assert_eq!(
        env.get("GITEA_ADDRESS").and_then(|v| v.as_str()),
        Some("${{ github.server_url }}")
    );
}

/// Gitea Actions reads GitHub's workflow syntax: check the example workflow against its schema.
#[test]
#[ignore = "needs check-jsonschema"]
fn the_gitea_workflow_passes_check_jsonschema() {
    let path = "examples/gitea/.gitea/workflows/orion-lint.yml";
    let Some(tool) = required_check_jsonschema() else {
        return;
    };
    let output = std::process::Command::new(tool)
        .args(["--builtin-schema", "vendor.github-workflows", path])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

// ---- GitLab Code Quality and JUnit ----
//
// GitLab publishes no Code Quality schema on a package registry (npm, PyPI): the fields GitLab
// reads are checked against the JSON diagnostics instead. No JUnit XML schema installs from one
// either: the XML is read back with Python's `xml.etree`, a real XML parser.

/// The GitLab severity of a JSON diagnostic's severity.
fn gitlab_severity(severity: &str) -> &'static str {
    match severity {
        "error" => "major",
        "warning" => "minor",
        "info" => "info",
        other => panic!("unknown severity {other}"),
    }
}

#[test]
fn gitlab_issues_have_the_fields_gitlab_reads() {
    const SEVERITIES: [&str; 5] = ["info", "minor", "major", "critical", "blocker"];
    for args in FIXTURES {
        let json = json_of(&with_format(args, "json").stdout);
        let gitlab = json_of(&with_format(args, "gitlab").stdout);
        let issues = gitlab.as_array().expect("an array of issues");
        let diagnostics = json["diagnostics"].as_array().unwrap();
        let errors = json["errors"].as_array().unwrap();
        let with_path = errors.iter().filter(|e| e["path"].is_string()).count();
        assert_eq!(issues.len(), diagnostics.len() + with_path, "{args:?}");
        for issue in issues {
            for field in ["description", "check_name", "fingerprint", "severity"] {
                assert!(
                    issue[field].as_str().is_some_and(|s| !s.is_empty()),
                    "{field}: {issue}"
                );
            }
            assert!(SEVERITIES.contains(&issue["severity"].as_str().unwrap()));
            assert!(issue["location"]["path"].is_string(), "{issue}");
            assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        }
        let (error_issues, finding_issues) = issues.split_at(with_path);
        for issue in error_issues {
            assert_eq!(issue["severity"], "blocker");
        }
        for (issue, d) in finding_issues.iter().zip(diagnostics) {
            assert_eq!(issue["check_name"], d["rule"]);
            assert_eq!(
                issue["severity"],
                gitlab_severity(d["severity"].as_str().unwrap())
            );
            assert!(
                issue["description"]
                    .as_str()
                    .unwrap()
                    .starts_with(d["message"].as_str().unwrap())
            );
            assert_eq!(issue["location"]["path"], d["path"]);
            assert_eq!(issue["location"]["lines"]["begin"], d["line"]);
            assert_eq!(issue["location"]["lines"]["end"], d["end_line"]);
        }
        let mut fingerprints: Vec<&str> = issues
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap())
            .collect();
        fingerprints.sort();
        fingerprints.dedup();
        assert_eq!(
            fingerprints.len(),
            issues.len(),
            "{args:?}: fingerprints are unique"
        );
    }
}

#[test]
fn gitlab_fingerprints_are_stable_when_lines_move() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yml");
    let compose = "services:\n  api:\n    image: x\n  web:\n    image: y\n";
    let fingerprints = |text: &str| -> Vec<(String, String)> {
        fs::write(&file, text).unwrap();
        let out = with_format(&[file.to_str().unwrap()], "gitlab");
        json_of(&out.stdout)
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["description"].as_str().unwrap().to_string(),
                    i["fingerprint"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let before = fingerprints(compose);
    assert_eq!(before.len(), 2, "{before:?}");
    assert_eq!(fingerprints(compose), before, "the same across runs");
    let moved = fingerprints(&format!("# a comment\nx-note: moved\n{compose}"));
    assert_eq!(moved, before, "independent of line numbers");
}

#[test]
#[ignore = "needs python3"]
fn junit_is_xml_with_a_suite_per_file_and_a_failure_per_finding() {
    let Some(python) = common::require(
        "python3",
        common::find_on_path("python3"),
        "`apt-get install python3`",
    ) else {
        return;
    };
    // Each suite as `name tests failures errors`, then each failing or erring case as
    // `suite|element|type|message`; read with the standard library's XML parser.
    const READ: &str = r#"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.stdin).getroot()
assert root.tag == "testsuites", root.tag
total = 0
for suite in root.findall("testsuite"):
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases) >= 1, suite.get("name")
    total += len(cases)
    bad = [c for c in cases if len(c)]
    print("suite", suite.get("name"), len(cases), len(suite.findall("testcase/failure")), len(suite.findall("testcase/error")))
    for case in bad:
        (outcome,) = list(case)
        assert case.get("classname") == suite.get("name")
        print("case", suite.get("name"), outcome.tag, outcome.get("type"), outcome.get("message").replace("\n", " "), sep="|")
assert int(root.get("tests")) == total
"#;
    for args in FIXTURES {
        let json = json_of(&with_format(args, "json").stdout);
        let junit = with_format(args, "junit");
        let mut child = std::process::Command::new(&python)
            .args(["-c", READ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs");
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(junit.stdout.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            junit.stdout
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let cases: Vec<&str> = text.lines().filter(|l| l.starts_with("case|")).collect();
        let diagnostics = json["diagnostics"].as_array().unwrap();
        let errors = json["errors"].as_array().unwrap();
        assert_eq!(
            cases.len(),
            diagnostics.len() + errors.len(),
            "{args:?}:\n{text}"
        );
        for d in diagnostics {
            let expected = format!(
                "case|{}|failure|{}|{}",
                d["path"].as_str().unwrap(),
                d["severity"].as_str().unwrap(),
                d["message"].as_str().unwrap().replace('\n', " ")
            );
            assert!(
                cases.contains(&expected.as_str()),
                "{args:?}: no {expected} in\n{text}"
            );
        }
        assert_eq!(
            cases
                .iter()
                .filter(|c| c.split('|').nth(2) == Some("error"))
                .count(),
            errors.len()
        );
        let suites: Vec<&str> = text.lines().filter(|l| l.starts_with("suite ")).collect();
        let mut paths: Vec<&str> = diagnostics
            .iter()
            .map(|d| d["path"].as_str().unwrap())
            .collect();
        paths.dedup();
        for path in paths {
            assert_eq!(
                suites
                    .iter()
                    .filter(|s| s.split(' ').nth(1) == Some(path))
                    .count(),
                1,
                "{args:?}: one suite for {path}:\n{text}"
            );
        }
    }
}
