//! Files of the project that are mounted into a container (a `redis.conf`, a `postgresql.conf`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::source::{FileId, SourceFile, SourceMap};

use super::service::Service;

/// Config files larger than this are not read: real ones are a few kilobytes.
const MAX_CONFIG_SIZE: u64 = 1024 * 1024;

/// Where relative host paths start: each file's base directory (a file brought in by `extends`
/// or `include` has its own), else the project directory.
pub struct Mounts<'a> {
    pub base_dirs: &'a HashMap<FileId, PathBuf>,
    pub project_dir: &'a Path,
}

/// The host path mounted at `container_path` through a bind mount in `volumes:`, if any: either
/// the file itself (`./redis.conf:/etc/redis.conf`) or a directory containing it
/// (`./redis:/usr/local/etc/redis`).
fn host_path(service: &Service, container_path: &str, mounts: &Mounts) -> Option<PathBuf> {
    service.volumes().into_iter().find_map(|volume| {
        let source = volume.source?;
        if !(source.starts_with('.') || source.starts_with('/') || source.starts_with('~')) {
            return None; // a named volume: its content is not in the repository
        }
        let target = volume.target.trim_end_matches('/');
        let rest = if container_path == target {
            ""
        } else {
            container_path.strip_prefix(target)?.strip_prefix('/')?
        };
        let base = mounts
            .base_dirs
            .get(&volume.node.span.file)
            .map_or(mounts.project_dir, PathBuf::as_path);
        let host = base.join(&source);
        Some(if rest.is_empty() {
            host
        } else {
            host.join(rest)
        })
    })
}

/// Read the project file mounted at `container_path` into the source map. `None` when nothing
/// from the project is mounted there, or the file is missing, too large or not UTF-8.
pub fn read_mounted(
    service: &Service,
    container_path: &str,
    mounts: &Mounts,
    sources: &mut SourceMap,
) -> Option<FileId> {
    let path = host_path(service, container_path, mounts)?;
    let path = normalize(&path);
    if let Some(id) = sources.find(&path) {
        return Some(id);
    }
    let metadata = std::fs::metadata(&path).ok()?;
    if !metadata.is_file() || metadata.len() > MAX_CONFIG_SIZE {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    Some(sources.add(SourceFile::new(path, text)))
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

    #[test]
    fn normalize_removes_dots() {
        assert_eq!(normalize(Path::new("./a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("../x/../y")), PathBuf::from("../y"));
        assert_eq!(normalize(Path::new(".")), PathBuf::from("."));
    }
}
