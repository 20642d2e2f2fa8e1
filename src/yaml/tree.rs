//! The tree builder: saphyr's events to a [`Node`] tree with exact byte spans, aliases expanded
//! within a budget, merge keys applied and duplicate keys refused.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

use super::outline::OutlineBuilder;
use super::{Entry, Node, Outline, Scalar, Style, Value, YamlError};
use crate::source::{FileId, Span};

/// Deeper nesting than this is refused: no Compose file needs it, and it keeps every later
/// recursive walk (and `Drop`) far from the stack limit.
pub const MAX_DEPTH: usize = 128;
/// Nodes that alias expansion may create, against "billion laughs" documents. Keys count as nodes,
/// and so does each record of an alias site a copied node carries (see [`Node::via`]) and each
/// `TEXT_PER_NODE` bytes of a copied scalar's text.
pub const MAX_ALIAS_NODES: usize = 100_000;
/// Bytes of scalar text that cost as much as a node in the alias budget (a node takes about as
/// much memory).
const TEXT_PER_NODE: usize = 64;

/// Parse every document of a YAML stream.
pub fn parse(file: FileId, text: &str) -> Result<Vec<Node>, YamlError> {
    parse_events(file, text, false).map(|(documents, _)| documents)
}

/// [`parse`], with the [`Outline`] of the text gathered from the same parser events: where
/// suppression comments can be and what they cover.
pub fn parse_with_outline(file: FileId, text: &str) -> Result<(Vec<Node>, Outline), YamlError> {
    parse_events(file, text, true)
}

fn parse_events(
    file: FileId,
    text: &str,
    with_outline: bool,
) -> Result<(Vec<Node>, Outline), YamlError> {
    let mut patched = std::borrow::Cow::Borrowed(text);
    loop {
        let mut builder = Builder::new(file, &patched);
        builder.outline = with_outline.then(OutlineBuilder::default);
        match builder.run() {
            Err(error) if error.message.ends_with("invalid indentation") => {
                match join_closing_bracket(&patched, error.span.range.start) {
                    Some(fixed) => patched = std::borrow::Cow::Owned(fixed),
                    None => return Err(error),
                }
            }
            result => return result,
        }
    }
}

/// go-yaml (and so Compose) accepts a flow collection closed at its key's indentation:
/// ```yaml
/// command: [
///   "start"
/// ]
/// ```
/// saphyr refuses it. Joining that `]` (or `}`) to the previous line, by turning the line break
/// before it into spaces, makes it acceptable without moving a byte, so spans stay exact.
fn join_closing_bracket(text: &str, at: usize) -> Option<String> {
    let line_start = text[..at].rfind('\n')? + 1;
    let rest = &text[line_start..];
    let indent = rest.len() - rest.trim_start_matches(' ').len();
    if !matches!(rest.as_bytes().get(indent), Some(b']' | b'}')) || at > line_start + indent {
        return None;
    }
    let mut fixed = text.to_string();
    let break_start = if text[..line_start - 1].ends_with('\r') {
        line_start - 2
    } else {
        line_start - 1
    };
    fixed.replace_range(
        break_start..line_start,
        &" ".repeat(line_start - break_start),
    );
    Some(fixed)
}

/// Converts saphyr's character indices to byte offsets.
struct Offsets {
    /// Byte offset of each character, for non-ASCII text; empty when every character is a byte.
    bytes: Vec<usize>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let bytes = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(b, _)| b).collect()
        };
        Offsets {
            bytes,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.bytes.is_empty() {
            char_index.min(self.len)
        } else {
            self.bytes.get(char_index).copied().unwrap_or(self.len)
        }
    }
}

/// An anchored node with what expanding an alias to it costs, measured once.
struct Anchored {
    node: Node,
    cost: usize,
    depth: usize,
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        entries: Vec<Entry>,
        key: Option<Node>,
    },
}

struct Builder<'a> {
    file: FileId,
    text: &'a str,
    offsets: Offsets,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    alias_nodes: usize,
    documents: Vec<Node>,
    /// The outline of the same events, for suppression comments, when asked for.
    outline: Option<OutlineBuilder>,
}

impl<'a> Builder<'a> {
    fn new(file: FileId, text: &'a str) -> Self {
        Builder {
            file,
            text,
            offsets: Offsets::new(text),
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            documents: Vec::new(),
            outline: None,
        }
    }

