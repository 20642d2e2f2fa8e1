//! Suppression comments: `# orion-lint ignore=RULE[,RULE]  # reason` and
//! `# orion-lint global ignore=RULE[,RULE]`.
//!
//! What a comment covers:
//!
//! - `global ignore=`, anywhere in a file: every finding whose primary location is in that file.
//! - `ignore=` at the end of a line, or on a line of its own above it (blank lines and other
//!   comments may come between): the findings whose primary location starts on that line or
//!   inside the YAML node that starts on it, a mapping entry (key and value, with everything
//!   nested under it) or a sequence item; and the findings on a value written elsewhere but used
//!   there (the `<<: *defaults` or alias that brings an anchor's value, the `${VAR}` that takes it
//!   from `.env`). Above a service's key it also covers the findings about that service wherever
//!   they are reported: at an anchor it merges, in a `.env` value, in another compose file of the
//!   project, in its mounted `redis.conf`.
//!
//! Where comments are read: compose files (with the YAML scanner's view of the text, so a `#` in
//! a quoted or block scalar, or one not preceded by a space, is not a comment), `.env` files (a
//! `#` at the start of a line, or after a space following an unquoted or quoted value) and the
//! other files a project reads, such as a mounted `redis.conf` or `postgresql.conf`, where only a
//! comment on its own line counts: Redis has no end-of-line comments.
//!
//! Unknown rule names and malformed comments are `suppression-invalid` findings; a rule named in
//! a comment that suppresses nothing, while that rule runs, is an `unused-suppression` finding.

use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;

use crate::compose::{Project, dotenv};
use crate::diagnostic::Diagnostic;
use crate::registry::{self, Rule};
use crate::selection::RuleSettings;
use crate::source::{FileId, FileKind, SourceMap, Span};
use crate::yaml;

/// How a file's comments are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// YAML: comments are what the YAML scanner leaves outside scalars.
    Compose,
    /// `NAME=value # comment`, as Compose reads `.env` files.
    Dotenv,
    /// A config file of another program: only whole-line `#` comments.
    Other,
}

impl Kind {
    /// From what the loader tagged the file as when it read it, not from its name.
    fn of(file: FileKind) -> Kind {
        match file {
            FileKind::Compose => Kind::Compose,
            FileKind::EnvFile => Kind::Dotenv,
            FileKind::RedisConf | FileKind::PostgresConf | FileKind::Other => Kind::Other,
        }
    }
}

/// A rule named in a suppression comment.
#[derive(Clone, Debug)]
struct Named {
    rule: &'static Rule,
    span: Span,
    used: bool,
}

/// What a line suppression covers.
#[derive(Clone, Debug)]
struct Target {
    /// The byte range: the line, and the node that starts on it.
    range: Range<usize>,
    /// The service whose key is on that line.
    service: Option<String>,
}

#[derive(Clone, Debug)]
struct Directive {
    /// `None` for `global ignore=`; for a line suppression, what it covers (`Some(None)` when no
    /// line follows the comment).
    target: Option<Option<Target>>,
    rules: Vec<Named>,
}

/// The suppressions of one file, and the mistakes in its suppression comments.
#[derive(Clone, Debug)]
struct FileSuppressions {
    directives: Vec<Directive>,
    /// `suppression-invalid` findings: where, the label and the message.
    invalid: Vec<(Span, String, String)>,
}

/// The suppression comments of every file a lint run reads, read once each, with what they have
/// suppressed so far.
#[derive(Debug, Default)]
pub struct Suppressions {
    files: HashMap<FileId, FileSuppressions>,
}

impl Suppressions {
    /// The loader tags `--env-file` files as env files when it reads them, whatever their
    /// names, so `_env_files` is no longer needed here; the parameter goes when the callers move
    /// to the engine (issue 9).
    pub fn new(_env_files: &[PathBuf]) -> Self {
        Suppressions::default()
    }

    fn file(
        &mut self,
        file: FileId,
        project: &Project,
        sources: &SourceMap,
    ) -> &mut FileSuppressions {
        self.files.entry(file).or_insert_with(|| {
            let source = sources.get(file);
            let outline = project.outlines.get(&file);
            scan(&source.text, file, Kind::of(source.kind), outline)
        })
    }

