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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use crate::atomic::Staged;
use crate::compose::{LoadError, LoadOptions};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::lint::{self, LoadedProject};
use crate::settings::Overrides;
use crate::source::{FileId, SourceFile, SourceMap};
use crate::yaml::{self, Node, Value};

/// Re-lint and fix at most this many times; real files settle in two or three passes.
pub const MAX_PASSES: usize = 10;

/// The fixes that can be applied together: duplicates once, overlapping ones left for a later
/// pass. Returns the accepted edits per file, sorted by position, and the fixes applied (those
/// with an edit not already accepted).
pub fn select<'a>(
    fixes: impl IntoIterator<Item = &'a Fix>,
) -> (BTreeMap<FileId, Vec<Edit>>, Vec<&'a Fix>) {
    let mut fixes: Vec<&Fix> = fixes.into_iter().collect();
    fixes.sort_by_key(|f| {
        f.edits
            .iter()
            .map(|e| (e.span.file, e.span.range.start))
            .min()
    });
    // Accepted edits by file and start: no two overlap, so no two start at the same place, and
    // an edit need only be checked against its neighbours, not against every accepted one.
    let mut accepted: BTreeMap<(FileId, usize), Edit> = BTreeMap::new();
    let mut applied = Vec::new();
    for fix in fixes {
        let new: Vec<&Edit> = fix
            .edits
            .iter()
            .filter(|e| accepted.get(&(e.span.file, e.span.range.start)) != Some(e))
            .collect();
        let overlaps = new.iter().enumerate().any(|(i, edit)| {
            overlaps_accepted(edit, &accepted) || new[..i].iter().any(|other| overlap(edit, other))
        });
        if overlaps {
            continue;
        }
        if !new.is_empty() {
            applied.push(fix);
        }
        for edit in new {
            accepted.insert((edit.span.file, edit.span.range.start), edit.clone());
        }
    }
    let mut by_file: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    for ((file, _), edit) in accepted {
        by_file.entry(file).or_default().push(edit);
    }
    (by_file, applied)
}

/// Whether `edit` overlaps one of the `accepted` edits (which do not overlap each other): one
/// that starts inside it or where it starts, or the last one that starts before it.
fn overlaps_accepted(edit: &Edit, accepted: &BTreeMap<(FileId, usize), Edit>) -> bool {
    let (file, range) = (edit.span.file, &edit.span.range);
    let inside = (file, range.start)..(file, range.end.max(range.start + 1));
    accepted.range(inside).next().is_some()
        || accepted
            .range((file, 0)..(file, range.start))
            .next_back()
            .is_some_and(|(_, before)| overlap(edit, before))
}

fn overlap(a: &Edit, b: &Edit) -> bool {
    a.span.file == b.span.file
        && (a.span.range.start < b.span.range.end && b.span.range.start < a.span.range.end
            || a.span.range.start == b.span.range.start)
}

/// Apply sorted, non-overlapping edits to a text, in one sweep from the start (not one
/// `replace_range` per edit, which moves the rest of a big file each time).
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let inserted: usize = edits.iter().map(|e| e.replacement.len()).sum();
    let mut out = String::with_capacity(text.len() + inserted);
    let mut copied = 0;
    for edit in edits {
        let range = edit.span.range.clone();
        assert!(
            text.is_char_boundary(range.start) && text.is_char_boundary(range.end),
            "edits fall on character boundaries"
        );
        out.push_str(&text[copied..range.start]);
        out.push_str(&edit.replacement);
        copied = range.end;
    }
    out.push_str(&text[copied..]);
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

/// A fix as applied: in which pass, and its edits by the canonical path of their file, so that
/// the same fix of a file two projects share, made in each of them, counts once.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AppliedFix {
    pass: usize,
    /// (canonical path, start, end, replacement) of each edit.
    edits: Vec<(PathBuf, usize, usize, String)>,
}

