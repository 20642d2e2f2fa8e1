//! Property tests: the fuzz targets' properties (`properties/checks.rs`) on generated input,
//! Compose-shaped YAML (services with limits, replicas, anchors, merge keys, interpolation, Redis
//! and PostgreSQL commands, `.env` and `redis.conf` beside them), the same with a few bytes
//! changed, and arbitrary bytes. The case counts keep the whole file well under 60 s in a debug build
//! on two cores; the fuzz targets (`fuzz/`) are the long run.

mod properties {
    pub mod checks;
}

use properties::checks::{self, FILE_MARKER, Scratch};
use proptest::prelude::*;
use proptest::sample::select;

/// A value for a size field: valid in every spelling, invalid, interpolated, aliased.
fn size() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u64..5000, select(vec!["m", "M", "g", "G", "k", "mb", "MiB", "gb", "b", ""]))
            .prop_map(|(n, unit)| format!("{n}{unit}")),
        3 => select(vec![
            "1e3k", "0x1p4", "1.5g", ".5g", "5.", "+5m", "1_000m", "-3m", "1 g", "0", "1073741824",
            "9999999999999999999g", "inf ", "\"512m\"", "'1g'", "\"${MEM}\"", "${MEM:-256m}",
            "${UNSET}", "\"${MEM:?set MEM}\"", "*mem", "[1g]", "{}", "~", "100mb",
        ])
        .prop_map(str::to_string),
        1 => "[ -~]{0,10}",
    ]
}

fn replicas() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..20).prop_map(|n| n.to_string()),
        select(vec![
            "-3",
            "1.5",
            "\"x\"",
            "99999999999999999999",
            "10000000000",
            "${N:-2}"
        ])
        .prop_map(str::to_string),
    ]
}

fn command() -> impl Strategy<Value = String> {
    let policy = select(vec!["noeviction", "allkeys-lru", "volatile-lfu", "bogus"]);
    prop_oneof![
        (size(), policy.clone())
            .prop_map(|(s, p)| format!("redis-server --maxmemory {s} --maxmemory-policy {p}")),
        size().prop_map(|s| format!("[\"redis-server\", \"--maxmemory\", \"{s}\"]")),
        size().prop_map(|s| format!("\n      - redis-server\n      - --maxmemory\n      - {s}")),
        size().prop_map(|s| format!("postgres -c shared_buffers={s} -c work_mem={s}")),
        Just("redis-server /usr/local/etc/redis/redis.conf".to_string()),
        Just("celery -A app worker --concurrency=4".to_string()),
        Just("sh -c \"exec redis-server --maxmemory $${MAXMEM}\"".to_string()),
    ]
}

/// One service's settings, as block-mapping lines indented under the service.
fn service() -> impl Strategy<Value = String> {
    let image = select(vec![
        "redis:7",
        "postgres:15",
        "bitnami/redis",
        "nginx",
        "app",
    ]);
    (
        image,
        any::<bool>(),
        prop::option::of(size()),
        prop::option::of(size()),
        prop::option::of(size()),
        prop::option::of((replicas(), prop::option::of(size()))),
        prop::option::of(replicas()),
        prop::option::of(command()),
        prop::option::of(size()),
        any::<bool>(),
        prop::option::of(select(vec!["redis", "db", "base"])),
    )
        .prop_map(
            |(
                image,
                merge,
                limit,
                reservation,
                swap,
                deploy,
                scale,
                command,
                args,
                conf,
                extends,
            )| {
                let mut s = format!("    image: {image}\n");
                if merge {
                    s += "    <<: *defaults\n";
                }
                if let Some(v) = limit {
                    s += &format!("    mem_limit: {v}\n");
                }
                if let Some(v) = reservation {
                    s += &format!("    mem_reservation: {v}\n");
                }
                if let Some(v) = swap {
                    s += &format!("    memswap_limit: {v}\n");
                }
                if let Some((replicas, memory)) = deploy {
                    s += &format!("    deploy:\n      replicas: {replicas}\n");
                    if let Some(memory) = memory {
                        s += &format!(
                            "      resources:\n        limits:\n          memory: {memory}\n"
                        );
                    }
                }
                if let Some(v) = scale {
                    s += &format!("    scale: {v}\n");
                }
                if let Some(v) = command {
                    s += &format!("    command: {v}\n");
                }
                if let Some(v) = args {
                    s += &format!("    environment:\n      REDIS_ARGS: \"--maxmemory {v}\"\n");
                }
                if conf {
                    s += "    volumes:\n      - ./redis.conf:/usr/local/etc/redis/redis.conf\n";
                }
                if let Some(other) = extends {
                    s += &format!("    extends: {other}\n");
                }
                s
            },
        )
}

const NAMES: [&str; 5] = ["redis", "db", "worker", "web", "cache"];

