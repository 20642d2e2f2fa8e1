//! What a lint run is configured with: the command line, then the compose file's own
//! `x-orion-lint:` block, then `orion-lint.toml` ([`crate::config`]), then defaults.

use crate::compose::{LoadError, Project, Service};
use crate::config::Config;
use crate::plans::{self, Plan};
use crate::selection::{self, Layer, RuleSettings};
use crate::source::{SourceMap, Span};
use crate::units;
use crate::yaml::{Node, Resolved};

/// The memory a server needs beyond its containers (kernel, dockerd, sshd, page cache) when no
/// other value is configured. 512 MiB is what the Hetzner guides and our own measurements of a
/// CAX11 leave free; see `lints/plan-ram-exceeded.md`.
pub const DEFAULT_OS_RESERVE: u64 = 512 * 1024 * 1024;

/// The share of its container limit Redis `maxmemory` may take by default: the rest covers the
/// fork for RDB/AOF rewrites and fragmentation (AWS ElastiCache reserves 25% by default).
pub const DEFAULT_REDIS_HEADROOM: f64 = 0.75;

/// The keys of the `x-orion-lint:` block: those of `orion-lint.toml`, and `services` and `grow`,
/// which hold rescale policies (see `rescale`) and belong to one compose file.
pub const KEYS: [&str; 11] = [
    "plan",
    "docs",
    "os-reserve",
    "redis-headroom",
    "profiles",
    "severity",
    "select",
    "ignore",
    "alert-rules",
    "services",
    "grow",
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
    pub fn resolve(
        overrides: &Overrides,
        project: &Project,
        sources: &SourceMap,
    ) -> Result<Settings, LoadError> {
        Settings::resolve_with(overrides, project, None, sources)
    }

    /// Resolve the settings of a project: the command line, then its `x-orion-lint` block, then
    /// its `orion-lint.toml`. Every value given is checked, also one that a stronger source
    /// overrides. `sources` names the files a variable's value comes from in messages.
    pub fn resolve_with(
        overrides: &Overrides,
        project: &Project,
        config: Option<&Config>,
        sources: &SourceMap,
    ) -> Result<Settings, LoadError> {
        let block = project.root.get("x-orion-lint").filter(|b| !b.is_null());
        if let Some(block) = block {
            check_keys(block)?;
        }
        let sources = Sources {
            block,
            config: config.map(|c| &c.root),
            files: Some(sources),
        };
        const BLOCK: &str = "`x-orion-lint`";
        const CONFIG: &str = "`orion-lint.toml`";

        let plan_name = |given: &Given<'_>| {
            let name = match &given.value {
                Resolved::Str(name) => name,
                _ => "",
            };
            plan_by_name(name, given)
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
                .map(|active| declared_profiles(active, project))
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
    /// The files read, to say where a variable's value comes from.
    files: Option<&'a SourceMap>,
}

/// A setting's value as given, with what a message may say about it.
struct Given<'a> {
    value: Resolved<'a>,
    node: Option<&'a Node>,
    /// How to name the value when it is not valid and came from a variable (see
    /// [`crate::hidden`]), with how it is written: "`${PLAN}`: the value of `PLAN` (...)".
    hidden: Option<String>,
}

impl Given<'_> {
    /// "`text`", or the value as written with where it came from when it must not be shown.
    fn named(&self, text: &str) -> String {
        match (&self.hidden, self.node) {
            (Some(hidden), Some(node)) => {
                format!("`{}` ({hidden})", crate::hidden::written_form(node))
            }
            _ => format!("`{text}`"),
        }
    }
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
        parse: impl Fn(&Given<'_>) -> Result<T, LoadError>,
    ) -> Result<Option<Setting<T>>, LoadError> {
        let from_node = |node: &Node, origin: fn(Span) -> Origin| {
            let given = Given {
                value: node.resolve().unwrap_or(Resolved::Null),
                node: Some(node),
                hidden: self
                    .files
                    .and_then(|files| crate::hidden::value(files, node)),
            };
            parse(&given).map(|value| Setting {
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
                let given = Given {
                    value: Resolved::Str(text),
                    node: None,
                    hidden: None,
                };
                parse(&given).map(|value| Setting {
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

fn plan_by_name(name: &str, given: &Given<'_>) -> Result<&'static Plan, LoadError> {
    plans::find(name).ok_or_else(|| {
        // A suggestion names one of the plans, never the value.
        let hint = plans::suggest(name).map_or_else(
            || "run `orion-lint plans` to list the plans orion-lint knows".to_string(),
            |close| format!("did you mean `{close}`?"),
        );
        invalid(
            given.node,
            format!("unknown plan {}: {hint}", given.named(name)),
        )
    })
}

fn reserve_bytes(given: &Given<'_>) -> Result<u64, LoadError> {
    let bytes = match &given.value {
        Resolved::Int(i) => u64::try_from(*i).map_err(|_| "it is negative".to_string()),
        Resolved::Str(text) => units::compose_bytes(text).map_err(|e| e.message),
        _ => Err("it is not a size".to_string()),
    };
    bytes.map_err(|why| {
        let why = match &given.hidden {
            Some(_) => format!("{} is not a size", given.named("")),
            None => why,
        };
        invalid(
            given.node,
            format!("invalid OS reserve: {why}; write a size such as `512m` or `1g`"),
        )
    })
}

fn ratio(given: &Given<'_>) -> Result<f64, LoadError> {
    let node = given.node;
    let parsed = match &given.value {
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
            let named = match &given.hidden {
                Some(_) => format!(" {}", given.named("")),
                None => String::new(),
            };
            invalid(
                node,
                format!("invalid Redis headroom{named}: write the share of the container limit that maxmemory may use, between 0 and 1 or as a percentage, e.g. `75%` or `0.75`"),
            )
        })
}

/// The profiles of `active` that a service declares as written in its file (or `*`). The others
/// enable nothing, and one from `COMPOSE_PROFILES` or a variable may be a token: it must never be
/// printed (see [`crate::hidden`]).
fn declared_profiles(active: Vec<String>, project: &Project) -> Vec<String> {
    let declared = |name: &str| {
        project.services.iter().any(|service| {
            service
                .get("profiles")
                .and_then(Node::as_seq)
                .is_some_and(|items| {
                    items
                        .iter()
                        .any(|i| i.substitution().is_none() && i.as_str() == Some(name))
                })
        })
    };
    active
        .into_iter()
        .filter(|p| p == "*" || declared(p))
        .collect()
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