    fn span(&self, range: std::ops::Range<usize>) -> Span {
        Span::new(self.file, range)
    }

    fn error_at(&self, offset: usize, message: impl Into<String>) -> YamlError {
        YamlError {
            message: message.into(),
            span: self.span(offset..offset),
            related: None,
        }
    }

    fn scan_error(&self, error: &ScanError) -> YamlError {
        let offset = self.offsets.byte(error.marker().index());
        let message = error.info();
        // saphyr says "did not find expected <document start>" for a stray scalar after a
        // mapping, which reads better with the usual YAML hint.
        self.error_at(offset, format!("invalid YAML: {message}"))
    }

    fn run(mut self) -> Result<(Vec<Node>, Outline), YamlError> {
        let mut parser = Parser::new_from_str(self.text);
        while let Some(next) = parser.next_event() {
            let (event, span) = next.map_err(|e| self.scan_error(&e))?;
            let start = self.offsets.byte(span.start.index());
            let end = self.offsets.byte(span.end.index());
            if let Some(outline) = &mut self.outline {
                // An unbalanced end is reported below.
                let _ = outline.event(self.text, &event, start, end);
            }
            match event {
                Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
                // Anchors stay defined in later documents, as go-yaml (and so Compose) allows.
                Event::DocumentStart(_) => {}
                Event::DocumentEnd => {}
                Event::Alias(id) => {
                    let site = self.span(start..end);
                    let node = self.expand_alias(id, site)?;
                    self.push(node, 0)?;
                }
                Event::Scalar(text, style, anchor, tag) => {
                    let (core_tag, tag) = split_tag(tag.as_deref());
                    let node = self.scalar(text.into_owned(), style, core_tag, tag, start, end);
                    self.push(node, anchor)?;
                }
                Event::SequenceStart(anchor, tag) => {
                    self.check_depth(start)?;
                    self.stack.push(Frame::Seq {
                        start: skip_properties(self.text, start),
                        anchor,
                        tag: split_tag(tag.as_deref()).1,
                        items: Vec::new(),
                    });
                }
                Event::MappingStart(anchor, tag) => {
                    self.check_depth(start)?;
                    self.stack.push(Frame::Map {
                        start: skip_properties(self.text, start),
                        anchor,
                        tag: split_tag(tag.as_deref()).1,
                        entries: Vec::new(),
                        key: None,
                    });
                }
                Event::SequenceEnd => {
                    let Some(Frame::Seq {
                        start: open,
                        anchor,
                        tag,
                        items,
                    }) = self.stack.pop()
                    else {
                        return Err(self.error_at(start, "invalid YAML: unbalanced sequence"));
                    };
                    let close = self.collection_end(open, end, items.last());
                    let node = Node {
                        value: Value::Seq(items),
                        span: self.span(open..close),
                        tag,
                        via: Vec::new(),
                    };
                    self.push(node, anchor)?;
                }
                Event::MappingEnd => {
                    let Some(Frame::Map {
                        start: open,
                        anchor,
                        tag,
                        entries,
                        ..
                    }) = self.stack.pop()
                    else {
                        return Err(self.error_at(start, "invalid YAML: unbalanced mapping"));
                    };
                    let close = self.collection_end(open, end, entries.last().map(|e| &e.value));
                    let entries = apply_merge_keys(check_duplicates(entries)?)?;
                    let node = Node {
                        value: Value::Map(entries),
                        span: self.span(open..close),
                        tag,
                        via: Vec::new(),
                    };
                    self.push(node, anchor)?;
                }
            }
        }
        Ok((
            self.documents,
            self.outline.map(|o| o.outline).unwrap_or_default(),
        ))
    }

