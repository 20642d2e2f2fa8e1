//! The command line: exit codes, output formats and error messages, through the real binary.

use std::path::Path;

mod common;

use common::orion;
use serde_json::Value;

fn json(args: &[&str]) -> (Value, i32) {
    let output = orion()
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("runs");
    let value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (value, output.status.code().expect("exit code"))
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.to_string_lossy().into_owned()
}

#[test]
fn a_clean_file_exits_zero() {
    let output = orion()
        .args(["testdata/orion-cax21", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "No problems found in 1 project.\n"
    );
}

#[test]
fn warnings_alone_exit_zero_and_errors_exit_one() {
    let (report, code) = json(&["testdata/orion"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        common::json_rules(&report),
        [
            "postgres-memory-worst-case",
            "redis-maxmemory-headroom",
            "redis-broker-eviction",
            // The guide's Redis alert at 100 MiB, its `maxmemory` (issue 11).
            "alert-threshold-unreachable"
        ]
    );
    let (_, code) = json(&["testdata/mistakes"]);
    assert_eq!(code, 1);
}

#[test]
fn json_diagnostics_carry_exact_positions() {
    let (report, _) = json(&["testdata/orion/docker-compose.yml"]);
    let first = &report["diagnostics"][1];
    assert_eq!(first["rule"], "redis-maxmemory-headroom");
    assert_eq!(first["severity"], "warning");
    assert_eq!(first["path"], "testdata/orion/docker-compose.yml");
    assert_eq!(first["service"], "redis");
    let text = std::fs::read_to_string("testdata/orion/docker-compose.yml").unwrap();
    let line = text
        .lines()
        .nth(first["line"].as_u64().unwrap() as usize - 1)
        .unwrap();
    let (start, end) = (
        first["column"].as_u64().unwrap() as usize - 1,
        first["end_column"].as_u64().unwrap() as usize - 1,
    );
    assert_eq!(
        &line[start..end],
        "100mb",
        "the primary span is exactly the value"
    );
    assert_eq!(first["labels"][0]["message"], "container limit 128 MiB");
    assert_eq!(report["errors"], serde_json::json!([]));
}

#[test]
fn invalid_yaml_exits_two_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "compose.yaml",
        "services:\n  api:\n    image: [unclosed\n",
    );
    let output = orion().arg(&file).arg("--color=never").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("compose.yaml:4:1: invalid YAML"),
        "{stderr}"
    );
}

#[test]
fn duplicate_keys_exit_two_with_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "compose.yaml",
        "services:\n  api:\n    image: a\n    mem_limit: 1g\n    mem_limit: 2g\n",
    );
    let output = orion().arg(&file).arg("--color=never").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("compose.yaml:5:5: duplicate key `mem_limit`"),
        "{stderr}"
    );
    assert!(stderr.contains("first defined here"), "{stderr}");
}

#[test]
fn missing_paths_and_bad_input_exit_two() {
    let output = orion().arg("does/not/exist.yml").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("does/not/exist.yml: cannot read this path")
    );

    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("compose.yaml");
    std::fs::write(&binary, b"services:\n  a:\n    image: \xff\n").unwrap();
    let output = orion().arg(&binary).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not UTF-8"));

    let list = write(dir.path(), "docker-compose.yml", "- a\n- b\n");
    let output = orion().arg(&list).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("must be a mapping"));
}

#[test]
fn an_unknown_plan_exits_two_with_a_suggestion() {
    let output = orion()
        .args(["testdata/orion", "--plan", "cax12"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "invalid value 'cax12' for '--plan <PLAN>': unknown plan; did you mean `cax11`?"
        ),
        "{stderr}"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "compose.yaml",
        "x-orion-lint:\n  plan: cax12\nservices:\n  a:\n    image: x\n    mem_limit: 1g\n",
    );
    let output = orion().arg(&file).arg("--color=never").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("compose.yaml:2:9: unknown plan `cax12`"),
        "{stderr}"
    );
}

