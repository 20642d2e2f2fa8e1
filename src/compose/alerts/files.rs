//! Finding and reading the rule files: those a `prometheus` service's `prometheus.yml` names
//! under `rule_files:` (container paths, mapped back to the project through its `volumes:`), and
//! those `alert-rules = [globs]` names in `orion-lint.toml` or `x-orion-lint`.

use std::path::{Path, PathBuf};

use crate::access::{Boundary, Named, ReadFailure};
use crate::compose::mounts::{self, Mounts};
use crate::compose::{LoadError, NotRead, Project, ProjectService};
use crate::config::Config;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::yaml::{self, Node};

use super::Threshold;

/// Rule files and `prometheus.yml` larger than this are refused: real ones are a few KiB.
const MAX_RULE_FILE_SIZE: u64 = 4 * 1024 * 1024;
/// A glob matching more files than this is cut there.
const MAX_GLOB_FILES: usize = 1000;
const DEFAULT_CONFIG: &str = "/etc/prometheus/prometheus.yml";

/// The thresholds of the rule files that the project's Prometheus services load.
pub(crate) fn mounted(
    root: &Node,
    dir: &Path,
    services: &[ProjectService],
    mounts: &mut Mounts,
    sources: &mut SourceMap,
) -> Result<Vec<Threshold>, LoadError> {
    let name = project_name(root, dir);
    let mut thresholds = Vec::new();
    for prometheus in services
        .iter()
        .filter(|s| s.image_name() == Some("prometheus"))
    {
        let config_path = config_file(prometheus);
        let Some((host, site)) = mounts::host_path(prometheus, &config_path, mounts) else {
            continue;
        };
        let site = site.span.clone();
        let Some(config) = read(
            &mounts::normalize(&host),
            &site,
            mounts.boundary,
            &mut mounts.not_read,
            sources,
        )?
        else {
            continue;
        };
        let Some(root) = parse(config, sources)? else {
            continue;
        };
        let container_dir = Path::new(&config_path).parent().unwrap_or(Path::new("/"));
        for pattern in root
            .get("rule_files")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(glob) = pattern.as_str() else {
                continue;
            };
            let container = mounts::normalize(&container_dir.join(glob));
            let (fixed, wild) = split_glob(&container);
            let Some((host_dir, _)) =
                mounts::host_path(prometheus, &fixed.to_string_lossy(), mounts)
            else {
                continue;
            };
            let site = pattern.span.clone();
            for file in expand(
                &mounts::normalize(&host_dir),
                &wild,
                &site,
                mounts.boundary,
                &mut mounts.not_read,
            ) {
                if let Some(id) =
                    read(&file, &site, mounts.boundary, &mut mounts.not_read, sources)?
                {
                    thresholds.extend(rule_file(id, sources, services, &name)?);
                }
            }
        }
    }
    Ok(thresholds)
}

/// The thresholds of the rule files `alert-rules` names in `x-orion-lint` (relative to the
/// project directory) and in `orion-lint.toml` (relative to its directory), with the files read.
pub(crate) fn configured(
    project: &mut Project,
    config: Option<&Config>,
    sources: &mut SourceMap,
) -> Result<Vec<FileId>, LoadError> {
    let mut lists: Vec<(Node, PathBuf)> = Vec::new();
    if let Some(list) = project.root.get_path(&["x-orion-lint", "alert-rules"]) {
        lists.push((list.clone(), project.dir.clone()));
    }
    if let Some(config) = config {
        if let Some(list) = config.root.get("alert-rules") {
            let path = &sources.get(config.file).path;
            let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
            lists.push((list.clone(), dir));
        }
    }
    let name = project_name(&project.root, &project.dir);
    let mut read_files = Vec::new();
    for (list, dir) in lists {
        let globs = list.as_seq().ok_or_else(|| {
            LoadError::at(
                list.span.clone(),
                "`alert-rules` must be a list of globs of Prometheus rule files, such as [\"prometheus/rules/*.yml\"]",
            )
        })?;
        for pattern in globs {
            let Some(glob) = pattern.as_str() else {
                return Err(LoadError::at(
                    pattern.span.clone(),
                    "each entry of `alert-rules` must be a glob (a string) such as \"prometheus/rules/*.yml\"",
                ));
            };
            let (fixed, wild) = split_glob(&mounts::normalize(&dir.join(glob)));
            let site = pattern.span.clone();
            let files = expand(
                &fixed,
                &wild,
                &site,
                &project.boundary,
                &mut project.not_read,
            );
            for file in files {
                let Some(id) = read(
                    &file,
                    &site,
                    &project.boundary,
                    &mut project.not_read,
                    sources,
                )?
                else {
                    continue;
                };
                if read_files.contains(&id) || project.alerts.iter().any(|t| t.span.file == id) {
                    continue;
                }
                read_files.push(id);
                let found = rule_file(id, sources, &project.services, &name)?;
                project.alerts.extend(found);
            }
        }
    }
    Ok(read_files)
}

