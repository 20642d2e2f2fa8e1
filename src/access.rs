//! Which files orion-lint may read and write. It runs on pull requests from anyone, so a file of
//! the repository must not make it read a host file (`include: [/etc/passwd]`, a `.env` linked to
//! `/proc/self/environ`), block on a FIFO or read `/dev/zero` without end.
//!
//! A project's repository is the nearest directory with a `.git` (a directory, or the file of a
//! worktree) above its first compose file, else the project directory. orion-lint reads only
//! regular files inside it, after resolving symbolic links, and writes only there. Outside it,
//! only what the command line names may be read (`--allow-outside PATH`, `--env-file FILE`),
//! never written; nothing under `/proc`, `/sys` or `/dev` is read at all.
//!
//! A boundary can read the repository as of a git revision (`budget --compare REV`): a path of the
//! work tree is then read from the revision's tree, a symbolic link there is not followed, and a
//! path tracked at `HEAD` but not at the revision did not exist then. A path in neither tree (an
//! untracked `.env`) is read from the work tree, for both sides.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::git::{AtRevision, Revision};

/// Kernel file systems: their files report size 0 and hold the process's environment and memory.
const SYSTEM_DIRS: [&str; 3] = ["/proc", "/sys", "/dev"];

/// Where a project's files may be read from and written to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Boundary {
    /// The repository root, canonical.
    root: PathBuf,
    /// `--allow-outside` paths, canonical: readable, never written.
    allowed: Vec<PathBuf>,
    /// The files this run has read already.
    read: ReadCache,
    /// The revision read instead of the work tree, if any.
    revision: Option<Snapshot>,
}

/// One repository's revision, shared by the boundaries that read it.
#[derive(Clone)]
pub(crate) struct Snapshot(Arc<Revision>);

/// Two boundaries reading the same opened revision read the same files.
impl PartialEq for Snapshot {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Snapshot {}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Snapshot({:?})", self.0.spec())
    }
}

/// The revision a run reads instead of the work tree (`budget --compare REV`), opened once per
/// repository. Shared by the clones of one run's [`crate::compose::LoadOptions`].
#[derive(Clone, Debug)]
pub struct Revisions {
    spec: String,
    opened: Arc<Mutex<HashMap<PathBuf, Result<Snapshot, String>>>>,
}

impl Revisions {
    pub fn new(spec: &str) -> Revisions {
        Revisions {
            spec: spec.to_string(),
            opened: Arc::default(),
        }
    }

    /// The revision in the repository whose work tree is `root`, or why it cannot be read.
    pub(crate) fn open(&self, root: &Path) -> Result<Snapshot, String> {
        let mut opened = self.opened.lock().unwrap_or_else(PoisonError::into_inner);
        opened
            .entry(root.to_path_buf())
            .or_insert_with(|| Revision::open(root, &self.spec).map(|r| Snapshot(Arc::new(r))))
            .clone()
    }
}

/// The bytes of each file a run has read, by canonical path, so that a run reads a file from
/// the disk once: a fix pass, the lint after `--fix` and another project that reads the same
/// file take it from here, after the same checks as a first read. Shared by the clones of one
/// run's [`crate::compose::LoadOptions`] and safe to use from several threads.
#[derive(Clone, Default)]
pub struct ReadCache(Arc<Mutex<HashMap<PathBuf, Arc<[u8]>>>>);

impl ReadCache {
    fn get(&self, canonical: &Path) -> Option<Arc<[u8]>> {
        let files = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        files.get(canonical).cloned()
    }

    fn insert(&self, canonical: PathBuf, bytes: &[u8]) {
        let mut files = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        files.insert(canonical, bytes.into());
    }

    /// Record the text this run wrote to a file (its canonical path), which later reads see.
    pub fn wrote(&self, canonical: &Path, bytes: &[u8]) {
        self.insert(canonical.to_path_buf(), bytes);
    }

    /// A cache holding an editor's unsaved buffers: reads of a buffer's file get its text, after
    /// the same checks as a read from the disk. A buffer whose file does not exist is left out:
    /// there is no file to check it as.
    pub(crate) fn with_buffers<'a>(buffers: impl IntoIterator<Item = (&'a Path, &'a str)>) -> Self {
        let cache = ReadCache::default();
        for (path, text) in buffers {
            if let Ok(canonical) = std::fs::canonicalize(path) {
                cache.insert(canonical, text.as_bytes());
            }
        }
        cache
    }
}

