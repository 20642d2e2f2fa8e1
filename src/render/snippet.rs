//! Source text as renderers may show it. Every renderer that prints lines of a file takes them
//! from here, so that what is secret and what reaches a terminal is decided once:
//!
//! - values of keys that look secret (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`, `*KEY*`,
//!   `*CREDENTIAL*`, `*AUTH*`, `requirepass`, `masterauth`) and URL userinfo passwords are
//!   masked with `*`, byte for byte, so that spans keep their offsets;
//! - control characters other than tab and line breaks are escaped (`\u{1b}`), so that a file
//!   cannot move the cursor, set a window title or fake output;
//! - very long lines are clipped to windows around the labels, which miette cannot draw at
//!   column 65,536 or more.

use std::ops::Range;

use crate::source::SourceFile;

/// Longer lines are clipped around the labels.
const MAX_LINE: usize = 400;
/// How much of a clipped line is kept before a label's start and after its start.
const BEFORE: usize = 40;
const AFTER: usize = 160;
/// What stands for clipped text.
const ELLIPSIS: &str = "…";

/// Whether a key names a secret.
pub(crate) fn is_secret_key(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    ["PASSWORD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH"]
        .iter()
        .any(|word| upper.contains(word))
        || ["requirepass", "masterauth"].contains(&key.to_ascii_lowercase().as_str())
}

/// The byte ranges of `line` that hold secrets: the value after a secret-looking key (`KEY: v`,
/// `- KEY=v`, `KEY=v`, `requirepass v`, `--requirepass v`) and the password of URL userinfo.
fn secrets_in_line(line: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let bytes = line.as_bytes();
    let is_key_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    let mut i = 0;
    while i < bytes.len() {
        if !is_key_byte(bytes[i]) || (i > 0 && is_key_byte(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_key_byte(bytes[i]) {
            i += 1;
        }
        let key = line[start..i].trim_start_matches('-');
        if !is_secret_key(key) {
            continue;
        }
        // The separator: `: `, `=`, or spaces; a closing quote of a quoted key before it.
        let mut j = i;
        if matches!(bytes.get(j), Some(b'"' | b'\'')) {
            j += 1;
        }
        match bytes.get(j) {
            Some(b'=') => j += 1,
            Some(b':') if matches!(bytes.get(j + 1), None | Some(b' ' | b'\t')) => j += 1,
            // `requirepass value` (redis.conf, `--requirepass value`); other keys need `:` or `=`.
            Some(b' ' | b'\t')
                if ["requirepass", "masterauth"].contains(&key.to_ascii_lowercase().as_str()) => {}
            _ => continue,
        }
        while matches!(bytes.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        // The value runs to a comment, the end of a flow collection or the end of the line.
        let mut end = j;
        while end < bytes.len() && !matches!(bytes[end], b',' | b'}' | b']') {
            if bytes[end] == b'#' && end > j && matches!(bytes[end - 1], b' ' | b'\t') {
                break;
            }
            end += 1;
        }
        let value = line[j..end].trim_end();
        let value = value.split([' ', '\t']).next().unwrap_or_default();
        let trimmed = value.trim_matches(['"', '\'']);
        if !trimmed.is_empty() && !matches!(trimmed.as_bytes()[0], b'&' | b'*' | b'|' | b'>') {
            let offset = j + value.find(trimmed).unwrap_or(0);
            found.push(offset..offset + trimmed.len());
        }
        i = j.max(i);
    }
    // `scheme://user:password@host`
    let mut from = 0;
    while let Some(at) = line[from..].find("://") {
        let userinfo_start = from + at + 3;
        let rest = &line[userinfo_start..];
        let authority_end = rest
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        if let Some(at_sign) = authority.rfind('@') {
            if let Some(colon) = authority[..at_sign].find(':') {
                found.push(userinfo_start + colon + 1..userinfo_start + at_sign);
            }
        }
        from = userinfo_start;
    }
    found
}

/// How one character of the original text is shown.
fn shown_char(c: char, next: Option<char>) -> Option<String> {
    match c {
        '\t' | '\n' => None,
        '\r' if next == Some('\n') => None,
        c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
            Some(c.escape_unicode().to_string())
        }
        _ => None,
    }
}

/// Text with its control characters escaped, for messages and keys in text formats.
pub(crate) fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match shown_char(c, chars.peek().copied()) {
            Some(escaped) => out.push_str(&escaped),
            None => out.push(c),
        }
    }
    out
}

