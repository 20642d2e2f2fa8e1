//! `orion-lint --fix --plan NEW` (issue 10): the plan assumed when none is recorded, the
//! role-aware default policy that keeps the old plan's free memory, growth bounded while
//! unlimited services run, every dependent value following its limit, no shrinking on an upgrade,
//! and a report (and a `budget` preview) that says what happened, with the same numbers.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

const MIB: u64 = 1 << 20;

/// A copy of a fixture directory to fix.
fn copy(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(fixture) {
        let entry = entry.unwrap();
        let target = dir.path().join(entry.path().strip_prefix(fixture).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    dir
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let output = common::orion()
        .current_dir(dir)
        .args(args)
        .args(["--color", "never"])
        .env("COLUMNS", "300")
        .output()
        .unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `orion-lint budget --format json` of the project in `dir`.
fn budget(dir: &Path, args: &[&str]) -> Value {
    let output = common::orion()
        .current_dir(dir)
        .args(["budget", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Each service's limit in MiB (0 without one), as the budget reads the file now.
fn limits(dir: &Path) -> BTreeMap<String, u64> {
    budget(dir, &[])["projects"][0]["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["limit_bytes"].as_u64().unwrap_or(0) / MIB,
            )
        })
        .collect()
}

fn text(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

/// The Orion stack as teams keep it: without an `x-orion-lint` block.
fn orion_without_plan() -> tempfile::TempDir {
    let dir = copy("testdata/orion");
    let file = dir.path().join("docker-compose.yml");
    let original = std::fs::read_to_string(&file).unwrap();
    let stripped = original.replace("x-orion-lint:\n  plan: cax11\n", "");
    assert_ne!(stripped, original);
    std::fs::write(&file, stripped).unwrap();
    dir
}

#[test]
fn rescale_without_a_recorded_plan_assumes_the_smallest_of_the_family() {
    let dir = orion_without_plan();
    let before = limits(dir.path());
    let fixed = run(dir.path(), &["--fix", "--plan", "cax21"]);
    assert_ne!(fixed.code, Some(2), "{}", fixed.stderr);
    let said = common::one_line(&format!("{}{}", fixed.stdout, fixed.stderr));
    assert!(
        said.contains(
            "limits sized for CAX11: the smallest CAX plan they fit; use --from-plan to say otherwise"
        ),
        "{said}"
    );
    assert!(
        !said.contains("--from-plan cax11"),
        "no request for a flag: {said}"
    );
    let after = limits(dir.path());
    assert!(after["api"] > before["api"], "{after:?}");
    assert!(text(dir.path(), "docker-compose.yml").contains("  plan: cax21\n"));
    // The recorded plan makes the second run a no-op.
    let file = text(dir.path(), "docker-compose.yml");
    run(dir.path(), &["--fix", "--plan", "cax21"]);
    assert_eq!(text(dir.path(), "docker-compose.yml"), file);
}

#[test]
fn rescale_keeps_the_old_free_memory_and_grows_what_grows_with_load() {
    let dir = copy("testdata/orion");
    let before = limits(dir.path());
    let fixed = run(dir.path(), &["--fix", "--plan", "cax21"]);
    assert_ne!(fixed.code, Some(2), "{}", fixed.stderr);
    let after = limits(dir.path());
    for fixed_footprint in [
        "node-exporter",
        "redis-exporter",
        "alertmanager",
        "celery-beat",
        "cadvisor",
        "grafana",
        "flower",
    ] {
        assert_eq!(
            after[fixed_footprint], before[fixed_footprint],
            "{fixed_footprint} keeps its limit: {after:?}"
        );
    }
    for grows in ["db", "redis", "api", "celery-worker", "prometheus"] {
        assert!(after[grows] > before[grows], "{grows} grows: {after:?}");
    }
    // CAX11 had 4096 - 2688 = 1408 MiB outside the containers; the CAX21 keeps at least that.
    let total: u64 = after.values().sum();
    assert!(total + 1408 <= 8192, "{total} MiB of limits: {after:?}");

    // `grow: fill` uses the room up to the OS reserve, a role override makes beat grow.
    let dir = copy("testdata/orion");
    let file = dir.path().join("docker-compose.yml");
    let policy = "x-orion-lint:\n  plan: cax11\n  grow: fill\n  services:\n    celery-beat: {role: worker}\n";
    let original = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        original.replace("x-orion-lint:\n  plan: cax11\n", policy),
    )
    .unwrap();
    let fixed = run(dir.path(), &["--fix", "--plan", "cax21"]);
    assert_ne!(fixed.code, Some(2), "{}", fixed.stderr);
    let filled = limits(dir.path());
    let filled_total: u64 = filled.values().sum();
    assert!(filled_total > total, "{filled_total} > {total}");
    assert!(filled_total + 512 <= 8192, "{filled:?}");
    assert!(filled["celery-beat"] > 128, "{filled:?}");
    assert_eq!(filled["node-exporter"], 64, "{filled:?}");
}

#[test]
fn rescale_bounds_growth_while_unlimited_services_run() {
    let dir = copy("testdata/rescale/one-limited");
    let fixed = run(dir.path(), &["--fix", "--plan", "cax21"]);
    assert_ne!(fixed.code, Some(2), "{}", fixed.stderr);
    let after = limits(dir.path());
    // The usable RAM grows from 3584 MiB to 7680 MiB: 512m may become at most 1097 MiB.
    assert!(
        after["api"] > 512 && after["api"] * 3584 <= 512 * 7680,
        "{after:?}"
    );
    let said = common::one_line(&format!("{}{}", fixed.stdout, fixed.stderr));
    assert!(
        said.contains("leaves 2 services out") && said.contains("db, redis"),
        "{said}"
    );
}

#[test]
fn rescale_dependent_values_keep_their_share_of_the_limit() {
    let dir = copy("testdata/rescale/dependents");
    let fixed = run(dir.path(), &["--fix", "--plan", "cax31"]);
    assert_ne!(fixed.code, Some(2), "{}", fixed.stderr);
    let after = limits(dir.path());
    let file = text(dir.path(), "compose.yaml");
    let (search, api, reports, web, ssr, cache) = (
        after["search"],
        after["api"],
        after["reports"],
        after["web"],
        after["ssr"],
        after["cache"],
    );
    assert!(search > 1024 && api > 512 && cache > 256, "{after:?}");
    // No swap stays no swap; twice the limit stays twice the limit.
    assert!(
        file.contains(&format!("memswap_limit: {}", size(search))),
        "{file}"
    );
    assert!(
        file.contains(&format!("memswap_limit: {}", size(2 * api))),
        "{file}"
    );
    assert!(
        file.contains(&format!("mem_reservation: {}", size(api / 2))),
        "{file}"
    );
    assert!(
        file.contains(&format!("memory: {}M", reports / 3)),
        "reservation of reports: {file}"
    );
    // Heaps: half of search's limit, three quarters of api's, 300/384 of reports', 3/4 of web's;
    // the inserted maxmemory sized for the new limit (75%), not the old one.
    for expected in [
        format!("-Xmx{}", size(search / 2)),
        format!("-Xmx{}", size(api * 3 / 4)),
        format!("-Xmx{}m", reports * 300 / 384),
        format!("--max-old-space-size={} ", web * 3 / 4),
        format!("--max-old-space-size={}", ssr * 3 / 4),
        format!("--maxmemory {}mb", cache * 3 / 4),
    ] {
        assert!(file.contains(&expected), "{expected} in {file}");
    }
    // Nothing the rescale leaves behind is an error or a heap warning.
    let report = run(dir.path(), &["--format", "json"]);
    let report: Value = serde_json::from_str(&report.stdout).unwrap();
    let rules = common::json_rules(&report);
    for rule in [
        "memswap-limit-invalid",
        "jvm-heap-exceeds-limit",
        "node-heap-exceeds-limit",
        "mem-reservation-exceeds-limit",
        "redis-maxmemory-missing",
        "redis-maxmemory-headroom",
    ] {
        assert!(!rules.contains(&rule), "{rule}: {rules:?}");
    }
}

/// A size in MiB as Compose spellings of the fixture write it: `1536m`, `2g`.
fn size(mib: u64) -> String {
    if mib % 1024 == 0 {
        format!("{}g", mib / 1024)
    } else {
        format!("{mib}m")
    }
}

#[test]
fn rescale_never_shrinks_on_an_upgrade() {
    let dir = copy("testdata/rescale/above-plan");
    let before = text(dir.path(), "compose.yaml");
    let refused = run(dir.path(), &["--fix", "--plan", "cax21"]);
    assert_eq!(refused.code, Some(2), "{}", refused.stdout);
    let said = common::one_line(&refused.stderr);
    assert!(
        said.contains("compose.yaml") && said.contains("short by 2.5 GiB"),
        "{said}"
    );
    assert_eq!(text(dir.path(), "compose.yaml"), before, "nothing written");
    let fixed = run(dir.path(), &["--fix", "--plan", "cax31"]);
    assert_ne!(fixed.code, Some(2), "{}", fixed.stderr);
    assert!(limits(dir.path())["db"] >= 10 * 1024);
}

#[test]
fn rescale_report_says_what_changed_and_agrees_with_the_preview() {
    let dir = copy("testdata/rescale/shared-anchor");
    let preview = budget(dir.path(), &["--plan", "cax21"]);
    let rescale = &preview["projects"][0]["rescale"];
    let previewed: BTreeMap<String, u64> = rescale["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["after_bytes"].as_u64().unwrap() / MIB,
            )
        })
        .collect();
    let text_preview = run(dir.path(), &["budget", "--plan", "cax21"]).stdout;
    assert!(
        text_preview.contains("smallest plan that fits today's limits"),
        "{text_preview}"
    );
    let fixed = run(dir.path(), &["--fix", "--plan", "cax21"]);
    assert_ne!(fixed.code, Some(2), "{}", fixed.stderr);
    let after = limits(dir.path());
    for name in ["api", "worker", "db"] {
        assert_eq!(
            previewed[name], after[name],
            "{name}: {previewed:?} {after:?}"
        );
    }
    assert!(after["api"] > 512, "{after:?}");
    let said = common::one_line(&fixed.stdout);
    let total_before = "2 GiB";
    let total_after = human(after.values().sum::<u64>());
    let left = human(8192 - after.values().sum::<u64>());
    assert!(
        said.contains("rescaled from CAX11 to CAX21")
            && said.contains(&format!("containers {total_before} → {total_after}"))
            && said.contains(&format!("{left} left")),
        "{said}"
    );
    assert!(said.contains("before") && said.contains("after"), "{said}");
}

/// MiB as orion-lint prints sizes for people.
fn human(mib: u64) -> String {
    if mib >= 1024 {
        let gib = mib as f64 / 1024.0;
        if mib % 1024 == 0 {
            format!("{} GiB", mib / 1024)
        } else {
            format!("{gib:.1} GiB")
        }
    } else {
        format!("{mib} MiB")
    }
}

#[test]
fn rescale_every_cax_step_up_and_down() {
    let cax = ["cax11", "cax21", "cax31", "cax41"];
    let ram = |name: &str| 4096u64 << cax.iter().position(|c| *c == name).unwrap();
    for from in cax {
        for to in cax.iter().filter(|&&t| t != from) {
            let dir = copy("testdata/rescale/dependents");
            let file = dir.path().join("compose.yaml");
            let original = std::fs::read_to_string(&file).unwrap();
            std::fs::write(
                &file,
                original.replace("plan: cax11", &format!("plan: {from}")),
            )
            .unwrap();
            let before = limits(dir.path());
            let written = text(dir.path(), "compose.yaml");
            let fixed = run(dir.path(), &["--fix", "--plan", to]);
            let context = format!("{from} -> {to}: {}", fixed.stderr);
            let after = limits(dir.path());
            if ram(to) > ram(from) {
                assert_ne!(fixed.code, Some(2), "{context}");
                for (name, limit) in &after {
                    assert!(*limit >= before[name], "{context}: {name} shrank");
                }
            } else if fixed.code == Some(2) {
                assert!(fixed.stderr.contains("cannot rescale"), "{context}");
                assert_eq!(text(dir.path(), "compose.yaml"), written, "{context}");
                continue;
            } else {
                for (name, limit) in &after {
                    assert!(*limit <= before[name], "{context}: {name} grew");
                }
            }
            let total: u64 = after.values().sum();
            assert!(total + 512 <= ram(to), "{context}: {after:?}");
            let report: Value =
                serde_json::from_str(&run(dir.path(), &["--format", "json"]).stdout).unwrap();
            let rules = common::json_rules(&report);
            for rule in [
                "memswap-limit-invalid",
                "jvm-heap-exceeds-limit",
                "node-heap-exceeds-limit",
                "mem-reservation-exceeds-limit",
                "plan-ram-exceeded",
            ] {
                assert!(!rules.contains(&rule), "{context}: {rule}");
            }
        }
    }
}

#[test]
fn rescale_the_initial_jvm_heap_follows_too() {
    for (from, to) in [("cax21", "cax11"), ("cax11", "cax21")] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("compose.yaml"),
            format!("x-orion-lint:\n  plan: {from}\nservices:\n  search:\n    image: opensearchproject/opensearch:2.15.0\n    environment:\n      OPENSEARCH_JAVA_OPTS: -Xms3072m -Xmx3072m\n    mem_limit: 6g\n"),
        )
        .unwrap();
        let fixed = run(dir.path(), &["--fix", "--plan", to]);
        assert_ne!(fixed.code, Some(2), "{}", fixed.stderr);
        // 6 GiB: more than a CAX11 holds, so a move down shrinks it too.
        let limit = limits(dir.path())["search"];
        assert_ne!(limit, 6144, "{from} -> {to}");
        let heap = size(limit / 2);
        assert!(
            text(dir.path(), "compose.yaml").contains(&format!("-Xms{heap} -Xmx{heap}")),
            "{from} -> {to}: {}",
            text(dir.path(), "compose.yaml")
        );
    }
}

