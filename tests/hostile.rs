//! Hostile input (issue 8): what orion-lint prints must not leak a secret, reach a terminal raw or
//! crash, in every format. Each run is bounded (2 s wall, 200 MB peak RSS): these tests catch
//! hangs and blow-ups, not slowness.

mod common;

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "s3cr3t-TOKEN-value";
const FORMATS: [&str; 7] = [
    "human", "json", "sarif", "rdjson", "rdjsonl", "github", "concise",
];

/// What a bounded run of orion-lint gave.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Run orion-lint in `dir` with an empty environment plus `env`, within 2 s and 200 MB of peak
/// resident memory (read from `/proc/<pid>/status` while it runs), and check it did not panic.
fn secrets_run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin!("orion-lint"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("COLUMNS", "100")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("orion-lint starts");
    // Read both pipes while it runs: a full pipe would stall it.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<_>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<_>));
    let started = Instant::now();
    let mut peak_kb = 0u64;
    let status = loop {
        if let Ok(status) = fs::read_to_string(format!("/proc/{}/status", child.id())) {
            let hwm = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
            peak_kb = peak_kb.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().expect("wait for orion-lint") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(2) {
            let _ = child.kill();
            panic!("orion-lint {args:?} did not answer within 2 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(peak_kb < 200 * 1024, "peak RSS {peak_kb} kB");
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    };
    assert!(
        run.code != 101 && !run.stderr.contains("panicked"),
        "orion-lint panicked:\n{}",
        run.stderr
    );
    run
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (name, text) in files {
        fs::write(dir.path().join(name), text).expect("write a fixture");
    }
    dir
}

const INTERPOLATED: &str = r#"services:
  api:
    image: x
    mem_limit: "${API_MEM}"
    mem_reservation: ${RES}
    memswap_limit: ${SWAP}
  web:
    image: x
    deploy: {resources: {limits: {memory: "${DEP}"}}}
  redis:
    image: redis
    command: redis-server --maxmemory ${RMAX} --maxmemory-policy ${POL}
    mem_limit: 256m
  stack:
    image: redis/redis-stack
    environment:
      REDIS_ARGS: "--maxmemory ${RARGS}"
    mem_limit: 256m
  db:
    image: postgres
    command: postgres -c shared_buffers=${PGSB}
    mem_limit: 1g
  dotenv:
    image: x
    mem_limit: ${FROM_DOTENV}
"#;

#[test]
fn secrets_interpolated_values_are_never_printed() {
    let dotenv = format!("FROM_DOTENV={SECRET}-dotenv\n");
    let dir = project(&[("compose.yml", INTERPOLATED), (".env", &dotenv)]);
    let env: Vec<(&str, &str)> = [
        "API_MEM", "RES", "SWAP", "DEP", "RMAX", "POL", "RARGS", "PGSB",
    ]
    .iter()
    .map(|name| (*name, SECRET))
    .collect();
    for format in FORMATS {
        let run = secrets_run(dir.path(), &["--format", format], &env);
        assert_eq!(run.code, 1, "{format}: {}{}", run.stdout, run.stderr);
        for text in [&run.stdout, &run.stderr] {
            assert!(!text.contains(SECRET), "{format} leaks the secret:\n{text}");
        }
    }
    let run = secrets_run(dir.path(), &["--format", "concise"], &env);
    assert!(
        run.stdout.contains("`mem_limit: ${API_MEM}` is not a valid memory value: the value of `API_MEM` (18 characters, from the process environment) is not a Compose byte value"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("the value of `FROM_DOTENV` (25 characters, set in .env line 1)"),
        "{}",
        run.stdout
    );
    // Every field is still reported.
    assert_eq!(run.stdout.lines().count(), 9, "{}", run.stdout);
}

#[test]
fn secrets_valid_interpolated_values_are_shown() {
    let dir = project(&[(
        "compose.yml",
        "services:\n  api:\n    image: x\n    mem_limit: ${API_MEM}\n    mem_reservation: 2g\n",
    )]);
    let run = secrets_run(dir.path(), &["--format", "concise"], &[("API_MEM", "1g")]);
    assert!(run.stdout.contains("`1g` (1 GiB)"), "{}", run.stdout);
}

#[test]
fn secrets_neighbouring_secrets_are_masked_in_snippets() {
    let dir = project(&[
        (
            "compose.yml",
            "services:\n  api:\n    image: x\n    mem_limit: ${API_MEM}\n",
        ),
        (
            ".env",
            "DB_PASSWORD=hunter2hunter2\nAPI_MEM=1k\nSTRIPE_KEY=sk_live_abcdef\nDATABASE_URL=postgresql://user:pgpass99@db/x\n",
        ),
    ]);
    for format in FORMATS {
        let run = secrets_run(dir.path(), &["--format", format], &[]);
        assert_eq!(run.code, 1, "{format}: {}{}", run.stdout, run.stderr);
        for secret in ["hunter2hunter2", "sk_live_abcdef", "pgpass99"] {
            assert!(
                !run.stdout.contains(secret),
                "{format} shows {secret}:\n{}",
                run.stdout
            );
        }
    }
    let run = secrets_run(dir.path(), &["--format", "human"], &[]);
    assert!(
        run.stdout.contains("DB_PASSWORD=**************")
            && run.stdout.contains("API_MEM=1k")
            && run.stdout.contains("STRIPE_KEY=**************"),
        "{}",
        run.stdout
    );
}

#[test]
fn secrets_labels_beyond_column_65535_do_not_crash() {
    let long = format!("x: {}: b: c\n", "a".repeat(65_535));
    let dir = project(&[("compose.yml", &long)]);
    for format in FORMATS {
        let run = secrets_run(dir.path(), &["--format", format], &[]);
        assert_eq!(run.code, 2, "{format}: {}", run.stderr);
        assert!(
            run.stderr.contains("compose.yml:1:65539: invalid YAML"),
            "{format}: {}",
            run.stderr
        );
    }
    let key = format!(
        "services:\n  {}:\n    image: x\n    mem_limit: 1g\n",
        "s".repeat(65_535)
    );
    let dir = project(&[("compose.yml", &key)]);
    let run = secrets_run(
        dir.path(),
        &["budget", "--plan", "cax11", "--format", "json"],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("compose.yml:2:"), "{}", run.stderr);
}

#[test]
fn secrets_a_byte_order_mark_takes_no_column() {
    let dir = project(&[(
        "compose.yml",
        "\u{feff}services: {api: {image: x, mem_limit: \"12x\"}}\n",
    )]);
    let concise = secrets_run(dir.path(), &["--format", "concise"], &[]);
    assert!(
        concise.stdout.starts_with("compose.yml:1:39:"),
        "{}",
        concise.stdout
    );
    let human = secrets_run(dir.path(), &[], &[]);
    assert!(
        human.stdout.contains("[compose.yml:1:39]"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("feff"), "{}", human.stdout);
}

#[test]
fn secrets_control_characters_never_reach_the_terminal() {
    let dir = project(&[(
        "compose.yml",
        "services:\n  \"a\\e]0;pwned\\a\\e[2Jb\\rc\":\n    image: x\n    mem_limit: 12x # \u{1b}[2J\r\n  bad\u{1b}[31m: {image: x, mem_limit: 1\u{7}}\n",
    )]);
    for format in ["human", "concise", "github"] {
        let run = secrets_run(dir.path(), &["--format", format], &[]);
        for text in [&run.stdout, &run.stderr] {
            assert!(
                !text.contains(['\u{1b}', '\u{7}']) && !text.replace("\r\n", "\n").contains('\r'),
                "{format} prints control characters raw: {text:?}"
            );
        }
    }
}