/// A cache changes where the bytes come from, never what may be read.
impl PartialEq for ReadCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ReadCache {}

/// The files' contents stay out of debug output: they may hold secrets.
impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let files = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        write!(f, "ReadCache({} files)", files.len())
    }
}

/// Whether a file was named on the command line, which may name a file outside the repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named {
    /// `--env-file`: the user chose it.
    OnCommandLine,
    /// Named by a file (`include`, `extends`, a mount), found (`.env`, `orion-lint.toml`), or a
    /// compose file, which must belong to the repository it is linted for.
    InRepository,
}

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadFailure {
    /// orion-lint does not open it: the reason, without its content.
    Refused(String),
    Io(std::io::Error),
    /// More than the cap was there to read.
    TooLarge(u64),
}

impl Boundary {
    /// The boundary of a project whose first compose file is `first`.
    pub fn of_project(first: &Path, allow_outside: &[PathBuf]) -> Boundary {
        let dir = match first.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| absolute(dir));
        let root = dir
            .ancestors()
            .find(|d| d.join(".git").symlink_metadata().is_ok())
            .unwrap_or(&dir)
            .to_path_buf();
        let allowed = allow_outside
            .iter()
            .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| absolute(p)))
            .collect();
        Boundary {
            root,
            allowed,
            read: ReadCache::default(),
            revision: None,
        }
    }

    /// The same boundary, reading the repository's files as of a revision.
    pub(crate) fn at_revision(self, snapshot: Snapshot) -> Boundary {
        Boundary {
            revision: Some(snapshot),
            ..self
        }
    }

    /// What `path` is at the boundary's revision; `None` to read the disk: there is no
    /// revision, the path is outside the repository, or it is untracked. With `cap` 0 only what
    /// the path is, is looked up (a file's bytes are not read).
    fn at_revision_of(&self, path: &Path, cap: u64) -> Result<Option<AtRevision>, ReadFailure> {
        let Some(Snapshot(revision)) = &self.revision else {
            return Ok(None);
        };
        let Some(relative) = self.relative(path) else {
            return Ok(None);
        };
        match revision.file(&relative, cap) {
            Ok(AtRevision::Untracked) => Ok(None),
            Ok(found) => Ok(Some(found)),
            Err(why) => Err(ReadFailure::Io(std::io::Error::other(why))),
        }
    }

    /// `path` relative to the repository root, if it is inside, as written (a link in the work
    /// tree is not resolved: the revision's tree is what counts), or through the canonical
    /// directory of a path that reaches the repository by a link.
    fn relative(&self, path: &Path) -> Option<PathBuf> {
        let written = absolute(path);
        if let Ok(relative) = written.strip_prefix(&self.root) {
            return Some(relative.to_path_buf());
        }
        let dir = std::fs::canonicalize(written.parent()?).ok()?;
        let resolved = dir.join(written.file_name()?);
        resolved
            .strip_prefix(&self.root)
            .ok()
            .map(Path::to_path_buf)
    }

    /// Whether `path` exists (at the boundary's revision, if it reads one): what a default
    /// file (`.env`, `orion-lint.toml`) is looked up with.
    pub fn exists(&self, path: &Path) -> bool {
        match self.at_revision_of(path, 0) {
            Ok(Some(AtRevision::Absent)) => false,
            // A revision that cannot be read is reported by reading it.
            Ok(Some(_)) | Err(_) => true,
            Ok(None) => path.exists(),
        }
    }

    /// The same boundary, reading through the run's cache of files read.
    pub fn reading_through(self, read: &ReadCache) -> Boundary {
        Boundary {
            read: read.clone(),
            ..self
        }
    }

    /// The repository root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Why `path` is not to be read, if it is not; `None` also for a path that does not exist,
    /// which reading reports as such.
    pub fn refusal(&self, path: &Path, named: Named) -> Option<String> {
        match self.at_revision_of(path, 0) {
            Ok(Some(AtRevision::NotAFile(kind))) => return Some(not_a_file_at(kind, self)),
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) => {}
        }
        let canonical = std::fs::canonicalize(path);
        for place in [Ok(absolute(path)), canonical.as_ref().map(Clone::clone)]
            .into_iter()
            .flatten()
        {
            if let Some(dir) = SYSTEM_DIRS.iter().find(|d| place.starts_with(d)) {
                return Some(format!(
                    "it is in `{dir}`, a kernel file system, not a file of the repository"
                ));
            }
        }
        let canonical = canonical.ok()?;
        let metadata = std::fs::metadata(&canonical).ok()?;
        if let Some(kind) = special_kind(&metadata.file_type()) {
            return Some(format!("it is {kind}, not a regular file"));
        }
        let inside = canonical.starts_with(&self.root)
            || named == Named::OnCommandLine
            || self.allowed.iter().any(|a| canonical.starts_with(a));
        if inside {
            return None;
        }
        let resolved = if absolute(path) == canonical {
            String::new()
        } else {
            format!(" (it resolves to `{}`)", canonical.display())
        };
        Some(format!(
            "it is outside the repository `{}`{resolved}; only the command line can allow it, with `--allow-outside {}`",
            self.root.display(),
            path.display()
        ))
    }

    /// Read a file of at most `cap` bytes, if [`Self::refusal`] allows it. The file is opened
    /// without blocking and checked again on the open handle, so a FIFO swapped in after the
    /// check is not read either; the cap counts the bytes read, not the size a file reports.
    pub fn read(&self, path: &Path, cap: u64, named: Named) -> Result<Vec<u8>, ReadFailure> {
        match self.at_revision_of(path, cap)? {
            Some(AtRevision::File(bytes)) => return Ok(bytes),
            Some(AtRevision::NotAFile(kind)) => {
                return Err(ReadFailure::Refused(not_a_file_at(kind, self)));
            }
            Some(AtRevision::Absent) => {
                return Err(ReadFailure::Io(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "it is tracked at HEAD but not at the revision compared with: it did not exist then",
                )));
            }
            Some(AtRevision::TooLarge) => return Err(ReadFailure::TooLarge(cap)),
            Some(AtRevision::Untracked) | None => {}
        }
        if let Some(why) = self.refusal(path, named) {
            return Err(ReadFailure::Refused(why));
        }
        // The checked file, not whatever a link swapped in names since the check.
        let canonical = std::fs::canonicalize(path).map_err(ReadFailure::Io)?;
        if let Some(bytes) = self.read.get(&canonical) {
            if bytes.len() as u64 > cap {
                return Err(ReadFailure::TooLarge(cap));
            }
            return Ok(bytes.to_vec());
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&canonical)
            .map_err(ReadFailure::Io)?;
        let file_type = file.metadata().map_err(ReadFailure::Io)?.file_type();
        if let Some(kind) = special_kind(&file_type) {
            return Err(ReadFailure::Refused(format!(
                "it is {kind}, not a regular file"
            )));
        }
        let bytes = read_capped(file, cap)?;
        self.read.insert(canonical, &bytes);
        Ok(bytes)
    }

    /// Whether orion-lint may write `path`: it resolves to a file inside the repository.
    /// `--allow-outside` makes a file readable, never writable.
    pub fn may_write(&self, path: &Path) -> bool {
        std::fs::canonicalize(path).is_ok_and(|canonical| canonical.starts_with(&self.root))
    }
}

