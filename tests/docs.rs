//! Deployment docs in Markdown (issue 11): the Orion scaling guide as it stood before its "Sync all
//! deployment docs with actual docker-compose.yml values" commit gives exactly the drift findings,
//! `--fix` turns it into the synced guide touching only the stale cells, `--fix --plan cax21`
//! carries it along, and docs are found where the README says.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

const DOCS_RULES: &str = "docs-limit-mismatch,docs-service-missing,docs-service-unknown,docs-total-mismatch,docs-value-mismatch";

/// A copy of `testdata/scaling-guide` (the Orion compose file and the guide before the sync).
fn scaling_guide() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["docker-compose.yml", "SCALING.md"] {
        fs::copy(
            Path::new("testdata/scaling-guide").join(name),
            dir.path().join(name),
        )
        .unwrap();
    }
    dir
}

/// orion-lint's concise report of `args` in `dir`.
fn concise(dir: &Path, args: &[&str]) -> std::process::Output {
    common::orion()
        .current_dir(dir)
        .args(["--format", "concise"])
        .args(args)
        .output()
        .unwrap()
}

/// The `docs-*` findings of a concise report: `line:rule text-at-the-finding`.
fn docs_findings(dir: &Path, args: &[&str]) -> Vec<String> {
    let output = concise(dir, args);
    assert!(output.status.code().is_some_and(|c| c < 2), "{output:?}");
    let doc = fs::read_to_string(dir.join("SCALING.md")).unwrap_or_default();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.contains("[docs-"))
        .map(|l| {
            let mut parts = l.splitn(4, ':');
            let (_, line, column) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
            let rule = l.split("[").nth(1).unwrap().split(']').next().unwrap();
            let text = doc.lines().nth(line.parse::<usize>().unwrap() - 1).unwrap();
            let at: String = text
                .chars()
                .skip(column.parse::<usize>().unwrap() - 1)
                .take(8)
                .collect();
            format!("{line}:{rule} {at}")
        })
        .collect()
}

#[test]
fn the_guide_before_the_sync_gives_exactly_the_drift_findings() {
    let dir = scaling_guide();
    assert_eq!(
        docs_findings(dir.path(), &["."]),
        [
            "24:docs-limit-mismatch 512 MB |",
            "25:docs-value-mismatch 256mb, a",
            "27:docs-limit-mismatch 512 MB |",
            "27:docs-value-mismatch 4) |",
            "28:docs-limit-mismatch 256 MB |",
            "29:docs-limit-mismatch 256 MB |",
            "30:docs-total-mismatch 2,176 MB",
            "34:docs-service-missing cadvisor",
            "37:docs-total-mismatch 2,848 MB",
            "172:docs-value-mismatch 256mb --",
            "206:docs-value-mismatch ~512 MB ",
        ]
    );
}

/// The synced guide of `../shared`, as `--fix` should make the old one: the same text but for
/// the fixture's header, the purpose cell of the added row (a fix cannot know it) and the
/// replica sentence the sync commit missed.
fn synced_guide() -> Option<String> {
    let path = Path::new("../shared/reference/orion-scaling-guide.md");
    let found = path.is_file().then(|| path.to_path_buf());
    let guide = fs::read_to_string(common::require(
        "../shared/reference/orion-scaling-guide.md",
        found,
        "the shared reference material",
    )?)
    .unwrap();
    let fixture = fs::read_to_string("testdata/scaling-guide/SCALING.md").unwrap();
    let header = &fixture[..fixture.find("# Scaling Guide").unwrap()];
    let body = &guide[guide.find("# Scaling Guide").unwrap()..];
    Some(
        format!("{header}{body}")
            .replace(
                "| redis-exporter | 32 MB | Redis metrics |",
                "| redis-exporter | 32 MB | |",
            )
            .replace(
                "Each replica adds ~512 MB RAM",
                "Each replica adds ~768 MB RAM",
            ),
    )
}

