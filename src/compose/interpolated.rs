//! Which words of the model (a Redis directive, a PostgreSQL setting) hold text of a variable's
//! value, found when the project is loaded: such a word is not shown unless it is valid (see
//! [`crate::hidden`]).

use crate::source::{SourceMap, Span};
use crate::yaml::{Node, Substitution, Value};

use super::ProjectService;

/// A word whose text must not be shown unless it is valid: the variables of the values that hold
/// it, and where it is used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HiddenWord {
    /// The variables of the interpolated values that hold the word or whose `.env` text holds
    /// it, each with the `.env` value it comes from (`None`: the process environment).
    pub variables: Vec<(String, Option<Span>)>,
    /// The first interpolated value that holds it (the `${...}` in the compose file), else the
    /// word itself.
    pub at: Span,
}

/// Whether each of a service's Redis directives (or PostgreSQL settings) is hidden, in order.
type Marks = Vec<Option<HiddenWord>>;

/// Record on each Redis directive and PostgreSQL setting whether its text is hidden.
pub(crate) fn mark_hidden_words(root: &Node, sources: &SourceMap, services: &mut [ProjectService]) {
    let mut interpolated = Vec::new();
    // In the file's order, the services' mappings where they were moved out of the root.
    match root.as_map() {
        Some(entries) => {
            for entry in entries {
                if entry.key.as_str() == Some("services") && entry.value.as_map().is_some() {
                    for service in services.iter() {
                        interpolated_scalars(&service.node, &mut interpolated);
                    }
                } else {
                    interpolated_scalars(&entry.value, &mut interpolated);
                }
            }
        }
        None => interpolated_scalars(root, &mut interpolated),
    }
    let holders = Holders::new(&interpolated);
    let hidden = |span: &Span, value: &str| hidden_word(&holders, sources, span, value);
    // Found while the services' trees are borrowed, recorded after.
    let marks: Vec<(Marks, Marks)> = services
        .iter()
        .map(|service| {
            let directives = service.redis.iter().flat_map(|redis| {
                [&redis.maxmemory, &redis.policy]
                    .into_iter()
                    .flatten()
                    .map(|d| hidden(&d.span, &d.value))
            });
            let settings = service
                .postgres
                .iter()
                .flat_map(|p| &p.settings)
                .map(|s| hidden(&s.span, &s.value));
            (directives.collect(), settings.collect())
        })
        .collect();
    for (service, (directives, settings)) in services.iter_mut().zip(marks) {
        if let Some(redis) = &mut service.redis {
            let slots = [&mut redis.maxmemory, &mut redis.policy]
                .into_iter()
                .flatten();
            for (directive, hidden) in slots.zip(directives) {
                directive.hidden = hidden;
            }
        }
        let slots = service.postgres.iter_mut().flat_map(|p| &mut p.settings);
        for (setting, hidden) in slots.zip(settings) {
            setting.hidden = hidden;
        }
    }
}

/// The word at `span` read as `value` is hidden unless its text is written there as it is,
/// outside any variable's value.
fn hidden_word(
    holders: &Holders,
    sources: &SourceMap,
    span: &Span,
    value: &str,
) -> Option<HiddenWord> {
    let mut variables = Vec::new();
    let mut holder = None;
    for (scalar, substitution) in holders.holding(span) {
        variables.extend(substitution.variables.iter().cloned());
        holder.get_or_insert_with(|| scalar.clone());
    }
    let literal = sources.text(span).trim_matches(['"', '\'']) == value;
    let in_variable = variables
        .iter()
        .any(|(_, set)| set.as_ref().is_some_and(|s| s.contains(span)));
    (!literal || in_variable).then(|| HiddenWord {
        variables,
        at: holder.unwrap_or_else(|| span.clone()),
    })
}

/// The interpolated scalars that hold a word: those whose span or one of whose variables'
/// `.env` values contains it. Their spans are sorted by file and start, so that each word is
/// looked up among the spans that start before it and can reach it, not among every scalar of
/// the project (a file of 10,000 services has tens of thousands).
struct Holders<'a> {
    interpolated: &'a [(&'a Span, &'a Substitution)],
    /// Each span that holds what it contains, with the index of its scalar.
    spans: Vec<(&'a Span, usize)>,
    /// The length of the longest of `spans`: none that starts further before a word reaches it.
    longest: usize,
}

