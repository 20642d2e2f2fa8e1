//! `--fix`, `--diff` and rescaling with `--fix --plan`: on copies of the fixtures and of the
//! real-world corpus, the fixed files load, Compose accepts them and reads the same project
//! except for the memory values, every changed line differs in one value only, a second run
//! changes nothing, and the limits fit the new plan. Failed writes leave the files untouched.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::Command as BinCommand;
use orion_lint::budget::Budget;
use orion_lint::compose::LoadOptions;
use orion_lint::diagnostic::Applicability;
use orion_lint::engine;
use orion_lint::lint::{self, LoadedProject, Target};
use orion_lint::settings::Overrides;
use orion_lint::source::SourceMap;
use orion_lint::{fix, plans, rescale};
use serde_json::Value;

fn orion(dir: &Path) -> BinCommand {
    let mut cmd = common::orion();
    cmd.current_dir(dir);
    cmd
}

/// orion-lint run in `dir` with `args`, which must exit 2 (nothing could be fixed or written) when
/// `refused`, and must not otherwise; its stderr is shown when it does not.
fn run_fix(dir: &Path, args: &[&str], refused: bool) -> std::process::Output {
    let output = orion(dir).args(args).output().unwrap();
    assert_eq!(
        output.status.code() == Some(2),
        refused,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A project of one file, loaded as orion-lint loads it.
fn load(file: &Path, overrides: &Overrides) -> Option<(SourceMap, LoadedProject)> {
    let mut sources = SourceMap::default();
    let loaded = lint::load_project(
        &[file.to_path_buf()],
        &LoadOptions::default(),
        overrides,
        &mut sources,
    )
    .ok()?;
    Some((sources, loaded))
}

/// What the services of a one-file project need, and the plan it is checked against.
struct Totals {
    containers: u64,
    needed: u64,
    plan: Option<&'static plans::Plan>,
}

fn totals(file: &Path, overrides: &Overrides) -> Option<Totals> {
    let (_, loaded) = load(file, overrides)?;
    let budget = Budget::new(&loaded.project, &loaded.settings);
    Some(Totals {
        containers: budget.containers(),
        needed: budget.needed(),
        plan: budget.plan,
    })
}

/// A copy of a fixture directory to fix.
fn copy(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(fixture), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
            // The corpus is read-only; the copies are ours to fix.
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

/// Every file under a directory with its text.
fn snapshot_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// The fixed text must differ from the original only in values. Changed lines keep their
/// separators (spaces, colons, quotes, brackets, `=`, `#`, commas), and each word that differs
/// is a size, a count, a plan or an eviction policy. The one addition allowed is a Redis
/// `--maxmemory SIZE` option (`redis-maxmemory-missing`), as words or as new lines.
fn assert_only_values_changed(before: &str, after: &str, context: &str) {
    let diff = similar::TextDiff::from_lines(before, after);
    for op in diff.ops() {
        let old: Vec<&str> = before
            .lines()
            .skip(op.old_range().start)
            .take(op.old_range().len())
            .collect();
        let new: Vec<&str> = after
            .lines()
            .skip(op.new_range().start)
            .take(op.new_range().len())
            .collect();
        match op {
            similar::DiffOp::Equal { .. } => {}
            similar::DiffOp::Insert { .. } => {
                assert!(
                    new.iter().all(|l| is_added_maxmemory(l)),
                    "{context}: lines added:\n{}",
                    new.join("\n")
                );
            }
            _ => {
                let (replaced, added) = new.split_at(old.len().min(new.len()));
                assert_eq!(
                    old.len(),
                    replaced.len(),
                    "{context}: lines removed:\n{}",
                    old.join("\n")
                );
                assert!(
                    added.iter().all(|l| is_added_maxmemory(l)),
                    "{context}: lines added:\n{}",
                    added.join("\n")
                );
                for (a, b) in old.iter().zip(replaced) {
                    let b = without_added_maxmemory(a, b);
                    assert!(
                        same_but_values(a, &b),
                        "{context}: more than a value changed:\n- {a}\n+ {b}"
                    );
                }
            }
        }
    }
}

fn is_added_maxmemory(line: &str) -> bool {
    let trimmed = line.trim();
    // A rescale records the plan in a file that did not say it.
    matches!(trimmed, "" | "x-orion-lint:")
        || trimmed.strip_prefix("plan: ").is_some_and(is_value)
        || trimmed == "- --maxmemory"
        || trimmed.strip_prefix("- ").is_some_and(is_value)
        || [
            "command: redis-server --maxmemory ",
            "command: valkey-server --maxmemory ",
        ]
        .iter()
        .any(|p| trimmed.strip_prefix(p).is_some_and(is_value))
}

/// `b` without a `--maxmemory SIZE` option that `a` does not have: ` --maxmemory 96mb` in a
/// string, `, "--maxmemory", "96mb"` in a flow list.
fn without_added_maxmemory(a: &str, b: &str) -> String {
    let Some(at) = b.find("--maxmemory").filter(|_| !a.contains("--maxmemory")) else {
        return b.to_string();
    };
    let (start, quoted) = if b[..at].ends_with(", \"") {
        (at - 3, true)
    } else {
        (at - 1, false)
    };
    let value = at + "--maxmemory".len() + if quoted { 4 } else { 1 };
    let value_end = b[value..]
        .find(['"', ' ', ']'])
        .map_or(b.len(), |e| value + e);
    let end = if quoted { value_end + 1 } else { value_end };
    format!("{}{}", &b[..start], &b[end..])
}

fn is_value(word: &str) -> bool {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.'))
        || plans::find(word).is_some()
        || word == "noeviction"
}

fn same_but_values(a: &str, b: &str) -> bool {
    // An eviction policy set to `noeviction` (the unsafe broker fix) counts as a value.
    let mut a = a.to_string();
    for policy in ["allkeys-lru", "allkeys-lfu", "allkeys-random"] {
        if b.contains("noeviction") {
            a = a.replace(policy, "noeviction");
        }
    }
    let a = a.as_str();
    let words = |line: &str| -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in line.chars() {
            let separator = matches!(
                c,
                ' ' | '\t' | ':' | '"' | '\'' | '[' | ']' | '{' | '}' | ',' | '=' | '#' | '-' | '$'
            );
            match out.last_mut() {
                Some((false, word)) if !separator => word.push(c),
                _ => out.push((separator, c.to_string())),
            }
        }
        out
    };
    let (wa, wb) = (words(a), words(b));
    wa.len() == wb.len()
        && wa
            .iter()
            .zip(&wb)
            .all(|((sa, x), (sb, y))| sa == sb && (x == y || !sa && is_value(x) && is_value(y)))
}

/// The leaves of a JSON value with their paths.
fn leaves(value: &Value, path: String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| leaves(v, format!("{path}.{k}"), out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| leaves(v, format!("{path}[{i}]"), out)),
        other => out.push((path, other.clone())),
    }
}

/// `docker compose config --format json` of a project, from its directory.
fn compose_config(compose: &Path, files: &[PathBuf]) -> Result<Value, String> {
    let dir = files[0].parent().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(compose);
    command
        .current_dir(dir)
        .env_clear()
        .env("HOME", home.path())
        .args(["--profile", "*"]);
    for file in files {
        command.arg("-f").arg(file);
    }
    let output = command
        .args(["config", "--format", "json"])
        .output()
        .unwrap();
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())
}

