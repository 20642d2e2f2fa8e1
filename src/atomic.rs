//! Writing files all or nothing: the new text goes to a temporary file beside its target, flushed
//! to disk, and only then is renamed over it, so a reader sees the old file or the new one, never
//! a part. The fix engine replaces compose files this way; `--output-file` and `--report` write
//! their reports this way.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Write a report file named on the command line, all or nothing (see [`Staged::report`]).
pub(crate) fn write_report(path: &Path, bytes: &[u8]) -> Result<(), crate::compose::LoadError> {
    Staged::report(path, bytes)
        .map_err(|refusal| refusal.to_string())
        .and_then(|mut staged| {
            staged
                .rename()
                .map_err(|e| format!("cannot rename the temporary file over it ({e})"))
        })
        .map_err(|why| {
            crate::compose::LoadError::in_file(
                path,
                format!("cannot write the report: {why}; name another path"),
            )
        })
}

/// Why a file cannot be replaced.
pub(crate) enum Refusal {
    ReadOnly,
    HardLinks(u64),
    NotAFile,
    /// A report path that is a symbolic link, or goes through one planted in the repository.
    SymbolicLink(PathBuf),
    /// A step that failed (`open the file for writing`) and why.
    Io(&'static str, std::io::Error),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::ReadOnly => write!(f, "the file is read-only"),
            Refusal::HardLinks(n) => write!(
                f,
                "the file has {n} hard links, which replacing it would split"
            ),
            Refusal::NotAFile => write!(f, "the file is no longer a regular file"),
            Refusal::SymbolicLink(link) => write!(
                f,
                "`{}` is a symbolic link, which orion-lint does not write through",
                crate::source::display_path(link)
            ),
            Refusal::Io(step, e) => write!(f, "cannot {step} ({e})"),
        }
    }
}

impl Refusal {
    /// What the user can do about it.
    pub(crate) fn hint(&self) -> &'static str {
        match self {
            Refusal::ReadOnly => "; make it writable or use --diff",
            Refusal::HardLinks(_) => {
                "; apply `orion-lint --diff` by hand, or keep one file and make the other names symbolic links"
            }
            Refusal::Io(_, e) => match e.kind() {
                std::io::ErrorKind::PermissionDenied => {
                    "; check the permissions and attributes (`lsattr`) of the file and its directory, or use --diff"
                }
                std::io::ErrorKind::ReadOnlyFilesystem => {
                    "; the file system is read-only: use --diff"
                }
                std::io::ErrorKind::StorageFull => "; free some disk space, or use --diff",
                _ => "",
            },
            Refusal::NotAFile | Refusal::SymbolicLink(_) => "",
        }
    }
}

/// A closure turning an I/O error into the refusal of a step.
fn failed(step: &'static str) -> impl FnOnce(std::io::Error) -> Refusal {
    move |e| Refusal::Io(step, e)
}

/// A fixed text written to a temporary file beside its target, ready to be renamed over it.
/// Dropped before the rename, it removes the temporary file.
pub(crate) struct Staged {
    pub(crate) target: PathBuf,
    pub(crate) temporary: PathBuf,
    renamed: bool,
}

impl Staged {
    /// Write `bytes` to a temporary file that has everything of `target` but its content: the
    /// mode from its creation on (a 0600 file's text is never readable by others), then the owner
    /// and group. Refuses a target that the running user cannot open for writing (whatever the
    /// mode bits say: `chattr +i`, a read-only mount) and one with several hard links.
    pub(crate) fn new(target: &Path, bytes: &[u8]) -> Result<Staged, Refusal> {
        let metadata =
            std::fs::symlink_metadata(target).map_err(failed("read the file's metadata"))?;
        Staged::replacing(target, bytes, &metadata)
    }

