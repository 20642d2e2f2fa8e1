//! A YAML tree with exact byte spans, built from saphyr's event parser.
//!
//! Why not saphyr's own tree: its positions are character indices, quoted scalars' spans swallow a
//! trailing comment, merge keys (`<<`) are not applied, and its recursive loader overflows the
//! stack on deeply nested input. Here the tree is built iteratively from events, spans are bytes
//! and cover exactly the text a person edits, anchors are expanded with a node budget, merge keys
//! are applied the way Compose (go-yaml v3) applies them, and duplicate keys are an error, as in
//! Compose.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

use crate::source::{FileId, Span};

/// Deeper nesting than this is refused: no Compose file needs it, and it keeps every later
/// recursive walk (and `Drop`) far from the stack limit.
pub const MAX_DEPTH: usize = 128;
/// Nodes that alias expansion may create, against "billion laughs" documents. Keys count as nodes,
/// and so does each record of an alias site a copied node carries (see [`Node::via`]) and each
/// [`TEXT_PER_NODE`] bytes of a copied scalar's text.
pub const MAX_ALIAS_NODES: usize = 100_000;
/// Bytes of scalar text that cost as much as a node in the alias budget (a node takes about as
/// much memory).
const TEXT_PER_NODE: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    /// The node's own text: for a scalar exactly the value as written (quotes included, anchor and
    /// tag excluded); for a collection from its first to its last character.
    pub span: Span,
    /// A tag outside the core schema, such as Compose's `!reset` and `!override`.
    pub tag: Option<String>,
    /// The places that brought this node to where it is used, innermost first: alias sites
    /// (`*defaults`) and merge keys (`<<: *defaults`). Empty for a node used where it is written.
    pub via: Vec<Span>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    /// The value after YAML unquoting and folding.
    pub text: String,
    pub style: Style,
    /// `!!str` and friends: a core-schema tag that forces the type.
    pub core_tag: Option<String>,
    /// Set when `text` is the result of Compose interpolation (`${VAR:-default}`).
    pub substitution: Option<Box<Substitution>>,
}

/// How an interpolated value was made: what was written and where the text a person edits is,
/// when it is not the scalar itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Substitution {
    /// The scalar's text before interpolation.
    pub written: String,
    /// Where the value's text comes from: the default inside `${...}` or the `.env` line that sets
    /// the variable; `None` when it is assembled from several pieces or comes from the process
    /// environment.
    pub source: Option<Span>,
    /// Where the value's text comes from, worded at the place it is used by
    /// [`crate::hidden::origin`].
    pub origin: ValueOrigin,
    /// Variables that were unset without a default: the value is not what the author meant.
    pub unset: Vec<String>,
    /// Those of `unset` that are required (`${VAR:?message}`): Compose refuses the file.
    pub required: Vec<String>,
    /// Parts of the value copied character for character from a file (the template's literal
    /// text, a default, a `.env` value), so that a word inside the value can be located.
    pub pieces: Vec<(std::ops::Range<usize>, Span)>,
    /// The variables whose values are part of the text, with the `.env` value each comes from
    /// (`None`: the process environment). Their text is not shown unless it is a valid value of
    /// its field: the environment of a CI job holds its tokens.
    pub variables: Vec<(String, Option<Span>)>,
}

/// Where an interpolated value's text comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueOrigin {
    /// The default inside `${...}`: its variable is not set.
    Default,
    /// The value of this variable, set in a `.env` file.
    EnvFile(String),
    /// The value of this variable, from the process environment.
    ProcessEnvironment(String),
    /// Pieces of the template and of variables (unset ones are in [`Substitution::unset`]).
    Assembled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// A value as a YAML 1.2 reader that follows go-yaml v3 (what Compose uses) types it.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved<'a> {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(&'a str),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub span: Span,
    /// Another place the message refers to (the first definition of a duplicate key).
    pub related: Option<(Span, String)>,
}

impl Node {
    /// A node that is not written anywhere but stands at `span`: what a model adds itself.
    pub fn synthetic(value: Value, span: Span) -> Node {
        Node {
            value,
            span,
            tag: None,
            via: Vec::new(),
        }
    }