/// What Compose reads must differ only in memory values and the settings that follow them.
fn assert_compose_agrees(compose: &Path, before: &[PathBuf], after: &[PathBuf], context: &str) {
    let Ok(original) = compose_config(compose, before) else {
        return; // Compose refuses the original; nothing to compare
    };
    let fixed = compose_config(compose, after)
        .unwrap_or_else(|e| panic!("{context}: Compose refuses the fixed project: {e}"));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    leaves(&original, String::new(), &mut a);
    leaves(&fixed, String::new(), &mut b);
    // Absolute paths differ because the copy lives elsewhere; the project name too.
    let neutral = |leaves: Vec<(String, Value)>| -> Vec<(String, Value)> {
        leaves
            .into_iter()
            .filter(|(path, _)| !path.starts_with(".x-orion-lint"))
            .map(|(path, value)| match value {
                Value::String(s) if s.starts_with('/') => (path, Value::String("<path>".into())),
                other => (path, other),
            })
            .collect()
    };
    let (a, b) = (neutral(a), neutral(b));
    let (a, b): (BTreeMap<String, Value>, BTreeMap<String, Value>) =
        (a.into_iter().collect(), b.into_iter().collect());
    for path in a.keys().chain(b.keys()) {
        let (x, y) = (a.get(path), b.get(path));
        // The limits, and the values sized from them that a rescale makes follow.
        let heap = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .is_some_and(|t| t.contains("-Xmx") || t.contains("max-old-space-size"))
        };
        let allowed = path.ends_with(".mem_limit")
            || path.ends_with(".deploy.resources.limits.memory")
            || path.ends_with(".mem_reservation")
            || path.ends_with(".memswap_limit")
            || path.ends_with(".deploy.resources.reservations.memory")
            || path.contains(".environment.") && heap(x) && heap(y)
            || path.contains(".command[")
            || path.ends_with(".command") && x == Some(&Value::Null)
            || path.ends_with(".name")
            || path.ends_with("COMPOSE_PROJECT_NAME");
        assert!(
            x == y || allowed,
            "{context}: Compose reads `{path}` as {y:?} instead of {x:?}"
        );
    }
}