#[test]
fn rescale_to_the_assumed_plan_records_it_and_changes_no_limit() {
    let dir = copy("testdata/rescale/one-limited");
    let fixed = run(dir.path(), &["--fix", "--plan", "cax11"]);
    assert_ne!(fixed.code, Some(2), "{}", fixed.stderr);
    let said = common::one_line(&fixed.stdout);
    assert!(
        said.contains("limits already sized for CAX11, the smallest CAX plan they fit: no limit changed; the plan is recorded"),
        "{said}"
    );
    assert_eq!(limits(dir.path())["api"], 512);
    assert!(text(dir.path(), "compose.yaml").contains("  plan: cax11\n"));
}

/// A move down changes no limit that still fits the smaller plan: a stack sized on a large
/// server, using little of it, is not cut to the same sliver of a small one.
#[test]
fn rescale_down_keeps_limits_that_still_fit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "x-orion-lint:\n  plan: cax41\nservices:\n  db:\n    image: postgres:16\n    mem_limit: 1g\n  api:\n    image: registry.example.com/api:1\n    mem_limit: 1g\n",
    )
    .unwrap();
    let fixed = run(dir.path(), &["--fix", "--plan", "cax11"]);
    assert_ne!(fixed.code, Some(2), "{}", fixed.stderr);
    let limits = limits(dir.path());
    assert_eq!(
        (limits["db"], limits["api"]),
        (1024, 1024),
        "{}",
        fixed.stdout
    );
    assert!(text(dir.path(), "compose.yaml").contains("plan: cax11"));
}

