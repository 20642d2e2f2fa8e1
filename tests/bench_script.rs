//! bench/compare.sh and its generator: the script parses, and what bench/generate.py writes is
//! what it says (so many services, so many projects with their `.env`, a file `--fix --plan
//! cax21` can rescale) and loads without errors. Nothing is timed here.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use orion_lint::compose::LoadOptions;
use orion_lint::lint::{self, Target};
use orion_lint::settings::Overrides;
use orion_lint::source::SourceMap;

fn python3() -> Option<PathBuf> {
    common::require(
        "python3",
        common::find_on_path("python3"),
        "apt-get install python3",
    )
}

/// `bench/generate.py ARGS...`, which must succeed.
fn generate(python: &Path, args: &[&str]) {
    let output = Command::new(python)
        .arg("bench/generate.py")
        .args(args)
        .output()
        .expect("run bench/generate.py");
    assert!(
        output.status.success(),
        "bench/generate.py {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The service count of each project found under `path`, failing on any load error.
fn services_per_project(path: &Path) -> Vec<usize> {
    let target = Target::Paths(vec![path.to_path_buf()]);
    let mut sources = SourceMap::default();
    let (loaded, errors) = lint::load_all(
        &target,
        &LoadOptions::default(),
        &Overrides::default(),
        &mut sources,
    );
    assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    loaded.iter().map(|p| p.project.services.len()).collect()
}

#[test]
fn compare_script_parses() {
    let status = Command::new("bash")
        .args(["-n", "bench/compare.sh"])
        .status()
        .expect("run bash");
    assert!(status.success(), "bash -n bench/compare.sh failed");
}

#[test]
#[ignore = "needs python3"]
fn generated_files_have_the_services_asked_for() {
    let Some(python) = python3() else { return };
    let dir = tempfile::tempdir().unwrap();
    // 37 ends in a partial group of four.
    for count in [10, 37] {
        let file = dir.path().join(format!("services-{count}.yml"));
        generate(
            &python,
            &["services", &count.to_string(), file.to_str().unwrap()],
        );
        assert_eq!(services_per_project(&file), [count]);
    }
    let large = dir.path().join("large.yml");
    generate(&python, &["large", "0.05", large.to_str().unwrap()]);
    let size = std::fs::metadata(&large).unwrap().len();
    assert!((40_000..60_000).contains(&size), "{size} bytes");
    assert!(services_per_project(&large)[0] > 100);
}

#[test]
#[ignore = "needs python3"]
fn generated_trees_are_projects_with_their_env() {
    let Some(python) = python3() else { return };
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    generate(&python, &["tree", "3", tree.to_str().unwrap()]);
    assert_eq!(services_per_project(&tree), [4, 4, 4]);
    for project in ["project-0000", "project-0001", "project-0002"] {
        assert!(tree.join(project).join(".env").is_file(), "{project}/.env");
    }
    let output = common::orion()
        .current_dir(&tree)
        .args(["--format", "json", "."])
        .output()
        .unwrap();
    assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["errors"], serde_json::json!([]));
}

#[test]
#[ignore = "needs python3"]
fn generated_rescalable_file_rescales_to_cax21() {
    let Some(python) = python3() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rescalable.yml");
    generate(&python, &["rescalable", "30", file.to_str().unwrap()]);
    let before = std::fs::read_to_string(&file).unwrap();
    let output = common::orion()
        .current_dir(dir.path())
        .args(["--diff", "--plan", "cax21", "rescalable.yml"])
        .output()
        .unwrap();
    assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
    let diff = String::from_utf8_lossy(&output.stdout);
    // Every limit of the ten groups shrinks: 819 MiB each (24 GiB of a CAX41) keep their share.
    for (limit, count) in [("mem_limit: 819m", 20), ("memory: 819M", 10)] {
        let removed = diff
            .lines()
            .filter(|line| line.strip_prefix('-').is_some_and(|l| l.trim() == limit))
            .count();
        assert_eq!(removed, count, "{limit} in\n{diff}");
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
}

#[test]
#[ignore = "needs compose and python3"]
fn generated_files_are_valid_for_compose() {
    let (Some(compose), Some(python)) = (common::require_compose(), python3()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let services = dir.path().join("services.yml");
    let rescalable = dir.path().join("rescalable.yml");
    generate(&python, &["services", "10", services.to_str().unwrap()]);
    generate(&python, &["rescalable", "10", rescalable.to_str().unwrap()]);
    generate(
        &python,
        &["tree", "1", dir.path().join("tree").to_str().unwrap()],
    );
    let tree = dir.path().join("tree/project-0000/compose.yaml");
    for file in [&services, &rescalable, &tree] {
        let output = Command::new(&compose)
            .env_clear()
            .arg("-f")
            .arg(file)
            .args(["config", "-q"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}: {output:?}", file.display());
    }
}
