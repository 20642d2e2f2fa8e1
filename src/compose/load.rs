//! Loading a project the way Compose v2 does: for each file, parse, interpolate, merge its
//! documents, resolve `extends` and `include`, then merge the files in order.
//!
//! Which environment interpolates which file, and which directory relative paths start from,
//! follow Compose v2.40: the project's `.env` (or `--env-file`) fills in what the process
//! environment lacks; `extends` files use the project's environment and their own directory;
//! included projects have their own directory and `.env`, under the parent's variables.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::access::{Boundary, Named};
use crate::diagnostic::Label;
use crate::source::{FileId, FileKind, SourceMap, Span};
use crate::yaml::{self, Entry, Node, Value};

use super::interpolate::{self, Origin, Variable};
use super::{LoadError, NotRead, dotenv, merge, mounts};

/// What the loader takes from outside the files.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The process environment: it wins over `.env` files.
    pub environment: HashMap<String, String>,
    /// `--env-file`: read instead of the project's `.env`.
    pub env_files: Vec<PathBuf>,
    /// `--allow-outside`: files and directories outside the repository that may be read.
    pub allow_outside: Vec<PathBuf>,
    /// The files the run has read, each read from the disk once: options are for one run, as a
    /// file written since by anything but [`crate::engine::fix`] is not read again.
    pub read: crate::access::ReadCache,
    /// Markdown files named on the command line or found under its directories.
    pub docs: Vec<crate::compose::docs::find::Candidate>,
    /// `budget --compare REV`: read each repository as of this revision instead of the work tree.
    pub revision: Option<crate::access::Revisions>,
}

/// Variables for interpolation, with where each was set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Environment {
    variables: HashMap<String, Variable>,
}

impl Environment {
    pub fn get(&self, name: &str) -> Option<&Variable> {
        self.variables.get(name)
    }

    fn from_process(process: &HashMap<String, String>) -> Self {
        Environment {
            variables: process
                .iter()
                .map(|(name, value)| {
                    let variable = Variable {
                        value: value.clone(),
                        span: None,
                    };
                    (name.clone(), variable)
                })
                .collect(),
        }
    }

    /// Add the entries of `.env` files for the names not set yet.
    fn fill_from(&mut self, entries: Vec<dotenv::Entry>) {
        for entry in entries {
            self.variables.entry(entry.name).or_insert(Variable {
                value: entry.value,
                span: Some(entry.span),
            });
        }
    }
}

/// One project being loaded: the main one, or one brought in by `include`.
#[derive(PartialEq)]
struct Scope {
    dir: PathBuf,
    environment: Environment,
}

/// What loading produced besides the merged model.
pub struct Loaded {
    pub root: Node,
    pub files: Vec<FileId>,
    pub environment: Environment,
    /// The directory each file's relative paths start from.
    pub base_dirs: HashMap<FileId, PathBuf>,
    pub boundary: Boundary,
    /// Files named by the project that the boundary refused.
    pub not_read: Vec<NotRead>,
    /// The outline of each compose file, from its one parse.
    pub outlines: HashMap<FileId, yaml::Outline>,
}

pub struct Loader<'a> {
    sources: &'a mut SourceMap,
    options: &'a LoadOptions,
    base_dirs: HashMap<FileId, PathBuf>,
    /// The files of the includes being loaded, against include cycles.
    including: Vec<PathBuf>,
    boundary: Boundary,
    not_read: Vec<NotRead>,
    /// The services of each project included so far, by its files, directory and environment:
    /// a project included twice (a diamond) is loaded once.
    included: Vec<(Vec<PathBuf>, Scope, Vec<Entry>)>,
    outlines: HashMap<FileId, yaml::Outline>,
}

impl<'a> Loader<'a> {
    pub fn new(sources: &'a mut SourceMap, options: &'a LoadOptions, boundary: Boundary) -> Self {
        Loader {
            sources,
            options,
            base_dirs: HashMap::new(),
            including: Vec::new(),
            boundary,
            not_read: Vec::new(),
            included: Vec::new(),
            outlines: HashMap::new(),
        }
    }

