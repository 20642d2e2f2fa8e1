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

/// Record on each Redis directive and PostgreSQL setting whether its text is hidden.
pub(crate) fn mark_hidden_words(root: &Node, sources: &SourceMap, services: &mut [ProjectService]) {
    let mut interpolated = Vec::new();
    interpolated_scalars(root, &mut interpolated);
    let hidden = |span: &Span, value: &str| hidden_word(&interpolated, sources, span, value);
    for service in services {
        if let Some(redis) = &mut service.redis {
            for directive in [&mut redis.maxmemory, &mut redis.policy]
                .into_iter()
                .flatten()
            {
                directive.hidden = hidden(&directive.span, &directive.value);
            }
        }
        for setting in service.postgres.iter_mut().flat_map(|p| &mut p.settings) {
            setting.hidden = hidden(&setting.span, &setting.value);
        }
    }
}

/// The word at `span` read as `value` is hidden unless its text is written there as it is,
/// outside any variable's value.
fn hidden_word(
    interpolated: &[(&Span, &Substitution)],
    sources: &SourceMap,
    span: &Span,
    value: &str,
) -> Option<HiddenWord> {
    let mut variables = Vec::new();
    let mut holder = None;
    for (scalar, substitution) in interpolated {
        let holds = scalar.contains(span)
            || substitution
                .variables
                .iter()
                .any(|(_, set)| set.as_ref().is_some_and(|s| s.contains(span)));
        if holds {
            variables.extend(substitution.variables.iter().cloned());
            holder.get_or_insert_with(|| (*scalar).clone());
        }
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
