//! What the server sends, converted from a report: byte offsets to LSP positions in the
//! negotiated encoding, paths to `file:` URIs and back, diagnostics and fixes to their LSP
//! forms. Nothing here decides what is found.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position, Range,
    TextEdit, Uri,
};

use crate::compose::LoadError;
use crate::diagnostic::{Diagnostic, Edit, Label, Severity};
use crate::render::escape_controls;
use crate::source::{SourceMap, Span};

/// How the client counts columns: LSP's default is UTF-16 code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// The width of `text` in this encoding's units.
    fn width(self, text: &str) -> usize {
        match self {
            Encoding::Utf8 => text.len(),
            Encoding::Utf16 => text.encode_utf16().count(),
        }
    }
}

/// The position of byte `offset` of `text` (clamped into it, and back to a character boundary).
pub(crate) fn position(text: &str, offset: usize, encoding: Encoding) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..line_start].matches('\n').count();
    Position::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(encoding.width(&text[line_start..offset])).unwrap_or(u32::MAX),
    )
}

/// The byte offset of a position in `text`: past a line's end is its end, past the last line
/// the end of the text.
pub(crate) fn offset(text: &str, position: Position, encoding: Encoding) -> usize {
    let Some(line_start) = text
        .split_inclusive('\n')
        .scan(0, |start, line| {
            let this = *start;
            *start += line.len();
            Some(this)
        })
        .chain(text.ends_with('\n').then_some(text.len()))
        .nth(position.line as usize)
    else {
        return text.len();
    };
    let line = text[line_start..].split('\n').next().unwrap_or_default();
    let mut units = 0;
    for (i, c) in line.char_indices() {
        if units >= position.character as usize {
            return line_start + i;
        }
        units += match encoding {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        };
    }
    line_start + line.len()
}

pub(crate) fn range(sources: &SourceMap, span: &Span, encoding: Encoding) -> Range {
    let text = &sources.get(span.file).text;
    Range::new(
        position(text, span.range.start, encoding),
        position(text, span.range.end, encoding),
    )
}

/// The `file:` URI of an absolute path, its bytes outside the unreserved set percent-encoded.
pub(crate) fn uri(path: &Path) -> Option<Uri> {
    let mut text = String::from("file://");
    for &byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            text.push(char::from(byte));
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&text).ok()
}

/// The path of a `file:` URI on this machine, if it is one.
pub(crate) fn path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let start = rest.find('/')?;
    if !matches!(&rest[..start], "" | "localhost") {
        return None;
    }
    let encoded = rest[start..].split(['?', '#']).next().unwrap_or_default();
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut input = encoded.bytes();
    while let Some(byte) = input.next() {
        if byte != b'%' {
            bytes.push(byte);
            continue;
        }
        let hex: Vec<u8> = input.by_ref().take(2).collect();
        let value = std::str::from_utf8(&hex)
            .ok()
            .and_then(|h| u8::from_str_radix(h, 16).ok())?;
        bytes.push(value);
    }
    use std::os::unix::ffi::OsStringExt;
    Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// What every diagnostic the server sends says about itself.
const SOURCE: &str = "orion-lint";

/// A finding as LSP shows it: its rule as the code, the human renderer's message, the secondary
/// labels as related information (`uri_of` names their files).
pub(crate) fn diagnostic(
    finding: &Diagnostic,
    sources: &SourceMap,
    encoding: Encoding,
    uri_of: &impl Fn(&Path) -> Option<Uri>,
) -> lsp_types::Diagnostic {
    lsp_types::Diagnostic {
        range: range(sources, &finding.primary.span, encoding),
        severity: Some(severity(finding.severity)),
        code: Some(NumberOrString::String(finding.rule.to_string())),
        source: Some(SOURCE.to_string()),
        message: escape_controls(&finding.message),
        related_information: related(&finding.secondary, sources, encoding, uri_of),
        ..lsp_types::Diagnostic::default()
    }
}

/// A project that could not be read, as an Error at its place (the first line of its file when
/// it has no span).
pub(crate) fn load_error(
    error: &LoadError,
    sources: &SourceMap,
    encoding: Encoding,
    uri_of: &impl Fn(&Path) -> Option<Uri>,
) -> lsp_types::Diagnostic {
    lsp_types::Diagnostic {
        range: error
            .span
            .as_ref()
            .map_or_else(Range::default, |span| range(sources, span, encoding)),
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some(SOURCE.to_string()),
        message: escape_controls(&error.message),
        related_information: related(&error.related, sources, encoding, uri_of),
        ..lsp_types::Diagnostic::default()
    }
}

fn related(
    labels: &[Label],
    sources: &SourceMap,
    encoding: Encoding,
    uri_of: &impl Fn(&Path) -> Option<Uri>,
) -> Option<Vec<DiagnosticRelatedInformation>> {
    let related: Vec<DiagnosticRelatedInformation> = labels
        .iter()
        .filter_map(|label| {
            Some(DiagnosticRelatedInformation {
                location: Location::new(
                    uri_of(&sources.get(label.span.file).path)?,
                    range(sources, &label.span, encoding),
                ),
                message: escape_controls(&label.message),
            })
        })
        .collect();
    (!related.is_empty()).then_some(related)
}

/// An edit of a fix, against the text that was linted.
pub(crate) fn text_edit(edit: &Edit, sources: &SourceMap, encoding: Encoding) -> TextEdit {
    TextEdit::new(
        range(sources, &edit.span, encoding),
        edit.replacement.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units_or_bytes() {
        let text = "a: \"😀é\" x\nb: 1\n";
        let x = text.find('x').unwrap();
        assert_eq!(position(text, x, Encoding::Utf16), Position::new(0, 9));
        assert_eq!(position(text, x, Encoding::Utf8), Position::new(0, 12));
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            assert_eq!(offset(text, position(text, x, encoding), encoding), x);
        }
        let b = text.find('b').unwrap();
        assert_eq!(position(text, b, Encoding::Utf16), Position::new(1, 0));
        assert_eq!(offset(text, Position::new(1, 0), Encoding::Utf16), b);
        // Past a line's end, past the text's end.
        assert_eq!(offset(text, Position::new(1, 99), Encoding::Utf16), b + 4);
        assert_eq!(
            offset(text, Position::new(2, 0), Encoding::Utf16),
            text.len()
        );
        assert_eq!(
            offset(text, Position::new(9, 0), Encoding::Utf16),
            text.len()
        );
        // Inside a character: its start.
        assert_eq!(position(text, 5, Encoding::Utf8), Position::new(0, 4));
    }

    #[test]
    fn file_uris_round_trip_with_percent_encoding() {
        let path = Path::new("/tmp/my project/compose #1.yaml");
        let uri = uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/my%20project/compose%20%231.yaml");
        assert_eq!(super::path(&uri).as_deref(), Some(path));
        let other = Uri::from_str("https://example.invalid/compose.yaml").unwrap();
        assert_eq!(super::path(&other), None);
        let localhost = Uri::from_str("file://localhost/srv/c%C3%A9.yaml").unwrap();
        assert_eq!(
            super::path(&localhost).as_deref(),
            Some(Path::new("/srv/cé.yaml"))
        );
    }
}
