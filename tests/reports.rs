//! Integrations of one run: `-o/--output-file` and `--report FORMAT=PATH` (several reports from
//! one run, each written atomically) and linting text from stdin (`-`, `--stdin-filename`).

mod common;

use std::fs;
use std::path::Path;

use serde_json::Value;

/// A service without a memory limit: one warning, which `--severity-threshold warning` fails on.
const NO_LIMIT: &str = "services:\n  api:\n    image: x\n";

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    fs::create_dir(dir.path().join(".git")).expect("a repository");
    for (name, text) in files {
        fs::write(dir.path().join(name), text).expect("write a fixture");
    }
    dir
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).expect("the report is written"))
        .expect("the report is JSON")
}

#[test]
fn output_file_takes_the_format_instead_of_stdout() {
    let dir = project(&[("compose.yml", NO_LIMIT)]);
    let output = common::orion()
        .current_dir(dir.path())
        .args(["--format", "json", "-o", "out.json"])
        .args(["--severity-threshold", "warning"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "the exit code is kept");
    assert!(output.stdout.is_empty(), "nothing on stdout");
    let report = json(&dir.path().join("out.json"));
    assert_eq!(report["diagnostics"][0]["rule"], "mem-limit-missing");
    assert_eq!(
        common::file_names(dir.path()),
        [".git", "compose.yml", "out.json"]
    );
}

#[test]
fn reports_are_written_beside_the_human_output() {
    let dir = project(&[("compose.yml", NO_LIMIT)]);
    fs::create_dir(dir.path().join("reports")).expect("mkdir");
    fs::write(
        dir.path().join("reports/orion.sarif"),
        "old, longer text to replace",
    )
    .expect("old");
    let output = common::orion()
        .current_dir(dir.path())
        .args(["--report", "sarif=reports/orion.sarif"])
        .args(["--report", "RDJSON=reports/orion.rdjson"])
        .args(["--report", "concise=reports/orion.txt"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("service `api` has no memory limit"),
        "{stdout}"
    );
    let sarif = json(&dir.path().join("reports/orion.sarif"));
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"],
        "mem-limit-missing"
    );
    let rdjson = json(&dir.path().join("reports/orion.rdjson"));
    assert_eq!(
        rdjson["diagnostics"][0]["code"]["value"],
        "mem-limit-missing"
    );
    let concise = fs::read_to_string(dir.path().join("reports/orion.txt")).expect("written");
    assert_eq!(
        concise,
        "compose.yml:2:3: warning[mem-limit-missing] service `api` has no memory limit\n"
    );
    assert_eq!(
        common::file_names(&dir.path().join("reports")),
        ["orion.rdjson", "orion.sarif", "orion.txt"],
        "no temporary file is left"
    );
}

#[test]
fn reports_are_written_when_the_project_cannot_be_read() {
    let dir = project(&[("compose.yml", "services: [\n")]);
    let output = common::orion()
        .current_dir(dir.path())
        .args(["--report", "json=out.json", "-o", "out.txt"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("compose.yml"), "{stderr}");
    let report = json(&dir.path().join("out.json"));
    assert!(
        report["errors"][0]["message"].as_str().is_some(),
        "{report}"
    );
    assert!(dir.path().join("out.txt").is_file());
}

#[test]
fn a_report_never_replaces_a_file_the_run_read() {
    let dir = project(&[("compose.yml", NO_LIMIT), (".env", "A=b\n")]);
    for args in [&["-o", "compose.yml"][..], &["--report", "json=./.env"][..]] {
        let output = common::orion()
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = common::one_line(&String::from_utf8_lossy(&output.stderr));
        assert!(
            stderr.contains("this run read the file"),
            "{args:?}: {stderr}"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("compose.yml")).unwrap(),
            NO_LIMIT
        );
        assert_eq!(
            fs::read_to_string(dir.path().join(".env")).unwrap(),
            "A=b\n"
        );
    }
}

#[test]
fn a_report_outside_the_repository_may_be_named() {
    let dir = project(&[("compose.yml", NO_LIMIT)]);
    let elsewhere = tempfile::tempdir().expect("temporary directory");
    let target = elsewhere.path().join("orion.json");
    let output = common::orion()
        .current_dir(dir.path())
        .arg("--report")
        .arg(format!("json={}", target.display()))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&target)["diagnostics"][0]["rule"], "mem-limit-missing");
}

