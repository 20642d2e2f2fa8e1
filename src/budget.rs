//! The memory budget of a project: what its containers may use, against the RAM of a plan.

use crate::compose::{Project, ProjectService};
use crate::plans::{self, Plan};
use crate::settings::Settings;

#[derive(Debug)]
pub struct Row<'p> {
    pub service: &'p ProjectService,
    /// The effective memory limit of one container, `None` if unlimited or unknown.
    pub limit: Option<u64>,
    /// The limit depends on an unset variable.
    pub unknown: bool,
    pub replicas: u64,
    /// Whether the service runs with the active profiles (and has replicas).
    pub runs: bool,
}

impl Row<'_> {
    /// What the service's containers may use together: limit × replicas, 0 when it does not run
    /// or has no limit.
    pub fn subtotal(&self) -> u64 {
        match (self.runs, self.limit) {
            (true, Some(limit)) => limit.saturating_mul(self.replicas),
            _ => 0,
        }
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

    /// The sum of limit × replicas over the services that run.
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

    /// Services that run without a memory limit, or with an unknown one: with any, the total is
    /// only a lower bound.
    pub fn unlimited(&self) -> Vec<&Row<'p>> {
        self.rows
            .iter()
            .filter(|r| r.runs && r.limit.is_none())
            .collect()
    }

    /// RAM left on the plan after containers and reserve; negative when overcommitted.
    pub fn remaining(&self) -> Option<i128> {
        self.plan
            .map(|p| i128::from(p.ram_bytes()) - i128::from(self.needed()))
    }

    /// The smallest catalog plan with room for everything, preferring the current family.
    pub fn smallest_fitting_plan(&self) -> Option<&'static Plan> {
        plans::smallest_fitting(self.needed(), self.plan)
    }
}