    fn check_depth(&self, offset: usize) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error_at(
                offset,
                format!(
                    "YAML nested more than {MAX_DEPTH} levels deep: this is not a Compose file"
                ),
            ));
        }
        Ok(())
    }

    /// A flow collection ends at its closing bracket (the end event's span); a block collection
    /// ends with its last child (its end event sits at the start of whatever follows).
    fn collection_end(&self, open: usize, end_event_end: usize, last: Option<&Node>) -> usize {
        let flow = matches!(self.text.as_bytes().get(open), Some(b'[' | b'{'));
        match (flow, last) {
            (true, _) => end_event_end.max(open),
            // An aliased child keeps its definition's span, possibly elsewhere in the file.
            (false, Some(child)) if child.via.is_empty() && child.span.range.end >= open => {
                child.span.range.end
            }
            _ => open,
        }
    }

    fn scalar(
        &self,
        text: String,
        style: ScalarStyle,
        core_tag: Option<String>,
        tag: Option<String>,
        start: usize,
        end: usize,
    ) -> Node {
        let style = Style::from(style);
        let range = scalar_range(self.text, style, start, end);
        Node {
            value: Value::Scalar(Scalar {
                text,
                style,
                core_tag,
                substitution: None,
            }),
            span: self.span(range),
            tag,
            via: Vec::new(),
        }
    }

    fn expand_alias(&mut self, id: usize, site: Span) -> Result<Node, YamlError> {
        let Some(anchored) = self.anchors.get(&id) else {
            return Err(self.error_at(site.range.start, "invalid YAML: unknown alias"));
        };
        // Charged before the copy is made, so that refusing costs nothing.
        if self.stack.len() + anchored.depth > MAX_DEPTH {
            return Err(YamlError {
                message: format!(
                    "YAML nested more than {MAX_DEPTH} levels deep through aliases: this is not a Compose file"
                ),
                span: site,
                related: None,
            });
        }
        self.alias_nodes = self.alias_nodes.saturating_add(anchored.cost);
        if self.alias_nodes > MAX_ALIAS_NODES {
            return Err(YamlError {
                message: format!(
                    "YAML aliases expand to more than {MAX_ALIAS_NODES} nodes: refusing a document built to exhaust memory"
                ),
                span: site,
                related: None,
            });
        }
        let mut node = anchored.node.clone();
        add_via(&mut node, &site);
        Ok(node)
    }

    fn push(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            let (cost, depth) = expansion_cost(&node);
            let anchored = Anchored {
                node: node.clone(),
                cost,
                depth,
            };
            self.anchors.insert(anchor, anchored);
        }
        match self.stack.last_mut() {
            None => self.documents.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push(Entry {
                    key: k,
                    value: node,
                }),
            },
        }
        Ok(())
    }
}

/// Split a parsed tag into a core-schema tag (`!!str`) and any other tag (`!reset`).
fn split_tag(tag: Option<&saphyr_parser::Tag>) -> (Option<String>, Option<String>) {
    match tag {
        None => (None, None),
        Some(t) if t.is_yaml_core_schema() => (Some(format!("!!{}", t.suffix)), None),
        Some(t) => (None, Some(t.to_string())),
    }
}

/// What a copy of `node` for one more alias costs: its nodes, keys included, each with the alias
/// sites it carries and the one the copy adds, and its scalars' text; and how deep it nests (1 for
/// a scalar).
fn expansion_cost(node: &Node) -> (usize, usize) {
    let own = 2 + node.via.len();
    let children = match &node.value {
        Value::Scalar(scalar) => vec![(scalar.text.len() / TEXT_PER_NODE, 0)],
        Value::Seq(items) => items.iter().map(expansion_cost).collect(),
        Value::Map(entries) => entries
            .iter()
            .flat_map(|e| [expansion_cost(&e.key), expansion_cost(&e.value)])
            .collect(),
    };
    let cost = children
        .iter()
        .fold(own, |sum, (c, _)| sum.saturating_add(*c));
    let depth = 1 + children.iter().map(|(_, d)| *d).max().unwrap_or(0);
    (cost, depth)
}

/// How many sites a node records in [`Node::via`]: more labels say nothing new, and a long
/// `extends` chain would make them grow with the square of its length.
pub const MAX_VIA: usize = 16;

/// Record that a whole subtree is used at `site`. A node that has [`MAX_VIA`] sites keeps its
/// innermost ones and `site` as its outermost.
pub fn add_via(node: &mut Node, site: &Span) {
    if node.via.len() < MAX_VIA {
        node.via.push(site.clone());
    } else if let Some(outermost) = node.via.last_mut() {
        *outermost = site.clone();
    }
    match &mut node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => items.iter_mut().for_each(|n| add_via(n, site)),
        Value::Map(entries) => entries.iter_mut().for_each(|e| {
            add_via(&mut e.key, site);
            add_via(&mut e.value, site);
        }),
    }
}

