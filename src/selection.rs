//! Which rules run and at what severity: `select`, `ignore` and `severity` from each settings
//! source, applied in order of precedence.
//!
//! The sources are applied in turn, from the weakest: the rules' defaults, then `orion-lint.toml`,
//! then the compose file's `x-orion-lint` block, then the command line. In each source:
//!
//! 1. `select` replaces the set of rules that run;
//! 2. `severity` sets a rule's severity: `off` stops it, any other level makes it run at that level;
//! 3. `ignore` stops the rules it names.

use crate::compose::LoadError;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::{self, RULES, Rule};
use crate::yaml::Node;

/// What `[severity]` accepts: a severity, or `off`.
pub const LEVELS: [&str; 4] = ["error", "warning", "info", "off"];

/// A rule's configured level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

impl Level {
    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "error" => Some(Level::On(Severity::Error)),
            "warning" => Some(Level::On(Severity::Warning)),
            "info" => Some(Level::On(Severity::Info)),
            "off" => Some(Level::Off),
            _ => None,
        }
    }
}

/// The rule settings of one source.
#[derive(Clone, Debug, Default)]
pub struct Layer {
    pub select: Option<Vec<&'static Rule>>,
    pub severity: Vec<(&'static Rule, Level)>,
    pub ignore: Vec<&'static Rule>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct State {
    enabled: bool,
    severity: Severity,
    /// Whether a settings source set the severity: it then replaces the level a rule gives a
    /// finding (rules with two levels, such as `jvm-heap-exceeds-limit`, report some findings
    /// below their default).
    configured: bool,
}

/// For every rule in [`RULES`]: whether it runs, and the severity its findings are reported at.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSettings {
    states: Vec<State>,
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            states: RULES
                .iter()
                .map(|r| State {
                    enabled: true,
                    severity: r.severity,
                    configured: false,
                })
                .collect(),
        }
    }
}

impl RuleSettings {
    fn index(name: &str) -> Option<usize> {
        RULES.iter().position(|r| r.name == name)
    }

    /// Apply a source on top of the weaker ones already applied.
    pub fn apply(&mut self, layer: &Layer) {
        if let Some(select) = &layer.select {
            for (state, rule) in self.states.iter_mut().zip(RULES) {
                state.enabled = select.iter().any(|s| s.name == rule.name);
            }
        }
        for (rule, level) in &layer.severity {
            let Some(i) = Self::index(rule.name) else {
                continue;
            };
            match level {
                Level::Off => self.states[i].enabled = false,
                Level::On(severity) => {
                    self.states[i] = State {
                        enabled: true,
                        severity: *severity,
                        configured: true,
                    }
                }
            }
        }
        for rule in &layer.ignore {
            if let Some(i) = Self::index(rule.name) {
                self.states[i].enabled = false;
            }
        }
    }

    pub fn is_enabled(&self, rule: &str) -> bool {
        Self::index(rule).is_some_and(|i| self.states[i].enabled)
    }

    /// The severity a rule's findings are reported at, or `None` if the rule does not run.
    pub fn severity(&self, rule: &str) -> Option<Severity> {
        let state = self.states[Self::index(rule)?];
        state.enabled.then_some(state.severity)
    }

    /// Drop the findings of rules that do not run and give the others their configured severity.
    pub fn apply_to(&self, diagnostics: &mut Vec<Diagnostic>) {
        diagnostics.retain_mut(|d| match Self::index(d.rule).map(|i| self.states[i]) {
            Some(state) if state.enabled => {
                if state.configured {
                    d.severity = state.severity;
                }
                true
            }
            _ => false,
        });
    }
}

/// A rule by name, or why the name is wrong, with the closest rule name.
pub fn rule_named(name: &str) -> Result<&'static Rule, String> {
    registry::find(name).ok_or_else(|| {
        let hint = crate::did_you_mean(name, RULES.iter().map(|r| r.name), || {
            "run `orion-lint rules` to list them".to_string()
        });
        format!("unknown rule `{name}`: {hint}")
    })
}

