//! What a lint run is configured with: the command line, then the compose file's own
//! `x-orion-lint:` block, then `orion-lint.toml` ([`crate::config`]), then defaults.

use crate::compose::{LoadError, Project, Service};
use crate::config::Config;
use crate::plans::{self, Plan};
use crate::selection::{self, Layer, RuleSettings};
use crate::source::Span;
use crate::units;
use crate::yaml::{Node, Resolved};

/// The memory a server needs beyond its containers (kernel, dockerd, sshd, page cache) when no
/// other value is configured. 512 MiB is what the Hetzner guides and our own measurements of a
/// CAX11 leave free; see `lints/plan-ram-exceeded.md`.
pub const DEFAULT_OS_RESERVE: u64 = 512 * 1024 * 1024;

/// The share of its container limit Redis `maxmemory` may take by default: the rest covers the
/// fork for RDB/AOF rewrites and fragmentation (AWS ElastiCache reserves 25% by default).
pub const DEFAULT_REDIS_HEADROOM: f64 = 0.75;

/// The keys of the `x-orion-lint:` block: those of `orion-lint.toml`, and `services`, which holds
/// rescale policies (see `rescale`) and belongs to one compose file.
pub const KEYS: [&str; 8] = [
    "plan",
    "os-reserve",
    "redis-headroom",
    "profiles",
    "severity",
    "select",
    "ignore",
    "services",
];

/// Options given on the command line, which win over the compose file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub plan: Option<String>,
    /// `--from-plan`: the plan the limits are sized for now, when the file does not record it.
    pub from_plan: Option<String>,
    pub os_reserve: Option<String>,
    pub redis_headroom: Option<String>,
    /// `--profile`: empty means every profile.
    pub profiles: Vec<String>,
    /// `--select`: the only rules to run.
    pub select: Option<Vec<String>>,
    /// `--ignore`: rules not to run.
    pub ignore: Vec<String>,
}

/// Where a setting's value came from, for messages.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    Default,
    CommandLine,
    /// The value in the compose file's `x-orion-lint:` block.
    File(Span),
    /// The value in `orion-lint.toml`.
    Config(Span),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub plan: Option<Setting<&'static Plan>>,
    /// The plan the limits are sized for now: the `x-orion-lint` plan, else `--from-plan`.
    /// `--fix --plan NEW` rescales from it.
    pub current_plan: Option<Setting<&'static Plan>>,
    pub os_reserve: Setting<u64>,
    /// A fraction of the container limit, e.g. 0.75.
    pub redis_headroom: Setting<f64>,
    /// The active profiles, or `None` to evaluate every service (the worst case). From
    /// `--profile`, else `x-orion-lint: {profiles: [...]}`, else `COMPOSE_PROFILES` (process
    /// environment or the project's `.env`), as `docker compose up` would use it.
    pub profiles: Option<Vec<String>>,
    /// Which rules run, at what severity.
    pub rules: RuleSettings,
}

impl Settings {
    /// Whether a service runs with these settings' profiles (`docker compose --profile`): a
    /// service without profiles always runs; `*` enables every profile.
    pub fn is_enabled(&self, service: &Service) -> bool {
        let Some(active) = &self.profiles else {
            return true;
        };
        let profiles = service.profiles();
        profiles.is_empty()
            || active.iter().any(|a| a == "*")
            || profiles.iter().any(|p| active.iter().any(|a| a == p))
    }

    /// Whether a service will run at all: enabled and with at least one replica.
    pub fn runs(&self, service: &Service) -> bool {
        self.is_enabled(service) && service.replicas() != Some(0)
    }

    /// Resolve the settings of a project without `orion-lint.toml`.
    pub fn resolve(overrides: &Overrides, project: &Project) -> Result<Settings, LoadError> {
        Settings::resolve_with(overrides, project, None)
    }

