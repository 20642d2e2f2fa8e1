use crate::compose::docs::{Fact, FactKind};
use crate::diagnostic::Diagnostic;
use crate::edit;
use crate::source::Span;
use crate::units;

use super::{Check, Context};
use crate::registry::DOCS_VALUE_MISMATCH as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

/// What the compose file says for a fact: its value as the doc should write it, and where.
struct Actual {
    /// For messages: "maxmemory 100mb".
    described: String,
    replacement: Option<String>,
    span: Span,
}

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for fact in cx.project.docs.iter().flat_map(|d| &d.facts) {
        let Some(actual) = actual(cx, fact) else {
            continue;
        };
        let mut diagnostic = RULE
            .at(
                fact.span.clone(),
                format!("doc says {}", fact.text),
                format!(
                    "the doc says `{}` for `{}`, but the compose file sets {}",
                    fact.text, fact.service, actual.described
                ),
            )
            .with_label(actual.span.clone(), "set here")
            .with_service(&fact.service)
            .with_help("write the compose value in the doc, or change the compose file if the doc is right");
        if let Some(new) = actual.replacement {
            diagnostic = diagnostic.with_fix(edit::rewrite_in_doc(&fact.span, new));
        }
        out.push(diagnostic);
    }
}

/// The compose value a fact contradicts, if it does. A value that must not be shown (from a
/// variable) is neither named nor written into the doc.
fn actual(cx: &Context, fact: &Fact) -> Option<Actual> {
    let service = cx
        .project
        .services
        .iter()
        .find(|s| s.name == fact.service)?;
    match &fact.kind {
        FactKind::Maxmemory => {
            let directive = service.redis.as_ref()?.maxmemory.as_ref()?;
            let bytes = service.redis.as_ref()?.maxmemory_bytes()?.ok()?;
            let stated = units::redis_bytes(&fact.text).ok();
            (stated != Some(bytes)).then(|| Actual {
                described: format!("maxmemory {}", units::human_bytes(bytes)),
                replacement: Some(units::redis_size(bytes))
                    .filter(|s| units::redis_bytes(s).ok() == Some(bytes)),
                span: directive.span.clone(),
            })
        }
        FactKind::MaxmemoryPolicy => {
            let directive = service.redis.as_ref()?.policy.as_ref()?;
            if directive.value.eq_ignore_ascii_case(&fact.text) {
                return None;
            }
            // A policy from a variable is named by where it is used, not by its value.
            let hidden = directive.hidden.as_ref().map(|hidden| {
                let count = directive.value.chars().count();
                let how = crate::hidden::describe(cx.sources, &hidden.variables, count);
                (how, hidden.at.clone())
            });
            Some(Actual {
                described: match &hidden {
                    Some((how, _)) => format!("another maxmemory-policy, {how}"),
                    None => format!("maxmemory-policy `{}`", directive.value),
                },
                replacement: hidden.is_none().then(|| directive.value.clone()),
                span: hidden.map_or_else(|| directive.span.clone(), |(_, used)| used),
            })
        }
        FactKind::MemLimit => {
            let memory = service.memory();
            let (limit, field) = memory.limit()?;
            (units::compose_bytes(&fact.text).ok() != Some(limit)).then(|| Actual {
                described: format!("a limit of {}", units::human_bytes(limit)),
                replacement: Some(units::compose_size_like(limit, &fact.text)),
                span: field.node.edit_span().clone(),
            })
        }
        FactKind::Concurrency => {
            let number = service.workload.celery.as_ref()?.concurrency.as_ref()?;
            count(fact, number, "concurrency")
        }
        FactKind::Workers => count(fact, &service.workload.web.as_ref()?.workers, "workers"),
        FactKind::ReplicaAdds(size) => {
            let memory = service.memory();
            let (limit, field) = memory.limit()?;
            (!size.states(limit)).then(|| Actual {
                described: format!("a limit of {} per replica", units::human_bytes(limit)),
                replacement: size.rewrite(limit),
                span: field.node.edit_span().clone(),
            })
        }
    }
}

fn count(fact: &Fact, number: &crate::compose::workload::Number, what: &str) -> Option<Actual> {
    let value = number.value?;
    (fact.count != Some(value)).then(|| Actual {
        described: format!("{what} {value}"),
        replacement: Some(value.to_string()),
        span: number.arg.span.clone(),
    })
}
