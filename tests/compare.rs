//! `orion-lint budget --compare REV` (issue 13) against repositories built with the real `git`,
//! which is also the oracle of the in-process revision reader (`git show REV:path`). These tests
//! are not `#[ignore]`d: a clone of the repository has `git`; without it they skip (or fail with
//! `ORION_REQUIRE_ORACLES=1`) by `common::require`.

mod common;

use std::path::Path;

use serde_json::Value;

const PROJECT: &str = "x-orion-lint:
  plan: cax11
services:
  api:
    image: nginx
    mem_limit: 512m
    deploy:
      replicas: 2
  db:
    image: postgres
    mem_limit: 1g
";

const MIB: u64 = 1024 * 1024;

/// `PROJECT` committed, then changed in the work tree: api 512m × 2 -> 768m × 3.
fn changed_in_work_tree(git: &Path) -> tempfile::TempDir {
    let repo = common::git_repo(git, &[("compose.yaml", PROJECT)]);
    let changed = PROJECT
        .replace("512m", "768m")
        .replace("replicas: 2", "replicas: 3");
    common::write_files(repo.path(), &[("compose.yaml", &changed)]);
    repo
}

/// `PROJECT` committed, then its api change committed on top: `HEAD~1` is `PROJECT`.
fn api_change_committed(git: &Path) -> tempfile::TempDir {
    let repo = changed_in_work_tree(git);
    common::commit(git, repo.path(), "api grows");
    repo
}

/// The Markdown on stdout, which starts with the marker a CI step finds its comment by.
fn markdown_comment(run: &common::Bounded) -> &str {
    let md = &run.stdout;
    assert_eq!(
        md.lines().next(),
        Some("<!-- orion-lint budget -->"),
        "{md}"
    );
    md
}

fn bounded(dir: &Path, args: &[&str]) -> common::Bounded {
    let run = common::run_bounded(dir, args);
    run.assert_bounded();
    run
}

