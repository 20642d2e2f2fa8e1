//! Rescaling a project to another server plan (`orion-lint --fix --plan cax21`): the memory
//! limits follow the plan, the values that depend on a limit keep their share of it, and
//! `x-orion-lint: {plan: ...}` records the new plan.
//!
//! The plan the limits are sized for now is the recorded one, else `--from-plan`, else assumed:
//! the smallest plan of the target's family that holds them plus the OS reserve.
//!
//! Policy, growing (a move to a plan with at least as much RAM): the host keeps at least the
//! memory it had free outside the containers on the old plan (`grow: fill` gives all but the OS
//! reserve instead); that room goes to the services whose need grows with load (see [`Role`]),
//! in proportion to what they use (limit × replicas) times their weight. While services without
//! a limit run, no limit grows by more than the ratio of the plans' usable RAM. Each new limit is
//! rounded down to 64 MiB steps under 1 GiB and 128 MiB above, never goes below the current one,
//! and a limit written once for several services (an anchor) gets the smallest of their values.
//! An upgrade never shrinks: if the new plan cannot hold today's limits, the rescale is refused.
//! Shrinking (a smaller plan) scales the growing services down by one factor, so that the limits
//! keep their share of the usable RAM, and is refused if any would fall below Docker's minimum or
//! its reservation. `x-orion-lint: {services: {db: {weight: 2}, flower: {pin: true}, api: {cap:
//! 2g}, beat: {role: worker}}}` adjusts the shares.

use std::collections::{HashMap, HashSet};

use crate::compose::workload::Runtime;
use crate::compose::{LoadError, Project, ProjectService};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::edit;
use crate::lint::LoadedProject;
use crate::plans::{self, Plan};
use crate::settings::{Origin, Settings};
use crate::source::{SourceMap, Span};
use crate::units::{self, PgBaseUnit};
use crate::yaml::{Node, Resolved};

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

/// What a service does, as far as its memory need goes: whether it grows with load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Database,
    Cache,
    Search,
    Metrics,
    App,
    Worker,
    Exporter,
    Alerting,
    Scheduler,
    Proxy,
    Dashboard,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::Database,
        Role::Cache,
        Role::Search,
        Role::Metrics,
        Role::App,
        Role::Worker,
        Role::Exporter,
        Role::Alerting,
        Role::Scheduler,
        Role::Proxy,
        Role::Dashboard,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Database => "database",
            Role::Cache => "cache",
            Role::Search => "search",
            Role::Metrics => "metrics",
            Role::App => "app",
            Role::Worker => "worker",
            Role::Exporter => "exporter",
            Role::Alerting => "alerting",
            Role::Scheduler => "scheduler",
            Role::Proxy => "proxy",
            Role::Dashboard => "dashboard",
        }
    }

    /// Whether the service needs more memory as the load grows (a bigger plan serves more).
    pub fn grows_with_load(self) -> bool {
        matches!(
            self,
            Role::Database | Role::Cache | Role::Search | Role::Metrics | Role::App | Role::Worker
        )
    }

    /// The role of a service, from its image and command (the table is in the README). An image
    /// orion-lint does not know is the team's own: an app server.
    pub fn of(service: &ProjectService) -> Role {
        let image = service
            .image_name()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let is = |names: &[&str]| {
            names
                .iter()
                .any(|n| image == *n || image.starts_with(&format!("{n}-")))
        };
        if service.postgres.is_some()
            || is(&[
                "postgres",
                "postgis",
                "timescaledb",
                "mysql",
                "mariadb",
                "percona",
                "mongo",
                "couchdb",
                "cassandra",
                "scylla",
                "neo4j",
                "clickhouse-server",
                "clickhouse",
                "influxdb",
                "cockroach",
                "questdb",
            ])
        {
            Role::Database
        } else if image.contains("exporter") {
            Role::Exporter
        } else if service.redis.is_some()
            || is(&[
                "redis",
                "valkey",
                "keydb",
                "dragonfly",
                "memcached",
                "rabbitmq",
                "kafka",
                "cp-kafka",
                "nats",
                "activemq",
            ])
        {
            Role::Cache
        } else if is(&[
            "elasticsearch",
            "opensearch",
            "meilisearch",
            "typesense",
            "solr",
            "manticore",
            "qdrant",
            "weaviate",
        ]) {
            Role::Search
        } else if is(&["prometheus", "victoria-metrics", "mimir", "thanos"]) {
            Role::Metrics
        } else if is(&["alertmanager"]) {
            Role::Alerting
        } else if is(&["ofelia", "cron"]) || runs_celery_beat(service) {
            Role::Scheduler
        } else if is(&[
            "nginx",
            "caddy",
            "traefik",
            "haproxy",
            "envoy",
            "oauth2-proxy",
        ]) {
            Role::Proxy
        } else if is(&[
            "grafana",
            "flower",
            "cadvisor",
            "portainer",
            "adminer",
            "pgadmin4",
            "dozzle",
            "watchtower",
            "autoheal",
            "promtail",
            "mailhog",
            "mailpit",
            "redis-commander",
        ]) {
            Role::Dashboard
        } else if service.workload.celery.is_some() {
            Role::Worker
        } else {
            Role::App
        }
    }
}

