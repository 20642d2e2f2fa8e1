//! What a Redis (or Valkey) container is configured with: `maxmemory` and `maxmemory-policy` from
//! its command line and from a `redis.conf` mounted into it.
//!
//! Redis reads its config file first, then the command-line options in order, and the last
//! occurrence of a directive wins (verified with redis-server 7.0, domain-facts 2.3).

use crate::source::{FileId, FileKind, SourceMap, Span};
use crate::units::{self, SizeError};

use super::command::{self, Arg};
use super::interpolated::HiddenWord;
use super::mounts::{self, Mounts};
use super::service::Service;

const IMAGES: &[&str] = &["redis", "valkey", "redis-stack", "redis-stack-server"];
const SERVERS: &[&str] = &["redis-server", "valkey-server", "redis-stack-server"];

/// A directive's value and where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub value: String,
    pub span: Span,
    pub via: Vec<Span>,
    /// Set when the value's text must not be shown unless valid.
    pub hidden: Option<HiddenWord>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RedisConfig {
    pub maxmemory: Option<Directive>,
    pub policy: Option<Directive>,
    /// A config file the server reads but orion-lint could not (not mounted from the project, or
    /// missing): settings may hide there.
    pub unread_config: Option<String>,
    /// Whether the service's own `command:` starts the server, so that options appended to it
    /// reach Redis.
    pub command_starts_server: bool,
}

impl RedisConfig {
    /// `maxmemory` in bytes as Redis reads it; `None` when not set.
    pub fn maxmemory_bytes(&self) -> Option<Result<u64, SizeError>> {
        self.maxmemory
            .as_ref()
            .map(|d| units::redis_bytes(&d.value))
    }
}

/// The `maxmemory` `redis-maxmemory-missing` and `redis-maxmemory-headroom` suggest for a
/// container limit: `headroom` of it.
pub(crate) fn suggested_maxmemory(limit: u64, headroom: f64) -> String {
    units::redis_size((limit as f64 * headroom) as u64)
}

/// Whether a `maxmemory` is above the `headroom` share of a container limit but below the
/// limit: what `redis-maxmemory-headroom` reports and lowers to [`suggested_maxmemory`].
pub(crate) fn above_headroom(maxmemory: u64, limit: u64, headroom: f64) -> bool {
    maxmemory > (limit as f64 * headroom) as u64 && maxmemory < limit
}

/// The Redis configuration of a service, or `None` if it does not run a Redis server.
pub fn config(
    service: &Service,
    mounts: &mut Mounts,
    sources: &mut SourceMap,
) -> Option<RedisConfig> {
    let args = match launch(service, sources) {
        Launch::NotRedis => return None,
        Launch::Opaque(what) => {
            return Some(RedisConfig {
                unread_config: Some(what),
                command_starts_server: command_starts_server(service),
                ..RedisConfig::default()
            });
        }
        Launch::Server(args) => args,
    };
    let mut config = RedisConfig {
        command_starts_server: command_starts_server(service),
        ..RedisConfig::default()
    };
    let mut options = args.as_slice();
    // Redis reads its first argument as a config file unless it is an option.
    if let Some(first) = options.first().filter(|a| !a.text.starts_with('-')) {
        options = &options[1..];
        match mounts::read_mounted(service, &first.text, mounts, sources) {
            Some(file) => {
                sources.tag(file, FileKind::RedisConf);
                read_config_file(file, sources, &mut config);
            }
            None => config.unread_config = Some(first.text.clone()),
        }
    }
    // Images that take extra server options from the environment read them before the
    // command's own options.
    read_options(&environment_options(service, sources), sources, &mut config);
    read_options(options, sources, &mut config);
    Some(config)
}

/// Server options given through the environment: `REDIS_ARGS` (redis-stack images),
/// `REDIS_EXTRA_FLAGS` and `VALKEY_EXTRA_FLAGS` (Bitnami images).
fn environment_options(service: &Service, sources: &SourceMap) -> Vec<Arg> {
    const VARIABLES: [&str; 3] = ["REDIS_ARGS", "REDIS_EXTRA_FLAGS", "VALKEY_EXTRA_FLAGS"];
    service
        .environment()
        .into_iter()
        .filter(|var| VARIABLES.contains(&var.name.as_str()))
        .flat_map(|var| var.words(sources))
        .collect()
}