/// A project: `compose.yml` with anchors and services, maybe a plan, `.env`, `redis.conf` and an
/// override file.
fn project() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(service(), 1..=NAMES.len()),
        prop::option::of(select(vec!["cax11", "cx22", "ccx63", "bogus", "${PLAN}"])),
        size(),
        prop::option::of(size()),
        prop::option::of((size(), select(vec!["noeviction", "allkeys-lru"]))),
        prop::option::of(size()),
    )
        .prop_map(|(services, plan, anchored, env, conf, override_limit)| {
            let mut s = String::new();
            if let Some(plan) = plan {
                s += &format!("x-orion-lint:\n  plan: {plan}\n");
            }
            s += &format!("x-mem: &mem {anchored}\nx-defaults: &defaults\n  mem_limit: 256m\n");
            s += "services:\n";
            for (name, body) in NAMES.iter().zip(&services) {
                s += &format!("  {name}:\n{body}");
            }
            if let Some(mem) = env {
                s += &format!("{FILE_MARKER}.env\nMEM={mem}\nN=3\nPLAN=cax11\n");
            }
            if let Some((maxmemory, policy)) = conf {
                s += &format!(
                    "{FILE_MARKER}redis.conf\nmaxmemory {maxmemory}\nmaxmemory-policy {policy}\n"
                );
            }
            if let Some(limit) = override_limit {
                s += &format!(
                    "{FILE_MARKER}compose.override.yml\nservices:\n  redis:\n    mem_limit: {limit}\n"
                );
            }
            s
        })
}

/// A project with a few bytes replaced, inserted or removed: nearly valid YAML.
fn mutated_project() -> impl Strategy<Value = Vec<u8>> {
    (
        project(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4),
    )
        .prop_map(|(text, mutations)| {
            let mut bytes = text.into_bytes();
            for (at, byte, kind) in mutations {
                let i = at.index(bytes.len() + 1);
                match kind {
                    0 => bytes.insert(i, byte),
                    1 if i < bytes.len() => bytes[i] = byte,
                    _ if i < bytes.len() => {
                        bytes.remove(i);
                    }
                    _ => {}
                }
            }
            bytes
        })
}

/// A fixed seed, so that `cargo test` runs the same cases every time and CI is not flaky; set
/// `PROPTEST_RNG_SEED` to explore others (the fuzzers explore without end).
fn config(cases: u32) -> ProptestConfig {
    let rng_seed = match std::env::var("PROPTEST_RNG_SEED") {
        Ok(seed) => seed.parse().expect("PROPTEST_RNG_SEED is a number"),
        Err(_) => proptest::test_runner::RngSeed::Fixed(20261201),
    };
    ProptestConfig {
        cases,
        rng_seed,
        // Shrinking a slow case can take minutes; the failing input is printed either way.
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn sizes_read_back_in_every_grammar(text in size()) {
        checks::check_units(&text);
    }

    #[test]
    fn sizes_of_any_text_do_not_panic(text in any::<String>()) {
        checks::check_units(&text);
    }
}

proptest! {
    #![proptest_config(config(600))]

    #[test]
    fn compose_shaped_projects_load(input in project()) {
        checks::check_load(&Scratch::new(), input.as_bytes());
    }

    #[test]
    fn arbitrary_bytes_load(input in prop::collection::vec(any::<u8>(), 0..400)) {
        checks::check_load(&Scratch::new(), &input);
    }

    #[test]
    fn compose_shaped_projects_lint(input in project()) {
        checks::check_lint(&Scratch::new(), input.as_bytes());
    }

    #[test]
    fn mutated_projects_lint(input in mutated_project()) {
        checks::check_lint(&Scratch::new(), &input);
    }

    #[test]
    fn compose_shaped_projects_fix(input in project()) {
        checks::check_fix(&Scratch::new(), input.as_bytes());
    }

    #[test]
    fn mutated_projects_fix(input in mutated_project()) {
        checks::check_fix(&Scratch::new(), &input);
    }
}

// Inputs the fuzzers and these properties found, each checked by the property it broke.

#[test]
fn fuzz_regression_redis_limit_below_one_mib_fix_settles() {
    // The suggested `--maxmemory 0mb` means no limit, so the fix was suggested again and again.
    let input = b"services:\n  db:\n    image: redis:7\n    mem_limit: 1k\n";
    checks::check_fix(&Scratch::new(), input);
}

#[test]
fn fuzz_regression_no_words_appended_after_a_shell_operator() {
    // Compose drops what follows an unquoted `<` in a string command, so an appended
    // `--maxmemory` was never read and the fix was suggested again and again.
    let input = b"services:\n  worker:\n    image: redis:7\n    mem_limit: 64m\n    command: redis-server --maxmemory <5CN --maxmemory-policy noeviction\n";
    checks::check_fix(&Scratch::new(), input);
}

#[test]
fn fuzz_regression_no_value_inserted_where_nothing_is_written() {
    // `- !` is an empty value whose span sits on the next line: "replacing" it appended text there.
    let input = b"services:\n  redis:\n    image: redis:7\n    mem_limit: 64m\n    command:\n      - redis-server\n      - --maxmemory\n      - !\n";
    checks::check_fix(&Scratch::new(), input);
}

#[test]
fn fuzz_regression_no_maxmemory_for_a_limit_docker_refuses() {
    // 75% of a 1-byte limit is `0mb`, which means no limit: the fix was suggested again and again.
    let input = b"services:\n  redis:\n    image: redis:7\n    mem_limit: 1\n";
    checks::check_fix(&Scratch::new(), input);
}

#[test]
fn fuzz_regression_compose_size_with_an_exponent_reads_back() {
    checks::check_units("1e3k");
}