/// A repository of `projects` (directories), each including one shared `common.yaml` (a
/// database's limit) and adding its own `web` service with `web_limit`, sized for CAX11.
fn projects_sharing_a_file(projects: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // One repository: the projects may include a file beside them.
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join("common.yaml"),
        "services:\n  db:\n    image: postgres:16\n    mem_limit: 1g\n",
    )
    .unwrap();
    for (project, web_limit) in projects {
        std::fs::create_dir(dir.path().join(project)).unwrap();
        std::fs::write(
            dir.path().join(project).join("compose.yaml"),
            format!("include:\n  - ../common.yaml\nx-orion-lint:\n  plan: cax11\nservices:\n  web:\n    image: registry.example.com/web:1\n    mem_limit: {web_limit}\n"),
        )
        .unwrap();
    }
    dir
}

/// Every file under `dir` with its text.
fn texts(dir: &Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && !e.path().starts_with(dir.join(".git")))
        .map(|e| {
            let name = e.path().strip_prefix(dir).unwrap().display().to_string();
            (name, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect()
}

/// Issue 10: a file shared by several projects is rescaled once, as fixing one project alone
/// would, not once per project with each seeing the previous one's writes.
#[test]
fn rescale_of_projects_sharing_a_file_changes_it_once() {
    let alone = projects_sharing_a_file(&[("a", "512m")]);
    let fixed = run(alone.path(), &["--fix", "--plan", "cax21", "."]);
    assert_eq!(fixed.code, Some(0), "{}{}", fixed.stdout, fixed.stderr);
    let expected = texts(alone.path());
    assert_ne!(
        expected["common.yaml"],
        "services:\n  db:\n    image: postgres:16\n    mem_limit: 1g\n"
    );

    let shared = projects_sharing_a_file(&[("a", "512m"), ("b", "512m"), ("c", "512m")]);
    let fixed = run(shared.path(), &["--fix", "--plan", "cax21", "."]);
    assert_eq!(fixed.code, Some(0), "{}{}", fixed.stdout, fixed.stderr);
    let after = texts(shared.path());
    assert_eq!(after["common.yaml"], expected["common.yaml"]);
    for project in ["a", "b", "c"] {
        assert_eq!(
            after[&format!("{project}/compose.yaml")],
            expected["a/compose.yaml"],
            "{project}"
        );
    }
    let again = run(shared.path(), &["--fix", "--plan", "cax21", "."]);
    assert_eq!(again.code, Some(0), "{}{}", again.stdout, again.stderr);
    assert_eq!(texts(shared.path()), after, "a second run changes nothing");
}

/// Projects that would rescale a shared file differently: the run refuses, naming the file and
/// both projects, and writes nothing.
#[test]
fn rescale_of_projects_that_disagree_on_a_shared_file_writes_nothing() {
    let dir = projects_sharing_a_file(&[("a", "512m"), ("b", "2g")]);
    let before = texts(dir.path());
    let fixed = run(dir.path(), &["--fix", "--plan", "cax21", "."]);
    assert_eq!(fixed.code, Some(2), "{}{}", fixed.stdout, fixed.stderr);
    let said = common::one_line(&fixed.stderr);
    assert!(said.contains("common.yaml"), "{said}");
    assert!(
        said.contains("a/compose.yaml") && said.contains("b/compose.yaml"),
        "{said}"
    );
    assert_eq!(texts(dir.path()), before, "nothing is written");
}
