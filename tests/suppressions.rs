//! Suppression comments, through the real binary: what each form covers, the YAML traps (a `#`
//! inside a scalar is no comment), `.env` and `redis.conf`, invalid and unused suppressions.

mod common;

use std::path::Path;

use serde_json::Value;

/// A scratch repository (with `.git`, so no `orion-lint.toml` above it is read).
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join(".git")).expect(".git");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// The findings as (rule, path, line, severity), and the exit code.
fn lint(dir: &Path, args: &[&str]) -> (Vec<(String, String, u64, String)>, i32) {
    let output = common::orion()
        .current_dir(dir)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
    let found = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (found, output.status.code().unwrap())
}

fn rules(found: &[(String, String, u64, String)]) -> Vec<(&str, u64)> {
    found.iter().map(|(r, _, l, _)| (r.as_str(), *l)).collect()
}

/// `web` and `api` both have an invalid limit (`mem-limit-invalid`, error).
const TWO_INVALID: &str = "services:
  web:
    image: nginx
    mem_limit: 1.5
  api:
    image: api
    mem_limit: 1.5
";

#[test]
fn an_end_of_line_comment_covers_its_line_only() {
    let dir = repo(&[(
        "compose.yaml",
        &TWO_INVALID.replacen(
            "mem_limit: 1.5\n",
            "mem_limit: 1.5  # orion-lint ignore=mem-limit-invalid  # set by the platform\n",
            1,
        ),
    )]);
    let (found, code) = lint(dir.path(), &[]);
    assert_eq!(rules(&found), [("mem-limit-invalid", 7)]);
    assert_eq!(code, 1);
}

#[test]
fn a_comment_above_a_key_covers_the_node_under_it() {
    let compose = "services:
  web:
    image: nginx
    # orion-lint ignore=mem-limit-invalid
    # (another comment, and a blank line, may come between)

    deploy:
      resources:
        reservations:
          memory: 64m
        limits:
          memory: 1.5
  api:
    image: api
    deploy: {resources: {limits: {memory: 1.5}}}
";
    let dir = repo(&[("compose.yaml", compose)]);
    let (found, _) = lint(dir.path(), &[]);
    assert_eq!(rules(&found), [("mem-limit-invalid", 15)]);
}

