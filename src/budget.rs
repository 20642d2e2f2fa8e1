//! The memory budget of a project: what its containers may use, against the RAM of a plan.

use crate::compose::{Project, ProjectService};
use crate::plans::{self, Plan};
use crate::settings::Settings;
use crate::source::{FileId, Span};

#[derive(Debug)]
pub struct Row<'p> {
    pub service: &'p ProjectService,
    /// The effective memory limit of one container, `None` if unlimited or unknown.
    pub limit: Option<u64>,
    /// The limit depends on an unset variable.
    pub unknown: bool,
    /// How many containers run; `None` when `scale`/`deploy.replicas` is invalid
    /// (`replicas-invalid`), so the service's share is unknown.
    pub replicas: Option<u64>,
    /// Whether the service runs with the active profiles (and has replicas).
    pub runs: bool,
}

impl Row<'_> {
    /// What the service's containers may use together: limit × replicas, 0 when it does not run
    /// or has no limit or an unknown replica count; `None` beyond what a u64 counts.
    fn checked_subtotal(&self) -> Option<u64> {
        match (self.runs, self.limit, self.replicas) {
            (true, Some(limit), Some(replicas)) => limit.checked_mul(replicas),
            _ => Some(0),
        }
    }

    /// `Row::checked_subtotal`, saturating at `u64::MAX` (16 EiB).
    pub fn subtotal(&self) -> u64 {
        self.checked_subtotal().unwrap_or(u64::MAX)
    }

    /// Whether the service runs but what it uses is not known: no limit, or one that depends on
    /// an unset variable, or an invalid replica count.
    pub(crate) fn is_uncounted(&self) -> bool {
        self.runs && (self.limit.is_none() || self.replicas.is_none())
    }
}

#[derive(Debug)]
pub struct Budget<'p> {
    /// Every service, in file order.
    pub rows: Vec<Row<'p>>,
    pub os_reserve: u64,
    pub plan: Option<&'static Plan>,
}

impl<'p> Budget<'p> {
    pub fn new(project: &'p Project, settings: &Settings) -> Self {
        let rows = project
            .services
            .iter()
            .map(|service| {
                let memory = service.memory();
                Row {
                    service,
                    limit: memory.limit().map(|(bytes, _)| bytes),
                    unknown: memory.limit_is_unknown(),
                    replicas: service.replicas(),
                    runs: settings.runs(service),
                }
            })
            .collect();
        Budget {
            rows,
            os_reserve: settings.os_reserve.value,
            plan: settings.plan.as_ref().map(|p| p.value),
        }
    }

    /// The sum of limit × replicas over the services that run, saturating at `u64::MAX` (see
    /// [`Budget::out_of_range`]).
    pub fn containers(&self) -> u64 {
        self.rows
            .iter()
            .map(Row::subtotal)
            .fold(0, u64::saturating_add)
    }

    /// The containers plus the OS reserve: the RAM the server needs at least.
    pub fn needed(&self) -> u64 {
        self.containers().saturating_add(self.os_reserve)
    }

    /// Whether what is needed exceeds what a u64 counts (16 EiB), so that [`Budget::needed`] is
    /// only a lower bound: no server has that, but a typo in `replicas` gets there.
    pub fn out_of_range(&self) -> bool {
        self.rows
            .iter()
            .try_fold(self.os_reserve, |sum, row| {
                sum.checked_add(row.checked_subtotal()?)
            })
            .is_none()
    }

    /// Services that run without a memory limit, with an unknown one or with an unknown replica
    /// count: with any, the total is only a lower bound.
    pub fn unlimited(&self) -> Vec<&Row<'p>> {
        self.rows.iter().filter(|r| r.is_uncounted()).collect()
    }

    /// RAM left on the plan after containers and reserve; negative when overcommitted.
    pub fn remaining(&self) -> Option<i128> {
        self.plan
            .map(|p| i128::from(p.ram_bytes()) - i128::from(self.needed()))
    }

    /// [`Budget::remaining`] clamped into a 64-bit integer, what JSON readers take as one.
    pub fn remaining_i64(&self) -> Option<i64> {
        self.remaining()
            .map(|r| i64::try_from(r).unwrap_or(if r < 0 { i64::MIN } else { i64::MAX }))
    }

    /// Whether [`Budget::needed`] or [`Budget::remaining_i64`] is only a bound, the true number
    /// being out of their range.
    pub fn numbers_are_bounds(&self) -> bool {
        self.out_of_range() || self.remaining().is_some_and(|r| i64::try_from(r).is_err())
    }

    /// The smallest catalog plan with room for everything, preferring the current family.
    pub fn smallest_fitting_plan(&self) -> Option<&'static Plan> {
        plans::smallest_fitting(self.needed(), self.plan)
    }
}

/// A memory value of a service and where it is written: what an editor shows for the value under
/// its cursor.
#[derive(Debug)]
pub struct MemoryValue<'b, 'p> {
    /// The service's row of the budget.
    pub row: &'b Row<'p>,
    /// The field, e.g. `mem_limit`, `deploy.resources.limits.memory`, `maxmemory`.
    pub field: &'static str,
    /// The value as messages show it (see `Service::written`): valid, so shown interpolated.
    pub written: &'p str,
    pub bytes: u64,
}

