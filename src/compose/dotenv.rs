//! `.env` files as Compose reads them (compose-go `dotenv`), keeping the span of each value so
//! that a finding about a variable can point at its line.

use std::collections::HashMap;

use crate::source::{FileId, Span};

use super::interpolate::{self, Variable};

/// One `NAME=value` of a `.env` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub value: String,
    /// The value as written (inside its quotes, without an inline comment).
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotenvError {
    pub span: Span,
    pub message: String,
}

/// Parse a `.env` file. Values may refer to variables of the process environment (which win) and
/// to names set on earlier lines.
pub fn parse(
    file: FileId,
    text: &str,
    process: &HashMap<String, String>,
) -> Result<Vec<Entry>, DotenvError> {
    Parser {
        file,
        text,
        process,
        pos: 0,
        entries: Vec::new(),
    }
    .run()
}

struct Parser<'a> {
    file: FileId,
    text: &'a str,
    process: &'a HashMap<String, String>,
    pos: usize,
    entries: Vec<Entry>,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn error(&self, at: usize, message: String) -> DotenvError {
        DotenvError {
            span: Span::new(self.file, at..at),
            message,
        }
    }

    fn skip_while(&mut self, keep: impl Fn(char) -> bool) {
        let skipped = self.rest().find(|c| !keep(c)).unwrap_or(self.rest().len());
        self.pos += skipped;
    }

    fn run(mut self) -> Result<Vec<Entry>, DotenvError> {
        self.pos = usize::from(self.text.starts_with('\u{feff}')) * 3;
        loop {
            self.skip_while(char::is_whitespace);
            if self.pos >= self.text.len() {
                return Ok(self.entries);
            }
            if self.rest().starts_with('#') {
                self.skip_while(|c| c != '\n');
                continue;
            }
            if let Some(after) = self.rest().strip_prefix("export") {
                if after.starts_with([' ', '\t']) {
                    self.pos += "export".len();
                    self.skip_while(|c| c == ' ' || c == '\t');
                }
            }
            self.entry()?;
        }
    }

    fn entry(&mut self) -> Result<(), DotenvError> {
        let key_start = self.pos;
        let key_len = self
            .rest()
            .find(['=', ':', '\n', '\r'])
            .unwrap_or(self.rest().len());
        let key = self.rest()[..key_len].trim_end();
        if key.contains([' ', '\t']) {
            return Err(self.error(
                key_start,
                format!(
                    "{}: key cannot contain a space",
                    line_of(self.text, key_start)
                ),
            ));
        }
        if let Some(bad) = key
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '[' | ']')))
        {
            return Err(self.error(
                key_start,
                format!(
                    "{}: unexpected character {bad:?} in variable name {key:?}",
                    line_of(self.text, key_start)
                ),
            ));
        }
        let key = key.to_string();
        self.pos += key_len;
        if !self.rest().starts_with(['=', ':']) {
            // A bare name takes its value from the process environment, if any.
            if let Some(value) = self.process.get(&key) {
                let span = Span::new(self.file, key_start..key_start + key.len());
                self.push(key, value.clone(), span);
            }
            return Ok(());
        }
        self.pos += 1;
        self.skip_while(|c| c == ' ' || c == '\t');
        let (value, span) = match self.rest().chars().next() {
            Some(quote @ ('"' | '\'')) => self.quoted(quote)?,
            _ => self.unquoted()?,
        };
        self.push(key, value, span);
        Ok(())
    }

    fn push(&mut self, name: String, value: String, span: Span) {
        self.entries.retain(|e| e.name != name);
        self.entries.push(Entry { name, value, span });
    }

    fn quoted(&mut self, quote: char) -> Result<(String, Span), DotenvError> {
        let open = self.pos;
        let bytes = self.text.as_bytes();
        let mut i = open + 1;
        let close = loop {
            match bytes.get(i) {
                None => {
                    let line = self.text.lines().count() + 1;
                    return Err(self.error(
                        open,
                        format!(
                            "line {line}: unterminated quoted value {}",
                            &self.text[open..].lines().next().unwrap_or("")
                        ),
                    ));
                }
                Some(&b) if b == quote as u8 && bytes[i - 1] != b'\\' => break i,
                Some(_) => i += 1,
            }
        };
        let raw = &self.text[open + 1..close];
        self.pos = close + 1;
        let span = Span::new(self.file, open + 1..close);
        let value = if quote == '\'' {
            raw.replace("\\'", "'")
        } else {
            self.expand(&unescape(raw), open + 1)?
        };
        Ok((value, span))
    }

    fn unquoted(&mut self) -> Result<(String, Span), DotenvError> {
        let start = self.pos;
        let text = self.text;
        let line_len = self.rest().find(['\n', '\r']).unwrap_or(self.rest().len());
        let line = &text[start..start + line_len];
        // An inline comment needs a space before `#`.
        let content = line.find(" #").map_or(line, |i| &line[..i]);
        let value = content.trim();
        let value_start = start + (content.len() - content.trim_start().len());
        self.pos += line_len;
        let span = Span::new(self.file, value_start..value_start + value.len());
        Ok((self.expand(value, value_start)?, span))
    }

    /// Expand `$VAR` references: the process environment first, then earlier lines.
    fn expand(&self, value: &str, at: usize) -> Result<String, DotenvError> {
        if !value.contains('$') {
            return Ok(value.to_string());
        }
        let known: HashMap<&str, Variable> = self
            .entries
            .iter()
            .map(|e| {
                (
                    e.name.as_str(),
                    Variable {
                        value: e.value.clone(),
                        span: None,
                    },
                )
            })
            .chain(self.process.iter().map(|(k, v)| {
                (
                    k.as_str(),
                    Variable {
                        value: v.clone(),
                        span: None,
                    },
                )
            }))
            .collect();
        interpolate::interpolate(value, &|name| known.get(name))
            .map(|result| result.text)
            .map_err(|e| {
                self.error(
                    at + e.offset,
                    format!(
                        "{}: invalid interpolation format; escape a literal `$` as `$$`",
                        line_of(self.text, at)
                    ),
                )
            })
    }
}