    /// Whether the boundary refuses `path`; if so, the refusal is recorded for the
    /// `file-not-read` finding and the caller goes on without the file.
    fn refused(
        &mut self,
        path: &Path,
        role: &'static str,
        named: Named,
        site: Option<Span>,
        hidden: Option<String>,
    ) -> bool {
        let Some(why) = self.boundary.refusal(path, named) else {
            return false;
        };
        self.not_read.push(NotRead {
            path: path.to_path_buf(),
            role,
            why,
            site,
            hidden,
        });
        true
    }

    /// Load the project made of `files`, merged in order.
    pub fn load(mut self, files: &[PathBuf]) -> Result<Loaded, LoadError> {
        let Some(first) = files.first() else {
            return Err(no_file());
        };
        let dir = mounts::normalize(first.parent().unwrap_or(Path::new("")));
        let mut environment = Environment::from_process(&self.options.environment);
        let env_files = if self.options.env_files.is_empty() {
            let disabled = self
                .options
                .environment
                .get("COMPOSE_DISABLE_ENV_FILE")
                .is_some_and(|v| matches!(v.as_str(), "1" | "t" | "T" | "true" | "TRUE" | "True"));
            let default = dir.join(".env");
            // `exists`, not `is_file`: a `.env` FIFO or device gets a finding.
            (!disabled && self.boundary.exists(&default))
                .then_some(default)
                .into_iter()
                .collect()
        } else {
            self.options.env_files.clone()
        };
        let named = if self.options.env_files.is_empty() {
            Named::InRepository
        } else {
            Named::OnCommandLine
        };
        environment.fill_from(self.read_env_files(&env_files, named, None)?);
        let scope = Scope { dir, environment };
        let (root, ids) = self.load_files(files, &scope)?;
        // Compose refuses a project whose files hold nothing (blank, comments only, `{}`).
        if root.as_map().is_some_and(|entries| entries.is_empty()) {
            return Err(LoadError::in_file(
                first,
                "empty compose file (nothing but blank lines or comments): Compose refuses it too; add a `services:` mapping, or remove the file",
            ));
        }
        Ok(Loaded {
            root,
            files: ids,
            environment: scope.environment,
            base_dirs: self.base_dirs,
            boundary: self.boundary,
            not_read: self.not_read,
            outlines: self.outlines,
        })
    }

    /// `.env` entries from several files, a later file winning over an earlier one. A file the
    /// boundary refuses is skipped; `site` is what names the files.
    fn read_env_files(
        &mut self,
        paths: &[PathBuf],
        named: Named,
        site: Option<(Span, Option<String>)>,
    ) -> Result<Vec<dotenv::Entry>, LoadError> {
        let mut known = self.options.environment.clone();
        let mut entries: Vec<dotenv::Entry> = Vec::new();
        for path in paths {
            // One named on the command line is input: unreadable, it is an error.
            if named == Named::InRepository
                && self.refused(
                    path,
                    "the env file",
                    named,
                    site.as_ref().map(|(span, _)| span.clone()),
                    site.as_ref().and_then(|(_, hidden)| hidden.clone()),
                )
            {
                continue;
            }
            let id =
                super::read_source(path, &self.boundary, named, self.sources).map_err(|e| {
                    match &site {
                        Some((span, Some(hidden))) if e.span.is_none() => LoadError::at(
                            span.clone(),
                            format!("cannot read the env file {hidden}: {}", e.message),
                        ),
                        _ => e,
                    }
                })?;
            self.sources.tag(id, FileKind::EnvFile);
            let parsed = dotenv::parse(id, &self.sources.get(id).text, &known)
                .map_err(|e| LoadError::at(e.span, e.message))?;
            for entry in parsed {
                known
                    .entry(entry.name.clone())
                    .or_insert_with(|| entry.value.clone());
                entries.retain(|e| e.name != entry.name);
                entries.push(entry);
            }
        }
        Ok(entries)
    }

