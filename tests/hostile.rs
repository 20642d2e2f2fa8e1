//! Hostile input and hostile file systems (issue 8): files of a pull request that try to make
//! orion-lint leak a secret, read host files, block on a FIFO, write outside the repository, run a
//! program or crash. Each test runs the built binary within a generous bound on time and memory
//! (`common::run_bounded`), and checks that it answers clearly, does not panic and writes nothing
//! it should not.

mod common;

use std::fmt::Write as _;
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
#[ignore = "needs root and chattr"]
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
#[ignore = "needs root and chattr"]
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
#[ignore = "needs root"]
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
#[ignore = "needs strace"]
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
const FORMATS: [&str; 9] = [
    "human", "json", "sarif", "rdjson", "rdjsonl", "github", "concise", "gitlab", "junit",
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

// ---- Reads: only regular files inside the repository; nothing executed, nothing connected ----

/// A temporary directory holding `repo/` (with `.git/`) and `outside/`.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::create_dir_all(dir.path().join("repo/.git")).expect("repo");
        fs::create_dir_all(dir.path().join("outside")).expect("outside");
        Sandbox { dir }
    }

    fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    fn outside(&self) -> PathBuf {
        self.dir.path().join("outside")
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(relative);
        fs::create_dir_all(path.parent().expect("a parent")).expect("dirs");
        fs::write(&path, text).expect("write");
        path
    }

    fn fifo(&self, relative: &str) -> PathBuf {
        let path = self.dir.path().join(relative);
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        path
    }

    /// Run orion-lint in `repo/`, bounded.
    fn run(&self, args: &[&str]) -> common::Bounded {
        self.run_with(args, &[])
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> common::Bounded {
        let run = common::run_bounded_with_env(&self.repo(), args, env);
        run.assert_bounded();
        run
    }
}

fn output(run: &common::Bounded) -> String {
    format!("{}{}", run.stdout, run.stderr)
}

/// A line of `/etc/passwd` that would show it was printed.
fn passwd_line() -> String {
    fs::read_to_string("/etc/passwd")
        .expect("/etc/passwd")
        .lines()
        .next()
        .expect("a line")
        .to_string()
}

const SERVICE: &str = "services:\n  web:\n    image: nginx:1.27\n    mem_limit: 256m\n";

#[test]
fn boundary_an_include_of_a_host_file_is_not_read_in_any_format() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "repo/compose.yaml",
        &format!("include:\n  - /etc/passwd\n{SERVICE}"),
    );
    let secret = passwd_line();
    for format in ["human", "json", "sarif", "rdjson", "github", "concise"] {
        let run = sandbox.run(&["--format", format, "--color", "never"]);
        let all = output(&run);
        assert_eq!(run.code, Some(0), "{format}: {all}");
        assert!(
            !all.contains(&secret),
            "{format} printed /etc/passwd: {all}"
        );
        assert!(all.contains("file-not-read"), "{format}: {all}");
        assert!(all.contains("/etc/passwd"), "{format}: {all}");
    }
    let human = sandbox.run(&["--color", "never"]).stdout;
    assert!(
        human
            .contains("the included file `/etc/passwd` was not read: it is outside the repository"),
        "{human}"
    );
    assert!(
        human.contains("compose.yaml:2:"),
        "names the position: {human}"
    );
}

#[test]
fn boundary_proc_files_are_never_read() {
    let sandbox = Sandbox::new();
    let env = [("REVIEWDOG_TOKEN", "tok-7f3a9c-secret")];
    sandbox.write(
        "repo/compose.yaml",
        &format!("include:\n  - /proc/self/environ\n{SERVICE}"),
    );
    for allow in [&[][..], &["--allow-outside", "/"][..]] {
        let args: Vec<&str> = ["--format", "sarif"].iter().chain(allow).copied().collect();
        let run = sandbox.run_with(&args, &env);
        let all = output(&run);
        assert_eq!(run.code, Some(0), "{all}");
        assert!(
            !all.contains("tok-7f3a9c"),
            "printed the environment: {all}"
        );
        assert!(all.contains("kernel file system"), "{all}");
    }
    // A compose file of the repository linked to procfs, found by discovery or named.
    fs::remove_file(sandbox.repo().join("compose.yaml")).expect("rm");
    std::os::unix::fs::symlink("/proc/self/environ", sandbox.repo().join("compose.yml"))
        .expect("symlink");
    for args in [
        &["."][..],
        &["compose.yml"],
        &["--format", "json", "-f", "compose.yml"],
    ] {
        let run = sandbox.run_with(args, &env);
        let all = output(&run);
        assert_eq!(run.code, Some(2), "{args:?}: {all}");
        assert!(
            !all.contains("tok-7f3a9c"),
            "{args:?} printed the environment: {all}"
        );
        assert!(all.contains("compose.yml"), "{args:?}: {all}");
        assert!(
            all.contains("orion-lint does not read this file: it is in `/proc`"),
            "{all}"
        );
    }
}

#[test]
fn boundary_a_dotenv_linked_outside_is_not_read() {
    let sandbox = Sandbox::new();
    let shadow = sandbox.write("outside/shadow", "root=$6$saltsalt$hashhashhash\n");
    std::os::unix::fs::symlink(&shadow, sandbox.repo().join(".env")).expect("symlink");
    sandbox.write(
        "repo/compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    mem_limit: \"${root}\"\n",
    );
    for format in ["human", "json", "sarif", "rdjsonl"] {
        let run = sandbox.run(&["--format", format, "--color", "never"]);
        let all = output(&run);
        assert!(
            !all.contains("hashhash"),
            "{format} printed the hash: {all}"
        );
        assert!(
            !all.contains("saltsalt"),
            "{format} printed the hash: {all}"
        );
        assert!(all.contains("file-not-read"), "{format}: {all}");
        assert!(all.contains(".env"), "{format}: {all}");
    }
}

#[test]
fn boundary_a_mounted_config_outside_is_read_only_when_the_command_line_allows_it() {
    let sandbox = Sandbox::new();
    let conf = "maxmemory 300mb\nrequirepass s3cr3t-pass\n";
    let host = sandbox.write("outside/redis.conf", conf);
    let compose = format!(
        "services:\n  cache:\n    image: redis:7.4\n    command: redis-server /usr/local/etc/redis/redis.conf\n    mem_limit: 256m\n    volumes:\n      - {}:/usr/local/etc/redis/redis.conf:ro\n      - ../outside:/etc/other\n",
        host.display()
    );
    sandbox.write("repo/compose.yaml", &compose);
    let run = sandbox.run(&["--format", "json"]);
    let all = output(&run);
    assert!(!all.contains("s3cr3t"), "{all}");
    assert!(all.contains("the mounted config file"), "{all}");
    assert!(
        !all.contains("redis-maxmemory-exceeds-limit"),
        "not read: {all}"
    );

    // Allowed on the command line: read and checked, never fixed (item 5).
    let outside = sandbox.outside();
    let allow = outside.to_str().expect("UTF-8");
    let run = sandbox.run(&["--format", "json", "--allow-outside", allow]);
    let all = output(&run);
    assert!(all.contains("redis-maxmemory-exceeds-limit"), "{all}");
    assert!(!all.contains("file-not-read"), "{all}");
    assert!(all.contains("no fix: "), "says why there is no fix: {all}");
    for args in [
        &["--fix", "--allow-outside", allow][..],
        &["--fix", "--unsafe-fixes", "--allow-outside", allow],
        &[
            "--fix",
            "--plan",
            "cax21",
            "--from-plan",
            "cax11",
            "--allow-outside",
            allow,
        ],
    ] {
        let run = sandbox.run(args);
        assert_ne!(run.code, Some(2), "{args:?}: {}", output(&run));
        assert_eq!(
            fs::read_to_string(&host).expect("read"),
            conf,
            "{args:?} wrote outside"
        );
    }
}

#[test]
fn boundary_fix_never_writes_through_a_link_out_of_the_repository() {
    let sandbox = Sandbox::new();
    let text = "services:\n  redis:\n    image: redis:7-alpine\n    command: redis-server --maxmemory 300mb\n    mem_limit: 256m\n";
    let target = sandbox.write("outside/compose.yaml", text);
    std::os::unix::fs::symlink(&target, sandbox.repo().join("compose.yaml")).expect("symlink");
    // Not read at all by default: the input cannot be read, exit 2.
    let run = sandbox.run(&["--fix"]);
    assert_eq!(run.code, Some(2), "{}", output(&run));
    assert!(
        output(&run).contains("outside the repository"),
        "{}",
        output(&run)
    );
    // Read when allowed, but not written: the finding stays, with the reason.
    let allow = sandbox.outside();
    let allow = allow.to_str().expect("UTF-8");
    for args in [
        &["--fix", "--allow-outside", allow][..],
        &[
            "--fix",
            "--plan",
            "cax21",
            "--from-plan",
            "cax11",
            "--allow-outside",
            allow,
        ],
    ] {
        let run = sandbox.run(args);
        let all = output(&run);
        assert_eq!(
            fs::read_to_string(&target).expect("read"),
            text,
            "{args:?}: {all}"
        );
        assert!(all.contains("redis-maxmemory-exceeds-limit"), "{all}");
        assert!(all.contains("no fix: "), "{all}");
    }
    let entries: Vec<_> = fs::read_dir(sandbox.outside()).expect("ls").collect();
    assert_eq!(entries.len(), 1, "no temporary file beside the target");
}

