//! Which Markdown docs a project is checked against, and reading them.
//!
//! A doc is a Markdown file named on the command line, one matched by `docs = [globs]` in
//! `orion-lint.toml` or `x-orion-lint` (relative to the file that says so), or, when a
//! directory is linted, a Markdown file under it with a memory budget table. A doc found in a
//! directory belongs to the project of the nearest directory above it with a compose file.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::access::{Named, ReadFailure};
use crate::compose::{LoadError, NotRead, Project};
use crate::config::Config;
use crate::source::{SourceFile, SourceMap};
use crate::yaml::Node;

use super::{Doc, ServiceNames};

/// A Markdown file that may be a doc: `named` when the user or a config chose it (it is
/// checked even without a budget table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    pub named: bool,
    /// The canonical directory of the project it belongs to, found once for every project.
    pub project_dir: Option<PathBuf>,
}

impl Candidate {
    pub fn new(path: PathBuf, named: bool) -> Candidate {
        let project_dir = project_dir_of(&path);
        Candidate {
            path,
            named,
            project_dir,
        }
    }
}

pub fn is_markdown(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

/// The Markdown files of command-line paths: named files, and the files under directories.
pub fn candidates(paths: &[PathBuf]) -> Vec<Candidate> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            found.extend(
                markdown_under(path)
                    .into_iter()
                    .map(|path| Candidate::new(path, false)),
            );
        } else if is_markdown(path) {
            found.push(Candidate::new(
                crate::compose::mounts::normalize(path),
                true,
            ));
        }
    }
    found
}

/// The Markdown files under a directory, sorted, skipping what discovery skips.
fn markdown_under(dir: &Path) -> Vec<PathBuf> {
    WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            !(e.file_type().is_dir()
                && e.depth() > 0
                && crate::compose::discover::SKIPPED_DIRS
                    .contains(&e.file_name().to_str().unwrap_or_default()))
        })
        .flatten()
        // Links too: one out of the repository is refused loudly when read.
        .filter(|e| !e.file_type().is_dir() && is_markdown(e.path()))
        .map(|e| crate::compose::mounts::normalize(e.path()))
        .collect()
}

/// The default compose file of the project a doc belongs to: in the nearest directory at or
/// above the doc's (as the path is written) that has one.
pub fn compose_file_of(doc: &Path) -> Option<PathBuf> {
    doc.ancestors().skip(1).find_map(|dir| {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        crate::compose::discover::DEFAULT_FILES
            .iter()
            .map(|f| dir.join(f))
            .find(|f| f.is_file())
    })
}

/// The canonical directory of the project a doc belongs to.
fn project_dir_of(doc: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(compose_file_of(doc)?.parent()?.join(".")).ok()
}

/// The docs of a project: candidates that belong to it and the files its `docs` globs match,
/// each read once through the project's boundary. A refused file is recorded in
/// `project.not_read` (reported as `file-not-read`).
pub fn load(
    project: &mut Project,
    config: Option<&Config>,
    candidates: &[Candidate],
    sources: &mut SourceMap,
) -> Result<Vec<Doc>, LoadError> {
    let project_dir = std::fs::canonicalize(project.dir.join(".")).ok();
    let mut chosen: Vec<Candidate> = candidates
        .iter()
        .filter(|c| project_dir.is_some() && c.project_dir == project_dir)
        .cloned()
        .collect();
    let block = project.root.get("x-orion-lint").and_then(|b| b.get("docs"));
    let config_docs = config.and_then(|c| c.root.get("docs").map(|n| (c, n)));
    if let Some(globs) = block {
        chosen.extend(globbed(&project.dir, globs, "x-orion-lint")?);
    }
    if let Some((config, globs)) = config_docs {
        let dir = sources
            .get(config.file)
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        chosen.extend(globbed(&dir, globs, crate::config::FILE_NAME)?);
    }
    let names = service_names(project);
    let mut docs: Vec<Doc> = Vec::new();
    for candidate in chosen {
        let Some(file) = read(project, &candidate.path, sources)? else {
            continue;
        };
        if docs.iter().any(|d| d.file == file) {
            continue;
        }
        let doc = super::parse(file, &sources.get(file).text, &names);
        if candidate.named || doc.has_budget_table() {
            docs.push(doc);
        }
    }
    Ok(docs)
}