impl AppliedFix {
    fn new(pass: usize, fix: &Fix, sources: &SourceMap) -> AppliedFix {
        let mut edits: Vec<_> = fix
            .edits
            .iter()
            .map(|e| {
                (
                    sources.get(e.span.file).canonical_path().to_path_buf(),
                    e.span.range.start,
                    e.span.range.end,
                    e.replacement.clone(),
                )
            })
            .collect();
        edits.sort();
        AppliedFix { pass, edits }
    }
}

/// What fixing a project produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Each changed file by its canonical path, so that a file reached through two paths is
    /// changed once.
    pub changes: BTreeMap<PathBuf, Change>,
    /// The fixes applied: their number is the count `--fix` reports.
    pub applied: BTreeSet<AppliedFix>,
}

/// Fixes that are not findings: rewriting a project for another plan (`--fix --plan`).
pub type ExtraFixes<'a> = &'a dyn Fn(&LoadedProject, &SourceMap) -> Result<Vec<Fix>, LoadError>;

/// Fix one project: lint, apply the fixes allowed by `applicability`, re-lint, until nothing is
/// left to fix. `extra` fixes are applied alone in the first pass. Nothing is written.
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
        // Findings come without such fixes already (see `lint::withhold_outside`); these do not.
        let boundary = &loaded.project.boundary;
        fixes.retain(|f| crate::edit::file_outside(f, boundary, &sources).is_none());
        // A rescale is applied alone, so that the fixes of findings are made for the new limits
        // (a Redis `maxmemory` inserted for the new limit, not the old one).
        let diagnostics = if fixes.is_empty() {
            diagnostics
        } else {
            Vec::new()
        };
        fixes.extend(
            diagnostics
                .into_iter()
                .filter_map(|d| d.fix)
                .filter(|f| f.applicability <= applicability),
        );
        let (mut edits, mut applied) = select(&fixes);
        let mut fixed = apply_checked(&edits, &sources);
        if fixed.values().any(Result::is_err) {
            // Some fix breaks its file (an edit builder met a layout it does not know): keep the
            // fixes that are sound on their own, as ruff reverts a fix that breaks the syntax;
            // the others' findings stay, unfixed.
            fixes.retain(|fix| !breaks_shape(&select(std::slice::from_ref(fix)).0, &sources));
            (edits, applied) = select(&fixes);
            fixed = apply_checked(&edits, &sources);
        }
        if applied.is_empty() {
            return Ok(outcome);
        }
        outcome.applied.extend(
            applied
                .into_iter()
                .map(|fix| AppliedFix::new(pass, fix, &sources)),
        );
        for (file, fixed) in fixed {
            let source = sources.get(file);
            let fixed = fixed.map_err(|e| e.detached(&sources))?;
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
    edits
        .iter()
        .any(|(file, edits)| apply_checked_file(*file, edits, sources).is_err())
}

/// Each file's text with its `edits` applied, or why it must not be written: computed once
/// and written as checked, not applied and parsed again.
fn apply_checked(
    edits: &BTreeMap<FileId, Vec<Edit>>,
    sources: &SourceMap,
) -> BTreeMap<FileId, Result<String, LoadError>> {
    edits
        .iter()
        .map(|(file, edits)| (*file, apply_checked_file(*file, edits, sources)))
        .collect()
}

