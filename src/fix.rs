//! The fix engine. Fixes are byte-range edits on the original text, so everything outside them
//! (comments, blank lines, quoting, key order, line endings, a BOM) stays byte for byte.
//!
//! Applying follows ruff's policy: identical edits are applied once (an anchor edited for every
//! alias that uses it), a fix that overlaps an accepted one is skipped and retried after the
//! text is re-linted, and the loop stops when nothing is left to fix. A fix that leaves its file
//! unparsable, or changes the YAML's shape beyond its edits, is withheld (its finding stays); a
//! result that still does not load is refused. Files are identified by
//! their canonical path and written all or nothing: a temporary file beside each, with the
//! original's mode, owner and group, flushed to disk, and only then renamed over the originals.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::access::Boundary;
use crate::atomic::Staged;
use crate::compose::{LoadError, LoadOptions};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::lint::{self, LoadedProject};
use crate::settings::Overrides;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::yaml::{self, Node, Value};

/// Re-lint and fix at most this many times; real files settle in two or three passes.
pub const MAX_PASSES: usize = 10;

/// An edit replacing a value written at `span`, keeping its quotes, provided the text there
/// still reads `expected` (a guard against spans that do not cover exactly one value, such as a
/// word of an interpolated command).
pub fn replace_value(
    sources: &SourceMap,
    span: &Span,
    expected: &str,
    replacement: &str,
) -> Option<Edit> {
    let written = sources.text(span);
    let quoted = written.len() == expected.len() + 2
        && matches!(written.as_bytes()[0], b'"' | b'\'')
        && written.as_bytes()[0] == written.as_bytes()[written.len() - 1]
        && &written[1..written.len() - 1] == expected;
    let span = if written.is_empty() {
        // A value written as nothing (`- !`, `key:`) has no place of its own: its span may sit on
        // the next line, where inserted text would change the YAML.
        return None;
    } else if written == expected {
        span.clone()
    } else if quoted {
        span.sub(1..written.len() - 1)
    } else {
        return None;
    };
    Some(Edit {
        span,
        replacement: replacement.to_string(),
    })
}

/// An edit appending words to a command written as a string (`redis-server --port 6379`) or a
/// list (flow `[...]` or block `- ...`), in the command's own style. `None` for an interpolated
/// command, a string command that Compose cuts short at a shell operator (the words would be
/// dropped), or one whose layout is not recognised.
pub fn append_args(sources: &SourceMap, command: &Node, words: &[&str]) -> Option<Edit> {
    let text = &sources.get(command.span.file).text;
    let written = sources.text(&command.span);
    let end = command.span.range.end;
    let insert = |at: usize, replacement: String| Edit {
        span: Span::new(command.span.file, at..at),
        replacement,
    };
    match &command.value {
        Value::Scalar(scalar)
            if scalar.substitution.is_none()
                && !written.contains('\n')
                && crate::compose::command::splits_whole(&scalar.text) =>
        {
            let quoted = matches!(
                scalar.style,
                yaml::Style::SingleQuoted | yaml::Style::DoubleQuoted
            );
            let at = if quoted { end - 1 } else { end };
            Some(insert(at, format!(" {}", words.join(" "))))
        }
        Value::Seq(items) if written.starts_with('[') && written.ends_with(']') => {
            let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
            let separator = if items.is_empty() { "" } else { ", " };
            Some(insert(end - 1, format!("{separator}{}", quoted.join(", "))))
        }
        Value::Seq(items) => {
            let last = items.last()?;
            let line_start = text[..last.span.range.start]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let prefix = &text[line_start..last.span.range.start];
            if !prefix.trim_start().starts_with('-')
                || prefix.trim_start().trim_start_matches('-').trim() != ""
            {
                return None;
            }
            let line_end = text[last.span.range.end..]
                .find('\n')
                .map_or(text.len(), |i| last.span.range.end + i);
            let lines: String = words.iter().map(|w| format!("\n{prefix}{w}")).collect();
            Some(insert(line_end, lines))
        }
        _ => None,
    }
}

