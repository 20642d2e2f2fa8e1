//! `orion-lint server`: a Language Server over stdio. A front end like the command line: on
//! every open, change, save and close it lints the project the document belongs to with
//! [`crate::engine::lint`], reading the unsaved text of the open buffers instead of the disk, and
//! publishes the findings of every file (compose files, `.env`, `redis.conf`, Markdown docs);
//! code actions are the findings' fixes, a hover on a memory value shows its budget
//! ([`crate::engine::budget`]). It writes no file: fixes go to the client as edits.
//!
//! A file two lints read (nested workspace folders, a file two folders `include`) gets the union
//! of their findings, each once; a change to it runs every lint that reads it again, so that
//! none of them keeps stale findings there.
//!
//! lsp-server does the framing; [`frames`] bounds what it allocates. Messages are handled one at
//! a time, in order, on this thread.

mod convert;
mod frames;
mod hover;

use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notify, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, Hover, HoverContents, HoverParams, HoverProviderCapability,
    InitializeParams, InitializeResult, MarkupContent, MarkupKind, PositionEncodingKind,
    PublishDiagnosticsParams, Range, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri, WorkspaceEdit,
};
use serde::de::DeserializeOwned;

use crate::access::{Boundary, ReadCache};
use crate::compose::LoadOptions;
use crate::diagnostic::Applicability;
use crate::engine;
use crate::lint::{Report, Target};
use crate::settings::Overrides;
use convert::Encoding;

/// The largest message read: a buffer of the largest file orion-lint lints, JSON-escaped, with
/// room for the envelope. A larger `Content-Length` is refused before anything is allocated.
const MAX_MESSAGE: usize = 2 * crate::compose::MAX_FILE_SIZE as usize + (1 << 20);

/// Serve the client on stdin and stdout until it says `exit`: exit code 0 after `shutdown`, 1
/// without (as LSP says), 2 when its messages cannot be read or answers cannot be written.
pub(crate) fn run() -> ExitCode {
    let stdin = io::stdin();
    let mut input = frames::CappedFrames::new(stdin.lock(), MAX_MESSAGE);
    let stdout = io::stdout();
    let mut server = Server {
        out: stdout.lock(),
        state: State::Uninitialized,
        encoding: Encoding::Utf16,
        roots: Vec::new(),
        buffers: BTreeMap::new(),
        lints: BTreeMap::new(),
        environment: std::env::vars().collect(),
    };
    match server.serve(&mut input) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: orion-lint server: {error}");
            ExitCode::from(2)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Uninitialized,
    Running,
    ShutDown,
}

/// An open document: the client's URI for it and its text, maybe unsaved.
struct Buffer {
    uri: Uri,
    text: String,
}

/// The last lint of a project directory (or of a buffer with no file yet).
struct Linted {
    /// The directory whose files this lint may edit: the workspace folder or repository.
    root: PathBuf,
    report: Report,
    /// This lint's diagnostics by the text of their URI; a URI's published diagnostics are the
    /// union of every lint's.
    published: BTreeMap<String, (Uri, Vec<lsp_types::Diagnostic>)>,
}

impl Linted {
    /// Whether the lint read `canonical` (a compose, env, config or doc file).
    fn reads(&self, canonical: &Path) -> bool {
        let sources = &self.report.sources;
        sources
            .ids()
            .any(|id| sources.get(id).canonical_path() == canonical)
    }
}

struct Server<W: Write> {
    out: W,
    state: State,
    encoding: Encoding,
    /// The workspace folders, canonical.
    roots: Vec<PathBuf>,
    /// By the path of their URI.
    buffers: BTreeMap<PathBuf, Buffer>,
    /// By the directory linted (or the path of a buffer linted alone).
    lints: BTreeMap<PathBuf, Linted>,
    /// Interpolation reads the process environment, as the command line does.
    environment: HashMap<String, String>,
}

