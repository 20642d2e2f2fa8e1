//! Hostile input and hostile file systems: each test runs the built binary within a generous
//! bound on time and memory (`common::run_bounded`), and checks that it answers clearly, does not
//! panic and writes nothing it should not.

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

// ---- Writes (`--fix`): all or nothing, one identity per file, metadata kept ----

/// Every file under `dir` (names relative to it) with its bytes, temporaries included.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk the test directory"))
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            let bytes = if e.file_type().is_symlink() {
                std::fs::read_link(e.path())
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else {
                std::fs::read(e.path()).unwrap()
            };
            (e.path().strip_prefix(dir).unwrap().to_path_buf(), bytes)
        })
        .collect();
    files.sort();
    files
}

/// A project whose safe fixes change three files: `.env`, `compose.yaml` and
/// `redis/redis.conf` (written in that order).
fn three_file_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:
  cache:
    image: redis:7-alpine
    command: redis-server --maxmemory 300mb
    mem_limit: 256m
  queue:
    image: redis:7-alpine
    command: redis-server --maxmemory ${QUEUE_MAXMEMORY}
    mem_limit: 256m
  store:
    image: redis:7-alpine
    command: redis-server /usr/local/etc/redis/redis.conf
    volumes:
      - ./redis/redis.conf:/usr/local/etc/redis/redis.conf:ro
    mem_limit: 256m
",
    )
    .unwrap();
    std::fs::write(dir.path().join(".env"), "QUEUE_MAXMEMORY=300mb\n").unwrap();
    std::fs::create_dir(dir.path().join("redis")).unwrap();
    std::fs::write(
        dir.path().join("redis/redis.conf"),
        "maxmemory 300mb\nmaxmemory-policy allkeys-lru\n",
    )
    .unwrap();
    dir
}

/// `chattr +i` on a path for one test, undone when dropped so that the directory can be removed.
/// Mode bits do not stop root; the immutable attribute does.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Option<Immutable> {
        let chattr = |flag: &str, path: &Path| {
            Command::new("chattr")
                .arg(flag)
                .arg(path)
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if chattr("+i", path) {
            return Some(Immutable(path.to_path_buf()));
        }
        common::require(
            "chattr +i (root with CAP_LINUX_IMMUTABLE, on a file system with attributes)",
            None,
            "run the tests as root on ext4 or tmpfs, as CI does",
        );
        None
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

/// `--fix` in `dir` failed cleanly: exit 2 within the bounds, a message naming `file`, and every
/// byte of the directory as it was (no temporary file left).
fn assert_fix_refused(dir: &Path, file: &str, why: &str) {
    let before = snapshot(dir);
    let run = common::run_bounded(dir, &["--fix", "--color", "never"]);
    run.assert_bounded();
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_eq!(snapshot(dir), before, "every file is untouched: {run:?}");
    let message = common::one_line(&run.stderr);
    assert!(
        message.contains(file) && message.contains(why),
        "the message names {file} and says {why:?}: {message}"
    );
}

#[test]
fn writes_a_fix_over_three_files_is_all_or_nothing() {
    for failing in ["redis/redis.conf", "compose.yaml", ".env"] {
        let dir = three_file_project();
        let Some(_guard) = Immutable::set(&dir.path().join(failing)) else {
            return;
        };
        assert_fix_refused(dir.path(), failing, "so no file was changed");
    }
}

#[test]
fn writes_a_directory_refusing_the_temporary_leaves_every_file_untouched() {
    let dir = three_file_project();
    let Some(_guard) = Immutable::set(&dir.path().join("redis")) else {
        return;
    };
    assert_fix_refused(dir.path(), "redis/redis.conf", "so no file was changed");
}

#[test]
fn writes_one_file_through_two_paths_gets_one_coherent_edit() {
    // `shared.conf -> redis.conf`, each mounted by another service: one file, one fix.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:
  small:
    image: redis:7-alpine
    command: redis-server /usr/local/etc/redis/redis.conf
    volumes:
      - ./redis.conf:/usr/local/etc/redis/redis.conf:ro
    mem_limit: 256m
  large:
    image: redis:7-alpine
    command: redis-server /usr/local/etc/redis/redis.conf
    volumes:
      - ./shared.conf:/usr/local/etc/redis/redis.conf:ro
    mem_limit: 512m
",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("redis.conf"),
        "maxmemory 600mb\nmaxmemory-policy allkeys-lru\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("redis.conf", dir.path().join("shared.conf")).unwrap();
    let first = common::run_bounded(dir.path(), &["--fix", "--color", "never"]);
    first.assert_bounded();
    assert_eq!(
        first.code,
        Some(0),
        "the first --fix fixes everything: {first:?}"
    );
    let fixed = snapshot(dir.path());
    let conf = std::fs::read_to_string(dir.path().join("redis.conf")).unwrap();
    assert_eq!(conf, "maxmemory 192mb\nmaxmemory-policy allkeys-lru\n");
    assert!(
        std::fs::symlink_metadata(dir.path().join("shared.conf"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is kept"
    );
    let second = common::run_bounded(dir.path(), &["--fix", "--color", "never"]);
    second.assert_bounded();
    assert_eq!(second.code, Some(0), "{second:?}");
    assert!(!second.stderr.contains("Fixed") && !second.stdout.contains("Fixed"));
    assert_eq!(
        snapshot(dir.path()),
        fixed,
        "a second --fix changes nothing"
    );
}

#[test]
fn writes_keep_owner_group_and_mode() {
    if !common::is_root() {
        common::require(
            "root (to give a file another owner)",
            None,
            "run the tests as root, as CI does",
        );
        return;
    }
    let dir = three_file_project();
    let conf = dir.path().join("redis/redis.conf");
    std::os::unix::fs::chown(&conf, Some(1234), Some(5678)).unwrap();
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o640)).unwrap();
    let env = dir.path().join(".env");
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o600)).unwrap();
    let run = common::run_bounded(dir.path(), &["--fix", "--color", "never"]);
    run.assert_bounded();
    assert_eq!(run.code, Some(0), "{run:?}");
    let meta = std::fs::metadata(&conf).unwrap();
    assert!(std::fs::read_to_string(&conf).unwrap().contains("192mb"));
    assert_eq!(
        (meta.uid(), meta.gid()),
        (1234, 5678),
        "owner and group kept"
    );
    assert_eq!(meta.mode() & 0o7777, 0o640);
    assert_eq!(
        std::fs::metadata(&env).unwrap().mode() & 0o7777,
        0o600,
        "mode kept"
    );
}