#[test]
fn a_comment_above_a_service_covers_its_findings_wherever_they_are_reported() {
    // The invalid limit is written once, at the anchor: each service's finding is reported there.
    let compose = "x-defaults: &defaults
  image: app
  mem_limit: 1.5
services:
  # orion-lint ignore=mem-limit-invalid
  web:
    <<: *defaults
  api:
    <<: *defaults
";
    let dir = repo(&[("compose.yaml", compose)]);
    let output = common::orion()
        .current_dir(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{report}");
    assert_eq!(diagnostics[0]["rule"], "mem-limit-invalid");
    assert_eq!(diagnostics[0]["service"], "api");
    assert_eq!(diagnostics[0]["line"], 3);
}

#[test]
fn a_global_comment_covers_its_file() {
    let compose = format!("{TWO_INVALID}# orion-lint global ignore=mem-limit-invalid\n");
    let dir = repo(&[("compose.yaml", &compose)]);
    assert_eq!(lint(dir.path(), &[]), (Vec::new(), 0));
    // Not the findings of another file.
    let dir = repo(&[
        ("a/compose.yaml", &compose),
        ("b/compose.yaml", TWO_INVALID),
    ]);
    let (found, _) = lint(dir.path(), &[]);
    assert!(found.iter().all(|f| f.1 == "b/compose.yaml"), "{found:?}");
    assert_eq!(found.len(), 2);
}

#[test]
fn a_hash_inside_a_scalar_is_not_a_suppression() {
    // Each would suppress the finding on 100mb (78% of 128m) if it were read as a comment.
    let quoted = "services:
  redis:
    image: redis:7
    command: \"redis-server --maxmemory 100mb # orion-lint ignore=redis-maxmemory-headroom\"
    mem_limit: 128m
";
    let block = "services:
  redis:
    image: redis:7
    command:
      - sh
      - -c
      - |
        # orion-lint ignore=redis-maxmemory-headroom
        exec redis-server --maxmemory 100mb
    mem_limit: 128m
";
    let single = "services:
  redis:
    image: redis:7
    command: 'redis-server --maxmemory 100mb #orion-lint ignore=redis-maxmemory-headroom'
    mem_limit: 128m
";
    for compose in [quoted, block, single] {
        let dir = repo(&[("compose.yaml", compose)]);
        let (found, _) = lint(dir.path(), &[]);
        let rules: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert!(
            rules.contains(&"redis-maxmemory-headroom"),
            "{compose}: {found:?}"
        );
        assert!(
            !rules.contains(&"unused-suppression"),
            "not a comment, so not an unused suppression: {compose}: {found:?}"
        );
    }
    // The same comment outside the scalar works.
    let dir = repo(&[(
        "compose.yaml",
        &quoted.replace(
            " # orion-lint ignore=redis-maxmemory-headroom\"",
            "\"  # orion-lint ignore=redis-maxmemory-headroom",
        ),
    )]);
    assert_eq!(lint(dir.path(), &[]).0, Vec::new());
}

#[test]
fn suppressions_work_in_dot_env_files() {
    let compose = "services:\n  web:\n    image: nginx\n    mem_limit: ${WEB_MEM}\n  api:\n    image: api\n    mem_limit: ${API_MEM}\n";
    // Without suppressions: both findings are on the `${...}` (the values from `.env` are not
    // valid memory values, so they are not shown), and a comment in `.env` covers them.
    let env = "WEB_MEM=lots\nAPI_MEM=\"plenty\"\n";
    let dir = repo(&[("compose.yaml", compose), (".env", env)]);
    let (found, _) = lint(dir.path(), &[]);
    assert_eq!(
        found
            .iter()
            .map(|f| (f.1.as_str(), f.2))
            .collect::<Vec<_>>(),
        [("compose.yaml", 4), ("compose.yaml", 7)]
    );
    let env = "# orion-lint ignore=mem-limit-invalid\nWEB_MEM=lots\nAPI_MEM=\"plenty # not a comment\"  # orion-lint ignore=mem-limit-invalid\n";
    let dir = repo(&[("compose.yaml", compose), (".env", env)]);
    assert_eq!(lint(dir.path(), &[]).0, Vec::new());
    // A `#` inside the quotes is part of the value.
    let env = "WEB_MEM=1g\nAPI_MEM=\"lots # orion-lint ignore=mem-limit-invalid\"\n";
    let dir = repo(&[("compose.yaml", compose), (".env", env)]);
    assert_eq!(rules(&lint(dir.path(), &[]).0), [("mem-limit-invalid", 7)]);
}

#[test]
fn suppressions_work_on_their_own_line_in_a_mounted_redis_conf() {
    let compose = "services:
  redis:
    image: redis:7
    command: redis-server /usr/local/etc/redis/redis.conf
    volumes:
      - ./redis.conf:/usr/local/etc/redis/redis.conf:ro
    mem_limit: 128m
";
    let conf = "# orion-lint ignore=redis-maxmemory-headroom  # measured: no fork, AOF off\nmaxmemory 100mb\n";
    let dir = repo(&[("compose.yaml", compose), ("redis.conf", conf)]);
    assert_eq!(lint(dir.path(), &[]).0, Vec::new());
    let conf = "maxmemory 100mb\n";
    let dir = repo(&[("compose.yaml", compose), ("redis.conf", conf)]);
    assert_eq!(
        lint(dir.path(), &[]).0,
        [(
            "redis-maxmemory-headroom".to_string(),
            "redis.conf".to_string(),
            1,
            "warning".to_string()
        )]
    );
}

#[test]
fn unknown_rules_and_malformed_comments_are_reported() {
    let compose = "services:
  web:
    image: nginx
    mem_limit: 1.5  # orion-lint ignore=mem-limit-invalid,mem-limit-mising
  api:
    image: api
    # orion-lint disable=mem-limit-invalid
    mem_limit: 1.5
";
    let dir = repo(&[("compose.yaml", compose)]);
    let output = common::orion()
        .current_dir(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let found: Vec<(&str, u64, u64, &str)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(
        found[0],
        (
            "suppression-invalid",
            4,
            59,
            "unknown rule `mem-limit-mising`: did you mean `mem-limit-missing`? (in a suppression comment)"
        )
    );
    assert_eq!(found[1].0, "suppression-invalid");
    assert_eq!(found[1].1, 7);
    assert!(
        found[1].3.contains("`disable` is not a suppression"),
        "{found:?}"
    );
    assert_eq!((found[2].0, found[2].1), ("mem-limit-invalid", 8));
    // A warning: it fails the run only with a lower threshold.
    let dir = repo(&[(
        "compose.yaml",
        "services:\n  web:\n    image: nginx\n    mem_limit: 1g  # orion-lint ignore=mem-limit-mising\n",
    )]);
    assert_eq!(lint(dir.path(), &[]).1, 0);
    assert_eq!(lint(dir.path(), &["--severity-threshold", "warning"]).1, 1);
}

#[test]
fn unused_suppressions_are_reported_unless_their_rule_is_off() {
    let compose = "services:
  web:
    image: nginx
    # orion-lint ignore=mem-limit-invalid
    mem_limit: 1g
";
    let dir = repo(&[("compose.yaml", compose)]);
    let (found, code) = lint(dir.path(), &[]);
    assert_eq!(
        found,
        [(
            "unused-suppression".to_string(),
            "compose.yaml".to_string(),
            4,
            "info".to_string()
        )]
    );
    assert_eq!(code, 0);
    assert_eq!(lint(dir.path(), &["--severity-threshold", "info"]).1, 1);
    // The rule does not run: nothing to report.
    assert_eq!(
        lint(dir.path(), &["--ignore", "mem-limit-invalid"]).0,
        Vec::new()
    );
    assert_eq!(
        lint(dir.path(), &["--select", "mem-limit-missing"]).0,
        Vec::new()
    );
    // Kept on purpose.
    let dir = repo(&[(
        "compose.yaml",
        &format!("{compose}# orion-lint global ignore=unused-suppression\n"),
    )]);
    assert_eq!(lint(dir.path(), &[]).0, Vec::new());
}

#[test]
fn a_suppression_in_a_file_two_projects_read_is_used_if_either_uses_it() {
    let env = "# orion-lint ignore=mem-limit-invalid\nWEB_MEM=lots\n";
    let dir = repo(&[
        (".env", env),
        (
            "compose.yaml",
            "services:\n  web:\n    image: nginx\n    mem_limit: ${WEB_MEM}\n",
        ),
        (
            "compose.prod.yaml",
            "services:\n  web:\n    image: nginx\n    mem_limit: 1g\n",
        ),
    ]);
    assert_eq!(lint(dir.path(), &[]).0, Vec::new());
}

#[test]
fn the_readme_example_is_clean() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = readme
        .split("### Suppressing findings")
        .nth(1)
        .expect("the README has the section");
    let example = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("an example");
    assert!(example.contains("orion-lint ignore="), "{example}");
    let dir = repo(&[("compose.yaml", example)]);
    assert_eq!(lint(dir.path(), &[]), (Vec::new(), 0));
    // Without its comments, it has findings.
    let bare: String = example
        .lines()
        .map(|l| l.split("  #").next().unwrap_or(l))
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = repo(&[("compose.yaml", &bare)]);
    let (found, _) = lint(dir.path(), &[]);
    let mut rules: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            "mem-limit-missing",
            "redis-maxmemory-headroom",
            "variable-unset"
        ]
    );
}

