//! Linting a set of paths from start to end: find the projects, load each, resolve its settings
//! (with its `orion-lint.toml`), run the rules, apply the rule settings and the suppression
//! comments. The CLI and the tests both start here.

use std::path::PathBuf;

use crate::compose::{self, LoadError, LoadOptions, Project};
use crate::config::{self, Config};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{self, Context};
use crate::settings::{Overrides, Settings};
use crate::source::{FileId, SourceMap};
use crate::suppress::Suppressions;

/// What a lint run found, and the files it read (for rendering).
#[derive(Debug, Default)]
pub struct Report {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    /// Projects that could not be read: each makes the run fail with exit code 2.
    pub errors: Vec<LoadError>,
    /// How many projects were linted.
    pub projects: usize,
    /// How many fixes `--fix` applied before this lint.
    pub fixed: usize,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// Which files make up the projects to lint.
#[derive(Clone, Debug)]
pub enum Target {
    /// Files and directories to search for compose files (`orion-lint PATHS`).
    Paths(Vec<PathBuf>),
    /// One project made of these files, merged in order (`orion-lint -f a.yml -f b.yml`).
    Files(Vec<PathBuf>),
    /// Text read from stdin, linted as if it were the file `path` (`orion-lint
    /// --stdin-filename PATH -`): with the `.env`, override and configs beside `path`.
    Stdin { path: PathBuf, text: String },
}

impl Target {
    /// The projects, each as the list of its compose files.
    pub fn projects(&self) -> Result<Vec<Vec<PathBuf>>, LoadError> {
        match self {
            Target::Paths(paths) => {
                let projects = compose::discover::projects(paths)?;
                if projects.is_empty() {
                    return Err(no_compose_file(paths));
                }
                Ok(projects)
            }
            Target::Files(files) => Ok(vec![files.clone()]),
            Target::Stdin { path, .. } => Ok(vec![
                compose::discover::project_of_file(path)
                    .iter()
                    .map(|file| compose::mounts::normalize(file))
                    .collect(),
            ]),
        }
    }
}

/// Paths without a compose file are an error, not a clean run: a CI step run in the wrong
/// directory must fail. (A dangling symbolic link is no compose file, as for Compose.)
fn no_compose_file(paths: &[PathBuf]) -> LoadError {
    const WHAT: &str = "(compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml, docker-compose.*.yml, compose-*.yaml, ...): run orion-lint where the compose files are, or name them with `-f FILE`";
    match paths {
        [path] => LoadError::in_file(path, format!("no compose file found {WHAT}")),
        _ => {
            let names: Vec<String> = paths
                .iter()
                .map(|p| format!("`{}`", crate::source::display_path(p)))
                .collect();
            LoadError {
                message: format!("no compose file found in {} {WHAT}", names.join(", ")),
                path: None,
                span: None,
                related: Vec::new(),
            }
        }
    }
}

/// A loaded project and its settings.
pub struct LoadedProject {
    pub project: Project,
    pub settings: Settings,
    /// The `orion-lint.toml` that applies to the project, if any.
    pub config: Option<Config>,
    /// The files of the project, for suppression comments: its compose files, and the other
    /// files it read first (`.env`, mounted config files), not `orion-lint.toml`.
    pub files_read: Vec<FileId>,
}

/// Load a project and resolve its settings.
pub fn load_project(
    files: &[PathBuf],
    options: &LoadOptions,
    overrides: &Overrides,
    sources: &mut SourceMap,
) -> Result<LoadedProject, LoadError> {
    let first_new = sources.len();
    let mut project = compose::load(files, options, sources)?;
    let mut files_read: Vec<FileId> = project.files.clone();
    files_read.extend(&project.imported);
    files_read.extend(sources.ids().skip(first_new));
    files_read.sort();
    files_read.dedup();
    let config = config::find(&project.dir, &project.boundary)
        .map(|path| config::load(&path, &project.boundary, sources))
        .transpose()?;
    let settings = Settings::resolve_with(overrides, &project, config.as_ref(), sources)?;
    project.docs = crate::docs::find::load(&mut project, config.as_ref(), &options.docs, sources)?;
    Ok(LoadedProject {
        project,
        settings,
        config,
        files_read,
    })
}

/// Load every project of a target. A project whose main file another project includes or
/// extends is part of that project, not one of its own.
pub fn load_all(
    target: &Target,
    options: &LoadOptions,
    overrides: &Overrides,
    sources: &mut SourceMap,
) -> (Vec<LoadedProject>, Vec<LoadError>) {
    let mut errors = Vec::new();
    let mut loaded = Vec::new();
    // Loading finds the text in the source map and reads it from there, not from the disk.
    if let Target::Stdin { path, text } = target {
        sources.add(crate::source::SourceFile::new(
            compose::mounts::normalize(path),
            text.as_str(),
        ));
    }
    match target.projects() {
        Ok(projects) => {
            for files in projects {
                match load_project(&files, options, overrides, sources) {
                    Ok(project) => loaded.push(project),
                    // Projects that share a broken `orion-lint.toml` report it once.
                    Err(error) if errors.contains(&error) => {}
                    Err(error) => errors.push(error),
                }
            }
        }
        Err(error) => errors.push(error),
    }
    let imported: Vec<FileId> = loaded
        .iter()
        .flat_map(|p| p.project.imported.iter().copied())
        .collect();
    loaded.retain(|p| !imported.contains(&p.project.main_file()));
    (loaded, errors)
}

/// The findings of one project as orion-lint reports them: what its rules find, with the rule
/// settings applied, less what a suppression comment covers. `--fix` fixes only these.
pub fn check_project(
    loaded: &LoadedProject,
    sources: &SourceMap,
    options: &LoadOptions,
) -> Vec<Diagnostic> {
    check(loaded, sources, &mut Suppressions::new(&options.env_files))
}

fn check(
    loaded: &LoadedProject,
    sources: &SourceMap,
    suppressions: &mut Suppressions,
) -> Vec<Diagnostic> {
    let cx = Context {
        project: &loaded.project,
        settings: &loaded.settings,
        sources,
    };
    let mut diagnostics = rules::check(&cx);
    crate::fix::withhold_outside(&mut diagnostics, &loaded.project.boundary, sources);
    loaded.settings.rules.apply_to(&mut diagnostics);
    suppressions.filter(
        &loaded.project,
        &loaded.files_read,
        sources,
        &mut diagnostics,
    );
    diagnostics
}

/// Lint every project of a target.
pub fn lint(target: &Target, options: &LoadOptions, overrides: &Overrides) -> Report {
    let mut report = Report::default();
    let (projects, errors) = load_all(target, options, overrides, &mut report.sources);
    report.errors = errors;
    let mut suppressions = Suppressions::new(&options.env_files);
    let mut found: Vec<Vec<Diagnostic>> = Vec::new();
    for loaded in &projects {
        found.push(check(loaded, &report.sources, &mut suppressions));
    }
    // Whether a suppression is used is known once every project that reads its file is linted;
    // its findings go with the first of them.
    let mut reported: Vec<FileId> = Vec::new();
    for (loaded, mut diagnostics) in projects.iter().zip(found) {
        for &file in &loaded.files_read {
            if !reported.contains(&file) {
                reported.push(file);
                diagnostics.extend(suppressions.findings(
                    file,
                    &loaded.project,
                    &loaded.settings.rules,
                    &report.sources,
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
        report.diagnostics.extend(diagnostics);
    }
    report.projects = projects.len();
    report
}