    /// Merge the files of one (sub)project. Relative paths in all of them start from its
    /// directory.
    fn load_files(
        &mut self,
        files: &[PathBuf],
        scope: &Scope,
    ) -> Result<(Node, Vec<FileId>), LoadError> {
        let mut ids = Vec::new();
        let mut root: Option<Node> = None;
        for path in files {
            let (id, file_root) = self.load_file(path, &scope.dir, scope)?;
            ids.push(id);
            let file_root = self.resolve_extends(file_root, id, scope)?;
            let file_root = self.import_includes(file_root, root.as_ref(), scope)?;
            root = Some(match root {
                None => file_root,
                Some(base) => merge::merge(base, file_root, &mut Vec::new()),
            });
        }
        let Some(mut root) = root else {
            return Err(no_file());
        };
        merge::strip_resets(&mut root);
        Ok((root, ids))
    }

    /// Parse and interpolate one file and merge its documents.
    fn load_file(
        &mut self,
        path: &Path,
        base_dir: &Path,
        scope: &Scope,
    ) -> Result<(FileId, Node), LoadError> {
        let path = mounts::normalize(path);
        let id = super::read_source(&path, &self.boundary, Named::InRepository, self.sources)?;
        self.sources.tag(id, FileKind::Compose);
        self.base_dirs
            .entry(id)
            .or_insert_with(|| base_dir.to_path_buf());
        let text = self.sources.get(id).text.clone();
        let (documents, outline) = yaml::parse_with_outline(id, &text).map_err(|e| LoadError {
            message: e.message,
            path: None,
            span: Some(e.span),
            related: e
                .related
                .into_iter()
                .map(|(span, message)| Label { span, message })
                .collect(),
        })?;
        self.outlines.entry(id).or_insert(outline);
        let mut root: Option<Node> = None;
        let count = documents.len();
        for (i, mut document) in documents.into_iter().enumerate() {
            // Compose skips an empty file but refuses an empty document after others.
            if document.is_null() && (count == 1 || i == 0) {
                continue;
            }
            if document.as_map().is_none() {
                return Err(LoadError::at(
                    document.span.clone(),
                    format!(
                        "the top level of a compose file must be a mapping (with `services:`), not {}",
                        document.kind_name()
                    ),
                ));
            }
            interpolate_tree(&mut document, &text, &scope.environment, &mut Vec::new())?;
            root = Some(match root {
                None => document,
                Some(base) => merge::merge(base, document, &mut Vec::new()),
            });
        }
        let root =
            root.unwrap_or_else(|| Node::synthetic(Value::Map(Vec::new()), Span::new(id, 0..0)));
        Ok((id, root))
    }

    /// Replace each service that `extends` another by the merge of the two.
    fn resolve_extends(
        &mut self,
        mut root: Node,
        file: FileId,
        scope: &Scope,
    ) -> Result<Node, LoadError> {
        if !services(&root)
            .iter()
            .any(|e| e.value.get("extends").is_some())
        {
            return Ok(root);
        }
        let mut resolution = Extends::default();
        resolution.add(file, &root);
        for entry in services_mut(&mut root) {
            let Some(name) = entry.key.as_str() else {
                continue;
            };
            entry.value = self.extend(file, name, scope, &mut resolution)?;
        }
        Ok(root)
    }