#[test]
fn fix_leaves_suppressed_and_ignored_findings_alone() {
    let compose = "services:
  redis:
    image: redis:7
    command: redis-server --maxmemory 100mb
    mem_limit: 128m
";
    let fix = |dir: &Path, args: &[&str]| {
        let output = common::orion()
            .current_dir(dir)
            .arg("--fix")
            .args(args)
            .output()
            .unwrap();
        assert_ne!(output.status.code(), Some(2), "{output:?}");
        std::fs::read_to_string(dir.join("compose.yaml")).unwrap()
    };
    // Sanity: the finding has a safe fix.
    let dir = repo(&[("compose.yaml", compose)]);
    assert!(fix(dir.path(), &[]).contains("--maxmemory 96mb"));
    let suppressed = compose.replace(
        "100mb\n",
        "100mb  # orion-lint ignore=redis-maxmemory-headroom\n",
    );
    let dir = repo(&[("compose.yaml", &suppressed)]);
    assert_eq!(fix(dir.path(), &[]), suppressed);
    let dir = repo(&[("compose.yaml", compose)]);
    assert_eq!(
        fix(dir.path(), &["--ignore", "redis-maxmemory-headroom"]),
        compose
    );
}

#[test]
fn a_comment_where_a_value_is_used_covers_the_finding_reported_where_it_is_written() {
    // At the merge key that brings the anchor's invalid limit: only that service's finding.
    let compose = "x-defaults: &defaults
  image: app
  mem_limit: 1.5
services:
  web:
    <<: *defaults  # orion-lint ignore=mem-limit-invalid
  api:
    <<: *defaults
";
    let dir = repo(&[("compose.yaml", compose)]);
    assert_eq!(rules(&lint(dir.path(), &[]).0), [("mem-limit-invalid", 3)]);
    // At the `${VAR}` that takes the value from `.env`.
    let dir = repo(&[
        (
            "compose.yaml",
            "services:\n  web:\n    image: nginx\n    # orion-lint ignore=mem-limit-invalid\n    mem_limit: ${WEB_MEM}\n",
        ),
        (".env", "WEB_MEM=lots\n"),
    ]);
    assert_eq!(lint(dir.path(), &[]), (Vec::new(), 0));
}