impl<'a> Holders<'a> {
    fn new(interpolated: &'a [(&'a Span, &'a Substitution)]) -> Self {
        let mut spans: Vec<(&Span, usize)> = Vec::new();
        for (i, (scalar, substitution)) in interpolated.iter().enumerate() {
            spans.push((scalar, i));
            let set = substitution
                .variables
                .iter()
                .filter_map(|(_, set)| set.as_ref());
            spans.extend(set.map(|s| (s, i)));
        }
        spans.sort_by_key(|(s, _)| (s.file, s.range.start));
        let longest = spans.iter().map(|(s, _)| s.range.len()).max().unwrap_or(0);
        Holders {
            interpolated,
            spans,
            longest,
        }
    }

    /// The scalars that hold `span`, each once, in document order.
    fn holding(&self, span: &Span) -> impl Iterator<Item = (&'a Span, &'a Substitution)> + '_ {
        let key = (span.file, span.range.start);
        let before = self
            .spans
            .partition_point(|(s, _)| (s.file, s.range.start) <= key);
        let mut found: Vec<usize> = self.spans[..before]
            .iter()
            .rev()
            .take_while(|(s, _)| {
                s.file == span.file && s.range.start + self.longest >= span.range.start
            })
            .filter(|(s, _)| s.contains(span))
            .map(|&(_, i)| i)
            .collect();
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(|i| self.interpolated[i])
    }
}

/// The interpolated scalars of a tree, in document order, with how each was made.
fn interpolated_scalars<'a>(node: &'a Node, out: &mut Vec<(&'a Span, &'a Substitution)>) {
    match &node.value {
        Value::Scalar(_) => out.extend(node.substitution().map(|s| (&node.span, s))),
        Value::Seq(items) => items.iter().for_each(|n| interpolated_scalars(n, out)),
        Value::Map(entries) => entries
            .iter()
            .for_each(|e| interpolated_scalars(&e.value, out)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFile, SourceMap};
    use crate::yaml::ValueOrigin;

    fn substitution(variables: Vec<(String, Option<Span>)>) -> Substitution {
        Substitution {
            written: String::new(),
            source: None,
            origin: ValueOrigin::Default,
            unset: Vec::new(),
            required: Vec::new(),
            pieces: Vec::new(),
            variables,
        }
    }

    /// A word is held by every scalar or `.env` value that contains it, each scalar once and
    /// in document order, however long the spans before it are and however many end before it.
    #[test]
    fn holders_are_the_spans_that_contain_the_word() {
        let mut sources = SourceMap::default();
        let compose = sources.add(SourceFile::new("c.yml".into(), "x".repeat(2_000)));
        let env = sources.add(SourceFile::new(".env".into(), "y".repeat(100)));
        let at = |file, range| Span::new(file, range);
        let scalars = [
            at(compose, 0..1_500),
            at(compose, 1_000..1_010),
            at(compose, 1_400..1_420),
            at(compose, 1_405..1_410),
        ];
        let set = at(env, 10..20);
        let substitutions = [
            substitution(Vec::new()),
            substitution(Vec::new()),
            substitution(vec![("A".to_string(), Some(set.clone()))]),
            substitution(Vec::new()),
        ];
        let interpolated: Vec<(&Span, &Substitution)> =
            scalars.iter().zip(substitutions.iter()).collect();
        let holders = Holders::new(&interpolated);
        let held =
            |span: &Span| -> Vec<Span> { holders.holding(span).map(|(s, _)| s.clone()).collect() };
        assert_eq!(
            held(&at(compose, 1_406..1_408)),
            [scalars[0].clone(), scalars[2].clone(), scalars[3].clone()]
        );
        assert_eq!(held(&at(compose, 1_600..1_601)), Vec::<Span>::new());
        assert_eq!(held(&at(env, 12..14)), [scalars[2].clone()]);
        assert_eq!(held(&at(env, 2..4)), Vec::<Span>::new());
    }
}