impl<W: Write> Server<W> {
    fn serve(&mut self, input: &mut impl BufRead) -> io::Result<ExitCode> {
        loop {
            let message = match Message::read(input) {
                Ok(Some(message)) => message,
                // The client went away without `exit`.
                Ok(None) => return Ok(ExitCode::from(1)),
                Err(error) => return Err(unreadable(&error)),
            };
            match message {
                Message::Request(request) => {
                    let response = self.request(request);
                    self.send(response.into())?;
                }
                Message::Notification(n) if n.method == notify::Exit::METHOD => {
                    let code = if self.state == State::ShutDown { 0 } else { 1 };
                    return Ok(ExitCode::from(code));
                }
                Message::Notification(n) if self.state == State::Running => self.notification(n)?,
                // Before `initialize` and after `shutdown`, notifications are dropped.
                Message::Notification(_) | Message::Response(_) => {}
            }
        }
    }

    fn send(&mut self, message: Message) -> io::Result<()> {
        message.write(&mut self.out)
    }

    fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        match (self.state, request.method.as_str()) {
            (State::Uninitialized, req::Initialize::METHOD) => {
                match params::<InitializeParams>(&request) {
                    Ok(init) => Response::new_ok(id, self.initialize(init)),
                    Err(error) => error,
                }
            }
            (State::Uninitialized, _) => error(
                id,
                ErrorCode::ServerNotInitialized,
                "send `initialize` first",
            ),
            (State::ShutDown, _) => error(
                id,
                ErrorCode::InvalidRequest,
                "the server is shut down: send `exit`",
            ),
            (State::Running, req::Shutdown::METHOD) => {
                self.state = State::ShutDown;
                Response::new_ok(id, ())
            }
            (State::Running, req::CodeActionRequest::METHOD) => {
                match params::<CodeActionParams>(&request) {
                    Ok(p) => Response::new_ok(id, self.code_actions(&p)),
                    Err(error) => error,
                }
            }
            (State::Running, req::HoverRequest::METHOD) => match params::<HoverParams>(&request) {
                Ok(p) => Response::new_ok(id, self.hover(&p)),
                Err(error) => error,
            },
            (State::Running, req::Initialize::METHOD) => {
                error(id, ErrorCode::InvalidRequest, "already initialized")
            }
            (State::Running, method) => error(
                id,
                ErrorCode::MethodNotFound,
                &format!("orion-lint does not serve `{method}`"),
            ),
        }
    }

    fn initialize(&mut self, init: InitializeParams) -> InitializeResult {
        let offered = init
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref())
            .unwrap_or_default();
        let encoding = if offered.contains(&PositionEncodingKind::UTF8) {
            (Encoding::Utf8, PositionEncodingKind::UTF8)
        } else {
            (Encoding::Utf16, PositionEncodingKind::UTF16)
        };
        self.encoding = encoding.0;
        #[allow(deprecated)] // Older clients send only `rootUri`.
        let folders: Vec<Uri> = match (init.workspace_folders, init.root_uri) {
            (Some(folders), _) if !folders.is_empty() => {
                folders.into_iter().map(|f| f.uri).collect()
            }
            (_, root) => root.into_iter().collect(),
        };
        self.roots = folders
            .iter()
            .filter_map(convert::path)
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        self.state = State::Running;
        InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding.1),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::FULL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(true),
                        })),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..CodeActionOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "orion-lint".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
        }
    }

    /// A document opened, changed, saved or closed: lint what it belongs to. Notifications with
    /// parameters that do not parse, or for documents that are no files, are dropped.
    fn notification(&mut self, n: Notification) -> io::Result<()> {
        let path = match n.method.as_str() {
            notify::DidOpenTextDocument::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                else {
                    return Ok(());
                };
                let document = p.text_document;
                self.open(document.uri, document.text)
            }
            notify::DidChangeTextDocument::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                else {
                    return Ok(());
                };
                // Full sync: each change is the whole text, the last one the newest.
                let text = p.content_changes.into_iter().last().map(|c| c.text);
                self.update(&p.text_document.uri, text)
            }
            notify::DidSaveTextDocument::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(n.params)
                else {
                    return Ok(());
                };
                self.update(&p.text_document.uri, p.text)
            }
            notify::DidCloseTextDocument::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                else {
                    return Ok(());
                };
                // Linted again with the text on the disk.
                convert::path(&p.text_document.uri).inspect(|path| {
                    self.buffers.remove(path);
                })
            }
            _ => None,
        };
        match path {
            Some(path) => self.lint(&path),
            None => Ok(()),
        }
    }

    fn open(&mut self, uri: Uri, text: String) -> Option<PathBuf> {
        let path = convert::path(&uri)?;
        self.buffers.insert(path.clone(), Buffer { uri, text });
        Some(path)
    }

    fn update(&mut self, uri: &Uri, text: Option<String>) -> Option<PathBuf> {
        let path = convert::path(uri)?;
        if let (Some(buffer), Some(text)) = (self.buffers.get_mut(&path), text) {
            buffer.text = text;
        }
        Some(path)
    }

    /// What linting `path` means: the key of its lint, the directory whose files it may edit, the
    /// target and the options reading the open buffers.
    fn target_of(&self, path: &Path) -> (PathBuf, PathBuf, Target, LoadOptions) {
        let mut options = LoadOptions {
            environment: self.environment.clone(),
            read: ReadCache::with_buffers(
                self.buffers
                    .iter()
                    .map(|(path, buffer)| (path.as_path(), buffer.text.as_str())),
            ),
            ..LoadOptions::default()
        };
        let repository = || Boundary::of_project(path, &[]).root().to_path_buf();
        match std::fs::canonicalize(path) {
            Ok(canonical) => {
                let root = self
                    .roots
                    .iter()
                    .filter(|root| canonical.starts_with(root))
                    .max_by_key(|root| root.as_os_str().len())
                    .cloned()
                    .unwrap_or_else(repository);
                let target = Target::Paths(vec![root.clone()]);
                options.docs = crate::compose::docs::find::candidates(std::slice::from_ref(&root));
                (root.clone(), root, target, options)
            }
            // A buffer with no file yet: linted alone, as text on stdin is.
            Err(_) => {
                let text = self
                    .buffers
                    .get(path)
                    .map(|b| b.text.clone())
                    .unwrap_or_default();
                let target = Target::Stdin {
                    path: path.to_path_buf(),
                    text,
                };
                (path.to_path_buf(), repository(), target, options)
            }
        }
    }

    /// Lint what `path` belongs to, and again every other lint that read it.
    fn lint(&mut self, path: &Path) -> io::Result<()> {
        let key = self.lint_one(path)?;
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let readers: Vec<PathBuf> = self
            .lints
            .iter()
            .filter(|(other, linted)| **other != key && other.is_dir() && linted.reads(&canonical))
            .map(|(other, _)| other.clone())
            .collect();
        for other in readers {
            self.lint_one(&other)?;
        }
        Ok(())
    }

    /// Lint what `path` belongs to (a directory linted: that directory); returns the lint's key.
    fn lint_one(&mut self, path: &Path) -> io::Result<PathBuf> {
        let (key, root, target, options) = self.target_of(path);
        if matches!(target, Target::Stdin { .. }) && !self.buffers.contains_key(path) {
            // A closed buffer of a file that does not exist: nothing is left to lint.
            self.publish(key.clone(), None)?;
            return Ok(key);
        }
        if key != path && self.lints.contains_key(path) && !path.is_dir() {
            // A new file linted alone until now is saved: its project's lint takes over.
            self.publish(path.to_path_buf(), None)?;
        }
        let report = engine::lint(&target, &options, &Overrides::default());
        self.publish(
            key.clone(),
            Some(Linted {
                root,
                report,
                published: BTreeMap::new(),
            }),
        )?;
        Ok(key)
    }

    /// Keep the diagnostics of a lint (none: forget the lint) and send, for each file it or the
    /// previous lint of the same key gave some, the union of every lint's for that file.
    fn publish(&mut self, key: PathBuf, linted: Option<Linted>) -> io::Result<()> {
        let mut files: BTreeMap<String, (Uri, Vec<lsp_types::Diagnostic>)> = BTreeMap::new();
        let mut add = |uri: Uri, diagnostic| {
            let entry = files.entry(uri.as_str().to_string());
            entry
                .or_insert_with(|| (uri, Vec::new()))
                .1
                .push(diagnostic);
        };
        let mut unplaced = Vec::new();
        if let Some(linted) = &linted {
            let report = &linted.report;
            let sources = &report.sources;
            let uri_of = self.uri_of();
            for finding in &report.diagnostics {
                let path = &sources.get(finding.primary.span.file).path;
                if let Some(uri) = uri_of(path) {
                    let diagnostic = convert::diagnostic(finding, sources, self.encoding, &uri_of);
                    add(uri, diagnostic);
                }
            }
            for error in &report.errors {
                let path = match (&error.span, &error.path) {
                    (Some(span), _) => Some(sources.get(span.file).path.clone()),
                    (None, Some(path)) if path.is_file() => Some(path.clone()),
                    _ => None,
                };
                match path.as_deref().and_then(&uri_of) {
                    Some(uri) => add(
                        uri,
                        convert::load_error(error, sources, self.encoding, &uri_of),
                    ),
                    None => unplaced.push(crate::render::escape_controls(&error.message)),
                }
            }
        }
        let previous = self
            .lints
            .remove(&key)
            .map(|l| l.published)
            .unwrap_or_default();
        let mut touched: BTreeMap<String, Uri> = previous
            .into_iter()
            .map(|(text, (uri, _))| (text, uri))
            .collect();
        touched.extend(
            files
                .iter()
                .map(|(text, (uri, _))| (text.clone(), uri.clone())),
        );
        if let Some(mut linted) = linted {
            linted.published = files;
            self.lints.insert(key, linted);
        }
        for (text, uri) in touched {
            // Lints in the order of their keys, each in its report's order: the same union
            // whichever ran last.
            let mut diagnostics: Vec<lsp_types::Diagnostic> = Vec::new();
            for linted in self.lints.values() {
                for diagnostic in linted.published.get(&text).into_iter().flat_map(|(_, d)| d) {
                    add_once(&mut diagnostics, diagnostic);
                }
            }
            // Stable: findings at one place keep the report's order (by rule).
            diagnostics.sort_by_key(|d| d.range.start);
            self.send_diagnostics(uri, diagnostics)?;
        }
        // What has no file to show it in (no compose file in the folder) goes to the log.
        for message in unplaced {
            self.send(
                Notification::new(
                    notify::LogMessage::METHOD.to_string(),
                    lsp_types::LogMessageParams {
                        typ: lsp_types::MessageType::WARNING,
                        message: format!("orion-lint: {message}"),
                    },
                )
                .into(),
            )?;
        }
        Ok(())
    }

    fn send_diagnostics(
        &mut self,
        uri: Uri,
        diagnostics: Vec<lsp_types::Diagnostic>,
    ) -> io::Result<()> {
        let params = PublishDiagnosticsParams::new(uri, diagnostics, None);
        self.send(Notification::new(notify::PublishDiagnostics::METHOD.to_string(), params).into())
    }

    /// The URI to name a file by: the client's own for an open buffer, else its path's.
    fn uri_of(&self) -> impl Fn(&Path) -> Option<Uri> + use<'_, W> {
        let open: HashMap<PathBuf, &Uri> = self
            .buffers
            .iter()
            .filter_map(|(path, b)| Some((std::fs::canonicalize(path).ok()?, &b.uri)))
            .collect();
        move |path: &Path| {
            let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            match open.get(&canonical) {
                Some(uri) => Some((*uri).clone()),
                None => self
                    .buffers
                    .get(path)
                    .map(|b| b.uri.clone())
                    .or_else(|| convert::uri(&canonical)),
            }
        }
    }

    /// The fixes of the findings that overlap the range, each as a quick fix (preferred when safe)
    /// editing the text that was linted; never one that edits a file outside the lint's root.
    fn code_actions(&self, p: &CodeActionParams) -> Vec<CodeActionOrCommand> {
        let Some(path) = convert::path(&p.text_document.uri) else {
            return Vec::new();
        };
        let canonical = std::fs::canonicalize(&path).unwrap_or(path);
        let uri_of = self.uri_of();
        let mut actions = Vec::new();
        for linted in self.lints.values() {
            let sources = &linted.report.sources;
            let inside = |id| {
                let file = sources.get(id);
                file.canonical_path().starts_with(&linted.root)
            };
            for finding in &linted.report.diagnostics {
                let file = sources.get(finding.primary.span.file);
                let Some(fix) = &finding.fix else { continue };
                if file.canonical_path() != canonical
                    || !fix.edits.iter().all(|e| inside(e.span.file))
                {
                    continue;
                }
                let diagnostic = convert::diagnostic(finding, sources, self.encoding, &uri_of);
                if !overlaps(&diagnostic.range, &p.range) {
                    continue;
                }
                // lsp-types' `Uri` compares and hashes by its text; the interior mutability
                // clippy sees is a cache of its parse.
                #[allow(clippy::mutable_key_type)]
                let mut changes: HashMap<Uri, Vec<lsp_types::TextEdit>> = HashMap::new();
                for edit in &fix.edits {
                    let Some(uri) = uri_of(&sources.get(edit.span.file).path) else {
                        continue;
                    };
                    let edit = convert::text_edit(edit, sources, self.encoding);
                    changes.entry(uri).or_default().push(edit);
                }
                let action = CodeActionOrCommand::CodeAction(CodeAction {
                    title: crate::render::escape_controls(&fix.title),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic]),
                    edit: Some(WorkspaceEdit::new(changes)),
                    is_preferred: Some(fix.applicability == Applicability::Safe),
                    ..CodeAction::default()
                });
                // Two lints that read the file offer the same fix once.
                if !actions.contains(&action) {
                    actions.push(action);
                }
            }
        }
        actions
    }

    /// The budget of the memory value under the cursor, if there is one.
    fn hover(&self, p: &HoverParams) -> Option<Hover> {
        let document = &p.text_document_position_params;
        let path = convert::path(&document.text_document.uri)?;
        let (_, _, target, options) = self.target_of(&path);
        let report = engine::budget(&target, &options, &Overrides::default());
        let markdown = hover::memory_value(&report, &path, document.position, self.encoding)?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: markdown,
            }),
            range: None,
        })
    }
}