    /// Remove the findings of one project that a comment suppresses, and remember which
    /// comments did. `files` are the files the project read.
    pub fn filter(
        &mut self,
        project: &Project,
        files: &[FileId],
        sources: &SourceMap,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        for &file in files {
            self.file(file, project, sources);
        }
        for d in diagnostics.iter() {
            self.file(d.primary.span.file, project, sources);
        }
        // Service suppressions count in the project's own compose files.
        let compose_files: Vec<FileId> = project
            .files
            .iter()
            .chain(&project.imported)
            .copied()
            .collect();
        diagnostics.retain(|d| {
            let mut suppressed = false;
            // The files whose comments may cover the finding, each once: not every file of the
            // run, which would make a tree of projects quadratic.
            let mut related: Vec<FileId> = compose_files.clone();
            related.push(d.primary.span.file);
            related.extend(d.uses.iter().map(|u| u.file));
            related.sort_unstable();
            related.dedup();
            for file in related {
                let Some(suppressions) = self.files.get_mut(&file) else {
                    continue;
                };
                let own = compose_files.contains(&file);
                for directive in &mut suppressions.directives {
                    if !directive.covers(d, file, own) {
                        continue;
                    }
                    for named in directive.rules.iter_mut().filter(|n| n.rule.name == d.rule) {
                        named.used = true;
                        suppressed = true;
                    }
                }
            }
            !suppressed
        });
    }

    /// The `suppression-invalid` and `unused-suppression` findings of a file, once every project
    /// that reads it has been filtered. `settings` are those of the project it belongs to: a
    /// suppression of a rule that does not run is not reported as unused.
    pub fn findings(
        &mut self,
        file: FileId,
        project: &Project,
        settings: &RuleSettings,
        sources: &SourceMap,
    ) -> Vec<Diagnostic> {
        let text = sources.get(file);
        let suppressions = self.file(file, project, sources);
        let mut out: Vec<Diagnostic> = suppressions
            .invalid
            .iter()
            .map(|(span, label, message)| {
                registry::SUPPRESSION_INVALID.at(span.clone(), label.clone(), message.clone())
            })
            .collect();
        settings.apply_to(&mut out);
        suppress_meta(suppressions, &mut out);
        let mut unused = Vec::new();
        for directive in &suppressions.directives {
            for named in &directive.rules {
                if named.used
                    || named.rule.name == registry::UNUSED_SUPPRESSION.name
                    || !settings.is_enabled(named.rule.name)
                {
                    continue;
                }
                let place = match &directive.target {
                    None => "in this file".to_string(),
                    Some(None) => "here: no line follows the comment".to_string(),
                    Some(Some(target)) => {
                        let first = text.line_col(target.range.start).line;
                        let last = text.line_col(target.range.end).line;
                        let lines = if first == last {
                            format!("on line {first}")
                        } else {
                            format!("on lines {first}-{last}")
                        };
                        match &target.service {
                            Some(service) => format!("{lines} or about service `{service}`"),
                            None => lines,
                        }
                    }
                };
                let name = named.rule.name;
                let help = if directive.rules.len() == 1 {
                    "remove the comment".to_string()
                } else {
                    format!("remove `{name}` from the comment")
                };
                unused.push(
                    registry::UNUSED_SUPPRESSION
                        .at(
                            named.span.clone(),
                            "suppresses nothing",
                            format!("unused suppression: no `{name}` finding {place}"),
                        )
                        .with_help(help),
                );
            }
        }
        settings.apply_to(&mut unused);
        suppress_meta(suppressions, &mut unused);
        out.extend(unused);
        out
    }
}

/// Suppress findings about the suppressions of a file with the file's own comments
/// (`# orion-lint global ignore=unused-suppression`).
fn suppress_meta(suppressions: &mut FileSuppressions, diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.retain(|d| {
        let mut suppressed = false;
        for directive in &mut suppressions.directives {
            if directive.covers(d, d.primary.span.file, false) {
                for named in directive.rules.iter_mut().filter(|n| n.rule.name == d.rule) {
                    named.used = true;
                    suppressed = true;
                }
            }
        }
        !suppressed
    });
}

impl Directive {
    /// Whether the directive, in `file`, covers a finding (the rule is checked by the caller):
    /// a global one if the finding's primary location is in the file; a line one if the primary
    /// location or a place where the value is used starts in what it covers, or if it covers the
    /// finding's service (`own`: `file` is a compose file of the finding's project).
    fn covers(&self, d: &Diagnostic, file: FileId, own: bool) -> bool {
        match &self.target {
            None => d.primary.span.file == file,
            Some(None) => false,
            Some(Some(target)) => {
                let inside = |span: &Span| {
                    span.file == file
                        && target.range.start <= span.range.start
                        && span.range.start <= target.range.end
                };
                inside(&d.primary.span)
                    || d.uses.iter().any(inside)
                    || (own
                        && target.service.is_some()
                        && target.service.as_deref() == d.service.as_deref())
            }
        }
    }
}

