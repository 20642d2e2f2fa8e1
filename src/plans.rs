//! The server plans orion-lint knows, as data.
//!
//! Source: Hetzner Cloud server types as cross-checked between independent third-party catalogs
//! and API fixtures (orion-lint `shared/reference/domain-facts.md` section 5, 2026-11). Hetzner
//! does not publish a machine-readable catalog we could vendor; `verified: false` marks the
//! entries only one source confirmed. RAM is the nominal size, in GiB, as the API reports it.

const GIB: u64 = 1024 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Lower-case type name as the Hetzner API spells it.
    pub name: &'static str,
    pub family: &'static str,
    pub vcpus: u32,
    pub ram_gib: u64,
    pub disk_gb: u32,
    /// Whether at least two independent sources agree on every number.
    pub verified: bool,
}

impl Plan {
    pub fn ram_bytes(&self) -> u64 {
        self.ram_gib * GIB
    }

    /// The name as people write it in docs: `CAX11`.
    pub fn display_name(&self) -> String {
        self.name.to_ascii_uppercase()
    }
}

const fn plan(
    name: &'static str,
    family: &'static str,
    vcpus: u32,
    ram_gib: u64,
    disk_gb: u32,
    verified: bool,
) -> Plan {
    Plan {
        name,
        family,
        vcpus,
        ram_gib,
        disk_gb,
        verified,
    }
}

const CAX: &str = "CAX (Ampere ARM64, shared vCPU)";
const CX_2024: &str = "CX gen-2024 (Intel, shared vCPU)";
const CX_2025: &str = "CX cost-optimized (2025+, shared vCPU)";
const CPX_OLD: &str = "CPX (AMD, shared vCPU, legacy)";
const CPX_2025: &str = "CPX regular performance (2025+, shared vCPU)";
const CCX: &str = "CCX (AMD, dedicated vCPU)";

pub static PLANS: &[Plan] = &[
    plan("cax11", CAX, 2, 4, 40, true),
    plan("cax21", CAX, 4, 8, 80, true),
    plan("cax31", CAX, 8, 16, 160, true),
    plan("cax41", CAX, 16, 32, 320, true),
    plan("cx22", CX_2024, 2, 4, 40, true),
    plan("cx32", CX_2024, 4, 8, 80, true),
    plan("cx42", CX_2024, 8, 16, 160, true),
    plan("cx52", CX_2024, 16, 32, 320, true),
    plan("cx23", CX_2025, 2, 4, 40, true),
    plan("cx33", CX_2025, 4, 8, 80, true),
    plan("cx43", CX_2025, 8, 16, 160, true),
    plan("cx53", CX_2025, 16, 32, 320, false),
    plan("cpx11", CPX_OLD, 2, 2, 40, true),
    plan("cpx21", CPX_OLD, 3, 4, 80, true),
    plan("cpx31", CPX_OLD, 4, 8, 160, true),
    plan("cpx41", CPX_OLD, 8, 16, 240, true),
    plan("cpx51", CPX_OLD, 16, 32, 360, true),
    plan("cpx12", CPX_2025, 1, 2, 40, true),
    plan("cpx22", CPX_2025, 2, 4, 80, false),
    plan("cpx32", CPX_2025, 4, 8, 160, true),
    plan("cpx42", CPX_2025, 8, 16, 320, true),
    plan("cpx52", CPX_2025, 12, 24, 480, false),
    plan("cpx62", CPX_2025, 16, 32, 640, true),
    plan("ccx13", CCX, 2, 8, 80, true),
    plan("ccx23", CCX, 4, 16, 160, true),
    plan("ccx33", CCX, 8, 32, 240, true),
    plan("ccx43", CCX, 16, 64, 360, false),
    plan("ccx53", CCX, 32, 128, 600, false),
    plan("ccx63", CCX, 48, 192, 960, false),
];

/// A plan by name, case-insensitively (`CAX11` and `cax11` are the same plan).
pub fn find(name: &str) -> Option<&'static Plan> {
    PLANS
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
}

/// The plan name closest to a misspelt one, if any is close.
pub fn suggest(name: &str) -> Option<&'static str> {
    crate::closest(
        name.trim().to_ascii_lowercase().as_str(),
        PLANS.iter().map(|p| p.name),
    )
}

/// The smallest plan with at least `bytes` of RAM, preferring the family of `current` (a team on
/// ARM stays on ARM: Hetzner cannot rescale between CPU architectures).
pub fn smallest_fitting(bytes: u64, current: Option<&Plan>) -> Option<&'static Plan> {
    let fits = |p: &&'static Plan| p.ram_bytes() >= bytes;
    let smallest = |family: Option<&str>| {
        PLANS
            .iter()
            .filter(|p| family.is_none_or(|f| p.family == f))
            .filter(fits)
            .min_by_key(|p| (p.ram_gib, p.vcpus))
    };
    current
        .and_then(|c| smallest(Some(c.family)))
        .or_else(|| smallest(None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_lower_case_and_sorted_within_a_family() {
        for (i, p) in PLANS.iter().enumerate() {
            assert_eq!(p.name, p.name.to_ascii_lowercase());
            assert!(PLANS[..i].iter().all(|q| q.name != p.name), "{}", p.name);
            if let Some(prev) = PLANS[..i].last().filter(|q| q.family == p.family) {
                assert!(prev.ram_gib <= p.ram_gib, "{} after {}", p.name, prev.name);
            }
        }
    }

    #[test]
    fn finds_plans_case_insensitively() {
        let cax11 = find("CAX11").unwrap();
        assert_eq!((cax11.vcpus, cax11.ram_gib, cax11.disk_gb), (2, 4, 40));
        assert_eq!(cax11.ram_bytes(), 4_294_967_296);
        assert_eq!(find("cax21").unwrap().ram_gib, 8);
        assert!(find("cax12").is_none());
        assert_eq!(suggest("cax12"), Some("cax11"));
        assert_eq!(suggest("kubernetes"), None);
    }

    #[test]
    fn smallest_fitting_prefers_the_current_family() {
        let cax11 = find("cax11").unwrap();
        assert_eq!(
            smallest_fitting(5 * GIB, Some(cax11)).unwrap().name,
            "cax21"
        );
        assert_eq!(
            smallest_fitting(3 * GIB, Some(cax11)).unwrap().name,
            "cax11"
        );
        assert_eq!(
            smallest_fitting(100 * GIB, Some(cax11)).unwrap().name,
            "ccx53"
        );
        assert_eq!(smallest_fitting(GIB, None).unwrap().name, "cpx12");
        assert!(smallest_fitting(1000 * GIB, None).is_none());
    }
}