/// Add a diagnostic to a file's, unless it is there already: the same finding at the same place
/// that two lints report (each project that includes the file) is one, with the related places
/// of both (each project's `include`).
fn add_once(diagnostics: &mut Vec<lsp_types::Diagnostic>, new: &lsp_types::Diagnostic) {
    let same = |d: &&mut lsp_types::Diagnostic| {
        (&d.range, &d.code, &d.severity, &d.message)
            == (&new.range, &new.code, &new.severity, &new.message)
    };
    let Some(known) = diagnostics.iter_mut().find(same) else {
        diagnostics.push(new.clone());
        return;
    };
    let related = known.related_information.get_or_insert_with(Vec::new);
    for place in new.related_information.iter().flatten() {
        if !related.contains(place) {
            related.push(place.clone());
        }
    }
}

/// Whether two ranges share a position (a cursor at a finding's edge is on it).
fn overlaps(a: &Range, b: &Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// A request's parameters, or the error response saying they are not what the method takes.
fn params<P: DeserializeOwned>(request: &Request) -> Result<P, Response> {
    serde_json::from_value(request.params.clone()).map_err(|e| {
        error(
            request.id.clone(),
            ErrorCode::InvalidParams,
            &format!("invalid parameters for `{}`: {e}", request.method),
        )
    })
}

fn error(id: RequestId, code: ErrorCode, message: &str) -> Response {
    Response::new_err(id, code as i32, message.to_string())
}

/// Why the client's stream cannot be read, without the message's text (it may hold a buffer's
/// secrets): lsp-server quotes a payload that is not JSON-RPC after its reason.
fn unreadable(error: &io::Error) -> io::Error {
    let text = error.to_string();
    let reason = match text.split_once("`: ") {
        Some((reason, _payload)) => format!("{reason}`"),
        None => text,
    };
    io::Error::new(
        error.kind(),
        format!(
            "cannot read the client's message on stdin: {reason} (send LSP messages: `Content-Length: N` headers, an empty line, N bytes of JSON-RPC)"
        ),
    )
}