/// What a file is comes from how the project reads it, not from its name: a compose file given
/// with `-f` as `stack.yml`, an `extends` file `common-services.yaml`, and an env file of an
/// `include` named `web.vars` (read as an env file, so its end-of-line comment counts).
#[test]
fn the_file_kind_recorded_at_load_drives_suppressions() {
    let dir = repo(&[
        (
            "stack.yml",
            "include:\n  - path: sub/compose.yaml\n    env_file: sub/web.vars\nservices:\n  worker:\n    extends:\n      file: common-services.yaml\n      service: base\n    mem_limit: 1g\n  api:\n    image: eclipse-temurin\n    command: java -Xmx900m -jar app.jar # orion-lint ignore=jvm-heap-exceeds-limit\n    mem_limit: 1g\n",
        ),
        (
            "common-services.yaml",
            "services:\n  base:\n    image: eclipse-temurin\n    command: java -Xmx2g -jar app.jar # orion-lint ignore=jvm-heap-exceeds-limit\n",
        ),
        (
            "sub/compose.yaml",
            "services:\n  web:\n    image: nginx\n    mem_limit: ${WEB_MEM}\n",
        ),
        (
            "sub/web.vars",
            "WEB_MEM=4m # orion-lint ignore=mem-limit-invalid\n",
        ),
    ]);
    let (found, code) = lint(dir.path(), &["-f", "stack.yml"]);
    assert_eq!(rules(&found), Vec::<(&str, u64)>::new(), "{found:?}");
    assert_eq!(code, 0);
    // Without the comments each is a finding in its own file: the suppressions did the work.
    for (file, text) in [
        ("stack.yml", "java -Xmx900m -jar app.jar\n"),
        ("common-services.yaml", "java -Xmx2g -jar app.jar\n"),
        ("sub/web.vars", "WEB_MEM=4m\n"),
    ] {
        let path = dir.path().join(file);
        let written = std::fs::read_to_string(&path).unwrap();
        let bare: String = written
            .lines()
            .map(|l| l.split(" # orion-lint").next().unwrap().to_string() + "\n")
            .collect();
        std::fs::write(&path, &bare).unwrap();
        let (found, _) = lint(dir.path(), &["-f", "stack.yml"]);
        assert!(
            found.iter().any(|(_, path, _, _)| path.ends_with(file)),
            "{file} ({text:?}): {found:?}"
        );
        std::fs::write(&path, written).unwrap();
    }
}