#[test]
fn fix_rewrites_only_the_stale_cells_and_values() {
    let dir = scaling_guide();
    let before = fs::read_to_string(dir.path().join("SCALING.md")).unwrap();
    common::orion()
        .current_dir(dir.path())
        .args(["--fix", "--select", DOCS_RULES, "."])
        .assert()
        .code(0);
    let after = fs::read_to_string(dir.path().join("SCALING.md")).unwrap();
    let diff = similar::TextDiff::from_lines(&before, &after);
    let changed: Vec<String> = diff
        .iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .map(|c| format!("{}{}", c.tag(), c.value().trim_end()))
        .collect();
    assert_eq!(
        changed,
        [
            "-| db | 512 MB | PostgreSQL 15 |",
            "-| redis | 128 MB | Task broker (maxmemory 256mb, allkeys-lru) |",
            "+| db | 256 MB | PostgreSQL 15 |",
            "+| redis | 128 MB | Task broker (maxmemory 100mb, allkeys-lru) |",
            "-| celery-worker | 512 MB | Background tasks (concurrency=4) |",
            "-| celery-beat | 256 MB | Task scheduler |",
            "-| flower | 256 MB | Celery monitoring |",
            "-| **App subtotal** | **2,176 MB** | |",
            "+| celery-worker | 768 MB | Background tasks (concurrency=2) |",
            "+| celery-beat | 128 MB | Task scheduler |",
            "+| flower | 192 MB | Celery monitoring |",
            "+| **App subtotal** | **1,984 MB** | |",
            "+| redis-exporter | 32 MB | |",
            "-| **Monitoring subtotal** | **672 MB** | |",
            "-| **Total containers** | **2,848 MB** | |",
            "+| **Monitoring subtotal** | **704 MB** | |",
            "+| **Total containers** | **2,688 MB** | |",
            "-command: redis-server --maxmemory 256mb --maxmemory-policy allkeys-lru",
            "+command: redis-server --maxmemory 100mb --maxmemory-policy allkeys-lru",
            "-Each replica adds ~512 MB RAM. Ensure the server has headroom.",
            "+Each replica adds ~768 MB RAM. Ensure the server has headroom.",
        ]
    );
}

#[test]
#[ignore = "needs ../shared/reference/orion-scaling-guide.md, the synced guide"]
fn fix_makes_the_guide_the_synced_one_touching_only_the_stale_cells() {
    let Some(expected) = synced_guide() else {
        return;
    };
    let dir = scaling_guide();
    common::orion()
        .current_dir(dir.path())
        .args(["--fix", "--select", DOCS_RULES, "."])
        .assert()
        .code(0);
    assert_eq!(
        fs::read_to_string(dir.path().join("SCALING.md")).unwrap(),
        expected
    );
    assert_eq!(
        fs::read(dir.path().join("docker-compose.yml")).unwrap(),
        fs::read("testdata/scaling-guide/docker-compose.yml").unwrap(),
        "the compose file is not touched"
    );
    assert!(docs_findings(dir.path(), &["."]).is_empty());
}

#[test]
fn fix_plan_cax21_carries_the_guide_along() {
    let dir = scaling_guide();
    common::orion()
        .current_dir(dir.path())
        .args(["--fix", "--plan", "cax21", "."])
        .assert()
        .code(0);
    let doc = fs::read_to_string(dir.path().join("SCALING.md")).unwrap();
    let compose = fs::read_to_string(dir.path().join("docker-compose.yml")).unwrap();
    assert!(compose.contains("mem_limit: 2304m"), "{compose}");
    for line in [
        "| db | 768 MB | PostgreSQL 15 |",
        "| celery-worker | 2,304 MB | Background tasks (concurrency=2) |",
        "| **App subtotal** | **5,312 MB** | |",
        "| redis-exporter | 32 MB | |",
        "| **Monitoring subtotal** | **1,216 MB** | |",
        "| **Total containers** | **6,528 MB** | |",
        "command: redis-server --maxmemory 288mb --maxmemory-policy allkeys-lru",
        "Each replica adds ~2,304 MB RAM. Ensure the server has headroom.",
    ] {
        assert!(doc.lines().any(|l| l == line), "missing `{line}` in\n{doc}");
    }
    assert!(docs_findings(dir.path(), &["."]).is_empty());
}

/// A project whose `ops/notes.md` states a stale concurrency and has no budget table.
fn notes_project(config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    fs::create_dir(dir.path().join("ops")).unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  worker:\n    image: x\n    command: celery -A app worker --concurrency=2\n    mem_limit: 256m\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("ops/notes.md"),
        "## worker\n\nIt runs with `--concurrency=4`.\n",
    )
    .unwrap();
    if let Some(config) = config {
        fs::write(dir.path().join("orion-lint.toml"), config).unwrap();
    }
    dir
}