    /// A plain scalar the model adds itself, such as a key it creates.
    pub fn plain(text: &str, span: Span) -> Node {
        let scalar = Scalar {
            text: text.to_string(),
            style: Style::Plain,
            core_tag: None,
            substitution: None,
        };
        Node::synthetic(Value::Scalar(scalar), span)
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar's text, whatever its YAML type.
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.text.as_str())
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The entry of a mapping with this key.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key.as_str() == Some(key))
    }

    /// The value of a mapping's key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Follow a path of mapping keys.
    pub fn get_path(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The text a person edits to change this value: the scalar itself, or the default inside
    /// `${...}` or the `.env` line it was interpolated from.
    pub fn edit_span(&self) -> &Span {
        self.substitution()
            .and_then(|s| s.source.as_ref())
            .unwrap_or(&self.span)
    }

    pub fn substitution(&self) -> Option<&Substitution> {
        self.as_scalar().and_then(|s| s.substitution.as_deref())
    }

    /// Whether the value depends on a variable that is not set: Compose would use an empty
    /// string, so what the author meant is unknown.
    pub fn is_unknown(&self) -> bool {
        self.substitution().is_some_and(|s| !s.unset.is_empty())
    }

    pub fn is_null(&self) -> bool {
        matches!(self.resolve(), Some(Resolved::Null))
    }

    /// The scalar's typed value, or `None` for a collection.
    pub fn resolve(&self) -> Option<Resolved<'_>> {
        self.as_scalar().map(Scalar::resolve)
    }

    /// A short name for the node's kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Map(_) => "a mapping",
            Value::Seq(_) => "a list",
            Value::Scalar(s) => match s.resolve() {
                Resolved::Null => "null",
                Resolved::Bool(_) => "a boolean",
                Resolved::Int(_) => "an integer",
                Resolved::Float(_) => "a number",
                Resolved::Str(_) => "a string",
            },
        }
    }
}

impl Scalar {
    pub fn resolve(&self) -> Resolved<'_> {
        let text = self.text.as_str();
        // Compose types values before interpolating them: what `${...}` produces is a string,
        // which Compose then casts to the field's type.
        if self.substitution.is_some() {
            return Resolved::Str(text);
        }
        match self.core_tag.as_deref() {
            Some("!!str") => return Resolved::Str(text),
            Some("!!int") => {
                return parse_go_yaml_int(text).map_or(Resolved::Str(text), Resolved::Int);
            }
            Some("!!float") => {
                return text
                    .parse()
                    .map_or(Resolved::Str(text), |f: f64| Resolved::Float(f));
            }
            _ => {}
        }
        if self.style != Style::Plain {
            return Resolved::Str(text);
        }
        match text {
            "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
            "true" | "True" | "TRUE" => return Resolved::Bool(true),
            "false" | "False" | "FALSE" => return Resolved::Bool(false),
            ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
                return Resolved::Float(f64::INFINITY);
            }
            "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
            ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
            _ => {}
        }
        if let Some(int) = parse_go_yaml_int(text) {
            return Resolved::Int(int);
        }
        if is_yaml_float(&text.replace('_', "")) {
            if let Ok(f) = text.replace('_', "").parse() {
                return Resolved::Float(f);
            }
        }
        Resolved::Str(text)
    }
}

