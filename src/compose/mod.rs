//! The Compose project model: the files of one project, merged the way Docker Compose v2 merges
//! them, and its services with the memory facts the rules check.

pub mod alerts;
pub(crate) mod broker;
pub(crate) mod command;
pub mod discover;
pub mod docs;
pub(crate) mod dotenv;
pub(crate) mod interpolate;
pub(crate) mod interpolated;
pub(crate) mod load;
pub(crate) mod merge;
pub(crate) mod mounts;
pub mod postgres;
pub(crate) mod redis;
pub(crate) mod service;
pub(crate) mod workload;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::access::{Boundary, Named, ReadFailure};
use crate::diagnostic::Label;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::yaml::{Entry, Node, Value};

pub use load::LoadOptions;
pub use service::Service;

/// Compose files larger than this are refused: the largest real ones are a few hundred KiB.
pub const MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

#[derive(Debug)]
pub struct Project {
    /// The project directory: the directory of the first compose file.
    pub dir: PathBuf,
    /// The compose files, in the order they were merged.
    pub files: Vec<FileId>,
    /// Other compose files read through `extends` and `include`.
    pub imported: Vec<FileId>,
    /// The merged top-level mapping. The services' mappings are moved out of it when the
    /// project is loaded (`services:` keeps their keys, each mapping empty): read them in
    /// [`Project::services`].
    pub root: Node,
    /// In the order they are defined.
    pub services: Vec<ProjectService>,
    /// `COMPOSE_PROFILES` from the environment or the project's `.env`, split as Compose splits it.
    pub compose_profiles: Option<Vec<String>>,
    /// Where the project's files may be read from and written to.
    pub boundary: Boundary,
    /// Files the project names that orion-lint did not read, and why.
    pub not_read: Vec<NotRead>,
    /// Which service is the task broker of which.
    pub broker_links: Vec<broker::BrokerLink>,
    /// The outline of each compose file read, from its one parse: where its suppression
    /// comments can be and what they cover.
    pub outlines: HashMap<FileId, crate::yaml::Outline>,
    /// The memory thresholds of the Prometheus alert rules that watch its services.
    pub alerts: Vec<crate::compose::alerts::Threshold>,
    /// The Markdown docs checked against the project (see [`crate::compose::docs::find`]).
    pub docs: Vec<crate::compose::docs::Doc>,
}

/// A file a project names (an `include`, an `extends` file, an env file, a mounted config) that
/// orion-lint did not read because the `Boundary` refuses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotRead {
    pub path: PathBuf,
    /// What the file is to the project, e.g. "the included file".
    pub role: &'static str,
    /// Why it was not read, without its content.
    pub why: String,
    /// What names it; `None` for the project's own `.env`, which nothing names.
    pub site: Option<Span>,
    /// How to name the path when it came from a variable: as written, with where its value comes
    /// from (see `crate::hidden`), since a path that cannot be read is no valid value.
    pub hidden: Option<String>,
}

/// A service with what orion-lint reads from its command line and mounted config files.
#[derive(Debug)]
pub struct ProjectService {
    pub service: Service,
    pub redis: Option<redis::RedisConfig>,
    pub postgres: Option<postgres::PostgresConfig>,
    pub workload: workload::Workload,
}

impl std::ops::Deref for ProjectService {
    type Target = Service;
    fn deref(&self) -> &Service {
        &self.service
    }
}

impl Project {
    pub fn service(&self, name: &str) -> Option<&ProjectService> {
        self.services.iter().find(|s| s.name == name)
    }

    /// The first compose file: where project-wide findings are reported.
    pub fn main_file(&self) -> FileId {
        self.files[0]
    }
}

/// Why a project could not be read: the message says what is wrong and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub message: String,
    /// The file the error is about, when no position in it is known.
    pub path: Option<PathBuf>,
    pub span: Option<Span>,
    pub related: Vec<Label>,
}

impl LoadError {
    pub fn in_file(path: &Path, message: impl Into<String>) -> Self {
        LoadError {
            message: message.into(),
            path: Some(path.to_path_buf()),
            span: None,
            related: Vec::new(),
        }
    }

    /// The same error naming its position in the message instead of by span, for when the
    /// source map the span points into is not kept.
    pub fn detached(self, sources: &SourceMap) -> Self {
        let Some(span) = &self.span else {
            return self;
        };
        let file = sources.get(span.file);
        let position = file.line_col(span.range.start);
        LoadError {
            message: format!(
                "line {}, column {}: {}",
                position.line, position.column, self.message
            ),
            path: Some(file.path.clone()),
            span: None,
            related: Vec::new(),
        }
    }

    pub fn at(span: Span, message: impl Into<String>) -> Self {
        LoadError {
            message: message.into(),
            path: None,
            span: Some(span),
            related: Vec::new(),
        }
    }
}