/// An edit adding `key: value` as a new line after a mapping entry of a block mapping, at the
/// same indentation.
pub fn insert_entry_after(
    sources: &SourceMap,
    entry: &crate::yaml::Entry,
    key: &str,
    value: &str,
) -> Option<Edit> {
    let text = &sources.get(entry.key.span.file).text;
    let key_start = entry.key.span.range.start;
    let line_start = text[..key_start].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..key_start];
    if !indent.chars().all(|c| c == ' ') || entry.value.span.file != entry.key.span.file {
        return None;
    }
    let value_end = entry.value.span.range.end.max(entry.key.span.range.end);
    let line_end = text[value_end..]
        .find('\n')
        .map_or(text.len(), |i| value_end + i);
    Some(Edit {
        span: Span::new(entry.key.span.file, line_end..line_end),
        replacement: format!("\n{indent}{key}: {value}"),
    })
}

/// A fix replacing one value.
pub fn single(title: String, applicability: Applicability, edit: Edit) -> Fix {
    Fix {
        title,
        applicability,
        edits: vec![edit],
    }
}

/// The file outside the repository that a fix would edit, if any: orion-lint never writes there
/// (a mounted `/srv/redis.conf` read with `--allow-outside`, a compose file linked from outside).
fn file_outside(fix: &Fix, boundary: &Boundary, sources: &SourceMap) -> Option<PathBuf> {
    fix.edits
        .iter()
        .map(|e| &sources.get(e.span.file).path)
        .find(|path| !boundary.may_write(path))
        .cloned()
}

/// Take away the fixes that would write outside the repository, saying so in the finding.
pub fn withhold_outside(diagnostics: &mut [Diagnostic], boundary: &Boundary, sources: &SourceMap) {
    for diagnostic in diagnostics {
        let Some(fix) = &diagnostic.fix else {
            continue;
        };
        let Some(path) = file_outside(fix, boundary, sources) else {
            continue;
        };
        let why = format!(
            "no fix: `{}` is outside the repository `{}`, and orion-lint writes only inside it",
            crate::source::display_path(&path),
            boundary.root().display()
        );
        diagnostic.help = Some(match diagnostic.help.take() {
            Some(help) => format!("{help}; {why}"),
            None => why,
        });
        diagnostic.fix = None;
    }
}

/// The fixes that can be applied together: duplicates once, overlapping ones left for a later
/// pass. Returns the accepted edits per file, sorted by position.
pub fn select<'a>(
    fixes: impl IntoIterator<Item = &'a Fix>,
) -> (BTreeMap<FileId, Vec<Edit>>, usize) {
    let mut fixes: Vec<&Fix> = fixes.into_iter().collect();
    fixes.sort_by_key(|f| {
        f.edits
            .iter()
            .map(|e| (e.span.file, e.span.range.start))
            .min()
    });
    let mut accepted: Vec<Edit> = Vec::new();
    let mut applied = 0;
    for fix in fixes {
        let new: Vec<&Edit> = fix.edits.iter().filter(|e| !accepted.contains(e)).collect();
        let overlaps = new.iter().enumerate().any(|(i, edit)| {
            accepted
                .iter()
                .chain(new[..i].iter().copied())
                .any(|other| overlap(edit, other))
        });
        if overlaps {
            continue;
        }
        if !new.is_empty() {
            applied += 1;
        }
        accepted.extend(new.into_iter().cloned());
    }
    let mut by_file: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    for edit in accepted {
        by_file.entry(edit.span.file).or_default().push(edit);
    }
    for edits in by_file.values_mut() {
        edits.sort_by_key(|e| (e.span.range.start, e.span.range.end));
    }
    (by_file, applied)
}

fn overlap(a: &Edit, b: &Edit) -> bool {
    a.span.file == b.span.file
        && (a.span.range.start < b.span.range.end && b.span.range.start < a.span.range.end
            || a.span.range.start == b.span.range.start)
}