fn check_duplicates(entries: Vec<Entry>) -> Result<Vec<Entry>, YamlError> {
    let mut seen: HashMap<&str, &Node> = HashMap::new();
    for entry in &entries {
        let Some(key) = entry.key.as_str() else {
            continue;
        };
        if key == "<<"
            && entry
                .key
                .as_scalar()
                .is_some_and(|s| s.style == Style::Plain)
        {
            continue;
        }
        if let Some(first) = seen.insert(key, &entry.key) {
            return Err(YamlError {
                message: format!(
                    "duplicate key `{key}`: Compose refuses a mapping that defines a key twice"
                ),
                span: entry.key.span.clone(),
                related: Some((first.span.clone(), "first defined here".to_string())),
            });
        }
    }
    Ok(entries)
}

/// Apply `<<` merge keys as go-yaml v3 does: keys written in the mapping win wherever they stand,
/// then each merged mapping in order, the first one that has a key winning.
fn apply_merge_keys(entries: Vec<Entry>) -> Result<Vec<Entry>, YamlError> {
    let is_merge = |e: &Entry| {
        e.key
            .as_scalar()
            .is_some_and(|s| s.text == "<<" && s.style == Style::Plain)
    };
    if !entries.iter().any(is_merge) {
        return Ok(entries);
    }
    let (merges, mut result): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(is_merge);
    for merge in merges {
        let sources: Vec<Node> = match merge.value.value {
            Value::Map(_) => vec![merge.value],
            Value::Seq(items) => items,
            Value::Scalar(_) => Vec::new(),
        };
        if sources.is_empty() || sources.iter().any(|s| s.as_map().is_none()) {
            return Err(YamlError {
                message: "a merge key `<<` takes a mapping or a list of mappings (`<<: *defaults` or `<<: [*a, *b]`)".into(),
                span: merge.key.span,
                related: None,
            });
        }
        for source in sources {
            // The site a person reads as "merged here": the alias or inline mapping after `<<:`.
            let site = source
                .via
                .first()
                .cloned()
                .unwrap_or_else(|| source.span.clone());
            let Value::Map(source_entries) = source.value else {
                unreachable!("checked above")
            };
            for mut entry in source_entries {
                let key = entry.key.as_str().map(str::to_owned);
                // Compose applies `!reset` before merge keys, so a key that a mapping resets
                // comes back from the merged mapping (verified with Compose v2.40).
                result.retain(|e| {
                    !(e.key.as_str() == key.as_deref() && e.value.tag.as_deref() == Some("!reset"))
                });
                if result.iter().any(|e| e.key.as_str() == key.as_deref()) {
                    continue;
                }
                if !entry.value.via.contains(&site) {
                    add_via(&mut entry.value, &site);
                }
                result.push(entry);
            }
        }
    }
    Ok(result)
}

/// Byte offset of a node's own text: anchors (`&name`) and tags (`!reset`) are skipped, with any
/// whitespace, line breaks and comments that follow them.
pub(super) fn skip_properties(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    while matches!(bytes.get(pos), Some(b'&' | b'!')) {
        while pos < bytes.len() && !matches!(bytes[pos], b' ' | b'\t' | b'\r' | b'\n') {
            pos += 1;
        }
        loop {
            match bytes.get(pos) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => pos += 1,
                Some(b'#') => {
                    while pos < bytes.len() && bytes[pos] != b'\n' {
                        pos += 1;
                    }
                }
                _ => break,
            }
        }
    }
    pos
}