    /// The service `name` of `file` with what it extends merged in. The chain is followed
    /// without recursion and each service of it is resolved once, so that long chains stay
    /// linear and cannot overflow the stack.
    fn extend(
        &mut self,
        file: FileId,
        name: &str,
        scope: &Scope,
        resolution: &mut Extends,
    ) -> Result<Node, LoadError> {
        // From the service down its chain to a base that is resolved already or extends nothing.
        let mut chain: Vec<(FileId, String, Node)> = Vec::new();
        let mut on_chain: HashSet<(FileId, String)> = HashSet::new();
        let (mut file, mut name) = (file, name.to_string());
        let base = loop {
            if let Some(done) = resolution.resolved.get(&(file, name.clone())) {
                break done.clone();
            }
            let service = resolution
                .written
                .get(&(file, name.clone()))
                .cloned()
                .ok_or_else(|| LoadError {
                    message: format!("service `{name}` not found"),
                    path: Some(self.sources.get(file).path.clone()),
                    span: None,
                    related: Vec::new(),
                })?;
            let Some(extends) = service.get("extends").cloned() else {
                break service;
            };
            if !on_chain.insert((file, name.clone())) {
                let mut cycle: Vec<String> = chain
                    .iter()
                    .map(|(f, n, _)| format!("{n} in {}", self.sources.get(*f).display_path()))
                    .collect();
                cycle.push(format!(
                    "{name} in {}",
                    self.sources.get(file).display_path()
                ));
                return Err(LoadError::at(
                    extends.span.clone(),
                    format!("circular `extends`: {}", cycle.join(" extends ")),
                ));
            }
            let (base_name, base_file) = self.extends_target(&extends, &name)?;
            let base_id = match base_file {
                None => file,
                Some(path) => {
                    match self
                        .load_extended_file(file, &path, &name, &extends, scope, resolution)?
                    {
                        Some(id) => id,
                        // Linted as written: what it would extend is not known.
                        None => break without_extends(service),
                    }
                }
            };
            if !resolution
                .written
                .contains_key(&(base_id, base_name.clone()))
            {
                let place = if base_id == file {
                    String::new()
                } else {
                    format!(" in {}", self.sources.get(base_id).display_path())
                };
                return Err(LoadError::at(
                    extends.span.clone(),
                    format!(
                        "cannot extend service `{name}`: service `{base_name}` not found{place}"
                    ),
                ));
            }
            chain.push((file, name, service));
            (file, name) = (base_id, base_name);
        };
        let mut resolved = base;
        for (file, name, service) in chain.into_iter().rev() {
            let site = extends_site(&service).unwrap_or_else(|| service.span.clone());
            yaml::add_via(&mut resolved, &site);
            resolved = merge::merge(
                resolved,
                without_extends(service),
                &mut vec!["services".to_string(), name.clone()],
            );
            resolution.resolved.insert((file, name), resolved.clone());
        }
        Ok(resolved)
    }

    /// The service an `extends:` names, and the file it is in when that is another one.
    fn extends_target(
        &self,
        extends: &Node,
        name: &str,
    ) -> Result<(String, Option<String>), LoadError> {
        match &extends.value {
            Value::Scalar(s) => Ok((s.text.clone(), None)),
            Value::Map(_) => {
                let Some(service) = extends.get("service").and_then(Node::as_str) else {
                    return Err(LoadError::at(
                        extends.span.clone(),
                        format!("`extends` of service `{name}` needs a `service:`"),
                    ));
                };
                let file = extends
                    .get("file")
                    .and_then(Node::as_str)
                    .map(str::to_string);
                Ok((service.to_string(), file))
            }
            Value::Seq(_) => Err(LoadError::at(
                extends.span.clone(),
                "`extends` must name a service, or be a mapping with `service:` and `file:`",
            )),
        }
    }