/// Apply sorted, non-overlapping edits to a text, from the end so that offsets stay valid.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut out = text.to_string();
    for edit in edits.iter().rev() {
        let range = edit.span.range.clone();
        assert!(
            out.is_char_boundary(range.start) && out.is_char_boundary(range.end),
            "edits fall on character boundaries"
        );
        out.replace_range(range, &edit.replacement);
    }
    out
}

/// One changed file.
#[derive(Debug)]
pub struct Change {
    /// The path as shown to the user (the first one the file was read through).
    pub path: PathBuf,
    pub original: String,
    pub fixed: String,
}

/// What fixing a project produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Each changed file by its canonical path, so that a file reached through two paths is
    /// changed once.
    pub changes: BTreeMap<PathBuf, Change>,
    /// How many fixes were applied.
    pub applied: usize,
}

/// Fixes that are not findings: rewriting a project for another plan (`--fix --plan`).
pub type ExtraFixes<'a> = &'a dyn Fn(&LoadedProject, &SourceMap) -> Result<Vec<Fix>, LoadError>;

/// Fix one project: lint, apply the fixes allowed by `applicability`, re-lint, until nothing is
/// left to fix. `extra` fixes are applied in the first pass. Nothing is written.
pub fn fix_project(
    files: &[PathBuf],
    options: &LoadOptions,
    overrides: &Overrides,
    applicability: Applicability,
    extra: Option<ExtraFixes>,
) -> Result<Outcome, LoadError> {
    let mut outcome = Outcome::default();
    for pass in 0..MAX_PASSES {
        let mut sources = SourceMap::default();
        for change in outcome.changes.values() {
            sources.add(SourceFile::new(change.path.clone(), change.fixed.clone()));
        }
        let loaded = match lint::load_project(files, options, overrides, &mut sources) {
            Ok(loaded) => loaded,
            Err(mut error) => {
                if pass > 0 {
                    error.message = format!(
                        "orion-lint's fixes would break the project, so nothing was written: {}",
                        error.message
                    );
                }
                return Err(error.detached(&sources));
            }
        };
        // What orion-lint reports: rule settings and suppression comments apply to fixes too.
        let diagnostics: Vec<Diagnostic> = lint::check_project(&loaded, &sources, options);
        let mut fixes: Vec<Fix> = match (pass, extra) {
            (0, Some(extra)) => extra(&loaded, &sources).map_err(|e| e.detached(&sources))?,
            _ => Vec::new(),
        };
        // Findings come without such fixes already (see `withhold_outside`); these do not.
        let boundary = &loaded.project.boundary;
        fixes.retain(|f| file_outside(f, boundary, &sources).is_none());
        fixes.extend(
            diagnostics
                .into_iter()
                .filter_map(|d| d.fix)
                .filter(|f| f.applicability <= applicability),
        );
        let (mut edits, mut applied) = select(&fixes);
        if breaks_shape(&edits, &sources) {
            // Some fix breaks its file (an edit builder met a layout it does not know): keep the
            // fixes that are sound on their own, as ruff reverts a fix that breaks the syntax;
            // the others' findings stay, unfixed.
            fixes.retain(|fix| !breaks_shape(&select(std::slice::from_ref(fix)).0, &sources));
            (edits, applied) = select(&fixes);
        }
        if applied == 0 {
            return Ok(outcome);
        }
        outcome.applied += applied;
        for (file, edits) in edits {
            let source = sources.get(file);
            let fixed = apply_edits(&source.text, &edits);
            check_shape(source, &fixed, &edits).map_err(|e| e.detached(&sources))?;
            outcome
                .changes
                .entry(source.canonical_path().to_path_buf())
                .or_insert_with(|| Change {
                    path: source.path.clone(),
                    original: source.text.to_string(),
                    fixed: String::new(),
                })
                .fixed = fixed;
        }
    }
    Err(LoadError {
        message: format!(
            "fixes did not settle after {MAX_PASSES} passes, so nothing was written; please report this with the file"
        ),
        path: files.first().cloned(),
        span: None,
        related: Vec::new(),
    })
}

