//! The rule documentation is executed: every `yaml bad` example in `lints/<rule>.md` must make
//! that rule fire, every `yaml good` example must lint clean, and rules and docs match one to one.
//! A `markdown bad` / `markdown good` block right after a compose example is a deployment doc
//! beside it (`DEPLOY.md`, linted with it), and a `markdown fixed` block what `--fix` makes of it.
//! A doc's `yaml file PATH` blocks are written beside the compose file of each of its examples.

use std::path::Path;

use orion_lint::compose::LoadOptions;
use orion_lint::compose::docs::find::Candidate;
use orion_lint::diagnostic::Applicability;
use orion_lint::engine;
use orion_lint::fix;
use orion_lint::lint::Target;
use orion_lint::registry::RULES;
use orion_lint::settings::Overrides;

/// The fenced code blocks of a Markdown document, with their info string and first line number.
fn code_blocks(markdown: &str) -> Vec<(String, String, usize)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String, usize)> = None;
    for (number, line) in markdown.lines().enumerate() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) => {
                current = Some((info.trim().to_string(), String::new(), number + 2))
            }
            (Some(_), Some("")) => blocks.push(current.take().expect("inside a block")),
            (Some((_, body, _)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(current.is_none(), "unterminated code block");
    blocks
}

/// A compose example, and the Markdown doc beside it if the example has one.
type Example<'a> = (&'a str, Option<&'a str>);

/// The example whose compose block is `blocks[i]`: with the next block when it is the
/// Markdown doc of the same kind (`markdown bad` after `yaml bad`).
fn example<'a>(blocks: &'a [(String, String, usize)], i: usize) -> Example<'a> {
    let kind = blocks[i].0.strip_prefix("yaml ").unwrap_or_default();
    let doc = blocks
        .get(i + 1)
        .filter(|(info, _, _)| info.strip_prefix("markdown ") == Some(kind))
        .map(|(_, text, _)| text.as_str());
    (blocks[i].1.as_str(), doc)
}

/// The files a doc's examples have beside their compose file: its `yaml file PATH` blocks.
fn example_files(blocks: &[(String, String, usize)]) -> Vec<(String, String)> {
    blocks
        .iter()
        .filter_map(|(info, body, _)| {
            let path = info.strip_prefix("yaml file ")?;
            Some((path.to_string(), body.clone()))
        })
        .collect()
}

/// Write an example into `dir`: the files beside it, its compose file, and its doc as
/// `DEPLOY.md`.
fn write_example(
    dir: &Path,
    (yaml, doc): Example,
    files: &[(String, String)],
) -> (std::path::PathBuf, LoadOptions) {
    for (path, body) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, body).expect("write a file of the example");
    }
    let file = dir.join("compose.yaml");
    std::fs::write(&file, yaml).expect("write example");
    let mut options = LoadOptions::default();
    if let Some(doc) = doc {
        let path = dir.join("DEPLOY.md");
        std::fs::write(&path, doc).expect("write example doc");
        options.docs.push(Candidate::new(path, true));
    }
    (file, options)
}

/// The rules that fire on a compose file (and its doc).
fn lint_example(example: Example, files: &[(String, String)]) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (file, options) = write_example(dir.path(), example, files);
    let report = engine::lint(&Target::Files(vec![file]), &options, &Overrides::default());
    assert!(
        report.errors.is_empty(),
        "example does not load: {:?}",
        report.errors
    );
    report
        .diagnostics
        .iter()
        .map(|d| (d.rule.to_string(), d.message.clone()))
        .collect()
}

#[test]
fn every_rule_has_a_doc_and_every_doc_a_rule() {
    let mut doc_names: Vec<String> = std::fs::read_dir("lints")
        .expect("lints/ exists")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .into_string()
                .expect("UTF-8 name")
        })
        .filter_map(|n| n.strip_suffix(".md").map(str::to_string))
        .collect();
    doc_names.sort();
    let rule_names: Vec<String> = RULES.iter().map(|r| r.name.to_string()).collect();
    assert_eq!(
        doc_names, rule_names,
        "lints/*.md and the rule registry differ"
    );
    let mut sorted = rule_names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, rule_names, "RULES must be sorted and unique");
}

#[test]
fn docs_state_the_rule_name_and_severity() {
    for rule in RULES {
        let on_disk = std::fs::read_to_string(Path::new("lints").join(format!("{}.md", rule.name)))
            .expect("doc exists");
        assert_eq!(
            rule.doc, on_disk,
            "{}: the binary embeds a stale doc",
            rule.name
        );
        let mut lines = rule.doc.lines();
        assert_eq!(lines.next(), Some(format!("# {}", rule.name).as_str()));
        let severity = format!("**Severity:** {}", rule.severity);
        assert!(
            rule.doc.lines().any(|l| l == severity),
            "{}: doc must say `{severity}`",
            rule.name
        );
        for section in ["## What it does", "## Why it matters", "## Example"] {
            assert!(
                rule.doc.contains(section),
                "{}: missing `{section}`",
                rule.name
            );
        }
    }
}

