//! One run from start to end: load the projects of a target, check them, fix them, rescale
//! them, and return a report. The CLI parses its arguments, calls one of these, picks a renderer
//! and sets the exit code; renderers show what a report holds.
//!
//! A run reads each file from the disk once (`crate::access::ReadCache` in its
//! [`LoadOptions`]): the fix passes, the lint after `--fix` and projects that share a file take
//! its text from there, after the same access checks as the first read. Projects are checked on
//! every core and reported in the order they were found.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::access::{ReadCache, Revisions};
use crate::budget::{Budget, Comparison};
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
    let mut errors = Vec::new();
    // Every project is fixed from the files as they were at the start of the run (the read cache
    // is only told of the writes at the end), and the outcomes are merged: a file several
    // projects share is changed once, as fixing one of them alone would change it. Fixed one
    // after another, each seeing the previous one's writes, a shared limit would be rescaled
    // once per project, compounding. Projects that would change a shared file differently
    // refuse the whole run, so the files are still written all or none.
    let mut outcomes = Vec::new();
    for (i, loaded) in projects.iter().enumerate() {
        let files: Vec<PathBuf> = loaded
            .project
            .files
            .iter()
            .map(|id| sources.get(*id).path.clone())
            .collect();
        match fix::fix_project(
            &files,
            options,
            overrides,
            applicability,
            Some(&rescale::requested_fixes),
        ) {
            Ok(outcome) => outcomes.push((i, outcome)),
            Err(error) => errors.push(error),
        }
    }
    let (mut fixed, mut diff, mut fixed_projects) = (0, String::new(), Vec::new());
    let project_path = |i: usize| &sources.get(projects[i].project.main_file()).path;
    match merge(outcomes, project_path) {
        Ok((outcome, projects_merged)) if mode == FixMode::Diff => {
            diff = fix::diff(&outcome);
            fixed_projects = projects_merged;
        }
        Ok((outcome, projects_merged)) => match fix::write(&outcome) {
            Ok(()) => {
                fixed = outcome.applied.len();
                fixed_projects = projects_merged;
                for (canonical, change) in &outcome.changes {
                    options.read.wrote(canonical, change.fixed.as_bytes());
                }
            }
            Err(error) => errors.push(error),
        },
        Err(conflict) => errors.push(conflict),
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

/// One outcome of the projects' outcomes (numbered by project), with the projects merged: each
/// file changed once. Two projects changing a file to different texts are refused, naming the
/// file and both projects (`project_path` gives a project's main file).
fn merge<'a>(
    outcomes: Vec<(usize, fix::Outcome)>,
    project_path: impl Fn(usize) -> &'a PathBuf,
) -> Result<(fix::Outcome, Vec<usize>), LoadError> {
    let mut merged = fix::Outcome::default();
    let mut changed_by: HashMap<PathBuf, usize> = HashMap::new();
    let mut merged_projects = Vec::new();
    for (project, outcome) in outcomes {
        // A fix two projects made in a file they share is one fix.
        merged.applied.extend(outcome.applied);
        merged_projects.push(project);
        for (canonical, change) in outcome.changes {
            let Some(earlier) = changed_by.get(&canonical) else {
                changed_by.insert(canonical.clone(), project);
                merged.changes.insert(canonical, change);
                continue;
            };
            if merged.changes[&canonical].fixed != change.fixed {
                let name = |i| crate::source::display_path(project_path(i));
                return Err(LoadError::in_file(
                    &change.path,
                    format!(
                        "the projects of `{}` and `{}` both read this file and would change it differently (a rescale sized for different totals, or different settings), so no file was written: give the shared services one limit that both budgets hold, by hand, and pin it in every project (`x-orion-lint: {{services: {{NAME: {{pin: true}}}}}}`), or move what differs out of the shared file",
                        name(*earlier),
                        name(project),
                    ),
                ));
            }
        }
    }
    Ok((merged, merged_projects))
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

/// The budget of every project of a target in the work tree (after) and at a git revision
/// (before): `orion-lint budget --compare REV`.
pub struct BudgetComparison {
    /// The revision as the user named it.
    pub revision: String,
    /// The work tree's budgets, as `budget` reports them.
    pub after: BudgetReport,
    /// Each project of `after` that could be read at the revision (by its index in
    /// `after.projects`), compared.
    pub comparisons: Vec<(usize, Comparison)>,
    /// The projects that could not be read at the revision (not a repository, no such revision,
    /// a damaged object, a file that is no compose file then), each naming the revision.
    pub errors: Vec<LoadError>,
}

/// Compare the budget of every project of a target with the same projects' files at `revision`,
/// read from the repository's objects (nothing is executed). A compose file of a project that did
/// not exist at the revision is left out of it; a project none of whose files existed is new.
pub fn budget_compare(
    target: &Target,
    options: &LoadOptions,
    overrides: &Overrides,
    revision: &str,
) -> BudgetComparison {
    let after = budget(target, options, overrides);
    let revisions = Revisions::new(revision);
    // The before side reads its own files: the work tree's texts must not stand in for them.
    let before_options = LoadOptions {
        read: ReadCache::default(),
        revision: Some(revisions.clone()),
        ..options.clone()
    };
    let mut sources = SourceMap::default();
    let mut comparisons = Vec::new();
    let mut errors = Vec::new();
    let at_revision = |error: LoadError, sources: &SourceMap| {
        let error = error.detached(sources);
        LoadError {
            message: format!("at `{}`: {}", crate::git::shown(revision), error.message),
            ..error
        }
    };
    for (i, now) in after.projects.iter().enumerate() {
        let files: Vec<PathBuf> = now
            .project
            .files
            .iter()
            .map(|id| after.sources.get(*id).path.clone())
            .collect();
        let boundary = match revisions.open(now.project.boundary.root()) {
            Ok(snapshot) => now.project.boundary.clone().at_revision(snapshot),
            Err(why) => {
                errors.push(at_revision(LoadError::in_file(&files[0], why), &sources));
                continue;
            }
        };
        let then: Vec<PathBuf> = files.into_iter().filter(|f| boundary.exists(f)).collect();
        let before = if then.is_empty() {
            None
        } else {
            match lint::load_project(&then, &before_options, overrides, &mut sources) {
                Ok(loaded) => Some(loaded),
                Err(error) => {
                    errors.push(at_revision(error, &sources));
                    continue;
                }
            }
        };
        let exceeded = |loaded: &LoadedProject, sources: &SourceMap| {
            lint::findings(loaded, sources)
                .iter()
                .any(|d| d.rule == crate::registry::PLAN_RAM_EXCEEDED.name)
        };
        let before = before.as_ref().map(|loaded| {
            (
                Budget::new(&loaded.project, &loaded.settings),
                exceeded(loaded, &sources),
            )
        });
        let after_budget = Budget::new(&now.project, &now.settings);
        let comparison = Comparison::new(
            before
                .as_ref()
                .map(|(budget, exceeded)| (budget, *exceeded)),
            (&after_budget, exceeded(now, &after.sources)),
        );
        comparisons.push((i, comparison));
    }
    BudgetComparison {
        revision: revision.to_string(),
        after,
        comparisons,
        errors,
    }
}
