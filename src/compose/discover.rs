//! Finding compose files and grouping them into projects the way `docker compose` does in a
//! directory: the first default file found (`compose.yaml`, `compose.yml`, `docker-compose.yaml`,
//! `docker-compose.yml`) plus its `.override` file is one project; every other compose file is a
//! project of its own.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::LoadError;

/// The default file names, in the order Compose looks for them (compose-go `cli/options.go`).
pub const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// The override files Compose adds to the default file, the first one found.
pub const OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

pub(crate) const SKIPPED_DIRS: [&str; 3] = [".git", "target", "node_modules"];

/// Whether a file name looks like a compose file: `compose.yaml`, `docker-compose.prod.yml`,
/// `compose-dev.yaml`, `docker-compose.override.yml`, but not `composer.yml`.
pub fn is_compose_file_name(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".yml")
        .or_else(|| name.strip_suffix(".yaml"))
    else {
        return false;
    };
    let rest = stem
        .strip_prefix("docker-compose")
        .or_else(|| stem.strip_prefix("compose"));
    matches!(rest, Some(rest) if rest.is_empty() || rest.starts_with(['.', '-']))
}

/// The projects named by command-line paths. A directory is searched for compose files; a file
/// that is a default compose file or its override stands for the default project of its directory,
/// so that a base file and its override are always linted together; any other file is a project
/// of its own. Projects come out sorted by path, each once.
pub fn projects(paths: &[PathBuf]) -> Result<Vec<Vec<PathBuf>>, LoadError> {
    // Duplicates go once all are found (sorting, not a search of the list per project).
    let mut projects: Vec<Vec<PathBuf>> = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path)
            .map_err(|e| LoadError::in_file(path, format!("cannot read this path: {e}")))?;
        if metadata.is_dir() {
            projects.extend(walk(path).into_iter().flatten());
        } else if super::docs::find::is_markdown(path) {
            // A doc stands for the project it is checked against.
            projects.push(
                super::docs::find::compose_file_of(path)
                    .map_or_else(|| vec![path.to_path_buf()], |file| project_of_file(&file)),
            );
        } else {
            projects.push(project_of_file(path));
        }
    }
    for project in &mut projects {
        for file in project.iter_mut() {
            *file = super::mounts::normalize(file);
        }
    }
    projects.sort();
    projects.dedup();
    Ok(projects)
}

/// The project of one compose file: the default project of its directory when the file is the
/// default compose file or its override (so the two are linted together, as Compose reads them),
/// else the file alone. The file need not exist: text from stdin is linted as if it were there.
pub fn project_of_file(path: &Path) -> Vec<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new(""));
    let name = file_name(path);
    let mut names = list_compose_files(dir);
    if !names.iter().any(|n| n == name) {
        names.push(name.to_string());
        names.sort();
    }
    directory_projects(dir, &names)
        .into_iter()
        .find(|p| p.len() > 1 && p.iter().any(|f| file_name(f) == name))
        .unwrap_or_else(|| vec![path.to_path_buf()])
}

fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

/// The compose-file names in one directory.
fn list_compose_files(dir: &Path) -> Vec<String> {
    let read_dir = if dir.as_os_str().is_empty() {
        std::fs::read_dir(".")
    } else {
        std::fs::read_dir(dir)
    };
    let mut names: Vec<String> = read_dir
        .into_iter()
        .flatten()
        .flatten()
        // Follow symbolic links: `docker-compose.yml -> deploy/prod.yml` is common. Not only
        // regular files: a FIFO or a link out of the repository is refused when read, loudly.
        .filter(|e| std::fs::metadata(e.path()).is_ok_and(|m| !m.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_compose_file_name(n))
        .collect();
    names.sort();
    names
}

/// Every directory under `root` with compose files, as projects.
fn walk(root: &Path) -> Vec<Vec<Vec<PathBuf>>> {
    let mut dirs: Vec<PathBuf> = WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            !(e.file_type().is_dir()
                && e.depth() > 0
                && SKIPPED_DIRS.contains(&e.file_name().to_str().unwrap_or_default()))
        })
        .flatten()
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.into_path())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let names = list_compose_files(&dir);
            directory_projects(&dir, &names)
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// Group the compose files of one directory into projects.
fn directory_projects(dir: &Path, names: &[String]) -> Vec<Vec<PathBuf>> {
    let mut remaining: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut projects = Vec::new();
    if let Some(base) = DEFAULT_FILES.iter().find(|f| remaining.contains(f)) {
        let mut project = vec![*base];
        project.extend(OVERRIDE_FILES.iter().find(|f| remaining.contains(f)));
        remaining.retain(|n| !project.contains(n));
        projects.push(project);
    }
    projects.extend(remaining.into_iter().map(|name| vec![name]));
    projects
        .into_iter()
        .map(|names| names.into_iter().map(|n| dir.join(n)).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_file_names() {
        for name in [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yml",
            "docker-compose.yaml",
            "compose.override.yml",
            "docker-compose.prod.yml",
            "compose-dev.yml",
            "docker-compose-dev.yaml",
        ] {
            assert!(is_compose_file_name(name), "{name}");
        }
        for name in [
            "composer.yml",
            "compose.json",
            "docker-compose.yml.bak",
            "mycompose.yml",
            "compose",
        ] {
            assert!(!is_compose_file_name(name), "{name}");
        }
    }

    #[test]
    fn a_base_file_and_its_override_are_one_project() {
        let names = [
            "compose.override.yml",
            "compose.yaml",
            "docker-compose.prod.yml",
            "docker-compose.yml",
        ]
        .map(String::from);
        let projects = directory_projects(Path::new("d"), &names);
        assert_eq!(
            projects,
            vec![
                vec![
                    PathBuf::from("d/compose.yaml"),
                    PathBuf::from("d/compose.override.yml")
                ],
                vec![PathBuf::from("d/docker-compose.prod.yml")],
                vec![PathBuf::from("d/docker-compose.yml")],
            ]
        );
        let names = ["compose.yaml", "compose.override.yaml"].map(String::from);
        assert_eq!(
            directory_projects(Path::new(""), &names),
            vec![vec![
                PathBuf::from("compose.yaml"),
                PathBuf::from("compose.override.yaml")
            ]]
        );
    }
}
