//! The one diagnostic type every rule produces and every renderer reads.

use std::fmt;

use crate::source::Span;
use crate::yaml::Node;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a file with a short message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// Replace the text of `span` by `replacement`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// Whether a fix can be applied without a person deciding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    /// Keeps the intent of the file: `--fix` applies it.
    Safe,
    /// Changes behaviour (an eviction policy, which of two values wins): `--fix --unsafe-fixes`.
    Unsafe,
}

/// Edits that resolve a finding, applied together or not at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, e.g. "set maxmemory to 96mb".
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule's stable public name, e.g. `mem-limit-missing`.
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Exactly the text to edit.
    pub primary: Label,
    /// Other places that explain the finding: the other side of a comparison, where an aliased
    /// value is used.
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    pub service: Option<String>,
    pub fix: Option<Fix>,
    /// Where the primary value is used when it is written elsewhere: the `${...}` that
    /// interpolated it from `.env`, the aliases, merge keys and `extends` that carried it. A
    /// suppression comment there covers the finding as one at the value does.
    pub uses: Vec<Span>,
}

impl Diagnostic {
    pub fn new(
        rule: &'static str,
        severity: Severity,
        span: Span,
        label: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            rule,
            severity,
            message: message.into(),
            primary: Label {
                span,
                message: label.into(),
            },
            secondary: Vec::new(),
            help: None,
            service: None,
            fix: None,
            uses: Vec::new(),
        }
    }

    /// A diagnostic on a value: the label sits on the value as written, and every alias or merge
    /// key that carried it to this service gets a secondary label.
    pub fn on_node(
        rule: &'static str,
        severity: Severity,
        node: &Node,
        label: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let mut diagnostic =
            Diagnostic::new(rule, severity, node.edit_span().clone(), label, message);
        diagnostic.add_via(node);
        diagnostic.uses = diagnostic
            .secondary
            .iter()
            .map(|l| l.span.clone())
            .collect();
        diagnostic
    }

    pub fn with_service(mut self, service: &str) -> Self {
        self.service = Some(service.to_string());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.push_label(span, message.into());
        self
    }

    /// A secondary label on a node, plus labels for the aliases that carried it.
    pub fn with_node_label(mut self, node: &Node, message: impl Into<String>) -> Self {
        self.push_label(node.edit_span().clone(), message.into());
        self.add_via(node);
        self
    }

    /// Labels on where a value is used when it is written elsewhere: the `${...}` that
    /// interpolates it, and the aliases, merge keys and `extends` that carried it.
    fn add_via(&mut self, node: &Node) {
        // A default inside `${...}` is visibly part of the value; a `.env` line is elsewhere.
        let elsewhere = |source: &Span| !node.span.contains(source);
        if let Some(substitution) = node
            .substitution()
            .filter(|s| s.source.as_ref().is_some_and(elsewhere))
        {
            self.push_label(node.span.clone(), crate::hidden::origin(substitution));
        }
        for site in &node.via {
            self.push_label(site.clone(), "used here".to_string());
        }
    }

    fn push_label(&mut self, span: Span, message: String) {
        let duplicate =
            span == self.primary.span || self.secondary.iter().any(|label| label.span == span);
        if !duplicate {
            self.secondary.push(Label { span, message });
        }
    }
}
