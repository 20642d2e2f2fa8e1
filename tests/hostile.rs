//! Hostile input: each input below once crashed orion-lint or blew up its time or memory. Every
//! run must end by itself within a generous bound (it catches hangs and blow-ups, not slowness),
//! without a panic, with nothing written, and with a clear message where the input is refused.

mod common;

use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

use common::Watched;

const WALL: Duration = Duration::from_secs(2);
const RSS_MB: u64 = 200;
/// A run still going after this is killed: it has hung.
const KILL_AFTER: Duration = Duration::from_secs(30);

/// Every file under `dir` with its content, to check that a run wrote nothing.
fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .map(|e| {
            let content = std::fs::read(e.path()).unwrap_or_default();
            (e.into_path(), content)
        })
        .collect();
    files.sort();
    files
}

/// Run orion-lint with `args` on a project of `files` and check the bounds and that nothing
/// was written.
fn run(files: &[(&str, &str)], args: &[&str]) -> Watched {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let before = snapshot(dir.path());
    let watched = common::orion_watched(dir.path(), args, KILL_AFTER);
    watched.assert_bounded(WALL, RSS_MB);
    assert!(before == snapshot(dir.path()), "the run wrote files");
    watched
}

/// A refused input: exit 2, with the file and a line:column position in the message.
fn assert_refused(watched: &Watched, file: &str, message: &str) {
    assert_eq!(watched.code, Some(2), "{watched:#?}");
    assert!(
        watched.stderr.contains(message),
        "expected {message:?} in: {}",
        watched.stderr
    );
    let position = names_position(&watched.stderr, file);
    assert!(position, "no {file}:LINE:COLUMN in: {}", watched.stderr);
}

/// Whether `text` names `file` followed by `:line:column`.
fn names_position(text: &str, file: &str) -> bool {
    text.match_indices(file).any(|(at, _)| {
        let rest = &text[at + file.len()..];
        let mut parts = rest.splitn(3, ':');
        parts.next() == Some("")
            && parts
                .next()
                .is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
    })
}

