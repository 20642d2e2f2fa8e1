//! Bad input never makes orion-lint panic: every prefix of every fixture, and the same files
//! with bytes changed, either lint or give a load error (exit 2), and `--fix` on them either
//! fixes or refuses.

mod common;

use std::path::{Path, PathBuf};

use orion_lint::compose::LoadOptions;
use orion_lint::diagnostic::Applicability;
use orion_lint::engine;
use orion_lint::fix;
use orion_lint::lint::Target;
use orion_lint::settings::Overrides;

fn compose_files(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            let name = e.file_name().to_string_lossy();
            name.ends_with(".yml") || name.ends_with(".yaml")
        })
        .map(|e| e.into_path())
        .collect()
}

/// Lint and fix `text` as a compose file; a panic fails the test with the input that caused it.
fn survive(text: &[u8], what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yaml");
    std::fs::write(&file, text).unwrap();
    let run = std::panic::catch_unwind(|| {
        let report = engine::lint(
            &Target::Files(vec![file.clone()]),
            &LoadOptions::default(),
            &Overrides::default(),
        );
        // Every span a finding reports lies inside its file, on character boundaries.
        for diagnostic in &report.diagnostics {
            for label in std::iter::once(&diagnostic.primary).chain(&diagnostic.secondary) {
                let text = &report.sources.get(label.span.file).text;
                assert!(label.span.range.end <= text.len(), "span out of bounds");
                assert!(text.is_char_boundary(label.span.range.start));
                assert!(text.is_char_boundary(label.span.range.end));
            }
        }
        let _ = fix::fix_project(
            std::slice::from_ref(&file),
            &LoadOptions::default(),
            &Overrides::default(),
            Applicability::Unsafe,
            None,
        );
    });
    assert!(
        run.is_ok(),
        "orion-lint panicked on {what}:\n{}",
        String::from_utf8_lossy(text)
    );
}

#[test]
fn prefixes_of_every_fixture_never_panic() {
    let files = compose_files(Path::new("testdata"));
    assert!(files.len() > 20);
    for path in files {
        let text = std::fs::read(&path).unwrap();
        // Cut at many places, including inside multi-byte characters.
        let step = (text.len() / 40).max(1);
        for cut in (0..text.len()).step_by(step) {
            survive(
                &text[..cut],
                &format!("{} cut at byte {cut}", path.display()),
            );
        }
    }
}

#[test]
fn changed_bytes_never_panic() {
    // Characters that matter to YAML, Compose interpolation and the size grammars.
    let replacements: &[&[u8]] = &[
        b"{", b"[", b"&a ", b"*a", b"${", b"\"", b"'", b":", b"- ", b"\t", b"\xff", b"<<: ",
        b"!reset ", b"9", b"\n",
    ];
    let files = compose_files(Path::new("testdata"));
    for path in files {
        let text = std::fs::read(&path).unwrap();
        let step = (text.len() / 15).max(1);
        for (i, at) in (0..text.len()).step_by(step).enumerate() {
            let mut changed = text.clone();
            let replacement = replacements[i % replacements.len()];
            changed.splice(at..(at + 1).min(changed.len()), replacement.iter().copied());
            survive(
                &changed,
                &format!("{} changed at byte {at}", path.display()),
            );
        }
    }
}

#[test]
#[ignore = "needs ../shared/corpus"]
fn corpus_prefixes_never_panic() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let files = compose_files(&corpus);
    assert!(files.len() > 300);
    let failures = common::parallel_map(&files, |path| {
        let text = std::fs::read(path).unwrap();
        let step = (text.len() / 8).max(1);
        std::panic::catch_unwind(|| {
            for cut in (step..text.len()).step_by(step) {
                survive(
                    &text[..cut],
                    &format!("{} cut at byte {cut}", path.display()),
                );
            }
        })
        .err()
        .map(|_| path.display().to_string())
    });
    let failures: Vec<String> = failures.into_iter().flatten().collect();
    assert!(failures.is_empty(), "panics on: {failures:?}");
}
