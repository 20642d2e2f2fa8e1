//! The pre-commit hooks of `.pre-commit-hooks.yaml`: their `files` pattern agrees with what
//! orion-lint calls a compose file, and the real `pre-commit` (PyPI) installs this repository as a
//! hook and fails a commit on a bad compose file but not on a good one.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use orion_lint::compose::discover::is_compose_file_name;
use orion_lint::source::{SourceFile, SourceMap};
use orion_lint::yaml::{self, Node};

const HOOKS: &str = ".pre-commit-hooks.yaml";
const PRE_COMMIT_HINT: &str = "`bash .ci/run` (into .ci/venv), or `pip install pre-commit`";

/// pre-commit, when it and git (which `try-repo` runs) are installed, else the skip/fail
/// convention.
fn pre_commit_and_git() -> Option<PathBuf> {
    let pre_commit = common::require(
        "pre-commit",
        common::python_tool("pre-commit"),
        PRE_COMMIT_HINT,
    )?;
    common::require("git", common::find_on_path("git"), "`apt-get install git`")?;
    Some(pre_commit)
}

fn hooks() -> Vec<Node> {
    let text = std::fs::read_to_string(HOOKS).expect("the hooks file exists");
    let mut sources = SourceMap::default();
    let file = sources.add(SourceFile::new(HOOKS.into(), text.clone()));
    let mut documents = yaml::parse(file, &text).expect("valid YAML");
    documents
        .remove(0)
        .as_seq()
        .expect("a list of hooks")
        .to_vec()
}

fn field<'a>(hook: &'a Node, key: &str) -> Option<&'a str> {
    hook.get(key).and_then(Node::as_str)
}

fn hook(id: &str) -> Node {
    hooks()
        .into_iter()
        .find(|h| field(h, "id") == Some(id))
        .unwrap_or_else(|| panic!("no hook `{id}`"))
}

#[test]
fn the_hooks_run_orion_lint_serially_on_compose_files() {
    let lint = hook("orion-lint");
    assert_eq!(field(&lint, "entry"), Some("orion-lint"));
    assert_eq!(field(&lint, "language"), Some("rust"));
    assert_eq!(field(&lint, "require_serial"), Some("true"));
    assert!(lint.get("stages").is_none(), "runs at commit time");
    let fix = hook("orion-lint-fix");
    assert_eq!(field(&fix, "entry"), Some("orion-lint --fix"));
    assert_eq!(field(&fix, "language"), Some("rust"));
    assert_eq!(field(&fix, "require_serial"), Some("true"));
    let stages: Vec<&str> = fix
        .get("stages")
        .and_then(Node::as_seq)
        .expect("stages")
        .iter()
        .filter_map(Node::as_str)
        .collect();
    assert_eq!(stages, ["manual"]);
    assert_eq!(field(&lint, "files"), field(&fix, "files"));
}

/// The pre-commit release each feature the hooks use needs (pre-commit's CHANGELOG).
const NEEDS: [(&str, [u32; 3]); 3] = [
    // `language: rust` came in 1.10.0, but until 1.18.1 it ran `cargo install` without
    // `--path .`, which cargo has refused since 2019.
    ("language: rust", [1, 18, 1]),
    ("require_serial", [1, 13, 0]),
    ("stages: [manual]", [1, 8, 0]),
];

#[test]
fn the_hooks_require_the_oldest_pre_commit_that_runs_them() {
    let oldest = NEEDS.iter().map(|(_, v)| *v).max().unwrap();
    for hook in hooks() {
        let version: Vec<u32> = field(&hook, "minimum_pre_commit_version")
            .unwrap_or_else(|| panic!("{:?} has no minimum_pre_commit_version", field(&hook, "id")))
            .split('.')
            .map(|n| n.parse().expect("a version number"))
            .collect();
        assert_eq!(version, oldest, "{:?}: {NEEDS:?}", field(&hook, "id"));
    }
}

#[test]
#[ignore = "needs python3"]
fn the_files_pattern_matches_what_orion_lint_calls_a_compose_file() {
    // pre-commit matches `files` with Python's `re.search` on the path from the repository root.
    let Some(python) = common::require(
        "python3",
        common::find_on_path("python3"),
        "`apt-get install python3`",
    ) else {
        return;
    };
    let pattern = field(&hook("orion-lint"), "files")
        .expect("a files pattern")
        .to_string();
    let paths = [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yml",
        "docker-compose.yaml",
        "compose.override.yml",
        "docker-compose.override.yaml",
        "deploy/docker-compose.prod.yaml",
        "a/b/compose-dev.yml",
        "docker-compose-dev.yml",
        "compose..yml",
        "composer.yml",
        "deploy/composer.yaml",
        "compose/nginx.conf.yml",
        "composefiles/app.yml",
        "docker-compose.yml.bak",
        "mycompose.yml",
        "my-compose.yml",
        "compose.json",
        "Compose.yaml",
        "compose",
    ];
    let script = "import re, sys\nfor p in sys.argv[2:]: print(bool(re.search(sys.argv[1], p)))";
    let output = Command::new(python)
        .args(["-c", script, &pattern])
        .args(paths)
        .output()
        .expect("python3 runs");
    assert!(output.status.success());
    let matched: Vec<bool> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| l == "True")
        .collect();
    for (path, matched) in paths.iter().zip(matched) {
        let name = path.rsplit('/').next().unwrap();
        assert_eq!(
            matched,
            is_compose_file_name(name),
            "{path}: the hook's pattern and is_compose_file_name disagree"
        );
    }
}