    /// Resolve the settings of a project: the command line, then its `x-orion-lint` block, then
    /// its `orion-lint.toml`. Every value given is checked, also one that a stronger source
    /// overrides.
    pub fn resolve_with(
        overrides: &Overrides,
        project: &Project,
        config: Option<&Config>,
    ) -> Result<Settings, LoadError> {
        let block = project.root.get("x-orion-lint").filter(|b| !b.is_null());
        if let Some(block) = block {
            check_keys(block)?;
        }
        let sources = Sources {
            block,
            config: config.map(|c| &c.root),
        };
        const BLOCK: &str = "`x-orion-lint`";
        const CONFIG: &str = "`orion-lint.toml`";

        let plan_name = |value: &Resolved<'_>, node: Option<&Node>| {
            let name = match value {
                Resolved::Str(name) => name,
                _ => "",
            };
            plan_by_name(name, node)
        };
        let plan = sources.choose(overrides.plan.as_deref(), "plan", plan_name)?;
        // The plan the compose file records wins over `--from-plan`: after a rescale the file
        // says where it is, so repeating the same command changes nothing. `orion-lint.toml`
        // only gives a default for both.
        let current_plan = match sources.get_block("plan") {
            Some(_) => sources.choose(None, "plan", plan_name)?,
            None => match overrides.from_plan.as_deref() {
                Some(name) => Sources::default().choose(Some(name), "plan", plan_name)?,
                None => sources.choose(None, "plan", plan_name)?,
            },
        };
        let os_reserve = sources
            .choose(overrides.os_reserve.as_deref(), "os-reserve", reserve_bytes)?
            .unwrap_or(Setting {
                value: DEFAULT_OS_RESERVE,
                origin: Origin::Default,
            });
        let redis_headroom = sources
            .choose(overrides.redis_headroom.as_deref(), "redis-headroom", ratio)?
            .unwrap_or(Setting {
                value: DEFAULT_REDIS_HEADROOM,
                origin: Origin::Default,
            });
        let config_profiles = sources
            .get_config("profiles")
            .map(|n| profile_list(n, CONFIG))
            .transpose()?;
        let block_profiles = sources
            .get_block("profiles")
            .map(|n| profile_list(n, BLOCK))
            .transpose()?;
        let profiles = if !overrides.profiles.is_empty() {
            Some(overrides.profiles.clone())
        } else {
            block_profiles
                .or(config_profiles)
                .or_else(|| project.compose_profiles.clone())
        };

        let mut rules = RuleSettings::default();
        if let Some(config) = sources.config {
            rules.apply(&selection::layer_from(config, CONFIG)?);
        }
        if let Some(block) = block {
            rules.apply(&selection::layer_from(block, BLOCK)?);
        }
        rules.apply(&command_line_layer(overrides)?);
        Ok(Settings {
            plan,
            current_plan,
            os_reserve,
            redis_headroom,
            profiles,
            rules,
        })
    }
}

/// `--select` and `--ignore` as a source of rule settings.
fn command_line_layer(overrides: &Overrides) -> Result<Layer, LoadError> {
    let rules = |names: &[String], flag: &str| {
        names
            .iter()
            .map(|n| {
                selection::rule_named(n).map_err(|e| invalid(None, format!("{e} (in `{flag}`)")))
            })
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(Layer {
        select: overrides
            .select
            .as_deref()
            .map(|names| rules(names, "--select"))
            .transpose()?,
        severity: Vec::new(),
        ignore: rules(&overrides.ignore, "--ignore")?,
    })
}

/// The settings written in files: the `x-orion-lint` block and `orion-lint.toml`.
#[derive(Default)]
struct Sources<'a> {
    block: Option<&'a Node>,
    config: Option<&'a Node>,
}