#[test]
fn writes_the_temporary_is_created_with_the_originals_mode() {
    let Some(strace) = common::require(
        "strace",
        common::find_on_path("strace").or_else(|| {
            Path::new("/usr/bin/strace")
                .is_file()
                .then(|| "/usr/bin/strace".into())
        }),
        "`apt-get install strace`",
    ) else {
        return;
    };
    let dir = three_file_project();
    let env = dir.path().join(".env");
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o600)).unwrap();
    let trace = tempfile::NamedTempFile::new().unwrap();
    let output = Command::new(strace)
        .args(["-f", "-e", "trace=open,openat,creat", "-o"])
        .arg(trace.path())
        .arg(env!("CARGO_BIN_EXE_orion-lint"))
        .arg("--fix")
        .current_dir(dir.path())
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let trace = std::fs::read_to_string(trace.path()).unwrap();
    let created: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains(".env.orion-lint-") && l.contains("O_CREAT"))
        .collect();
    assert_eq!(created.len(), 1, "one temporary for .env:\n{trace}");
    assert!(
        created[0].contains(", 0600)"),
        "the temporary of a 0600 file is created 0600, never readable by others: {}",
        created[0]
    );
}

#[test]
fn writes_a_file_with_several_hard_links_is_refused() {
    let dir = three_file_project();
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::hard_link(
        dir.path().join("redis/redis.conf"),
        elsewhere.path().join("redis.conf"),
    )
    .unwrap();
    assert_fix_refused(dir.path(), "redis/redis.conf", "hard links");
    assert_eq!(
        std::fs::metadata(dir.path().join("redis/redis.conf"))
            .unwrap()
            .nlink(),
        2,
        "the links are kept"
    );
}

#[test]
fn writes_stale_temporaries_of_a_killed_run_are_removed() {
    let dir = three_file_project();
    // A PID that is never alive: pid_max itself (PIDs are below it).
    let dead = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .map_or(4_194_304, |s| s.trim().parse::<u32>().unwrap_or(4_194_304));
    let stale = dir
        .path()
        .join(format!("redis/.redis.conf.orion-lint-{dead}.tmp"));
    std::fs::write(&stale, "maxmemory 1").unwrap();
    // Not orion-lint's temporary, or not of a file it writes: left alone.
    let other = dir
        .path()
        .join(format!("redis/.notes.orion-lint-{dead}.tmp"));
    std::fs::write(&other, "mine").unwrap();
    let run = common::run_bounded(dir.path(), &["--fix", "--color", "never"]);
    run.assert_bounded();
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(!stale.exists(), "the stale temporary is removed");
    assert!(
        other.exists(),
        "another file's temporary is not ours to remove"
    );
    let names: Vec<PathBuf> = snapshot(dir.path()).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        names,
        [
            ".env",
            "compose.yaml",
            &format!("redis/.notes.orion-lint-{dead}.tmp"),
            "redis/redis.conf"
        ]
        .map(PathBuf::from),
    );
}

// ---- Secrets and printing: nothing leaked, nothing raw, no crash on long lines ----

const SECRET: &str = "s3cr3t-TOKEN-value";
const FORMATS: [&str; 7] = [
    "human", "json", "sarif", "rdjson", "rdjsonl", "github", "concise",
];

/// A bounded run with an empty environment plus `env`, checked for the bounds and for a panic.
fn secrets_run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> common::Bounded {
    let run = common::run_bounded_with_env(dir, args, env);
    run.assert_bounded();
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
        assert_eq!(run.code, Some(1), "{format}: {}{}", run.stdout, run.stderr);
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
        assert_eq!(run.code, Some(1), "{format}: {}{}", run.stdout, run.stderr);
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
        assert_eq!(run.code, Some(2), "{format}: {}", run.stderr);
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
    assert_eq!(run.code, Some(2), "{}", run.stderr);
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