#[test]
fn boundary_fifos_and_devices_do_not_hang_or_blow_up() {
    let sandbox = Sandbox::new();
    sandbox.fifo("repo/pipe.yml");
    sandbox.fifo("repo/pipe.env");
    sandbox.write("repo/sub/compose.yaml", SERVICE);
    let cases: [(&str, &str, &[&str]); 9] = [
        ("include of a FIFO", "include:\n  - pipe.yml\n", &[]),
        ("include of /dev/stdin", "include:\n  - /dev/stdin\n", &[]),
        ("include of /dev/zero", "include:\n  - /dev/zero\n", &[]),
        (
            "extends from a FIFO",
            "services:\n  api:\n    extends:\n      file: pipe.yml\n      service: web\n",
            &[],
        ),
        (
            "an included project's env_file FIFO",
            "include:\n  - path: sub/compose.yaml\n    env_file: pipe.env\n",
            &[],
        ),
        (
            "an included project's env_file /dev/zero",
            "include:\n  - path: sub/compose.yaml\n    env_file: /dev/zero\n",
            &[],
        ),
        ("--env-file FIFO", "", &["--env-file", "pipe.env"]),
        ("--env-file /dev/stdin", "", &["--env-file", "/dev/stdin"]),
        ("--env-file /dev/zero", "", &["--env-file", "/dev/zero"]),
    ];
    for (what, head, args) in cases {
        let extra = if head.contains("services:") {
            ""
        } else {
            SERVICE
        };
        let path = sandbox.write("repo/compose.yaml", &format!("{head}{extra}"));
        let run = sandbox.run(args);
        let all = output(&run);
        if args.is_empty() {
            // Named by a file of the repository: not read, reported, the rest linted.
            assert_eq!(run.code, Some(0), "{what}: {all}");
            assert!(all.contains("file-not-read"), "{what}: {all}");
        } else {
            // Named on the command line: the input cannot be read.
            assert_eq!(run.code, Some(2), "{what}: {all}");
            assert!(
                all.contains("orion-lint does not read this file"),
                "{what}: {all}"
            );
        }
        assert!(
            all.contains("FIFO") || all.contains("kernel file system"),
            "{what}: says why: {all}"
        );
        assert_eq!(
            fs::read_to_string(&path).expect("read"),
            format!("{head}{extra}")
        );
    }
    // A compose file that is a FIFO, named on the command line or found in a directory.
    let run = sandbox.run(&["pipe.yml"]);
    assert_eq!(run.code, Some(2), "{}", output(&run));
    assert!(output(&run).contains("pipe.yml"), "{}", output(&run));
    fs::remove_file(sandbox.repo().join("compose.yaml")).expect("rm");
    sandbox.fifo("repo/docker-compose.yml");
    let run = sandbox.run(&["."]);
    assert_eq!(
        run.code,
        Some(2),
        "a FIFO is not skipped silently: {}",
        output(&run)
    );
    assert!(
        output(&run).contains("docker-compose.yml"),
        "{}",
        output(&run)
    );
    assert!(output(&run).contains("FIFO"), "{}", output(&run));
    let run = sandbox.run(&["-f", "/dev/zero"]);
    assert_eq!(run.code, Some(2), "{}", output(&run));
}

#[test]
fn boundary_orion_lint_toml_is_read_only_inside_the_repository() {
    let sandbox = Sandbox::new();
    sandbox.write("repo/compose.yaml", SERVICE);
    std::os::unix::fs::symlink("/etc/passwd", sandbox.repo().join("orion-lint.toml"))
        .expect("symlink");
    let run = sandbox.run(&[]);
    let all = output(&run);
    assert_eq!(run.code, Some(2), "{all}");
    assert!(all.contains("orion-lint.toml"), "{all}");
    assert!(!all.contains(&passwd_line()), "{all}");
}

/// The `execve`, `connect` and `socket` calls of a run, as strace reports them.
fn traced_calls(strace: &Path, dir: &Path, args: &[&str]) -> Vec<String> {
    traced_syscalls(strace, dir, args, "execve,execveat,connect,socket")
}

/// The `syscalls` (strace's `trace=` list) that orion-lint makes with `args` in `dir`.
fn traced_syscalls(strace: &Path, dir: &Path, args: &[&str], syscalls: &str) -> Vec<String> {
    let log = dir.join("strace.log");
    let status = std::process::Command::new(strace)
        .args(["-f", "-qq", "-e", &format!("trace={syscalls}"), "-o"])
        .arg(&log)
        .arg(assert_cmd::cargo::cargo_bin("orion-lint"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("strace runs");
    assert_ne!(status.code(), Some(101), "{args:?} panicked");
    let calls = fs::read_to_string(&log).expect("strace log");
    fs::remove_file(&log).expect("rm log");
    calls.lines().map(str::to_string).collect()
}

#[test]
#[ignore = "needs strace"]
fn boundary_nothing_is_executed_and_no_connection_is_opened() {
    let Some(strace) = common::require(
        "strace",
        Some(PathBuf::from("/usr/bin/strace")).filter(|p| p.is_file()),
        "`apt-get install strace`",
    ) else {
        return;
    };
    let sandbox = Sandbox::new();
    sandbox.write(
        "repo/compose.yaml",
        "x-orion-lint:\n  plan: cax11\nservices:\n  redis:\n    image: redis:7-alpine\n    command: redis-server --maxmemory 300mb\n    mem_limit: 256m\n  web:\n    image: nginx:1.27\n    command: sh -c 'curl http://example.com | sh'\n    mem_limit: 1g\n",
    );
    let modes: [&[&str]; 8] = [
        &[],
        &["--format", "json"],
        &["--format", "sarif"],
        &["--format", "rdjsonl"],
        &["--diff"],
        &["--fix"],
        &["--fix", "--plan", "cax21"],
        &["budget", "--format", "json"],
    ];
    for args in modes {
        let calls = traced_calls(&strace, &sandbox.repo(), args);
        let execs: Vec<&String> = calls.iter().filter(|c| c.contains("execve")).collect();
        assert_eq!(
            execs.len(),
            1,
            "{args:?}: only orion-lint itself runs: {calls:#?}"
        );
        assert!(execs[0].contains("orion-lint"), "{args:?}: {calls:#?}");
        let network: Vec<&String> = calls
            .iter()
            .filter(|c| c.contains("connect(") || c.contains("socket("))
            .collect();
        assert!(network.is_empty(), "{args:?}: no connection: {network:#?}");
    }
}

// ---- Crashes and blow-ups: alias bombs, long chains, huge numbers, long commands ----

/// Run orion-lint with `args` on a project of `files` and check the bounds and that nothing
/// was written.
fn crashes_run(files: &[(&str, &str)], args: &[&str]) -> common::Bounded {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    let before = snapshot(dir.path());
    let run = common::run_bounded(dir.path(), args);
    run.assert_bounded();
    assert!(before == snapshot(dir.path()), "the run wrote files");
    run
}

/// A refused input: exit 2, with the file and a line:column position in the message.
fn assert_refused(watched: &common::Bounded, file: &str, message: &str) {
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
        let json = crashes_run(&files, &["budget", "--plan", "cax11", "--format", "json"]);
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
        let text = crashes_run(&files, &["budget", "--plan", "cax11"]);
        assert_eq!(text.code, Some(0), "{text:#?}");
        assert!(text.stdout.contains("OVER by"), "{}", text.stdout);
        let lint = crashes_run(&files, &["--plan", "cax11", "--format", "json"]);
        assert_eq!(lint.code, Some(1), "{lint:#?}");
        assert!(lint.stdout.contains("plan-ram-exceeded"), "{}", lint.stdout);
    }
    // Beyond 16 EiB the total cannot be counted: both formats say so.
    let compose = "services:\n  a:\n    image: x\n    mem_limit: 1g\n    deploy:\n      replicas: 9223372036854775807\n";
    let files = [("compose.yaml", compose)];
    let json = crashes_run(&files, &["budget", "--plan", "cax11", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["projects"][0]["total_out_of_range"], true, "{value}");
    let text = crashes_run(&files, &["budget", "--plan", "cax11"]);
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
    let watched = crashes_run(&[("compose.yaml", &compose)], &[]);
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
    let watched = crashes_run(&[("compose.yaml", &compose)], &[]);
    assert_refused(&watched, "compose.yaml", "aliases expand");
}

#[test]
fn crashes_alias_chain_is_refused_early() {
    let mut compose = String::from("a0: &a0 [x]\n");
    for i in 1..3000 {
        writeln!(compose, "a{i}: &a{i} [*a{}]", i - 1).unwrap();
    }
    compose.push_str("services: {a: {image: x}}\n");
    let watched = crashes_run(&[("compose.yaml", &compose)], &[]);
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
        let watched = crashes_run(&[("compose.yaml", &extends_chain(n))], &["budget"]);
        assert_eq!(watched.code, Some(0), "{n}: {watched:#?}");
        assert!(watched.stdout.contains(&format!("s{}", n - 1)), "{n}");
    }
    // A cycle at the end of a long chain is still named.
    let cyclic =
        extends_chain(3000).replace("s2999: {image: x, mem_limit: 64m}", "s2999: {extends: s0}");
    let watched = crashes_run(&[("compose.yaml", &cyclic)], &[]);
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
    let watched = crashes_run(&files, &["budget"]);
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
        let watched = crashes_run(&files, &["--format", "json"]);
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
#[ignore = "needs compose"]
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
            let lint = crashes_run(&files, &["--format", "json"]);
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
            let budget = crashes_run(&files, &["budget", "--format", "json"]);
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

// ---- Secrets, broadly: every variable of every fixture and docs example set to a secret ----

/// The names of the variables a text interpolates: `${NAME...}` and `$NAME` (not `$$`).
fn interpolated_variables(text: &str, out: &mut Vec<String>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        if bytes.get(i + 1) == Some(&b'$') {
            i += 2;
            continue;
        }
        let start = i + 1 + usize::from(bytes.get(i + 1) == Some(&b'{'));
        let end = (start..bytes.len())
            .find(|&j| !(bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_'))
            .unwrap_or(bytes.len());
        if end > start && !bytes[start].is_ascii_digit() {
            let name = &text[start..end];
            if !out.iter().any(|n| n == name) {
                out.push(name.to_string());
            }
        }
        i = end.max(i + 1);
    }
}

/// A value no field accepts, that names its variable so that a leak says where it came from.
fn secret_for(name: &str) -> String {
    format!("s3cr3t-{name}-x9")
}

/// The text of an env file that sets every variable to its secret.
fn secret_env_file(variables: &[String]) -> String {
    variables
        .iter()
        .map(|v| format!("{v}={}\n", secret_for(v)))
        .collect()
}

/// A docs example with every value that holds a number (`512m`, `-Xmx1g`'s `1g`, `-w 9`'s `9`)
/// and every plan read from a variable instead, so that each field is also tried interpolated.
fn parameterised(yaml: &str, prefix: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    for line in yaml.lines() {
        let (code, comment) = match line.find(" #") {
            Some(at) => line.split_at(at),
            None => (line, ""),
        };
        let value_at = code.find(": ").map_or(0, |at| at + 2);
        let (key, value) = code.split_at(value_at);
        out.push_str(key);
        let mut previous = ' ';
        let mut chars = value.chars().peekable();
        while let Some(c) = chars.next() {
            let starts_number = c.is_ascii_digit() && !previous.is_ascii_alphanumeric();
            let is_plan = key.trim_start().starts_with("plan:") && previous == ' ' && c != '$';
            if starts_number || is_plan {
                while chars
                    .peek()
                    .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '.' || *n == '%')
                {
                    chars.next();
                }
                count += 1;
                write!(out, "${{{prefix}{count}}}").expect("write to a string");
                previous = '}';
            } else {
                out.push(c);
                previous = c;
            }
        }
        out.push_str(comment);
        out.push('\n');
    }
    out
}

/// Copy a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create a directory");
    for entry in fs::read_dir(from).expect("read a fixture directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy a fixture");
        }
    }
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("read a directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Whether a file holds variables for interpolation (`.env`, `limits.env`).
fn is_env_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == ".env" || n.ends_with(".env"))
}