/// The project name Compose gives containers: `name:`, else the directory's name, lowercased.
fn project_name(root: &Node, dir: &Path) -> String {
    let from_dir = || {
        std::fs::canonicalize(dir)
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default()
    };
    let name = root
        .get("name")
        .and_then(Node::as_str)
        .map_or_else(from_dir, String::from);
    name.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect()
}

/// `--config.file` of Prometheus's command line, else its default.
fn config_file(service: &ProjectService) -> String {
    let args = service.command().unwrap_or_default();
    args.iter()
        .enumerate()
        .find_map(|(i, arg)| {
            let rest = arg.text.strip_prefix("--config.file")?;
            match rest.strip_prefix('=') {
                Some(value) => Some(value.to_string()),
                None if rest.is_empty() => args.get(i + 1).map(|a| a.text.clone()),
                None => None,
            }
        })
        .unwrap_or_else(|| DEFAULT_CONFIG.to_string())
}

/// A path as the directory before its first component with a wildcard, and the components from
/// there.
fn split_glob(path: &Path) -> (PathBuf, Vec<String>) {
    let mut fixed = PathBuf::new();
    let mut wild = Vec::new();
    for component in path.components() {
        let text = component.as_os_str().to_string_lossy();
        if wild.is_empty() && !text.contains(['*', '?', '[']) {
            fixed.push(component);
        } else {
            wild.push(text.into_owned());
        }
    }
    (fixed, wild)
}