#[test]
fn unknown_settings_keys_are_errors_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "compose.yaml",
        "x-orion-lint:\n  os_reserve: 1g\nservices:\n  a:\n    image: x\n    mem_limit: 1g\n",
    );
    let output = orion().arg(&file).arg("--color=never").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("compose.yaml:2:3: unknown key `os_reserve` in `x-orion-lint`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean"), "{stderr}");
    assert!(stderr.contains("`os-reserve`?"), "{stderr}");
}

#[test]
fn the_plan_on_the_command_line_enables_the_budget_rule() {
    let (report, code) = json(&["testdata/orion-cax21", "--plan", "cax11"]);
    assert_eq!(code, 1);
    let plan = &report["diagnostics"][0];
    assert_eq!(plan["rule"], "plan-ram-exceeded");
    assert!(
        plan["message"].as_str().unwrap().contains(
            "4.1 GiB and the OS needs 512 MiB: 4.6 GiB in all, more than the 4 GiB of RAM of CAX11"
        ),
        "{plan}"
    );
    assert_eq!(plan["service"], Value::Null);
}

#[test]
fn profiles_narrow_what_runs() {
    // By default every service counts (2,688 MiB); with a profile that no service has, only the
    // services without profiles do (1,792 MiB), as `docker compose up` would start them.
    let (all, _) = json(&["testdata/orion", "--plan", "cpx11"]);
    assert!(
        message(&all, "plan-ram-exceeded").contains("may use 2.6 GiB"),
        "{all}"
    );
    let (default, _) = json(&["testdata/orion", "--plan", "cpx11", "--profile", "none"]);
    assert!(
        message(&default, "plan-ram-exceeded").contains("may use 1.8 GiB"),
        "{default}"
    );
}

/// The message of the first finding of a rule.
fn message(report: &Value, rule: &str) -> String {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {report}"))["message"]
        .as_str()
        .expect("message")
        .to_string()
}

