//! The steps of linting: find the projects, load each, resolve its settings (with its
//! `orion-lint.toml`), run the rules, apply the rule settings and the suppression comments.
//! [`crate::engine`] runs them over every project of a target.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::access::Boundary;
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
    files_read.extend(crate::compose::alerts::configured(
        &mut project,
        config.as_ref(),
        sources,
    )?);
    files_read.sort();
    files_read.dedup();
    let settings = Settings::resolve_with(overrides, &project, config.as_ref(), sources)?;
    project.docs =
        crate::compose::docs::find::load(&mut project, config.as_ref(), &options.docs, sources)?;
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
    let imported: HashSet<FileId> = loaded
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
    let mut diagnostics = findings(loaded, sources);
    Suppressions::new(&options.env_files).filter(
        &loaded.project,
        &loaded.files_read,
        sources,
        &mut diagnostics,
    );
    diagnostics
}

/// What the rules of a project find, with the rule settings applied, before suppression
/// comments: the part of checking that needs nothing from the other projects of a run.
pub(crate) fn findings(loaded: &LoadedProject, sources: &SourceMap) -> Vec<Diagnostic> {
    let cx = Context {
        project: &loaded.project,
        settings: &loaded.settings,
        sources,
    };
    let mut diagnostics = rules::check(&cx);
    withhold_outside(&mut diagnostics, &loaded.project.boundary, sources);
    loaded.settings.rules.apply_to(&mut diagnostics);
    diagnostics
}

/// Take away the fixes that would write outside the repository, saying so in the finding.
fn withhold_outside(diagnostics: &mut [Diagnostic], boundary: &Boundary, sources: &SourceMap) {
    for diagnostic in diagnostics {
        let Some(fix) = &diagnostic.fix else {
            continue;
        };
        let Some(path) = crate::edit::file_outside(fix, boundary, sources) else {
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
