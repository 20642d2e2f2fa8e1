//! `orion-lint.toml`: settings shared by the compose files of a repository.
//!
//! The file that applies to a project is the first `orion-lint.toml` found in the project
//! directory (the directory of its first compose file) or its parents, up to the repository root
//! (see `crate::access`: the nearest directory containing `.git`, else the project directory). It takes the keys of the
//! `x-orion-lint` block; a compose file's own block and the command line win over it.
//!
//! The file is read as a tree of [`Node`]s with spans in the TOML text, so that the settings code
//! reads it exactly as it reads an `x-orion-lint` block, and every error points at a line of it.

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::access::{Boundary, Named};
use crate::compose::{self, LoadError};
use crate::source::{FileId, SourceMap, Span};
use crate::yaml::{Entry, Node, Scalar, Style, Value};

pub const FILE_NAME: &str = "orion-lint.toml";

/// The keys of `orion-lint.toml` (and of the `x-orion-lint` block).
pub const KEYS: [&str; 9] = [
    "plan",
    "docs",
    "os-reserve",
    "redis-headroom",
    "profiles",
    "severity",
    "select",
    "ignore",
    "alert-rules",
];

/// A loaded `orion-lint.toml`.
#[derive(Clone, Debug)]
pub struct Config {
    pub file: FileId,
    /// The top-level table.
    pub root: Node,
}

/// The `orion-lint.toml` that applies to compose files in `dir`, if any: never one above the
/// repository root. The path is relative to the working directory when `dir` is relative and the
/// file is under the working directory.
pub fn find(dir: &Path, boundary: &Boundary) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let absolute =
        std::fs::canonicalize(dir).unwrap_or_else(|_| compose::mounts::normalize(&cwd.join(dir)));
    absolute
        .ancestors()
        .take_while(|d| d.starts_with(boundary.root()))
        .map(|d| d.join(FILE_NAME))
        // `exists`: a FIFO or a link out of the repository is found, and refused when read.
        .find(|candidate| boundary.exists(candidate))
        .map(|candidate| match candidate.strip_prefix(&cwd) {
            Ok(relative) if dir.is_relative() => relative.to_path_buf(),
            _ => candidate,
        })
}

/// Read and check `orion-lint.toml`: TOML syntax and the top-level keys. The values are checked
/// where they are read (see [`crate::settings`]), against the same rules as `x-orion-lint`.
pub fn load(
    path: &Path,
    boundary: &Boundary,
    sources: &mut SourceMap,
) -> Result<Config, LoadError> {
    let file = compose::read_source(path, boundary, Named::InRepository, sources)?;
    let text = sources.get(file).text.clone();
    let table = DeTable::parse(&text).map_err(|e| {
        let range = e.span().unwrap_or(0..0);
        let message = e.message().trim_end().replace('\n', "; ");
        LoadError::at(Span::new(file, range), format!("invalid TOML: {message}"))
    })?;
    let root = table_node(file, table.get_ref(), table.span());
    check_keys(&root)?;
    Ok(Config { file, root })
}

fn check_keys(root: &Node) -> Result<(), LoadError> {
    for entry in root.as_map().unwrap_or_default() {
        let key = entry.key.as_str().unwrap_or_default();
        if key == "services" || key == "grow" {
            return Err(LoadError::at(
                entry.key.span.clone(),
                format!(
                    "`{key}` (rescale policies) cannot be set in `{FILE_NAME}`: it belongs to one compose file, in its `x-orion-lint` block"
                ),
            ));
        }
        if !KEYS.contains(&key) {
            let hint = crate::did_you_mean(key, KEYS, || {
                format!("valid keys are {}", crate::selection::quoted_list(&KEYS))
            });
            return Err(LoadError::at(
                entry.key.span.clone(),
                format!("unknown key `{key}` in `{FILE_NAME}`: {hint}"),
            ));
        }
    }
    Ok(())
}

fn node(file: FileId, value: Value, range: std::ops::Range<usize>) -> Node {
    Node::synthetic(value, Span::new(file, range))
}

fn scalar(text: String, style: Style) -> Value {
    Value::Scalar(Scalar {
        text,
        style,
        core_tag: None,
        substitution: None,
    })
}

fn table_node(file: FileId, table: &DeTable<'_>, range: std::ops::Range<usize>) -> Node {
    let mut entries: Vec<Entry> = table
        .iter()
        .map(|(key, value)| Entry {
            key: node(
                file,
                scalar(key.get_ref().to_string(), Style::DoubleQuoted),
                key.span(),
            ),
            value: value_node(file, value),
        })
        .collect();
    // The parser sorts keys; messages should follow the file.
    entries.sort_by_key(|e| e.key.span.range.start);
    node(file, Value::Map(entries), range)
}