    /// Load the file an `extends: {file: ...}` of a service in `from` names, once per
    /// resolution; `None` when the boundary refuses it.
    fn load_extended_file(
        &mut self,
        from: FileId,
        path: &str,
        name: &str,
        extends: &Node,
        scope: &Scope,
        resolution: &mut Extends,
    ) -> Result<Option<FileId>, LoadError> {
        let base_dir = self
            .base_dirs
            .get(&from)
            .cloned()
            .unwrap_or_else(|| scope.dir.clone());
        let path = mounts::normalize(&base_dir.join(path));
        if let Some(id) = resolution.files.get(&path) {
            return Ok(Some(*id));
        }
        let site = extends.get("file").map_or(&extends.span, |f| &f.span);
        let hidden = extends
            .get("file")
            .and_then(|f| hidden_path(self.sources, f));
        if self.refused(
            &path,
            "the file `extends` names",
            Named::InRepository,
            Some(site.clone()),
            hidden,
        ) {
            return Ok(None);
        }
        let own_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let (id, root) = self.load_file(&path, &own_dir, scope).map_err(|mut e| {
            if e.span.is_none() {
                let hidden = extends
                    .get("file")
                    .and_then(|f| hidden_path(self.sources, f));
                if hidden.is_some() {
                    e.path = None;
                }
                let named = hidden.unwrap_or_else(|| path.display().to_string());
                e.span = Some(extends.span.clone());
                e.message = format!("cannot extend service `{name}`: {named}: {}", e.message);
            }
            e
        })?;
        resolution.files.insert(path, id);
        resolution.add(id, &root);
        Ok(Some(id))
    }

    /// Add the services of the projects a file includes, refusing a name defined twice.
    fn import_includes(
        &mut self,
        mut file_root: Node,
        earlier: Option<&Node>,
        scope: &Scope,
    ) -> Result<Node, LoadError> {
        let Some(include) = file_root.get("include").cloned() else {
            return Ok(file_root);
        };
        let Some(items) = include.as_seq() else {
            return Err(LoadError::at(
                include.span.clone(),
                "`include` must be a list",
            ));
        };
        for item in items {
            for imported in self.load_include(item, scope)? {
                let name = imported.key.as_str().unwrap_or_default().to_string();
                let clash = services(&file_root)
                    .iter()
                    .chain(earlier.map(services).unwrap_or(&[]))
                    .find(|e| e.key.as_str() == Some(&name));
                match clash {
                    Some(existing) if same_content(&existing.value, &imported.value) => {}
                    Some(existing) => {
                        return Err(LoadError {
                            message: format!(
                                "service `{name}` is defined here and in an included project: Compose refuses the conflict"
                            ),
                            path: None,
                            span: Some(existing.key.span.clone()),
                            related: vec![Label {
                                span: item.span.clone(),
                                message: "included here".to_string(),
                            }],
                        });
                    }
                    None => services_mut(&mut file_root).push(imported),
                }
            }
        }
        Ok(file_root)
    }

