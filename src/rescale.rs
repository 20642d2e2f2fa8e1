//! Rescaling a project to another server plan (`orion-lint --fix --plan cax21`): the memory
//! limits grow (or shrink) with the plan's RAM, the values that depend on a limit follow it, and
//! `x-orion-lint: {plan: ...}` records the new plan.
//!
//! Policy, growing: the room the new plan adds (its RAM, minus the OS reserve, minus what the
//! services that run use now) is shared among the services with a limit, in proportion to what
//! they use (limit × replicas) times their weight. Each new limit is rounded down to 64 MiB steps
//! under 1 GiB and 128 MiB steps above, and never goes below the current one, so the total
//! always fits. Shrinking scales the limits down by one factor, and is refused if any would fall
//! below Docker's minimum or the service's reservation. `x-orion-lint: {services: {db:
//! {weight: 2}, flower: {pin: true}, api: {cap: 2g}}}` adjusts the shares.

use std::collections::HashMap;

use crate::compose::{LoadError, Project, ProjectService};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::edit;
use crate::lint::LoadedProject;
use crate::plans::Plan;
use crate::settings::{Origin, Settings};
use crate::source::{SourceMap, Span};
use crate::units::{self, PgBaseUnit};
use crate::yaml::{Node, Resolved};

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

/// How one service takes part in a rescale.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Keep the current limit.
    pub pin: bool,
    /// Multiplies the service's share of the new room.
    pub weight: f64,
    /// The largest limit to give it.
    pub cap: Option<u64>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            pin: false,
            weight: 1.0,
            cap: None,
        }
    }
}

/// The keys of a service's entry in `x-orion-lint: {services: ...}`.
pub const POLICY_KEYS: [&str; 3] = ["pin", "weight", "cap"];

/// A service's limit before and after.
#[derive(Clone, Debug)]
pub struct Row<'p> {
    pub service: &'p ProjectService,
    pub replicas: u64,
    pub before: u64,
    pub after: u64,
    /// Why the limit does not change, when it does not.
    pub note: Option<String>,
}

impl Row<'_> {
    /// What the service's containers may use together before the rescale.
    fn before_total(&self) -> u64 {
        self.before.saturating_mul(self.replicas)
    }
}

#[derive(Clone, Debug)]
pub struct Rescale<'p> {
    pub from: &'static Plan,
    pub to: &'static Plan,
    pub rows: Vec<Row<'p>>,
    pub os_reserve: u64,
}

impl Rescale<'_> {
    pub fn total_before(&self) -> u64 {
        self.rows
            .iter()
            .map(Row::before_total)
            .fold(0, u64::saturating_add)
    }

    pub fn total_after(&self) -> u64 {
        self.rows
            .iter()
            .map(|r| r.after.saturating_mul(r.replicas))
            .fold(0, u64::saturating_add)
    }
}

/// Compute the new limits of the services that run and have a limit. The error says why the
/// project cannot be shrunk to fit `to`.
pub fn plan<'p>(
    project: &'p Project,
    settings: &Settings,
    from: &'static Plan,
    to: &'static Plan,
) -> Result<Rescale<'p>, String> {
    let policies = policies(project).map_err(|e| e.message)?;
    let mut rows: Vec<(Row<'p>, Policy)> = Vec::new();
    for service in project.services.iter().filter(|s| settings.runs(s)) {
        let memory = service.memory();
        let Some((limit, field)) = memory.limit() else {
            continue;
        };
        let policy = policies.get(&service.name).cloned().unwrap_or_default();
        let note = if policy.pin {
            Some("pinned".to_string())
        } else if !editable(field.node) {
            Some("its limit is assembled by interpolation; edit it by hand".to_string())
        } else {
            None
        };
        let Some(replicas) = service.replicas() else {
            return Err(format!(
                "the replica count of service `{}` is invalid (see `replicas-invalid`), so what it uses is unknown",
                service.name
            ));
        };
        let row = Row {
            service,
            replicas,
            before: limit,
            after: limit,
            note,
        };
        rows.push((row, policy));
    }
    let os_reserve = settings.os_reserve.value;
    let target = to.ram_bytes().saturating_sub(os_reserve);
    let current = rows
        .iter()
        .map(|(r, _)| r.before_total())
        .fold(0, u64::saturating_add);
    if target >= current {
        grow(&mut rows, target - current);
    } else {
        shrink(&mut rows, target).map_err(|why| {
            format!(
                "cannot rescale to {} ({}): the services use {} plus a {} OS reserve, and shrinking them to fit is not possible: {why}",
                to.display_name(),
                units::human_bytes(to.ram_bytes()),
                units::human_bytes(current),
                units::human_bytes(os_reserve),
            )
        })?;
    }
    Ok(Rescale {
        from,
        to,
        rows: rows.into_iter().map(|(r, _)| r).collect(),
        os_reserve,
    })
}

