//! Prometheus alert rules tied to the limits (issue 11): which rule files are read, which alerts
//! are tied to a service, when a threshold is unreachable, and how `--fix --plan` carries the
//! thresholds along in their own spelling.

mod common;

use std::fs;
use std::path::Path;

const PROMETHEUS: &str = "  prometheus:
    image: prom/prometheus:v2.53.0
    volumes:
      - ./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro
      - ./prometheus/rules:/etc/prometheus/rules:ro
    mem_limit: 256m
";

/// A project in `dir/orion` with Prometheus loading `rules/*.yml`, the services `services` and
/// the rule file `rules` holding these alert expressions.
fn project(services: &str, exprs: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("orion");
    fs::create_dir_all(root.join("prometheus/rules")).unwrap();
    fs::write(
        root.join("compose.yaml"),
        format!("services:\n{PROMETHEUS}{services}"),
    )
    .unwrap();
    fs::write(
        root.join("prometheus/prometheus.yml"),
        "global:\n  scrape_interval: 15s\nrule_files:\n  - rules/*.yml\n",
    )
    .unwrap();
    fs::write(root.join("prometheus/rules/memory.yml"), rule_file(exprs)).unwrap();
    dir
}

fn rule_file(exprs: &[&str]) -> String {
    let mut text = String::from("groups:\n  - name: memory\n    rules:\n");
    for (i, expr) in exprs.iter().enumerate() {
        text.push_str(&format!(
            "      - alert: Alert{i}\n        expr: {expr}\n        for: 5m\n"
        ));
    }
    text
}

const API: &str = "  api:
    image: ghcr.io/orion/api:1.4
    mem_limit: 512m
";

const REDIS: &str = "  redis:
    image: redis:7-alpine
    command: redis-server --maxmemory 100mb --maxmemory-policy allkeys-lru
    mem_limit: 128m
  redis-exporter:
    image: oliver006/redis_exporter:v1.62.0
    environment:
      REDIS_ADDR: redis://:s3cr3t-token@redis:6379
    mem_limit: 64m
";

