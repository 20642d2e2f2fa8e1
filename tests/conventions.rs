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

/// What counts as parsing or slicing text in a rule (non-test code under `src/rules/`): rules read
/// the model that `src/compose/` finishes at load time, and never the text it came from.
/// - reading source text: naming `SourceMap`, `.text(` (a span's text), `source_text`, `line_col`;
/// - cutting strings: `split`, `rsplit`, `splitn`, `split_once`, `split_whitespace`, `trim`,
///   `trim_matches`, `trim_start`, `trim_end`, `strip_prefix`, `strip_suffix`, `char_indices`,
///   `lines`;
/// - reading numbers from text: `parse::<`, `.parse()`;
/// - the command and URL grammars: `shell_words`, `splits_whole`, `script_words`, `find_program`,
///   `option_value`, a `://` scheme.
///
/// The source map itself is handed on only to the edit builders (`edit::...(cx.sources, ...)`) and
/// to the wording of hidden values (`hidden::...(cx.sources, ...)`, which names a file and
/// line); `rules/mod.rs` may name `SourceMap` for the `Context` field that carries it. Formatting
/// sizes for messages through `units::` is fine: none of these calls are made there.
const PARSING_IN_RULES: &[&str] = &[
    "SourceMap",
    ".text(",
    "source_text",
    "line_col",
    ".split(",
    ".rsplit(",
    ".splitn(",
    ".rsplitn(",
    ".split_once(",
    ".rsplit_once(",
    ".split_whitespace(",
    ".split_inclusive(",
    ".trim(",
    ".trim_matches(",
    ".trim_start",
    ".trim_end",
    ".strip_prefix(",
    ".strip_suffix(",
    ".char_indices(",
    ".lines(",
    "parse::<",
    ".parse()",
    "shell_words",
    "splits_whole",
    "script_words",
    "find_program",
    "option_value",
    "://",
];

/// The offences of one rule file: lines that parse text, and uses of the source map other than
/// handing it to an edit builder or to the wording of hidden values.
fn text_parsing(file: &str, text: &str) -> Vec<String> {
    // Unit tests may build their input from text.
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut offences = Vec::new();
    for (number, line) in code.lines().enumerate() {
        // Comments may name what the model holds.
        let code_part = if line.trim_start().starts_with("//") {
            ""
        } else {
            line
        };
        for pattern in PARSING_IN_RULES {
            let carrier = file == "mod.rs"
                && *pattern == "SourceMap"
                && (code_part.trim() == "pub sources: &'a SourceMap,"
                    || code_part.trim_start().starts_with("use crate::source::"));
            if code_part.contains(pattern) && !carrier {
                offences.push(format!(
                    "{file}:{}: `{pattern}` in {}",
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    // Every use of the source map follows `edit::name(` or `hidden::name(`.
    let flat: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut rest = flat.as_str();
    while let Some(at) = rest.find("sources") {
        let is_word_char = |c: char| c.is_alphanumeric() || c == '_';
        let whole_word = !rest[..at].ends_with(is_word_char)
            && !rest[at + "sources".len()..].starts_with(is_word_char);
        let before = rest[..at].trim_end_matches("cx.").trim_end();
        let handed_on = before.strip_suffix('(').is_some_and(|call| {
            let callee = call.rsplit([' ', '(', '!', '&']).next().unwrap_or_default();
            callee.starts_with("edit::")
                || callee.starts_with("hidden::")
                || callee.starts_with("crate::hidden::")
        });
        let declared = before.ends_with("pub") && file == "mod.rs";
        if whole_word && !handed_on && !declared {
            let context: String = rest[at.saturating_sub(40)..].chars().take(70).collect();
            offences.push(format!("{file}: the source map used in `{context}`"));
        }
        rest = &rest[at + "sources".len()..];
    }
    offences
}

#[test]
fn rules_read_the_model_and_never_parse_text() {
    let mut offences = Vec::new();
    for entry in fs::read_dir("src/rules").unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        offences.extend(text_parsing(&file, &fs::read_to_string(&path).unwrap()));
    }
    assert!(
        offences.is_empty(),
        "rules parse text; move the parsing into src/compose/ (load time):\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_text_parsing_check_finds_each_kind_of_parsing() {
    let rule = "fn check(cx: &Context) {\n    let w = cx.sources.text(span).trim_matches('\"');\n    let n: u64 = w.parse().unwrap();\n    let host = url.strip_prefix(\"redis://\");\n    let words = service.command(cx.sources);\n    let edit = edit::replace_value(cx.sources, span, w, \"1\");\n}\n#[cfg(test)]\nmod tests { fn t() { \"a b\".split(' '); } }\n";
    let offences = text_parsing("some_rule.rs", rule);
    for found in [
        ".text(",
        ".trim_matches(",
        ".parse()",
        ".strip_prefix(",
        "://",
    ] {
        assert!(
            offences.iter().any(|o| o.contains(found)),
            "{found} not found in {offences:#?}"
        );
    }
    assert!(
        offences
            .iter()
            .any(|o| o.contains("service.command(cx.sources"))
    );
    assert_eq!(offences.len(), 7, "{offences:#?}");
}

/// Suppressions read the outline each compose file's one parse gathered (`Project::outlines`)
/// and the kind the loader tagged it with: `suppress.rs` parses no YAML and guesses no kind from
/// a file's name.
#[test]
fn suppressions_parse_no_file_again() {
    let text = fs::read_to_string("src/suppress.rs").unwrap();
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    for reparse in [
        "yaml::parse",
        "yaml::outline",
        ".file_name()",
        "ends_with(\".env\")",
    ] {
        assert!(
            !code.contains(reparse),
            "src/suppress.rs calls `{reparse}`: take the file's outline and kind from the model"
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