#[test]
fn crashes_budget_total_beyond_range_is_reported_in_every_format() {
    // 10^10 × 1 GiB fits a u64 but what is left on the plan does not fit an i64; 2^63 - 1
    // replicas × 1 GiB does not fit a u64 at all.
    for replicas in ["10000000000", "9223372036854775807"] {
        let compose = format!(
            "services:\n  a:\n    image: x\n    mem_limit: 1g\n    deploy:\n      replicas: {replicas}\n"
        );
        let files = [("compose.yaml", compose.as_str())];
        let json = run(&files, &["budget", "--plan", "cax11", "--format", "json"]);
        assert_eq!(json.code, Some(0), "{json:#?}");
        let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        let project = &value["projects"][0];
        assert_eq!(
            project["services"][0]["replicas"],
            replicas.parse::<u64>().unwrap()
        );
        assert!(
            project["total_bytes"].as_u64().unwrap() > 1 << 62,
            "{project}"
        );
        assert!(
            project["remaining_bytes"].as_i64().unwrap() < 0,
            "{project}"
        );
        let text = run(&files, &["budget", "--plan", "cax11"]);
        assert_eq!(text.code, Some(0), "{text:#?}");
        assert!(text.stdout.contains("OVER by"), "{}", text.stdout);
        let lint = run(&files, &["--plan", "cax11", "--format", "json"]);
        assert_eq!(lint.code, Some(1), "{lint:#?}");
        assert!(lint.stdout.contains("plan-ram-exceeded"), "{}", lint.stdout);
    }
    // Beyond 16 EiB the total cannot be counted: both formats say so.
    let compose = "services:\n  a:\n    image: x\n    mem_limit: 1g\n    deploy:\n      replicas: 9223372036854775807\n";
    let files = [("compose.yaml", compose)];
    let json = run(&files, &["budget", "--plan", "cax11", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["projects"][0]["total_out_of_range"], true, "{value}");
    let text = run(&files, &["budget", "--plan", "cax11"]);
    assert!(text.stdout.contains("beyond 16 EiB"), "{}", text.stdout);
}

#[test]
fn crashes_alias_bomb_through_complex_keys_is_refused() {
    let mut compose = String::from("x-0: &a0 [x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let aliases = vec![format!("*a{}", i - 1); 8].join(",");
        writeln!(compose, "x-{i}: &a{i} {{? [{aliases}] : v}}").unwrap();
    }
    compose.push_str("services: {a: {image: x}}\n");
    let watched = run(&[("compose.yaml", &compose)], &[]);
    assert_refused(&watched, "compose.yaml", "aliases expand");
}

#[test]
fn crashes_aliases_of_a_long_scalar_are_refused() {
    // 1 MB of text copied 30,000 times: 30 GB from a 1 MB file.
    let compose = format!(
        "x-a: &a \"{}\"\nx-b: [{}]\nservices: {{a: {{image: x}}}}\n",
        "y".repeat(1_000_000),
        vec!["*a"; 30_000].join(",")
    );
    let watched = run(&[("compose.yaml", &compose)], &[]);
    assert_refused(&watched, "compose.yaml", "aliases expand");
}

#[test]
fn crashes_alias_chain_is_refused_early() {
    let mut compose = String::from("a0: &a0 [x]\n");
    for i in 1..3000 {
        writeln!(compose, "a{i}: &a{i} [*a{}]", i - 1).unwrap();
    }
    compose.push_str("services: {a: {image: x}}\n");
    let watched = run(&[("compose.yaml", &compose)], &[]);
    assert_refused(&watched, "compose.yaml", "aliases");
}

/// `s0` extends `s1`, which extends `s2`, ... `s{n-1}`.
fn extends_chain(n: usize) -> String {
    let mut compose = String::from("services:\n");
    for i in 0..n - 1 {
        writeln!(compose, "  s{i}: {{extends: s{}}}", i + 1).unwrap();
    }
    writeln!(compose, "  s{}: {{image: x, mem_limit: 64m}}", n - 1).unwrap();
    compose
}

#[test]
fn crashes_long_extends_chains_resolve_in_linear_time() {
    for n in [200, 400, 3000] {
        let watched = run(&[("compose.yaml", &extends_chain(n))], &["budget"]);
        assert_eq!(watched.code, Some(0), "{n}: {watched:#?}");
        assert!(watched.stdout.contains(&format!("s{}", n - 1)), "{n}");
    }
    // A cycle at the end of a long chain is still named.
    let cyclic =
        extends_chain(3000).replace("s2999: {image: x, mem_limit: 64m}", "s2999: {extends: s0}");
    let watched = run(&[("compose.yaml", &cyclic)], &[]);
    assert_refused(&watched, "compose.yaml", "circular `extends`");
}

#[test]
fn crashes_diamond_includes_load_each_file_once() {
    let mut files = Vec::new();
    let levels = 18;
    for i in 0..levels {
        let next = format!("f{}.yml", i + 1);
        files.push((
            if i == 0 { "compose.yaml".to_string() } else { format!("f{i}.yml") },
            format!("include:\n  - {next}\n  - path: {next}\nservices:\n  s{i}: {{image: x, mem_limit: 64m}}\n"),
        ));
    }
    files.push((
        format!("f{levels}.yml"),
        "services:\n  last: {image: x}\n".to_string(),
    ));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let watched = run(&files, &["budget"]);
    assert_eq!(watched.code, Some(0), "{watched:#?}");
    assert!(watched.stdout.contains("last"), "{}", watched.stdout);
}

#[test]
fn crashes_long_string_command_splits_in_linear_time() {
    let words: Vec<String> = (0..16_000).map(|i| format!("w{i}")).collect();
    let plain = format!(
        "services:\n  a:\n    image: redis\n    command: sh {}\n",
        words.join(" ")
    );
    let script = format!(
        "services:\n  a:\n    image: redis\n    command: sh -c \"{}\"\n",
        words.join(" ")
    );
    // Interpolated: each word is a piece copied from `.env`.
    let variables = vec!["$A"; 16_000].join(" ");
    let interpolated = format!("services:\n  a:\n    image: redis\n    command: sh {variables}\n");
    let interpolated_script =
        format!("services:\n  a:\n    image: redis\n    command: [sh, -c, \"{variables}\"]\n");
    for compose in [plain, script, interpolated, interpolated_script] {
        let files = [("compose.yaml", compose.as_str()), (".env", "A=x\n")];
        let watched = run(&files, &["--format", "json"]);
        assert!(matches!(watched.code, Some(0 | 1)), "{watched:#?}");
    }
}

/// Run Compose v2 `config` on `dir`; its replica count of service `a`, or `None` if it refuses.
fn compose_replicas(compose: &Path, dir: &Path) -> Option<u64> {
    let output = std::process::Command::new(compose)
        .current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .args(["config", "--format", "json"])
        .output()
        .expect("compose runs");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    let service = &json["services"]["a"];
    Some(
        service["scale"]
            .as_u64()
            .or_else(|| service["deploy"]["replicas"].as_u64())
            .unwrap_or(1),
    )
}

#[test]
fn crashes_invalid_replicas_are_reported_and_not_counted_as_one() {
    let compose = common::require_compose();
    let bad = [
        "-3",
        "1.5",
        "\"x\"",
        "\" 2\"",
        "\"2.0\"",
        "true",
        "18446744073709551616",
        "9223372036854775808",
        "\"${N}\"",
    ];
    let good = [
        ("2.0", 2),
        ("\"+2\"", 2),
        ("0x10", 16),
        ("\"010\"", 10),
        ("1e1", 10),
    ];
    let cases = bad
        .iter()
        .map(|v| (*v, None))
        .chain(good.iter().map(|(v, n)| (*v, Some(*n))));
    for (value, expected) in cases {
        for field in ["scale", "deploy:\n      replicas"] {
            let text =
                format!("services:\n  a:\n    image: x\n    mem_limit: 1g\n    {field}: {value}\n");
            let files = [("compose.yaml", text.as_str()), (".env", "N=-4\n")];
            let lint = run(&files, &["--format", "json"]);
            let reported = lint.stdout.contains("\"replicas-invalid\"");
            assert_eq!(
                reported,
                expected.is_none(),
                "{field}: {value}: {}",
                lint.stdout
            );
            assert!(
                !lint.stdout.contains("-4"),
                "the variable's value is not echoed"
            );
            let budget = run(&files, &["budget", "--format", "json"]);
            let json: serde_json::Value = serde_json::from_str(&budget.stdout).unwrap();
            let project = &json["projects"][0];
            assert_eq!(
                project["services"][0]["replicas"].as_u64(),
                expected,
                "{value}"
            );
            let unknown = project["unlimited"]
                .as_array()
                .unwrap()
                .contains(&"a".into());
            assert_eq!(unknown, expected.is_none(), "{value}: {project}");
            if let Some(compose) = &compose {
                let dir = tempfile::tempdir().unwrap();
                for (name, text) in files {
                    std::fs::write(dir.path().join(name), text).unwrap();
                }
                assert_eq!(
                    compose_replicas(compose, dir.path()),
                    expected,
                    "{field}: {value}"
                );
            }
        }
    }
}