/// `celery ... beat` in the service's command: the scheduler, one small process whatever the load.
fn runs_celery_beat(service: &ProjectService) -> bool {
    let words: Vec<&str> = match service.get("command") {
        Some(node) => match node.as_str() {
            Some(text) => text.split_whitespace().collect(),
            None => node
                .as_seq()
                .unwrap_or(&[])
                .iter()
                .filter_map(Node::as_str)
                .collect(),
        },
        None => Vec::new(),
    };
    words.iter().any(|w| w.ends_with("celery")) && words.contains(&"beat")
}

/// How one service takes part in a rescale.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Keep the current limit.
    pub pin: bool,
    /// Multiplies the service's share of the new room.
    pub weight: f64,
    /// The largest limit to give it.
    pub cap: Option<u64>,
    /// The role the team gives it, instead of the one read from its image and command.
    pub role: Option<Role>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            pin: false,
            weight: 1.0,
            cap: None,
            role: None,
        }
    }
}

/// The keys of a service's entry in `x-orion-lint: {services: ...}`.
pub const POLICY_KEYS: [&str; 4] = ["pin", "weight", "cap", "role"];

/// How much of a bigger plan the limits take: `x-orion-lint: {grow: headroom}` (the default)
/// keeps the memory the host had free outside the containers; `grow: fill` takes all of the new
/// plan but the OS reserve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Growth {
    Headroom,
    Fill,
}

/// A service's limit before and after.
#[derive(Clone, Debug)]
pub struct Row<'p> {
    pub service: &'p ProjectService,
    pub role: Role,
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

    fn after_total(&self) -> u64 {
        self.after.saturating_mul(self.replicas)
    }
}

/// A rescale, with everything its report says.
#[derive(Clone, Debug)]
pub struct Rescale<'p> {
    pub from: &'static Plan,
    pub to: &'static Plan,
    /// The file records no plan and `--from-plan` names none: `from` is the smallest plan of the
    /// target's family that holds today's limits.
    pub from_assumed: bool,
    pub growth: Growth,
    pub rows: Vec<Row<'p>>,
    /// Services that run without a known limit: the budget leaves them out.
    pub unlimited: Vec<&'p ProjectService>,
    /// While unlimited services run, no limit grows by more than this factor.
    pub growth_bound: Option<f64>,
    pub os_reserve: u64,
    /// The share of a limit a Redis `maxmemory` gets when `redis-maxmemory-missing` inserts one.
    pub redis_headroom: f64,
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
            .map(Row::after_total)
            .fold(0, u64::saturating_add)
    }

    /// What the host had outside the containers on the old plan (OS reserve included).
    pub fn free_before(&self) -> u64 {
        self.from.ram_bytes().saturating_sub(self.total_before())
    }

    /// What the host has outside the containers on the new plan (OS reserve included).
    pub fn free_after(&self) -> u64 {
        self.to.ram_bytes().saturating_sub(self.total_after())
    }

    /// The rows whose limit changes.
    pub fn changed(&self) -> impl Iterator<Item = &Row<'_>> {
        self.rows.iter().filter(|r| r.after != r.before)
    }

    /// The family of the plans, as people name it: `CAX`.
    pub fn family(&self) -> &'static str {
        family_name(self.to)
    }
}