#[test]
fn rescale_orion_to_cax21_rewrites_the_limits_and_what_follows_them() {
    let dir = copy("testdata/orion");
    let before = std::fs::read_to_string(dir.path().join("docker-compose.yml")).unwrap();
    let diff = orion(dir.path())
        .args(["--diff", "--plan", "cax21"])
        .output()
        .unwrap();
    assert_eq!(
        diff.status.code(),
        Some(1),
        "--diff exits 1 when there is something to fix"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("docker-compose.yml")).unwrap(),
        before,
        "--diff writes nothing"
    );
    let diff = String::from_utf8(diff.stdout).unwrap();
    insta::assert_snapshot!("rescale_orion_cax21_diff", diff);

    let output = orion(dir.path())
        .args(["--fix", "--plan", "cax21", "--color", "never"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Fixed "), "{stdout}");
    let after = std::fs::read_to_string(dir.path().join("docker-compose.yml")).unwrap();
    assert_only_values_changed(&before, &after, "orion");
    assert!(after.contains("  plan: cax21\n"));
    // Budget of the rescaled file against the new plan.
    let budget = totals(
        &dir.path().join("docker-compose.yml"),
        &Overrides::default(),
    )
    .unwrap();
    assert_eq!(budget.plan.unwrap().name, "cax21");
    assert!(budget.needed <= budget.plan.unwrap().ram_bytes());
    assert!(
        budget.containers > 2 * 2688 * 1024 * 1024,
        "the new room is used: {}",
        budget.containers
    );
    // Redis keeps its share of its limit; the second run is a no-op.
    let again = orion(dir.path())
        .args(["--fix", "--plan", "cax21"])
        .output()
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("docker-compose.yml")).unwrap(),
        after
    );
    assert!(
        !String::from_utf8_lossy(&again.stdout).contains("Fixed"),
        "second run fixed something"
    );
}

#[test]
#[ignore = "needs compose"]
fn rescale_orion_to_cax21_agrees_with_compose() {
    let Some(compose) = common::require_compose() else {
        return;
    };
    let dir = copy("testdata/orion");
    orion(dir.path())
        .args(["--fix", "--plan", "cax21"])
        .output()
        .unwrap();
    assert_compose_agrees(
        &compose,
        &[Path::new("testdata/orion/docker-compose.yml")
            .canonicalize()
            .unwrap()],
        &[dir.path().join("docker-compose.yml")],
        "orion",
    );
}