/// `line N` of a byte offset, for messages that look like Compose's.
fn line_of(text: &str, offset: usize) -> String {
    format!("line {}", text[..offset].matches('\n').count() + 1)
}

/// Backslash escapes of double-quoted values: `\n`, `\t`, `\r`, `\\`, `\"`, `\$` (kept as `$$` so
/// that expansion leaves it literal) and octal `\0NNN`; any other escape stays as written.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('$') => out.push_str("$$"),
            Some('0') => {
                let mut code = 0u32;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(8)) {
                    code = code * 8 + d;
                    chars.next();
                }
                out.extend(char::from_u32(code));
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFile, SourceMap};

    fn parse_text(
        text: &str,
        process: &[(&str, &str)],
    ) -> Result<Vec<(String, String, String)>, DotenvError> {
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new(".env".into(), text));
        let process = process
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok(parse(file, text, &process)?
            .into_iter()
            .map(|e| (e.name, e.value, text[e.span.range].to_string()))
            .collect())
    }

    fn values(text: &str) -> Vec<(String, String)> {
        parse_text(text, &[("HOME", "/root")])
            .unwrap()
            .into_iter()
            .map(|(name, value, _)| (name, value))
            .collect()
    }

    fn value(text: &str) -> String {
        values(text).pop().expect("one entry").1
    }

    #[test]
    fn line_syntax_follows_compose() {
        // compose semantics notes 6.1, verified with Compose v2.40.3.
        assert_eq!(value("A=plain"), "plain");
        assert_eq!(value("B = spaced around"), "spaced around");
        assert_eq!(value("  S=indented"), "indented");
        assert_eq!(value("export C=exported"), "exported");
        assert_eq!(value("YAMLSTYLE: yaml value"), "yaml value");
        assert_eq!(value("T=a=b=c"), "a=b=c");
        assert_eq!(value("F=inline # comment"), "inline");
        assert_eq!(value("G=inline#nospace"), "inline#nospace");
        assert_eq!(value("TAB=a\t#c"), "a\t#c");
        assert_eq!(value("O="), "");
        assert_eq!(value("D=\"double quoted\""), "double quoted");
        assert_eq!(value("E='single quoted'"), "single quoted");
        assert_eq!(value("H=\"quoted\" # comment"), "quoted");
        assert_eq!(value("R=\"multi\nline\""), "multi\nline");
        assert_eq!(
            value("J=\"\\\" \\n \\t \\\\ \\$ \\0101\""),
            "\" \n \t \\ $ A"
        );
        assert_eq!(value("K='no $A \\n'"), "no $A \\n");
        assert_eq!(value("A='a\\'b'"), "a'b");
        assert_eq!(value("C=$$HOME"), "$HOME");
        assert_eq!(value("SH=$HOME"), "/root");
        assert_eq!(value("E='$$'"), "$$");
        assert_eq!(value("DUP=first\nDUP=second"), "second");
    }

    #[test]
    fn values_see_earlier_lines_only() {
        assert_eq!(
            values("A=x\nL=$A-expanded\nFWD=${LATER:-notyet}\nLATER=later\nN=${UNDEF:-dflt}"),
            [
                ("A".into(), "x".into()),
                ("L".into(), "x-expanded".into()),
                ("FWD".into(), "notyet".into()),
                ("LATER".into(), "later".into()),
                ("N".into(), "dflt".into())
            ]
        );
    }

    #[test]
    fn bare_names_come_from_the_process() {
        assert_eq!(
            values("HOME\nNOPE\n"),
            [("HOME".to_string(), "/root".to_string())]
        );
    }

    #[test]
    fn spans_cover_the_value_as_written() {
        let entries = parse_text("# c\nMEM=512m # limit\nQ=\"1g\"\n", &[]).unwrap();
        assert_eq!(entries[0], ("MEM".into(), "512m".into(), "512m".into()));
        assert_eq!(entries[1], ("Q".into(), "1g".into(), "1g".into()));
    }

    #[test]
    fn errors_name_the_line() {
        let error = parse_text("OK=1\nMY KEY=1\n", &[]).unwrap_err();
        assert!(
            error
                .message
                .starts_with("line 2: key cannot contain a space"),
            "{}",
            error.message
        );
        let error = parse_text("A=\"open\n", &[]).unwrap_err();
        assert!(
            error.message.contains("unterminated quoted value"),
            "{}",
            error.message
        );
    }
}
