use crate::diagnostic::Diagnostic;

use super::{Check, Context};
use crate::registry::MEM_LIMIT_MISSING as RULE;

pub(super) static CHECK: Check = Check {
    rule: &RULE,
    run: check,
};

fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for service in cx.running() {
        let memory = service.memory();
        if memory.limit().is_some() {
            continue;
        }
        let fields = [&memory.deploy_limit, &memory.mem_limit];
        // A value Compose rejects or truncates is `mem-limit-invalid`'s finding.
        if fields
            .iter()
            .any(|f| f.as_ref().is_some_and(|f| !f.is_explicit_zero()))
        {
            continue;
        }
        let help = "set `mem_limit` (or `deploy.resources.limits.memory`) to what the service needs, e.g. `mem_limit: 512m`: without a limit, one leaking container makes the kernel kill processes anywhere on the server";
        let diagnostic = match fields.into_iter().flatten().next() {
            Some(zero) => RULE.on(
                zero.node,
                "`0` means no limit",
                format!(
                    "service `{}` has its memory limit set to 0, which means no limit",
                    service.name
                ),
            ),
            None => RULE.at(
                service.key.span.clone(),
                "no memory limit",
                format!("service `{}` has no memory limit", service.name),
            ),
        };
        out.push(diagnostic.with_service(&service.name).with_help(help));
    }
}