/// The `alert-threshold-unreachable` findings as (line of the rule file, message).
fn findings(dir: &Path) -> Vec<(u64, String)> {
    let output = common::orion()
        .current_dir(dir.join("orion"))
        .args(["--format", "json", "."])
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(2), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains("s3cr3t"), "the exporter's address leaked");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "alert-threshold-unreachable")
        .map(|d| {
            (
                d["line"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn thresholds_in_bytes_products_and_exponents_at_the_limit_are_found() {
    let dir = project(
        API,
        &[
            r#"container_memory_usage_bytes{name="orion-api-1"} > 536870912"#,
            r#"container_memory_working_set_bytes{container_label_com_docker_compose_service="api"} > 512 * 1024 * 1024"#,
            r#"container_memory_rss{container="api"} >= 6e8"#,
            r#"container_memory_usage_bytes{name="orion-api-1"} > 600e6"#,
            // Below the limit: reachable.
            r#"container_memory_usage_bytes{name="orion-api-1"} > 4e8"#,
        ],
    );
    let found = findings(dir.path());
    let lines: Vec<u64> = found.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [5, 8, 11, 14], "{found:#?}");
    assert!(found[0].1.contains("alert `Alert0`"), "{}", found[0].1);
    assert!(found[0].1.contains("service `api`"), "{}", found[0].1);
}

#[test]
fn redis_used_memory_compares_with_maxmemory_through_its_exporter() {
    let dir = project(
        REDIS,
        &[
            // The guide's "Alert at >100 MB (of 128 MB limit)": 100 MiB is Redis's `100mb`.
            "redis_memory_used_bytes > 100 * 1024 * 1024",
            "redis_memory_used_bytes > 90 * 1024 * 1024",
        ],
    );
    let found = findings(dir.path());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, 5);
    assert!(found[0].1.contains("maxmemory"), "{}", found[0].1);
    assert!(found[0].1.contains("service `redis`"), "{}", found[0].1);
}

#[test]
fn unrelated_alerts_give_nothing() {
    let dir = project(
        &format!("{API}{REDIS}"),
        &[
            r#"rate(container_cpu_usage_seconds_total{name="orion-api-1"}[5m]) > 0.9"#,
            "(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100 > 90",
            r#"container_memory_usage_bytes{name="orion-api-1"} / container_spec_memory_limit_bytes{name="orion-api-1"} > 0.8"#,
            "redis_connected_clients > 5000",
            r#"container_memory_usage_bytes{name="other-project-1"} > 9e9"#,
        ],
    );
    assert_eq!(findings(dir.path()), Vec::new());
}

#[test]
fn alert_rules_globs_in_orion_lint_toml_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("orion");
    fs::create_dir_all(root.join("monitoring")).unwrap();
    fs::write(root.join("compose.yaml"), format!("services:\n{API}")).unwrap();
    fs::write(
        root.join("orion-lint.toml"),
        "alert-rules = [\"monitoring/*.rules.yml\"]\n",
    )
    .unwrap();
    fs::write(
        root.join("monitoring/api.rules.yml"),
        rule_file(&[r#"container_memory_usage_bytes{name="orion-api-1"} > 1e9"#]),
    )
    .unwrap();
    let found = findings(dir.path());
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn a_rescale_carries_the_thresholds_along_in_their_own_spelling() {
    let dir = project(
        &format!("{API}{REDIS}"),
        &[
            r#"container_memory_usage_bytes{name="orion-api-1"} > 4e8"#,
            r#"container_memory_usage_bytes{name="orion-api-1"} > 419430400"#,
            "redis_memory_used_bytes > 80 * 1024 * 1024",
        ],
    );
    let root = dir.path().join("orion");
    // A block scalar keeps its layout: only the number changes.
    let rules = root.join("prometheus/rules/memory.yml");
    let text = fs::read_to_string(&rules).unwrap().replace(
        "expr: redis_memory_used_bytes",
        "expr: |\n          redis_memory_used_bytes",
    );
    fs::write(&rules, &text).unwrap();
    rescale_cax11_to_cax21(&root);
    let compose = fs::read_to_string(root.join("compose.yaml")).unwrap();
    let limit = |service: &str| -> f64 {
        let at = compose.find(&format!("  {service}:\n")).unwrap();
        let line = compose[at..]
            .lines()
            .find(|l| l.trim_start().starts_with("mem_limit:"))
            .unwrap();
        let value = line.split(':').nth(1).unwrap().trim();
        let (number, unit) = value.split_at(value.len() - 1);
        number.parse::<f64>().unwrap() * if unit == "g" { 1024.0 } else { 1.0 }
    };
    let (api, redis) = (limit("api"), limit("redis"));
    assert!(api > 512.0 && redis > 128.0, "{compose}");
    let fixed = fs::read_to_string(&rules).unwrap();
    let expected = text
        .replace("> 4e8", &format!("> {}e8", trim(4.0 * api / 512.0)))
        .replace(
            "> 419430400",
            &format!("> {}", (419430400.0 * api / 512.0).round()),
        )
        // Redis's used memory is bounded by its `maxmemory` (100mb before): the threshold keeps
        // its share of that.
        .replace(
            "> 80 * 1024",
            &format!(
                "> {} * 1024",
                (80.0 * maxmemory_mib(&compose) / 100.0).round()
            ),
        );
    assert_eq!(fixed, expected);
}

fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The `--maxmemory` of the `redis` service in a compose text, in MiB.
fn maxmemory_mib(compose: &str) -> f64 {
    let at = compose.find("--maxmemory ").expect("a maxmemory") + "--maxmemory ".len();
    let value = compose[at..].split_whitespace().next().unwrap();
    value.strip_suffix("mb").unwrap().parse().unwrap()
}

/// The MiB of the `redis_memory_used_bytes > N * 1024 * 1024` threshold in a rule file.
fn redis_threshold_mib(rules: &str) -> f64 {
    let at = rules.find("redis_memory_used_bytes > ").unwrap() + "redis_memory_used_bytes > ".len();
    let rest = &rules[at..];
    rest[..rest.find(" * 1024 * 1024").unwrap()]
        .parse()
        .unwrap()
}

/// A Redis used-memory threshold is bounded by `maxmemory`, not the limit: on the Orion stack
/// (100 MiB of `maxmemory 100mb`, under a 128m limit) the rescale to CAX21 keeps its share of the
/// new `maxmemory` instead of following the limit above it.
#[test]
fn a_rescale_keeps_a_redis_threshold_at_its_share_of_maxmemory() {
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new("testdata/orion") {
        let entry = entry.unwrap();
        let target = dir
            .path()
            .join(entry.path().strip_prefix("testdata/orion").unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
    let read = |file: &str| fs::read_to_string(dir.path().join(file)).unwrap();
    let share_before = redis_threshold_mib(&read("prometheus/alerts.yml"))
        / maxmemory_mib(&read("docker-compose.yml"));
    let output = common::orion()
        .current_dir(dir.path())
        .args(["--fix", "--plan", "cax21", "."])
        .output()
        .unwrap();
    assert!(output.status.code() != Some(2), "{output:?}");
    let (threshold, maxmemory) = (
        redis_threshold_mib(&read("prometheus/alerts.yml")),
        maxmemory_mib(&read("docker-compose.yml")),
    );
    assert!(
        maxmemory > 100.0,
        "the rescale grows maxmemory: {maxmemory}"
    );
    assert!(
        threshold <= maxmemory,
        "{threshold} MiB > maxmemory {maxmemory} MiB"
    );
    assert!(
        (threshold / maxmemory - share_before).abs() <= 1.0 / maxmemory,
        "{threshold} MiB of {maxmemory} MiB, was {share_before}"
    );
}

/// Without `maxmemory` the ceiling is the limit; the rescale's fixes insert one, and the
/// threshold keeps its share of that.
#[test]
fn a_rescale_keeps_a_redis_threshold_at_its_share_of_an_inserted_maxmemory() {
    let redis = REDIS.replace(" --maxmemory 100mb", "");
    let dir = project(&redis, &["redis_memory_used_bytes > 64 * 1024 * 1024"]);
    let root = dir.path().join("orion");
    rescale_cax11_to_cax21(&root);
    let compose = fs::read_to_string(root.join("compose.yaml")).unwrap();
    let rules = fs::read_to_string(root.join("prometheus/rules/memory.yml")).unwrap();
    let (threshold, maxmemory) = (redis_threshold_mib(&rules), maxmemory_mib(&compose));
    assert!(maxmemory > 96.0, "{compose}");
    assert!(
        (threshold / maxmemory - 64.0 / 128.0).abs() <= 1.0 / maxmemory,
        "{threshold} MiB of {maxmemory} MiB\n{compose}\n{rules}"
    );
}

/// `--fix --from-plan cax11 --plan cax21` in `root`, which must not fail.
fn rescale_cax11_to_cax21(root: &Path) {
    let output = common::orion()
        .current_dir(root)
        .args(["--fix", "--from-plan", "cax11", "--plan", "cax21", "."])
        .output()
        .unwrap();
    assert!(output.status.code() != Some(2), "{output:?}");
}