    /// The services of one `include:` entry, loaded as a project of its own.
    fn load_include(&mut self, item: &Node, scope: &Scope) -> Result<Vec<Entry>, LoadError> {
        let strings = |node: Option<&Node>| -> Vec<String> {
            match node.map(|n| &n.value) {
                Some(Value::Scalar(s)) => vec![s.text.clone()],
                Some(Value::Seq(items)) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            }
        };
        let (paths, project_directory, env_files) = match &item.value {
            Value::Scalar(s) => (vec![s.text.clone()], None, Vec::new()),
            Value::Map(_) => (
                strings(item.get("path")),
                item.get("project_directory")
                    .and_then(Node::as_str)
                    .map(str::to_string),
                strings(item.get("env_file")),
            ),
            Value::Seq(_) => {
                return Err(LoadError::at(
                    item.span.clone(),
                    "an `include` entry must be a path or a mapping with `path:`",
                ));
            }
        };
        if paths.is_empty() {
            return Err(LoadError::at(
                item.span.clone(),
                "an `include` entry needs a `path`",
            ));
        }
        let paths: Vec<PathBuf> = paths
            .iter()
            .map(|p| mounts::normalize(&scope.dir.join(p)))
            .collect();
        let mut refused = false;
        for path in &paths {
            let hidden = hidden_path(self.sources, item.get("path").unwrap_or(item));
            refused |= self.refused(
                path,
                "the included file",
                Named::InRepository,
                Some(item.span.clone()),
                hidden,
            );
        }
        if refused {
            return Ok(Vec::new());
        }
        if self.including.contains(&paths[0]) {
            return Err(LoadError::at(
                item.span.clone(),
                format!("include cycle: {} includes itself", paths[0].display()),
            ));
        }
        let dir = match project_directory {
            Some(d) => mounts::normalize(&scope.dir.join(d)),
            None => paths[0].parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let env_files: Vec<PathBuf> = if env_files.is_empty() {
            let default = dir.join(".env");
            self.boundary
                .exists(&default)
                .then_some(default)
                .into_iter()
                .collect()
        } else {
            env_files.iter().map(|f| scope.dir.join(f)).collect()
        };
        let mut environment = scope.environment.clone();
        let hidden = item
            .get("env_file")
            .and_then(|f| hidden_path(self.sources, f));
        let entries = self.read_env_files(
            &env_files,
            Named::InRepository,
            Some((item.span.clone(), hidden)),
        )?;
        environment.fill_from(entries);
        let sub = Scope { dir, environment };
        let earlier = self
            .included
            .iter()
            .find(|(p, scope, _)| *p == paths && *scope == sub);
        let mut imported = match earlier {
            Some((_, _, imported)) => imported.clone(),
            None => {
                self.including.push(paths[0].clone());
                let loaded = self.load_files(&paths, &sub);
                self.including.pop();
                let (mut root, _) = loaded.map_err(|mut e| {
                    let named = hidden_path(self.sources, item.get("path").unwrap_or(item));
                    if let (None, Some(named)) = (&e.span, named) {
                        e.span = Some(item.span.clone());
                        e.path = None;
                        e.message = format!("cannot read the included file {named}: {}", e.message);
                    }
                    e.related.push(Label {
                        span: item.span.clone(),
                        message: "included here".to_string(),
                    });
                    e
                })?;
                let imported = std::mem::take(services_mut(&mut root));
                self.included.push((paths, sub, imported.clone()));
                imported
            }
        };
        for entry in &mut imported {
            yaml::add_via(&mut entry.value, &item.span);
        }
        Ok(imported)
    }
}

/// How an error names a path that came from a variable, which must not be shown when the file
/// cannot be read ([`crate::hidden`]): "`${INC}` (the value of `INC` (...))". `None` for a path
/// written in the file.
fn hidden_path(sources: &SourceMap, node: &Node) -> Option<String> {
    let scalars: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    scalars.into_iter().find_map(|n| {
        crate::hidden::value(sources, n)
            .map(|hidden| format!("`{}` ({hidden})", crate::hidden::written_form(n)))
    })
}

fn without_extends(mut service: Node) -> Node {
    if let Value::Map(entries) = &mut service.value {
        entries.retain(|e| e.key.as_str() != Some("extends"));
    }
    service
}

/// The `extends` of one file being resolved: the services of each file as written, and each
/// service once resolved.
#[derive(Default)]
struct Extends {
    written: HashMap<(FileId, String), Node>,
    files: HashMap<PathBuf, FileId>,
    resolved: HashMap<(FileId, String), Node>,
}

impl Extends {
    fn add(&mut self, file: FileId, root: &Node) {
        for entry in services(root) {
            if let Some(name) = entry.key.as_str() {
                self.written
                    .entry((file, name.to_string()))
                    .or_insert_with(|| entry.value.clone());
            }
        }
    }
}

/// A project of no files: callers always pass one, but it is an error, not a panic.
fn no_file() -> LoadError {
    LoadError {
        message: "no compose file given".to_string(),
        path: None,
        span: None,
        related: Vec::new(),
    }
}

/// Where `extends:` is written in a service, for "used here" labels.
fn extends_site(service: &Node) -> Option<Span> {
    service.entry("extends").map(|e| e.key.span.clone())
}

fn services(root: &Node) -> &[Entry] {
    root.get("services").and_then(Node::as_map).unwrap_or(&[])
}

/// The `services` entries of a file model, created if absent.
fn services_mut(root: &mut Node) -> &mut Vec<Entry> {
    let Value::Map(entries) = &mut root.value else {
        unreachable!("a compose file model is a mapping")
    };
    let index = match entries
        .iter()
        .position(|e| e.key.as_str() == Some("services"))
    {
        Some(i) => i,
        None => {
            let at = Span::new(root.span.file, root.span.range.start..root.span.range.start);
            entries.push(Entry {
                key: Node::plain("services", at.clone()),
                value: Node::synthetic(Value::Map(Vec::new()), at),
            });
            entries.len() - 1
        }
    };
    if !matches!(entries[index].value.value, Value::Map(_)) {
        entries[index].value.value = Value::Map(Vec::new());
    }
    match &mut entries[index].value.value {
        Value::Map(services) => services,
        _ => unreachable!("made a mapping above"),
    }
}

/// Whether two nodes hold the same values, wherever they are written.
fn same_content(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Scalar(x), Value::Scalar(y)) => x.text == y.text,
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_content(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|e| {
                    y.iter().any(|f| {
                        f.key.as_str() == e.key.as_str() && same_content(&e.value, &f.value)
                    })
                })
        }
        _ => false,
    }
}