fn apply_checked_file(
    file: FileId,
    edits: &[Edit],
    sources: &SourceMap,
) -> Result<String, LoadError> {
    let source = sources.get(file);
    let fixed = apply_edits(&source.text, edits);
    check_shape(source, &fixed, edits)?;
    Ok(fixed)
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
    if crate::compose::docs::find::is_markdown(&source.path) {
        return crate::compose::docs::check_fix(&source.text, fixed, edits).map_err(broken);
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
        (Value::Map(a), Value::Map(b)) => {
            // Each key's first entry, looked up once: `services` may have 10,000 keys.
            let mut after: HashMap<Option<&str>, &Node> = HashMap::with_capacity(b.len());
            for other in b {
                after.entry(other.key.as_str()).or_insert(&other.value);
            }
            a.iter().all(|entry| {
                after
                    .get(&entry.key.as_str())
                    .is_some_and(|other| contains_shape(&entry.value, other))
            })
        }
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
    use crate::source::{FileId, Span};

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
        assert_eq!(applied.len(), 2);
        let edits = &edits[&file()];
        assert_eq!(edits.len(), 2);
        assert_eq!(apply_edits("mem=512m, x=ab", edits), "mem=1g, x=yy");
    }

    /// `select` and `apply_edits` as first written: a search of every accepted edit per edit,
    /// one `replace_range` per edit from the end. The indexed versions must agree with them.
    fn select_by_search(fixes: &[Fix]) -> (BTreeMap<FileId, Vec<Edit>>, usize) {
        let mut fixes: Vec<&Fix> = fixes.iter().collect();
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
            applied += usize::from(!new.is_empty());
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

    fn apply_from_the_end(text: &str, edits: &[Edit]) -> String {
        let mut out = text.to_string();
        for edit in edits.iter().rev() {
            out.replace_range(edit.span.range.clone(), &edit.replacement);
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            rng_seed: proptest::test_runner::RngSeed::Fixed(9),
            ..Default::default()
        })]

        #[test]
        fn indexed_select_and_sweep_agree_with_the_search(
            fixes in proptest::collection::vec(
                proptest::collection::vec((0..2usize, 0..30usize, 0..5usize, 0..3usize), 1..4),
                0..25,
            )
        ) {
            let mut sources = SourceMap::default();
            let files = [
                sources.add(SourceFile::new("a.yml".into(), "")),
                sources.add(SourceFile::new("b.yml".into(), "")),
            ];
            let fixes: Vec<Fix> = fixes
                .into_iter()
                .map(|edits| {
                    fix(edits
                        .into_iter()
                        .map(|(f, start, len, text)| Edit {
                            span: Span::new(files[f], start..start + len),
                            replacement: ["", "x", "yz"][text].to_string(),
                        })
                        .collect())
                })
                .collect();
            let (edits, applied) = select(&fixes);
            proptest::prop_assert_eq!(&(edits.clone(), applied.len()), &select_by_search(&fixes));
            let text = "abcdefghijklmnopqrstuvwxyz0123456789";
            for edits in edits.values() {
                proptest::prop_assert_eq!(apply_edits(text, edits), apply_from_the_end(text, edits));
            }
        }
    }

    #[test]
    fn a_fix_is_applied_whole_or_not_at_all() {
        let first = fix(vec![edit(0..2, "A")]);
        let both = fix(vec![edit(1..3, "B"), edit(10..11, "C")]);
        let (edits, applied) = select([&first, &both]);
        assert_eq!(applied, [&first]);
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

    /// Each file is applied and checked once, on its own: a breaking edit in one file refuses
    /// that file only, and the other gets the text that was checked.
    #[test]
    fn edits_are_applied_and_checked_per_file() {
        let text = "services:\n  a:\n    mem_limit: 1g\n";
        let mut sources = SourceMap::default();
        let sound = sources.add(SourceFile::new("a.yml".into(), text));
        let broken = sources.add(SourceFile::new("b.yml".into(), text));
        let at = |file, range, replacement: &str| Edit {
            span: Span::new(file, range),
            replacement: replacement.to_string(),
        };
        let edits = BTreeMap::from([
            (sound, vec![at(sound, 30..32, "2g")]),
            (broken, vec![at(broken, 20..33, "[1")]),
        ]);
        let checked = apply_checked(&edits, &sources);
        assert_eq!(
            checked[&sound].as_deref(),
            Ok("services:\n  a:\n    mem_limit: 2g\n")
        );
        let refused = checked[&broken].as_ref().map_err(|e| e.path.clone());
        assert_eq!(refused, Err(Some("b.yml".into())));
        assert!(breaks_shape(&edits, &sources));
        let sound_only = BTreeMap::from([(sound, edits[&sound].clone())]);
        assert!(!breaks_shape(&sound_only, &sources));
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