fn family_name(plan: &'static Plan) -> &'static str {
    plan.family.split(' ').next().unwrap_or(plan.family)
}

/// Compute the new limits of the services that run and have a limit, from the plan `from` (or,
/// when `None`, the smallest of `to`'s family that holds them) to `to`. The error says why the
/// project cannot be rescaled.
pub fn plan<'p>(
    project: &'p Project,
    settings: &Settings,
    from: Option<&'static Plan>,
    to: &'static Plan,
) -> Result<Rescale<'p>, String> {
    let policies = policies(project).map_err(|e| e.message)?;
    let growth = growth(project).map_err(|e| e.message)?;
    let mut rows: Vec<(Row<'p>, Policy)> = Vec::new();
    let mut unlimited = Vec::new();
    for service in project.services.iter().filter(|s| settings.runs(s)) {
        let memory = service.memory();
        let Some((limit, field)) = memory.limit() else {
            unlimited.push(service);
            continue;
        };
        let policy = policies.get(&service.name).cloned().unwrap_or_default();
        let role = policy.role.unwrap_or_else(|| Role::of(service));
        let note = if policy.pin {
            Some("pinned".to_string())
        } else if !editable(field.node) {
            Some("its limit is assembled by interpolation; edit it by hand".to_string())
        } else if !role.grows_with_load() {
            Some("fixed footprint".to_string())
        } else if policy.weight <= 0.0 {
            Some("weight 0".to_string())
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
            role,
            replicas,
            before: limit,
            after: limit,
            note,
        };
        rows.push((row, policy));
    }
    let os_reserve = settings.os_reserve.value;
    let current = rows
        .iter()
        .map(|(r, _)| r.before_total())
        .fold(0, u64::saturating_add);
    let from_assumed = from.is_none();
    let from = from.unwrap_or_else(|| smallest_holding(current.saturating_add(os_reserve), to));
    let usable = |plan: &Plan| plan.ram_bytes().saturating_sub(os_reserve);
    let mut growth_bound = None;
    if to.ram_bytes() >= from.ram_bytes() {
        let needed = current.saturating_add(os_reserve);
        if needed > to.ram_bytes() {
            return Err(format!(
                "cannot rescale to {} ({}): the limits use {} plus the {} OS reserve, so the plan falls short by {}; a move to a bigger plan never shrinks them, so nothing was written: lower the limits, or choose a bigger plan",
                to.display_name(),
                units::human_bytes(to.ram_bytes()),
                units::human_bytes(current),
                units::human_bytes(os_reserve),
                units::human_bytes(needed - to.ram_bytes()),
            ));
        }
        // Kept outside the containers: what the old plan had free, at least the OS reserve.
        let outside = match growth {
            Growth::Headroom => from.ram_bytes().saturating_sub(current).max(os_reserve),
            Growth::Fill => os_reserve,
        };
        let room = to
            .ram_bytes()
            .saturating_sub(outside)
            .saturating_sub(current);
        if !unlimited.is_empty() {
            growth_bound = Some(usable(to) as f64 / usable(from).max(1) as f64);
        }
        grow(&mut rows, room, growth_bound);
    } else {
        // Limits that still fit the smaller plan stay; those that do not keep their share of the
        // usable RAM (a stack sized for a far larger plan is not cut to a sliver of this one).
        let target = if current <= usable(to) {
            current
        } else {
            (current as u128 * usable(to) as u128 / usable(from).max(1) as u128) as u64
        };
        shrink(&mut rows, target).map_err(|why| {
            format!(
                "cannot rescale to {} ({}): the limits use {} plus a {} OS reserve, and shrinking them to fit is not possible: {why}",
                to.display_name(),
                units::human_bytes(to.ram_bytes()),
                units::human_bytes(current),
                units::human_bytes(os_reserve),
            )
        })?;
    }
    share_written_limits(&mut rows);
    Ok(Rescale {
        from,
        to,
        from_assumed,
        growth,
        rows: rows.into_iter().map(|(r, _)| r).collect(),
        unlimited,
        growth_bound,
        os_reserve,
        redis_headroom: settings.redis_headroom.value,
    })
}