#[test]
fn budget_json_lists_every_service() {
    let output = orion()
        .args(["budget", "testdata/orion", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let budget: Value = serde_json::from_slice(&output.stdout).unwrap();
    let project = &budget["projects"][0];
    assert_eq!(project["plan"]["name"], "cax11");
    assert_eq!(project["containers_bytes"], 2688u64 << 20);
    assert_eq!(project["os_reserve_bytes"], 512u64 << 20);
    assert_eq!(project["remaining_bytes"], (4096u64 - 2688 - 512) << 20);
    assert_eq!(project["smallest_fitting_plan"], "cax11");
    let services = project["services"].as_array().unwrap();
    assert_eq!(services.len(), 12);
    let flower = services.iter().find(|s| s["name"] == "flower").unwrap();
    assert_eq!(flower["limit_bytes"], 192u64 << 20);
    assert_eq!(flower["replicas"], 1);
    assert_eq!(flower["profiles"], serde_json::json!(["full"]));
}

#[test]
fn budget_text_shows_bars_totals_and_the_smallest_plan() {
    let output = orion()
        .args(["budget", "testdata/overcommitted"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("CAX11 (2 vCPU, 4 GiB RAM), all profiles"),
        "{text}"
    );
    assert!(text.contains("OVER by 2 GiB"), "{text}");
    assert!(
        text.contains("smallest plan that fits today's limits: CAX21"),
        "{text}"
    );
    assert!(
        text.contains(
            "without a known memory limit (not counted, so the total is a lower bound): redis"
        ),
        "{text}"
    );
    assert!(text.contains('█'), "{text}");
}

#[test]
fn rules_explain_and_plans() {
    let output = orion().arg("rules").output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("redis-maxmemory-headroom") && l.contains("warning"))
    );
    let output = orion()
        .args(["explain", "plan-ram-exceeded"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        std::fs::read_to_string("lints/plan-ram-exceeded.md").unwrap()
    );
    let output = orion()
        .args(["explain", "plan-ram-exeeded"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("did you mean `plan-ram-exceeded`?"));
    let output = orion()
        .args(["plans", "--format", "json"])
        .output()
        .unwrap();
    let plans: Value = serde_json::from_slice(&output.stdout).unwrap();
    let cax21 = plans
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cax21")
        .unwrap();
    assert_eq!(cax21["ram_bytes"], 8u64 << 30);
}

#[test]
fn check_is_an_explicit_alias_of_the_default_command() {
    let default = orion()
        .args(["testdata/orion", "--format", "json"])
        .output()
        .unwrap();
    let check = orion()
        .args(["check", "testdata/orion", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(default.stdout, check.stdout);
}

#[test]
fn no_color_output_has_no_escape_codes() {
    let output = orion()
        .arg("testdata/orion")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "{text}");
    let output = orion()
        .args(["testdata/orion", "--color", "always"])
        .output()
        .unwrap();
    assert!(String::from_utf8(output.stdout).unwrap().contains('\u{1b}'));
}

/// The text a JSON location covers (single-line locations).
fn located_text(location: &Value) -> String {
    let text = std::fs::read_to_string(location["path"].as_str().unwrap()).unwrap();
    let line = text
        .lines()
        .nth(location["line"].as_u64().unwrap() as usize - 1)
        .unwrap();
    assert_eq!(location["line"], location["end_line"], "{location}");
    let chars: Vec<char> = line.chars().collect();
    let (start, end) = (
        location["column"].as_u64().unwrap() as usize - 1,
        location["end_column"].as_u64().unwrap() as usize - 1,
    );
    chars[start..end].iter().collect()
}

/// (file name, text) of the primary location, then of each label of a finding, sorted.
fn places(diagnostic: &Value) -> Vec<(String, String)> {
    let place = |l: &Value| {
        let path = l["path"].as_str().unwrap();
        (
            path.rsplit('/').next().unwrap().to_string(),
            located_text(l),
        )
    };
    let mut labels: Vec<_> = diagnostic["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(place)
        .collect();
    labels.sort();
    std::iter::once(place(diagnostic)).chain(labels).collect()
}

#[test]
fn findings_through_indirection_point_at_the_text_to_edit() {
    let (report, code) = json(&["testdata/semantics/indirection"]);
    assert_eq!(code, 1, "{report}");
    let finding = |rule: &str, service: &str| -> Vec<(String, String)> {
        let diagnostic = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["rule"] == rule && d["service"] == service)
            .unwrap_or_else(|| panic!("no {rule} for {service} in {report}"));
        places(diagnostic)
    };
    let own = |file: &str, text: &str| (file.to_string(), text.to_string());
    // A value from an anchor: reported at the anchor, with the merge key that uses it.
    assert_eq!(
        finding("mem-reservation-exceeds-limit", "worker"),
        [
            own("compose.yaml", "768m"),
            own("compose.yaml", "*worker-defaults"),
            own("compose.yaml", "512m")
        ]
    );
    // A value from `.env`: the limit label sits on the `.env` line, and `${REDIS_MEM}` says so.
    assert_eq!(
        finding("redis-maxmemory-headroom", "redis"),
        [
            own("compose.yaml", "120mb"),
            own(".env", "128m"),
            own("compose.yaml", "${REDIS_MEM}")
        ]
    );
    // A value from an extended service: at the base service's value, with the `extends` key.
    assert_eq!(
        finding("mem-reservation-exceeds-limit", "beat"),
        [
            own("compose.yaml", "512m"),
            own("compose.yaml", "256m"),
            own("compose.yaml", "extends")
        ]
    );
    // A value from an override file, against a default inside `${...}`.
    assert_eq!(
        finding("mem-reservation-exceeds-limit", "api"),
        [
            own("compose.override.yml", "1g"),
            own("compose.yaml", "512mb")
        ]
    );
    assert_eq!(
        finding("variable-unset", "flower"),
        [own(
            "compose.yaml",
            "celery flower --max-tasks=${FLOWER_MAX_TASKS}"
        )]
    );
}

#[test]
fn env_file_replaces_the_project_env() {
    let dir = tempfile::tempdir().unwrap();
    let compose = write(
        dir.path(),
        "compose.yaml",
        "services:\n  redis:\n    image: redis:7\n    command: redis-server --maxmemory ${MAXMEM:-64mb}\n    mem_limit: 128m\n",
    );
    write(dir.path(), ".env", "MAXMEM=100mb\n");
    let other = write(dir.path(), "other.env", "MAXMEM=200mb\n");
    let (report, _) = json(&[&compose]);
    assert_eq!(report["diagnostics"][0]["rule"], "redis-maxmemory-headroom");
    let (report, _) = json(&[&compose, "--env-file", &other]);
    assert_eq!(
        report["diagnostics"][0]["rule"],
        "redis-maxmemory-exceeds-limit"
    );
    let output = orion()
        .args([compose.as_str(), "--format", "json"])
        .env("MAXMEM", "32mb")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["diagnostics"],
        serde_json::json!([]),
        "the process environment wins over .env"
    );
}

#[test]
fn compose_file_names_the_project_when_no_path_is_given() {
    let output = orion()
        .args(["budget", "--format", "json"])
        .env(
            "COMPOSE_FILE",
            "testdata/semantics/multi-file/base.yml:testdata/semantics/multi-file/prod.yml",
        )
        .output()
        .unwrap();
    let budget: Value = serde_json::from_slice(&output.stdout).unwrap();
    let project = &budget["projects"][0];
    assert_eq!(
        project["files"],
        serde_json::json!([
            "testdata/semantics/multi-file/base.yml",
            "testdata/semantics/multi-file/prod.yml"
        ])
    );
    let api = &project["services"][0];
    assert_eq!(
        (api["limit_bytes"].as_u64(), api["replicas"].as_u64()),
        (Some(1 << 30), Some(2))
    );
}

#[test]
fn a_word_of_an_interpolated_command_is_reported_where_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let compose = write(
        dir.path(),
        "compose.yaml",
        "services:\n  redis:\n    image: redis:7\n    command: redis-server --save 60 --maxmemory ${MAXMEM}\n    mem_limit: 128m\n",
    );
    write(dir.path(), ".env", "# limits\nMAXMEM=120mb\n");
    let (report, _) = json(&[&compose]);
    let finding = &report["diagnostics"][0];
    assert_eq!(finding["rule"], "redis-maxmemory-headroom");
    assert!(
        finding["path"].as_str().unwrap().ends_with(".env"),
        "{finding}"
    );
    assert_eq!(
        (finding["line"].as_u64(), located_text(finding)),
        (Some(2), "120mb".to_string())
    );
}

#[test]
fn redis_options_from_the_environment_count() {
    let dir = tempfile::tempdir().unwrap();
    let compose = write(
        dir.path(),
        "compose.yaml",
        "services:\n  stack:\n    image: redis/redis-stack-server:7.4.0-v1\n    environment:\n      REDIS_ARGS: \"--maxmemory 1gb --maxmemory-policy allkeys-lru\"\n    mem_limit: 1g\n  bitnami:\n    image: bitnami/redis:7.4\n    environment:\n      - REDIS_EXTRA_FLAGS=--maxmemory 100mb\n    mem_limit: 128m\n",
    );
    let (report, code) = json(&[&compose]);
    assert_eq!(code, 1, "{report}");
    let found: Vec<(String, String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["service"].as_str().unwrap().to_string(),
                located_text(d),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "redis-maxmemory-exceeds-limit".into(),
                "stack".into(),
                "1gb".into()
            ),
            (
                "redis-maxmemory-headroom".into(),
                "bitnami".into(),
                "100mb".into()
            ),
        ]
    );
}