/// Load the project made of `files` (merged in order, like `docker compose -f a -f b`).
pub fn load(
    files: &[PathBuf],
    options: &LoadOptions,
    sources: &mut SourceMap,
) -> Result<Project, LoadError> {
    let boundary =
        Boundary::of_project(&files[0], &options.allow_outside).reading_through(&options.read);
    let boundary = match &options.revision {
        Some(revisions) => {
            let snapshot = revisions
                .open(boundary.root())
                .map_err(|why| LoadError::in_file(&files[0], why))?;
            boundary.at_revision(snapshot)
        }
        None => boundary,
    };
    let loaded = load::Loader::new(sources, options, boundary).load(files)?;
    let dir = mounts::normalize(files[0].parent().unwrap_or(Path::new("")));
    let mut root = loaded.root;
    let services = services(&mut root, sources)?;
    let mut mounts = mounts::Mounts {
        base_dirs: &loaded.base_dirs,
        project_dir: &dir,
        boundary: &loaded.boundary,
        not_read: loaded.not_read,
    };
    let mut services: Vec<ProjectService> = services
        .into_iter()
        .map(|service| ProjectService {
            redis: redis::config(&service, &mut mounts, sources),
            postgres: postgres::config(&service, &mut mounts, sources),
            workload: workload::workload(&service, sources),
            service,
        })
        .collect::<Vec<_>>();
    let alerts = alerts::mounted(&root, &dir, &services, &mut mounts, sources)?;
    let not_read = mounts.not_read;
    interpolated::mark_hidden_words(&root, sources, &mut services);
    let compose_profiles = loaded
        .environment
        .get("COMPOSE_PROFILES")
        .map(|v| v.value.split(',').map(|p| p.trim().to_string()).collect());
    let mut imported: Vec<FileId> = loaded
        .base_dirs
        .keys()
        .filter(|id| !loaded.files.contains(id))
        .copied()
        .collect();
    imported.sort();
    Ok(Project {
        dir,
        imported,
        files: loaded.files,
        root,
        compose_profiles,
        boundary: loaded.boundary,
        not_read,
        broker_links: broker::links(&services),
        outlines: loaded.outlines,
        alerts,
        docs: Vec::new(),
        services,
    })
}

/// Read a file into the source map, refusing what cannot be a compose file (or `.env`, or
/// `orion-lint.toml`) and what the `Boundary` does not let orion-lint read.
pub fn read_source(
    path: &Path,
    boundary: &Boundary,
    named: Named,
    sources: &mut SourceMap,
) -> Result<FileId, LoadError> {
    if let Some(id) = sources.find(path) {
        return Ok(id);
    }
    let bytes = boundary
        .read(path, MAX_FILE_SIZE, named)
        .map_err(|failure| match failure {
            ReadFailure::Refused(why) => {
                LoadError::in_file(path, format!("orion-lint does not read this file: {why}"))
            }
            ReadFailure::Io(e) => LoadError::in_file(path, format!("cannot read the file: {e}")),
            ReadFailure::TooLarge(cap) => LoadError::in_file(
                path,
                format!(
                    "the file is larger than the {cap} bytes orion-lint reads: is it really a compose file?"
                ),
            ),
        })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        LoadError::in_file(
            path,
            format!(
                "the file is not UTF-8 (invalid byte at offset {}): save it as UTF-8, as Compose requires",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    Ok(sources.add(SourceFile::new(path.to_path_buf(), text)))
}

/// The services of the merged `root`, each service's mapping moved out of it (two copies of
/// every service tree would double the memory a large project needs).
fn services(root: &mut Node, sources: &SourceMap) -> Result<Vec<Service>, LoadError> {
    let Some(services) = root.get("services").filter(|s| !s.is_null()) else {
        return Ok(Vec::new());
    };
    let Some(entries) = services.as_map() else {
        return Err(LoadError::at(
            services.span.clone(),
            format!(
                "`services` must be a mapping from service names to services, not {}",
                services.kind_name()
            ),
        ));
    };
    if let Some(entry) = entries.iter().find(|e| e.value.as_map().is_none()) {
        return Err(LoadError::at(
            entry.value.span.clone(),
            format!(
                "service `{}` must be a mapping (with `image:` and its settings), not {}",
                entry.key.as_str().unwrap_or_default(),
                entry.value.kind_name()
            ),
        ));
    }
    let Value::Map(root_entries) = &mut root.value else {
        return Ok(Vec::new());
    };
    let Some(Entry {
        value: Node {
            value: Value::Map(entries),
            ..
        },
        ..
    }) = root_entries
        .iter_mut()
        .find(|e| e.key.as_str() == Some("services"))
    else {
        return Ok(Vec::new());
    };
    Ok(entries
        .iter_mut()
        .map(|entry| {
            let emptied = Node::synthetic(Value::Map(Vec::new()), entry.value.span.clone());
            Service::new(
                entry.key.as_str().unwrap_or_default().to_string(),
                entry.key.clone(),
                std::mem::replace(&mut entry.value, emptied),
                sources,
            )
        })
        .collect())
}