/// The exact text of a scalar: saphyr's span for quoted scalars runs on over trailing spaces and
/// comments, so the closing quote is found by scanning; block scalars lose their trailing line
/// breaks.
pub(super) fn scalar_range(
    text: &str,
    style: Style,
    start: usize,
    end: usize,
) -> std::ops::Range<usize> {
    let mut start = skip_properties(text, start).min(text.len());
    let bytes = text.as_bytes();
    // With an anchor or tag, saphyr starts a block scalar at the property, not at its content.
    if matches!(style, Style::Literal | Style::Folded)
        && matches!(bytes.get(start), Some(b'|' | b'>'))
    {
        start = text[start..]
            .find('\n')
            .map_or(text.len(), |i| start + i + 1);
        while matches!(bytes.get(start), Some(b' ' | b'\t')) {
            start += 1;
        }
    }
    let end = match style {
        Style::SingleQuoted if bytes.get(start) == Some(&b'\'') => {
            let mut i = start + 1;
            loop {
                match bytes.get(i) {
                    Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
                    Some(b'\'') => break i + 1,
                    Some(_) => i += 1,
                    None => break text.len(),
                }
            }
        }
        Style::DoubleQuoted if bytes.get(start) == Some(&b'"') => {
            let mut i = start + 1;
            loop {
                match bytes.get(i) {
                    Some(b'\\') => i += 2,
                    Some(b'"') => break i + 1,
                    Some(_) => i += 1,
                    None => break text.len(),
                }
            }
        }
        Style::Literal | Style::Folded => {
            let trimmed = text[..end.max(start)].trim_end_matches(['\n', '\r', ' ', '\t']);
            trimmed.len().max(start)
        }
        _ => end.max(start),
    };
    start..end.min(text.len())
}

/// saphyr's scalar styles as the tree records them.
impl From<ScalarStyle> for Style {
    fn from(style: ScalarStyle) -> Self {
        match style {
            ScalarStyle::Plain => Style::Plain,
            ScalarStyle::SingleQuoted => Style::SingleQuoted,
            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
            ScalarStyle::Literal => Style::Literal,
            ScalarStyle::Folded => Style::Folded,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Resolved, test_file as file};

    fn doc(text: &str) -> Node {
        let mut docs = parse(file(), text).expect("valid YAML");
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    fn text_of<'a>(src: &'a str, node: &Node) -> &'a str {
        &src[node.span.range.clone()]
    }

    #[test]
    fn scalar_spans_are_exact_bytes() {
        let src = "é: x\na: \"512m\"   # c \"q\"\nb: 'it''s'  # c\nc: &anc !!str 768m\nd: plain value # c\n";
        let root = doc(src);
        assert_eq!(text_of(src, root.get("é").unwrap()), "x");
        assert_eq!(text_of(src, root.get("a").unwrap()), "\"512m\"");
        assert_eq!(text_of(src, root.get("b").unwrap()), "'it''s'");
        assert_eq!(root.get("b").unwrap().as_str(), Some("it's"));
        assert_eq!(text_of(src, root.get("c").unwrap()), "768m");
        assert_eq!(text_of(src, root.get("d").unwrap()), "plain value");
        assert_eq!(text_of(src, &root.entry("a").unwrap().key), "a");
    }

    #[test]
    fn block_scalar_span_covers_content() {
        let src = "cmd: >\n  redis-server\n  --maxmemory 1mb\n\nnext: 1\n";
        let root = doc(src);
        let cmd = root.get("cmd").unwrap();
        assert_eq!(cmd.as_str(), Some("redis-server --maxmemory 1mb\n"));
        assert!(text_of(src, cmd).ends_with("--maxmemory 1mb"));
    }

    #[test]
    fn anchored_block_scalar_span_covers_content() {
        let src = "a: &x |\n  lit\nb: 1\n";
        let root = doc(src);
        assert_eq!(text_of(src, root.get("a").unwrap()), "lit");
    }

    #[test]
    fn flow_collection_spans_include_brackets() {
        let src = "a: [1, 2]\nb: {x: 1}\n";
        let root = doc(src);
        assert_eq!(text_of(src, root.get("a").unwrap()), "[1, 2]");
        assert_eq!(text_of(src, root.get("b").unwrap()), "{x: 1}");
    }

    #[test]
    fn aliases_keep_definition_spans_and_record_use_site() {
        let src = "x: &lim 512m\ny: *lim\n";
        let root = doc(src);
        let y = root.get("y").unwrap();
        assert_eq!(y.as_str(), Some("512m"));
        assert_eq!(text_of(src, y), "512m");
        assert_eq!(y.span.range.start, 8);
        assert_eq!(y.via.len(), 1);
        assert_eq!(&src[y.via[0].range.clone()], "*lim");
    }

    #[test]
    fn merge_keys_are_shallow_and_explicit_keys_win() {
        let src = "x: &d {image: x, mem_limit: 256m, deploy: {replicas: 2}}\n\
                   a: {mem_limit: 1g, <<: *d}\n\
                   b: {<<: *d, deploy: {resources: {}}}\n";
        let root = doc(src);
        let a = root.get("a").unwrap();
        assert_eq!(a.get("mem_limit").unwrap().as_str(), Some("1g"));
        assert_eq!(a.get("image").unwrap().as_str(), Some("x"));
        let image = a.get("image").unwrap();
        assert_eq!(&src[image.via[0].range.clone()], "*d");
        let b = root.get("b").unwrap();
        assert!(b.get_path(&["deploy", "replicas"]).is_none());
        assert!(a.entry("<<").is_none());
    }

