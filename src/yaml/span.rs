//! Where part of a scalar's value is in the file: the value and the text as written differ by
//! quotes, escapes, folding and indentation.

use super::{Node, Style};
use crate::source::Span;

/// The span of `range` (byte offsets in the scalar's value) in the file. The value and the text
/// as written differ by quotes, escapes, line folding and indentation, so the two are aligned
/// character by character; if they cannot be aligned the whole scalar's span is returned.
pub fn value_span(file_text: &str, node: &Node, range: std::ops::Range<usize>) -> Span {
    ValueLocator::new(file_text, node).span(range)
}

/// [`value_span`] for many parts of one scalar (the words of a long command): the value is
/// aligned with its text once, so that locating every word stays linear.
pub(crate) struct ValueLocator<'n> {
    node: &'n Node,
    /// Where the scalar's content starts in the file, and for each byte of its value the offset
    /// in that content it was read from; `None` when they cannot be aligned or the value is
    /// interpolated.
    alignment: Option<(usize, Vec<usize>)>,
}

impl<'n> ValueLocator<'n> {
    pub fn new(file_text: &str, node: &'n Node) -> Self {
        let alignment = node
            .as_scalar()
            .filter(|scalar| scalar.substitution.is_none())
            .and_then(|scalar| {
                let written = file_text.get(node.span.range.clone())?;
                let (content_start, content) = match scalar.style {
                    Style::SingleQuoted | Style::DoubleQuoted if written.len() >= 2 => {
                        (node.span.range.start + 1, &written[1..written.len() - 1])
                    }
                    _ => (node.span.range.start, written),
                };
                Some((content_start, align(&scalar.text, content, scalar.style)?))
            });
        ValueLocator { node, alignment }
    }

    /// The span of `range` (byte offsets in the scalar's value), or the whole scalar's.
    pub fn span(&self, range: std::ops::Range<usize>) -> Span {
        let node = self.node;
        let Some(scalar) = node.as_scalar() else {
            return node.span.clone();
        };
        // An interpolated value: through the part it was copied from, possibly in another file.
        if let Some(substitution) = &scalar.substitution {
            return piece_containing(&substitution.pieces, &range).map_or_else(
                || node.span.clone(),
                |(part, span)| span.sub(range.start - part.start..range.end - part.start),
            );
        }
        self.alignment
            .as_ref()
            .and_then(|(content_start, map)| {
                let start = *map.get(range.start)?;
                let last = scalar.text.get(..range.end)?.chars().next_back()?;
                let end = *map.get(range.end - last.len_utf8())? + last.len_utf8();
                Some(Span::new(
                    node.span.file,
                    content_start + start..content_start + end,
                ))
            })
            .unwrap_or_else(|| node.span.clone())
    }
}

/// The piece of an interpolated value ([`Substitution::pieces`]) that holds all of `range`. The
/// pieces are in the order of the value and do not overlap, so that a long value's words are
/// found by bisection.
pub(crate) fn piece_containing<'p>(
    pieces: &'p [(std::ops::Range<usize>, Span)],
    range: &std::ops::Range<usize>,
) -> Option<&'p (std::ops::Range<usize>, Span)> {
    let first = pieces.partition_point(|(part, _)| part.end < range.end);
    pieces[first..]
        .iter()
        .take_while(|(part, _)| part.start <= range.start)
        .find(|(part, _)| range.end <= part.end)
}

/// The pieces of an interpolated value that overlap `range`, found by bisection as in
/// [`piece_containing`].
pub(crate) fn pieces_overlapping<'p>(
    pieces: &'p [(std::ops::Range<usize>, Span)],
    range: &std::ops::Range<usize>,
) -> impl Iterator<Item = &'p (std::ops::Range<usize>, Span)> {
    let first = pieces.partition_point(|(part, _)| part.end <= range.start);
    let end = range.end;
    pieces[first..]
        .iter()
        .take_while(move |(part, _)| part.start < end)
}

/// For each byte of `value`, the offset in `written` of the character it was read from.
fn align(value: &str, written: &str, style: Style) -> Option<Vec<usize>> {
    let mut map = vec![0; value.len() + 1];
    let mut rest = written.char_indices().peekable();
    for (i, c) in value.char_indices() {
        loop {
            // A block scalar's final line break has no text of its own in the span.
            let Some((j, w)) = rest.next() else {
                if c.is_whitespace() {
                    map[i..i + c.len_utf8()].fill(written.len());
                    break;
                }
                return None;
            };
            if w == c {
                map[i..i + c.len_utf8()].fill(j);
                if style == Style::SingleQuoted && c == '\'' {
                    rest.next();
                }
                break;
            }
            let skippable = w.is_whitespace() || (style == Style::DoubleQuoted && w == '\\');
            if !skippable {
                return None;
            }
        }
    }
    map[value.len()] = rest.peek().map_or(written.len(), |&(j, _)| j);
    Some(map)
}