/// Run every format of `check`, and `budget` in text and json, in `dir`; no output may contain
/// a secret.
fn assert_no_secret_printed(dir: &Path, extra: &[&str], env: &[(String, String)], case: &str) {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut runs: Vec<Vec<&str>> = FORMATS.iter().map(|f| vec!["--format", f]).collect();
    runs.push(vec!["budget"]);
    runs.push(vec!["budget", "--format", "json"]);
    runs.push(vec!["budget", "--plan", "cax41"]);
    for args in runs {
        let args: Vec<&str> = args.into_iter().chain(extra.iter().copied()).collect();
        let run = secrets_run(dir, &args, &env);
        assert_ne!(run.code, Some(101), "{case} {args:?}: {}", run.stderr);
        for text in [&run.stdout, &run.stderr] {
            assert!(
                !text.contains("s3cr3t") && !text.contains("-x9"),
                "{case} {args:?} leaks a secret:\n{text}"
            );
        }
    }
}

/// Lint a project copied to `dir` three ways: each of its variables set to a secret in the
/// environment, then through `--env-file`, then with every line of its env files set to one.
fn assert_project_keeps_secrets(dir: &Path, case: &str) {
    let files = files_under(dir);
    let mut variables = vec!["COMPOSE_PROFILES".to_string()];
    for file in &files {
        if let Ok(text) = fs::read_to_string(file) {
            interpolated_variables(&text, &mut variables);
        }
    }
    let env: Vec<(String, String)> = variables
        .iter()
        .map(|v| (v.clone(), secret_for(v)))
        .collect();
    assert_no_secret_printed(dir, &[], &env, &format!("{case} (environment)"));

    let env_file = dir.join("secrets.env");
    fs::write(&env_file, secret_env_file(&variables)).expect("write an env file");
    let env_file = env_file.to_str().expect("a UTF-8 path");
    assert_no_secret_printed(
        dir,
        &["--env-file", env_file],
        &[],
        &format!("{case} (--env-file)"),
    );
    fs::remove_file(env_file).expect("remove the env file");

    for file in files.iter().filter(|f| is_env_file(f)) {
        let text = fs::read_to_string(file).expect("an env file is text");
        let rewritten: String = text
            .lines()
            .map(|line| {
                let assignment = line.trim_start().trim_start_matches("export ");
                match assignment.split_once('=') {
                    Some((name, _)) if !line.trim_start().starts_with('#') => {
                        format!("{name}={}\n", secret_for(name.trim()))
                    }
                    _ => format!("{line}\n"),
                }
            })
            .collect();
        fs::write(file, rewritten).expect("rewrite an env file");
    }
    assert_no_secret_printed(dir, &[], &[], &format!("{case} (.env)"));
}

/// Every field that can be interpolated, in one project each for the settings (a bad setting
/// stops the run) and for the services.
const EVERY_FIELD: [(&str, &str); 3] = [
    (
        "x-orion-lint: {plan: \"${PLAN}\", os-reserve: \"${RESERVE}\", redis-headroom: \"${HEADROOM}\", profiles: [\"${PROFILE}\"]}\nservices: {a: {image: x, mem_limit: 1g}, b: {image: x, mem_limit: 1g, profiles: [\"${PROFILE}\"]}}\n",
        "PLAN=cax11\n",
    ),
    (
        "x-orion-lint:\n  plan: cax11\n  os-reserve: ${RESERVE}\n  services: {a: {cap: \"${CAP}\", weight: \"${WEIGHT}\"}}\nservices: {a: {image: x, mem_limit: 1g}}\n",
        "",
    ),
    (
        r#"x-orion-lint: {plan: cax11}
services:
  web:
    image: x
    command: gunicorn app:app -w ${WORKERS} --threads ${THREADS}
    cpus: ${CPUS}
    mem_limit: ${WEB_MEM}
    deploy: {replicas: "${REPLICAS}"}
  uv:
    image: x
    command: ["uvicorn", "m:app", "--workers=${UV_WORKERS}"]
    environment: {WEB_CONCURRENCY: "${CONCURRENCY}"}
    mem_limit: 512m
  celery:
    image: x
    command: celery -A app worker --concurrency=${CELERY_N} --max-memory-per-child=${CHILD_KB}
    mem_limit: 512m
  db:
    image: postgres:16
    command: postgres -c shared_buffers=${PG_SB} -c max_connections=${PG_CONN} -c work_mem=${PG_WM} -c ${PG_NAME}=1
    mem_limit: 1g
  java:
    image: elasticsearch:8
    environment: {ES_JAVA_OPTS: "-Xms${XMS} -Xmx${XMX}", JAVA_TOOL_OPTIONS: "${JAVA_OPTS}"}
    mem_limit: 1g
  node:
    image: node:20
    command: node --max-old-space-size=${NODE_HEAP} server.js
    environment: {NODE_OPTIONS: "${NODE_OPTS}"}
    mem_limit: 1g
  redis:
    image: redis
    command: redis-server --maxmemory ${RMAX} --maxmemory-policy ${POLICY} --${RNAME} 1
    mem_limit: 256m
"#,
        "RMAX=1k\nPG_SB=64kB\nXMX=2g\nNODE_HEAP=4096\nCELERY_N=64\n",
    ),
];

#[test]
fn secrets_no_variable_of_any_fixture_is_printed() {
    let mut projects: Vec<PathBuf> = Vec::new();
    let mut pending = vec![PathBuf::from("testdata")];
    while let Some(dir) = pending.pop() {
        let mut subdirs = Vec::new();
        let mut has_yaml = false;
        for entry in fs::read_dir(&dir).expect("read testdata") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                subdirs.push(path);
            } else {
                has_yaml |= path.extension().is_some_and(|e| e == "yml" || e == "yaml");
            }
        }
        if has_yaml {
            projects.push(dir);
        } else {
            pending.extend(subdirs);
        }
    }
    assert!(projects.len() >= 15, "testdata has moved: {projects:?}");
    for fixture in projects {
        let temp = tempfile::tempdir().expect("temporary directory");
        copy_tree(&fixture, temp.path());
        assert_project_keeps_secrets(temp.path(), &fixture.display().to_string());
    }
}

#[test]
fn secrets_no_variable_of_any_field_is_printed() {
    for (i, (compose, dotenv)) in EVERY_FIELD.iter().enumerate() {
        let dir = project(&[("compose.yaml", compose), (".env", dotenv)]);
        assert_project_keeps_secrets(dir.path(), &format!("every field {i}"));
    }
}

#[test]
fn secrets_no_interpolated_value_of_a_docs_example_is_printed() {
    let mut examples = 0;
    for entry in fs::read_dir("lints").expect("lints/ exists") {
        let doc = fs::read_to_string(entry.expect("a directory entry").path()).expect("a doc");
        for block in doc.split("```yaml").skip(1) {
            let yaml = block.split_once('\n').map_or("", |(_, rest)| rest);
            let yaml = yaml.split("```").next().unwrap_or_default();
            let dir = project(&[("compose.yaml", &parameterised(yaml, "DOC_V"))]);
            assert_project_keeps_secrets(dir.path(), &format!("docs example:\n{yaml}"));
            examples += 1;
        }
    }
    assert!(examples > 40, "only {examples} docs examples");
}

