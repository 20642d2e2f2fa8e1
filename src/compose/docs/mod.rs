//! Deployment docs in Markdown: their memory budget tables and the facts they state about
//! services (`maxmemory 100mb`, `--concurrency=2`, "each replica adds ~768 MB"), read once at
//! load with exact byte spans so that the `docs-*` rules compare them with the compose model
//! and their fixes rewrite only the stale cells and values.
//!
//! Structure comes from pulldown-cmark's events (tables extension, offset iterator): a table
//! inside a fenced block is no table, an escaped pipe is cell text. Values are read only inside
//! the text of one cell, code span, code block or paragraph.

pub mod find;
pub mod size;

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::source::{FileId, Span};
pub use size::DocSize;

/// A doc stating more facts than this is no deployment guide: the first ones are checked, so
/// that a hostile file cannot make a run (and its fixes) take minutes.
pub const MAX_FACTS: usize = 1_000;

/// One Markdown doc checked against a project.
#[derive(Debug)]
pub struct Doc {
    pub file: FileId,
    pub tables: Vec<Table>,
    pub facts: Vec<Fact>,
}

impl Doc {
    pub fn has_budget_table(&self) -> bool {
        !self.tables.is_empty()
    }
}

/// A memory budget table: a column naming containers or services, a column of sizes.
#[derive(Debug)]
pub struct Table {
    pub columns: usize,
    /// Which column holds the names and which the sizes.
    pub name_column: usize,
    pub size_column: usize,
    /// The size column states limit x replicas (its header says "total" or "replicas").
    pub per_replica_total: bool,
    pub rows: Vec<Row>,
}

#[derive(Debug)]
pub struct Row {
    /// The name as shown, without Markdown emphasis or code marks.
    pub name: String,
    pub name_span: Span,
    pub kind: RowKind,
    /// The size and the exact span of its text.
    pub size: Option<(DocSize, Span)>,
    /// Where the row's line ends and what precedes its first `|` (a table inside a list is
    /// indented), for inserting a row after it.
    pub line_end: usize,
    pub indent: String,
    pub piped: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// A row of this service.
    Service(String),
    /// `**App subtotal**`: the sum of the rows since the previous subtotal.
    Subtotal,
    /// `**Total containers**`: the sum of every service row.
    Total,
    /// A name that could be a service's, but no service has it.
    Unknown,
    /// Anything else (`OS + Caddy + Gitea + CI`): not summed.
    Other,
}

/// A value a doc states about a service.
#[derive(Debug)]
pub struct Fact {
    pub service: String,
    pub kind: FactKind,
    /// Exactly the value's text.
    pub span: Span,
    pub text: String,
    /// The text read as a count (`--concurrency=2`, `--workers 4`), if it is one.
    pub count: Option<u64>,
}

#[derive(Debug, PartialEq)]
pub enum FactKind {
    /// `maxmemory 100mb`, `--maxmemory 100mb`.
    Maxmemory,
    /// `maxmemory-policy allkeys-lru`.
    MaxmemoryPolicy,
    /// `mem_limit: 768m`.
    MemLimit,
    /// `--concurrency=2`, `concurrency=2`.
    Concurrency,
    /// `--workers 4`.
    Workers,
    /// "each replica adds ~768 MB".
    ReplicaAdds(DocSize),
}

/// How a doc may name a service: its name, its `container_name`, or the container names
/// Compose gives it (`orion-api-1`, `orion_api_1`).
#[derive(Debug, Default)]
pub struct ServiceNames {
    pub project: String,
    /// Each service with its `container_name`, if any.
    pub services: Vec<(String, Option<String>)>,
}

