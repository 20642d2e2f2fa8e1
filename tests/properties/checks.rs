//! The properties that the proptest suite (`tests/properties.rs`) and the cargo-fuzz targets
//! (`fuzz/fuzz_targets/*.rs`, which include this file by path) both check. Each `check_*`
//! function panics when a property does not hold; anything else it returns is fine.
//!
//! No dependency beyond the standard library and orion-lint itself, so that the fuzz crate can
//! include it as it is.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use orion_lint::compose::{self, LoadError, LoadOptions};
use orion_lint::diagnostic::{Applicability, Fix};
use orion_lint::engine;
use orion_lint::fix;
use orion_lint::lint::{self, Report, Target};
use orion_lint::render::{self, Concise, Github, Human, Json, Rdjson, Rdjsonl, Renderer, Sarif};
use orion_lint::settings::Overrides;
use orion_lint::source::{SourceFile, SourceMap};
use orion_lint::units::{self, PgBaseUnit};
use orion_lint::yaml;

/// The files a project input may hold besides `compose.yml`. An input names them in marker
/// lines (`#%% .env`); other names are ignored, so no input writes anywhere else.
pub const EXTRA_FILES: [&str; 6] = [
    ".env",
    "compose.override.yml",
    "base.yml",
    "redis.conf",
    "postgresql.conf",
    "orion-lint.toml",
];

/// The line that starts another file of a project input.
pub const FILE_MARKER: &str = "\n#%% ";

/// A project input split into files: `compose.yml` first, then each `#%% NAME` section.
pub fn split_files(input: &[u8]) -> Vec<(&'static str, &[u8])> {
    let mut files = Vec::new();
    let mut name = "compose.yml";
    let mut rest = input;
    loop {
        let marker = rest
            .windows(FILE_MARKER.len())
            .position(|w| w == FILE_MARKER.as_bytes());
        let (content, next) = match marker {
            Some(at) => (&rest[..at], Some(&rest[at + FILE_MARKER.len()..])),
            None => (rest, None),
        };
        if !files.iter().any(|(n, _)| *n == name) {
            files.push((name, content));
        }
        let Some(next) = next else { break };
        let line_end = next.iter().position(|&b| b == b'\n').unwrap_or(next.len());
        name = EXTRA_FILES
            .iter()
            .find(|n| n.as_bytes() == &next[..line_end])
            .copied()
            .unwrap_or("ignored");
        rest = &next[(line_end + 1).min(next.len())..];
    }
    files.retain(|(n, _)| *n != "ignored");
    files
}

/// A directory of its own for the project under test, removed on drop.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new() -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "orion-lint-properties-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir).expect("create the scratch directory");
        Scratch { dir }
    }

    /// Replace the directory's files by those of `input`; returns the path of `compose.yml`.
    pub fn write(&self, input: &[u8]) -> PathBuf {
        for entry in fs::read_dir(&self.dir).expect("list the scratch directory") {
            let path = entry.expect("read the scratch directory").path();
            fs::remove_file(&path).expect("empty the scratch directory");
        }
        for (name, content) in split_files(input) {
            fs::write(self.dir.join(name), content).expect("write a project file");
        }
        self.dir.join("compose.yml")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Every size grammar: no panic; where a formatter exists, a parsed value formatted again
/// parses back to the same bytes (the Redis and PostgreSQL formatters round down to whole MiB,
/// Redis's to whole KiB below that, so to that).
pub fn check_units(text: &str) {
    const MIB: u64 = 1024 * 1024;
    if let Ok(bytes) = units::compose_bytes(text) {
        let portable = units::compose_size(bytes);
        assert_eq!(
            units::compose_bytes(&portable),
            Ok(bytes),
            "compose_size({bytes}) = {portable:?} must read back as {bytes} (from {text:?})"
        );
        let like = units::compose_size_like(bytes, text);
        assert_eq!(
            units::compose_bytes(&like),
            Ok(bytes),
            "compose_size_like({bytes}, {text:?}) = {like:?} must read back as {bytes}"
        );
    }
    if let Ok(bytes) = units::redis_bytes(text) {
        let formatted = units::redis_size(bytes);
        let unit = [MIB, 1024].into_iter().find(|&u| bytes >= u).unwrap_or(1);
        assert_eq!(
            units::redis_bytes(&formatted),
            Ok(bytes / unit * unit),
            "redis_size({bytes}) = {formatted:?} must read back rounded down (from {text:?})"
        );
    }
    let _ = units::redis_unit_is_decimal(text);
    for base in [
        PgBaseUnit::Bytes,
        PgBaseUnit::Blocks8k,
        PgBaseUnit::Kilobytes,
        PgBaseUnit::Megabytes,
    ] {
        if let Ok(bytes) = units::postgres_bytes(text, base) {
            let formatted = units::postgres_size(bytes);
            assert_eq!(
                units::postgres_bytes(&formatted, base),
                Ok(bytes / MIB * MIB),
                "postgres_size({bytes}) = {formatted:?} must read back as whole MB in {} (from {text:?})",
                base.name()
            );
        }
    }
    for setting in units::POSTGRES_MEMORY_SETTINGS {
        let _ = setting.parse(text);
    }
    if let Some(corrected) = units::postgres_unit_corrected(text) {
        let _ = units::postgres_units(&corrected, PgBaseUnit::Kilobytes);
    }
    let _ = units::human_bytes(text.len() as u64);
}

/// The YAML front end and the model, on one project: no panic, and an error says where.
pub fn check_load(scratch: &Scratch, input: &[u8]) {
    let main = scratch.write(input);
    if let Ok(text) = std::str::from_utf8(split_files(input)[0].1) {
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new(main.clone(), text));
        if let Err(error) = yaml::parse_with_outline(file, text) {
            assert!(error.span.range.end <= text.len(), "error span in the text");
        }
    }
    let mut sources = SourceMap::default();
    if let Err(error) = compose::load(
        std::slice::from_ref(&main),
        &LoadOptions::default(),
        &mut sources,
    ) {
        assert_names_a_place(&error);
    }
}

