//! Compose variable interpolation (`$VAR`, `${VAR:-default}`, ...), keeping track of where the
//! resulting text comes from so that a finding can point at the text to edit: the default inside
//! `${...}`, or the `.env` line that sets the variable.
//!
//! Grammar and semantics follow compose-go `template/template.go` as Compose v2.40 runs it.

use std::ops::Range;

use crate::source::Span;

/// A variable's value and where it was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    pub value: String,
    /// The value's text in a `.env` file; `None` when it comes from the process environment.
    pub span: Option<Span>,
}

/// Where the whole result of a template comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The template's own text (no variable was substituted).
    Literal,
    /// The default or alternative inside `${...}`, at this range of the template.
    Default(Range<usize>),
    /// A variable's value.
    Variable { name: String, span: Option<Span> },
    /// Pieces of several origins, such as `${MEM:-1024}m`.
    Mixed,
}

/// Where one part of a result was copied from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// This range of the template, character for character.
    Template(Range<usize>),
    /// A variable's value (see [`Variable::span`]).
    Variable(Option<Span>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpolated {
    pub text: String,
    pub origin: Origin,
    /// The parts of `text` and where each was copied from; a `$$` escape has no part.
    pub pieces: Vec<(Range<usize>, Source)>,
    /// Variables that were unset (or empty, for `:`-forms) and had no default: Compose uses an
    /// empty string, so the value is not what the author meant. `${VAR:?message}` lands here too.
    pub unset: Vec<String>,
    /// The variables whose values are part of `text`, with where each was set (a `.env` line;
    /// `None` for the process environment).
    pub variables: Vec<(String, Option<Span>)>,
    /// Those of `unset` that were required (`${VAR?message}`, `${VAR:?message}`): Compose refuses
    /// the file instead of substituting.
    pub required: Vec<String>,
}

impl Interpolated {
    /// Append template text that starts at `at` in the template.
    fn copy(&mut self, text: &str, at: usize) {
        let start = self.text.len();
        self.text.push_str(text);
        self.pieces.push((
            start..self.text.len(),
            Source::Template(at..at + text.len()),
        ));
    }
}

/// A template Compose refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    /// Where in the template the bad `${` starts.
    pub offset: usize,
}

/// Interpolate `template`, looking variables up with `lookup`.
pub fn interpolate<'v>(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<&'v Variable>,
) -> Result<Interpolated, TemplateError> {
    let mut out = Interpolated {
        text: String::new(),
        origin: Origin::Literal,
        pieces: Vec::new(),
        unset: Vec::new(),
        variables: Vec::new(),
        required: Vec::new(),
    };
    let pieces = expand(template, 0, lookup, &mut out)?;
    out.origin = match pieces.as_slice() {
        [] => Origin::Literal,
        [(range, origin)] if *range == (0..template.len()) => origin.clone(),
        _ => Origin::Mixed,
    };
    Ok(out)
}

/// Expand `template` (which starts at `base` in the outermost template) into `out.text`, and
/// return the substitutions made: the template range each replaced and its origin.
fn expand<'v>(
    template: &str,
    base: usize,
    lookup: &dyn Fn(&str) -> Option<&'v Variable>,
    out: &mut Interpolated,
) -> Result<Vec<(Range<usize>, Origin)>, TemplateError> {
    let bytes = template.as_bytes();
    let mut pieces = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            let next = template[i..].find('$').map_or(template.len(), |n| i + n);
            out.copy(&template[i..next], base + i);
            i = next;
            continue;
        }
        let start = i;
        match bytes.get(i + 1) {
            Some(b'$') => {
                // `$$` is a literal `$`; it counts as a substitution of the template's text.
                out.text.push('$');
                pieces.push((base + start..base + i + 2, Origin::Mixed));
                i += 2;
            }
            Some(b'{') => {
                let close = matching_brace(template, i + 2).ok_or(TemplateError {
                    offset: base + start,
                })?;
                let origin = braced(template, i + 2, close, base, lookup, out)?;
                pieces.push((base + start..base + close + 1, origin));
                i = close + 1;
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let end = name_end(template, i + 1);
                let name = &template[i + 1..end];
                let origin = substitute(name, lookup, out);
                pieces.push((base + start..base + end, origin));
                i = end;
            }
            // A `$` that cannot start a variable stays as it is.
            _ => {
                out.copy("$", base + i);
                i += 1;
            }
        }
    }
    Ok(pieces)
}