#[test]
fn rescale_policies_pin_weigh_and_cap_services() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yaml");
    std::fs::write(
        &file,
        "x-orion-lint:\n  plan: cax11\n  services:\n    monitoring: {pin: true}\n    db: {weight: 3}\n    api: {cap: 1g}\nservices:\n  db:\n    image: postgres:16\n    command: postgres -c shared_buffers=128MB\n    mem_limit: 512m\n  api:\n    image: myapp/api:1.4\n    mem_limit: 512m\n  monitoring:\n    image: prom/prometheus:v2.53.0\n    mem_limit: 256m\n",
    )
    .unwrap();
    let (sources, loaded) = load(&file, &Overrides::default()).unwrap();
    let rescale = rescale::plan(
        &loaded.project,
        &loaded.settings,
        plans::find("cax11"),
        plans::find("cax21").unwrap(),
    )
    .unwrap();
    let after = |name: &str| {
        rescale
            .rows
            .iter()
            .find(|r| r.service.name == name)
            .unwrap()
            .after
            >> 20
    };
    assert_eq!(after("monitoring"), 256, "pinned");
    assert_eq!(after("api"), 1024, "capped");
    // The room keeps CAX11's 2.75 GiB free outside the containers: 4 GiB, three quarters to db.
    assert!(after("db") > 3072, "weighted: {}", after("db"));
    assert_eq!(after("db") % 128, 0, "tidy steps above 1 GiB");
    assert!(rescale.total_after() + (512 << 20) <= 8 << 30);
    let fixes = rescale::fixes(&rescale, &loaded.project, &sources);
    let (edits, _) = fix::select(&fixes);
    let fixed = fix::apply_edits(
        &sources.get(loaded.project.main_file()).text,
        &edits[&loaded.project.main_file()],
    );
    // shared_buffers keeps its quarter of the database's limit.
    let shared_buffers = after("db") / 4;
    assert!(
        fixed.contains(&format!("shared_buffers={shared_buffers}MB"))
            || fixed.contains(&format!("shared_buffers={}GB", shared_buffers / 1024)),
        "{fixed}"
    );
}

#[test]
fn shrinking_scales_down_or_refuses_without_writing() {
    let dir = copy("testdata/orion-cax21");
    run_fix(dir.path(), &["--fix", "--plan", "cax11"], false);
    let text = std::fs::read_to_string(dir.path().join("docker-compose.yml")).unwrap();
    assert!(text.contains("plan: cax11"));
    let budget = totals(
        &dir.path().join("docker-compose.yml"),
        &Overrides::default(),
    )
    .unwrap();
    assert!(budget.needed <= 4 << 30);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "x-orion-lint:\n  plan: cax21\nservices:\n  db:\n    image: postgres:16\n    mem_limit: 4g\n    mem_reservation: 3g\n",
    )
    .unwrap();
    let before = snapshot_files(dir.path());
    let output = orion(dir.path())
        .args(["--fix", "--plan", "cpx11", "--color", "never"])
        .env("COLUMNS", "300")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot rescale to CPX11"), "{stderr}");
    assert!(
        stderr.contains("`db` would get 768 MiB but needs at least 3 GiB"),
        "{stderr}"
    );
    assert_eq!(
        snapshot_files(dir.path()),
        before,
        "a refused rescale writes nothing"
    );
}

#[test]
fn fixes_keep_every_other_byte_crlf_and_bom() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yaml");
    let text = "\u{feff}# header\r\nservices:\r\n  redis:\r\n    image: redis:7  # pinned\r\n    command: \"redis-server --maxmemory 300mb\"\r\n    mem_limit: '256m'\r\n";
    std::fs::write(&file, text).unwrap();
    let output = orion(dir.path()).arg("--fix").output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fixed = std::fs::read_to_string(&file).unwrap();
    assert_eq!(fixed, text.replace("300mb", "192mb"));
}

#[test]
fn fixtures_fix_cleanly_and_idempotently() {
    fix_fixtures(None);
}

#[test]
#[ignore = "needs compose"]
fn fixed_fixtures_agree_with_compose() {
    if let Some(compose) = common::require_compose() {
        fix_fixtures(Some(&compose));
    }
}

