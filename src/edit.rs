//! Edit builders: the edits rules (and the rescale) attach to their findings, written in the
//! file's own style. Below the rules and the fix engine, which applies them ([`crate::fix`]).

use std::path::PathBuf;

use crate::access::Boundary;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::source::{SourceMap, Span};
use crate::yaml::{self, Node, Value};

/// An edit replacing a value written at `span`, keeping its quotes, provided the text there
/// still reads `expected` (a guard against spans that do not cover exactly one value, such as a
/// word of an interpolated command).
pub fn replace_value(
    sources: &SourceMap,
    span: &Span,
    expected: &str,
    replacement: &str,
) -> Option<Edit> {
    let written = sources.text(span);
    let quoted = written.len() == expected.len() + 2
        && matches!(written.as_bytes()[0], b'"' | b'\'')
        && written.as_bytes()[0] == written.as_bytes()[written.len() - 1]
        && &written[1..written.len() - 1] == expected;
    let span = if written.is_empty() {
        // A value written as nothing (`- !`, `key:`) has no place of its own: its span may sit on
        // the next line, where inserted text would change the YAML.
        return None;
    } else if written == expected {
        span.clone()
    } else if quoted {
        span.sub(1..written.len() - 1)
    } else {
        return None;
    };
    Some(Edit {
        span,
        replacement: replacement.to_string(),
    })
}

/// An edit appending words to a command written as a string (`redis-server --port 6379`) or a
/// list (flow `[...]` or block `- ...`), in the command's own style. `None` for an interpolated
/// command, a string command that Compose cuts short at a shell operator (`read_whole` false: the
/// words would be dropped), or one whose layout is not recognised.
pub fn append_args(
    sources: &SourceMap,
    command: &Node,
    read_whole: bool,
    words: &[&str],
) -> Option<Edit> {
    let text = &sources.get(command.span.file).text;
    let written = sources.text(&command.span);
    let end = command.span.range.end;
    let insert = |at: usize, replacement: String| Edit {
        span: Span::new(command.span.file, at..at),
        replacement,
    };
    match &command.value {
        Value::Scalar(scalar)
            if scalar.substitution.is_none() && !written.contains('\n') && read_whole =>
        {
            let quoted = matches!(
                scalar.style,
                yaml::Style::SingleQuoted | yaml::Style::DoubleQuoted
            );
            let at = if quoted { end - 1 } else { end };
            Some(insert(at, format!(" {}", words.join(" "))))
        }
        Value::Seq(items) if written.starts_with('[') && written.ends_with(']') => {
            let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
            let separator = if items.is_empty() { "" } else { ", " };
            Some(insert(end - 1, format!("{separator}{}", quoted.join(", "))))
        }
        Value::Seq(items) => {
            let last = items.last()?;
            let line_start = text[..last.span.range.start]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let prefix = &text[line_start..last.span.range.start];
            if !prefix.trim_start().starts_with('-')
                || prefix.trim_start().trim_start_matches('-').trim() != ""
            {
                return None;
            }
            let line_end = text[last.span.range.end..]
                .find('\n')
                .map_or(text.len(), |i| last.span.range.end + i);
            let lines: String = words.iter().map(|w| format!("\n{prefix}{w}")).collect();
            Some(insert(line_end, lines))
        }
        _ => None,
    }
}

/// An edit adding `key: value` as a new line after a mapping entry of a block mapping, at the
/// same indentation.
pub fn insert_entry_after(
    sources: &SourceMap,
    entry: &crate::yaml::Entry,
    key: &str,
    value: &str,
) -> Option<Edit> {
    let text = &sources.get(entry.key.span.file).text;
    let key_start = entry.key.span.range.start;
    let line_start = text[..key_start].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..key_start];
    if !indent.chars().all(|c| c == ' ') || entry.value.span.file != entry.key.span.file {
        return None;
    }
    let value_end = entry.value.span.range.end.max(entry.key.span.range.end);
    let line_end = text[value_end..]
        .find('\n')
        .map_or(text.len(), |i| value_end + i);
    Some(Edit {
        span: Span::new(entry.key.span.file, line_end..line_end),
        replacement: format!("\n{indent}{key}: {value}"),
    })
}

/// A fix replacing one value.
pub fn single(title: String, applicability: Applicability, edit: Edit) -> Fix {
    Fix {
        title,
        applicability,
        edits: vec![edit],
    }
}

/// The safe fix writing `new` in a doc's place of a stale value (a table cell, a stated value).
pub(crate) fn rewrite_in_doc(span: &Span, new: String) -> Fix {
    single(
        format!("write {new} in the doc"),
        Applicability::Safe,
        Edit {
            span: span.clone(),
            replacement: new,
        },
    )
}

/// The file outside the repository that a fix would edit, if any: orion-lint never writes there
/// (a mounted `/srv/redis.conf` read with `--allow-outside`, a compose file linked from outside).
pub(crate) fn file_outside(fix: &Fix, boundary: &Boundary, sources: &SourceMap) -> Option<PathBuf> {
    fix.edits
        .iter()
        .map(|e| &sources.get(e.span.file).path)
        .find(|path| !boundary.may_write(path))
        .cloned()
}

/// The edit inserting `| service | size | |` after `row`, with its indentation and pipes.
pub(crate) fn insert_table_row(
    file: crate::source::FileId,
    table: &crate::compose::docs::Table,
    row: &crate::compose::docs::Row,
    service: &str,
    bytes: u64,
) -> Option<Edit> {
    let size = row.size.as_ref()?.0.rewrite(bytes)?;
    let cells: Vec<String> = (0..table.columns)
        .map(|c| match c {
            c if c == table.name_column => service.to_string(),
            c if c == table.size_column => size.clone(),
            _ => String::new(),
        })
        .collect();
    let body = cells
        .iter()
        .map(|c| {
            if c.is_empty() {
                " ".to_string()
            } else {
                format!(" {c} ")
            }
        })
        .collect::<Vec<_>>()
        .join("|");
    let line = if row.piped {
        format!("|{body}|")
    } else {
        body.trim().to_string()
    };
    Some(Edit {
        span: Span::new(file, row.line_end..row.line_end),
        replacement: format!("\n{}{}", row.indent, line),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn replace_value_keeps_quotes_and_refuses_other_text() {
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new("c.yml".into(), "a: \"512M\"\nb: 768m\n"));
        let quoted = replace_value(&sources, &Span::new(id, 3..9), "512M", "1G").unwrap();
        assert_eq!(quoted.span.range, 4..8);
        let plain = replace_value(&sources, &Span::new(id, 13..17), "768m", "1536m").unwrap();
        assert_eq!(plain.span.range, 13..17);
        assert!(replace_value(&sources, &Span::new(id, 10..17), "768m", "1g").is_none());
        assert!(replace_value(&sources, &Span::new(id, 18..18), "", "1g").is_none());
    }
}