#[test]
fn secrets_x_orion_lint_values_from_variables_are_shown_as_written() {
    let cases = [
        (
            "x-orion-lint: {plan: \"${PLAN}\"}\n",
            "compose.yaml:1:22: unknown plan `${PLAN}` (the value of `PLAN` (18 characters, from the process environment)): run `orion-lint plans`",
        ),
        (
            "x-orion-lint:\n  os-reserve: ${RESERVE}\n",
            "compose.yaml:2:15: invalid OS reserve: `${RESERVE}` (the value of `RESERVE` (18 characters, set in .env line 1)) is not a size; write a size",
        ),
        (
            "x-orion-lint:\n  redis-headroom: ${HEADROOM}\n",
            "compose.yaml:2:19: invalid Redis headroom `${HEADROOM}` (the value of `HEADROOM` (18 characters, from the process environment)): write the share",
        ),
    ];
    for (settings, expected) in cases {
        let compose = format!("{settings}services: {{a: {{image: x, mem_limit: 1g}}}}\n");
        let dotenv = format!("RESERVE={SECRET}\n");
        let dir = project(&[("compose.yaml", &compose), (".env", &dotenv)]);
        let env = [("PLAN", SECRET), ("HEADROOM", SECRET)];
        for format in FORMATS {
            let run = secrets_run(dir.path(), &["--format", format], &env);
            assert_eq!(run.code, Some(2), "{format}: {}", run.stderr);
            for text in [&run.stdout, &run.stderr] {
                assert!(!text.contains(SECRET), "{format} leaks the secret:\n{text}");
            }
        }
        let run = secrets_run(dir.path(), &["--format", "concise"], &env);
        let unwrapped = run.stderr.replace("\n  │ ", " ");
        assert!(unwrapped.contains(expected), "{}", run.stderr);
    }
}

#[test]
fn secrets_profiles_from_the_environment_are_shown_only_when_a_service_declares_them() {
    let compose = "services:\n  a: {image: x, mem_limit: 1g}\n  b: {image: x, mem_limit: 1g, profiles: [full]}\n  c: {image: x, mem_limit: 1g, profiles: [\"${EXTRA}\"]}\n";
    let dir = project(&[("compose.yaml", compose)]);
    let profiles = format!("full,{SECRET}");
    let env = [("COMPOSE_PROFILES", profiles.as_str()), ("EXTRA", SECRET)];
    let text = secrets_run(dir.path(), &["budget"], &env);
    let json = secrets_run(dir.path(), &["budget", "--format", "json"], &env);
    for run in [&text, &json] {
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(!run.stdout.contains(SECRET), "{}", run.stdout);
    }
    assert!(text.stdout.contains("profiles: full\n"), "{}", text.stdout);
    assert!(
        text.stdout.contains("(not started: profiles ${EXTRA})"),
        "{}",
        text.stdout
    );
    let env = [("COMPOSE_PROFILES", SECRET)];
    let run = secrets_run(dir.path(), &["budget"], &env);
    assert!(run.stdout.contains("no profiles\n"), "{}", run.stdout);
}

#[test]
fn secrets_a_hidden_redis_or_postgres_word_is_reported_at_its_variable() {
    let compose = "services:\n  redis:\n    image: redis\n    command: redis-server --maxmemory ${RMAX} --maxmemory-policy ${POL}\n    mem_limit: 256m\n  db:\n    image: postgres\n    command: postgres -c shared_buffers=${PGSB}\n    mem_limit: 1g\n";
    let dotenv = format!("RMAX={SECRET}\nPOL={SECRET}\nPGSB={SECRET}\n");
    let dir = project(&[("compose.yaml", compose), (".env", &dotenv)]);
    for format in FORMATS {
        let run = secrets_run(dir.path(), &["--format", format], &[]);
        assert_eq!(run.code, Some(1), "{format}: {}", run.stderr);
        for text in [&run.stdout, &run.stderr] {
            assert!(!text.contains(SECRET), "{format} leaks the secret:\n{text}");
        }
    }
    let run = secrets_run(dir.path(), &["--format", "concise"], &[]);
    let places: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.split(": ").next())
        .collect();
    assert_eq!(
        places,
        [
            "compose.yaml:4:14",
            "compose.yaml:4:14",
            "compose.yaml:8:14"
        ],
        "{}",
        run.stdout
    );
    // A suppression on the `.env` line still covers each finding.
    let suppressed = format!(
        "RMAX={SECRET}  # orion-lint ignore=redis-config-invalid\nPOL={SECRET}  # orion-lint ignore=redis-config-invalid\nPGSB={SECRET}  # orion-lint ignore=postgres-setting-invalid\n"
    );
    fs::write(dir.path().join(".env"), suppressed).expect("rewrite .env");
    let run = secrets_run(dir.path(), &["--format", "concise"], &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "", "{}", run.stderr);
}

#[test]
fn secrets_paths_from_variables_that_are_not_read_are_shown_as_written() {
    let sandbox = Sandbox::new();
    let outside = sandbox.write("outside/s3cr3t-file-x9", "services: {}\nmaxmemory 1mb\n");
    let outside = outside.to_str().expect("a UTF-8 path");
    let outside_dir = sandbox.outside().display().to_string();
    let missing = "s3cr3t-missing-x9";
    let cases = [
        (
            "include: [\"${P}\"]\nservices: {a: {image: x, mem_limit: 1g}}\n",
            1,
        ),
        (
            "include: [{path: \"${P}\"}]\nservices: {a: {image: x, mem_limit: 1g}}\n",
            1,
        ),
        (
            "services: {a: {image: x, mem_limit: 1g, extends: {file: \"${P}\", service: b}}}\n",
            1,
        ),
        (
            "services: {r: {image: redis, mem_limit: 1g, command: redis-server /etc/r.conf, volumes: [\"${P}:/etc/r.conf\"]}}\n",
            1,
        ),
        (
            "include: [{path: sub/compose.yaml, env_file: \"${P}\"}]\nservices: {a: {image: x, mem_limit: 1g}}\n",
            1,
        ),
    ];
    sandbox.write(
        "repo/sub/compose.yaml",
        "services: {b: {image: x, mem_limit: 1g}}\n",
    );
    for (compose, line) in cases {
        sandbox.write("repo/compose.yaml", compose);
        for value in [outside, missing] {
            for format in FORMATS {
                let run = sandbox.run_with(&["--format", format], &[("P", value)]);
                assert_ne!(run.code, Some(101), "{compose}: {}", run.stderr);
                for text in [&run.stdout, &run.stderr] {
                    assert!(
                        !text.contains("s3cr3t") && !text.contains(outside_dir.as_str()),
                        "{format} of {compose} with {value} leaks the path:\n{text}"
                    );
                }
            }
            // A missing mounted config is not reported at all.
            if value == missing && compose.contains("volumes") {
                continue;
            }
            let run = sandbox.run_with(&["--format", "concise"], &[("P", value)]);
            let text = format!("{}{}", run.stdout, run.stderr).replace("\n  │ ", " ");
            assert!(
                text.contains(&format!("compose.yaml:{line}:"))
                    && text.contains("${P}")
                    && text.contains(" (the value of `P` ("),
                "{compose} with {value}: {text}"
            );
        }
    }
}

// ---- Reports (`--output-file`, `--report`): never written through a planted link ----

/// A repository whose compose file has a finding, with `victim` outside it.
fn integrations_repository() -> (tempfile::TempDir, tempfile::TempDir) {
    let repo = project(&[("compose.yml", "services:\n  api:\n    image: x\n")]);
    fs::create_dir(repo.path().join(".git")).expect("a repository");
    let outside = tempfile::tempdir().expect("temporary directory");
    fs::write(outside.path().join("victim"), "precious\n").expect("victim");
    (repo, outside)
}

#[test]
fn integrations_a_report_through_a_planted_link_is_refused() {
    let (repo, outside) = integrations_repository();
    let victim = outside.path().join("victim");
    std::os::unix::fs::symlink(&victim, repo.path().join("orion.sarif")).expect("link");
    std::os::unix::fs::symlink(outside.path(), repo.path().join("reports")).expect("link");
    for (args, link) in [
        (["--report", "sarif=orion.sarif"], "orion.sarif"),
        (["-o", "orion.sarif"], "orion.sarif"),
        (["--report", "json=reports/victim"], "reports"),
        (["--report", "json=reports/new.json"], "reports"),
        (["--report", "json=reports/../escaped.json"], "reports"),
    ] {
        let before = snapshot(repo.path());
        let run = common::run_bounded(repo.path(), &args);
        run.assert_bounded();
        assert_eq!(run.code, Some(2), "{args:?}: {run:#?}");
        let stderr = common::one_line(&run.stderr);
        assert!(
            stderr.contains(&format!(
                "cannot write the report: `{link}` is a symbolic link, which orion-lint does not write through"
            )),
            "{args:?}: {stderr}"
        );
        assert_eq!(fs::read_to_string(&victim).expect("victim"), "precious\n");
        assert_eq!(common::file_names(outside.path()), ["victim"], "{args:?}");
        assert_eq!(snapshot(repo.path()), before, "{args:?}: nothing written");
    }
}

#[test]
fn integrations_an_unwritable_report_fails_the_run_and_leaves_no_temporary() {
    let (repo, _outside) = integrations_repository();
    fs::create_dir(repo.path().join("out")).expect("mkdir");
    for args in [
        ["--report", "json=out"],
        ["--report", "json=missing/dir.json"],
    ] {
        let before = snapshot(repo.path());
        let run = common::run_bounded(repo.path(), &args);
        run.assert_bounded();
        assert_eq!(run.code, Some(2), "{args:?}: {run:#?}");
        assert!(
            run.stderr.contains("cannot write the report"),
            "{}",
            run.stderr
        );
        assert_eq!(snapshot(repo.path()), before, "{args:?}: nothing written");
    }
}

// ---- stdin (`-`): capped like a file, and the boundary holds for what it names ----