    #[test]
    fn merge_key_list_first_source_wins() {
        let root = doc("a: &a {m: 1}\nb: &b {m: 2, n: 3}\nc: {<<: [*a, *b]}\n");
        let c = root.get("c").unwrap();
        assert_eq!(c.get("m").unwrap().as_str(), Some("1"));
        assert_eq!(c.get("n").unwrap().as_str(), Some("3"));
    }

    #[test]
    fn merge_key_needs_a_mapping() {
        let err = parse(file(), "a: {<<: [1, 2]}\n").unwrap_err();
        assert!(err.message.contains("merge key"), "{}", err.message);
    }

    #[test]
    fn duplicate_keys_are_errors_with_both_places() {
        let src = "services:\n  a: 1\n  a: 2\n";
        let err = parse(file(), src).unwrap_err();
        assert!(err.message.contains("duplicate key `a`"));
        assert_eq!(err.span.range, 19..20);
        assert_eq!(err.related.unwrap().0.range, 12..13);
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let deep = "- ".repeat(100_000) + "x\n";
        let err = parse(file(), &deep).unwrap_err();
        assert!(err.message.contains("nested more than"));
        let flow = "[".repeat(300);
        assert!(parse(file(), &flow).is_err());
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            src += &format!("a{i}: &a{i} [{}]\n", vec![prev; 9].join(", "));
        }
        let err = parse(file(), &src).unwrap_err();
        assert!(err.message.contains("aliases expand"));
    }

    #[test]
    fn custom_tags_are_kept() {
        let root = doc("a: !reset null\nb: !override [1]\nc: !!str 12\n");
        assert_eq!(root.get("a").unwrap().tag.as_deref(), Some("!reset"));
        assert_eq!(root.get("b").unwrap().tag.as_deref(), Some("!override"));
        assert_eq!(root.get("c").unwrap().resolve(), Some(Resolved::Str("12")));
    }

    #[test]
    fn scalars_resolve_like_go_yaml_v3() {
        let root = doc(
            "a: 1073741824\nb: 1_000\nc: 1e3\nd: '12'\ne: 0x10\nf: ~\ng:\nh: 1.5\ni: 512m\nj: true\nk: 0777\n",
        );
        let r = |k: &str| root.get(k).unwrap().resolve().unwrap();
        assert_eq!(r("a"), Resolved::Int(1_073_741_824));
        assert_eq!(r("b"), Resolved::Int(1000));
        assert_eq!(r("c"), Resolved::Float(1000.0));
        assert_eq!(r("d"), Resolved::Str("12"));
        assert_eq!(r("e"), Resolved::Int(16));
        assert_eq!(r("f"), Resolved::Null);
        assert_eq!(r("g"), Resolved::Null);
        assert_eq!(r("h"), Resolved::Float(1.5));
        assert_eq!(r("i"), Resolved::Str("512m"));
        assert_eq!(r("j"), Resolved::Bool(true));
        assert_eq!(r("k"), Resolved::Int(511));
    }

    #[test]
    fn errors_point_at_bytes_not_characters() {
        let src = "é: ü\nb: [unclosed\n";
        let err = parse(file(), src).unwrap_err();
        assert!(err.span.range.start <= src.len());
        assert!(src.is_char_boundary(err.span.range.start));
    }

    #[test]
    fn flow_collections_may_close_at_the_key_indentation() {
        let src = "a:\n  command: [\n    \"start\",\n    \"x\"\n  ]\n  ports:\n    - \"80\"\n";
        let root = doc(src);
        let command = root.get_path(&["a", "command"]).unwrap();
        assert_eq!(command.as_seq().unwrap().len(), 2);
        assert_eq!(text_of(src, &command.as_seq().unwrap()[1]), "\"x\"");
        assert!(root.get_path(&["a", "ports"]).is_some());
    }

    #[test]
    fn multiple_documents() {
        let docs = parse(file(), "a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
    }
}