impl<'a> Sources<'a> {
    fn get_block(&self, key: &str) -> Option<&'a Node> {
        self.block.and_then(|b| b.get(key)).filter(|n| !n.is_null())
    }

    fn get_config(&self, key: &str) -> Option<&'a Node> {
        self.config.and_then(|c| c.get(key))
    }

    /// A setting from the command line, else from the `x-orion-lint` block, else from
    /// `orion-lint.toml`, each read by `parse`. Every source that gives a value is parsed, so
    /// that a mistake is reported even where a stronger source overrides it.
    fn choose<T>(
        &self,
        command_line: Option<&str>,
        key: &str,
        parse: impl Fn(&Resolved<'_>, Option<&Node>) -> Result<T, LoadError>,
    ) -> Result<Option<Setting<T>>, LoadError> {
        let from_node = |node: &Node, origin: fn(Span) -> Origin| {
            parse(&node.resolve().unwrap_or(Resolved::Null), Some(node)).map(|value| Setting {
                value,
                origin: origin(node.span.clone()),
            })
        };
        let config = self
            .get_config(key)
            .map(|n| from_node(n, Origin::Config))
            .transpose()?;
        let block = self
            .get_block(key)
            .map(|n| from_node(n, Origin::File))
            .transpose()?;
        let command_line = command_line
            .map(|text| {
                parse(&Resolved::Str(text), None).map(|value| Setting {
                    value,
                    origin: Origin::CommandLine,
                })
            })
            .transpose()?;
        Ok(command_line.or(block).or(config))
    }
}

fn invalid(node: Option<&Node>, message: String) -> LoadError {
    match node {
        Some(node) => LoadError::at(node.span.clone(), message),
        None => LoadError {
            message,
            path: None,
            span: None,
            related: Vec::new(),
        },
    }
}

fn check_keys(block: &Node) -> Result<(), LoadError> {
    let Some(entries) = block.as_map() else {
        return Err(invalid(
            Some(block),
            format!(
                "`x-orion-lint` must be a mapping such as `{{plan: cax11}}`, not {}",
                block.kind_name()
            ),
        ));
    };
    for entry in entries {
        let key = entry.key.as_str().unwrap_or_default();
        if !KEYS.contains(&key) {
            let hint = crate::did_you_mean(key, KEYS, || {
                format!("valid keys are {}", selection::quoted_list(&KEYS))
            });
            return Err(invalid(
                Some(&entry.key),
                format!("unknown key `{key}` in `x-orion-lint`: {hint}"),
            ));
        }
    }
    Ok(())
}

fn plan_by_name(name: &str, node: Option<&Node>) -> Result<&'static Plan, LoadError> {
    plans::find(name).ok_or_else(|| {
        let hint = plans::suggest(name).map_or_else(
            || "run `orion-lint plans` to list the plans orion-lint knows".to_string(),
            |close| format!("did you mean `{close}`?"),
        );
        invalid(node, format!("unknown plan `{name}`: {hint}"))
    })
}

fn reserve_bytes(value: &Resolved<'_>, node: Option<&Node>) -> Result<u64, LoadError> {
    let bytes = match value {
        Resolved::Int(i) => u64::try_from(*i).map_err(|_| "it is negative".to_string()),
        Resolved::Str(text) => units::compose_bytes(text).map_err(|e| e.message),
        _ => Err("it is not a size".to_string()),
    };
    bytes.map_err(|why| {
        invalid(
            node,
            format!("invalid OS reserve: {why}; write a size such as `512m` or `1g`"),
        )
    })
}

fn ratio(value: &Resolved<'_>, node: Option<&Node>) -> Result<f64, LoadError> {
    let parsed = match value {
        Resolved::Str(text) => match text.trim().strip_suffix('%') {
            Some(percent) => percent.trim().parse::<f64>().ok().map(|p| p / 100.0),
            None => text.trim().parse::<f64>().ok(),
        },
        Resolved::Float(f) => Some(*f),
        Resolved::Int(i) => Some(*i as f64),
        _ => None,
    };
    parsed
        .filter(|r| *r > 0.0 && *r < 1.0)
        .ok_or_else(|| {
            invalid(
                node,
                "invalid Redis headroom: write the share of the container limit that maxmemory may use, between 0 and 1 or as a percentage, e.g. `75%` or `0.75`".to_string(),
            )
        })
}

fn profile_list(node: &Node, place: &str) -> Result<Vec<String>, LoadError> {
    let items = node.as_seq().ok_or_else(|| {
        invalid(
            Some(node),
            format!("`profiles` in {place} must be a list such as `[full]`"),
        )
    })?;
    Ok(items
        .iter()
        .filter_map(|i| i.as_str().map(str::to_string))
        .collect())
}
