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