/// Whether applying `edits` leaves some YAML file unparsable or changes its structure.
fn breaks_shape(edits: &BTreeMap<FileId, Vec<Edit>>, sources: &SourceMap) -> bool {
    edits.iter().any(|(file, edits)| {
        let source = sources.get(*file);
        check_shape(source, &apply_edits(&source.text, edits), edits).is_err()
    })
}

/// Refuse a fixed YAML file whose structure changed beyond scalar values: a replacement that
/// swallowed a line break or a quote would otherwise rewrite the file's meaning.
fn check_shape(source: &SourceFile, fixed: &str, edits: &[Edit]) -> Result<(), LoadError> {
    let is_yaml = source
        .path
        .extension()
        .is_some_and(|e| e == "yml" || e == "yaml");
    let broken = |why: String| LoadError {
        message: format!(
            "a fix would {why}, so nothing was written; please report this with the file"
        ),
        path: Some(source.path.clone()),
        span: edits.first().map(|e| e.span.clone()),
        related: Vec::new(),
    };
    if crate::docs::find::is_markdown(&source.path) {
        return crate::docs::check_fix(&source.text, fixed, edits).map_err(broken);
    }
    if !is_yaml {
        let inserted_lines = edits.iter().any(|e| e.replacement.contains('\n'));
        if !inserted_lines && fixed.lines().count() != source.text.lines().count() {
            return Err(broken("change the lines of a non-YAML file".to_string()));
        }
        return Ok(());
    }
    let file = edits[0].span.file;
    let before = yaml::parse(file, &source.text)
        .map_err(|e| broken(format!("break the YAML ({})", e.message)))?;
    let after =
        yaml::parse(file, fixed).map_err(|e| broken(format!("break the YAML ({})", e.message)))?;
    if before.len() != after.len() || !before.iter().zip(&after).all(|(a, b)| contains_shape(a, b))
    {
        return Err(broken("change the structure of the YAML".to_string()));
    }
    Ok(())
}

/// Whether `after` has every key, list item and kind of node that `before` has (values may
/// differ, and keys and list items may be added).
fn contains_shape(before: &Node, after: &Node) -> bool {
    match (&before.value, &after.value) {
        (Value::Scalar(_), Value::Scalar(_)) => true,
        (Value::Seq(a), Value::Seq(b)) => {
            a.len() <= b.len() && a.iter().zip(b).all(|(x, y)| contains_shape(x, y))
        }
        (Value::Map(a), Value::Map(b)) => a.iter().all(|entry| {
            b.iter()
                .find(|other| other.key.as_str() == entry.key.as_str())
                .is_some_and(|other| contains_shape(&entry.value, &other.value))
        }),
        _ => false,
    }
}

/// A unified diff of each changed file, as `--diff` prints it.
pub fn diff(outcome: &Outcome) -> String {
    let mut out = String::new();
    for change in outcome.changes.values() {
        let name = crate::source::display_path(&change.path);
        let name = name.trim_start_matches('/');
        let diff = similar::TextDiff::from_lines(change.original.as_str(), change.fixed.as_str());
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{name}"), &format!("b/{name}"))
                .to_string(),
        );
    }
    out
}

/// Write every changed file, all or nothing. Each fixed text goes to a temporary file beside its
/// target, created with the target's mode, given its owner and group, flushed to disk; only when
/// every temporary is ready are they renamed over their targets. A failure before the renames
/// removes the temporaries and leaves every file as it was; a rename that fails puts back the
/// files already replaced.
pub fn write(outcome: &Outcome) -> Result<(), LoadError> {
    replace_all(stage_all(outcome)?)
}

