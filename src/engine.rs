//! One run from start to end: load the projects of a target, check them, fix them, rescale
//! them, and return a report. The CLI parses its arguments, calls one of these, picks a renderer
//! and sets the exit code; renderers show what a report holds.
//!
//! A run reads each file from the disk once (`crate::access::ReadCache` in its
//! [`LoadOptions`]): the fix passes, the lint after `--fix` and projects that share a file take
//! its text from there, after the same access checks as the first read. Projects are checked on
//! every core and reported in the order they were found.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::budget::Budget;
use crate::compose::{LoadError, LoadOptions};
use crate::diagnostic::{Applicability, Diagnostic};
use crate::fix;
use crate::lint::{self, LoadedProject, Report, Target};
use crate::rescale::{self, Rescale};
use crate::settings::Overrides;
use crate::source::{FileId, SourceMap};
use crate::suppress::Suppressions;

/// Lint every project of a target.
pub fn lint(target: &Target, options: &LoadOptions, overrides: &Overrides) -> Report {
    let mut report = Report::default();
    let (projects, errors) = lint::load_all(target, options, overrides, &mut report.sources);
    report.errors = errors;
    let sources = &report.sources;
    let found = on_every_core(&projects, |loaded| lint::findings(loaded, sources));
    // Suppression comments are applied in project order: whether one is used is known once
    // every project that reads its file is linted, and its findings go with the first of them.
    let mut suppressions = Suppressions::new(&options.env_files);
    let mut found: Vec<Vec<Diagnostic>> = projects
        .iter()
        .zip(found)
        .map(|(loaded, mut diagnostics)| {
            suppressions.filter(
                &loaded.project,
                &loaded.files_read,
                sources,
                &mut diagnostics,
            );
            diagnostics
        })
        .collect();
    let mut reported: HashSet<FileId> = HashSet::new();
    for (loaded, diagnostics) in projects.iter().zip(&mut found) {
        for &file in &loaded.files_read {
            if reported.insert(file) {
                diagnostics.extend(suppressions.findings(
                    file,
                    &loaded.project,
                    &loaded.settings.rules,
                    sources,
                ));
            }
        }
        diagnostics.sort_by(|a, b| {
            (a.primary.span.file, a.primary.span.range.start, a.rule).cmp(&(
                b.primary.span.file,
                b.primary.span.range.start,
                b.rule,
            ))
        });
    }
    report.diagnostics = found.into_iter().flatten().collect();
    report.projects = projects.len();
    report
}

/// `f` of each item, computed on every core (a share of the items per thread), in the items'
/// order, so that output does not depend on which thread finished first.
fn on_every_core<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let share = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(share)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// What `--fix` writes, or `--diff` shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixMode {
    /// Write the fixed files, then lint them.
    Write,
    /// Collect the fixes as a unified diff; write nothing.
    Diff,
}

/// What fixing the projects of a target did.
pub struct FixReport {
    /// With [`FixMode::Write`]: the lint of the fixed files, with how many fixes were applied and
    /// the projects whose fixes could not be made or written among its errors.
    pub lint: Option<Report>,
    /// With [`FixMode::Diff`]: the fixes as a unified diff.
    pub diff: String,
    /// With [`FixMode::Diff`]: the projects that could not be read or fixed.
    pub errors: Vec<LoadError>,
    /// The projects as they were before the fixes.
    before: Vec<LoadedProject>,
    /// Which of them were fixed (written, or with `--diff` shown).
    fixed_projects: Vec<usize>,
}

impl FixReport {
    /// The rescale `--fix --plan` made in each project it fixed: the same `rescale::plan` as the
    /// fixes were made from.
    pub fn rescales(&self) -> Vec<Rescale<'_>> {
        self.fixed_projects
            .iter()
            .filter_map(|&i| rescale::requested(&self.before[i]).and_then(Result::ok))
            .collect()
    }
}

/// Fix every project of a target with the fixes `applicability` allows, and with `--plan`
/// rescale its limits to the new plan.
pub fn fix(
    target: &Target,
    options: &LoadOptions,
    overrides: &Overrides,
    applicability: Applicability,
    mode: FixMode,
) -> FixReport {
    let mut sources = SourceMap::default();
    let (projects, load_errors) = lint::load_all(target, options, overrides, &mut sources);
    let (mut fixed, mut diff, mut errors) = (0, String::new(), Vec::new());
    let mut fixed_projects = Vec::new();
    for (i, loaded) in projects.iter().enumerate() {
        let files: Vec<PathBuf> = loaded
            .project
            .files
            .iter()
            .map(|id| sources.get(*id).path.clone())
            .collect();
        let outcome = fix::fix_project(
            &files,
            options,
            overrides,
            applicability,
            Some(&rescale::requested_fixes),
        );
        match outcome {
            Ok(outcome) if mode == FixMode::Diff => {
                diff.push_str(&fix::diff(&outcome));
                fixed_projects.push(i);
            }
            Ok(outcome) => match fix::write(&outcome) {
                Ok(()) => {
                    fixed += outcome.applied;
                    fixed_projects.push(i);
                    for (canonical, change) in &outcome.changes {
                        options.read.wrote(canonical, change.fixed.as_bytes());
                    }
                }
                Err(error) => errors.push(error),
            },
            Err(error) => errors.push(error),
        }
    }
    match mode {
        FixMode::Diff => FixReport {
            lint: None,
            diff,
            errors: load_errors
                .into_iter()
                .map(|e| e.detached(&sources))
                .chain(errors)
                .collect(),
            before: projects,
            fixed_projects,
        },
        FixMode::Write => {
            // The lint of the fixed texts reports the projects' load errors itself.
            let mut report = lint(target, options, overrides);
            report.fixed = fixed;
            report.errors.extend(errors);
            FixReport {
                lint: Some(report),
                diff,
                errors: Vec::new(),
                before: projects,
                fixed_projects,
            }
        }
    }
}

/// The memory budget of every project of a target.
#[derive(Default)]
pub struct BudgetReport {
    pub sources: SourceMap,
    pub projects: Vec<LoadedProject>,
    /// Projects that could not be read.
    pub errors: Vec<LoadError>,
}

/// One project's budget, with the rescale `--fix --plan` would make.
pub struct ProjectBudget<'p> {
    pub project: &'p LoadedProject,
    pub budget: Budget<'p>,
    /// Only a rescale that works: one `--fix` would refuse is reported by `--fix`.
    pub rescale: Option<Rescale<'p>>,
}

impl BudgetReport {
    pub fn budgets(&self) -> Vec<ProjectBudget<'_>> {
        self.projects
            .iter()
            .map(|project| ProjectBudget {
                project,
                budget: Budget::new(&project.project, &project.settings),
                rescale: rescale::requested(project).and_then(Result::ok),
            })
            .collect()
    }
}

/// Load every project of a target for its budget.
pub fn budget(target: &Target, options: &LoadOptions, overrides: &Overrides) -> BudgetReport {
    let mut report = BudgetReport::default();
    (report.projects, report.errors) =
        lint::load_all(target, options, overrides, &mut report.sources);
    report
}