#[test]
fn integrations_stdin_beyond_the_cap_or_not_utf8_is_refused_clearly() {
    let (repo, _outside) = integrations_repository();
    let huge = vec![b'#'; 10 * 1024 * 1024 + 1];
    for (input, why) in [
        (
            huge,
            "<stdin>: stdin holds more than the 10485760 bytes orion-lint reads",
        ),
        (
            b"services:\n  a\xff: {}\n".to_vec(),
            "<stdin>: stdin is not UTF-8 (invalid byte at offset 13)",
        ),
    ] {
        let before = snapshot(repo.path());
        let run = common::run_bounded_with_input(repo.path(), &["-"], &[], Some(input));
        run.assert_bounded();
        assert_eq!(run.code, Some(2), "{run:#?}");
        assert!(
            common::one_line(&run.stderr).contains(why),
            "{}",
            run.stderr
        );
        assert_eq!(snapshot(repo.path()), before, "nothing written");
        assert!(
            run.peak_rss_kb < common::MAX_RSS_KB,
            "{} kB",
            run.peak_rss_kb
        );
    }
}

#[test]
fn integrations_stdin_keeps_the_repository_boundary() {
    let (repo, outside) = integrations_repository();
    fs::write(
        outside.path().join("secret.yml"),
        format!("services:\n  x:\n    image: {SECRET}\n"),
    )
    .expect("outside");
    let text = format!(
        "include: [{}]\nservices:\n  api:\n    image: x\n    mem_limit: 1g\n",
        outside.path().join("secret.yml").display()
    );
    let run = common::run_bounded_with_input(
        repo.path(),
        &["--format", "json", "--stdin-filename", "compose.yml", "-"],
        &[],
        Some(text.into_bytes()),
    );
    run.assert_bounded();
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(
        common::json_rules(&report),
        ["file-not-read"],
        "{}",
        run.stdout
    );
    assert_eq!(report["diagnostics"][0]["path"], "compose.yml");
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
}

// ---- The model finished at load (issue 9): words and broker links of many services ----

/// Hundreds of Redis brokers each named by a client's URLs, and commands with many words or an
/// unterminated quote: the loader splits every command and links every broker once, within the
/// bounds, and the broker rule still finds each use.
#[test]
fn model_many_brokers_and_long_commands_are_read_within_bounds() {
    let mut compose = String::from("services:\n");
    let brokers = 100;
    for i in 0..brokers {
        write!(
            compose,
            "  redis-{i}:\n    image: redis:7\n    command: redis-server --maxmemory 64mb --maxmemory-policy allkeys-lru\n    mem_limit: 128m\n  worker-{i}:\n    image: python\n    command: celery -A app worker --broker=redis://redis-{i}:6379/0 -c 2\n    environment:\n      CELERY_BROKER_URL: redis://redis-{i}:6379/1\n    mem_limit: 256m\n"
        )
        .unwrap();
    }
    let words = "--port 6379 ".repeat(5_000);
    write!(
        compose,
        "  long:\n    image: redis:7\n    command: redis-server {words}--maxmemory 64mb\n    mem_limit: 128m\n  broken:\n    image: redis:7\n    command: \"redis-server 'unterminated --maxmemory 1mb\"\n    mem_limit: 128m\n"
    )
    .unwrap();
    let dir = project(&[("compose.yaml", &compose)]);
    let run = common::run_bounded(dir.path(), &["--format", "json"]);
    run.assert_bounded();
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("a JSON report");
    let evictions = common::json_rules(&report)
        .into_iter()
        .filter(|r| *r == "redis-broker-eviction")
        .count();
    assert_eq!(evictions, brokers, "{}", run.stderr);
    assert!(run.code.is_some_and(|c| c != 2), "{run:#?}");
}

// ---- Prometheus rule files (issue 11): huge, deep, not YAML, outside the repository ----

/// A repository `repo/` beside a directory `outside/` holding a secret rule file; in the
/// repository a Prometheus service loads `prometheus/rules/*.yml` and `extra` (a `rule_files:`
/// entry), the API service has a 512m limit, and `rules` is `prometheus/rules/memory.yml`.
fn alerts_project(rules: &[u8], extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    fs::create_dir_all(repo.join(".git")).unwrap();
    fs::create_dir_all(repo.join("prometheus/rules")).unwrap();
    fs::create_dir_all(dir.path().join("outside")).unwrap();
    fs::write(
        dir.path().join("outside/secret.yml"),
        "groups:\n  - name: s\n    rules:\n      - alert: TOPSECRET\n        expr: container_memory_rss{container=\"api\"} > 9e9\n",
    )
    .unwrap();
    fs::write(
        repo.join("compose.yaml"),
        "services:
  prometheus:
    image: prom/prometheus:v2.53.0
    volumes:
      - ./prometheus:/etc/prometheus:ro
    mem_limit: 256m
  api:
    image: ghcr.io/orion/api:1.4
    mem_limit: 512m
",
    )
    .unwrap();
    fs::write(
        repo.join("prometheus/prometheus.yml"),
        format!("rule_files:\n  - rules/*.yml\n{extra}"),
    )
    .unwrap();
    fs::write(repo.join("prometheus/rules/memory.yml"), rules).unwrap();
    dir
}

/// Lint the repository of [`alerts_project`] within the bounds; nothing may be written.
fn alerts_run(dir: &tempfile::TempDir, args: &[&str]) -> common::Bounded {
    let before = snapshot(dir.path());
    let run = common::run_bounded(&dir.path().join("repo"), args);
    run.assert_bounded();
    assert!(before == snapshot(dir.path()), "the run wrote files");
    assert!(!output(&run).contains("TOPSECRET"), "{run:#?}");
    run
}

fn alert_rules(count: usize, expr: &str) -> String {
    let mut text = String::from("groups:\n  - name: memory\n    rules:\n");
    for i in 0..count {
        let _ = write!(text, "      - alert: A{i}\n        expr: {expr}\n");
    }
    text
}

#[test]
fn alerts_a_huge_rule_file_is_refused_and_a_large_one_answers_in_time() {
    let expr = r#"container_memory_usage_bytes{name="repo-api-1"} > 600 * 1024 * 1024"#;
    let huge = alert_rules(60_000, expr);
    assert!(huge.len() > 4 * 1024 * 1024);
    let dir = alerts_project(huge.as_bytes(), "");
    let run = alerts_run(&dir, &["."]);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(run.stderr.contains("memory.yml"), "{}", run.stderr);
    assert!(run.stderr.contains("larger than"), "{}", run.stderr);

    let large = alert_rules(300, expr);
    let dir = alerts_project(large.as_bytes(), "");
    let run = alerts_run(&dir, &["--format", "json", "."]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    let found = run.stdout.matches("alert-threshold-unreachable").count();
    assert_eq!(found, 300, "{}", &run.stdout[..run.stdout.len().min(2000)]);
}

#[test]
fn alerts_deep_yaml_and_deep_promql_neither_crash_nor_hang() {
    let deep_yaml = format!("groups: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let dir = alerts_project(deep_yaml.as_bytes(), "");
    assert_refused(&alerts_run(&dir, &["."]), "memory.yml", "fix its YAML");

    let deep_expr = format!(
        "{}container_memory_rss{{container=\"api\"}}{} > 9e9",
        "(".repeat(50_000),
        ")".repeat(50_000)
    );
    let dir = alerts_project(alert_rules(1, &format!("'{deep_expr}'")).as_bytes(), "");
    let run = alerts_run(&dir, &["."]);
    assert_eq!(run.code, Some(0), "{run:#?}");
}

#[test]
fn alerts_rule_files_that_are_not_yaml_are_refused_with_their_position() {
    let dir = alerts_project(b"groups:\n  - name: x\n    rules: [unclosed\n", "");
    assert_refused(&alerts_run(&dir, &["."]), "memory.yml", "fix its YAML");
    let dir = alerts_project(b"\xff\xfe\x00binary", "");
    let run = alerts_run(&dir, &["."]);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(run.stderr.contains("memory.yml") && run.stderr.contains("not UTF-8"));
    let dir = alerts_project(b"- just\n- a list\n", "");
    assert_refused(&alerts_run(&dir, &["."]), "memory.yml", "groups:");
}

#[test]
fn alerts_rule_files_outside_the_repository_are_not_read() {
    // Through `../` in `rule_files:` (a container path outside every mount), through a link,
    // and through `alert-rules`.
    let dir = alerts_project(b"groups: []\n", "  - ../../outside/secret.yml\n");
    let run = alerts_run(&dir, &["--format", "json", "."]);
    assert!(
        !run.stdout.contains("alert-threshold-unreachable"),
        "{run:#?}"
    );
    assert_eq!(run.code, Some(0), "{run:#?}");

    let dir = alerts_project(b"groups: []\n", "");
    let link = dir.path().join("repo/prometheus/rules/linked.yml");
    std::os::unix::fs::symlink(dir.path().join("outside/secret.yml"), &link).unwrap();
    let run = alerts_run(&dir, &["."]);
    assert!(run.stdout.contains("file-not-read"), "{run:#?}");
    assert!(run.stdout.contains("linked.yml"), "{run:#?}");

    let dir = alerts_project(b"groups: []\n", "");
    fs::write(
        dir.path().join("repo/orion-lint.toml"),
        "alert-rules = [\"../outside/*.yml\"]\n",
    )
    .unwrap();
    let run = alerts_run(&dir, &["."]);
    assert!(run.stdout.contains("file-not-read"), "{run:#?}");
    assert!(
        !run.stdout.contains("alert-threshold-unreachable"),
        "{run:#?}"
    );
}

/// A repository of `count` projects, `p00` to `p..`, each including `common.yaml` beside them:
/// `common` is its text.
fn projects_including(count: usize, common: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    fs::create_dir(dir.path().join(".git")).expect("create .git");
    fs::write(dir.path().join("common.yaml"), common).expect("write common.yaml");
    for i in 0..count {
        let project = dir.path().join(format!("p{i:02}"));
        fs::create_dir(&project).expect("create a project");
        fs::write(
            project.join("compose.yaml"),
            format!("x-orion-lint:\n  plan: cax11\ninclude:\n  - ../common.yaml\nservices:\n  own{i}:\n    image: redis:7\n    mem_limit: 64m\n"),
        )
        .expect("write a project");
    }
    dir
}

/// A large file: about 50 kB of comments before one service.
fn large_common_file() -> String {
    let mut text = "# padding line of a large shared compose file\n".repeat(1_000);
    text.push_str("services:\n  shared:\n    image: postgres:16\n    mem_limit: 256m\n");
    text
}

#[test]
fn engine_many_projects_fixing_with_one_shared_large_file_stay_bounded() {
    let dir = projects_including(6, &large_common_file());
    let run = common::run_bounded(dir.path(), &["--fix", "--format", "concise", "."]);
    run.assert_bounded();
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stdout.contains("common.yaml:1004:"),
        "the shared file is linted: {run:#?}"
    );
}

#[test]
fn engine_many_projects_including_one_broken_file_name_it_and_write_nothing() {
    let mut broken = large_common_file();
    broken.push_str("  bad: [\n");
    let dir = projects_including(6, &broken);
    let before = snapshot(dir.path());
    let run = common::run_bounded(dir.path(), &["--fix", "--format", "concise", "."]);
    run.assert_bounded();
    assert_eq!(run.code, Some(2), "{run:#?}");
    let message = common::one_line(&run.stderr);
    assert!(
        message.contains("common.yaml:1006:"),
        "the file and line of the error: {message}"
    );
    assert_eq!(snapshot(dir.path()), before, "nothing written");
}

// ---- Size (issue 9): many services, many projects; linear work within the same bounds ----

/// A compose file of `n` services: every other one a Celery worker without a memory limit that
/// names the one Redis at the top as its broker, so that findings and their labels lie all over
/// the file.
fn perf_services(n: usize) -> String {
    let mut text = String::from(
        "services:\n  redis:\n    image: redis:7\n    command: redis-server --maxmemory 100mb --maxmemory-policy allkeys-lru\n    mem_limit: 256m\n",
    );
    for i in 0..n {
        if i % 2 == 0 {
            let _ = write!(
                text,
                "  worker{i}:\n    image: app\n    command: celery -A app worker\n    environment:\n      CELERY_BROKER_URL: redis://redis:6379/0\n"
            );
        } else {
            let _ = write!(text, "  web{i}:\n    image: nginx\n    mem_limit: 64m\n");
        }
    }
    text
}

#[test]
fn perf_a_file_of_many_services_answers_within_bounds() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("compose.yaml"), perf_services(200)).expect("compose file");
    let run = common::run_bounded(dir.path(), &["--color", "never"]);
    run.assert_bounded();
    assert_eq!(run.code, Some(0), "warnings only: {}", run.stderr);
    assert_eq!(
        run.stdout.matches("mem-limit-missing").count(),
        100,
        "one finding per worker"
    );
    let broker = run
        .stdout
        .split("redis-broker-eviction")
        .nth(1)
        .expect("the broker finding");
    assert_eq!(broker.matches("uses it as a broker").count(), 100);
    // Snippets name lines of the file, however far apart their labels are.
    let last = perf_services(200)
        .lines()
        .position(|l| l == "  worker198:")
        .expect("last worker")
        + 5;
    assert!(
        run.stdout
            .contains(&format!("{last} │       CELERY_BROKER_URL")),
        "{}",
        &run.stdout[..2000.min(run.stdout.len())]
    );
}