/// Whether a service's limit may change: not pinned, editable, and with a weight.
fn movable(row: &Row, policy: &Policy) -> bool {
    row.note.is_none() && policy.weight > 0.0
}

/// Share `room` among the movable services, in proportion to limit × replicas × weight.
fn grow(rows: &mut [(Row, Policy)], room: u64) {
    let weighted: f64 = rows
        .iter()
        .filter(|(r, p)| movable(r, p))
        .map(|(r, p)| p.weight * r.before_total() as f64)
        .sum();
    for (row, policy) in rows.iter_mut().filter(|(r, p)| movable(r, p)) {
        let share = room as f64 * policy.weight * row.before as f64 / weighted;
        let mut after = row.before.saturating_add(share as u64);
        if let Some(cap) = policy.cap {
            after = after.min(cap.max(row.before));
        }
        row.after = round_down(after).max(row.before);
    }
}

/// Scale the movable services down by one factor so that all fit `target`; the error lists the
/// services that would fall below Docker's minimum or their reservation.
fn shrink(rows: &mut [(Row, Policy)], target: u64) -> Result<(), String> {
    let fixed: u64 = rows
        .iter()
        .filter(|(r, p)| !movable(r, p))
        .map(|(r, _)| r.before_total())
        .fold(0, u64::saturating_add);
    let scalable = rows
        .iter()
        .map(|(r, _)| r.before_total())
        .fold(0, u64::saturating_add)
        .saturating_sub(fixed);
    let factor = target.saturating_sub(fixed) as f64 / scalable.max(1) as f64;
    if factor <= 0.0 {
        return Err("the pinned services alone do not fit".to_string());
    }
    let mut refused = Vec::new();
    for (row, _) in rows.iter_mut().filter(|(r, p)| movable(r, p)) {
        let after = round_down((row.before as f64 * factor) as u64);
        let floor = row
            .service
            .memory()
            .reservation()
            .map_or(units::DOCKER_MIN_MEMORY, |(r, _)| {
                r.max(units::DOCKER_MIN_MEMORY)
            });
        if after < floor {
            refused.push(format!(
                "`{}` would get {} but needs at least {}",
                row.service.name,
                units::human_bytes(after),
                units::human_bytes(floor)
            ));
        }
        row.after = after;
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(refused.join("; "))
    }
}

/// Tidy limits: 64 MiB steps under 1 GiB, 128 MiB steps above; small values to the MiB.
fn round_down(bytes: u64) -> u64 {
    let step = match bytes {
        b if b >= GIB => 128 * MIB,
        b if b >= 64 * MIB => 64 * MIB,
        _ => MIB,
    };
    bytes / step * step
}

/// Whether one piece of text holds a limit: the value itself, an anchor, a default inside
/// `${...}` or a `.env` line, but not a value assembled from several pieces or taken from the
/// process environment.
fn editable(node: &Node) -> bool {
    node.substitution().is_none_or(|s| s.source.is_some())
}