/// Fix every fixture twice (the second run changes nothing) and check what is left; with
/// `compose`, also that Compose reads the fixed files as the originals but for the values.
fn fix_fixtures(compose: Option<&Path>) {
    for fixture in [
        "testdata/mistakes",
        "testdata/redis-conf",
        "testdata/orion",
        "testdata/semantics/indirection",
        "testdata/anchors",
    ] {
        let dir = copy(fixture);
        let before = snapshot_files(dir.path());
        let output = orion(dir.path())
            .args(["--fix", "--unsafe-fixes"])
            .output()
            .unwrap();
        assert_ne!(
            output.status.code(),
            Some(2),
            "{fixture}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let after = snapshot_files(dir.path());
        for ((path, a), (_, b)) in before.iter().zip(&after) {
            let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
            assert_only_values_changed(&a, &b, &format!("{fixture}/{}", path.display()));
        }
        orion(dir.path())
            .args(["--fix", "--unsafe-fixes"])
            .output()
            .unwrap();
        assert_eq!(
            snapshot_files(dir.path()),
            after,
            "{fixture}: a second --fix changed something"
        );
        let remaining = orion(dir.path())
            .args(["--format", "json"])
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&remaining.stdout).unwrap();
        let fixable = [
            "redis-maxmemory-headroom",
            "redis-maxmemory-exceeds-limit",
            "redis-broker-eviction",
            "postgres-setting-invalid",
        ];
        for diagnostic in report["diagnostics"].as_array().unwrap() {
            assert!(
                !fixable.contains(&diagnostic["rule"].as_str().unwrap()),
                "{fixture}: left {diagnostic}"
            );
        }
        if let Some(compose) = compose {
            let name = |d: &Path| {
                walkdir::WalkDir::new(d)
                    .into_iter()
                    .flatten()
                    .filter(|e| {
                        orion_lint::compose::discover::is_compose_file_name(
                            &e.file_name().to_string_lossy(),
                        )
                    })
                    .map(|e| e.into_path())
                    .collect::<Vec<_>>()
            };
            for (original, fixed) in name(Path::new(fixture)).iter().zip(name(dir.path())) {
                assert_compose_agrees(
                    compose,
                    &[original.canonicalize().unwrap()],
                    &[fixed],
                    fixture,
                );
            }
        }
    }
}