fn rules_found(dir: &Path, args: &[&str]) -> Vec<String> {
    let output = concise(dir, args);
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.contains("[docs-") || l.contains("[file-not-read]"))
        .map(|l| {
            l.split(": ").next().unwrap().to_string()
                + " "
                + l.split('[').nth(1).unwrap().split(']').next().unwrap()
        })
        .collect()
}

#[test]
fn docs_are_named_on_the_command_line_or_by_globs_and_found_by_their_tables() {
    let found = ["ops/notes.md:3:29 docs-value-mismatch"];
    // A doc without a budget table is not picked up from a directory...
    assert!(rules_found(notes_project(None).path(), &["."]).is_empty());
    // ...but is checked when named, against the project above it,
    assert_eq!(
        rules_found(notes_project(None).path(), &["ops/notes.md"]),
        found
    );
    // or matched by `docs` in orion-lint.toml or x-orion-lint.
    assert_eq!(
        rules_found(
            notes_project(Some("docs = [\"ops/*.md\"]\n")).path(),
            &["."]
        ),
        found
    );
    let dir = notes_project(None);
    let compose = fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        format!("x-orion-lint:\n  docs: [\"**/*.md\"]\n{compose}"),
    )
    .unwrap();
    assert_eq!(
        rules_found(dir.path(), &["."]),
        ["ops/notes.md:3:29 docs-value-mismatch"]
    );
    // A budget table makes a doc found in a directory.
    let dir = notes_project(None);
    fs::write(
        dir.path().join("ops/budget.md"),
        "| Service | Limit |\n|---|---|\n| worker | 512 MB |\n",
    )
    .unwrap();
    assert_eq!(
        rules_found(dir.path(), &["."]),
        ["ops/budget.md:3:12 docs-limit-mismatch"]
    );
}

#[test]
fn a_doc_outside_the_repository_is_not_read() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("guide.md");
    fs::write(
        &secret,
        "## worker\n\nIt runs with `--concurrency=4` and TOKEN=s3cr3t-outside.\n",
    )
    .unwrap();
    let dir = notes_project(Some("docs = [\"ops/*.md\"]\n"));
    fs::remove_file(dir.path().join("ops/notes.md")).unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join("ops/notes.md")).unwrap();
    let output = common::orion()
        .current_dir(dir.path())
        .args(["--fix", "."])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("file-not-read") && stdout.contains("the doc"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("s3cr3t") && !stdout.contains("docs-value-mismatch"),
        "{stdout}"
    );
    assert!(
        fs::read_to_string(&secret)
            .unwrap()
            .contains("--concurrency=4"),
        "not written"
    );
}

#[test]
fn a_fix_rewrites_only_the_cell_beside_escaped_pipes_and_alignment() {
    // The doc's own size cell is `512 MB`: a rewrite keeps to the cell, so nothing else moves.
    let dir = notes_project(None);
    let path: PathBuf = dir.path().join("ops/budget.md");
    let text = "Intro.\n\n| Service | Limit | Note |\n|:--|--:|---|\n| worker | 512 MB | a \\| b |\n\nEnd.\n";
    fs::write(&path, text).unwrap();
    common::orion()
        .current_dir(dir.path())
        .args(["--fix", "--select", DOCS_RULES, "."])
        .assert()
        .code(0);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        text.replace("512 MB", "256 MB")
    );
}

#[test]
fn a_table_of_totals_counts_replicas_and_accepts_both_readings_of_mb() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  worker:\n    image: x\n    deploy: {replicas: 3}\n    mem_limit: 512m\n  api:\n    image: x\n    mem_limit: 100m\n",
    )
    .unwrap();
    let doc = "| Service | Total (limit x replicas) |\n|---|---|\n| worker | 1,536 MiB |\n| api | 104.9 MB |\n| **Total** | **1.6 GB** |\n";
    fs::write(dir.path().join("budget.md"), doc).unwrap();
    // 104.9 MB is 100 MiB read as powers of 1000; 1.6 GB is 1,636 MiB to its one decimal.
    assert!(rules_found(dir.path(), &["."]).is_empty());
    fs::write(
        dir.path().join("budget.md"),
        doc.replace("1,536 MiB", "512 MiB"),
    )
    .unwrap();
    assert_eq!(
        rules_found(dir.path(), &["."]),
        ["budget.md:3:12 docs-limit-mismatch"]
    );
}
