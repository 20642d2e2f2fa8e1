//! A YAML tree with exact byte spans, built from saphyr's event parser.
//!
//! Why not saphyr's own tree: its positions are character indices, quoted scalars' spans swallow a
//! trailing comment, merge keys (`<<`) are not applied, and its recursive loader overflows the
//! stack on deeply nested input. Here the tree is built iteratively from events, spans are bytes
//! and cover exactly the text a person edits, anchors are expanded with a node budget, merge keys
//! are applied the way Compose (go-yaml v3) applies them, and duplicate keys are an error, as in
//! Compose.
//!
//! The tree's types and what a rule reads from them are here; `tree` builds them from the events,
//! `outline` gathers the layout of the same events for comments, and `span` finds part of a
//! scalar's value in the text.

mod outline;
mod span;
mod tree;

pub use outline::{Outline, OutlineNode};
pub use span::value_span;
pub(crate) use span::{ValueLocator, piece_containing, pieces_overlapping};
pub use tree::{MAX_ALIAS_NODES, MAX_DEPTH, MAX_VIA, add_via, parse, parse_with_outline};

use crate::source::Span;

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
    /// `crate::hidden::origin`.
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

/// A file for the tests of the tree and the outline to parse in.
#[cfg(test)]
fn test_file() -> crate::source::FileId {
    let mut map = crate::source::SourceMap::default();
    map.add(crate::source::SourceFile::new("t.yml".into(), ""))
}