#[test]
fn a_report_spec_without_a_known_format_is_a_usage_error() {
    for (spec, why) in [
        ("xml=out.xml", "invalid value 'xml=out.xml'"),
        ("out.json", "write FORMAT=PATH"),
        ("json=", "no PATH"),
    ] {
        let output = common::orion()
            .args(["--report", spec])
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{spec}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(why), "{spec}: {stderr}");
    }
}

// ---- stdin ----

fn lint_stdin(dir: &Path, args: &[&str], text: &str) -> std::process::Output {
    common::orion()
        .current_dir(dir)
        .args(args)
        .write_stdin(text)
        .output()
        .expect("runs")
}

#[test]
fn stdin_is_linted_as_stdin_in_the_current_directory() {
    let dir = project(&[]);
    let output = lint_stdin(dir.path(), &["--format", "concise", "-"], NO_LIMIT);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "<stdin>:2:3: warning[mem-limit-missing] service `api` has no memory limit\n"
    );
}

#[test]
fn stdin_is_linted_as_the_stdin_filename_with_what_is_beside_it() {
    let base = "services:\n  api:\n    image: x\n    mem_limit: ${API_MEM}\n";
    let dir = project(&[
        ("compose.yml", "services: {}\n"),
        (".env", "API_MEM=256m\n"),
        ("redis.conf", "maxmemory 1gb\n"),
    ]);
    fs::create_dir(dir.path().join("deploy")).expect("mkdir");
    // The unsaved text replaces the file on disk; its `.env` interpolates it.
    let output = lint_stdin(
        dir.path(),
        &["--format", "json", "--stdin-filename", "compose.yml", "-"],
        &format!(
            "{base}  cache:\n    image: redis\n    mem_limit: 128m\n    command: redis-server /etc/redis.conf\n    volumes: [./redis.conf:/etc/redis.conf]\n"
        ),
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let found: Vec<(&str, &str)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["rule"].as_str().unwrap(), d["path"].as_str().unwrap()))
        .collect();
    assert!(
        found.contains(&("redis-maxmemory-exceeds-limit", "redis.conf")),
        "the mounted config beside the file is read: {found:?}"
    );
    assert!(
        !found.iter().any(|(rule, _)| rule.starts_with("mem-limit")),
        "API_MEM comes from the .env beside it: {found:?}"
    );
    // A base file's override from stdin is linted with the base, as Compose reads them.
    let override_from_stdin = || {
        lint_stdin(
            dir.path(),
            &[
                "--format",
                "concise",
                "--stdin-filename",
                "deploy/compose.override.yml",
                "-",
            ],
            "services:\n  api:\n    environment: {A: b}\n",
        )
    };
    let output = override_from_stdin();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "deploy/compose.override.yml:2:3: warning[mem-limit-missing] service `api` has no memory limit\n",
        "alone in its directory"
    );
    fs::write(dir.path().join("deploy/compose.yml"), base).expect("base");
    fs::write(dir.path().join("deploy/.env"), "API_MEM=1g\n").expect("env");
    let output = override_from_stdin();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "", "with its base");
}

#[test]
fn stdin_cannot_be_fixed_or_mixed_with_files() {
    let dir = project(&[("compose.yml", NO_LIMIT)]);
    for (args, why) in [
        (
            &["--fix", "-"][..],
            "--fix fixes files, and text from stdin is none",
        ),
        (&["--diff", "-"][..], "--diff fixes files"),
        (
            &["compose.yml", "-"][..],
            "`-` (stdin) is the only path of its run",
        ),
        (
            &["--stdin-filename", "compose.yml"][..],
            "add `-` as the path",
        ),
    ] {
        let output = lint_stdin(dir.path(), args, NO_LIMIT);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(why), "{args:?}: {stderr}");
        assert_eq!(
            fs::read_to_string(dir.path().join("compose.yml")).unwrap(),
            NO_LIMIT
        );
    }
}