impl ServiceNames {
    /// The service a row or a container name names.
    pub fn resolve(&self, name: &str) -> Option<&str> {
        let name = name.trim().to_ascii_lowercase();
        let direct = |name: &str| {
            self.services
                .iter()
                .find(|(service, container)| {
                    service.eq_ignore_ascii_case(name)
                        || container
                            .as_deref()
                            .is_some_and(|c| c.eq_ignore_ascii_case(name))
                })
                .map(|(service, _)| service.as_str())
        };
        if let Some(found) = direct(&name) {
            return Some(found);
        }
        let project = self.project.to_ascii_lowercase();
        let unprefixed = [format!("{project}-"), format!("{project}_")]
            .iter()
            .find_map(|p| name.strip_prefix(p.as_str()).map(str::to_string))
            .unwrap_or_else(|| name.clone());
        let unsuffixed = unprefixed
            .rsplit_once(['-', '_'])
            .filter(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .map_or(unprefixed.as_str(), |(stem, _)| stem);
        direct(&unprefixed).or_else(|| direct(unsuffixed))
    }

    /// The service a heading, sentence or code block names last.
    pub fn mentioned(&self, text: &str) -> Option<&str> {
        self.mentions(text).last().map(|&(_, service)| service)
    }

    /// Where `text` names services, in order: the byte offset and the service (the longer name
    /// where two start at the same place: `redis-exporter` over `redis`).
    fn mentions(&self, text: &str) -> Vec<(usize, &str)> {
        // Bytes for bytes, so offsets stay those of `text`: "Celery Worker" names `celery-worker`.
        let bytes: Vec<u8> = text
            .bytes()
            .map(|b| {
                if b.is_ascii_whitespace() {
                    b'-'
                } else {
                    b.to_ascii_lowercase()
                }
            })
            .collect();
        let text = String::from_utf8_lossy(&bytes);
        let bytes = text.as_bytes();
        let mut found: Vec<(usize, usize, &str)> = self
            .services
            .iter()
            .flat_map(|(service, _)| {
                let needle = service.to_ascii_lowercase();
                text.match_indices(needle.as_str())
                    .filter(|&(at, found)| {
                        let before = at.checked_sub(1).map(|i| bytes[i]);
                        let after = bytes.get(at + found.len()).copied();
                        !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                            && !after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                    })
                    .map(move |(at, _)| (at, service.len(), service.as_str()))
                    .collect::<Vec<_>>()
            })
            .collect();
        found.sort_unstable();
        // Sorted by place then length: the last of each place is the longest.
        let mut longest: Vec<(usize, &str)> = Vec::with_capacity(found.len());
        for (at, _, service) in found {
            match longest.last_mut() {
                Some(last) if last.0 == at => last.1 = service,
                _ => longest.push((at, service)),
            }
        }
        longest
    }
}

/// A piece of text with where it is; `exact` when the source there reads the same (no escape
/// or entity in between), so that a span inside it is a span in the file.
struct Piece {
    text: String,
    range: Range<usize>,
    exact: bool,
}

impl Piece {
    fn new(source: &str, text: &str, range: Range<usize>) -> Piece {
        let written = source.get(range.clone()).unwrap_or_default();
        // A code span's range includes its backticks.
        match written.find(text) {
            Some(at) if !text.is_empty() => Piece {
                text: text.to_string(),
                range: range.start + at..range.start + at + text.len(),
                exact: true,
            },
            _ => Piece {
                text: text.to_string(),
                range,
                exact: false,
            },
        }
    }
}

#[derive(Default)]
struct TableBuilder {
    header: Vec<String>,
    in_head: bool,
    rows: Vec<(Range<usize>, Vec<Vec<Piece>>)>,
}

/// Read a Markdown doc. Nothing in it can fail: text that is no table or fact is ignored.
pub fn parse(file: FileId, source: &str, names: &ServiceNames) -> Doc {
    let mut doc = Doc {
        file,
        tables: Vec::new(),
        facts: Vec::new(),
    };
    let mut table: Option<TableBuilder> = None;
    let mut cell: Option<Vec<Piece>> = None;
    let mut heading: Option<String> = None;
    let mut heading_service: Option<String> = None;
    let mut code: Option<Vec<Piece>> = None;
    // The service the current paragraph named last.
    let mut paragraph: Option<String> = None;
    let parser = Parser::new_ext(source, Options::ENABLE_TABLES).into_offset_iter();
    for (event, range) in parser {
        match event {
            Event::Start(Tag::Table(_)) => table = Some(TableBuilder::default()),
            Event::End(TagEnd::Table) => {
                if let Some(built) = table.take() {
                    doc.tables
                        .extend(budget_table(file, source, built, names, &mut doc.facts));
                }
            }
            Event::Start(Tag::TableHead) => {
                if let Some(t) = table.as_mut() {
                    t.in_head = true;
                }
            }
            Event::End(TagEnd::TableHead) => {
                if let Some(t) = table.as_mut() {
                    t.in_head = false;
                }
            }
            Event::Start(Tag::TableRow) => {
                if let Some(t) = table.as_mut() {
                    t.rows.push((range, Vec::new()));
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(Vec::new()),
            Event::End(TagEnd::TableCell) => {
                if let (Some(t), Some(pieces)) = (table.as_mut(), cell.take()) {
                    if t.in_head {
                        t.header
                            .push(pieces.iter().map(|p| p.text.as_str()).collect());
                    } else if let Some((_, cells)) = t.rows.last_mut() {
                        cells.push(pieces);
                    }
                }
            }
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                heading_service = heading
                    .take()
                    .and_then(|h| names.mentioned(&h).map(str::to_string));
                paragraph = None;
            }
            Event::Start(Tag::CodeBlock(_)) => code = Some(Vec::new()),
            Event::End(TagEnd::CodeBlock) => {
                if let Some(pieces) = code.take() {
                    code_block_facts(
                        file,
                        &pieces,
                        names,
                        heading_service.as_deref(),
                        &mut doc.facts,
                    );
                }
            }
            Event::Start(Tag::Paragraph | Tag::Item) | Event::End(TagEnd::Paragraph) => {
                paragraph = None
            }
            Event::Text(text) | Event::Code(text) => {
                let piece = Piece::new(source, &text, range);
                if let Some(pieces) = cell.as_mut() {
                    pieces.push(piece);
                } else if let Some(h) = heading.as_mut() {
                    h.push_str(&text);
                } else if let Some(pieces) = code.as_mut() {
                    pieces.push(piece);
                } else if doc.facts.len() < MAX_FACTS {
                    // A fact goes with the service named last before it in its paragraph,
                    // else with its section's.
                    let mentions = names.mentions(&piece.text);
                    for (kind, at) in scan(&piece.text) {
                        let before = mentions.partition_point(|&(m, _)| m < at.start);
                        let service = before
                            .checked_sub(1)
                            .map(|i| mentions[i].1.to_string())
                            .or_else(|| paragraph.clone())
                            .or_else(|| heading_service.clone());
                        if let Some(service) = service {
                            push_fact(file, &piece, kind, at, service, &mut doc.facts);
                        }
                    }
                    if let Some(&(_, last)) = mentions.last() {
                        paragraph = Some(last.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    // A doc that groups thousands anywhere (`1,984 MB`) wants them grouped in every size it
    // is given.
    let grouped = doc
        .tables
        .iter()
        .flat_map(|t| &t.rows)
        .any(|r| r.size.as_ref().is_some_and(|(s, _)| s.separator));
    if grouped {
        for (size, _) in doc
            .tables
            .iter_mut()
            .flat_map(|t| &mut t.rows)
            .filter_map(|r| r.size.as_mut())
        {
            size.separator = true;
        }
        for fact in &mut doc.facts {
            if let FactKind::ReplicaAdds(size) = &mut fact.kind {
                size.separator = true;
            }
        }
    }
    doc
}

/// Facts in a fenced or indented code block: tied to the service whose key opens a line of it
/// (`redis:`), else to the section's service. A block introduced as a change to make ("# Add
/// to docker-compose.yml", "update api command") states no current value.
fn code_block_facts(
    file: FileId,
    pieces: &[Piece],
    names: &ServiceNames,
    heading_service: Option<&str>,
    facts: &mut Vec<Fact>,
) {
    let text: String = pieces.iter().map(|p| p.text.as_str()).collect();
    let first = text
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let proposal = first.starts_with('#')
        && ["add", "update", "change", "increase"].iter().any(|w| {
            first
                .split(|c: char| !c.is_ascii_alphabetic())
                .any(|word| word == *w)
        });
    if proposal {
        return;
    }
    let keyed = text.lines().find_map(|line| {
        let key = line.trim().strip_suffix(':')?;
        names.resolve(key).map(str::to_string)
    });
    let Some(service) = keyed.or_else(|| heading_service.map(str::to_string)) else {
        return;
    };
    for piece in pieces {
        if facts.len() >= MAX_FACTS {
            break;
        }
        for (kind, at) in scan(&piece.text) {
            push_fact(file, piece, kind, at, service.clone(), facts);
        }
    }
}

fn push_fact(
    file: FileId,
    piece: &Piece,
    kind: FactKind,
    at: Range<usize>,
    service: String,
    facts: &mut Vec<Fact>,
) {
    if !piece.exact || facts.len() >= MAX_FACTS {
        return;
    }
    let text = piece.text[at.clone()].to_string();
    facts.push(Fact {
        service,
        kind,
        count: text.parse().ok(),
        text,
        span: Span::new(
            file,
            piece.range.start + at.start..piece.range.start + at.end,
        ),
    });
}

/// The budget table a Markdown table is, if it is one; the facts in its rows go to `facts`.
fn budget_table(
    file: FileId,
    source: &str,
    built: TableBuilder,
    names: &ServiceNames,
    facts: &mut Vec<Fact>,
) -> Option<Table> {
    let header: Vec<String> = built
        .header
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let name_column = header
        .iter()
        .position(|h| h.contains("container") || h.contains("service"))?;
    let size_column = header.iter().enumerate().position(|(i, h)| {
        i != name_column
            && ["limit", "memory", "ram", "mem"]
                .iter()
                .any(|w| h.contains(w))
    })?;
    let per_replica_total =
        header[size_column].contains("total") || header[size_column].contains("replica");
    let mut rows = Vec::new();
    for (range, cells) in built.rows {
        let Some(name_cell) = cells.get(name_column) else {
            continue;
        };
        let name: String = name_cell.iter().map(|p| p.text.as_str()).collect();
        let name = name.trim().to_string();
        let name_span = match (name_cell.first(), name_cell.last()) {
            (Some(first), Some(last)) => Span::new(file, first.range.start..last.range.end),
            _ => Span::new(file, range.start..range.start),
        };
        let size = cells.get(size_column).and_then(|pieces| {
            let [piece] = pieces.as_slice() else {
                return None;
            };
            let parsed = DocSize::parse(&piece.text).filter(|_| piece.exact)?;
            let trimmed = piece.text.trim_start();
            let start = piece.range.start + piece.text.len() - trimmed.len();
            Some((
                parsed,
                Span::new(file, start..start + trimmed.trim_end().len()),
            ))
        });
        let lower = name.to_ascii_lowercase();
        let kind = if lower.contains("subtotal") {
            RowKind::Subtotal
        } else if lower.contains("total") {
            RowKind::Total
        } else if let Some(service) = names.resolve(&name) {
            RowKind::Service(service.to_string())
        } else if size.is_some()
            && !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            RowKind::Unknown
        } else {
            RowKind::Other
        };
        if let RowKind::Service(service) = &kind {
            for piece in cells.iter().flatten() {
                for (fact, at) in scan(&piece.text) {
                    push_fact(file, piece, fact, at, service.clone(), facts);
                }
            }
        }
        let line_start = source[..range.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[range.start..]
            .find('\n')
            .map_or(source.len(), |i| range.start + i);
        let before_pipe = &source[line_start..line_end];
        let indent_len = before_pipe.len() - before_pipe.trim_start().len();
        rows.push(Row {
            name,
            name_span,
            kind,
            size,
            line_end: line_end - usize::from(source[..line_end].ends_with('\r')),
            indent: before_pipe[..indent_len].to_string(),
            piped: before_pipe.trim_start().starts_with('|'),
        });
    }
    // A column of sizes: a table whose cells there are no sizes (`mem_limit: 256m`) is none.
    if rows.iter().all(|r| r.size.is_none()) {
        return None;
    }
    Some(Table {
        columns: built.header.len(),
        name_column,
        size_column,
        per_replica_total,
        rows,
    })
}

/// The facts in one piece of text, each with the range of its value.
fn scan(text: &str) -> Vec<(FactKind, Range<usize>)> {
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    let keyword_at = |keyword: &str| -> Vec<usize> {
        lower
            .match_indices(keyword)
            .filter(|(at, _)| {
                !lower[..*at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            })
            .map(|(at, k)| at + k.len())
            .collect()
    };
    let value_after = |at: usize, separators: &[char]| -> Option<Range<usize>> {
        let rest = &text[at..];
        let gap = rest.len() - rest.trim_start_matches(separators).len();
        if gap == 0 {
            return None;
        }
        let start = at + gap;
        let len = text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
            .unwrap_or(text.len() - start);
        let value = text[start..start + len].trim_end_matches(['.', '-']);
        (!value.is_empty()).then(|| start..start + value.len())
    };
    for end in keyword_at("maxmemory") {
        if lower[end..].starts_with("-policy") {
            let end = end + "-policy".len();
            if let Some(value) = value_after(end, &[' ', '\t', '=', ':']) {
                found.push((FactKind::MaxmemoryPolicy, value));
            }
        } else if let Some(value) = value_after(end, &[' ', '\t', '=', ':'])
            .filter(|v| text[v.clone()].starts_with(|c: char| c.is_ascii_digit()))
        {
            found.push((FactKind::Maxmemory, value));
        }
    }
    for end in keyword_at("mem_limit:") {
        if let Some(value) = value_after(end, &[' ', '\t', '"', '\''])
            .filter(|v| text[v.clone()].starts_with(|c: char| c.is_ascii_digit()))
        {
            found.push((FactKind::MemLimit, value));
        }
    }
    let count = |value: Option<Range<usize>>| {
        value.filter(|v| text[v.clone()].bytes().all(|b| b.is_ascii_digit()))
    };
    for end in keyword_at("concurrency") {
        let flag = lower[..end - "concurrency".len()].ends_with("--");
        let separators: &[char] = if flag { &[' ', '='] } else { &['='] };
        if let Some(value) = count(value_after(end, separators)) {
            found.push((FactKind::Concurrency, value));
        }
    }
    for end in keyword_at("--workers") {
        if let Some(value) = count(value_after(end, &[' ', '='])) {
            found.push((FactKind::Workers, value));
        }
    }
    for end in keyword_at("each replica adds") {
        let rest = &text[end..];
        let start = end + rest.len() - rest.trim_start().len();
        let number_end = text[start..]
            .find(|c: char| !(c.is_ascii_digit() || ",.~≈ ".contains(c)))
            .map_or(text.len(), |i| start + i);
        let unit_end = text[number_end..]
            .find(|c: char| !c.is_ascii_alphabetic())
            .map_or(text.len(), |i| number_end + i);
        if let Some(size) = DocSize::parse(&text[start..unit_end]) {
            found.push((FactKind::ReplicaAdds(size), start..unit_end));
        }
    }
    found.sort_by_key(|(_, at)| at.start);
    found
}

#[cfg(test)]
mod tests;

/// Why fixed Markdown is not the original with only its stale cells and values rewritten (and
/// rows added), if it is not: the fix engine's check for docs, as the YAML shape is for compose
/// files.
pub fn check_fix(
    original: &str,
    fixed: &str,
    edits: &[crate::diagnostic::Edit],
) -> Result<(), String> {
    let mut inserted = 0;
    for edit in edits {
        let text = &edit.replacement;
        if edit.span.is_empty() && text.starts_with('\n') && !text[1..].contains('\n') {
            inserted += 1;
        } else if text.contains(['\n', '|', '`', '*', '\\', '<', '[']) {
            return Err(format!(
                "write Markdown structure (`{}`) into a doc",
                text.escape_debug()
            ));
        }
    }
    let (before, after) = (table_shape(original), table_shape(fixed));
    let rows = |shape: &[Vec<usize>]| shape.iter().map(Vec::len).sum::<usize>();
    let same_tables = before.len() == after.len()
        && before
            .iter()
            .zip(&after)
            .all(|(b, a)| b.first() == a.first())
        && rows(&after) == rows(&before) + inserted;
    if !same_tables {
        return Err("change the tables of a doc beyond their cells".to_string());
    }
    Ok(())
}

/// The cells of each row of each table.
fn table_shape(text: &str) -> Vec<Vec<usize>> {
    let mut tables: Vec<Vec<usize>> = Vec::new();
    for event in Parser::new_ext(text, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Table(_)) => tables.push(vec![0]),
            Event::Start(Tag::TableRow) => {
                if let Some(t) = tables.last_mut() {
                    t.push(0);
                }
            }
            Event::Start(Tag::TableCell) => {
                if let Some(cells) = tables.last_mut().and_then(|t| t.last_mut()) {
                    *cells += 1;
                }
            }
            _ => {}
        }
    }
    tables
}
