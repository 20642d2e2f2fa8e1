//! Source files and byte spans.
//!
//! Every value orion-lint reports on keeps a [`Span`]: the file it was read from and the byte range of
//! the text a person edits. Line and column numbers are derived from spans only when rendering.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(u32);

/// A byte range in one file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub range: Range<usize>,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        Span { file, range }
    }

    pub fn len(&self) -> usize {
        self.range.len()
    }

    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// Whether `other` lies within this span, in the same file.
    pub fn contains(&self, other: &Span) -> bool {
        self.file == other.file
            && self.range.start <= other.range.start
            && other.range.end <= self.range.end
    }

    /// The sub-span `offset..offset + len` relative to the start of this span.
    pub fn sub(&self, range: Range<usize>) -> Span {
        let start = self.range.start + range.start;
        Span::new(self.file, start..start + range.len())
    }
}

/// A 1-based line and column; the column counts Unicode scalar values (characters), as editors do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// One file's text, its name for display, its identity and a line index.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave it or as discovered (relative to the working directory when possible).
    pub path: PathBuf,
    pub text: Arc<str>,
    /// What the file is to the projects that read it, tagged when it is read.
    pub kind: FileKind,
    /// The file's canonical path (symbolic links and `..` resolved), set when it is added to a
    /// [`SourceMap`]: one file reached through two paths is one file.
    canonical: PathBuf,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            canonical: path.clone(),
            path,
            text,
            kind: FileKind::Other,
            line_starts,
        }
    }

    /// The path that identifies the file: where `--fix` writes and what tells two paths to
    /// one file apart from two files.
    pub fn canonical_path(&self) -> &Path {
        &self.canonical
    }

    /// The path as shown to users: forward slashes, no leading `./`.
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// The byte offset at which each line starts, the first one at 0.
    pub(crate) fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }

    /// Line and column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        // A byte order mark is not part of the first line's text: editors do not count it.
        let start = match line {
            0 if self.text.starts_with('\u{feff}') => '\u{feff}'.len_utf8(),
            _ => self.line_starts[line],
        };
        let offset = offset.max(start);
        let column = self.text[start..floor_char_boundary(&self.text, offset)]
            .chars()
            .count()
            + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// Byte range of a 1-based line, without its line break.
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&next| next - 1);
        let end = if self.text[start..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        start..end
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Paths are shown with forward slashes and without a leading `./`, so that output is the same on
/// every platform and matches what CI systems expect.
pub fn display_path(path: &Path) -> String {
    let shown = path.to_string_lossy().replace('\\', "/");
    match shown.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => shown,
    }
}

/// The canonical path of `path`, or `path` itself when it cannot be resolved (it does not exist).
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// All files read while linting, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Each file by its canonical path; the first path a file was read through is the one shown.
    by_canonical: HashMap<PathBuf, FileId>,
}

/// What a file is, whatever its name: how its comments are found depends on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// A file read for another reason (`orion-lint.toml`, a test's input).
    #[default]
    Other,
    /// A mounted `redis.conf`.
    RedisConf,
    /// A mounted `postgresql.conf`.
    PostgresConf,
    /// A file of `NAME=value` lines: a project's `.env`, `--env-file`, an `env_file:`.
    EnvFile,
    /// A compose file: given, discovered, included or an `extends` file.
    Compose,
}

impl SourceMap {
    /// Record what a file is to a project that reads it. A file read in two roles keeps the
    /// later one in [`FileKind`]'s order: a compose file is one even when also read as an env
    /// file.
    pub fn tag(&mut self, id: FileId, kind: FileKind) {
        let file = &mut self.files[id.0 as usize];
        file.kind = file.kind.max(kind);
    }

    pub fn add(&mut self, mut file: SourceFile) -> FileId {
        file.canonical = canonical(&file.path);
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 4 billion files"));
        self.by_canonical
            .entry(file.canonical.clone())
            .or_insert(id);
        self.files.push(file);
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The id of an already loaded file reached through this path or another path to the same
    /// file (a symbolic link, `..`), if any.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.by_canonical.get(&canonical(path)).copied()
    }

    pub fn text(&self, span: &Span) -> &str {
        &self.get(span.file).text[span.range.clone()]
    }

    /// How many files have been read.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files in the order they were read.
    pub fn ids(&self) -> impl Iterator<Item = FileId> + use<> {
        (0..self.files.len() as u32).map(FileId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let f = SourceFile::new("a.yml".into(), "ab\nçé: x\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(2), LineCol { line: 1, column: 3 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // "çé" is four bytes: the colon is the third character.
        assert_eq!(f.line_col(7), LineCol { line: 2, column: 3 });
        assert_eq!(f.line_col(100), LineCol { line: 3, column: 1 });
    }

    #[test]
    fn a_byte_order_mark_takes_no_column() {
        let f = SourceFile::new("a.yml".into(), "\u{feff}ab: c\n");
        assert_eq!(f.line_col(3), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(7), LineCol { line: 1, column: 5 });
    }

    #[test]
    fn line_range_excludes_line_breaks() {
        let f = SourceFile::new("a.yml".into(), "one\r\ntwo\nthree");
        assert_eq!(&f.text[f.line_range(1)], "one");
        assert_eq!(&f.text[f.line_range(2)], "two");
        assert_eq!(&f.text[f.line_range(3)], "three");
    }

    #[test]
    fn a_file_reached_through_a_link_is_found_under_its_first_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("redis.conf"), "maxmemory 1mb\n").unwrap();
        std::os::unix::fs::symlink("redis.conf", dir.path().join("shared.conf")).unwrap();
        let mut sources = SourceMap::default();
        let first = dir.path().join("shared.conf");
        let id = sources.add(SourceFile::new(first.clone(), "maxmemory 1mb\n"));
        assert_eq!(sources.find(&dir.path().join("redis.conf")), Some(id));
        assert_eq!(sources.find(&dir.path().join("./shared.conf")), Some(id));
        assert_eq!(sources.find(&dir.path().join("other.conf")), None);
        assert_eq!(sources.get(id).path, first, "shown as first read");
        assert_eq!(
            sources.get(id).canonical_path(),
            dir.path().canonicalize().unwrap().join("redis.conf")
        );
    }

    #[test]
    fn display_path_is_portable() {
        assert_eq!(display_path(Path::new("./a/b.yml")), "a/b.yml");
        assert_eq!(display_path(Path::new("a\\b.yml")), "a/b.yml");
        assert_eq!(display_path(Path::new("b.yml")), "b.yml");
    }
}