impl<'p> Budget<'p> {
    /// The memory value written at `offset` of `file`, where it is written or where its text
    /// comes from (the `.env` line of an interpolated value). Only values that read as a size:
    /// an invalid one is what a diagnostic reports.
    pub fn memory_at(&self, file: FileId, offset: usize) -> Option<MemoryValue<'_, 'p>> {
        let at = |span: &Span| span.file == file && span.range.contains_inclusive(offset);
        self.rows.iter().find_map(|row| {
            let memory = row.service.service.memory();
            let fields = [
                ("mem_limit", memory.mem_limit),
                ("mem_reservation", memory.mem_reservation),
                ("deploy.resources.limits.memory", memory.deploy_limit),
                (
                    "deploy.resources.reservations.memory",
                    memory.deploy_reservation,
                ),
                ("memswap_limit", memory.memswap_limit),
            ];
            let compose = fields.into_iter().find_map(|(field, value)| {
                let value = value?;
                let bytes = *value.bytes.as_ref().ok()?;
                (at(&value.node.span) || at(value.node.edit_span())).then_some(MemoryValue {
                    row,
                    field,
                    written: value.written,
                    bytes,
                })
            });
            compose.or_else(|| {
                let maxmemory = row.service.redis.as_ref()?.maxmemory.as_ref()?;
                let bytes = crate::units::redis_bytes(&maxmemory.value).ok()?;
                at(&maxmemory.span).then_some(MemoryValue {
                    row,
                    field: "maxmemory",
                    written: &maxmemory.value,
                    bytes,
                })
            })
        })
    }
}

/// A range that holds its end too: a cursor just after a value is on it.
trait ContainsInclusive {
    fn contains_inclusive(&self, offset: usize) -> bool;
}

impl ContainsInclusive for std::ops::Range<usize> {
    fn contains_inclusive(&self, offset: usize) -> bool {
        self.start <= offset && offset <= self.end
    }
}

/// What one service's containers take on one side of a comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceUse {
    pub limit: Option<u64>,
    /// The limit depends on an unset variable (or one that is no size).
    pub unknown: bool,
    pub replicas: Option<u64>,
    pub runs: bool,
    pub subtotal: u64,
}

impl From<&Row<'_>> for ServiceUse {
    fn from(row: &Row) -> Self {
        ServiceUse {
            limit: row.limit,
            unknown: row.unknown,
            replicas: row.replicas,
            runs: row.runs,
            subtotal: row.subtotal(),
        }
    }
}

/// A service whose limit, replicas or profile state differ between the two sides; `None` on the
/// side where it does not exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceChange {
    pub name: String,
    pub before: Option<ServiceUse>,
    pub after: Option<ServiceUse>,
}

/// One side's totals against its plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Totals {
    pub containers: u64,
    pub os_reserve: u64,
    pub needed: u64,
    pub plan: Option<&'static Plan>,
    /// RAM left on the plan; negative when overcommitted.
    pub remaining: Option<i128>,
    /// The total is beyond what a u64 counts.
    pub out_of_range: bool,
    /// Services that run without a known limit or replica count: the total is a lower bound.
    pub unlimited: Vec<String>,
    /// Whether `plan-ram-exceeded` reports this side (as the project's rule settings have it).
    pub plan_ram_exceeded: bool,
}

impl Totals {
    pub fn new(budget: &Budget, plan_ram_exceeded: bool) -> Self {
        Totals {
            containers: budget.containers(),
            os_reserve: budget.os_reserve,
            needed: budget.needed(),
            plan: budget.plan,
            remaining: budget.remaining(),
            out_of_range: budget.out_of_range(),
            unlimited: budget
                .unlimited()
                .iter()
                .map(|r| r.service.name.clone())
                .collect(),
            plan_ram_exceeded,
        }
    }

    /// Whether everything fits on the plan; `None` without a plan.
    pub fn fits(&self) -> Option<bool> {
        self.remaining.map(|r| r >= 0)
    }

    /// [`Totals::remaining`] clamped into a 64-bit integer, what JSON readers take as one.
    pub fn remaining_i64(&self) -> Option<i64> {
        self.remaining
            .map(|r| i64::try_from(r).unwrap_or(if r < 0 { i64::MIN } else { i64::MAX }))
    }
}

/// The budget of one project before (at a revision) and after (the work tree).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// The services that changed, in the after side's order, then those removed.
    pub services: Vec<ServiceChange>,
    /// `None` when the project did not exist at the revision: every service is added.
    pub before: Option<Totals>,
    pub after: Totals,
}

impl Comparison {
    pub fn new(before: Option<(&Budget, bool)>, after: (&Budget, bool)) -> Self {
        let uses = |budget: &Budget| -> Vec<(String, ServiceUse)> {
            budget
                .rows
                .iter()
                .map(|row| (row.service.name.clone(), ServiceUse::from(row)))
                .collect()
        };
        let old = before.map(|(b, _)| uses(b)).unwrap_or_default();
        let new = uses(after.0);
        let find = |side: &[(String, ServiceUse)], name: &str| {
            side.iter().find(|(n, _)| n == name).map(|(_, u)| *u)
        };
        let mut services: Vec<ServiceChange> = new
            .iter()
            .map(|(name, now)| ServiceChange {
                name: name.clone(),
                before: find(&old, name),
                after: Some(*now),
            })
            .collect();
        services.extend(
            old.iter()
                .filter(|(name, _)| find(&new, name).is_none())
                .map(|(name, then)| ServiceChange {
                    name: name.clone(),
                    before: Some(*then),
                    after: None,
                }),
        );
        services.retain(|change| change.before != change.after);
        Comparison {
            services,
            before: before.map(|(budget, exceeded)| Totals::new(budget, exceeded)),
            after: Totals::new(after.0, after.1),
        }
    }

    /// Whether nothing the budget counts changed: services, totals and plan.
    pub fn unchanged(&self) -> bool {
        self.services.is_empty() && self.before.as_ref() == Some(&self.after)
    }
}