/// The per-service policies of `x-orion-lint: {services: ...}`.
pub fn policies(project: &Project) -> Result<HashMap<String, Policy>, LoadError> {
    let Some(services) = project.root.get_path(&["x-orion-lint", "services"]) else {
        return Ok(HashMap::new());
    };
    let entries = services.as_map().ok_or_else(|| {
        LoadError::at(
            services.span.clone(),
            "`services` in `x-orion-lint` must map service names to `{pin: true}`, `{weight: 2}` or `{cap: 2g}`",
        )
    })?;
    let mut policies = HashMap::new();
    for entry in entries {
        let name = entry.key.as_str().unwrap_or_default();
        if project.service(name).is_none() {
            return Err(LoadError::at(
                entry.key.span.clone(),
                format!(
                    "`x-orion-lint` configures service `{name}`, which the project does not have"
                ),
            ));
        }
        let mut policy = Policy::default();
        for setting in entry.value.as_map().unwrap_or(&[]) {
            let key = setting.key.as_str().unwrap_or_default();
            let value = &setting.value;
            let invalid = |what: &str| {
                LoadError::at(
                    value.span.clone(),
                    format!("`{key}` of service `{name}` must be {what}"),
                )
            };
            match key {
                "pin" => match value.resolve() {
                    Some(Resolved::Bool(pin)) => policy.pin = pin,
                    _ => return Err(invalid("true or false")),
                },
                "weight" => match value.resolve() {
                    Some(Resolved::Int(w)) if w >= 0 => policy.weight = w as f64,
                    Some(Resolved::Float(w)) if w >= 0.0 => policy.weight = w,
                    _ => return Err(invalid("a number of 0 or more")),
                },
                "cap" => match value.as_str().map(units::compose_bytes) {
                    Some(Ok(bytes)) => policy.cap = Some(bytes),
                    _ => return Err(invalid("a size such as `2g`")),
                },
                _ => {
                    let hint = crate::did_you_mean(key, POLICY_KEYS, || {
                        format!(
                            "valid keys are {}",
                            crate::selection::quoted_list(&POLICY_KEYS)
                        )
                    });
                    return Err(LoadError::at(
                        setting.key.span.clone(),
                        format!(
                            "unknown key `{key}` for service `{name}` in `x-orion-lint`: {hint}"
                        ),
                    ));
                }
            }
        }
        policies.insert(name.to_string(), policy);
    }
    Ok(policies)
}

/// The fixes that apply a rescale: one per service (its limit and the values that follow it),
/// and one that records the new plan.
pub fn fixes(rescale: &Rescale, project: &Project, sources: &SourceMap) -> Vec<Fix> {
    let mut fixes = Vec::new();
    // An anchored limit shared by several services gets the smallest new value among them.
    let mut limits: HashMap<Span, u64> = HashMap::new();
    for row in rescale.rows.iter().filter(|r| r.after != r.before) {
        let memory = row.service.memory();
        for field in [&memory.deploy_limit, &memory.mem_limit]
            .into_iter()
            .flatten()
        {
            if field.bytes == Ok(row.before) {
                let span = field.node.edit_span().clone();
                let entry = limits.entry(span).or_insert(row.after);
                *entry = (*entry).min(row.after);
            }
        }
    }
    for row in rescale.rows.iter().filter(|r| r.after != r.before) {
        let mut edits = Vec::new();
        let mut after = row.after;
        let memory = row.service.memory();
        for (field, string_only) in [(&memory.deploy_limit, true), (&memory.mem_limit, false)] {
            let Some(field) = field.as_ref().filter(|f| f.bytes == Ok(row.before)) else {
                continue;
            };
            let span = field.node.edit_span();
            after = limits[span];
            let written = sources.text(span).trim_matches(['"', '\'']).to_string();
            let mut text = units::compose_size_like(after, &written);
            // `deploy...memory` must stay a string: a bare byte count would become a number.
            if string_only
                && text.bytes().all(|b| b.is_ascii_digit())
                && sources.text(span) == written
            {
                text = format!("\"{text}\"");
            }
            edits.extend(edit::replace_value(sources, span, &written, &text));
        }
        edits.extend(dependent_edits(row.service, row.before, after, sources));
        edits.extend(crate::compose::alerts::follow_limit(
            &project.alerts,
            &row.service.name,
            row.before,
            after,
        ));
        if !edits.is_empty() {
            fixes.push(Fix {
                title: format!(
                    "change the limit of `{}` from {} to {}",
                    row.service.name,
                    units::human_bytes(row.before),
                    units::human_bytes(after)
                ),
                applicability: Applicability::Safe,
                edits,
            });
        }
    }
    if let Some(edit) = record_plan(rescale.to, project, sources) {
        fixes.push(edit::single(
            format!("record the plan {}", rescale.to.name),
            Applicability::Safe,
            edit,
        ));
    }
    fixes
}