/// A TOML value as the YAML tree would hold it: strings are quoted scalars (always strings),
/// numbers and booleans plain scalars (typed the way YAML types them).
fn value_node(file: FileId, value: &Spanned<DeValue<'_>>) -> Node {
    let range = value.span();
    let plain = |text: String| node(file, scalar(text, Style::Plain), range.clone());
    match value.get_ref() {
        DeValue::String(s) => node(file, scalar(s.to_string(), Style::DoubleQuoted), range),
        DeValue::Integer(i) => {
            match i128::from_str_radix(&i.as_str().replace('_', ""), i.radix()) {
                Ok(n) => plain(n.to_string()),
                Err(_) => node(
                    file,
                    scalar(i.as_str().to_string(), Style::DoubleQuoted),
                    range,
                ),
            }
        }
        DeValue::Float(f) => plain(f.as_str().replace('_', "")),
        DeValue::Boolean(b) => plain(b.to_string()),
        DeValue::Datetime(d) => node(file, scalar(d.to_string(), Style::DoubleQuoted), range),
        DeValue::Array(items) => node(
            file,
            Value::Seq(items.iter().map(|i| value_node(file, i)).collect()),
            range,
        ),
        DeValue::Table(table) => table_node(file, table, range),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::yaml::Resolved;

    fn load_text(text: &str) -> (Result<Config, LoadError>, SourceMap) {
        let dir = tempfile_dir();
        let path = dir.join(FILE_NAME);
        std::fs::write(&path, text).unwrap();
        let mut sources = SourceMap::default();
        let result = load(&path, &Boundary::of_project(&path, &[]), &mut sources);
        std::fs::remove_dir_all(&dir).unwrap();
        (result, sources)
    }

    fn tempfile_dir() -> PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "orion-lint-config-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn values_become_spanned_nodes() {
        let text = "plan = \"cax11\"\nos-reserve = 536870912\nredis-headroom = 0.6\nprofiles = [\"full\"]\n\n[severity]\nmem-limit-missing = \"error\"\n";
        let (config, _) = load_text(text);
        let root = config.unwrap().root;
        let get = |k: &str| root.get(k).unwrap();
        assert_eq!(get("plan").resolve(), Some(Resolved::Str("cax11")));
        assert_eq!(&text[get("plan").span.range.clone()], "\"cax11\"");
        assert_eq!(
            get("os-reserve").resolve(),
            Some(Resolved::Int(536_870_912))
        );
        assert_eq!(get("redis-headroom").resolve(), Some(Resolved::Float(0.6)));
        assert_eq!(get("profiles").as_seq().unwrap().len(), 1);
        let severity = get("severity").entry("mem-limit-missing").unwrap();
        assert_eq!(&text[severity.key.span.range.clone()], "mem-limit-missing");
        assert_eq!(severity.value.as_str(), Some("error"));
        let keys: Vec<_> = root
            .as_map()
            .unwrap()
            .iter()
            .map(|e| e.key.as_str().unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "plan",
                "os-reserve",
                "redis-headroom",
                "profiles",
                "severity"
            ]
        );
    }

    #[test]
    fn syntax_errors_and_unknown_keys_point_at_the_text() {
        let (result, sources) = load_text("plan = \"cax11\"\nos_reserve = \"1g\"\n");
        let error = result.unwrap_err();
        assert_eq!(
            error.message,
            "unknown key `os_reserve` in `orion-lint.toml`: did you mean `os-reserve`?"
        );
        assert_eq!(sources.text(error.span.as_ref().unwrap()), "os_reserve");

        let (result, sources) = load_text("plan = \"cax11\"\nselect = [\n");
        let error = result.unwrap_err();
        assert!(
            error.message.starts_with("invalid TOML: "),
            "{}",
            error.message
        );
        let span = error.span.unwrap();
        let file: &SourceFile = sources.get(span.file);
        assert_eq!(file.line_col(span.range.start).line, 2, "{}", error.message);
    }

    #[test]
    fn the_search_stops_at_the_repository_root() {
        let root = tempfile_dir();
        let repo = root.join("repo");
        let deploy = repo.join("deploy/prod");
        std::fs::create_dir_all(&deploy).unwrap();
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        let boundary = Boundary::of_project(&deploy.join("compose.yaml"), &[]);
        // Outside the repository: never read.
        std::fs::write(root.join(FILE_NAME), "").unwrap();
        assert_eq!(find(&deploy, &boundary), None);
        std::fs::write(repo.join(FILE_NAME), "").unwrap();
        assert_eq!(find(&deploy, &boundary), Some(repo.join(FILE_NAME)));
        std::fs::write(repo.join("deploy").join(FILE_NAME), "").unwrap();
        assert_eq!(
            find(&deploy, &boundary),
            Some(repo.join("deploy").join(FILE_NAME))
        );
        // Without `.git`, the project directory is the repository.
        std::fs::remove_dir_all(repo.join(".git")).unwrap();
        std::fs::remove_file(repo.join("deploy").join(FILE_NAME)).unwrap();
        let boundary = Boundary::of_project(&deploy.join("compose.yaml"), &[]);
        assert_eq!(find(&deploy, &boundary), None);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