/// The whole lint of one project, rendered in every format: no panic, errors say where, and
/// every finding points into a file of the project.
pub fn check_lint(scratch: &Scratch, input: &[u8]) {
    let main = scratch.write(input);
    let report = engine::lint(
        &Target::Files(vec![main]),
        &LoadOptions::default(),
        &Overrides::default(),
    );
    for error in &report.errors {
        assert_names_a_place(error);
    }
    for diagnostic in &report.diagnostics {
        let file = report.sources.get(diagnostic.primary.span.file);
        assert!(
            file.path.starts_with(&scratch.dir),
            "a finding in {} outside the project",
            file.path.display()
        );
        assert!(diagnostic.primary.span.range.end <= file.text.len());
    }
    render_all(&report);
}

fn render_all(report: &Report) {
    let human = Human {
        color: false,
        width: 100,
    };
    let renderers: [&dyn Renderer; 7] =
        [&human, &Json, &Sarif, &Rdjson, &Rdjsonl, &Github, &Concise];
    for renderer in renderers {
        let mut out = Vec::new();
        renderer.render(report, &mut out).expect("render to memory");
    }
    for error in &report.errors {
        let _ = human.error(error, &report.sources);
    }
    let _ = render::summary(report);
}

/// The fix engine. One pass: edits fall inside the project, on character boundaries, and every
/// byte outside them is unchanged; a YAML file that parsed still parses. The whole `--fix`: it
/// either refuses the project as unreadable or settles, the fixed project loads, and fixing it
/// again finds nothing to fix.
pub fn check_fix(scratch: &Scratch, input: &[u8]) {
    let main = scratch.write(input);
    let files = std::slice::from_ref(&main);
    let options = LoadOptions::default();
    let overrides = Overrides::default();
    let mut sources = SourceMap::default();
    let Ok(loaded) = lint::load_project(files, &options, &overrides, &mut sources) else {
        return;
    };
    let fixes: Vec<Fix> = lint::check_project(&loaded, &sources, &options)
        .into_iter()
        .filter_map(|d| d.fix)
        .collect();
    let (edits, _) = fix::select(&fixes);
    for (file, edits) in edits {
        let source = sources.get(file);
        assert!(
            source.path.starts_with(&scratch.dir),
            "a fix edits {} outside the project",
            source.path.display()
        );
        let fixed = fix::apply_edits(&source.text, &edits);
        assert_outside_edits_unchanged(&source.text, &fixed, &edits);
        if is_yaml(&source.path) && yaml::parse(file, &source.text).is_ok() {
            if let Err(error) = yaml::parse(file, &fixed) {
                panic!(
                    "a fix breaks the YAML of {}: {}\n--- fixed:\n{fixed}",
                    source.path.display(),
                    error.message
                );
            }
        }
    }

    let outcome = match fix::fix_project(files, &options, &overrides, Applicability::Unsafe, None) {
        Ok(outcome) => outcome,
        // The project loaded above, so only a fix can make `--fix` fail.
        Err(error) => panic!("--fix failed: {}", error.message),
    };
    for (canonical, change) in &outcome.changes {
        assert!(
            change.path.starts_with(&scratch.dir),
            "--fix changes {}",
            change.path.display()
        );
        fs::write(canonical, &change.fixed).expect("write a fixed file");
    }
    // A new run: the options of the last one keep the texts it read.
    let options = LoadOptions::default();
    let mut sources = SourceMap::default();
    let loaded = match lint::load_project(files, &options, &overrides, &mut sources) {
        Ok(loaded) => loaded,
        Err(error) => panic!("the fixed project does not load: {}", error.message),
    };
    let left: Vec<&str> = lint::check_project(&loaded, &sources, &options)
        .iter()
        .filter(|d| d.fix.is_some())
        .map(|d| d.rule)
        .collect();
    assert!(
        left.is_empty(),
        "after --fix these findings still have a fix: {left:?}"
    );
}

fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yml" || e == "yaml")
}

/// Walk the sorted edits: the text between them, before the first and after the last, is the
/// original's, and each replacement sits where its edit was.
fn assert_outside_edits_unchanged(
    original: &str,
    fixed: &str,
    edits: &[orion_lint::diagnostic::Edit],
) {
    let (mut at_original, mut at_fixed) = (0, 0);
    for edit in edits {
        let range = &edit.span.range;
        assert!(
            at_original <= range.start && range.start <= range.end && range.end <= original.len()
        );
        let kept = &original[at_original..range.start];
        assert_eq!(
            &fixed[at_fixed..at_fixed + kept.len()],
            kept,
            "bytes before an edit changed"
        );
        at_fixed += kept.len();
        assert_eq!(
            &fixed[at_fixed..at_fixed + edit.replacement.len()],
            edit.replacement
        );
        at_fixed += edit.replacement.len();
        at_original = range.end;
    }
    assert_eq!(
        &fixed[at_fixed..],
        &original[at_original..],
        "bytes after the edits changed"
    );
}

/// A load error names its file, by span or by path, and says something.
fn assert_names_a_place(error: &LoadError) {
    assert!(
        error.span.is_some() || error.path.is_some(),
        "an error names no file: {}",
        error.message
    );
    assert!(!error.message.trim().is_empty(), "an empty error message");
}
