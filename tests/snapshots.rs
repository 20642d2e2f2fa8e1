//! Exact output for the fixtures in `testdata/`: the human reports (what a person reads in a
//! terminal or a CI log) and the JSON that integrations build on. Review changes with
//! `cargo insta review`.

mod common;

/// Runs orion-lint and returns its exit code, stdout and stderr.
fn run(args: &[&str]) -> String {
    let output = common::orion()
        .args(args)
        .args(["--color", "never"])
        .output()
        .expect("runs");
    format!(
        "exit code: {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().expect("exit code"),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

macro_rules! snapshot {
    ($name:ident, $($arg:expr),+) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(run(&[$($arg),+]));
        }
    };
}

snapshot!(orion_human, "testdata/orion");
snapshot!(orion_json, "testdata/orion", "--format", "json");
snapshot!(orion_cax21_human, "testdata/orion-cax21");
snapshot!(mistakes_human, "testdata/mistakes");
snapshot!(mistakes_json, "testdata/mistakes", "--format", "json");
snapshot!(overcommitted_human, "testdata/overcommitted");
snapshot!(redis_conf_human, "testdata/redis-conf");
snapshot!(anchors_human, "testdata/anchors");
snapshot!(
    invalid_distinct_limits,
    "testdata/invalid/mem-limit-deploy-distinct.yml"
);
snapshot!(
    invalid_cpus_only_limits,
    "testdata/invalid/mem-limit-deploy-cpus-only.yml"
);
snapshot!(
    invalid_scale_replicas,
    "testdata/invalid/scale-replicas-distinct.yml"
);
snapshot!(
    invalid_deploy_memory_integer,
    "testdata/invalid/deploy-memory-integer.yml"
);
snapshot!(
    invalid_garbage_limit,
    "testdata/invalid/mem-limit-garbage.yml"
);
snapshot!(
    invalid_anchor_conflict,
    "testdata/invalid/anchor-mem-limit-conflict.yml"
);
snapshot!(budget_orion, "budget", "testdata/orion");
snapshot!(budget_overcommitted, "budget", "testdata/overcommitted");
snapshot!(
    budget_orion_cax21_profile,
    "budget",
    "testdata/orion-cax21",
    "--profile",
    "none"
);
snapshot!(indirection_human, "testdata/semantics/indirection");
snapshot!(
    budget_semantics_include,
    "budget",
    "testdata/semantics/include"
);
snapshot!(
    budget_semantics_interpolation,
    "budget",
    "testdata/semantics/interpolation"
);