/// A comment: the byte range from its `#` to the end of its line, and whether it is alone on its
/// line.
#[derive(Clone, Debug, PartialEq)]
struct Comment {
    range: Range<usize>,
    own_line: bool,
}

/// Read the suppression comments of a file; a compose file's `outline` comes from its one
/// parse.
fn scan(text: &str, file: FileId, kind: Kind, outline: Option<&yaml::Outline>) -> FileSuppressions {
    let outline = outline.filter(|_| kind == Kind::Compose);
    let comments = match (kind, outline) {
        (Kind::Compose, Some(outline)) => comments(text, &outline.scalars, false),
        (Kind::Dotenv, _) => dotenv_comments(file, text),
        _ => whole_line_comments(text),
    };
    let mut suppressions = FileSuppressions {
        directives: Vec::new(),
        invalid: Vec::new(),
    };
    for (i, comment) in comments.iter().enumerate() {
        let body = &text[comment.range.clone()];
        let span = |r: Range<usize>| {
            Span::new(
                file,
                comment.range.start + r.start..comment.range.start + r.end,
            )
        };
        let parsed = match parse_comment(body) {
            None => continue,
            Some(Err(why)) => {
                suppressions.invalid.push((
                    span(0..body.len()),
                    "malformed suppression".to_string(),
                    format!(
                        "malformed suppression comment: {why}; write `# orion-lint ignore=RULE[,RULE]` (then `# reason` if you like) or `# orion-lint global ignore=RULE`"
                    ),
                ));
                continue;
            }
            Some(Ok(parsed)) => parsed,
        };
        let mut named = Vec::new();
        for (name, range) in parsed.rules {
            match crate::selection::rule_named(name) {
                Ok(rule) => named.push(Named {
                    rule,
                    span: span(range),
                    used: false,
                }),
                Err(why) => suppressions.invalid.push((
                    span(range),
                    "unknown rule".to_string(),
                    format!("{why} (in a suppression comment)"),
                )),
            }
        }
        if named.is_empty() {
            continue;
        }
        let target = if parsed.global {
            None
        } else {
            let line_start = line_start(text, comment.range.start);
            let target_line = if comment.own_line {
                next_content_line(text, &comments[i + 1..], comment.range.end)
            } else {
                Some(line_start)
            };
            Some(target_line.map(|start| target(text, start, outline)))
        };
        suppressions.directives.push(Directive {
            target,
            rules: named,
        });
    }
    suppressions
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, start: usize) -> usize {
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    if text[..end].ends_with('\r') {
        end - 1
    } else {
        end
    }
}

/// The start of the first line after `offset` that is neither blank nor a comment alone on its
/// line (`later` are the comments after the one at `offset`).
fn next_content_line(text: &str, later: &[Comment], offset: usize) -> Option<usize> {
    let mut start = text[offset..].find('\n').map(|i| offset + i + 1)?;
    while start < text.len() {
        let end = line_end(text, start);
        let blank = text[start..end].trim().is_empty();
        let comment_line = later
            .iter()
            .any(|c| c.own_line && line_start(text, c.range.start) == start);
        if !blank && !comment_line {
            return Some(start);
        }
        start = text[end..].find('\n').map(|i| end + i + 1)?;
    }
    None
}

/// What a line suppression covers: the line starting at `start`, and the largest mapping entry
/// or sequence item that starts on it.
fn target(text: &str, start: usize, outline: Option<&yaml::Outline>) -> Target {
    let end = line_end(text, start);
    let node = outline.and_then(|o| {
        o.nodes
            .iter()
            .filter(|n| (start..=end).contains(&n.range.start))
            .max_by_key(|n| (n.range.end, std::cmp::Reverse(n.path.len())))
    });
    Target {
        range: start..node.map_or(end, |n| {
            line_end(text, line_start(text, n.range.end)).max(end)
        }),
        service: node
            .filter(|n| n.path.len() == 2 && n.path[0] == "services" && n.path[1] != "-")
            .map(|n| n.path[1].clone()),
    }
}