fn json(dir: &Path, rev: &str) -> Value {
    let run = bounded(dir, &["budget", "--compare", rev, "--format", "json"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    serde_json::from_str(&run.stdout).expect("JSON output")
}

#[test]
fn human_output_lists_the_changed_services_before_and_after() {
    let Some(git) = common::require_git() else {
        return;
    };
    let repo = changed_in_work_tree(&git);
    let run = bounded(repo.path(), &["budget", "--compare", "HEAD"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    let out = &run.stdout;
    assert!(
        out.starts_with("compose.yaml: compared with `HEAD`"),
        "{out}"
    );
    assert!(out.contains("512 MiB → 768 MiB"), "{out}");
    assert!(out.contains("2 → 3"), "{out}");
    assert!(out.contains("1 GiB → 2.3 GiB"), "{out}");
    // db did not change: only its share of the totals shows.
    assert!(!out.contains("db"), "{out}");
    assert!(out.contains("2.5 GiB → 3.8 GiB"), "{out}");
    // The row names what it counts: the cells are sizes alone.
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with("left on the plan")
                && l.trim_end().ends_with("  1.5 GiB → 256 MiB")),
        "{out}"
    );
    assert!(out.contains("fits on CAX11 (4 GiB): 256 MiB left"), "{out}");

    // Nothing changed: one line.
    common::git(&git, repo.path(), &["checkout", "-q", "--", "compose.yaml"]);
    let run = bounded(repo.path(), &["budget", "--compare", "HEAD"]);
    assert_eq!(run.stdout.lines().count(), 1, "{run:#?}");
    assert!(
        run.stdout.contains("no change to the memory budget"),
        "{run:#?}"
    );
}

/// The numbers of the comparison of `PROJECT` with its api at 768m × 3.
fn assert_api_change(report: &Value) {
    let compare = &report["projects"][0]["compare"];
    assert_eq!(compare["added"], false);
    assert_eq!(compare["changed"], true);
    let services = compare["services"].as_array().unwrap();
    assert_eq!(services.len(), 1, "{compare:#}");
    assert_eq!(services[0]["name"], "api");
    assert_eq!(services[0]["before"]["limit_bytes"], 512 * MIB);
    assert_eq!(services[0]["before"]["replicas"], 2);
    assert_eq!(services[0]["after"]["limit_bytes"], 768 * MIB);
    assert_eq!(services[0]["after"]["replicas"], 3);
    assert_eq!(compare["before"]["total_bytes"], (1024 + 1024 + 512) * MIB);
    assert_eq!(compare["after"]["total_bytes"], (2304 + 1024 + 512) * MIB);
    assert_eq!(compare["before"]["remaining_bytes"], 1536 * MIB);
    assert_eq!(compare["after"]["remaining_bytes"], 256 * MIB);
    assert_eq!(compare["after"]["fits"], true);
    assert_eq!(compare["after"]["plan"], "cax11");
    assert_eq!(compare["after"]["plan_ram_exceeded"], false);
    // The budget JSON of the work tree is all there too.
    assert_eq!(
        report["projects"][0]["total_bytes"],
        (2304 + 1024 + 512) * MIB
    );
}

#[test]
fn a_second_commit_compared_with_head_1_as_json() {
    let Some(git) = common::require_git() else {
        return;
    };
    let repo = api_change_committed(&git);
    let report = json(repo.path(), "HEAD~1");
    assert_eq!(report["revision"], "HEAD~1");
    assert_api_change(&report);
    // The same commit by other names: `HEAD^`, a tag, a full and a short SHA, a branch.
    let sha = String::from_utf8(common::git(&git, repo.path(), &["rev-parse", "HEAD~1"])).unwrap();
    let sha = sha.trim();
    common::git(&git, repo.path(), &["tag", "base", "HEAD~1"]);
    common::git(&git, repo.path(), &["branch", "old", "HEAD~1"]);
    for rev in ["HEAD^", "base", sha, &sha[..8], "old"] {
        assert_api_change(&json(repo.path(), rev));
    }
}

#[test]
fn packed_objects_are_read() {
    let Some(git) = common::require_git() else {
        return;
    };
    let repo = api_change_committed(&git);
    common::git(&git, repo.path(), &["gc", "-q", "--prune=now"]);
    // Loose objects live in `objects/xx/`, two hex digits.
    let loose = walkdir::WalkDir::new(repo.path().join(".git/objects"))
        .min_depth(2)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path().parent().unwrap().file_name().unwrap().len() == 2)
        .count();
    assert_eq!(loose, 0, "every object is in a pack");
    assert_api_change(&json(repo.path(), "HEAD~1"));
}

#[test]
fn a_worktree_of_the_repository_compares_too() {
    let Some(git) = common::require_git() else {
        return;
    };
    let repo = common::git_repo(&git, &[("compose.yaml", PROJECT)]);
    let worktree = tempfile::tempdir().unwrap();
    let tree = worktree.path().join("wt");
    common::git(
        &git,
        repo.path(),
        &["worktree", "add", "-q", tree.to_str().unwrap()],
    );
    assert!(tree.join(".git").is_file(), "a worktree has a .git file");
    let changed = PROJECT
        .replace("512m", "768m")
        .replace("replicas: 2", "replicas: 3");
    common::write_files(&tree, &[("compose.yaml", &changed)]);
    assert_api_change(&json(&tree, "HEAD"));
    assert_api_change(&json(&tree, "main"));
}

#[test]
fn an_untracked_env_file_counts_for_both_sides_and_its_secret_is_never_printed() {
    let Some(git) = common::require_git() else {
        return;
    };
    let compose = "x-orion-lint:
  plan: cax11
services:
  api:
    image: nginx
    mem_limit: ${API_LIMIT}
  worker:
    image: worker
    mem_limit: ${WORKER_LIMIT}
    environment:
      TOKEN: ${TOKEN}
";
    let repo = common::git_repo(&git, &[(".gitignore", ".env\n"), ("compose.yaml", compose)]);
    // Never committed: the deployment's own, read for both sides.
    common::write_files(
        repo.path(),
        &[(
            ".env",
            "API_LIMIT=300m\nWORKER_LIMIT=hunter2-not-a-size\nTOKEN=hunter2-token\n",
        )],
    );
    common::write_files(
        repo.path(),
        &[(
            "compose.yaml",
            &compose.replace("image: worker", "image: worker\n    deploy: {replicas: 2}"),
        )],
    );
    let report = json(repo.path(), "HEAD");
    let compare = &report["projects"][0]["compare"];
    let services = compare["services"].as_array().unwrap();
    assert_eq!(services.len(), 1, "{compare:#}");
    assert_eq!(services[0]["name"], "worker");
    assert_eq!(services[0]["before"]["limit_bytes"], Value::Null);
    assert_eq!(services[0]["after"]["replicas"], 2);
    assert_eq!(compare["before"]["containers_bytes"], 300 * MIB);
    assert_eq!(compare["after"]["containers_bytes"], 300 * MIB);
    for format in ["human", "json", "markdown"] {
        let run = bounded(
            repo.path(),
            &["budget", "--compare", "HEAD", "--format", format],
        );
        for out in [&run.stdout, &run.stderr] {
            assert!(!out.contains("hunter2"), "{format}: {run:#?}");
        }
    }
}

#[test]
fn a_file_tracked_now_but_not_at_the_revision_did_not_exist_then() {
    let Some(git) = common::require_git() else {
        return;
    };
    let repo = common::git_repo(&git, &[("compose.yaml", PROJECT)]);
    // An override and a `.env` added since: at the revision, neither is read.
    common::write_files(
        repo.path(),
        &[
            (
                "compose.override.yaml",
                "services:\n  worker:\n    image: worker\n    mem_limit: ${WORKER_LIMIT}\n",
            ),
            (".env", "WORKER_LIMIT=256m\n"),
        ],
    );
    common::commit(&git, repo.path(), "worker");
    let report = json(repo.path(), "HEAD~1");
    let compare = &report["projects"][0]["compare"];
    let services = compare["services"].as_array().unwrap();
    assert_eq!(services.len(), 1, "{compare:#}");
    assert_eq!(services[0]["name"], "worker");
    assert_eq!(services[0]["before"], Value::Null);
    assert_eq!(services[0]["after"]["limit_bytes"], 256 * MIB);

    // A project added since: every service is added.
    let sub = repo.path().join("new");
    common::write_files(&sub, &[("compose.yaml", PROJECT)]);
    common::commit(&git, repo.path(), "new project");
    let report = json(&sub, "HEAD~1");
    let compare = &report["projects"][0]["compare"];
    assert_eq!(compare["added"], true);
    assert_eq!(compare["before"], Value::Null);
    assert_eq!(compare["services"].as_array().unwrap().len(), 2);
    let text = bounded(&sub, &["budget", "--compare", "HEAD~1"]).stdout;
    assert!(text.contains("new since then"), "{text}");
}

#[test]
fn over_the_plan_after_exits_1_with_a_markdown_comment_of_consistent_tables() {
    let Some(git) = common::require_git() else {
        return;
    };
    let repo = common::git_repo(&git, &[("compose.yaml", PROJECT)]);
    let over = PROJECT
        .replace("512m", "1g")
        .replace("replicas: 2", "replicas: 3")
        .replace("  api:", "  \"a|p<b>i\":");
    common::write_files(repo.path(), &[("compose.yaml", &over)]);
    let run = bounded(
        repo.path(),
        &["budget", "--compare", "HEAD", "--format", "markdown"],
    );
    assert_eq!(run.code, Some(1), "{run:#?}");
    let md = markdown_comment(&run);
    assert!(
        md.contains("**does not fit** on CAX11 (4 GiB): OVER by 512 MiB"),
        "{md}"
    );
    // The revision and the file as code spans: the comment's source reads as it renders.
    assert!(md.contains("### Memory budget against `HEAD`\n"), "{md}");
    assert!(md.contains("\n`compose.yaml`\n"), "{md}");
    assert!(!md.contains("\\."), "{md}");

    // Every table row has its header's cells, and the hostile service name stays one cell.
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let mut tables: Vec<Vec<Vec<String>>> = Vec::new();
    let mut cell: Option<String> = None;
    for event in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Table(_)) => tables.push(Vec::new()),
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                tables.last_mut().unwrap().push(Vec::new())
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                let text = cell.take().unwrap();
                tables.last_mut().unwrap().last_mut().unwrap().push(text);
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some(cell) = &mut cell {
                    cell.push_str(&text);
                }
            }
            Event::Html(_) | Event::InlineHtml(_) if cell.is_some() => {
                panic!("HTML in a cell: {md}")
            }
            _ => {}
        }
    }
    assert_eq!(tables.len(), 2, "{md}");
    for table in &tables {
        assert!(
            table.iter().all(|row| row.len() == table[0].len()),
            "{table:?}"
        );
    }
    assert_eq!(tables[0][0], ["service", "limit", "replicas", "subtotal"]);
    assert_eq!(
        tables[0][1],
        ["a|p<b>i", "- → 1 GiB", "- → 3", "- → 3 GiB"],
        "a renamed service is one removed, one added"
    );
    assert_eq!(tables[0][2][0], "api");
    let left = tables[1]
        .iter()
        .find(|r| r[0] == "left on the plan")
        .unwrap();
    // Overcommit is said as the plain budget says it.
    assert_eq!(left[1..], ["1.5 GiB", "OVER by 512 MiB"]);
    let exceeded = tables[1]
        .iter()
        .find(|r| r[0] == "plan-ram-exceeded")
        .unwrap();
    assert_eq!(exceeded[1..], ["no", "reported"]);
}

