//! Differential test against the official Compose v2 binary: for every project Compose accepts,
//! orion-lint's model must give each service the same effective memory limit (in bytes), the same
//! replica count and the same profiles, and enable the same services by default.
//!
//! The projects are the fixtures in `testdata/` and the real-world corpus in `../shared/corpus/`
//! (skipped with a message when absent). Disagreements that are understood are listed in
//! `EXCLUDED` with the reason.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use orion_lint::compose::{self, LoadOptions};
use orion_lint::settings::Settings;
use orion_lint::source::SourceMap;
use serde_json::Value;

/// Corpus files where orion-lint knowingly differs from Compose, with the reason.
const EXCLUDED: &[(&str, &str)] = &[];

#[derive(Debug, PartialEq, Eq)]
struct Facts {
    limit: Option<u64>,
    /// `None` where orion-lint finds the count invalid; Compose refuses such a project.
    replicas: Option<u64>,
    profiles: Vec<String>,
}

type Model = BTreeMap<String, Facts>;

/// What `docker compose -f FILE... config` makes of a project, run from the first file's
/// directory with an empty environment. `all_profiles` enables every profile (`--profile '*'`).
fn reference(compose: &Path, files: &[PathBuf], all_profiles: bool) -> Result<Model, String> {
    let dir = files[0].parent().expect("a file has a directory");
    let home = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(compose);
    command
        .current_dir(dir)
        .env_clear()
        .env("HOME", home.path());
    for file in files {
        let absolute = std::fs::canonicalize(file).expect("the file exists");
        command.arg("-f").arg(absolute);
    }
    if all_profiles {
        command.args(["--profile", "*"]);
    }
    let output = command
        .args(["config", "--format", "json"])
        .output()
        .expect("compose runs");
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    let json: Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    let bytes = |v: &Value| {
        v.as_str()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|b| *b > 0)
    };
    Ok(json["services"]
        .as_object()
        .map(|services| {
            services
                .iter()
                .map(|(name, service)| {
                    let limit = bytes(&service["deploy"]["resources"]["limits"]["memory"])
                        .or_else(|| bytes(&service["mem_limit"]));
                    let replicas = service["scale"]
                        .as_u64()
                        .or_else(|| service["deploy"]["replicas"].as_u64())
                        .or(Some(1));
                    let mut profiles: Vec<String> = service["profiles"]
                        .as_array()
                        .map(|p| {
                            p.iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    profiles.sort();
                    (
                        name.clone(),
                        Facts {
                            limit,
                            replicas,
                            profiles,
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default())
}

/// orion-lint's model of the same project, with the same (empty) environment.
fn ours(files: &[PathBuf], all_profiles: bool) -> Result<Model, String> {
    let mut sources = SourceMap::default();
    let project =
        compose::load(files, &LoadOptions::default(), &mut sources).map_err(|e| e.message)?;
    // Compose's default: the profiles of COMPOSE_PROFILES, else only the empty profile.
    let active = if all_profiles {
        vec!["*".to_string()]
    } else {
        project
            .compose_profiles
            .clone()
            .unwrap_or_else(|| vec![String::new()])
    };
    let settings = Settings::resolve(
        &orion_lint::settings::Overrides {
            profiles: active,
            ..Default::default()
        },
        &project,
        &sources,
    )
    .map_err(|e| e.message)?;
    Ok(project
        .services
        .iter()
        .filter(|s| settings.is_enabled(s))
        .map(|s| {
            let mut profiles: Vec<String> = s.profiles().into_iter().map(str::to_string).collect();
            profiles.sort();
            let facts = Facts {
                limit: s.memory().limit().map(|(bytes, _)| bytes),
                replicas: s.replicas(),
                profiles,
            };
            (s.name.clone(), facts)
        })
        .collect())
}

/// The differences between Compose and orion-lint for one project, empty when they agree or when
/// Compose refuses the project.
fn differences(compose: &Path, files: &[PathBuf]) -> Vec<String> {
    let mut found = Vec::new();
    for all_profiles in [true, false] {
        let Ok(expected) = reference(compose, files, all_profiles) else {
            continue; // Compose refuses it (with every profile, an env_file may be missing)
        };
        let label = if all_profiles {
            "--profile '*'"
        } else {
            "default profiles"
        };
        match ours(files, all_profiles) {
            Err(error) => found.push(format!("{label}: orion-lint cannot load it: {error}")),
            Ok(actual) if actual != expected => {
                for name in expected.keys().chain(actual.keys()) {
                    let (e, a) = (expected.get(name), actual.get(name));
                    if e != a {
                        found.push(format!(
                            "{label}: service `{name}`: compose {e:?}, orion-lint {a:?}"
                        ));
                    }
                }
                found.dedup();
            }
            Ok(_) => {}
        }
    }
    found
}

fn check_projects(projects: &[Vec<PathBuf>], root: &Path) {
    let Some(compose) = common::require_compose() else {
        return;
    };
    let results = common::parallel_map(projects, |files| {
        (files[0].clone(), differences(&compose, files))
    });
    let mut failures = Vec::new();
    for (file, differences) in results {
        let relative = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .to_string_lossy()
            .into_owned();
        let excluded = EXCLUDED.iter().any(|(path, _)| *path == relative);
        match (differences.is_empty(), excluded) {
            (false, false) => failures.push(format!("{relative}:\n  {}", differences.join("\n  "))),
            (true, true) => failures.push(format!(
                "{relative}: listed in EXCLUDED but now agrees with Compose: remove it"
            )),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} files disagree with Compose:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
#[ignore = "needs compose"]
fn fixtures_agree_with_compose() {
    let mut projects: Vec<Vec<PathBuf>> = compose::discover::projects(&[PathBuf::from("testdata")])
        .expect("testdata is readable")
        .into_iter()
        .filter(|files| !files[0].starts_with("testdata/invalid"))
        .collect();
    let multi_file = Path::new("testdata/semantics/multi-file");
    projects.retain(|files| !files[0].starts_with(multi_file));
    projects.push(vec![
        multi_file.join("base.yml"),
        multi_file.join("prod.yml"),
    ]);
    assert!(projects.len() > 15, "fixtures found: {projects:?}");
    check_projects(&projects, Path::new("testdata"));
}

#[test]
#[ignore = "needs ../shared/corpus and compose"]
fn corpus_agrees_with_compose() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let corpus = corpus.as_path();
    let table = std::fs::read_to_string(corpus.join("COMPOSE_V2_CONFIG.tsv")).expect("readable");
    let projects: Vec<Vec<PathBuf>> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (fields.get(2) == Some(&"pass")).then(|| {
                vec![corpus.join(format!("{}/{}", fields[0].replace('/', "__"), fields[1]))]
            })
        })
        .collect();
    assert!(
        projects.len() > 200,
        "the corpus lists {} accepted files",
        projects.len()
    );
    check_projects(&projects, corpus);
}
