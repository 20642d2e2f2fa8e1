//! Files a project names that the read boundary ([`crate::access`]) refused: recorded while
//! loading, reported here.

use crate::diagnostic::Diagnostic;
use crate::source::Span;

use super::{Check, Context};
use crate::registry::FILE_NOT_READ as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for not_read in &cx.project.not_read {
        // The project's own `.env` is named by nothing: report it at the top of the main file.
        let site = not_read
            .site
            .clone()
            .unwrap_or_else(|| Span::new(cx.project.main_file(), 0..0));
        // The reason names the path: for a path from a variable, only what is true of any.
        let message = match &not_read.hidden {
            Some(hidden) => format!(
                "{} {hidden} was not read: it is not a regular file inside the repository",
                not_read.role
            ),
            None => format!(
                "{} `{}` was not read: {}",
                not_read.role,
                crate::source::display_path(&not_read.path),
                not_read.why
            ),
        };
        out.push(
            RULE.at(site, "not read", message)
            .with_help("orion-lint reads only regular files inside the repository, so that a pull request cannot make it print a host file; what this file would contribute is not checked"),
        );
    }
}
