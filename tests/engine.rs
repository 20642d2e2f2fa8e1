//! The engine as a whole: what one run reads from the disk, and how it lints many projects.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// A copy of `testdata/orion` in a fresh directory (`--fix` rewrites it).
fn orion_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new("testdata/orion"), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            fs::create_dir(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A project with a `.env` and a mounted Redis config, both of which `--fix` edits.
fn project_with_env_and_config() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "compose.yaml",
            "x-orion-lint:\n  plan: cax11\nservices:\n  queue:\n    image: redis:7-alpine\n    command: redis-server --maxmemory ${QUEUE_MAXMEMORY}\n    mem_limit: 256m\n  store:\n    image: redis:7-alpine\n    command: redis-server /usr/local/etc/redis/redis.conf\n    volumes:\n      - ./redis/redis.conf:/usr/local/etc/redis/redis.conf:ro\n    mem_limit: 256m\n",
        ),
        (
            "compose.override.yaml",
            "services:\n  queue:\n    mem_reservation: 64m\n",
        ),
        (".env", "QUEUE_MAXMEMORY=300mb\n"),
        (
            "redis/redis.conf",
            "maxmemory 300mb\nmaxmemory-policy noeviction\n",
        ),
    ];
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

/// How many times a run opened each regular file under `dir` for reading, by path relative to
/// `dir` (directories, and the files `--fix` creates or writes, left out).
fn read_opens(strace: &Path, dir: &Path, args: &[&str]) -> BTreeMap<String, usize> {
    let log = tempfile::NamedTempFile::new().unwrap();
    let output = std::process::Command::new(strace)
        .args(["-f", "-qq", "-e", "trace=open,openat", "-o"])
        .arg(log.path())
        .arg(assert_cmd::cargo::cargo_bin("orion-lint"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .output()
        .expect("strace runs");
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{args:?}: {output:?}"
    );
    let root = dir.canonicalize().unwrap();
    let mut opens = BTreeMap::new();
    for line in fs::read_to_string(log.path()).unwrap().lines() {
        let Some((_, rest)) = line.split_once('"') else {
            continue;
        };
        let Some((path, flags)) = rest.split_once('"') else {
            continue;
        };
        if ["O_DIRECTORY", "O_WRONLY", "O_RDWR", "O_CREAT", "= -1"]
            .iter()
            .any(|f| flags.contains(f))
        {
            continue;
        }
        let path = root.join(path);
        let path = path.canonicalize().unwrap_or(path);
        if path.is_dir() {
            continue;
        }
        if let Ok(relative) = path.strip_prefix(&root) {
            *opens.entry(relative.display().to_string()).or_insert(0) += 1;
        }
    }
    opens
}

#[test]
#[ignore = "needs strace"]
fn engine_reads_each_file_from_disk_once_per_run() {
    let Some(strace) = common::require_strace() else {
        return;
    };
    let once = |names: &[&str]| -> BTreeMap<String, usize> {
        names.iter().map(|n| (n.to_string(), 1)).collect()
    };
    for args in [
        &["--fix", "--plan", "cax21", "."][..],
        &["."],
        &["budget", "--plan", "cax21", "."],
    ] {
        let dir = orion_copy();
        let before = fs::read_to_string(dir.path().join("docker-compose.yml")).unwrap();
        let mut read = vec![
            "docker-compose.yml",
            "prometheus/alerts.yml",
            "prometheus/prometheus.yml",
        ];
        // A lint checks the Markdown docs under the directory (the budget does not).
        if args[0] != "budget" {
            read.push("README.md");
        }
        assert_eq!(
            read_opens(&strace, dir.path(), args),
            once(&read),
            "{args:?}"
        );
        let after = fs::read_to_string(dir.path().join("docker-compose.yml")).unwrap();
        assert_eq!(
            args[0] == "--fix",
            before != after,
            "{args:?} fixes the file"
        );
    }
    let files = [
        ".env",
        "compose.override.yaml",
        "compose.yaml",
        "redis/redis.conf",
    ];
    for args in [&["--fix", "--plan", "cax21"][..], &[]] {
        let dir = project_with_env_and_config();
        assert_eq!(
            read_opens(&strace, dir.path(), args),
            once(&files),
            "{args:?}"
        );
    }
}

/// A tree of `count` projects, `p00` to `p..`, where project `i` has `i % 7 + 1` services without
/// a memory limit (so the threads get unequal work).
fn project_tree(count: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..count {
        let project = dir.path().join(format!("p{i:02}"));
        fs::create_dir(&project).unwrap();
        let services: String = (0..i % 7 + 1)
            .map(|s| format!("  s{s}:\n    image: redis:7\n"))
            .collect();
        fs::write(
            project.join("compose.yaml"),
            format!("services:\n{services}"),
        )
        .unwrap();
    }
    dir
}

#[test]
fn engine_many_projects_are_reported_in_path_order_every_run() {
    let dir = project_tree(40);
    let run = || {
        let output = common::orion()
            .args(["--format", "json", "--select", "mem-limit-missing", "."])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let first = run();
    let report: serde_json::Value = serde_json::from_str(&first).unwrap();
    let found: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["service"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = (0..40)
        .flat_map(|i| {
            (0..i % 7 + 1).map(move |s| (format!("p{i:02}/compose.yaml"), format!("s{s}")))
        })
        .collect();
    assert_eq!(found, expected);
    for _ in 0..3 {
        assert_eq!(run(), first, "the same output every run");
    }
}

#[test]
#[ignore = "needs strace"]
fn engine_many_projects_are_linted_on_every_core() {
    let Some(strace) = common::require_strace() else {
        return;
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dir = project_tree(40);
    let log = dir.path().join("strace.log");
    let status = std::process::Command::new(strace)
        .args(["-f", "-qq", "-e", "trace=clone,clone3", "-o"])
        .arg(&log)
        .arg(assert_cmd::cargo::cargo_bin("orion-lint"))
        .arg(".")
        .current_dir(dir.path())
        .env_clear()
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let threads = fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| l.contains("CLONE_THREAD"))
        .count();
    assert!(
        threads + 1 >= cores.min(40),
        "{threads} threads besides the main one on {cores} cores"
    );
}

/// The memory value under an offset (the language server's hover): where it is written, or the
/// `.env` line its text comes from.
#[test]
fn memory_at_finds_the_value_under_an_offset_in_compose_and_env() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let compose = "x-orion-lint: {plan: cax11}\nservices:\n  api:\n    image: nginx\n    mem_limit: ${API_MEM}\n    mem_reservation: 256m\n  cache:\n    image: redis:7\n    mem_limit: 128m\n    command: redis-server --maxmemory 96mb\n";
    std::fs::write(repo.path().join("compose.yaml"), compose).unwrap();
    std::fs::write(repo.path().join(".env"), "API_MEM=512m\n").unwrap();
    let report = orion_lint::engine::budget(
        &orion_lint::lint::Target::Paths(vec![repo.path().to_path_buf()]),
        &orion_lint::compose::LoadOptions::default(),
        &orion_lint::settings::Overrides::default(),
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let budgets = report.budgets();
    let budget = &budgets[0].budget;
    let files: Vec<_> = report.sources.ids().collect();
    let file_named = |name: &str| {
        *files
            .iter()
            .find(|&&id| report.sources.get(id).path.ends_with(name))
            .unwrap()
    };
    let (compose_file, env_file) = (file_named("compose.yaml"), file_named(".env"));
    let found = |file, needle: &str, text: &str| {
        let value = budget.memory_at(file, text.find(needle).unwrap() + 1)?;
        Some((
            value.row.service.service.name.as_str(),
            value.field,
            value.written,
            value.bytes,
        ))
    };
    assert_eq!(
        found(compose_file, "${API_MEM}", compose),
        Some(("api", "mem_limit", "512m", 512 << 20))
    );
    assert_eq!(
        found(env_file, "512m", "API_MEM=512m\n"),
        Some(("api", "mem_limit", "512m", 512 << 20))
    );
    assert_eq!(
        found(compose_file, "256m", compose),
        Some(("api", "mem_reservation", "256m", 256 << 20))
    );
    assert_eq!(
        found(compose_file, "96mb", compose),
        Some(("cache", "maxmemory", "96mb", 96 << 20))
    );
    assert_eq!(found(compose_file, "nginx", compose), None);
}

/// Each service's tree is kept once, in its `Service`: the loaded root keeps the service's key
/// with an empty mapping (a second copy doubled the memory of a large project).
#[test]
fn perf3_service_trees_are_moved_out_of_the_root_not_copied() {
    use orion_lint::compose::{self, LoadOptions};
    use orion_lint::source::SourceMap;
    let mut sources = SourceMap::default();
    let project = compose::load(
        &[Path::new("testdata/orion/docker-compose.yml").to_path_buf()],
        &LoadOptions::default(),
        &mut sources,
    )
    .unwrap();
    let in_root = project
        .root
        .get("services")
        .and_then(|s| s.as_map())
        .unwrap();
    assert_eq!(in_root.len(), project.services.len());
    for (entry, service) in in_root.iter().zip(&project.services) {
        assert_eq!(entry.key.as_str(), Some(service.name.as_str()));
        assert_eq!(
            entry.value.as_map().map(<[_]>::len),
            Some(0),
            "{}",
            service.name
        );
        assert!(service.node.get("image").is_some(), "{}", service.name);
    }
}