/// A temporary file for every changed file, or the first refusal (the temporaries made so far are
/// removed as they are dropped).
fn stage_all(outcome: &Outcome) -> Result<Vec<(Staged, &Change)>, LoadError> {
    outcome
        .changes
        .iter()
        .map(|(target, change)| {
            let file = Staged::new(target, change.fixed.as_bytes()).map_err(|refusal| {
                LoadError::in_file(
                    &change.path,
                    format!("{refusal}, so no file was changed{}", refusal.hint()),
                )
            })?;
            Ok((file, change))
        })
        .collect()
}

/// Rename every temporary over its target; if one fails, put back the files already replaced.
fn replace_all(mut staged: Vec<(Staged, &Change)>) -> Result<(), LoadError> {
    for i in 0..staged.len() {
        if let Err(e) = staged[i].0.rename() {
            let unrestored: Vec<String> = staged[..i]
                .iter()
                .filter_map(|(file, change)| {
                    let restored = Staged::new(&file.target, change.original.as_bytes())
                        .map_err(|refusal| refusal.to_string())
                        .and_then(|mut original| original.rename().map_err(|e| e.to_string()));
                    restored
                        .err()
                        .map(|e| format!("{} ({e})", crate::source::display_path(&change.path)))
                })
                .collect();
            let outcome = if unrestored.is_empty() {
                "the files already replaced were put back, so no file was changed".to_string()
            } else {
                format!(
                    "these files keep the fix and could not be put back: {}; restore them from version control",
                    unrestored.join(", ")
                )
            };
            return Err(LoadError::in_file(
                &staged[i].1.path,
                format!("cannot replace the file with its fixed text ({e}); {outcome}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::atomic::tests::names;
    use crate::source::FileId;

    fn file() -> FileId {
        SourceMap::default().add(SourceFile::new("t.yml".into(), ""))
    }

    fn edit(range: std::ops::Range<usize>, text: &str) -> Edit {
        Edit {
            span: Span::new(file(), range),
            replacement: text.to_string(),
        }
    }

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix {
            title: String::new(),
            applicability: Applicability::Safe,
            edits,
        }
    }

    #[test]
    fn identical_edits_apply_once_and_overlapping_fixes_wait() {
        let a = fix(vec![edit(4..8, "1g")]);
        let same = fix(vec![edit(4..8, "1g")]);
        let overlapping = fix(vec![edit(6..10, "x")]);
        let later = fix(vec![edit(12..14, "yy")]);
        let (edits, applied) = select([&a, &same, &overlapping, &later]);
        assert_eq!(applied, 2);
        let edits = &edits[&file()];
        assert_eq!(edits.len(), 2);
        assert_eq!(apply_edits("mem=512m, x=ab", edits), "mem=1g, x=yy");
    }

    #[test]
    fn a_fix_is_applied_whole_or_not_at_all() {
        let first = fix(vec![edit(0..2, "A")]);
        let both = fix(vec![edit(1..3, "B"), edit(10..11, "C")]);
        let (edits, applied) = select([&first, &both]);
        assert_eq!(applied, 1);
        assert_eq!(edits[&file()], vec![edit(0..2, "A")]);
    }

    #[test]
    fn a_fix_that_breaks_its_file_is_withheld_and_the_others_applied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("compose.yml");
        let text = "services:\n  a:\n    image: x\n    mem_limit: 512m\n";
        std::fs::write(&path, text).unwrap();
        let at =
            |needle: &str| text.find(needle).unwrap()..text.find(needle).unwrap() + needle.len();
        let extra = |_: &LoadedProject, sources: &SourceMap| {
            let file = sources.ids().next().unwrap();
            let edit = |range, replacement: &str| Edit {
                span: Span::new(file, range),
                replacement: replacement.to_string(),
            };
            Ok(vec![
                fix(vec![edit(at("512m"), "1g")]),
                fix(vec![edit(at("x\n"), "x\n  b: [\n")]),
            ])
        };
        let outcome = fix_project(
            &[path],
            &LoadOptions::default(),
            &Overrides::default(),
            Applicability::Safe,
            Some(&extra),
        )
        .unwrap();
        let fixed: Vec<&str> = outcome.changes.values().map(|c| c.fixed.as_str()).collect();
        assert_eq!(
            fixed,
            ["services:\n  a:\n    image: x\n    mem_limit: 1g\n"]
        );
    }

    #[test]
    fn replace_value_keeps_quotes_and_refuses_other_text() {
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new("c.yml".into(), "a: \"512M\"\nb: 768m\n"));
        let quoted = replace_value(&sources, &Span::new(id, 3..9), "512M", "1G").unwrap();
        assert_eq!(quoted.span.range, 4..8);
        let plain = replace_value(&sources, &Span::new(id, 13..17), "768m", "1536m").unwrap();
        assert_eq!(plain.span.range, 13..17);
        assert!(replace_value(&sources, &Span::new(id, 10..17), "768m", "1g").is_none());
        assert!(replace_value(&sources, &Span::new(id, 18..18), "", "1g").is_none());
    }

    #[test]
    fn shape_changes_are_refused() {
        let text = "services:\n  a:\n    mem_limit: 1g\n";
        let source = SourceFile::new("c.yml".into(), text);
        let good = [edit(31..33, "2g")];
        assert!(check_shape(&source, &apply_edits(text, &good), &good).is_ok());
        let bad = [edit(31..33, "2g\n  b: {}")];
        assert!(
            check_shape(&source, &apply_edits(text, &bad), &bad).is_ok(),
            "adding keys is allowed"
        );
        let breaking = [edit(20..33, "[1")];
        assert!(check_shape(&source, &apply_edits(text, &breaking), &breaking).is_err());
    }

    /// An outcome changing `a: 1` to `a: 2` in each of `names` under `dir`.
    fn outcome(dir: &Path, names: &[&str]) -> Outcome {
        let mut outcome = Outcome::default();
        for name in names {
            let path = dir.join(name);
            std::fs::write(&path, "a: 1\n").unwrap();
            outcome.changes.insert(
                path.canonicalize().unwrap(),
                Change {
                    path,
                    original: "a: 1\n".into(),
                    fixed: "a: 2\n".into(),
                },
            );
        }
        outcome
    }

    #[test]
    fn staging_keeps_mode_and_leaves_the_original_until_the_rename() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let outcome = outcome(dir.path(), &["compose.yaml"]);
        let path = dir.path().join("compose.yaml");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let staged = stage_all(&outcome).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a: 1\n");
        let temporary = &staged[0].0.temporary;
        assert_eq!(std::fs::read_to_string(temporary).unwrap(), "a: 2\n");
        assert_eq!(
            std::fs::metadata(temporary).unwrap().permissions().mode() & 0o7777,
            0o640
        );
        drop(staged);
        assert_eq!(
            names(dir.path()),
            ["compose.yaml"],
            "the temporary is removed"
        );
        write(&outcome).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a: 2\n");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777,
            0o640
        );
        assert_eq!(names(dir.path()), ["compose.yaml"]);
    }

    #[test]
    fn a_failed_rename_puts_back_the_files_already_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let outcome = outcome(dir.path(), &["a.yml", "b.yml", "c.yml"]);
        let staged = stage_all(&outcome).unwrap();
        // The second rename fails: its temporary is gone.
        std::fs::remove_file(&staged[1].0.temporary).unwrap();
        let error = replace_all(staged).unwrap_err();
        assert!(error.message.contains("put back"), "{}", error.message);
        for name in ["a.yml", "b.yml", "c.yml"] {
            assert_eq!(
                std::fs::read_to_string(dir.path().join(name)).unwrap(),
                "a: 1\n",
                "{name}"
            );
        }
        assert_eq!(names(dir.path()), ["a.yml", "b.yml", "c.yml"]);
    }
}