/// go-yaml v3 reads a plain scalar as an integer after removing `_`, with Go's base prefixes
/// (`0x`, `0o`, `0b`, and a leading `0` for octal).
fn parse_go_yaml_int(text: &str) -> Option<i128> {
    let plain = text.replace('_', "");
    let (negative, digits) = match plain.as_bytes().first()? {
        b'-' => (true, &plain[1..]),
        b'+' => (false, &plain[1..]),
        _ => (false, plain.as_str()),
    };
    let (radix, digits) = match digits.get(..2) {
        Some("0x" | "0X") => (16, &digits[2..]),
        Some("0o" | "0O") => (8, &digits[2..]),
        Some("0b" | "0B") => (2, &digits[2..]),
        _ if digits.len() > 1 && digits.starts_with('0') => (8, &digits[1..]),
        _ => (10, digits),
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()? as i128;
    Some(if negative { -magnitude } else { magnitude })
}

/// go-yaml v3's `yamlStyleFloat`: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(text: &str) -> bool {
    let rest = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => all_digits(frac),
        Some((int, frac)) => all_digits(int) && (frac.is_empty() || all_digits(frac)),
        None => all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| all_digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

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
        let style = match style {
            ScalarStyle::Plain => Style::Plain,
            ScalarStyle::SingleQuoted => Style::SingleQuoted,
            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
            ScalarStyle::Literal => Style::Literal,
            ScalarStyle::Folded => Style::Folded,
        };
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
fn skip_properties(text: &str, mut pos: usize) -> usize {
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
fn scalar_range(text: &str, style: Style, start: usize, end: usize) -> std::ops::Range<usize> {
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

/// The layout of a YAML text as written, for reading its comments (which the tree does not keep):
/// where the scalars are, since a `#` inside one is text, and where each mapping entry and
/// sequence item starts and ends, so that a comment can name what it annotates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outline {
    /// Every scalar as written, keys included (quotes included; a block scalar's content).
    pub scalars: Vec<std::ops::Range<usize>>,
    /// Every mapping entry (from its key to the end of its value) and sequence item.
    pub nodes: Vec<OutlineNode>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OutlineNode {
    pub range: std::ops::Range<usize>,
    /// The keys from the document's top level to this node; `-` stands for a sequence item and
    /// `?` for a key that is not a scalar. `["services", "redis"]` is the entry of a service.
    pub path: Vec<String>,
}

struct OutlineFrame {
    start: usize,
    /// The end of the last child so far.
    end: usize,
    /// `None` for a sequence; for a mapping, the key whose value is being read, if any.
    key: Option<Option<(std::ops::Range<usize>, String)>>,
}

/// Builds an [`Outline`] from the parser's events, fed by [`Builder`] during the one parse of a
/// file.
#[derive(Default)]
struct OutlineBuilder {
    outline: Outline,
    stack: Vec<OutlineFrame>,
}

impl OutlineBuilder {
    /// One event, at `start..end`; `None` for an unbalanced collection end, which the
    /// [`Builder`] reports.
    fn event(&mut self, text: &str, event: &Event, start: usize, end: usize) -> Option<()> {
        // Only a mapping key's text is kept (for paths): values are not copied.
        let key_text = |stack: &[OutlineFrame], text: &str| {
            let is_key = matches!(
                stack.last(),
                Some(OutlineFrame {
                    key: Some(None),
                    ..
                })
            );
            if is_key {
                text.to_string()
            } else {
                String::new()
            }
        };
        let done = match event {
            Event::Scalar(value, style, _, _) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                let range = scalar_range(text, style, start, end);
                self.outline.scalars.push(range.clone());
                Some((range, key_text(&self.stack, value)))
            }
            Event::Alias(_) => Some((start..end, key_text(&self.stack, "?"))),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                let open = skip_properties(text, start);
                let key = matches!(event, Event::MappingStart(..)).then_some(None);
                self.stack.push(OutlineFrame {
                    start: open,
                    end: open,
                    key,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = self.stack.pop()?;
                let flow = matches!(text.as_bytes().get(frame.start), Some(b'[' | b'{'));
                let close = if flow {
                    end.max(frame.start)
                } else {
                    frame.end
                };
                Some((frame.start..close, key_text(&self.stack, "?")))
            }
            _ => None,
        };
        let Some((range, key_text)) = done else {
            return Some(());
        };
        let stack = &mut self.stack;
        let mut path: Vec<String> = stack[..stack.len().saturating_sub(1)]
            .iter()
            .map(|f| match &f.key {
                None => "-".to_string(),
                Some(key) => key.as_ref().map_or("?".to_string(), |(_, k)| k.clone()),
            })
            .collect();
        let Some(top) = stack.last_mut() else {
            return Some(()); // a document's root
        };
        top.end = top.end.max(range.end);
        match &mut top.key {
            None => {
                path.push("-".to_string());
                self.outline.nodes.push(OutlineNode { range, path });
            }
            Some(pending) => {
                let Some((key_range, key_text)) = pending.take() else {
                    *pending = Some((range, key_text));
                    return Some(());
                };
                path.push(key_text);
                self.outline.nodes.push(OutlineNode {
                    range: key_range.start..range.end.max(key_range.end),
                    path,
                });
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;

    fn file() -> FileId {
        let mut map = SourceMap::default();
        map.add(crate::source::SourceFile::new("t.yml".into(), ""))
    }

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

    #[test]
    fn outline_finds_scalars_entries_and_items_as_written() {
        let src = "x: &d {a: \"1 # no\"}\nservices:\n  redis:\n    command: |\n      # text\n    <<: *d\n    ports:\n      - \"80\" # c\n";
        let (_, outline) = parse_with_outline(file(), src).unwrap();
        let texts: Vec<&str> = outline.scalars.iter().map(|r| &src[r.clone()]).collect();
        assert!(texts.contains(&"\"1 # no\""), "{texts:?}");
        assert!(texts.contains(&"# text"), "{texts:?}");
        let node = |path: &[&str]| {
            let found = outline
                .nodes
                .iter()
                .find(|n| n.path == path)
                .unwrap_or_else(|| panic!("{path:?} in {:?}", outline.nodes));
            &src[found.range.clone()]
        };
        assert!(node(&["services", "redis"]).starts_with("redis:"));
        assert!(node(&["services", "redis"]).ends_with("\"80\""));
        assert_eq!(node(&["services", "redis", "<<"]), "<<: *d");
        assert_eq!(node(&["services", "redis", "ports", "-"]), "\"80\"");
        assert_eq!(node(&["x", "a"]), "a: \"1 # no\"");
    }
}