/// Comments: a `#` at the start of a line or after a space (or, unless `space_only`, a tab) that
/// is not inside a `protected` range, up to the end of its line.
fn comments(text: &str, protected: &[Range<usize>], space_only: bool) -> Vec<Comment> {
    let mut sorted: Vec<&Range<usize>> = protected.iter().collect();
    sorted.sort_by_key(|r| r.start);
    let inside = |pos: usize| {
        let i = sorted.partition_point(|r| r.start <= pos);
        sorted[..i].iter().any(|r| pos < r.end)
    };
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let end = line_end(text, start);
        let mut pos = start;
        while let Some(i) = text[pos..end].find('#') {
            let at = pos + i;
            let separated =
                at == start || bytes[at - 1] == b' ' || (!space_only && bytes[at - 1] == b'\t');
            if separated && !inside(at) {
                out.push(Comment {
                    range: at..end,
                    own_line: text[start..at].trim().is_empty(),
                });
                break;
            }
            pos = at + 1;
        }
        start = match text[end..].find('\n') {
            Some(i) => end + i + 1,
            None => break,
        };
    }
    out
}

/// The comments of a `.env` file: a `#` inside a quoted value is part of it; an unquoted value
/// ends before ` #`, as Compose reads it.
fn dotenv_comments(file: FileId, text: &str) -> Vec<Comment> {
    let Ok(entries) = dotenv::parse(file, text, &HashMap::new()) else {
        return whole_line_comments(text);
    };
    let protected: Vec<Range<usize>> = entries
        .iter()
        .map(|e| {
            let r = e.span.range.clone();
            let quoted = r.start > 0 && matches!(text.as_bytes()[r.start - 1], b'"' | b'\'');
            if quoted {
                r.start - 1..(r.end + 1).min(text.len())
            } else {
                r
            }
        })
        .collect();
    comments(text, &protected, true)
}

/// Comments alone on their lines.
fn whole_line_comments(text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let end = line_end(text, start);
        let line = &text[start..end];
        let indent = line.len() - line.trim_start().len();
        if line[indent..].starts_with('#') {
            out.push(Comment {
                range: start + indent..end,
                own_line: true,
            });
        }
        start = match text[end..].find('\n') {
            Some(i) => end + i + 1,
            None => break,
        };
    }
    out
}

/// A suppression comment's content.
#[derive(Debug, PartialEq)]
struct Parsed<'a> {
    global: bool,
    /// Each rule name with its byte range in the comment.
    rules: Vec<(&'a str, Range<usize>)>,
}