/// Run the binary in `dir` with `args`: (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = orion().current_dir(dir).args(args).output().expect("runs");
    (
        output.status.code().expect("exit code"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn cli_a_misspelt_subcommand_is_a_usage_error_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    for (typo, meant) in [
        ("rule", "rules"),
        ("plan", "plans"),
        ("budgt", "budget"),
        ("explian", "explain"),
    ] {
        let (code, stdout, stderr) = run_in(dir.path(), &[typo]);
        assert_eq!(code, 2, "{typo}: {stderr}");
        assert!(
            stderr.contains(&format!("unrecognized subcommand `{typo}`"))
                && stderr.contains(&format!("did you mean `{meant}`?")),
            "{typo}: {stderr}"
        );
        assert!(!stderr.contains("cannot read this path"), "{stderr}");
        assert_eq!(stdout, "", "{typo}");
    }
    // A file of that name is linted as usual.
    write(
        dir.path(),
        "rule",
        "services:\n  a:\n    image: x\n    mem_limit: 1g\n",
    );
    let (code, stdout, _) = run_in(dir.path(), &["rule"]);
    assert_eq!(
        (code, stdout.as_str()),
        (0, "No problems found in 1 project.\n")
    );
}

#[test]
fn cli_a_subcommand_after_an_option_says_where_it_goes() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run_in(dir.path(), &["--plan", "cax21", "budget"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("did you mean `orion-lint budget --plan cax21`?"),
        "{stderr}"
    );
    assert!(!stderr.contains("cannot read"), "{stderr}");
    assert_eq!(stdout, "");
}

#[test]
fn cli_human_is_the_name_of_the_text_format_everywhere() {
    let orion_stack = ["budget", "testdata/orion", "--plan", "cax11"];
    let human = orion()
        .args(orion_stack)
        .args(["--format", "human"])
        .output()
        .unwrap();
    let text = orion()
        .args(orion_stack)
        .args(["--format", "text"])
        .output()
        .unwrap();
    assert_eq!(human.status.code(), Some(0), "{human:?}");
    assert_eq!(human.stdout, text.stdout);
    for list in ["rules", "plans"] {
        let output = orion().args([list, "--format", "human"]).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{list}: {output:?}");
    }
    // `text` is accepted for linting too, and is the same output.
    let lint_text = orion()
        .args(["testdata/orion", "--format", "text", "--color", "never"])
        .output()
        .unwrap();
    let lint_human = orion()
        .args(["testdata/orion", "--format", "human", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(lint_text.stdout, lint_human.stdout);
    assert_eq!(lint_text.status.code(), lint_human.status.code());
    let help = orion().args(["budget", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("human") && !help.contains("[possible values: text"),
        "{help}"
    );
}

#[test]
fn cli_each_subcommand_help_speaks_of_what_it_does() {
    let help = |args: &[&str]| {
        let output = orion().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(0));
        String::from_utf8(output.stdout).unwrap()
    };
    let budget = help(&["budget", "--help"]);
    for lint_only in ["--fix", "--redis-headroom", "to lint", "--select"] {
        assert!(!budget.contains(lint_only), "`{lint_only}` in:\n{budget}");
    }
    assert!(budget.contains("--plan"), "{budget}");
    let check = help(&["check", "--help"]);
    for lint in ["--fix", "--redis-headroom", "to lint"] {
        assert!(check.contains(lint), "`{lint}` missing in:\n{check}");
    }
    assert!(help(&["--help"]).contains("--fix"));
}

#[test]
fn cli_bad_argument_values_are_usage_errors_and_nothing_else() {
    for args in [
        &["--plan", "foo"][..],
        &["budget", "--plan", "foo"],
        &["--from-plan", "foo"],
        &["--os-reserve", "lots"],
    ] {
        let output = orion().args(args).arg("testdata/orion").output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), "", "{args:?}");
        assert!(
            stderr.starts_with("error: invalid value"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("project"), "{args:?}: {stderr}");
    }
    let output = orion().args(["--plan", "foo"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cax11") && stderr.contains("ccx63"),
        "the plans are listed: {stderr}"
    );
    let output = orion().args(["--plan", "cax12"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("did you mean `cax11`?"),
        "{output:?}"
    );
}

#[test]
fn cli_a_directory_without_compose_files_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "not compose\n").unwrap();
    for args in [&[][..], &["."], &["budget"], &["--format", "json"]] {
        let (code, _, stderr) = run_in(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains("no compose file found"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("No problems found"), "{args:?}: {stderr}");
    }
    // A compose file that is a dangling symbolic link is no compose file, as for Compose.
    std::os::unix::fs::symlink("gone.yaml", dir.path().join("compose.yaml")).unwrap();
    let (code, _, stderr) = run_in(dir.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no compose file found"), "{stderr}");
}

#[test]
fn cli_empty_compose_files_are_refused_as_compose_refuses_them() {
    for text in [
        "",
        "  \n\n",
        "# only a comment\n",
        "---\n# nothing\n",
        "{}\n",
    ] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "compose.yaml", text);
        let (code, stdout, stderr) = run_in(dir.path(), &["--color", "never"]);
        assert_eq!(code, 2, "{text:?}: {stdout}{stderr}");
        assert!(
            stderr.contains("compose.yaml: empty compose file"),
            "{text:?}: {stderr}"
        );
    }
}

#[test]
fn cli_unsafe_fixes_alone_warns_that_it_needs_fix_or_diff() {
    let (_, _, stderr) = run_in(Path::new("testdata/orion"), &["--unsafe-fixes"]);
    assert!(
        stderr.contains("--unsafe-fixes does nothing without --fix or --diff"),
        "{stderr}"
    );
    let (_, _, stderr) = run_in(Path::new("testdata/orion"), &["--unsafe-fixes", "--diff"]);
    assert!(!stderr.contains("does nothing"), "{stderr}");
}

#[test]
fn cli_human_output_wraps_between_words_only() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  broker:\n    image: redis:7\n    command: redis-server --maxmemory 96mb --maxmemory-policy allkeys-lru\n    mem_limit: 128m\n  worker:\n    image: celery\n    mem_limit: 256m\n    environment:\n      CELERY_BROKER_URL: redis://broker:6379/0\n",
    );
    for width in ["40", "60", "80", "100"] {
        let output = orion()
            .current_dir(dir.path())
            .env("COLUMNS", width)
            .args(["--color", "never", "-q"])
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(stdout.contains("allkeys-lru"), "width {width}:\n{stdout}");
        for line in stdout.lines() {
            let text = line.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '`');
            let ticks = text.matches('`').count();
            assert!(
                ticks % 2 == 0 || !text.starts_with(|c: char| c.is_alphanumeric()),
                "width {width}: a line break inside inline code:\n{stdout}"
            );
        }
        assert!(!stdout.contains("allkeys-\n"), "width {width}:\n{stdout}");
        assert!(
            !stdout.ends_with("\n\n"),
            "-q ends with a blank line:\n{stdout:?}"
        );
    }
}