/// The smallest plan of `to`'s family with `bytes` of RAM; `to` itself when none has.
fn smallest_holding(bytes: u64, to: &'static Plan) -> &'static Plan {
    plans::PLANS
        .iter()
        .filter(|p| p.family == to.family && p.ram_bytes() >= bytes)
        .min_by_key(|p| p.ram_gib)
        .unwrap_or(to)
}

/// A limit written once for several services (an anchor, a shared `.env` line) gets the
/// smallest new value among them, so that the total stays within the plan and every pin holds.
fn share_written_limits(rows: &mut [(Row, Policy)]) {
    let span = |row: &Row| {
        row.service
            .memory()
            .limit()
            .map(|(_, f)| f.node.edit_span().clone())
    };
    let mut smallest: HashMap<Span, (u64, Vec<String>)> = HashMap::new();
    for (row, _) in rows.iter() {
        if let Some(span) = span(row) {
            let entry = smallest.entry(span).or_insert((row.after, Vec::new()));
            entry.0 = entry.0.min(row.after);
            entry.1.push(row.service.name.clone());
        }
    }
    for (row, _) in rows.iter_mut() {
        let Some((after, names)) = span(row).and_then(|s| smallest.get(&s)) else {
            continue;
        };
        if names.len() > 1 && row.note.is_none() && *after == row.before {
            // Named once, counted otherwise: an anchor may be shared by thousands of services.
            let other = names.iter().find(|n| **n != row.service.name);
            row.note = other.map(|other| match names.len() - 1 {
                1 => format!("its limit is shared with `{other}`"),
                n => format!("its limit is shared with `{other}` and {} more", n - 1),
            });
        }
        row.after = *after;
    }
}

/// Whether a service's limit may change: it grows with load, is not pinned, is editable, has a
/// weight.
fn movable(row: &Row) -> bool {
    row.note.is_none()
}

/// Share `room` among the movable services, in proportion to limit × replicas × weight; with a
/// `bound`, no limit grows by more than that factor.
fn grow(rows: &mut [(Row, Policy)], room: u64, bound: Option<f64>) {
    let weighted: f64 = rows
        .iter()
        .filter(|(r, _)| movable(r))
        .map(|(r, p)| p.weight * r.before_total() as f64)
        .sum();
    if weighted <= 0.0 {
        return;
    }
    for (row, policy) in rows.iter_mut().filter(|(r, _)| movable(r)) {
        let share = room as f64 * policy.weight * row.before as f64 / weighted;
        let mut after = row.before.saturating_add(share as u64);
        if let Some(bound) = bound {
            after = after.min((row.before as f64 * bound) as u64);
        }
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
        .filter(|(r, _)| !movable(r))
        .map(|(r, _)| r.before_total())
        .fold(0, u64::saturating_add);
    let scalable = rows
        .iter()
        .map(|(r, _)| r.before_total())
        .fold(0, u64::saturating_add)
        .saturating_sub(fixed);
    let factor = (target.saturating_sub(fixed) as f64 / scalable.max(1) as f64).min(1.0);
    if factor <= 0.0 {
        return Err("the services that keep their limit alone do not fit".to_string());
    }
    let mut refused = Vec::new();
    for (row, _) in rows.iter_mut().filter(|(r, _)| movable(r)) {
        let after = round_down((row.before as f64 * factor) as u64).min(row.before);
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
                "role" => {
                    let names = Role::ALL.map(Role::name);
                    match Role::ALL.iter().find(|r| Some(r.name()) == value.as_str()) {
                        Some(role) => policy.role = Some(*role),
                        None => {
                            return Err(invalid(&format!(
                                "one of {}",
                                crate::selection::quoted_list(&names)
                            )));
                        }
                    }
                }
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

/// `x-orion-lint: {grow: headroom | fill}`.
pub fn growth(project: &Project) -> Result<Growth, LoadError> {
    let Some(node) = project.root.get_path(&["x-orion-lint", "grow"]) else {
        return Ok(Growth::Headroom);
    };
    match node.as_str() {
        Some("headroom") => Ok(Growth::Headroom),
        Some("fill") => Ok(Growth::Fill),
        _ => Err(LoadError::at(
            node.span.clone(),
            "`grow` in `x-orion-lint` must be `headroom` (keep the memory the host had free outside the containers, the default) or `fill` (all of the new plan but the OS reserve)",
        )),
    }
}

/// The fixes that apply a rescale: one per service (its limit and the values that follow it),
/// and one that records the new plan.
pub fn fixes(rescale: &Rescale, project: &Project, sources: &SourceMap) -> Vec<Fix> {
    let mut fixes = Vec::new();
    // A value written once for several services (an anchor) is edited once.
    let mut edited: HashSet<Span> = HashSet::new();
    for row in rescale.changed() {
        let mut edits = Vec::new();
        let memory = row.service.memory();
        for (field, string_only) in [(&memory.deploy_limit, true), (&memory.mem_limit, false)] {
            let Some(field) = field.as_ref().filter(|f| f.bytes == Ok(row.before)) else {
                continue;
            };
            edits.extend(size_edit(sources, field.node, row.after, string_only));
        }
        edits.extend(dependent_edits(row.service, row.before, row.after, sources));
        edits.extend(crate::compose::alerts::follow_limit(
            &project.alerts,
            &row.service.name,
            (row.before, row.after),
            redis_ceiling(row.service, row.before, row.after, rescale.redis_headroom),
        ));
        edits.retain(|e| edited.insert(e.span.clone()));
        if !edits.is_empty() {
            fixes.push(Fix {
                title: format!(
                    "change the limit of `{}` from {} to {}",
                    row.service.name,
                    units::human_bytes(row.before),
                    units::human_bytes(row.after)
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

/// The edit writing `bytes` over a Compose size, in the style it is written in.
/// `deploy...memory` (`string_only`) must stay a string: a bare byte count would become a number.
fn size_edit(sources: &SourceMap, node: &Node, bytes: u64, string_only: bool) -> Option<Edit> {
    let span = node.edit_span();
    let written = sources.text(span).trim_matches(['"', '\'']).to_string();
    let mut text = units::compose_size_like(bytes, &written);
    if string_only && text.bytes().all(|b| b.is_ascii_digit()) && sources.text(span) == written {
        text = format!("\"{text}\"");
    }
    edit::replace_value(sources, span, &written, &text)
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
/// limits are sized for now (recorded, `--from-plan`, or assumed when neither says). `None` when
/// there is nothing to rescale; the error says why the project cannot move to the new plan.
pub fn requested(loaded: &LoadedProject) -> Option<Result<Rescale<'_>, String>> {
    let settings = &loaded.settings;
    let new = settings.plan.as_ref()?;
    if new.origin != Origin::CommandLine {
        return None;
    }
    let current = settings.current_plan.as_ref().map(|c| c.value);
    if current.is_some_and(|c| std::ptr::eq(new.value, c)) {
        return None;
    }
    Some(plan(&loaded.project, settings, current, new.value))
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

/// The values sized from one service's limit, each keeping its share of it: `memswap_limit`
/// (equal to the limit, no swap, stays equal), reservations (on a move up: on a move down the
/// reservation is the floor the rescale refuses to go below), JVM (`-Xmx`, `-Xms`) and Node
/// heaps, Redis `maxmemory` and PostgreSQL's memory settings. The one place where what follows a
/// limit is produced.
fn dependent_edits(
    service: &ProjectService,
    before: u64,
    after: u64,
    sources: &SourceMap,
) -> Vec<Edit> {
    let scale = |bytes: u64| (bytes as u128 * after as u128 / before.max(1) as u128) as u64;
    let to_mib = |bytes: u64| (bytes / MIB * MIB).max(MIB.min(bytes));
    let mut edits = Vec::new();
    let memory = service.memory();
    if let Some(swap) = &memory.memswap_limit {
        if let Ok(bytes) = swap.bytes.as_ref().map(|b| *b) {
            if bytes > 0 && !memory.swap_is_unlimited() {
                let new = if bytes == before {
                    after
                } else {
                    to_mib(scale(bytes)).max(after)
                };
                edits.extend(size_edit(sources, swap.node, new, false));
            }
        }
    }
    if after > before {
        for (field, string_only) in [
            (&memory.deploy_reservation, true),
            (&memory.mem_reservation, false),
        ] {
            if let Some(Ok(bytes)) = field.as_ref().map(|f| f.bytes.as_ref().map(|b| *b)) {
                if bytes > 0 && bytes <= before {
                    let node = field.as_ref().map(|f| f.node);
                    edits.extend(
                        node.and_then(|n| size_edit(sources, n, to_mib(scale(bytes)), string_only)),
                    );
                }
            }
        }
    }
    let workload = &service.workload;
    for heap in [
        &workload.jvm_heap,
        &workload.jvm_initial_heap,
        &workload.node_heap,
    ]
    .into_iter()
    .flatten()
    {
        let new = to_mib(scale(heap.bytes));
        let text = match heap.runtime {
            Runtime::Jvm => units::compose_size_like(new, &heap.size.text),
            Runtime::Node => (new / MIB).to_string(),
        };
        edits.extend(edit::replace_value(
            sources,
            &heap.size.span,
            &heap.size.text,
            &text,
        ));
    }
    if let Some(redis) = &service.redis {
        if let (Some(directive), Some(Ok(bytes))) = (&redis.maxmemory, redis.maxmemory_bytes()) {
            if bytes > 0 {
                let text = scaled_maxmemory(bytes, before, after);
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

/// A `maxmemory` of `bytes` when its service's limit goes from `before` to `after`: its share of
/// the limit, as Redis writes sizes.
fn scaled_maxmemory(bytes: u64, before: u64, after: u64) -> String {
    units::redis_size((bytes as u128 * after as u128 / before.max(1) as u128) as u64)
}

/// What bounds the memory a Redis service stores, before and after its limit goes from `before`
/// to `after`: a `maxmemory` that is set, and the one it ends at (the rescale keeps its share of
/// the limit, and `redis-maxmemory-headroom` lowers it when that share is above the headroom);
/// without one (or with `0`), the limit, and the `maxmemory` that `redis-maxmemory-missing` then
/// inserts for the new limit. `None` for a service that is not Redis, or whose settings
/// orion-lint could not read.
fn redis_ceiling(
    service: &ProjectService,
    before: u64,
    after: u64,
    headroom: f64,
) -> Option<(u64, u64)> {
    use crate::compose::redis::{above_headroom, suggested_maxmemory};
    let redis = service
        .redis
        .as_ref()
        .filter(|r| r.unread_config.is_none())?;
    let suggested = || units::redis_bytes(&suggested_maxmemory(after, headroom)).ok();
    match redis.maxmemory_bytes() {
        Some(Ok(bytes)) if bytes > 0 => {
            let scaled = units::redis_bytes(&scaled_maxmemory(bytes, before, after)).ok()?;
            let fixed = if above_headroom(scaled, after, headroom) {
                suggested()?
            } else {
                scaled
            };
            Some((bytes, fixed))
        }
        Some(Err(_)) => None,
        _ => Some((before, suggested()?)),
    }
}