#[test]
#[ignore = "needs ../shared/corpus and compose"]
fn corpus_rescales_safely() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let corpus = corpus.as_path();
    let table = std::fs::read_to_string(corpus.join("COMPOSE_V2_CONFIG.tsv")).expect("readable");
    let Some(compose) = common::require_compose() else {
        return;
    };
    let files: Vec<PathBuf> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (fields.get(2) == Some(&"pass"))
                .then(|| corpus.join(format!("{}/{}", fields[0].replace('/', "__"), fields[1])))
        })
        .collect();
    assert!(files.len() > 200);
    let results = common::parallel_map(&files, |file| rescale_one(&compose, file));
    let failures: Vec<String> = results.into_iter().flatten().collect();
    assert!(
        failures.is_empty(),
        "{} corpus files failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Rescale a copy of one corpus file from the smallest CAX plan that holds it to the next one.
fn rescale_one(compose: &Path, file: &Path) -> Option<String> {
    // Copy the whole repository: files refer to `../` for env files and build contexts.
    let corpus = Path::new("../shared/corpus");
    let repository = file
        .strip_prefix(corpus)
        .unwrap()
        .components()
        .next()
        .unwrap();
    rescale_copy(compose, &corpus.join(repository), file)
}

/// Rescale `file`, in a copy of the directory `root` that holds it, one CAX plan up.
fn rescale_copy(compose: &Path, root: &Path, file: &Path) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(root, dir.path());
    let copy = dir.path().join(file.strip_prefix(root).unwrap());
    let all_profiles = Overrides {
        profiles: vec!["*".into()],
        ..Default::default()
    };
    let needed = totals(&copy, &all_profiles)?.needed;
    let cax = plans::PLANS.iter().filter(|p| p.name.starts_with("cax"));
    let from = cax.clone().find(|p| p.ram_bytes() >= needed)?;
    let to = cax.clone().find(|p| p.ram_gib > from.ram_gib)?;
    let overrides = Overrides {
        plan: Some(to.name.into()),
        from_plan: Some(from.name.into()),
        profiles: vec!["*".into()],
        ..Default::default()
    };
    let context = file.display().to_string();
    let result = std::panic::catch_unwind(|| {
        let before = std::fs::read_to_string(&copy).unwrap();
        let outcome = fix::fix_project(
            std::slice::from_ref(&copy),
            &LoadOptions::default(),
            &overrides,
            Applicability::Safe,
            Some(&rescale::requested_fixes),
        )
        .unwrap_or_else(|e| panic!("{context}: {}", e.message));
        fix::write(&outcome).unwrap();
        for change in outcome.changes.values() {
            assert_only_values_changed(
                &change.original,
                &change.fixed,
                &format!("{context}: {}", change.path.display()),
            );
        }
        let again = fix::fix_project(
            std::slice::from_ref(&copy),
            &LoadOptions::default(),
            &overrides,
            Applicability::Safe,
            Some(&rescale::requested_fixes),
        )
        .unwrap();
        assert!(
            again.changes.is_empty(),
            "{context}: the second run changes {:?}",
            again.changes.keys()
        );
        let budget = totals(&copy, &overrides).unwrap();
        assert!(
            budget.needed <= to.ram_bytes() || before == std::fs::read_to_string(&copy).unwrap(),
            "{context}: does not fit {}",
            to.name
        );
        assert_compose_agrees(
            compose,
            &[file.canonicalize().unwrap()],
            std::slice::from_ref(&copy),
            &context,
        );
    });
    result.err().map(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

#[test]
#[ignore = "needs compose"]
fn fixtures_rescale_safely() {
    // Values in anchors, `${VAR:-default}` defaults and `.env` lines are edited where written.
    let Some(compose) = common::require_compose() else {
        return;
    };
    let projects = [
        ("testdata/anchors", "docker-compose.yml"),
        ("testdata/semantics/interpolation", "compose.yaml"),
        ("testdata/semantics/extends", "compose.yaml"),
        ("testdata/semantics/multi-document", "compose.yaml"),
        ("testdata/redis-conf", "docker-compose.yml"),
        ("testdata/overcommitted", "docker-compose.yml"),
        ("testdata/orion-cax21", "docker-compose.yml"),
    ];
    let failures: Vec<String> = projects
        .iter()
        .filter_map(|(root, file)| {
            rescale_copy(&compose, Path::new(root), &Path::new(root).join(file))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The anchor shared by `web` (nginx) and `scheduler` keeps its value, fixed footprints both;
    // `api`'s own limit grows.
    let dir = copy("testdata/anchors");
    orion(dir.path())
        .args(["--fix", "--plan", "cax31"])
        .output()
        .unwrap();
    let text = std::fs::read_to_string(dir.path().join("docker-compose.yml")).unwrap();
    assert!(
        text.contains("    resources:\n      limits:\n        memory: 256M\n"),
        "{text}"
    );
    assert!(text.contains("memory: 1536M"), "{text}");
    // A limit from `.env` is rewritten in `.env`, a default inside `${...}` in place.
    let dir = copy("testdata/semantics/interpolation");
    orion(dir.path())
        .args(["--fix", "--plan", "cax21"])
        .output()
        .unwrap();
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert!(env.contains("WORKER_MEM=1920m\n"), "{env}");
    // Values that follow a limit are rewritten where written too: in `.env`, in a default.
    assert!(env.contains("export REDIS_MAXMEMORY=240mb "), "{env}");
    let text = std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    assert!(text.contains("mem_limit: ${API_MEM:-1280m}"), "{text}");
    assert!(
        text.contains("shared_buffers=${PG_SHARED_BUFFERS:-480MB}"),
        "{text}"
    );
}

#[test]
fn fixing_through_a_symbolic_link_keeps_the_link() {
    let dir = copy("testdata/mistakes");
    std::fs::create_dir(dir.path().join("deploy")).unwrap();
    std::fs::rename(
        dir.path().join("docker-compose.yml"),
        dir.path().join("deploy/prod.yml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("deploy/prod.yml", dir.path().join("docker-compose.yml")).unwrap();
    run_fix(dir.path(), &["--fix"], false);
    let link = std::fs::symlink_metadata(dir.path().join("docker-compose.yml")).unwrap();
    assert!(
        link.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    let fixed = std::fs::read_to_string(dir.path().join("deploy/prod.yml")).unwrap();
    assert!(fixed.contains("shared_buffers=256MB"), "{fixed}");
}

#[test]
fn a_read_only_file_is_not_touched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = copy("testdata/mistakes");
    let file = dir.path().join("docker-compose.yml");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = snapshot_files(dir.path());
    let output = orion(dir.path())
        .args(["--fix", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("read-only"));
    assert_eq!(snapshot_files(dir.path()), before);
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(size: &str) -> Option<(tempfile::TempDir, Mount)> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|o| o.status.success());
        let mount = Mount(dir.path().to_path_buf());
        ok.then_some((dir, mount))
    }

    fn remount_read_only(&self) {
        let status = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn require_mount(size: &str) -> Option<(tempfile::TempDir, Mount)> {
    let found = Mount::tmpfs(size);
    if found.is_none() {
        common::require(
            "a tmpfs mount (root, or CAP_SYS_ADMIN)",
            None,
            "run the tests as root, as CI does",
        );
    }
    found
}

#[test]
#[ignore = "needs root (a tmpfs mount)"]
fn a_read_only_file_system_is_not_touched() {
    let Some((dir, mount)) = require_mount("1m") else {
        return;
    };
    copy_dir(Path::new("testdata/mistakes"), dir.path());
    mount.remount_read_only();
    let before = snapshot_files(dir.path());
    let output = orion(dir.path())
        .args(["--fix", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = common::one_line(&String::from_utf8_lossy(&output.stderr));
    assert!(
        stderr.contains("so no file was changed; the file system is read-only"),
        "{stderr}"
    );
    assert_eq!(snapshot_files(dir.path()), before);
}

#[test]
#[ignore = "needs root (a tmpfs mount)"]
fn a_full_disk_leaves_the_file_whole() {
    let Some((dir, _mount)) = require_mount("256k") else {
        return;
    };
    copy_dir(Path::new("testdata/mistakes"), dir.path());
    // Fill the file system, leaving less room than the fixed file needs.
    let filler = dir.path().join("filler");
    let mut size = 256 * 1024;
    while size > 0 && std::fs::write(&filler, vec![0u8; size]).is_err() {
        size -= 4096;
    }
    let before = snapshot_files(dir.path());
    let output = run_fix(dir.path(), &["--fix", "--color", "never"], true);
    let stderr = common::one_line(&String::from_utf8_lossy(&output.stderr));
    assert!(stderr.contains("so no file was changed"), "{stderr}");
    assert_eq!(
        snapshot_files(dir.path()),
        before,
        "the original is whole and no temporary file is left"
    );
}

#[test]
fn diff_shows_what_fix_writes() {
    // `--fix` and `--diff` agree: the diff applied is what --fix writes.
    let dir = copy("testdata/mistakes");
    let diff = orion(dir.path()).arg("--diff").output().unwrap();
    let diff = String::from_utf8(diff.stdout).unwrap();
    orion(dir.path()).arg("--fix").output().unwrap();
    let fixed = std::fs::read_to_string(dir.path().join("docker-compose.yml")).unwrap();
    for line in diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
    {
        assert!(fixed.contains(&line[1..]), "{line}");
    }
    let report = engine::lint(
        &Target::Paths(vec![dir.path().to_path_buf()]),
        &LoadOptions::default(),
        &Overrides::default(),
    );
    assert!(
        report
            .diagnostics
            .iter()
            .all(|d| d.fix.is_none()
                || d.fix.as_ref().unwrap().applicability == Applicability::Unsafe)
    );
}

#[test]
fn a_fix_of_a_file_two_projects_include_is_counted_once() {
    let shared = "services:\n  cache:\n    image: redis:7\n    mem_limit: 128m\n    command: redis-server --maxmemory 120mb\n";
    let project =
        "include:\n  - ../common.yaml\nservices:\n  web:\n    image: nginx\n    mem_limit: 64m\n";
    let dir = common::project_dir(&[
        ("common.yaml", shared),
        ("p0/compose.yaml", project),
        ("p1/compose.yaml", project),
    ]);
    let output = orion(dir.path()).args(["--fix", "."]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    let fixed = std::fs::read_to_string(dir.path().join("common.yaml")).unwrap();
    assert_eq!(fixed, shared.replace("120mb", "96mb"));
    // One edit of one file, seen by both projects: one fix.
    assert!(
        stdout.contains("Fixed 1 problem. No problems found in 2 projects."),
        "{stdout}{stderr}"
    );
}