#[test]
fn plain_budget_as_markdown() {
    let dir = common::project_dir(&[("compose.yaml", PROJECT)]);
    let run = bounded(dir.path(), &["budget", "--format", "markdown"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    let md = markdown_comment(&run);
    assert!(md.contains("\n`compose.yaml` (CAX11 (4 GiB))\n"), "{md}");
    assert!(md.contains("| api | 512 MiB | 2 | 1 GiB |"), "{md}");
    assert!(md.contains("| total | | | 2.5 GiB |"), "{md}");
    assert!(
        md.contains("**fits** on CAX11 (4 GiB): 1.5 GiB left"),
        "{md}"
    );
}

#[test]
fn a_missing_revision_or_no_repository_is_an_error_naming_what_to_do() {
    let Some(git) = common::require_git() else {
        return;
    };
    let repo = common::git_repo(&git, &[("compose.yaml", PROJECT)]);
    let run = bounded(repo.path(), &["budget", "--compare", "origin/main"]);
    assert_eq!(run.code, Some(2), "{run:#?}");
    let err = common::one_line(&run.stderr);
    assert!(
        err.contains("`origin/main` is not a revision of the repository"),
        "{err}"
    );
    assert!(err.contains("`git fetch origin main`"), "{err}");
    // Nothing compared: no comment for a CI step to post, no text; the JSON is still the work
    // tree's budget, each project's `compare` null.
    for format in ["markdown", "human"] {
        let run = bounded(
            repo.path(),
            &["budget", "--compare", "origin/main", "--format", format],
        );
        assert_eq!(run.code, Some(2), "{run:#?}");
        assert_eq!(run.stdout, "", "{format}: {run:#?}");
    }
    let run = bounded(
        repo.path(),
        &["budget", "--compare", "origin/main", "--format", "json"],
    );
    assert_eq!(run.code, Some(2), "{run:#?}");
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON output");
    assert_eq!(report["projects"][0]["compare"], Value::Null, "{report:#}");
    assert_eq!(
        report["projects"][0]["total_bytes"],
        2560 * MIB,
        "{report:#}"
    );

    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("compose.yaml"), PROJECT).unwrap();
    let run = bounded(plain.path(), &["budget", "--compare", "HEAD"]);
    assert_eq!(run.code, Some(2), "{run:#?}");
    let err = common::one_line(&run.stderr);
    assert!(err.contains("compose.yaml"), "{err}");
    assert!(err.contains("is not a git repository"), "{err}");
}

#[test]
fn the_revision_reader_returns_the_bytes_git_show_does() {
    let Some(git) = common::require_git() else {
        return;
    };
    let repo = tempfile::tempdir().unwrap();
    common::git(&git, repo.path(), &["init", "-q"]);
    for entry in walkdir::WalkDir::new("testdata/orion") {
        let entry = entry.unwrap();
        let to = repo
            .path()
            .join(entry.path().strip_prefix("testdata/orion").unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    // Raw blobs: no end-of-line conversion, no filter, whatever the attributes say.
    common::write_files(
        repo.path(),
        &[
            (
                ".gitattributes",
                "*.conf text eol=crlf\n*.yml filter=upper\n",
            ),
            (
                "crlf.conf",
                "maxmemory 1mb\r\nmaxmemory-policy noeviction\n",
            ),
        ],
    );
    common::commit(&git, repo.path(), "base");
    common::git(&git, repo.path(), &["repack", "-a", "-d", "-q"]);
    common::write_files(repo.path(), &[("later.yaml", "services: {}\n")]);
    common::commit(&git, repo.path(), "later");
    let root = repo.path().canonicalize().unwrap();
    let revision = orion_lint::git::Revision::open(&root, "HEAD~1").unwrap();
    let listed = common::git(
        &git,
        repo.path(),
        &["ls-tree", "-r", "--name-only", "-z", "HEAD~1"],
    );
    let paths: Vec<&str> = std::str::from_utf8(&listed)
        .unwrap()
        .split('\0')
        .filter(|p| !p.is_empty())
        .collect();
    assert!(paths.len() > 5, "{paths:?}");
    for path in paths {
        let shown = common::git(&git, repo.path(), &["show", &format!("HEAD~1:{path}")]);
        match revision.file(Path::new(path), 10 << 20).unwrap() {
            orion_lint::git::AtRevision::File(bytes) => assert_eq!(bytes, shown, "{path}"),
            _ => panic!("{path} is a file at HEAD~1"),
        }
    }
    assert!(matches!(
        revision.file(Path::new("later.yaml"), 1 << 20).unwrap(),
        orion_lint::git::AtRevision::Absent
    ));
    assert!(matches!(
        revision.file(Path::new(".env"), 1 << 20).unwrap(),
        orion_lint::git::AtRevision::Untracked
    ));
}