fn name_end(text: &str, from: usize) -> usize {
    text[from..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(text.len(), |n| from + n)
}

/// The index of the `}` closing a `${` whose content starts at `from`, counting nested `${`.
fn matching_brace(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// `${NAME}`, `${NAME:-default}` and the other operators: the content is `text[from..close]`.
fn braced<'v>(
    text: &str,
    from: usize,
    close: usize,
    base: usize,
    lookup: &dyn Fn(&str) -> Option<&'v Variable>,
    out: &mut Interpolated,
) -> Result<Origin, TemplateError> {
    let invalid = TemplateError {
        offset: base + from - 2,
    };
    let first = text.as_bytes().get(from).copied();
    if !first.is_some_and(|c| c.is_ascii_alphabetic() || c == b'_') {
        return Err(invalid);
    }
    let end = name_end(text, from);
    let name = &text[from..end];
    if end == close {
        return Ok(substitute(name, lookup, out));
    }
    let rest = &text[end..close];
    let (colon, operator) = match rest.as_bytes() {
        [b':', op @ (b'-' | b'?' | b'+'), ..] => (true, *op),
        [op @ (b'-' | b'?' | b'+'), ..] => (false, *op),
        _ => return Err(invalid),
    };
    let arg_start = end + 1 + usize::from(colon);
    let arg = &text[arg_start..close];
    let value = lookup(name);
    // The `:` forms treat an empty value like an unset one.
    let present = value.is_some_and(|v| !(colon && v.value.is_empty()));
    let use_arg = match operator {
        b'+' => present,
        _ => !present,
    };
    if !use_arg {
        return Ok(match operator {
            b'+' => Origin::Literal,
            _ => substitute(name, lookup, out),
        });
    }
    if operator == b'?' {
        // A required variable: Compose refuses the file; orion-lint treats the value as unknown.
        out.unset.push(name.to_string());
        out.required.push(name.to_string());
        return Ok(Origin::Mixed);
    }
    let pieces = expand(arg, base + arg_start, lookup, out)?;
    Ok(match pieces.as_slice() {
        [] => Origin::Default(base + arg_start..base + close),
        [(range, origin)] if *range == (base + arg_start..base + close) => origin.clone(),
        _ => Origin::Mixed,
    })
}

fn substitute<'v>(
    name: &str,
    lookup: &dyn Fn(&str) -> Option<&'v Variable>,
    out: &mut Interpolated,
) -> Origin {
    match lookup(name) {
        Some(variable) => {
            let start = out.text.len();
            out.text.push_str(&variable.value);
            out.pieces.push((
                start..out.text.len(),
                Source::Variable(variable.span.clone()),
            ));
            out.variables
                .push((name.to_string(), variable.span.clone()));
            Origin::Variable {
                name: name.to_string(),
                span: variable.span.clone(),
            }
        }
        None => {
            out.unset.push(name.to_string());
            Origin::Mixed
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env() -> HashMap<&'static str, Variable> {
        let var = |value: &str| Variable {
            value: value.to_string(),
            span: None,
        };
        HashMap::from([
            ("SET", var("val")),
            ("EMPTY", var("")),
            ("B", var("bee")),
            ("lower", var("low")),
        ])
    }

    fn run(template: &str) -> Result<Interpolated, TemplateError> {
        let env = env();
        interpolate(template, &|name| env.get(name))
    }

    fn text(template: &str) -> String {
        run(template).unwrap().text
    }

    #[test]
    fn operators_follow_compose() {
        // compose semantics notes 5.1, verified with Compose v2.40.3.
        for (template, expected) in [
            ("${UNSET:-d}", "d"),
            ("${EMPTY:-d}", "d"),
            ("${SET:-d}", "val"),
            ("${UNSET-d}", "d"),
            ("${EMPTY-d}", ""),
            ("${SET-d}", "val"),
            ("${UNSET:+x}", ""),
            ("${EMPTY:+x}", ""),
            ("${SET:+x}", "x"),
            ("${UNSET+x}", ""),
            ("${EMPTY+x}", "x"),
            ("${SET+x}", "x"),
            ("${EMPTY?e}", ""),
            ("${SET:?e}", "val"),
        ] {
            assert_eq!(text(template), expected, "{template}");
        }
    }

    #[test]
    fn nesting_escapes_and_names() {
        for (template, expected) in [
            ("${UNSET:-${B:-x}}", "bee"),
            ("${UNSET:-${UNSET2:-x}}", "x"),
            ("${UNSET:-$B}", "bee"),
            ("${UNSET:-${SET}${B}}", "valbee"),
            ("${UNSET:-a:b}", "a:b"),
            ("${UNSET:-x:-y}", "x:-y"),
            ("${UNSET:--5}", "-5"),
            ("${UNSET:- spaced }", " spaced "),
            ("${SE-T}", "T"),
            ("$$", "$"),
            ("$${SET}", "${SET}"),
            ("$$$SET", "$val"),
            ("${UNSET:-$$x}", "$x"),
            ("$SET.x", "val.x"),
            ("$a-b", "-b"),
            ("$lower", "low"),
            ("$LOWER", ""),
            ("price $1 $- $", "price $1 $- $"),
            ("${UNSET:-a}b}", "ab}"),
        ] {
            assert_eq!(text(template), expected, "{template}");
        }
    }

    #[test]
    fn invalid_templates_are_errors() {
        for template in [
            "${SET",
            "${SET:x}",
            "${}",
            "${ }",
            "${1}",
            "${SET }",
            "a ${!SET}",
        ] {
            assert!(run(template).is_err(), "{template}");
        }
        assert_eq!(run("ab ${SET:x}").unwrap_err().offset, 3);
    }

    #[test]
    fn unset_variables_are_reported() {
        let result = run("${NOPE}m").unwrap();
        assert_eq!(result.text, "m");
        assert_eq!(result.unset, ["NOPE"]);
        assert_eq!(run("${NOPE:?boom}").unwrap().unset, ["NOPE"]);
        assert!(run("${NOPE:-1g}").unwrap().unset.is_empty());
    }

    #[test]
    fn pieces_say_where_each_part_comes_from() {
        let result = run("redis-server --maxmemory ${SET} --save ${UNSET:-60 1}$$x").unwrap();
        assert_eq!(result.text, "redis-server --maxmemory val --save 60 1$x");
        assert_eq!(
            result.pieces,
            [
                (0..25, Source::Template(0..25)),
                (25..28, Source::Variable(None)),
                (28..36, Source::Template(31..39)),
                (36..40, Source::Template(48..52)),
                (41..42, Source::Template(55..56)),
            ]
        );
    }

    #[test]
    fn origins_say_where_the_text_comes_from() {
        assert_eq!(run("512m").unwrap().origin, Origin::Literal);
        assert_eq!(
            run("${UNSET:-512m}").unwrap().origin,
            Origin::Default(9..13)
        );
        assert_eq!(
            run("${SET:-512m}").unwrap().origin,
            Origin::Variable {
                name: "SET".into(),
                span: None
            }
        );
        assert_eq!(
            run("${UNSET:-${U2:-1g}}").unwrap().origin,
            Origin::Default(15..17)
        );
        assert_eq!(run("${UNSET:-1024}m").unwrap().origin, Origin::Mixed);
        assert_eq!(run("$$HOME").unwrap().origin, Origin::Mixed);
    }
}