/// The files matching `dir/wild...`, sorted, as Prometheus's `filepath.Glob` finds them. A
/// directory the boundary refuses is not listed (recorded in `not_read`).
fn expand(
    dir: &Path,
    wild: &[String],
    site: &Span,
    boundary: &Boundary,
    not_read: &mut Vec<NotRead>,
) -> Vec<PathBuf> {
    let Some((pattern, rest)) = wild.split_first() else {
        return vec![dir.to_path_buf()];
    };
    // Only directories of the repository are listed (`--allow-outside` names files to read).
    if !boundary.may_write(dir) {
        let why = format!(
            "it is not a directory inside the repository `{}`",
            boundary.root().display()
        );
        refuse(
            not_read,
            dir,
            "the directory of Prometheus rule files",
            why,
            site,
        );
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.') && matches(pattern, name))
        .take(MAX_GLOB_FILES)
        .collect();
    names.sort();
    names
        .iter()
        .flat_map(|name| expand(&dir.join(name), rest, site, boundary, not_read))
        .filter(|path| !rest.is_empty() || !path.is_dir())
        .take(MAX_GLOB_FILES)
        .collect()
}

/// Whether `name` matches a glob component: `*`, `?` and `[...]` classes.
fn matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Iterative matching with one backtrack point for the last `*`: linear in practice.
    let (mut i, mut j, mut star): (usize, usize, Option<(usize, usize)>) = (0, 0, None);
    while j < n.len() {
        if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
            continue;
        }
        if i < p.len() {
            if let Some((matched, next)) = one(&p[i..], n[j]) {
                if matched {
                    i += next;
                    j += 1;
                    continue;
                }
            }
        }
        match star {
            Some((si, sj)) => {
                i = si + 1;
                j = sj + 1;
                star = Some((si, sj + 1));
            }
            None => return false,
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// Whether the pattern's first element matches `c`, and how many pattern characters it takes.
fn one(p: &[char], c: char) -> Option<(bool, usize)> {
    match p.first()? {
        '?' => Some((true, 1)),
        '[' => {
            let end = p.iter().skip(1).position(|&x| x == ']')? + 1;
            let class = &p[1..end];
            let (negated, class) = match class.first() {
                Some('^' | '!') => (true, &class[1..]),
                _ => (false, class),
            };
            let mut found = false;
            let mut k = 0;
            while k < class.len() {
                if k + 2 < class.len() && class[k + 1] == '-' {
                    found |= class[k] <= c && c <= class[k + 2];
                    k += 3;
                } else {
                    found |= class[k] == c;
                    k += 1;
                }
            }
            Some((found != negated, end + 1))
        }
        &x => Some((x == c, 1)),
    }
}

fn refuse(not_read: &mut Vec<NotRead>, path: &Path, role: &'static str, why: String, site: &Span) {
    not_read.push(NotRead {
        path: path.to_path_buf(),
        role,
        why,
        site: Some(site.clone()),
        hidden: None,
    });
}

/// Read a `prometheus.yml` or rule file into the source map. `None` when it does not exist, or
/// the boundary refuses it (recorded in `not_read`, so that `file-not-read` reports it); an
/// error when it is too large or not UTF-8.
fn read(
    path: &Path,
    site: &Span,
    boundary: &Boundary,
    not_read: &mut Vec<NotRead>,
    sources: &mut SourceMap,
) -> Result<Option<FileId>, LoadError> {
    if let Some(id) = sources.find(path) {
        return Ok(Some(id));
    }
    let bytes = match boundary.read(path, MAX_RULE_FILE_SIZE, Named::InRepository) {
        Ok(bytes) => bytes,
        Err(ReadFailure::Refused(why)) => {
            refuse(not_read, path, "the Prometheus file", why, site);
            return Ok(None);
        }
        Err(ReadFailure::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(ReadFailure::Io(e)) => {
            return Err(LoadError::in_file(
                path,
                format!("cannot read the Prometheus file: {e}"),
            ));
        }
        Err(ReadFailure::TooLarge(cap)) => {
            return Err(LoadError::in_file(
                path,
                format!(
                    "the file is larger than the {cap} bytes orion-lint reads: is it really a Prometheus config or rule file?"
                ),
            ));
        }
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        LoadError::in_file(
            path,
            format!(
                "the Prometheus file is not UTF-8 (invalid byte at offset {}): save it as UTF-8, as Prometheus requires",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    Ok(Some(sources.add(SourceFile::new(path.to_path_buf(), text))))
}

/// The first document of a Prometheus YAML file; an error naming the line when it is not YAML.
fn parse(file: FileId, sources: &SourceMap) -> Result<Option<Node>, LoadError> {
    let documents = yaml::parse(file, &sources.get(file).text).map_err(|e| {
        LoadError::at(
            e.span,
            format!(
                "{}: Prometheus cannot load this file either; fix its YAML",
                e.message
            ),
        )
    })?;
    Ok(documents.into_iter().next())
}

fn rule_file(
    file: FileId,
    sources: &SourceMap,
    services: &[ProjectService],
    project_name: &str,
) -> Result<Vec<Threshold>, LoadError> {
    match parse(file, sources)? {
        Some(root) => super::thresholds(file, sources, &root, services, project_name),
        None => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_components_match_as_filepath_glob_does() {
        assert!(matches("*.yml", "memory.yml"));
        assert!(!matches("*.yml", "memory.yaml"));
        assert!(matches("alert?.y*ml", "alert1.yaml"));
        assert!(matches("[a-c]*.rules", "b.rules"));
        assert!(!matches("[!a-c]*.rules", "b.rules"));
        assert!(matches("exact.yml", "exact.yml"));
        assert!(!matches(
            "*a*b",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac"
        ));
    }

    #[test]
    fn globs_split_at_their_first_wildcard() {
        let (fixed, wild) = split_glob(Path::new("/etc/prometheus/rules/*/x.yml"));
        assert_eq!(fixed, PathBuf::from("/etc/prometheus/rules"));
        assert_eq!(wild, ["*", "x.yml"]);
    }
}
