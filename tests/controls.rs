//! What a user controls: `--select`/`--ignore`, severities, the exit-code threshold, `--quiet`,
//! `orion-lint.toml` and its precedence, through the real binary.

mod common;

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn orion() -> Command {
    let mut cmd = common::orion();
    cmd.env("COLUMNS", "400");
    cmd
}

/// A scratch repository: a temp dir with `.git`, so that the `orion-lint.toml` search stops there.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join(".git")).expect(".git");
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).expect("write");
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let output = orion().current_dir(dir).args(args).output().expect("runs");
    Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The (rule, severity) of each finding, from JSON output.
fn findings(dir: &Path, args: &[&str]) -> (Vec<(String, String)>, i32) {
    let run = run(dir, &[args, &["--format", "json"]].concat());
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    let list = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (list, run.code)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(r, s)| (r.to_string(), s.to_string()))
        .collect()
}

/// One warning (`mem-limit-missing` on `web`) and one error (`mem-reservation-exceeds-limit`).
const TWO_FINDINGS: &str = "services:
  web:
    image: nginx
  api:
    image: api
    mem_limit: 256m
    mem_reservation: 512m
";

/// Only a warning.
const ONE_WARNING: &str = "services:\n  web:\n    image: nginx\n";

#[test]
fn select_and_ignore_choose_the_rules() {
    let dir = repo();
    write(dir.path(), "compose.yaml", TWO_FINDINGS);
    let (all, code) = findings(dir.path(), &[]);
    assert_eq!(
        all,
        pairs(&[
            ("mem-limit-missing", "warning"),
            ("mem-reservation-exceeds-limit", "error")
        ])
    );
    assert_eq!(code, 1);
    let (selected, code) = findings(dir.path(), &["--select", "mem-limit-missing"]);
    assert_eq!(selected, pairs(&[("mem-limit-missing", "warning")]));
    assert_eq!(code, 0, "the error's rule does not run");
    let (ignored, _) = findings(
        dir.path(),
        &[
            "--ignore",
            "mem-limit-missing,redis-maxmemory-missing",
            "--ignore",
            "plan-ram-exceeded",
        ],
    );
    assert_eq!(
        ignored,
        pairs(&[("mem-reservation-exceeds-limit", "error")])
    );
}