/// The `select`, `ignore` and `severity` keys of a settings mapping (`x-orion-lint`, or
/// `orion-lint.toml` read as a tree); `place` names it in messages.
pub fn layer_from(settings: &Node, place: &str) -> Result<Layer, LoadError> {
    let value = |key: &str| settings.get(key).filter(|n| !n.is_null());
    let mut layer = Layer {
        select: value("select")
            .map(|n| rule_list(n, "select", place))
            .transpose()?,
        ignore: value("ignore")
            .map(|n| rule_list(n, "ignore", place))
            .transpose()?
            .unwrap_or_default(),
        severity: Vec::new(),
    };
    if let Some(table) = value("severity") {
        let entries = table.as_map().ok_or_else(|| {
            LoadError::at(
                table.span.clone(),
                format!(
                    "`severity` in {place} must map rule names to levels, e.g. `mem-limit-missing = \"error\"`, not {}",
                    table.kind_name()
                ),
            )
        })?;
        for entry in entries {
            let name = entry.key.as_str().unwrap_or_default();
            let rule = rule_named(name).map_err(|e| {
                LoadError::at(entry.key.span.clone(), format!("{e} (in `severity`)"))
            })?;
            let level = entry.value.as_str().and_then(Level::parse).ok_or_else(|| {
                let written = entry.value.as_str().unwrap_or_default();
                let lower = written.to_ascii_lowercase();
                let close = LEVELS
                    .into_iter()
                    .find(|l| !lower.is_empty() && l.starts_with(&lower))
                    .or_else(|| crate::closest(&lower, LEVELS));
                let hint = match close {
                    Some(close) if !written.is_empty() => format!("did you mean `{close}`? "),
                    _ => String::new(),
                };
                LoadError::at(
                    entry.value.span.clone(),
                    format!(
                        "invalid severity for `{name}`: {hint}write one of {}",
                        quoted_list(&LEVELS)
                    ),
                )
            })?;
            layer.severity.push((rule, level));
        }
    }
    Ok(layer)
}

fn rule_list(node: &Node, key: &str, place: &str) -> Result<Vec<&'static Rule>, LoadError> {
    let items = node.as_seq().ok_or_else(|| {
        LoadError::at(
            node.span.clone(),
            format!(
                "`{key}` in {place} must be a list of rule names, e.g. `[mem-limit-missing]`, not {}",
                node.kind_name()
            ),
        )
    })?;
    items
        .iter()
        .map(|item| {
            let name = item.as_str().unwrap_or_default();
            rule_named(name)
                .map_err(|e| LoadError::at(item.span.clone(), format!("{e} (in `{key}`)")))
        })
        .collect()
}

/// "`a`, `b` or `c`".
pub fn quoted_list(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match quoted.split_last() {
        Some((last, init)) if !init.is_empty() => format!("{} or {last}", init.join(", ")),
        _ => quoted.concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str) -> &'static Rule {
        registry::find(name).unwrap()
    }

    #[test]
    fn sources_apply_select_then_severity_then_ignore() {
        let mut settings = RuleSettings::default();
        assert_eq!(
            settings.severity("mem-limit-missing"),
            Some(Severity::Warning)
        );
        // orion-lint.toml: only two rules, one of them promoted.
        settings.apply(&Layer {
            select: Some(vec![rule("mem-limit-missing"), rule("variable-unset")]),
            severity: vec![(rule("mem-limit-missing"), Level::On(Severity::Error))],
            ignore: Vec::new(),
        });
        assert_eq!(
            settings.severity("mem-limit-missing"),
            Some(Severity::Error)
        );
        assert_eq!(settings.severity("plan-ram-exceeded"), None);
        // x-orion-lint: a severity re-enables a rule; ignore wins within a source.
        settings.apply(&Layer {
            select: None,
            severity: vec![
                (rule("plan-ram-exceeded"), Level::On(Severity::Warning)),
                (rule("variable-unset"), Level::On(Severity::Error)),
            ],
            ignore: vec![rule("variable-unset")],
        });
        assert_eq!(
            settings.severity("plan-ram-exceeded"),
            Some(Severity::Warning)
        );
        assert!(!settings.is_enabled("variable-unset"));
        // The command line's select replaces the set but keeps configured severities.
        settings.apply(&Layer {
            select: Some(vec![rule("mem-limit-missing")]),
            ..Layer::default()
        });
        assert_eq!(
            settings.severity("mem-limit-missing"),
            Some(Severity::Error)
        );
        assert!(!settings.is_enabled("plan-ram-exceeded"));
    }

    #[test]
    fn unknown_rules_get_the_closest_name() {
        assert_eq!(
            rule_named("mem-limit-mising").unwrap_err(),
            "unknown rule `mem-limit-mising`: did you mean `mem-limit-missing`?"
        );
        assert!(
            rule_named("frobnicate")
                .unwrap_err()
                .contains("orion-lint rules")
        );
    }

    #[test]
    fn quoted_lists_read_as_prose() {
        assert_eq!(quoted_list(&["a"]), "`a`");
        assert_eq!(quoted_list(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
