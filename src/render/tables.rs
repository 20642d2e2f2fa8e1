//! `orion-lint rules` and `orion-lint plans`: the tables of rules and plans, as text or JSON.

use std::fmt::Write;

use serde_json::json;

use crate::plans::Plan;
use crate::registry::Rule;

/// The rules with their default severity and summary, one a line.
pub fn rules_text(rules: &[&Rule]) -> String {
    let width = rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for rule in rules {
        let _ = writeln!(
            out,
            "{:width$}  {:7}  {}",
            rule.name,
            rule.severity.as_str(),
            rule.summary
        );
    }
    out
}

pub fn rules_json(rules: &[&Rule]) -> String {
    let rules: Vec<_> = rules
        .iter()
        .map(|r| {
            json!({
                "name": r.name,
                "severity": r.severity.as_str(),
                "summary": r.summary,
            })
        })
        .collect();
    serde_json::to_string_pretty(&rules).expect("JSON values serialize")
}

/// The plans with their vCPUs, RAM, disk and family, and where the numbers come from.
pub fn plans_text(plans: &[Plan]) -> String {
    let mut out = String::from("plan    vCPU  RAM      disk     family\n");
    for p in plans {
        let _ = writeln!(
            out,
            "{:<6}  {:>4}  {:>3} GiB  {:>4} GB  {}{}",
            p.name,
            p.vcpus,
            p.ram_gib,
            p.disk_gb,
            p.family,
            if p.verified { "" } else { " (one source)" }
        );
    }
    out.push_str("\nSource: third-party catalogs cross-checked in 2026-11; prices omitted.\n");
    out
}

pub fn plans_json(plans: &[Plan]) -> String {
    let list: Vec<_> = plans
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "family": p.family,
                "vcpus": p.vcpus,
                "ram_bytes": p.ram_bytes(),
                "disk_gb": p.disk_gb,
                "verified": p.verified,
            })
        })
        .collect();
    serde_json::to_string_pretty(&list).expect("JSON values serialize")
}