/// Text of a file with secrets masked, for formats that escape control characters themselves
/// (SARIF snippets).
pub(crate) fn masked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let mut line = line.to_string();
        let secrets = secrets_in_line(&line);
        for range in secrets {
            line.replace_range(range.clone(), &"*".repeat(range.len()));
        }
        out.push_str(&line);
    }
    out
}

/// A file as a snippet shows it, with a map from offsets in the file to offsets in the view.
/// Only the lines around `labels` are kept (snippets show one line of context); a run of other
/// lines becomes at most [`GAP_LINES`] empty lines, so that the view, and miette's scans of it,
/// grow with the labels and not with the file, while snippets stay apart.
pub(crate) struct View {
    pub(crate) text: String,
    /// `(offset in the file, offset in the view)` at each character of the kept lines and at
    /// the start of every line in the view, in increasing order of both.
    map: Vec<(usize, usize)>,
    /// `(offset in the view, 0-based line in the file)` at the start of every line in the view.
    lines: Vec<(usize, usize)>,
}

/// Empty lines that stand for a run of lines no label needs.
const GAP_LINES: usize = 2;

impl View {
    pub(crate) fn new(file: &SourceFile, labels: &[Range<usize>]) -> View {
        let text = &*file.text;
        let line_starts = file.line_starts();
        let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset) - 1;
        // The kept lines, as sorted inclusive ranges of line indexes.
        let mut kept: Vec<(usize, usize)> = labels
            .iter()
            .map(|label| {
                let (first, last) = (line_of(label.start), line_of(label.end));
                (
                    first.saturating_sub(1),
                    (last + 1).min(line_starts.len() - 1),
                )
            })
            .collect();
        kept.sort_unstable();
        let mut view = View {
            text: String::new(),
            map: Vec::new(),
            lines: Vec::new(),
        };
        let line_end = |index: usize| line_starts.get(index + 1).copied().unwrap_or(text.len());
        let mut next = 0;
        for (first, last) in kept {
            if last < next {
                continue;
            }
            // The skipped lines before these: all end with a line break.
            let gap = next..first.min(next + GAP_LINES);
            for (index, &start) in line_starts.iter().enumerate().take(gap.end).skip(gap.start) {
                view.start_line(start, index);
                view.text.push('\n');
            }
            for index in first.max(next)..=last {
                let start = line_starts[index];
                view.start_line(start, index);
                view.push_line(&text[start..line_end(index)], start, labels);
            }
            next = last + 1;
        }
        // The skipped lines after the last label: the last one may end without a line break.
        for index in next..line_starts.len().min(next + GAP_LINES) {
            view.start_line(line_starts[index], index);
            if text[line_starts[index]..line_end(index)].ends_with('\n') {
                view.text.push('\n');
            }
        }
        view.map.push((text.len(), view.text.len()));
        view
    }

    fn start_line(&mut self, start: usize, index: usize) {
        self.map.push((start, self.text.len()));
        self.lines.push((self.text.len(), index));
    }

    /// The 0-based line of the file at a view offset.
    pub(crate) fn file_line(&self, offset: usize) -> usize {
        let at = self.lines.partition_point(|&(v, _)| v <= offset);
        self.lines.get(at.saturating_sub(1)).map_or(0, |&(_, l)| l)
    }

    /// One kept line (with its line break), masked, escaped and clipped around the labels.
    fn push_line(&mut self, line: &str, start: usize, labels: &[Range<usize>]) {
        let secrets = secrets_in_line(line);
        let windows: Option<Vec<Range<usize>>> = (line.len() > MAX_LINE).then(|| {
            labels
                .iter()
                .filter(|l| l.start <= start + line.len() && l.end >= start)
                .map(|l| {
                    let at = l.start.saturating_sub(start).min(line.len());
                    at.saturating_sub(BEFORE)..(at + AFTER).min(line.len())
                })
                .chain(std::iter::once(0..BEFORE.min(line.len())))
                .collect()
        });
        let mut clipped = false;
        let mut chars = line.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            self.map.push((start + i, self.text.len()));
            let inside = windows
                .as_ref()
                .is_none_or(|w| w.iter().any(|r| r.contains(&i)) || c == '\n');
            if !inside {
                if !clipped {
                    self.text.push_str(ELLIPSIS);
                    clipped = true;
                }
                continue;
            }
            clipped = false;
            if start + i == 0 && c == '\u{feff}' {
                continue; // the byte order mark is not shown, nor counted in columns
            }
            if secrets.iter().any(|r| r.contains(&i)) {
                self.text.push_str(&"*".repeat(c.len_utf8()));
            } else {
                match shown_char(c, chars.peek().map(|&(_, n)| n)) {
                    Some(escaped) => self.text.push_str(&escaped),
                    None => self.text.push(c),
                }
            }
        }
    }

    /// The view offset of a file offset.
    pub(crate) fn offset(&self, offset: usize) -> usize {
        let at = self.map.partition_point(|&(o, _)| o <= offset);
        self.map.get(at.saturating_sub(1)).map_or(0, |&(_, v)| v)
    }

    pub(crate) fn range(&self, range: &Range<usize>) -> Range<usize> {
        let start = self.offset(range.start);
        start..self.offset(range.end).max(start)
    }

    /// The file offset of a view offset.
    pub(crate) fn file_offset(&self, offset: usize) -> usize {
        let at = self.map.partition_point(|&(_, v)| v <= offset);
        self.map.get(at.saturating_sub(1)).map_or(0, |&(o, _)| o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(text: &str) -> String {
        masked(text)
    }

    #[test]
    fn secret_values_are_masked_in_every_spelling() {
        assert_eq!(mask("DB_PASSWORD=hunter2\n"), "DB_PASSWORD=*******\n");
        assert_eq!(
            mask("  - STRIPE_KEY=sk_1 # c\n"),
            "  - STRIPE_KEY=**** # c\n"
        );
        assert_eq!(mask("    api_token: \"abc\"\n"), "    api_token: \"***\"\n");
        assert_eq!(mask("requirepass foo\n"), "requirepass ***\n");
        assert_eq!(
            mask("command: redis-server --requirepass pw --maxmemory 1g"),
            "command: redis-server --requirepass ** --maxmemory 1g"
        );
        assert_eq!(
            mask("url: postgresql://user:pw@db/x"),
            "url: postgresql://user:**@db/x"
        );
        assert_eq!(mask("mem_limit: 512m\n"), "mem_limit: 512m\n");
        assert_eq!(
            mask("--maxmemory-policy allkeys-lru --save x"),
            "--maxmemory-policy allkeys-lru --save x"
        );
        assert_eq!(mask("  keycloak:\n"), "  keycloak:\n");
        assert_eq!(
            mask("  <<: *auth\n  AUTH: *a\n"),
            "  <<: *auth\n  AUTH: *a\n"
        );
    }

    #[test]
    fn views_escape_controls_and_keep_offsets() {
        let text = "a: \u{1b}]0;x\u{7}\nDB_PASSWORD=pw\nb: 1\r\n";
        let view = View::new(
            &SourceFile::new("t.yml".into(), text),
            std::slice::from_ref(&(20..21)),
        );
        assert_eq!(view.text, "a: \\u{1b}]0;x\\u{7}\nDB_PASSWORD=**\nb: 1\r\n");
        let pw = text.find("pw").unwrap_or_default();
        assert_eq!(&view.text[view.range(&(pw..pw + 2))], "**");
        assert_eq!(view.file_offset(view.offset(pw)), pw);
    }

    #[test]
    fn long_lines_are_clipped_around_labels() {
        let text = format!("x: {}: b: c\n", "a".repeat(70_000));
        let colon = text.rfind(": b").unwrap_or_default();
        let view = View::new(
            &SourceFile::new("t.yml".into(), text.as_str()),
            std::slice::from_ref(&(colon..colon + 1)),
        );
        assert!(view.text.len() < 1_000, "{}", view.text.len());
        assert_eq!(&view.text[view.range(&(colon..colon + 3))], ": b");
    }

    /// The view of a long file is as long as its labels need, and says which line of the file
    /// each of its lines is, however far apart the labels are.
    #[test]
    fn views_leave_out_lines_no_label_needs() {
        let text: String = (1..=5_000).map(|i| format!("k{i}: v{i}\n")).collect();
        let at = |line: usize| text.find(&format!("k{line}:")).unwrap_or_default();
        let labels = [
            at(2)..at(2) + 2,
            at(2_500)..at(2_500) + 5,
            at(4_999)..at(4_999) + 5,
        ];
        let view = View::new(&SourceFile::new("t.yml".into(), text.as_str()), &labels);
        assert!(view.text.len() < 200, "{:?}", view.text);
        for (label, line) in labels.iter().zip([2, 2_500, 4_999]) {
            let shown = view.range(label);
            assert_eq!(&view.text[shown.clone()], &text[label.clone()]);
            assert_eq!(view.file_offset(shown.start), label.start);
            assert_eq!(view.file_line(shown.start) + 1, line);
            let before = view.text[..shown.start].rfind('\n').unwrap_or_default();
            assert_eq!(
                view.file_line(before) + 2,
                line,
                "the line before is kept too"
            );
        }
    }
}
