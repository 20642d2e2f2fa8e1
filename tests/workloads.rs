//! The workload rules (issue 12) on `testdata/workloads/`: each failure fires once, at the value
//! to change, and the steady twin stays silent.

mod common;

const RULES: &str = "web-workers-exceed-cpus,celery-concurrency-implicit,celery-child-memory-exceeds-limit,postgres-memory-worst-case,jvm-heap-exceeds-limit,node-heap-exceeds-limit";

/// (rule, severity, service, primary text) of every workload finding on a file.
fn findings(file: &str, extra: &[&str]) -> Vec<(String, String, String, String)> {
    let output = common::orion()
        .args(["--format", "json", "--select", RULES])
        .args(extra)
        .arg(file)
        .output()
        .expect("run orion-lint");
    assert_ne!(output.status.code(), Some(2), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let text = std::fs::read_to_string(file).expect("fixture");
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let line = text
                .lines()
                .nth(d["line"].as_u64().unwrap() as usize - 1)
                .unwrap();
            let (start, end) = (
                d["column"].as_u64().unwrap() as usize,
                d["end_column"].as_u64().unwrap() as usize,
            );
            (
                d["rule"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
                d["service"].as_str().unwrap().to_string(),
                line[start - 1..end - 1].to_string(),
            )
        })
        .collect()
}

fn row(rule: &str, severity: &str, service: &str, text: &str) -> (String, String, String, String) {
    (rule.into(), severity.into(), service.into(), text.into())
}

#[test]
fn each_workload_failure_fires_at_the_value_to_change() {
    assert_eq!(
        findings("testdata/workloads/compose.yaml", &[]),
        [
            row("web-workers-exceed-cpus", "warning", "api", "9"),
            row("web-workers-exceed-cpus", "warning", "asgi", "3"),
            row("web-workers-exceed-cpus", "warning", "legacy", "8"),
            row("celery-concurrency-implicit", "warning", "worker", "worker"),
            row(
                "celery-child-memory-exceeds-limit",
                "warning",
                "recycler",
                "200000"
            ),
            row("postgres-memory-worst-case", "warning", "db", "16MB"),
            row("jvm-heap-exceeds-limit", "error", "search", "1g"),
            row("jvm-heap-exceeds-limit", "warning", "kafka", "900m"),
            row("node-heap-exceeds-limit", "error", "web", "1536"),
            row("node-heap-exceeds-limit", "warning", "ssr", "900"),
        ]
    );
}

#[test]
fn the_steady_twin_is_silent() {
    assert_eq!(findings("testdata/workloads/steady/compose.yaml", &[]), []);
}

#[test]
fn worker_rules_follow_the_plan_given_on_the_command_line() {
    // CAX21 has 4 vCPUs: 9 gunicorn workers are 2 x 4 + 1, WEB_CONCURRENCY=8 fits too.
    let on_cax21 = findings("testdata/workloads/compose.yaml", &["--plan", "cax21"]);
    let services: Vec<&str> = on_cax21
        .iter()
        .filter(|f| f.0 == "web-workers-exceed-cpus")
        .map(|f| f.2.as_str())
        .collect();
    assert_eq!(services, ["asgi"]);
    let output = common::orion()
        .args([
            "--format",
            "concise",
            "--select",
            "celery-concurrency-implicit",
            "--plan",
            "cax21",
        ])
        .arg("testdata/workloads/compose.yaml")
        .output()
        .expect("run orion-lint");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("4 processes on plan CAX21"), "{stdout}");
}

#[test]
fn a_configured_severity_still_applies_to_two_level_rules() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("compose.yaml");
    let fixture = std::fs::read_to_string("testdata/workloads/compose.yaml").expect("fixture");
    std::fs::write(
        &file,
        fixture.replace(
            "  plan: cax11\n",
            "  plan: cax11\n  severity:\n    jvm-heap-exceeds-limit: info\n",
        ),
    )
    .expect("write");
    let severities: Vec<String> = findings(file.to_str().unwrap(), &[])
        .into_iter()
        .filter(|f| f.0 == "jvm-heap-exceeds-limit")
        .map(|f| f.1)
        .collect();
    assert_eq!(severities, ["info", "info"]);
}
