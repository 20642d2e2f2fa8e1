//! orion-lint: a linter and autofixer for Docker Compose memory limits, Redis `maxmemory` and the
//! RAM budget of the server plan a stack runs on.
//!
//! Data flows one way: files ([`source`]) are parsed into spanned YAML trees (`yaml`), which
//! become a Compose project model ([`compose`]: interpolation, merges, `extends`, `include`,
//! each service's memory, Redis and PostgreSQL settings); rules (`rules`, one file each,
//! documented in `lints/`, their names and severities in [`registry`]) turn the model into [`diagnostic::Diagnostic`]s, which a renderer
//! ([`render`]) prints. [`lint`] holds the steps: it finds the projects, resolves their
//! [`settings`] (command line, `x-orion-lint`, `config` file), runs the rules and applies
//! `selection` and `suppress`ion comments; [`engine`] runs a whole command (lint, fix,
//! budget) over every project and returns its report.
//!
//! Around that core: `units` reads sizes with each program's grammar, [`plans`] is the server
//! catalog, [`budget`] adds up limits against a plan, `fix` applies the fixes that diagnostics
//! carry (built with the edit builders below the rules) (and `rescale` computes the ones `--fix --plan` needs), and [`cli`] is the thin
//! command line on top. [`compose::docs`] reads the Markdown deployment docs checked against a
//! project, [`compose::alerts`] the Prometheus alert rules that watch its services.
//!
//! # Library use
//!
//! The entry points are [`engine::lint`], [`engine::fix`], [`engine::budget`] and
//! [`engine::budget_compare`] (the budget against a git revision it also takes, read in-process);
//! each takes a [`lint::Target`], the [`compose::LoadOptions`] and the command line's
//! [`settings::Overrides`], and returns a report of [`diagnostic::Diagnostic`]s (each naming its
//! [`registry::Rule`] and carrying its [`diagnostic::Fix`]es) that a [`render`]er prints. Nothing is executed and no
//! connection is opened; nothing outside the project's repository is read.
//!
//! ```
//! use orion_lint::compose::LoadOptions;
//! use orion_lint::engine;
//! use orion_lint::lint::Target;
//! use orion_lint::settings::Overrides;
//!
//! let repo = tempfile::tempdir()?;
//! std::fs::create_dir(repo.path().join(".git"))?;
//! let compose = repo.path().join("compose.yaml");
//! std::fs::write(&compose, "services:\n  web:\n    image: nginx\n")?;
//!
//! let report = engine::lint(
//!     &Target::Files(vec![compose]),
//!     &LoadOptions::default(),
//!     &Overrides::default(),
//! );
//! assert!(report.errors.is_empty());
//! let rules: Vec<&str> = report.diagnostics.iter().map(|d| d.rule).collect();
//! assert_eq!(rules, ["mem-limit-missing"]);
//! # Ok::<(), std::io::Error>(())
//! ```

pub(crate) mod access;
mod atomic;
pub mod budget;
pub mod cli;
pub mod compose;
pub mod diagnostic;
mod edit;
pub mod engine;
mod hidden;
pub mod lint;
pub mod plans;
pub mod registry;
pub mod render;
pub(crate) mod rules;
mod server;
pub mod settings;
pub mod source;
pub(crate) mod suppress;

// Not API (hidden from the docs, no stability promise): the grammars and internals that the
// integration tests check directly against the real programs (`tests/units_oracle.rs`), the
// schema (`tests/config_schema.rs`), the lint docs' fixed examples (`tests/lint_docs.rs`) and the
// rescale policies (`tests/fix.rs`), and the revision reader (`tests/compare.rs`, against `git show`).
#[doc(hidden)]
pub mod config;
#[doc(hidden)]
pub mod fix;
#[doc(hidden)]
pub mod git;
#[doc(hidden)]
pub mod rescale;
#[doc(hidden)]
pub mod selection;
#[doc(hidden)]
pub mod units;
#[doc(hidden)]
pub mod yaml;

/// The hint for a misspelt word: "did you mean `x`?" when a candidate is close, else
/// `otherwise`.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    otherwise: impl FnOnce() -> String,
) -> String {
    match closest(word, candidates) {
        Some(close) => format!("did you mean `{close}`?"),
        None => otherwise(),
    }
}

/// The candidate closest to a misspelt word, if it is close enough to be what was meant.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|&(d, c)| d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Edits (insertions, deletions, substitutions, swaps of neighbours) from `a` to `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn closest_finds_near_misses_only() {
        let words = ["plan", "os-reserve", "redis-headroom", "profiles"];
        assert_eq!(super::closest("plna", words), Some("plan"));
        assert_eq!(super::closest("os_reserve", words), Some("os-reserve"));
        assert_eq!(
            super::closest("redis-headrom", words),
            Some("redis-headroom")
        );
        assert_eq!(super::closest("colour", words), None);
    }
}