#[test]
fn unknown_rules_on_the_command_line_exit_two_with_a_suggestion() {
    let dir = repo();
    write(dir.path(), "compose.yaml", ONE_WARNING);
    for flag in ["--select", "--ignore"] {
        let run = run(dir.path(), &[flag, "mem-limit-missing,mem-limit-mising"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr
                .contains("unknown rule `mem-limit-mising`: did you mean `mem-limit-missing`?"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn the_severity_threshold_decides_the_exit_code() {
    let dir = repo();
    write(dir.path(), "compose.yaml", ONE_WARNING);
    assert_eq!(
        run(dir.path(), &[]).code,
        0,
        "warnings do not fail by default"
    );
    assert_eq!(
        run(dir.path(), &["--severity-threshold", "warning"]).code,
        1
    );
    assert_eq!(run(dir.path(), &["--severity-threshold", "info"]).code, 1);
    assert_eq!(
        run(
            dir.path(),
            &["--severity-threshold", "warning", "--exit-zero"]
        )
        .code,
        0
    );
    let bad = run(dir.path(), &["--severity-threshold", "style"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("possible values: error, warning, info"),
        "{}",
        bad.stderr
    );

    write(dir.path(), "compose.yaml", TWO_FINDINGS);
    assert_eq!(run(dir.path(), &[]).code, 1);
    assert_eq!(run(dir.path(), &["--exit-zero"]).code, 0);
    // --exit-zero is about findings: orion-lint failing to read a file is still 2.
    write(dir.path(), "compose.yaml", "services: [\n");
    assert_eq!(run(dir.path(), &["--exit-zero"]).code, 2);
}

#[test]
fn quiet_prints_only_the_findings() {
    let dir = repo();
    write(dir.path(), "compose.yaml", ONE_WARNING);
    let loud = run(dir.path(), &["--color", "never"]);
    assert!(
        loud.stdout.contains("Found 1 warning in 1 project."),
        "{}",
        loud.stdout
    );
    let quiet = run(dir.path(), &["--color", "never", "--quiet"]);
    assert!(
        quiet.stdout.contains("mem-limit-missing"),
        "{}",
        quiet.stdout
    );
    assert!(!quiet.stdout.contains("Found"), "{}", quiet.stdout);
    assert_eq!(quiet.code, 0);

    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx\n    mem_limit: 1g\n",
    );
    let clean = run(dir.path(), &["-q"]);
    assert_eq!((clean.stdout.as_str(), clean.code), ("", 0));
}

#[test]
fn severities_from_x_orion_lint_change_findings_and_the_exit_code() {
    let dir = repo();
    write(
        dir.path(),
        "compose.yaml",
        &format!(
            "x-orion-lint:\n  severity:\n    mem-limit-missing: error\n    mem-reservation-exceeds-limit: info\n{TWO_FINDINGS}"
        ),
    );
    let (list, code) = findings(dir.path(), &[]);
    assert_eq!(
        list,
        pairs(&[
            ("mem-limit-missing", "error"),
            ("mem-reservation-exceeds-limit", "info")
        ])
    );
    assert_eq!(code, 1, "the promoted warning fails the run");

    write(
        dir.path(),
        "compose.yaml",
        &format!(
            "x-orion-lint:\n  ignore: [mem-limit-missing]\n  severity: {{mem-reservation-exceeds-limit: off}}\n{TWO_FINDINGS}"
        ),
    );
    let (list, code) = findings(dir.path(), &[]);
    assert_eq!((list, code), (Vec::new(), 0));
}

#[test]
fn bad_rule_settings_in_x_orion_lint_exit_two_at_the_value() {
    let dir = repo();
    let cases = [
        (
            "  select: [mem-limit-mising]\n",
            "compose.yaml:2:12: unknown rule `mem-limit-mising`: did you mean `mem-limit-missing`? (in `select`)",
        ),
        (
            "  severity:\n    mem-limit-missing: fatal\n",
            "compose.yaml:3:24: invalid severity for `mem-limit-missing`: write one of `error`, `warning`, `info` or `off`",
        ),
        (
            "  severity:\n    mem-limit-missing: warn\n",
            "did you mean `warning`?",
        ),
        (
            "  ignore: mem-limit-missing\n",
            "compose.yaml:2:11: `ignore` in `x-orion-lint` must be a list of rule names",
        ),
        (
            "  selct: [mem-limit-missing]\n",
            "compose.yaml:2:3: unknown key `selct` in `x-orion-lint`: did you mean `select`?",
        ),
    ];
    for (block, expected) in cases {
        write(
            dir.path(),
            "compose.yaml",
            &format!("x-orion-lint:\n{block}{ONE_WARNING}"),
        );
        let run = run(dir.path(), &["--color", "never"]);
        assert_eq!(run.code, 2, "{block}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{block}: {}", run.stderr);
    }
}

#[test]
fn orion_lint_toml_is_found_above_the_compose_file_up_to_the_repository_root() {
    let dir = repo();
    write(dir.path(), "deploy/prod/compose.yaml", TWO_FINDINGS);
    write(
        dir.path(),
        "orion-lint.toml",
        "ignore = [\"mem-limit-missing\"]\n\n[severity]\nmem-reservation-exceeds-limit = \"warning\"\n",
    );
    let (list, code) = findings(dir.path(), &["deploy/prod"]);
    assert_eq!(list, pairs(&[("mem-reservation-exceeds-limit", "warning")]));
    assert_eq!(code, 0);
    // From inside the project directory too.
    let (list, _) = findings(&dir.path().join("deploy/prod"), &[]);
    assert_eq!(list, pairs(&[("mem-reservation-exceeds-limit", "warning")]));
    // A nearer file wins, whole: the settings of two files are not merged.
    write(
        dir.path(),
        "deploy/orion-lint.toml",
        "select = [\"mem-limit-missing\"]\n",
    );
    let (list, _) = findings(dir.path(), &["deploy/prod"]);
    assert_eq!(list, pairs(&[("mem-limit-missing", "warning")]));

    // Above the repository root: not read.
    let outer = tempfile::tempdir().unwrap();
    write(
        outer.path(),
        "orion-lint.toml",
        "ignore = [\"mem-limit-missing\"]\n",
    );
    write(outer.path(), "repo/.git/HEAD", "");
    write(outer.path(), "repo/compose.yaml", ONE_WARNING);
    let (list, _) = findings(&outer.path().join("repo"), &[]);
    assert_eq!(list, pairs(&[("mem-limit-missing", "warning")]));
}

#[test]
fn the_command_line_wins_over_x_orion_lint_which_wins_over_orion_lint_toml() {
    let dir = repo();
    write(
        dir.path(),
        "orion-lint.toml",
        "plan = \"cax41\"\nos-reserve = \"1g\"\n\n[severity]\nmem-limit-missing = \"info\"\n",
    );
    let compose = format!(
        "x-orion-lint:\n  plan: cax11\n  severity:\n    mem-limit-missing: error\n{TWO_FINDINGS}    mem_limit: 3200m\n"
    );
    // `api` gets a 3200m limit instead of 256m: with the 1g reserve it exceeds cax11 (4 GiB).
    let compose = compose.replace("    mem_limit: 256m\n", "");
    write(dir.path(), "compose.yaml", &compose);
    let (list, code) = findings(dir.path(), &[]);
    assert_eq!(
        list,
        pairs(&[
            ("plan-ram-exceeded", "error"),
            ("mem-limit-missing", "error")
        ]),
        "x-orion-lint wins over orion-lint.toml"
    );
    assert_eq!(code, 1);
    let (list, _) = findings(
        dir.path(),
        &["--plan", "cax21", "--ignore", "mem-limit-missing"],
    );
    assert_eq!(list, Vec::new(), "the command line wins over both");
    // Values only in orion-lint.toml apply: without its 1g reserve, cax11 fits 3200m.
    let (list, _) = findings(
        dir.path(),
        &["--os-reserve", "512m", "--select", "plan-ram-exceeded"],
    );
    assert_eq!(list, Vec::new());
}

#[test]
fn a_plan_from_orion_lint_toml_is_labelled_where_it_is_set() {
    let dir = repo();
    write(dir.path(), "orion-lint.toml", "plan = \"cax11\"\n");
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  api:\n    image: api\n    mem_limit: 4g\n",
    );
    let run = run(dir.path(), &["--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let plan = &report["diagnostics"][0];
    assert_eq!(plan["rule"], "plan-ram-exceeded");
    assert_eq!(plan["path"], "compose.yaml");
    let labels = plan["labels"].as_array().unwrap();
    assert!(
        labels
            .iter()
            .any(|l| l["path"] == "orion-lint.toml" && l["line"] == 1 && l["column"] == 8),
        "{labels:?}"
    );
}

#[test]
fn bad_orion_lint_toml_exits_two_naming_file_line_and_closest_key() {
    let dir = repo();
    write(dir.path(), "compose.yaml", ONE_WARNING);
    let cases = [
        (
            "plan = \"cax11\"\nos_reserve = \"1g\"\n",
            "orion-lint.toml:2:1: unknown key `os_reserve` in `orion-lint.toml`: did you mean `os-reserve`?",
        ),
        (
            "plan = \"cax12\"\n",
            "orion-lint.toml:1:8: unknown plan `cax12`: did you mean `cax11`?",
        ),
        ("plan = cax11\n", "orion-lint.toml:1:8: invalid TOML"),
        (
            "os-reserve = \"lots\"\n",
            "orion-lint.toml:1:14: invalid OS reserve",
        ),
        (
            "redis-headroom = 1.5\n",
            "orion-lint.toml:1:18: invalid Redis headroom",
        ),
        (
            "profiles = \"full\"\n",
            "orion-lint.toml:1:12: `profiles` in `orion-lint.toml` must be a list",
        ),
        (
            "select = [\"mem-limit-missing\", \"plan-ram\"]\n",
            "orion-lint.toml:1:32: unknown rule `plan-ram`",
        ),
        (
            "[severity]\nredis-maxmemory-headrom = \"off\"\n",
            "orion-lint.toml:2:1: unknown rule `redis-maxmemory-headrom`: did you mean `redis-maxmemory-headroom`? (in `severity`)",
        ),
        (
            "[severity]\nmem-limit-missing = \"warn\"\n",
            "orion-lint.toml:2:21: invalid severity for `mem-limit-missing`: did you mean `warning`?",
        ),
        (
            "severity = \"error\"\n",
            "orion-lint.toml:1:12: `severity` in `orion-lint.toml` must map rule names to levels",
        ),
        ("[profile]\n", "did you mean `profiles`?"),
        (
            "[services.db]\nweight = 2\n",
            "orion-lint.toml:1:2: `services` (rescale policies) cannot be set in `orion-lint.toml`",
        ),
        (
            "grow = \"fill\"\n",
            "orion-lint.toml:1:1: `grow` (rescale policies) cannot be set in `orion-lint.toml`",
        ),
    ];
    for (toml, expected) in cases {
        write(dir.path(), "orion-lint.toml", toml);
        let run = run(dir.path(), &["--color", "never"]);
        assert_eq!(run.code, 2, "{toml}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{toml}: {}", run.stderr);
    }
    // A value that a stronger source overrides is checked all the same.
    write(dir.path(), "orion-lint.toml", "plan = \"cax12\"\n");
    assert_eq!(run(dir.path(), &["--plan", "cax11"]).code, 2);
}

#[test]
fn a_broken_orion_lint_toml_shared_by_projects_is_reported_once() {
    let dir = repo();
    write(dir.path(), "a/compose.yaml", ONE_WARNING);
    write(dir.path(), "b/compose.yaml", ONE_WARNING);
    write(dir.path(), "orion-lint.toml", "plna = \"cax11\"\n");
    let run = run(dir.path(), &["--color", "never"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.matches("unknown key `plna`").count(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
fn budget_reads_orion_lint_toml_too() {
    let dir = repo();
    write(dir.path(), "orion-lint.toml", "plan = \"cax21\"\n");
    write(dir.path(), "compose.yaml", ONE_WARNING);
    let run = run(dir.path(), &["budget", "--format", "json"]);
    let budget: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(budget["projects"][0]["plan"]["name"], "cax21");
}