/// Why a path that is no regular file at the boundary's revision is not read.
fn not_a_file_at(kind: &str, boundary: &Boundary) -> String {
    let spec = boundary
        .revision
        .as_ref()
        .map_or("", |Snapshot(r)| r.spec());
    format!(
        "it is {kind} at `{spec}`, not a regular file, and orion-lint does not follow links in a revision's tree"
    )
}

fn read_capped(file: File, cap: u64) -> Result<Vec<u8>, ReadFailure> {
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadFailure::Io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadFailure::TooLarge(cap));
    }
    Ok(bytes)
}

/// What a file that is not a regular file is, in words.
fn special_kind(file_type: &std::fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        None
    } else if file_type.is_dir() {
        Some("a directory")
    } else if file_type.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if file_type.is_socket() {
        Some("a socket")
    } else if file_type.is_char_device() || file_type.is_block_device() {
        Some("a device")
    } else {
        Some("not a file")
    }
}

/// `path` made absolute and without `.` and `..`, without touching the file system.
fn absolute(path: &Path) -> PathBuf {
    let joined = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    normalize(&joined)
}

/// `a/./b/../c` as `a/c`, without touching the file system, so that paths read the way users
/// wrote them and the same file is not loaded twice.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository() -> (tempfile::TempDir, Boundary) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("repo/.git")).unwrap();
        std::fs::write(dir.path().join("repo/compose.yaml"), "services: {}\n").unwrap();
        let boundary = Boundary::of_project(&dir.path().join("repo/compose.yaml"), &[]);
        (dir, boundary)
    }

    #[test]
    fn buffers_are_read_instead_of_the_disk_after_the_same_checks() {
        let (dir, boundary) = repository();
        let compose = dir.path().join("repo/compose.yaml");
        let outside = dir.path().join("secret.txt");
        std::fs::write(&outside, "on disk\n").unwrap();
        let missing = dir.path().join("repo/new.yaml");
        let cache = ReadCache::with_buffers([
            (compose.as_path(), "services: {web: {}}\n"),
            (outside.as_path(), "unsaved\n"),
            (missing.as_path(), "services: {}\n"),
        ]);
        let boundary = boundary.reading_through(&cache);
        let read = |path: &Path| boundary.read(path, 1024, Named::InRepository);
        assert_eq!(read(&compose).unwrap(), b"services: {web: {}}\n");
        assert!(matches!(read(&outside), Err(ReadFailure::Refused(_))));
        assert!(matches!(read(&missing), Err(ReadFailure::Io(_))));
        assert_eq!(format!("{cache:?}"), "ReadCache(2 files)");
    }

    #[test]
    fn the_root_is_the_nearest_directory_with_git() {
        let (dir, boundary) = repository();
        let deep = dir.path().join("repo/deploy/prod");
        std::fs::create_dir_all(&deep).unwrap();
        let inner = Boundary::of_project(&deep.join("compose.yaml"), &[]);
        assert_eq!(inner.root(), boundary.root());
        assert!(boundary.root().ends_with("repo"));
        // A worktree has a `.git` file.
        std::fs::write(deep.join(".git"), "gitdir: elsewhere\n").unwrap();
        let worktree = Boundary::of_project(&deep.join("compose.yaml"), &[]);
        assert!(worktree.root().ends_with("deploy/prod"));
    }

    #[test]
    fn only_regular_files_inside_are_read() {
        let (dir, boundary) = repository();
        let repo = dir.path().join("repo");
        assert!(
            boundary
                .refusal(&repo.join("compose.yaml"), Named::InRepository)
                .is_none()
        );
        std::fs::write(dir.path().join("secret"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret"), repo.join("link")).unwrap();
        let outside = boundary
            .refusal(&repo.join("link"), Named::InRepository)
            .unwrap();
        assert!(outside.contains("outside the repository"), "{outside}");
        assert!(
            boundary
                .refusal(&repo.join("link"), Named::OnCommandLine)
                .is_none()
        );
        let allowed =
            Boundary::of_project(&repo.join("compose.yaml"), &[dir.path().join("secret")]);
        assert!(
            allowed
                .refusal(&repo.join("link"), Named::InRepository)
                .is_none()
        );
        assert!(!allowed.may_write(&repo.join("link")));
        assert!(allowed.may_write(&repo.join("compose.yaml")));
        for system in [
            "/proc/self/environ",
            "/dev/zero",
            "/dev/stdin",
            "/sys/kernel/notes",
        ] {
            let why = allowed
                .refusal(Path::new(system), Named::OnCommandLine)
                .unwrap();
            assert!(why.contains("kernel file system"), "{system}: {why}");
        }
        assert!(
            boundary
                .refusal(&repo, Named::InRepository)
                .unwrap()
                .contains("a directory")
        );
    }

    #[test]
    fn the_cap_counts_the_bytes_read() {
        let (dir, boundary) = repository();
        let path = dir.path().join("repo/big");
        std::fs::write(&path, "12345").unwrap();
        assert_eq!(
            boundary.read(&path, 5, Named::InRepository).unwrap(),
            b"12345"
        );
        assert!(matches!(
            boundary.read(&path, 4, Named::InRepository),
            Err(ReadFailure::TooLarge(4))
        ));
    }
}