/// The edit that records the new plan: the `plan:` of `x-orion-lint` rewritten in its own case,
/// or, when the file has none, an `x-orion-lint` block added above `services:` so that running
/// the same rescale again changes nothing.
fn record_plan(to: &Plan, project: &Project, sources: &SourceMap) -> Option<Edit> {
    if let Some(plan) = project.root.get_path(&["x-orion-lint", "plan"]) {
        let written = plan.as_str().unwrap_or_default();
        let name = if written.chars().any(|c| c.is_ascii_uppercase()) {
            to.display_name()
        } else {
            to.name.to_string()
        };
        return edit::replace_value(sources, plan.edit_span(), written, &name);
    }
    if project.root.get("x-orion-lint").is_some() {
        return None; // a block without `plan:`, possibly in flow style: left to the user
    }
    let services = project.root.entry("services")?;
    let at = services.key.span.range.start;
    let text = &sources.get(services.key.span.file).text;
    let starts_line = at == 0 || text.as_bytes()[at - 1] == b'\n';
    starts_line.then(|| Edit {
        span: Span::new(services.key.span.file, at..at),
        replacement: format!("x-orion-lint:\n  plan: {}\n\n", to.name),
    })
}

/// The rescale the command line asks for: `--plan NEW` naming a plan other than the one the
/// limits are sized for now. `None` when there is nothing to rescale; the error says why the
/// project cannot shrink to the new plan.
pub fn requested(loaded: &LoadedProject) -> Option<Result<Rescale<'_>, String>> {
    let settings = &loaded.settings;
    let (new, current) = (settings.plan.as_ref()?, settings.current_plan.as_ref()?);
    if new.origin != Origin::CommandLine || std::ptr::eq(new.value, current.value) {
        return None;
    }
    Some(plan(&loaded.project, settings, current.value, new.value))
}

/// The fixes `--fix --plan NEW` applies to move the project to the new plan.
pub fn requested_fixes(loaded: &LoadedProject, sources: &SourceMap) -> Result<Vec<Fix>, LoadError> {
    let Some(rescale) = requested(loaded) else {
        return Ok(Vec::new());
    };
    let rescale = rescale.map_err(|message| {
        LoadError::in_file(&sources.get(loaded.project.main_file()).path, message)
    })?;
    Ok(fixes(&rescale, &loaded.project, sources))
}

/// Redis `maxmemory` and PostgreSQL's memory settings keep their share of the container limit.
fn dependent_edits(
    service: &ProjectService,
    before: u64,
    after: u64,
    sources: &SourceMap,
) -> Vec<Edit> {
    let scale = |bytes: u64| (bytes as u128 * after as u128 / before as u128) as u64;
    let mut edits = Vec::new();
    if let Some(redis) = &service.redis {
        if let (Some(directive), Some(Ok(bytes))) = (&redis.maxmemory, redis.maxmemory_bytes()) {
            if bytes > 0 {
                let text = units::redis_size(scale(bytes));
                edits.extend(edit::replace_value(
                    sources,
                    &directive.span,
                    &directive.value,
                    &text,
                ));
            }
        }
    }
    if let Some(postgres) = &service.postgres {
        for name in ["shared_buffers", "effective_cache_size"] {
            let Some(setting) = postgres.get(name) else {
                continue;
            };
            let base = units::postgres_memory_setting(name).unwrap_or(PgBaseUnit::Kilobytes);
            if let Ok(bytes) = units::postgres_bytes(&setting.value, base) {
                let text = units::postgres_size(scale(bytes));
                edits.extend(edit::replace_value(
                    sources,
                    &setting.span,
                    &setting.value,
                    &text,
                ));
            }
        }
    }
    edits
}