#[test]
fn bad_examples_fire_their_rule_and_good_examples_are_clean() {
    for rule in RULES {
        let blocks = code_blocks(rule.doc);
        let files = example_files(&blocks);
        let of_kind = |kind: &str| -> Vec<(Example, usize)> {
            (0..blocks.len())
                .filter(|&i| blocks[i].0 == kind)
                .map(|i| (example(&blocks, i), blocks[i].2))
                .collect()
        };
        let (bad, good) = (of_kind("yaml bad"), of_kind("yaml good"));
        assert!(!bad.is_empty(), "{}: no `yaml bad` example", rule.name);
        assert!(!good.is_empty(), "{}: no `yaml good` example", rule.name);
        for (example, line) in bad {
            let found = lint_example(example, &files);
            assert!(
                found.iter().any(|(r, _)| r == rule.name),
                "lints/{}.md:{line}: the bad example does not fire the rule; it gives {found:?}",
                rule.name
            );
        }
        for (example, line) in good {
            let found = lint_example(example, &files);
            assert!(
                found.is_empty(),
                "lints/{}.md:{line}: the good example is not clean: {found:?}",
                rule.name
            );
        }
    }
}

/// The text `--fix` (or `--fix --unsafe-fixes`) makes of a compose file, and of its doc.
fn fix_example(
    example: Example,
    files: &[(String, String)],
    applicability: Applicability,
) -> (String, Option<String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (file, options) = write_example(dir.path(), example, files);
    let outcome = fix::fix_project(
        std::slice::from_ref(&file),
        &options,
        &Overrides::default(),
        applicability,
        None,
    )
    .expect("the example can be fixed");
    let fixed = |path: &Path, original: &str| {
        outcome
            .changes
            .values()
            .find(|change| change.path == path)
            .map_or_else(|| original.to_string(), |change| change.fixed.clone())
    };
    let doc = example
        .1
        .map(|doc| fixed(&dir.path().join("DEPLOY.md"), doc));
    (fixed(&file, example.0), doc)
}

#[test]
fn fixed_examples_are_what_the_fixes_produce() {
    let mut checked = 0;
    for rule in RULES {
        let blocks = code_blocks(rule.doc);
        let files = example_files(&blocks);
        for i in 1..blocks.len() {
            let (fixed_info, fixed, line) = &blocks[i];
            let (applicability, of_doc) = match fixed_info.as_str() {
                "yaml fixed" => (Applicability::Safe, false),
                "yaml fixed unsafe" => (Applicability::Unsafe, false),
                "markdown fixed" => (Applicability::Safe, true),
                _ => continue,
            };
            // The compose block of the bad example: before its doc when the fix is the doc's.
            let bad = i - 1 - usize::from(of_doc);
            let expected_before = if of_doc { "markdown bad" } else { "yaml bad" };
            assert!(
                blocks[i - 1].0 == expected_before && blocks[bad].0 == "yaml bad",
                "lints/{}.md:{line}: a fixed block follows a bad one",
                rule.name
            );
            let (fixed_yaml, fixed_doc) = fix_example(example(&blocks, bad), &files, applicability);
            let actual = if of_doc {
                fixed_doc.clone().unwrap_or_default()
            } else {
                fixed_yaml.clone()
            };
            assert_eq!(
                &actual, fixed,
                "lints/{}.md:{line}: the fix gives another text",
                rule.name
            );
            let after = (fixed_yaml.as_str(), fixed_doc.as_deref());
            assert!(
                !lint_example(after, &files)
                    .iter()
                    .any(|(r, _)| r == rule.name),
                "lints/{}.md:{line}: the fixed example still fires the rule",
                rule.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} fixed examples");
}

#[test]
fn code_blocks_are_found() {
    let blocks = code_blocks("text\n```yaml bad\na: 1\n```\n```yaml good\nb: 2\n```\n");
    assert_eq!(
        blocks,
        vec![
            ("yaml bad".to_string(), "a: 1\n".to_string(), 3),
            ("yaml good".to_string(), "b: 2\n".to_string(), 6)
        ]
    );
}

/// The README's rule table lists every rule once, with its default severity: the registry is the
/// one place a rule is declared, and nothing else would catch a stale row.
#[test]
fn the_readme_rule_table_matches_the_registry() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let rows: Vec<(String, String)> = readme
        .split("### Rules")
        .nth(1)
        .expect("a Rules section")
        .lines()
        .skip_while(|l| !l.starts_with("| rule "))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            (cells[1].trim_matches('`').to_string(), cells[2].to_string())
        })
        .collect();
    let mut listed: Vec<&str> = rows.iter().map(|(name, _)| name.as_str()).collect();
    listed.sort();
    let names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
    assert_eq!(listed, names, "README rule table and the registry differ");
    for (name, severity) in &rows {
        let rule = RULES.iter().find(|r| r.name == name).expect("listed above");
        // A rule that reports two levels (the heap rules) lists both, its default among them.
        assert!(
            severity.split(" / ").any(|s| s == rule.severity.as_str()),
            "README says `{name}` is {severity}, the registry {}",
            rule.severity
        );
    }
}