#[test]
fn perf_a_tree_of_many_projects_answers_within_bounds() {
    let dir = tempfile::tempdir().expect("temp dir");
    for p in 0..60 {
        let project = dir.path().join(format!("p{p:03}"));
        fs::create_dir(&project).expect("project dir");
        fs::write(project.join("compose.yaml"), perf_services(4)).expect("compose file");
        fs::write(project.join(".env"), "A=1\n").expect(".env");
    }
    let run = common::run_bounded(dir.path(), &["--format", "concise"]);
    run.assert_bounded();
    assert_eq!(run.code, Some(0), "warnings only: {}", run.stderr);
    assert_eq!(run.stdout.matches("mem-limit-missing").count(), 120);
    assert!(run.stdout.contains("p059/compose.yaml"), "{}", run.stdout);
}

// ---- Rescaling (`--fix --plan`): hostile sizes, counts and policies ----

/// `--fix --plan PLAN` in a project of one `compose.yaml`: bounded, no panic; returns the run and
/// whether the file changed.
fn rescale_run(compose: &str, plan: &str) -> (common::Bounded, bool) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    let before = snapshot(dir.path());
    let run = common::run_bounded(dir.path(), &["--fix", "--plan", plan, "--color", "never"]);
    run.assert_bounded();
    let changed = snapshot(dir.path()) != before;
    (run, changed)
}

#[test]
fn rescale_limits_and_replicas_beyond_any_plan_are_refused_cleanly() {
    let (run, changed) = rescale_run(
        "services:\n  api:\n    image: acme/api:1\n    mem_limit: 8000000000g\n    scale: 1000000\n  db:\n    image: postgres:16\n    mem_limit: 16e\n",
        "cax21",
    );
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(!changed, "nothing written: {run:?}");
    let message = common::one_line(&run.stderr);
    assert!(
        message.contains("compose.yaml") && message.contains("falls short by"),
        "{message}"
    );
}

#[test]
fn rescale_bad_policies_name_file_and_line() {
    for (policy, why) in [
        ("grow: everything", "`grow` in `x-orion-lint` must be"),
        (
            "services: {api: {role: boss}}",
            "`role` of service `api` must be one of",
        ),
        (
            "services: {api: {weight: -1}}",
            "`weight` of service `api` must be",
        ),
        (
            "services: {api: {cap: lots}}",
            "`cap` of service `api` must be",
        ),
    ] {
        let (run, changed) = rescale_run(
            &format!(
                "x-orion-lint:\n  plan: cax11\n  {policy}\nservices:\n  api:\n    image: acme/api:1\n    mem_limit: 512m\n"
            ),
            "cax21",
        );
        assert_eq!(run.code, Some(2), "{policy}: {run:?}");
        assert!(!changed, "{policy}: nothing written");
        let message = common::one_line(&run.stderr);
        assert!(
            message.contains("compose.yaml") && message.contains(why),
            "{policy}: {message}"
        );
    }
}

#[test]
fn rescale_hundreds_of_services_sharing_one_anchor() {
    let mut compose = String::from(
        "x-orion-lint:\n  plan: cax11\nx-app: &app\n  image: acme/app:1\n  mem_limit: 8m\nservices:\n",
    );
    for i in 0..500 {
        let _ = writeln!(compose, "  s{i}: *app");
    }
    let (run, changed) = rescale_run(&compose, "cax41");
    assert_ne!(run.code, Some(2), "{run:?}");
    assert!(changed, "{run:?}");
}

// ---- Deployment docs (issue 11): hostile Markdown ----

/// A project with a compose file and `docs/guide.md` holding `doc`.
fn docs_project(doc: &[u8]) -> tempfile::TempDir {
    let dir = project(&[(
        "compose.yaml",
        "name: orion\nservices:\n  api:\n    image: x\n    command: uvicorn main:app --workers 2\n    mem_limit: 512m\n  redis:\n    image: redis\n    command: redis-server --maxmemory 96mb\n    mem_limit: 128m\n",
    )]);
    fs::create_dir(dir.path().join(".git")).expect(".git");
    fs::create_dir(dir.path().join("docs")).expect("docs");
    fs::write(dir.path().join("docs/guide.md"), doc).expect("doc");
    dir
}

#[test]
fn docs_hostile_markdown_is_answered_within_bounds() {
    let mut huge_table = String::from("| Container | Limit |\n|---|---|\n");
    for i in 0..5_000 {
        let _ = writeln!(huge_table, "| host part {i} | 1 MB |");
    }
    let mut unknown_rows = String::from("| Container | Limit |\n|---|---|\n| api | 1 GB |\n");
    for i in 0..2_000 {
        let _ = writeln!(unknown_rows, "| gone-{i} | 1 MB |");
    }
    let wide = format!(
        "| Service | Limit |{}\n|---|---|{}\n| api | 512 MB |{}\n",
        " x |".repeat(20_000),
        "---|".repeat(20_000),
        " y |".repeat(20_000)
    );
    let docs: Vec<(&str, String)> = vec![
        ("a table of 5,000 rows", huge_table),
        ("2,000 rows of unknown services", unknown_rows),
        ("a table 20,000 columns wide", wide),
        (
            "100,000 nested quotes",
            format!(
                "{}| Service | Limit |\n|---|---|\n| api | 1 MB |\n",
                ">".repeat(100_000)
            ),
        ),
        ("30,000 nested lists", "- ".repeat(30_000) + "x\n"),
        (
            "a paragraph of 12,000 facts",
            "api --workers 9 redis maxmemory 1mb each replica adds ~1 MB ".repeat(4_000),
        ),
        (
            "an unclosed fence",
            format!(
                "```\n{}",
                "| Service | Limit |\n|---|---|\n| api | 1 MB |\n".repeat(10_000)
            ),
        ),
        ("a 1 MB line of pipes", "|".repeat(1_000_000)),
    ];
    for (what, doc) in docs {
        let dir = docs_project(doc.as_bytes());
        // Concise: the human renderer's cost per finding is not what is measured here.
        for args in [
            &["--format", "concise", "docs/guide.md"][..],
            &["--format", "concise", "--fix", "docs/guide.md"][..],
        ] {
            let run = common::run_bounded(dir.path(), args);
            run.assert_bounded();
            assert!(
                run.code.is_some_and(|c| c < 2),
                "{what} {args:?}: {}{}",
                run.stdout,
                run.stderr
            );
            eprintln!(
                "{what} {args:?}: {:?}, {} KiB peak",
                run.wall, run.peak_rss_kb
            );
        }
    }
}

