//! `schemas/orion-lint.schema.json` describes what the `orion-lint.toml` parser accepts: the same
//! keys, rule names, levels and plans, and the example configs (in `testdata/config/` and in the
//! README) are accepted or refused by both alike. The schema side runs the real
//! `check-jsonschema` (PyPI), following the skip/require convention of `tests/common`.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use orion_lint::compose::LoadOptions;
use orion_lint::engine;
use orion_lint::lint::Target;
use orion_lint::settings::Overrides;

const SCHEMA: &str = "schemas/orion-lint.schema.json";
const HINT: &str = "`pip install check-jsonschema`";

fn schema() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(SCHEMA).expect("schema exists")).expect("JSON")
}

fn keys(object: &serde_json::Value) -> BTreeSet<String> {
    object
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect()
}

fn strings(array: &serde_json::Value) -> BTreeSet<String> {
    array
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

#[test]
fn the_schema_has_the_keys_rules_levels_and_plans_of_the_parser() {
    let schema = schema();
    let properties = &schema["properties"];
    assert_eq!(
        keys(properties),
        orion_lint::config::KEYS.map(String::from).into()
    );
    assert_eq!(schema["additionalProperties"], false);
    let rules: BTreeSet<String> = orion_lint::registry::RULES
        .iter()
        .map(|r| r.name.to_string())
        .collect();
    assert_eq!(strings(&schema["$defs"]["rule"]["enum"]), rules);
    assert_eq!(keys(&properties["severity"]["properties"]), rules);
    assert_eq!(properties["severity"]["additionalProperties"], false);
    // Each rule's severity takes the parser's levels, and `select`/`ignore` take rule names: a
    // hand-edited property with its own enum would drift from the registry unnoticed.
    let level = serde_json::json!({"$ref": "#/$defs/level"});
    for (name, property) in properties["severity"]["properties"]
        .as_object()
        .expect("rules")
    {
        assert_eq!(property, &level, "severity.{name} must take a level");
    }
    let rule = serde_json::json!({"$ref": "#/$defs/rule"});
    for key in ["select", "ignore"] {
        assert_eq!(properties[key]["items"], rule, "{key} must take rule names");
    }
    assert_eq!(
        strings(&schema["$defs"]["level"]["enum"]),
        orion_lint::selection::LEVELS.map(String::from).into()
    );
    let plans: BTreeSet<String> = orion_lint::plans::PLANS
        .iter()
        .flat_map(|p| [p.name.to_string(), p.name.to_uppercase()])
        .collect();
    assert_eq!(strings(&properties["plan"]["enum"]), plans);
}

/// The `toml` code blocks of the README.
fn readme_examples() -> Vec<String> {
    let readme = std::fs::read_to_string("README.md").expect("README");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line) {
            (None, "```toml") => current = Some(String::new()),
            (Some(_), "```") => blocks.push(current.take().expect("in a block")),
            (Some(block), line) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// (name, text) of each example: `testdata/config/{good,bad}/*.toml`, and the README's for good.
fn examples(kind: &str) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new("testdata/config").join(kind))
        .expect("examples")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut out: Vec<(String, String)> = files
        .iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(p).expect("read"),
            )
        })
        .collect();
    if kind == "good" {
        let readme = readme_examples();
        assert!(!readme.is_empty(), "the README shows an orion-lint.toml");
        out.extend(
            readme
                .into_iter()
                .enumerate()
                .map(|(i, text)| (format!("README.md toml block {}", i + 1), text)),
        );
    }
    assert!(out.len() >= 3, "{kind} examples: {out:?}");
    out
}

/// Whether orion-lint loads a project whose `orion-lint.toml` is `text`.
fn parser_accepts(text: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join(".git")).expect(".git");
    std::fs::write(dir.path().join("orion-lint.toml"), text).expect("write");
    let compose = dir.path().join("compose.yaml");
    std::fs::write(&compose, "services:\n  web:\n    image: nginx\n").expect("write");
    let report = engine::lint(
        &Target::Files(vec![compose]),
        &LoadOptions::default(),
        &Overrides::default(),
    );
    match report.errors.first() {
        None => Ok(()),
        Some(error) => Err(error.message.clone()),
    }
}

#[test]
fn the_parser_accepts_the_good_examples_and_refuses_the_bad_ones() {
    for (name, text) in examples("good") {
        parser_accepts(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, text) in examples("bad") {
        assert!(parser_accepts(&text).is_err(), "{name} is accepted");
    }
}

/// Run check-jsonschema on `text` saved as a `.toml` file: whether it validates.
fn schema_accepts(check_jsonschema: &Path, text: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("orion-lint.toml");
    std::fs::write(&file, text).expect("write");
    let output = Command::new(check_jsonschema)
        .args(["--schemafile", SCHEMA])
        .arg(&file)
        .output()
        .expect("check-jsonschema runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

#[test]
#[ignore = "needs check-jsonschema"]
fn check_jsonschema_accepts_the_good_examples_and_refuses_the_bad_ones() {
    let Some(tool) = common::require(
        "check-jsonschema",
        common::find_on_path("check-jsonschema"),
        HINT,
    ) else {
        return;
    };
    let metaschema = Command::new(&tool)
        .args(["--check-metaschema", SCHEMA])
        .output()
        .expect("runs");
    assert!(
        metaschema.status.success(),
        "the schema is not valid JSON Schema: {}",
        String::from_utf8_lossy(&metaschema.stdout)
    );
    for (name, text) in examples("good") {
        schema_accepts(&tool, &text).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, text) in examples("bad") {
        assert!(schema_accepts(&tool, &text).is_err(), "{name} is accepted");
    }
}
