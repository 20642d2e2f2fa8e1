//! The conventions of the test suite itself (see the top of `tests/common/mod.rs`), and what CI
//! does with them.

use std::collections::BTreeSet;
use std::fs;

/// The body of each function in a test file: (name, is a `#[test]`, is `#[ignore]`d, body).
fn functions(text: &str) -> Vec<(String, bool, bool, String)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("fn ") {
        let before = &rest[..at];
        let attributes = before.rsplit("\n\n").next().unwrap_or_default();
        let after = &rest[at + 3..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let Some(open) = after.find('{') else { break };
        let end = open + block_len(&after[open..]);
        found.push((
            name,
            attributes.contains("#[test]"),
            attributes.contains("#[ignore"),
            after[open..end].to_string(),
        ));
        rest = &after[end..];
    }
    found
}

/// The length of the `{...}` block `text` starts with; braces in string and character literals
/// do not count.
fn block_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 2,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    text.len()
}

#[test]
fn cli_tests_that_need_a_reference_program_are_ignored_with_a_reason() {
    let mut offenders = Vec::new();
    let mut ignored = 0;
    for entry in fs::read_dir("tests").unwrap() {
        let path = entry.unwrap().path();
        // This file names the calls it looks for.
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("conventions.rs") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        for attribute in text.lines().filter(|l| l.starts_with("#[ignore")) {
            assert!(
                attribute.starts_with("#[ignore = \"needs "),
                "{}: an ignored test says what it needs: {attribute}",
                path.display()
            );
        }
        let functions = functions(&text);
        // Functions that need a program, directly or through another function of the file.
        let mut needing: BTreeSet<String> = BTreeSet::new();
        loop {
            let before = needing.len();
            for (name, _, _, body) in &functions {
                let direct = [
                    "common::require(",
                    "common::require_compose(",
                    "common::corpus(",
                ]
                .iter()
                .any(|call| body.contains(call));
                if direct || needing.iter().any(|n| body.contains(&format!("{n}("))) {
                    needing.insert(name.clone());
                }
            }
            if needing.len() == before {
                break;
            }
        }
        for (name, is_test, is_ignored, _) in &functions {
            if *is_test && *is_ignored {
                ignored += 1;
            }
            if *is_test && !is_ignored && needing.contains(name) {
                offenders.push(format!("{}: {name}", path.display()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "tests that need a program but are not `#[ignore = \"needs ...\"]`: {offenders:#?}"
    );
    assert!(
        ignored >= 20,
        "only {ignored} ignored tests found: the parser is broken"
    );
}

#[test]
fn cli_ci_installs_the_programs_and_runs_the_ignored_tests_requiring_them() {
    let script = fs::read_to_string(".ci/run").unwrap();
    let commands: Vec<&str> = script
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .collect();
    assert!(
        commands.contains(&"cargo test -- --include-ignored"),
        "{script}"
    );
    assert!(
        commands
            .iter()
            .any(|l| l.starts_with("export ORION_REQUIRE_ORACLES=1")),
        "{script}"
    );
    // Python tools in a virtual environment under .ci/, not in the system interpreter.
    assert!(script.contains("python3 -m venv .ci/venv"), "{script}");
    assert!(
        !commands.iter().any(|l| l.starts_with("python3 -m pip")),
        "{script}"
    );
    assert!(
        fs::read_to_string(".gitignore")
            .unwrap()
            .lines()
            .any(|l| l == "/.ci/venv")
    );
    // apt's errors stay visible: its stderr is never thrown away.
    for line in commands.iter().filter(|l| l.contains("apt-get")) {
        assert!(!line.contains("2>"), "apt's errors are hidden: {line}");
    }
}

#[test]
fn cli_readme_installs_with_the_lock_file() {
    let readme = fs::read_to_string("README.md").unwrap();
    let install = readme
        .split("## Install")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("an Install section");
    assert!(
        install.contains("cargo install --locked --path ."),
        "{install}"
    );
    assert!(install.contains("several minutes"), "{install}");
    for command in ["completions bash", "manpage"] {
        assert!(
            install.contains(&format!("orion-lint {command}")),
            "{install}"
        );
    }
}

/// Each top-level module of `src/` (`src/x.rs` or `src/x/`) with the top-level modules its code
/// names as `crate::x` (also inside `use crate::{x, y::z}`), comments left out.
fn module_graph() -> std::collections::BTreeMap<String, BTreeSet<String>> {
    let mut modules: std::collections::BTreeMap<String, Vec<std::path::PathBuf>> =
        Default::default();
    for entry in fs::read_dir("src").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if name == "lib" || name == "main" {
            continue;
        }
        let files = if path.is_dir() {
            fs::read_dir(&path)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "rs"))
                .collect()
        } else if path.extension().is_some_and(|e| e == "rs") {
            vec![path.clone()]
        } else {
            continue;
        };
        modules.entry(name).or_default().extend(files);
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(name, files)| {
            let mut uses = BTreeSet::new();
            for file in files {
                let text = fs::read_to_string(file).unwrap();
                let code: String = text
                    .lines()
                    .map(|line| line.split("//").next().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join("\n");
                for (at, _) in code.match_indices("crate::") {
                    let rest = &code[at + "crate::".len()..];
                    let named: Vec<&str> = match rest.strip_prefix('{') {
                        // `crate::{a, b::c, d::{e, f}}`: the first word of each top-level item.
                        Some(group) => {
                            let group = &group[..block_len(&format!("{{{group}")) - 2];
                            let mut depth = 0;
                            let mut items = vec![0];
                            for (i, c) in group.char_indices() {
                                match c {
                                    '{' => depth += 1,
                                    '}' => depth -= 1,
                                    ',' if depth == 0 => items.push(i + 1),
                                    _ => {}
                                }
                            }
                            items.iter().map(|&i| group[i..].trim_start()).collect()
                        }
                        None => vec![rest],
                    };
                    for item in named {
                        let word: String = item
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if names.contains(&word) && word != *name {
                            uses.insert(word);
                        }
                    }
                }
            }
            (name.clone(), uses)
        })
        .collect()
}

/// A cycle in the graph, as the modules along it (the first repeated at the end), if any.
fn find_cycle(graph: &std::collections::BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &std::collections::BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn cycle_finder_finds_a_cycle_and_only_one() {
    let graph = |edges: &[(&str, &str)]| {
        let mut graph: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
        for (from, to) in edges {
            graph
                .entry(from.to_string())
                .or_default()
                .insert(to.to_string());
            graph.entry(to.to_string()).or_default();
        }
        graph
    };
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("a", "c"), ("b", "c")])),
        None
    );
}

#[test]
fn top_level_modules_form_no_import_cycle() {
    let graph = module_graph();
    assert!(
        graph["rules"].contains("diagnostic") && graph["cli"].contains("render"),
        "the graph sees `crate::` paths: {graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "the top-level modules import each other in a cycle: {}; move what the lower module needs below it",
            cycle.join(" -> ")
        );
    }
}