#[test]
fn docs_unreadable_docs_are_a_clear_error_and_nothing_is_written() {
    let dir = docs_project(b"| Service | Limit |\n|---|---|\n| api | 1 GB |\n\xff\xfe\n");
    let compose = fs::read(dir.path().join("compose.yaml")).unwrap();
    let run = common::run_bounded(dir.path(), &["--fix", "docs/guide.md"]);
    run.assert_bounded();
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(
        run.stderr.contains("docs/guide.md") && run.stderr.contains("not UTF-8"),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read(dir.path().join("compose.yaml")).unwrap(), compose);
    assert_eq!(common::file_names(&dir.path().join("docs")), ["guide.md"]);
    // A FIFO named as a doc does not block the run.
    let fifo = dir.path().join("docs/fifo.md");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let run = common::run_bounded(dir.path(), &["docs/fifo.md"]);
    run.assert_bounded();
    assert!(run.stdout.contains("file-not-read"), "{run:#?}");
}

#[test]
fn docs_secrets_beside_a_stale_cell_are_masked() {
    let dir = docs_project(
        b"| Container | Limit | Notes |\n|---|---|---|\n| api | 1 GB | DATABASE_URL=postgresql://orion:pgpass99@db/x |\n| redis | 128 MB | password: hunter2hunter2 |\n",
    );
    for format in FORMATS {
        let run = secrets_run(dir.path(), &["--format", format, "docs/guide.md"], &[]);
        assert!(
            run.stdout.contains("docs-limit-mismatch"),
            "{format}: {}",
            run.stdout
        );
        for secret in ["pgpass99", "hunter2hunter2"] {
            assert!(
                !run.stdout.contains(secret),
                "{format} shows {secret}:\n{}",
                run.stdout
            );
        }
    }
}

#[test]
fn docs_a_value_from_a_variable_is_neither_printed_nor_written_into_a_doc() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  redis:\n    image: redis\n    command: redis-server --maxmemory 96mb --maxmemory-policy ${POL}\n    mem_limit: 128m\n",
        ),
        (".env", "POL=s3cretpolicy\n"),
    ]);
    fs::create_dir(dir.path().join(".git")).expect(".git");
    let doc = "## redis\n\nIt runs with `maxmemory-policy allkeys-lru`.\n";
    fs::write(dir.path().join("guide.md"), doc).expect("doc");
    for format in FORMATS {
        let run = secrets_run(dir.path(), &["--format", format, "guide.md"], &[]);
        assert!(
            run.stdout.contains("docs-value-mismatch"),
            "{format}: {}",
            run.stdout
        );
        assert!(
            !run.stdout.contains("s3cretpolicy"),
            "{format}: {}",
            run.stdout
        );
    }
    secrets_run(dir.path(), &["--fix", "--unsafe-fixes", "guide.md"], &[]);
    assert_eq!(
        fs::read_to_string(dir.path().join("guide.md")).unwrap(),
        doc
    );
}

// ---- Rescaling projects that share a file (issue 10) ----

/// A repository of `count` projects `p0`, `p1`, ..., each extending the database of one shared
/// `common.yaml` and adding a `web` service, sized for CAX11; `p0`'s `web` has `first_web`.
fn projects_extending_one_file(count: usize, first_web: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    fs::create_dir(dir.path().join(".git")).expect(".git");
    fs::write(
        dir.path().join("common.yaml"),
        "services:\n  db:\n    image: postgres:16\n    mem_limit: 1g\n",
    )
    .expect("common.yaml");
    for i in 0..count {
        let web = if i == 0 { first_web } else { "512m" };
        let project = dir.path().join(format!("p{i}"));
        fs::create_dir(&project).expect("project directory");
        fs::write(
            project.join("compose.yaml"),
            format!("x-orion-lint:\n  plan: cax11\nservices:\n  db:\n    extends:\n      file: ../common.yaml\n      service: db\n  web:\n    image: registry.example.com/web:1\n    mem_limit: {web}\n"),
        )
        .expect("compose.yaml");
    }
    dir
}

/// The reported case: 60 projects sharing one file ended at 8.9 GiB for CAX21. The shared limit
/// now comes out as the rescale of one project alone makes it, within the bounds.
#[test]
fn fixes_sixty_projects_sharing_a_file_rescale_it_once() {
    let alone = projects_extending_one_file(1, "512m");
    common::run_bounded(alone.path(), &["--fix", "--plan", "cax21", "."]).assert_bounded();
    let expected = fs::read_to_string(alone.path().join("common.yaml")).expect("common.yaml");
    assert!(!expected.contains("1g"), "rescaled alone: {expected}");
    let dir = projects_extending_one_file(60, "512m");
    let run = common::run_bounded(dir.path(), &["--fix", "--plan", "cax21", "."]);
    run.assert_bounded();
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(
        fs::read_to_string(dir.path().join("common.yaml")).expect("common.yaml"),
        expected
    );
    eprintln!(
        "60 projects: {:?} wall, {} kB peak RSS",
        run.wall, run.peak_rss_kb
    );
}

/// One of 60 projects would rescale the shared file differently: the run refuses with the file
/// and both projects named, and no file (nor a temporary) is written.
#[test]
fn fixes_a_project_disagreeing_on_a_shared_file_writes_nothing() {
    let dir = projects_extending_one_file(60, "2g");
    let before = snapshot(dir.path());
    let run = common::run_bounded(dir.path(), &["--fix", "--plan", "cax21", "."]);
    run.assert_bounded();
    assert_eq!(run.code, Some(2), "{run:#?}");
    let said = common::one_line(&run.stderr);
    assert!(
        said.contains("common.yaml:") && said.contains("`p0/compose.yaml`"),
        "{said}"
    );
    assert_eq!(snapshot(dir.path()), before, "nothing is written");
}

// ---- The language server (issue 13): hostile framing on stdin ----

/// The project the server tests lint: one service, no finding that matters here.
const LSP_COMPOSE: &str = "services:\n  web:\n    image: nginx\n";

/// What `orion-lint server` does with `input` on stdin, in a project, within the bounds: it
/// answers nothing it cannot read, says why on stderr, exits 2 and writes no file.
fn lsp_refuses(input: Vec<u8>, why: &str) -> common::Bounded {
    let dir = common::project_dir(&[("compose.yaml", LSP_COMPOSE)]);
    let before = snapshot(dir.path());
    let run = common::run_bounded_with_input(dir.path(), &["server"], &[], Some(input));
    run.assert_bounded();
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(
        run.stderr
            .contains("orion-lint server: cannot read the client's message on stdin")
            && run.stderr.contains(why),
        "{run:#?}"
    );
    assert_eq!(snapshot(dir.path()), before, "nothing is written");
    run
}

fn lsp_frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

#[test]
fn lsp_a_huge_content_length_is_refused_before_it_is_allocated() {
    // lsp-server alone allocates (and zeroes) the announced length before reading the body.
    for length in ["1000000000", "18446744073709551615"] {
        let input = format!("Content-Length: {length}\r\n\r\n{{}}").into_bytes();
        let run = lsp_refuses(input, "more than the");
        assert!(run.peak_rss_kb < 50 * 1024, "{run:#?}");
        eprintln!(
            "Content-Length {length}: {:?} wall, {} kB peak RSS",
            run.wall, run.peak_rss_kb
        );
    }
    // Beyond what a number holds: refused as no number.
    lsp_refuses(
        b"Content-Length: 99999999999999999999999\r\n\r\n{}".to_vec(),
        "number too large",
    );
}

#[test]
fn lsp_garbage_headers_and_endless_lines_are_refused() {
    lsp_refuses(
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        "malformed header",
    );
    lsp_refuses(b"Content-Length: 2\n\n{}".to_vec(), "malformed header");
    lsp_refuses(b"\r\n{}".to_vec(), "no Content-Length");
    let run = lsp_refuses(vec![b'X'; 50 << 20], "header line longer");
    assert!(run.peak_rss_kb < 50 * 1024, "{run:#?}");
}

#[test]
fn lsp_bodies_that_are_no_json_rpc_are_refused_without_echoing_them() {
    const SECRET: &str = "hunter2-Zq8vX1";
    let run = lsp_refuses(
        lsp_frame(&format!("{{\"token\": \"{SECRET}\"")),
        "malformed LSP payload",
    );
    assert!(!run.stderr.contains(SECRET), "{run:#?}");
    lsp_refuses(lsp_frame(&"[".repeat(100_000)), "malformed LSP payload");
    lsp_refuses(lsp_frame("\"\\ud800\""), "malformed LSP payload");
    // A body cut short by the end of the stream.
    let mut cut = b"Content-Length: 100\r\n\r\n".to_vec();
    cut.extend_from_slice(b"{\"jsonrpc\"");
    lsp_refuses(cut, "");
    let mut not_utf8 = b"Content-Length: 4\r\n\r\n".to_vec();
    not_utf8.extend_from_slice(&[b'"', 0xff, 0xfe, b'"']);
    lsp_refuses(not_utf8, "");
}

#[test]
fn lsp_a_hostile_client_within_the_protocol_gets_answers_not_a_crash() {
    // Offsets past every line, a huge line number, a URI of another scheme, a document outside
    // the repository: answered, within the bounds; then shutdown and exit, code 0.
    let outside = tempfile::tempdir().unwrap();
    fs::write(
        outside.path().join("compose.yaml"),
        "services:\n  x:\n    image: [\n",
    )
    .unwrap();
    let dir = common::project_dir(&[("compose.yaml", LSP_COMPOSE)]);
    let root = format!("file://{}", dir.path().display());
    let compose = format!("{root}/compose.yaml");
    let messages = [
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": root}}),
        serde_json::json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": compose, "languageId": "yaml", "version": 1, "text": "services:\n  web:\n    image: nginx\n"}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": compose}, "position": {"line": 4294967295u32, "character": 4294967295u32}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 3, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": "https://example.invalid/x.yaml"}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 9}}, "context": {"diagnostics": []}}}),
        serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": format!("file://{}/compose.yaml", outside.path().display()), "languageId": "yaml", "version": 1, "text": "services: {}\n"}}}),
        serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///proc/self/environ", "languageId": "yaml", "version": 1, "text": ""}}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 4, "method": "shutdown"}),
        serde_json::json!({"jsonrpc": "2.0", "method": "exit"}),
    ];
    let input: Vec<u8> = messages
        .iter()
        .flat_map(|m| lsp_frame(&m.to_string()))
        .collect();
    let before = snapshot(dir.path());
    let run = common::run_bounded_with_input(dir.path(), &["server"], &[], Some(input));
    run.assert_bounded();
    assert_eq!(run.code, Some(0), "{run:#?}");
    for id in 1..=4 {
        assert!(
            run.stdout.contains(&format!("\"id\":{id}")),
            "answer {id}: {run:#?}"
        );
    }
    assert!(!run.stdout.contains("PATH="), "{run:#?}");
    assert_eq!(snapshot(dir.path()), before, "nothing is written");
}