#[test]
fn cli_version_completions_and_man_page_come_from_the_command_line_definition() {
    let output = orion().arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("orion-lint {}\n", env!("CARGO_PKG_VERSION"))
    );
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let output = orion().args(["completions", shell]).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        for word in ["budget", "explain", "plan", "severity-threshold"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    let output = orion().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));

    let output = orion().arg("manpage").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let roff = String::from_utf8(output.stdout).unwrap();
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH orion-lint"),
        "{roff}"
    );
    for word in [
        "budget",
        "rules",
        "explain",
        "plans",
        "completions",
        "\\-\\-plan",
    ] {
        assert!(roff.contains(word), "the man page lacks {word}:\n{roff}");
    }
}

#[test]
fn cli_variable_unset_says_what_compose_does_for_each_form() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "compose.yaml",
        "services:\n  a:\n    image: x\n    mem_limit: ${A_MEM}\n  b:\n    image: x\n    mem_limit: ${B_MEM:?set B_MEM}\n  c:\n    image: redis\n    mem_limit: 1g\n    command: redis-server --requirepass ${REDIS_PASSWORD}\n",
    );
    let (report, _) = json(&[&file, "--select", "variable-unset"]);
    let found: Vec<(String, String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["service"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
                d["help"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(found.len(), 3, "{found:#?}");
    let (_, a, _) = &found[0];
    assert!(a.contains("Compose substitutes an empty string"), "{a}");
    let (_, b, _) = &found[1];
    assert!(
        b.contains("Compose refuses the file (\"required variable B_MEM is missing a value\")")
            && !b.contains("empty string"),
        "{b}"
    );
    for (service, _, help) in &found {
        assert!(help.starts_with("set `"), "{service}: {help}");
        assert!(
            !help.contains(":-"),
            "{service}: no default suggested: {help}"
        );
    }
}