    /// A report named on the command line: a new file (mode 0666 less the umask), or the
    /// replacement of a regular file as [`Staged::new`] makes it. Never written through a
    /// symbolic link: not the target's own, nor a directory linked from inside the repository
    /// of the working directory (a link a pull request can plant to send the report elsewhere).
    pub(crate) fn report(target: &Path, bytes: &[u8]) -> Result<Staged, Refusal> {
        if let Some(link) = planted_link(target) {
            return Err(Refusal::SymbolicLink(link));
        }
        match std::fs::symlink_metadata(target) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                Err(Refusal::SymbolicLink(target.to_path_buf()))
            }
            Ok(metadata) => Staged::replacing(target, bytes, &metadata),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Staged::write(target, bytes, None)
            }
            Err(e) => Err(Refusal::Io("read the file's metadata", e)),
        }
    }

    fn replacing(
        target: &Path,
        bytes: &[u8],
        metadata: &std::fs::Metadata,
    ) -> Result<Staged, Refusal> {
        use std::os::unix::fs::MetadataExt;
        if !metadata.is_file() {
            return Err(Refusal::NotAFile);
        }
        if metadata.permissions().readonly() {
            return Err(Refusal::ReadOnly);
        }
        if metadata.nlink() > 1 {
            return Err(Refusal::HardLinks(metadata.nlink()));
        }
        // Opening for writing (not truncating) is the test the kernel applies to the rename too.
        std::fs::OpenOptions::new()
            .write(true)
            .open(target)
            .map_err(failed("open the file for writing"))?;
        Staged::write(target, bytes, Some(metadata))
    }

    /// The temporary file, with the mode, owner and group of the file it replaces, if any.
    fn write(
        target: &Path,
        bytes: &[u8],
        original: Option<&std::fs::Metadata>,
    ) -> Result<Staged, Refusal> {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = target.file_name().unwrap_or_default();
        remove_stale_temporaries(dir, name);
        let temporary = dir.join(temporary_name(name, std::process::id()));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(original.map_or(0o666, |m| m.mode() & 0o777))
            .open(&temporary)
            .map_err(failed("create a temporary file beside it"))?;
        let staged = Staged {
            target: target.to_path_buf(),
            temporary,
            renamed: false,
        };
        file.write_all(bytes)
            .map_err(failed("write the temporary file beside it"))?;
        if let Some(metadata) = original {
            let created = file
                .metadata()
                .map_err(failed("read the temporary file's metadata"))?;
            if (created.uid(), created.gid()) != (metadata.uid(), metadata.gid()) {
                std::os::unix::fs::fchown(&file, Some(metadata.uid()), Some(metadata.gid()))
                    .map_err(failed("keep the file's owner and group"))?;
            }
            // After the owner: changing it clears the set-user-ID and set-group-ID bits.
            file.set_permissions(std::fs::Permissions::from_mode(metadata.mode() & 0o7777))
                .map_err(failed("keep the file's mode"))?;
        }
        file.sync_all()
            .map_err(failed("write the temporary file beside it"))?;
        Ok(staged)
    }

    pub(crate) fn rename(&mut self) -> std::io::Result<()> {
        std::fs::rename(&self.temporary, &self.target)?;
        self.renamed = true;
        // Make the rename itself durable; a file system that cannot sync a directory still has it.
        if let Some(dir) = self.target.parent() {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// `.NAME.orion-lint-PID.tmp`: hidden, named after the file and the process writing it.
fn temporary_name(name: &std::ffi::OsStr, pid: u32) -> std::ffi::OsString {
    let mut temporary = temporary_prefix(name);
    temporary.push(format!("{pid}.tmp"));
    temporary
}

fn temporary_prefix(name: &std::ffi::OsStr) -> std::ffi::OsString {
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".orion-lint-");
    prefix
}

/// Remove the temporary files of `name` that a killed run left in `dir`: those of a process that
/// is gone (or of this process's PID, reused: it has written none yet).
fn remove_stale_temporaries(dir: &Path, name: &std::ffi::OsStr) {
    use std::os::unix::ffi::OsStrExt;
    // Without /proc there is no telling a live run from a dead one: leave them.
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = temporary_prefix(name);
    for entry in entries.flatten() {
        let pid = entry
            .file_name()
            .as_bytes()
            .strip_prefix(prefix.as_bytes())
            .and_then(|rest| rest.strip_suffix(b".tmp"))
            .and_then(|pid| std::str::from_utf8(pid).ok()?.parse::<u32>().ok());
        let Some(pid) = pid else { continue };
        let alive = pid != std::process::id() && Path::new("/proc").join(pid.to_string()).exists();
        if !alive && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A symbolic link on the way to `target` that lies inside the repository of the working
/// directory: a directory of the repository linked elsewhere. Links above the repository (a
/// linked home directory) are the user's own.
fn planted_link(target: &Path) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let root = crate::access::Boundary::of_project(&cwd.join("report"), &[])
        .root()
        .to_path_buf();
    // Each prefix of the path as written, not normalised: `reports/../x` goes through `reports`.
    let mut prefix = PathBuf::new();
    let prefixes: Vec<PathBuf> = cwd
        .join(target)
        .components()
        .map(|part| {
            prefix.push(part);
            prefix.clone()
        })
        .collect();
    prefixes
        .into_iter()
        .filter(|dir| {
            dir.symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink())
        })
        .find(|link| {
            link.parent()
                .and_then(|p| std::fs::canonicalize(p).ok())
                .is_some_and(|p| p.starts_with(&root))
        })
        // Shown as the user would write it.
        .map(|link| {
            link.strip_prefix(&cwd)
                .map_or(link.clone(), Path::to_path_buf)
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The names in `dir`, sorted: what a write left beside its target.
    pub(crate) fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn only_stale_temporaries_of_the_file_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let name = std::ffi::OsStr::new("compose.yaml");
        let live = temporary_name(name, 1); // init is always alive
        let dead = temporary_name(name, u32::MAX);
        let other = temporary_name(std::ffi::OsStr::new("other.yaml"), u32::MAX);
        for file in [&live, &dead, &other] {
            std::fs::write(dir.path().join(file), "").unwrap();
        }
        std::fs::write(dir.path().join(".compose.yaml.orion-lint-x.tmp"), "").unwrap();
        remove_stale_temporaries(dir.path(), name);
        assert_eq!(
            names(dir.path()),
            [
                ".compose.yaml.orion-lint-1.tmp",
                ".compose.yaml.orion-lint-x.tmp",
                ".other.yaml.orion-lint-4294967295.tmp"
            ]
        );
    }
}