/// Read a comment (from its `#`): `None` when it is not addressed to orion-lint, an error when it
/// is but is malformed.
fn parse_comment(comment: &str) -> Option<Result<Parsed<'_>, String>> {
    let body = comment.strip_prefix('#')?;
    let rest = body.trim_start();
    let rest = rest.strip_prefix("orion-lint")?;
    // `# orion-lint.toml ...`, `# orion-linting`: prose.
    if !(rest.is_empty() || rest.starts_with([' ', '\t', ':'])) {
        return None;
    }
    let offset = |s: &str| comment.len() - s.len();
    if let Some(after) = rest.strip_prefix(':') {
        let word = after.trim_start();
        if word.starts_with("ignore") || word.starts_with("global") {
            return Some(Err("no `:` after `orion-lint`".to_string()));
        }
        return None;
    }
    let mut words = rest.trim_start();
    let first_word = |s: &str| -> String {
        s.split(|c: char| c.is_whitespace() || c == '=')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let global = first_word(words) == "global";
    if global {
        words = words["global".len()..].trim_start();
    }
    let word = first_word(words);
    let after_word = words[word.len()..].trim_start();
    if word != "ignore" {
        return if global || after_word.starts_with('=') {
            Some(Err(if word.is_empty() {
                "`ignore=` is missing".to_string()
            } else {
                format!("`{word}` is not a suppression; the word is `ignore`")
            }))
        } else {
            None // prose that mentions orion-lint
        };
    }
    let Some(list) = after_word.strip_prefix('=') else {
        return Some(Err("`ignore` needs `=` and rule names".to_string()));
    };
    let list_start = offset(list);
    // A reason may follow after `#`.
    let list = list.split('#').next().unwrap_or_default();
    let mut rules = Vec::new();
    let mut pos = 0;
    for item in list.split(',') {
        let trimmed = item.trim();
        let lead = item.len() - item.trim_start().len();
        let start = list_start + pos + lead;
        pos += item.len() + 1;
        if trimmed.is_empty() {
            return Some(Err("an empty rule name".to_string()));
        }
        if let Some(space) = trimmed.find(char::is_whitespace) {
            return Some(Err(format!(
                "unexpected `{}` after `{}`: separate rule names with `,` and start a reason with `#`",
                trimmed[space..].trim(),
                &trimmed[..space]
            )));
        }
        rules.push((
            &comment[start..start + trimmed.len()],
            start..start + trimmed.len(),
        ));
    }
    Some(Ok(Parsed { global, rules }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn file() -> FileId {
        SourceMap::default().add(SourceFile::new("t.yml".into(), ""))
    }

    fn names<'a>(parsed: &Parsed<'a>) -> Vec<&'a str> {
        parsed.rules.iter().map(|(n, _)| *n).collect()
    }

    #[test]
    fn comments_are_parsed_hadolint_style() {
        let p = parse_comment("# orion-lint ignore=a-b,c  # because")
            .unwrap()
            .unwrap();
        assert_eq!((p.global, names(&p)), (false, vec!["a-b", "c"]));
        let c = "#orion-lint global ignore = a , b";
        let p = parse_comment(c).unwrap().unwrap();
        assert_eq!((p.global, names(&p)), (true, vec!["a", "b"]));
        assert_eq!(&c[p.rules[1].1.clone()], "b");
        for prose in [
            "# a comment",
            "# orion-lint checks memory",
            "# orion-lint.toml holds the plan",
            "# see orion-lint ignore=x",
        ] {
            assert_eq!(parse_comment(prose), None, "{prose}");
        }
        for (bad, why) in [
            ("# orion-lint ignore", "needs `=`"),
            ("# orion-lint ignore=", "empty rule name"),
            ("# orion-lint ignore=a,", "empty rule name"),
            ("# orion-lint ignore=a b", "unexpected `b` after `a`"),
            ("# orion-lint disable=a", "`disable` is not a suppression"),
            ("# orion-lint global", "`ignore=` is missing"),
            ("# orion-lint: ignore=a", "no `:`"),
        ] {
            let error = parse_comment(bad).unwrap().unwrap_err();
            assert!(error.contains(why), "{bad}: {error}");
        }
    }

    #[test]
    fn a_hash_in_a_scalar_is_not_a_comment() {
        let text = "a: \"x # orion-lint ignore=q\"\nb: 'y # z' # real\nc: |\n  # text\n  more\n# top\nd: e#f\n";
        let (_, outline) = yaml::parse_with_outline(file(), text).unwrap();
        let found: Vec<&str> = comments(text, &outline.scalars, false)
            .iter()
            .map(|c| &text[c.range.clone()])
            .collect();
        assert_eq!(found, ["# real", "# top"]);
    }

    #[test]
    fn dotenv_comments_follow_compose() {
        let text = "# head\nA=1 # tail\nB=\"2 # in\" # after\nC=x#y\nD='3 #x'\n";
        let found: Vec<&str> = dotenv_comments(file(), text)
            .iter()
            .map(|c| &text[c.range.clone()])
            .collect();
        assert_eq!(found, ["# head", "# tail", "# after"]);
    }

    #[test]
    fn targets_cover_the_node_that_starts_on_the_line() {
        let text = "services:\n  # orion-lint ignore=mem-limit-missing\n\n  redis:\n    image: redis\n    mem_limit: 1g # orion-lint ignore=mem-limit-invalid\n  api:\n    image: api\n";
        let (_, outline) = yaml::parse_with_outline(file(), text).unwrap();
        let s = scan(text, file(), Kind::Compose, Some(&outline));
        assert!(s.invalid.is_empty(), "{:?}", s.invalid);
        let covered = |d: &Directive| {
            let t = d.target.clone().unwrap().unwrap();
            (text[t.range].to_string(), t.service)
        };
        assert_eq!(
            covered(&s.directives[0]),
            (
                "  redis:\n    image: redis\n    mem_limit: 1g # orion-lint ignore=mem-limit-invalid".to_string(),
                Some("redis".to_string())
            )
        );
        assert_eq!(
            covered(&s.directives[1]),
            (
                "    mem_limit: 1g # orion-lint ignore=mem-limit-invalid".to_string(),
                None
            )
        );
    }
}
