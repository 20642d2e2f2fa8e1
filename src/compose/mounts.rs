//! Files of the project that are mounted into a container (a `redis.conf`, a `postgresql.conf`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::access::{Boundary, Named, ReadFailure};
use crate::source::{FileId, SourceFile, SourceMap};
use crate::yaml::Node;

use super::NotRead;
use super::service::Service;

/// Config files larger than this are not read: real ones are a few kilobytes.
const MAX_CONFIG_SIZE: u64 = 1024 * 1024;

/// Where relative host paths start: each file's base directory (a file brought in by `extends`
/// or `include` has its own), else the project directory; and which files may be read.
pub struct Mounts<'a> {
    pub base_dirs: &'a HashMap<FileId, PathBuf>,
    pub project_dir: &'a Path,
    pub boundary: &'a Boundary,
    /// Mounted files the boundary refused, added to those of loading.
    pub not_read: Vec<NotRead>,
}

/// The host path mounted at `container_path` through a bind mount in `volumes:`, if any: either
/// the file itself (`./redis.conf:/etc/redis.conf`) or a directory containing it
/// (`./redis:/usr/local/etc/redis`); with the mount's span.
pub(crate) fn host_path<'s>(
    service: &'s Service,
    container_path: &str,
    mounts: &Mounts,
) -> Option<(PathBuf, &'s Node)> {
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
        let host = if rest.is_empty() {
            host
        } else {
            host.join(rest)
        };
        Some((host, volume.node))
    })
}

/// Read the project file mounted at `container_path` into the source map. `None` when nothing
/// from the project is mounted there, or the file is missing, too large or not UTF-8, or the
/// boundary refuses it (recorded in `mounts.not_read`).
pub fn read_mounted(
    service: &Service,
    container_path: &str,
    mounts: &mut Mounts,
    sources: &mut SourceMap,
) -> Option<FileId> {
    let (path, volume) = host_path(service, container_path, mounts)?;
    let path = normalize(&path);
    if let Some(id) = sources.find(&path) {
        return Some(id);
    }
    let bytes = match mounts
        .boundary
        .read(&path, MAX_CONFIG_SIZE, Named::InRepository)
    {
        Ok(bytes) => bytes,
        Err(ReadFailure::Refused(why)) => {
            mounts.not_read.push(NotRead {
                path,
                role: "the mounted config file",
                why,
                site: Some(volume.span.clone()),
                hidden: crate::hidden::value(sources, volume)
                    .map(|hidden| format!("`{}` ({hidden})", crate::hidden::written_form(volume))),
            });
            return None;
        }
        Err(ReadFailure::Io(_) | ReadFailure::TooLarge(_)) => return None,
    };
    let text = String::from_utf8(bytes).ok()?;
    Some(sources.add(SourceFile::new(path, text)))
}

pub use crate::access::normalize;

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