#[test]
#[ignore = "needs pre-commit"]
fn the_manifest_is_valid_for_pre_commit() {
    let Some(pre_commit) = common::require(
        "pre-commit",
        common::python_tool("pre-commit"),
        PRE_COMMIT_HINT,
    ) else {
        return;
    };
    let output = Command::new(pre_commit)
        .args(["validate-manifest", HOOKS])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// `pre-commit try-repo` builds this repository with cargo (`cargo install --path .`, the release
/// profile) in a fresh store. The build goes to a target directory kept between runs, with the
/// release profile turned down to a quick build: only what pre-commit does with the hook is tested
/// here, not the optimized binary.
/// `--verbose`: the hook's output is shown when it passes too.
fn try_repo(pre_commit: &Path, scratch: &Path, hook: &[&str], files: &[&str]) -> (bool, String) {
    let repo = env!("CARGO_MANIFEST_DIR");
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-target");
    let home = tempfile::tempdir().expect("temp dir");
    let output = Command::new(pre_commit)
        .current_dir(scratch)
        .args(["try-repo", repo])
        .args(hook)
        .arg("--files")
        .args(files)
        .args(["--color", "never", "--verbose"])
        .env("PRE_COMMIT_HOME", home.path())
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "true")
        // try-repo commits uncommitted changes of this repository into a shadow copy.
        .env("GIT_AUTHOR_NAME", "orion-lint tests")
        .env("GIT_AUTHOR_EMAIL", "tests@orion-lint.invalid")
        .env("GIT_COMMITTER_NAME", "orion-lint tests")
        .env("GIT_COMMITTER_EMAIL", "tests@orion-lint.invalid")
        .env_remove("COLUMNS")
        .output()
        .expect("pre-commit runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
#[ignore = "needs pre-commit and git"]
fn pre_commit_fails_on_a_bad_compose_file_passes_on_a_good_one_and_fixes_on_demand() {
    let Some(pre_commit) = pre_commit_and_git() else {
        return;
    };
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = scratch.path();
    git(dir, &["init", "--quiet"]);
    std::fs::create_dir_all(dir.join("bad")).unwrap();
    std::fs::create_dir_all(dir.join("good")).unwrap();
    std::fs::write(
        dir.join("bad/docker-compose.yml"),
        "services:\n  api:\n    image: api\n    mem_limit: 256m\n    mem_reservation: 512m\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("good/compose.yaml"),
        "services:\n  api:\n    image: api\n    mem_limit: 512m\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("fix")).unwrap();
    std::fs::write(
        dir.join("fix/compose.yaml"),
        "services:\n  redis:\n    image: redis:7\n    command: redis-server --maxmemory 100mb\n    mem_limit: 128m\n",
    )
    .unwrap();
    git(dir, &["add", "."]);

    let started = Instant::now();
    let (passed, output) = try_repo(
        &pre_commit,
        dir,
        &["orion-lint"],
        &["bad/docker-compose.yml"],
    );
    assert!(!passed, "the hook passed on a bad file:\n{output}");
    assert!(
        output.contains("mem-reservation-exceeds-limit"),
        "the hook's output names the rule:\n{output}"
    );
    let (passed, output) = try_repo(&pre_commit, dir, &["orion-lint"], &["good/compose.yaml"]);
    assert!(passed, "the hook failed on a good file:\n{output}");
    assert!(output.contains("orion-lint"), "{output}");
    // The manual-stage fix hook rewrites the file; pre-commit fails because a hook changed it.
    let (passed, output) = try_repo(
        &pre_commit,
        dir,
        &["orion-lint-fix", "--hook-stage", "manual"],
        &["fix/compose.yaml"],
    );
    assert!(!passed, "{output}");
    assert!(
        output.contains("files were modified by this hook"),
        "{output}"
    );
    let fixed = std::fs::read_to_string(dir.join("fix/compose.yaml")).unwrap();
    assert!(fixed.contains("--maxmemory 96mb"), "{fixed}");
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "pre-commit try-repo, three runs: {:.1?}\n",
            started.elapsed()
        )
        .as_bytes(),
    );
}

#[test]
#[ignore = "needs pre-commit and git"]
fn pre_commit_lints_a_changed_override_with_its_base_file() {
    let Some(pre_commit) = pre_commit_and_git() else {
        return;
    };
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = scratch.path();
    git(dir, &["init", "--quiet"]);
    // The limits are in the base files; each override raises a reservation above them, which
    // only the merged project shows. Alone, an override would have no limit at all.
    let base = "services:\n  api:\n    image: api\n    mem_limit: 256m\n  worker:\n    image: w\n    mem_limit: 128m\n";
    let over = "services:\n  api:\n    mem_reservation: 512m\n  worker:\n    environment: {A: b}\n";
    for (sub, base_name, override_name) in [
        ("a", "compose.yml", "compose.override.yml"),
        ("b", "docker-compose.yml", "docker-compose.override.yml"),
    ] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::write(dir.join(sub).join(base_name), base).unwrap();
        std::fs::write(dir.join(sub).join(override_name), over).unwrap();
    }
    git(dir, &["add", "."]);
    // Only the overrides changed: pre-commit passes them alone.
    let (passed, output) = try_repo(
        &pre_commit,
        dir,
        &["orion-lint"],
        &["a/compose.override.yml", "b/docker-compose.override.yml"],
    );
    assert!(!passed, "{output}");
    for file in ["a/compose.override.yml", "b/docker-compose.override.yml"] {
        assert!(
            output.contains(&format!("{file}:3:22"))
                && output.contains("mem-reservation-exceeds-limit"),
            "the merged project's finding, on the override:\n{output}"
        );
    }
    assert!(
        !output.contains("mem-limit-missing"),
        "the limits of the base files count:\n{output}"
    );
}