fn service_names(project: &Project) -> ServiceNames {
    let project_name = project
        .root
        .get("name")
        .and_then(Node::as_str)
        .map(str::to_string)
        .or_else(|| {
            std::fs::canonicalize(project.dir.join("."))
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_default();
    ServiceNames {
        project: project_name,
        services: project
            .services
            .iter()
            .map(|s| {
                let container = s
                    .get("container_name")
                    .and_then(Node::as_str)
                    .map(str::to_string);
                (s.name.clone(), container)
            })
            .collect(),
    }
}

/// Read a doc through the project's boundary (or take the text a fix pass already holds).
fn read(
    project: &mut Project,
    path: &Path,
    sources: &mut SourceMap,
) -> Result<Option<crate::source::FileId>, LoadError> {
    if let Some(id) = sources.find(path) {
        return Ok(Some(id));
    }
    match project
        .boundary
        .read(path, crate::compose::MAX_FILE_SIZE, Named::InRepository)
    {
        Ok(bytes) => {
            let text = String::from_utf8(bytes).map_err(|e| {
                LoadError::in_file(
                    path,
                    format!(
                        "the doc is not UTF-8 (invalid byte at offset {}): save it as UTF-8, or leave it out of `docs`",
                        e.utf8_error().valid_up_to()
                    ),
                )
            })?;
            Ok(Some(sources.add(SourceFile::new(path.to_path_buf(), text))))
        }
        Err(ReadFailure::Refused(why)) => {
            project.not_read.push(NotRead {
                path: path.to_path_buf(),
                role: "the doc",
                why,
                site: None,
                hidden: None,
            });
            Ok(None)
        }
        Err(ReadFailure::Io(e)) => Err(LoadError::in_file(
            path,
            format!("cannot read the doc: {e}"),
        )),
        Err(ReadFailure::TooLarge(cap)) => Err(LoadError::in_file(
            path,
            format!(
                "the doc is larger than the {cap} bytes orion-lint reads: leave it out of `docs`"
            ),
        )),
    }
}

/// The Markdown files under `dir` that the `docs` globs match, relative to `dir`.
fn globbed(dir: &Path, globs: &Node, holder: &str) -> Result<Vec<Candidate>, LoadError> {
    let invalid = |node: &Node| {
        LoadError::at(
            node.span.clone(),
            format!(
                "`docs` in {holder} must be a list of glob patterns such as `[\"docs/*.md\"]`, not {}",
                node.kind_name()
            ),
        )
    };
    let items = globs.as_seq().ok_or_else(|| invalid(globs))?;
    let patterns: Vec<&str> = items
        .iter()
        .map(|item| item.as_str().ok_or_else(|| invalid(item)))
        .collect::<Result<_, _>>()?;
    let base = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    Ok(markdown_under(base)
        .into_iter()
        .filter(|path| {
            let relative = path
                .strip_prefix(crate::compose::mounts::normalize(base))
                .unwrap_or(path);
            let relative = relative.to_string_lossy().replace('\\', "/");
            patterns
                .iter()
                .any(|p| glob_matches(p.trim_start_matches("./"), &relative))
        })
        .map(|path| Candidate {
            path,
            named: true,
            project_dir: None,
        })
        .collect())
}

/// Whether a path matches a glob: `*` and `?` within one path segment, `**` across segments.
fn glob_matches(pattern: &str, path: &str) -> bool {
    fn segments(pattern: &[&str], path: &[&str]) -> bool {
        match pattern.split_first() {
            None => path.is_empty(),
            Some((&"**", rest)) => (0..=path.len()).any(|skip| segments(rest, &path[skip..])),
            Some((first, rest)) => path.split_first().is_some_and(|(segment, tail)| {
                segment_matches(first, segment) && segments(rest, tail)
            }),
        }
    }
    fn segment_matches(pattern: &str, text: &str) -> bool {
        let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
        // Classic two-pointer wildcard match: linear, no backtracking blow-up.
        let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
        while ti < t.len() {
            if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
                pi += 1;
                ti += 1;
            } else if pi < p.len() && p[pi] == '*' {
                star = Some(pi);
                mark = ti;
                pi += 1;
            } else if let Some(s) = star {
                pi = s + 1;
                mark += 1;
                ti = mark;
            } else {
                return false;
            }
        }
        p[pi..].iter().all(|&c| c == '*')
    }
    let mut pattern: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    pattern.dedup_by(|a, b| *a == "**" && *b == "**");
    let path: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments(&pattern, &path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn globs_match_segments_and_any_depth() {
        use super::glob_matches;
        assert!(glob_matches("docs/*.md", "docs/scaling.md"));
        assert!(!glob_matches("docs/*.md", "docs/ops/scaling.md"));
        assert!(glob_matches("docs/**/*.md", "docs/ops/scaling.md"));
        assert!(glob_matches("**/*.md", "README.md"));
        assert!(glob_matches("SCALING.md", "SCALING.md"));
        assert!(!glob_matches("*.md", "notes.txt"));
        assert!(glob_matches("d?cs/a*b*c.md", "docs/aXXbYYc.md"));
    }
}