/// Whether the service's own `command:` starts the server (`redis-server ...`, or options the
/// official image's entrypoint hands to it), so that options appended to it reach Redis.
fn command_starts_server(service: &Service) -> bool {
    let image_is_redis = service.image_name().is_some_and(|i| IMAGES.contains(&i));
    let command = service.command().unwrap_or_default();
    service.get("entrypoint").is_none()
        && match command::program(command) {
            Some(program) => {
                is_server(program)
                    || image_is_redis && (program.starts_with('-') || program.ends_with(".conf"))
            }
            None => false,
        }
}

enum Launch {
    /// The arguments given to the server binary.
    Server(Vec<Arg>),
    /// A Redis image started some way orion-lint cannot follow (a script of the image's own).
    Opaque(String),
    NotRedis,
}

fn launch(service: &Service, sources: &SourceMap) -> Launch {
    let image_is_redis = service.image_name().is_some_and(|i| IMAGES.contains(&i));
    let command = service.command().unwrap_or_default();
    let entrypoint = service.entrypoint();
    let argv = service.argv();
    if command::program(&argv).is_some_and(|p| p.contains("sentinel") || p.ends_with("-cli")) {
        return Launch::NotRedis;
    }
    if let Some(args) = command::find_program(&argv, sources, is_server) {
        return Launch::Server(args);
    }
    if !image_is_redis || argv.iter().any(|a| a.text == "--sentinel") {
        return Launch::NotRedis;
    }
    match (entrypoint, command::program(command)) {
        // The official image's entrypoint runs `redis-server` when the first argument is an
        // option or a `.conf` file, and by default.
        (None, None) => Launch::Server(Vec::new()),
        (None, Some(first)) if first.starts_with('-') || first.ends_with(".conf") => {
            Launch::Server(command.to_vec())
        }
        _ => Launch::Opaque(
            argv.iter()
                .map(|a| a.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ),
    }
}

fn is_server(program: &str) -> bool {
    SERVERS.contains(&program)
}

/// Command-line options: `--name value...`; an argument holding `--name value` with spaces is one
/// option too (Redis joins its arguments into config text).
fn read_options(options: &[Arg], sources: &SourceMap, config: &mut RedisConfig) {
    let mut i = 0;
    while i < options.len() {
        let Some(option) = options[i].text.strip_prefix("--") else {
            i += 1;
            continue;
        };
        let values_end = options[i + 1..]
            .iter()
            .position(|a| a.text.starts_with("--"))
            .map_or(options.len(), |n| i + 1 + n);
        let directive = match option.split_once(' ') {
            Some((name, value)) => {
                let offset = options[i].text.len() - value.len();
                let span =
                    command::arg_sub_span(&options[i], sources, offset..options[i].text.len());
                Some((name, value.trim().to_string(), span, &options[i]))
            }
            None => options
                .get(i + 1)
                .filter(|_| values_end > i + 1)
                .map(|value| (option, value.text.clone(), value.span.clone(), value)),
        };
        if let Some((name, value, span, arg)) = directive {
            set(config, name, value, span, arg.via.clone());
        }
        i = values_end;
    }
}

fn set(config: &mut RedisConfig, name: &str, value: String, span: Span, via: Vec<Span>) {
    let directive = Directive {
        value,
        span,
        via,
        hidden: None, // marked once the project is loaded
    };
    match name.to_ascii_lowercase().as_str() {
        "maxmemory" => config.maxmemory = Some(directive),
        "maxmemory-policy" => config.policy = Some(directive),
        _ => {}
    }
}

/// `maxmemory 100mb` lines of a redis.conf; `#` starts a comment line.
fn read_config_file(file: FileId, sources: &SourceMap, config: &mut RedisConfig) {
    let text = sources.get(file).text.clone();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let indent = content.len() - content.trim_start().len();
        let trimmed = content.trim();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            let name_end = trimmed.find([' ', '\t']).unwrap_or(trimmed.len());
            let value = trimmed[name_end..].trim();
            if !value.is_empty() {
                let value_start = offset
                    + indent
                    + trimmed[..name_end].len()
                    + trimmed[name_end..].find(value).unwrap_or(0);
                let unquoted = value.trim_matches(['"', '\'']);
                let span = Span::new(file, value_start..value_start + value.len());
                set(
                    config,
                    &trimmed[..name_end],
                    unquoted.to_string(),
                    span,
                    Vec::new(),
                );
            }
        }
        offset += line.len();
    }
}