// ---- `budget --compare REV`: a hostile repository or revision (issue 13) ----

const COMPARE_PROJECT: &str =
    "x-orion-lint:\n  plan: cax11\nservices:\n  api:\n    image: nginx\n    mem_limit: 512m\n";

/// A repository with `COMPARE_PROJECT` committed, then changed in the work tree.
fn compare_repo(git: &Path) -> tempfile::TempDir {
    let repo = common::git_repo(git, &[("compose.yaml", COMPARE_PROJECT)]);
    common::write_files(
        repo.path(),
        &[("compose.yaml", &COMPARE_PROJECT.replace("512m", "768m"))],
    );
    repo
}

/// A bounded `budget --compare` run that failed with exit 2 and wrote nothing: its stderr as one
/// line.
fn compare_refused(repo: &Path, rev: &str) -> String {
    let before = snapshot(repo);
    let run = common::run_bounded(repo, &["budget", "--compare", rev]);
    run.assert_bounded();
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert_eq!(snapshot(repo), before, "nothing written");
    common::one_line(&run.stderr)
}

#[test]
fn compare_a_revision_of_10_kb_is_refused_without_echoing_it() {
    let Some(git) = common::require_git() else {
        return;
    };
    let repo = compare_repo(&git);
    let rev = "HEAD~".repeat(2048);
    let err = compare_refused(repo.path(), &rev);
    assert!(err.contains("is not a revision"), "{err}");
    assert!(err.len() < 1000, "the spec is cut short: {err}");
}

#[test]
fn compare_a_symbolic_link_in_the_revision_is_not_followed() {
    let Some(git) = common::require_git() else {
        return;
    };
    let repo = tempfile::tempdir().unwrap();
    common::git(&git, repo.path(), &["init", "-q"]);
    std::os::unix::fs::symlink("/etc/passwd", repo.path().join("compose.yaml")).unwrap();
    common::commit(&git, repo.path(), "a link");
    fs::remove_file(repo.path().join("compose.yaml")).unwrap();
    common::write_files(repo.path(), &[("compose.yaml", COMPARE_PROJECT)]);
    let err = compare_refused(repo.path(), "HEAD");
    assert!(err.contains("compose.yaml"), "{err}");
    assert!(err.contains("a symbolic link at `HEAD`"), "{err}");
    assert!(!err.contains(&passwd_line()), "{err}");
}

#[test]
fn compare_a_damaged_object_is_an_error() {
    let Some(git) = common::require_git() else {
        return;
    };
    let repo = compare_repo(&git);
    let blob = String::from_utf8(common::git(
        &git,
        repo.path(),
        &["rev-parse", "HEAD:compose.yaml"],
    ))
    .unwrap();
    let blob = blob.trim();
    let object = repo
        .path()
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    fs::set_permissions(&object, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&object, b"x\x9c not zlib at all").unwrap();
    let err = compare_refused(repo.path(), "HEAD");
    assert!(err.contains("HEAD:compose.yaml"), "{err}");
    assert!(err.contains("git fsck"), "{err}");
}

#[test]
fn compare_a_huge_blob_at_the_revision_is_refused_unread() {
    let Some(git) = common::require_git() else {
        return;
    };
    let mut huge = String::from(COMPARE_PROJECT);
    huge.push_str(&format!("# {}\n", "x".repeat(11 << 20)));
    let repo = common::git_repo(&git, &[("compose.yaml", &huge)]);
    common::write_files(repo.path(), &[("compose.yaml", COMPARE_PROJECT)]);
    let err = compare_refused(repo.path(), "HEAD");
    assert!(err.contains("larger than the"), "{err}");
}

#[test]
fn compare_a_repository_that_borrows_objects_elsewhere_is_refused() {
    let Some(git) = common::require_git() else {
        return;
    };
    let repo = compare_repo(&git);
    let elsewhere = tempfile::tempdir().unwrap();
    fs::write(
        repo.path().join(".git/objects/info/alternates"),
        format!("{}\n", elsewhere.path().display()),
    )
    .unwrap();
    let err = compare_refused(repo.path(), "HEAD");
    assert!(err.contains("borrows objects"), "{err}");
}

/// A repository whose config and attributes would run programs if anything ran filters,
/// textconv or hooks: each would create a marker file.
fn compare_booby_trapped(git: &Path, marker: &Path) -> tempfile::TempDir {
    let repo = common::git_repo(git, &[("compose.yaml", COMPARE_PROJECT)]);
    let touch = format!("touch {}", marker.display());
    for (key, value) in [
        ("filter.evil.smudge", touch.as_str()),
        ("filter.evil.clean", touch.as_str()),
        ("filter.evil.process", touch.as_str()),
        ("diff.evil.textconv", touch.as_str()),
        ("core.fsmonitor", touch.as_str()),
        ("core.hooksPath", "hooks"),
    ] {
        common::git(git, repo.path(), &["config", key, value]);
    }
    common::write_files(
        repo.path(),
        &[
            (".gitattributes", "* filter=evil diff=evil\n"),
            ("hooks/post-checkout", &format!("#!/bin/sh\n{touch}\n")),
            ("compose.yaml", &COMPARE_PROJECT.replace("512m", "768m")),
        ],
    );
    repo
}

#[test]
fn compare_git_config_and_attributes_make_nothing_run() {
    let Some(git) = common::require_git() else {
        return;
    };
    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("ran");
    let repo = compare_booby_trapped(&git, &marker);
    let run = common::run_bounded(repo.path(), &["budget", "--compare", "HEAD"]);
    run.assert_bounded();
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stdout.contains("512 MiB → 768 MiB"), "{run:#?}");
    assert!(
        !marker.exists(),
        "a filter, textconv, fsmonitor or hook ran"
    );
}

#[test]
#[ignore = "needs strace"]
fn compare_executes_nothing_and_opens_no_connection() {
    let (Some(strace), Some(git)) = (common::require_strace(), common::require_git()) else {
        return;
    };
    let marker_dir = tempfile::tempdir().unwrap();
    let repo = compare_booby_trapped(&git, &marker_dir.path().join("ran"));
    for format in ["human", "json", "markdown"] {
        // `HOME` is unset (the environment is empty): gix asks for the home directory all the
        // same, which libc would answer from /etc/passwd and the name-service cache's socket.
        let calls = traced_syscalls(
            &strace,
            repo.path(),
            &["budget", "--compare", "HEAD", "--format", format],
            "execve,execveat,connect,socket,open,openat",
        );
        let execs: Vec<&String> = calls.iter().filter(|c| c.contains("execve")).collect();
        assert_eq!(execs.len(), 1, "only orion-lint itself runs: {calls:#?}");
        let network: Vec<&String> = calls
            .iter()
            .filter(|c| c.contains("connect(") || c.contains("socket("))
            .collect();
        assert!(network.is_empty(), "no connection: {network:#?}");
        let accounts: Vec<&String> = calls
            .iter()
            .filter(|c| c.contains("\"/etc/passwd\"") || c.contains("\"/etc/nsswitch.conf\""))
            .collect();
        assert!(accounts.is_empty(), "no user database read: {accounts:#?}");
    }
}

// ---- Markdown budget comments (issue 13 polish): hostile file and service names ----

#[test]
fn polish_a_file_name_of_backticks_and_markup_is_one_code_span_in_the_markdown_budget() {
    // Backtick runs of one to three (a line starting with three would open a code block), HTML,
    // emphasis; the service name tries to break its table cell.
    let name = "```a``b`<i>*x*</i>.yaml";
    let dir = common::project_dir(&[(
        name,
        "services:\n  \"x|<b>y\":\n    image: nginx\n    mem_limit: 64m\n",
    )]);
    let before = snapshot(dir.path());
    let run = common::run_bounded(dir.path(), &["budget", "--format", "markdown", name]);
    run.assert_bounded();
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(snapshot(dir.path()), before, "nothing is written");
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let mut code = Vec::new();
    let mut cells = Vec::new();
    let mut in_cell = false;
    for event in Parser::new_ext(&run.stdout, Options::ENABLE_TABLES) {
        match event {
            Event::Code(text) => code.push(text.to_string()),
            Event::Start(Tag::CodeBlock(_)) => panic!("a code block: {}", run.stdout),
            Event::Html(html) | Event::InlineHtml(html) if !html.starts_with("<!--") => {
                panic!("HTML {html:?}: {}", run.stdout)
            }
            Event::Start(Tag::TableCell) => {
                in_cell = true;
                cells.push(String::new());
            }
            Event::End(pulldown_cmark::TagEnd::TableCell) => in_cell = false,
            Event::Text(text) if in_cell => cells.last_mut().unwrap().push_str(&text),
            _ => {}
        }
    }
    assert!(code.contains(&name.to_string()), "{code:?}: {}", run.stdout);
    assert!(cells.contains(&"x|<b>y".to_string()), "{cells:?}");
}