/// Interpolate every value (never a key) of a document, recording where each result comes from.
fn interpolate_tree(
    node: &mut Node,
    file_text: &str,
    environment: &Environment,
    path: &mut Vec<String>,
) -> Result<(), LoadError> {
    if let Value::Scalar(scalar) = &node.value {
        if scalar.text.contains('$') {
            let (text, substitution) = substitute(node, file_text, environment, path)?;
            if let Value::Scalar(scalar) = &mut node.value {
                scalar.text = text;
                scalar.substitution = Some(Box::new(substitution));
            }
        }
        return Ok(());
    }
    match &mut node.value {
        Value::Map(entries) => {
            for entry in entries {
                path.push(entry.key.as_str().unwrap_or_default().to_string());
                interpolate_tree(&mut entry.value, file_text, environment, path)?;
                path.pop();
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                interpolate_tree(item, file_text, environment, path)?;
                path.pop();
            }
        }
        Value::Scalar(_) => unreachable!("handled above"),
    }
    Ok(())
}

/// The interpolated text of a scalar, and how it was made.
fn substitute(
    node: &Node,
    file_text: &str,
    environment: &Environment,
    path: &[String],
) -> Result<(String, yaml::Substitution), LoadError> {
    let written = node.as_str().unwrap_or_default().to_string();
    let result =
        interpolate::interpolate(&written, &|name| environment.get(name)).map_err(|e| {
            LoadError::at(
                yaml::value_span(file_text, node, e.offset..e.offset),
                format!(
                    "invalid interpolation format for `{}`: escape a literal `$` as `$$`",
                    path.join(".")
                ),
            )
        })?;
    // One alignment of the scalar for all its pieces: a long value has many.
    let locator = yaml::ValueLocator::new(file_text, node);
    let (source, origin) = match &result.origin {
        Origin::Default(range) => (
            Some(locator.span(range.clone())),
            yaml::ValueOrigin::Default,
        ),
        Origin::Variable {
            name,
            span: Some(span),
        } => (Some(span.clone()), yaml::ValueOrigin::EnvFile(name.clone())),
        Origin::Variable { name, span: None } => {
            (None, yaml::ValueOrigin::ProcessEnvironment(name.clone()))
        }
        Origin::Literal | Origin::Mixed => (None, yaml::ValueOrigin::Assembled),
    };
    // Parts whose text is in a file character for character can be located word by word.
    let pieces = result
        .pieces
        .iter()
        .filter_map(|(part, source)| {
            let span = match source {
                interpolate::Source::Template(range) => locator.span(range.clone()),
                interpolate::Source::Variable(span) => span.clone()?,
            };
            (span.len() == part.len()).then(|| (part.clone(), span))
        })
        .collect();
    Ok((
        result.text,
        yaml::Substitution {
            written,
            source,
            origin,
            unset: result.unset,
            required: result.required,
            pieces,
            variables: result.variables,
        },
    ))
}
