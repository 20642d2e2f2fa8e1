//! What a PostgreSQL container is configured with: `-c name=value` options on its command line
//! and a `postgresql.conf` mounted into it and named by `-c config_file=...`. Command-line options
//! override the file, as in PostgreSQL.

use crate::source::{FileId, FileKind, SourceMap, Span};
use crate::units;

use super::command::{self, Arg};
use super::interpolated::HiddenWord;
use super::mounts::{self, Mounts};
use super::service::Service;

const IMAGES: &[&str] = &[
    "postgres",
    "postgresql",
    "postgis",
    "pgvector",
    "timescaledb",
    "timescaledb-ha",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub name: String,
    pub value: String,
    /// The value's text.
    pub span: Span,
    pub via: Vec<Span>,
    /// Set when the value's text must not be shown unless valid.
    pub hidden: Option<HiddenWord>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostgresConfig {
    /// In the order PostgreSQL applies them: config file first, then the command line.
    pub settings: Vec<Setting>,
}

impl PostgresConfig {
    /// The value in effect: the last one set.
    pub fn get(&self, name: &str) -> Option<&Setting> {
        self.settings.iter().rev().find(|s| s.name == name)
    }

    /// Every setting name, once, with the value in effect.
    pub fn effective(&self) -> Vec<&Setting> {
        let mut seen = Vec::new();
        for setting in self.settings.iter().rev() {
            if !seen.iter().any(|s: &&Setting| s.name == setting.name) {
                seen.push(setting);
            }
        }
        seen.reverse();
        seen
    }
}

/// One term of PostgreSQL's worst-case memory: a value (bytes or a count) and the setting that
/// gives it, `None` where PostgreSQL's default applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Term<'a> {
    pub value: u64,
    pub setting: Option<&'a Setting>,
}

/// What PostgreSQL may allocate at most, as the documentation adds it up: shared buffers, one
/// `work_mem` per connection (a query may take several), one maintenance allowance per
/// autovacuum worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryWorstCase<'a> {
    pub shared_buffers: Term<'a>,
    pub max_connections: Term<'a>,
    pub work_mem: Term<'a>,
    pub autovacuum_max_workers: Term<'a>,
    /// `autovacuum_work_mem` when set (not -1), else `maintenance_work_mem`: what each
    /// autovacuum worker may use.
    pub autovacuum_work_mem: Term<'a>,
}

impl MemoryWorstCase<'_> {
    pub fn total(&self) -> u64 {
        self.shared_buffers.value
            + self.max_connections.value * self.work_mem.value
            + self.autovacuum_max_workers.value * self.autovacuum_work_mem.value
    }
}

/// PostgreSQL 15's defaults, which the official image's `initdb` keeps (checked with `postgres
/// -C` by `tests/units_oracle.rs`).
pub const DEFAULT_SHARED_BUFFERS: u64 = 128 * MIB;
pub const DEFAULT_MAX_CONNECTIONS: u64 = 100;
pub const DEFAULT_WORK_MEM: u64 = 4 * MIB;
pub const DEFAULT_AUTOVACUUM_MAX_WORKERS: u64 = 3;
pub const DEFAULT_MAINTENANCE_WORK_MEM: u64 = 64 * MIB;
/// `max_connections` and `autovacuum_max_workers` accept 1 to this (PostgreSQL 15).
pub const MAX_BACKENDS: i64 = 262_143;
const MIB: u64 = 1024 * 1024;

impl PostgresConfig {
    /// The worst case of the settings in effect, or `None` when one of them cannot be read
    /// (`postgres-setting-invalid` reports it).
    pub fn memory_worst_case(&self) -> Option<MemoryWorstCase<'_>> {
        let size = |name: &str, default: u64| -> Option<Term<'_>> {
            let Some(setting) = self.get(name) else {
                return Some(Term {
                    value: default,
                    setting: None,
                });
            };
            let info = units::postgres_memory_setting_info(name)?;
            let value = info.parse(&setting.value).ok()?;
            Some(Term {
                value: u64::try_from(value).ok()? * info.base.bytes(),
                setting: Some(setting),
            })
        };
        let count = |name: &str, default: u64| -> Option<Term<'_>> {
            let Some(setting) = self.get(name) else {
                return Some(Term {
                    value: default,
                    setting: None,
                });
            };
            let value = units::postgres_integer(&setting.value)
                .ok()
                .filter(|v| (1..=MAX_BACKENDS).contains(v))?;
            Some(Term {
                value: u64::try_from(value).ok()?,
                setting: Some(setting),
            })
        };
        let maintenance = size("maintenance_work_mem", DEFAULT_MAINTENANCE_WORK_MEM)?;
        let autovacuum_work_mem = match self.get("autovacuum_work_mem") {
            Some(setting) if units::postgres_integer(&setting.value) != Ok(-1) => {
                size("autovacuum_work_mem", 0)?
            }
            _ => maintenance,
        };
        Some(MemoryWorstCase {
            shared_buffers: size("shared_buffers", DEFAULT_SHARED_BUFFERS)?,
            max_connections: count("max_connections", DEFAULT_MAX_CONNECTIONS)?,
            work_mem: size("work_mem", DEFAULT_WORK_MEM)?,
            autovacuum_max_workers: count(
                "autovacuum_max_workers",
                DEFAULT_AUTOVACUUM_MAX_WORKERS,
            )?,
            autovacuum_work_mem,
        })
    }
}

/// The PostgreSQL configuration of a service, or `None` if it does not run PostgreSQL.
pub fn config(
    service: &Service,
    mounts: &mut Mounts,
    sources: &mut SourceMap,
) -> Option<PostgresConfig> {
    let args = server_args(service, sources)?;
    let mut command_line = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let (option, value_arg, offset) = if arg.text == "-c" || arg.text == "-B" {
            i += 1;
            match args.get(i) {
                Some(next) => (arg.text.as_str(), next, 0),
                None => break,
            }
        } else if let Some(rest) = arg.text.strip_prefix("--") {
            ("-c", arg, arg.text.len() - rest.len())
        } else if arg.text.starts_with("-c") && arg.text.len() > 2 {
            ("-c", arg, 2)
        } else {
            i += 1;
            continue;
        };
        i += 1;
        let text = &value_arg.text[offset..];
        let (name, value, value_offset) = if option == "-B" {
            ("shared_buffers".to_string(), text, offset)
        } else {
            let Some((name, value)) = text.split_once('=') else {
                continue;
            };
            (name.replace('-', "_"), value, offset + name.len() + 1)
        };
        let span = command::arg_sub_span(value_arg, sources, value_offset..value_arg.text.len());
        command_line.push(Setting {
            name: name.to_ascii_lowercase(),
            value: value.to_string(),
            span,
            via: value_arg.via.clone(),
            hidden: None, // marked once the project is loaded
        });
    }
    let mut settings = Vec::new();
    if let Some(config_file) = command_line.iter().rev().find(|s| s.name == "config_file") {
        if let Some(file) = mounts::read_mounted(service, &config_file.value, mounts, sources) {
            sources.tag(file, FileKind::PostgresConf);
            read_config_file(file, sources, &mut settings);
        }
    }
    settings.extend(command_line);
    Some(PostgresConfig { settings })
}

fn server_args(service: &Service, sources: &SourceMap) -> Option<Vec<Arg>> {
    let image_is_postgres = service.image_name().is_some_and(|i| IMAGES.contains(&i));
    let command = service.command().unwrap_or_default();
    let argv = service.argv();
    if let Some(args) =
        command::find_program(&argv, sources, |p| matches!(p, "postgres" | "postmaster"))
    {
        return Some(args);
    }
    // The official image's entrypoint runs `postgres` with the arguments when the first one is
    // an option, and by default.
    match command.first() {
        _ if !image_is_postgres => None,
        None => Some(Vec::new()),
        Some(first) if first.text.starts_with('-') => Some(command.to_vec()),
        Some(_) => Some(Vec::new()),
    }
}

/// `name = value` lines of a postgresql.conf (`=` optional, `#` starts a comment, values may be
/// single-quoted).
fn read_config_file(file: FileId, sources: &SourceMap, settings: &mut Vec<Setting>) {
    let text = sources.get(file).text.clone();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.split('#').next().unwrap_or("").trim_end();
        let trimmed = content.trim_start();
        let name_len = trimmed
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(trimmed.len());
        let after_name = &trimmed[name_len..];
        let value = after_name.trim_start().trim_start_matches('=').trim_start();
        if name_len > 0 && !value.is_empty() {
            let value_start = offset + content.len() - value.len();
            let unquoted = value.trim_matches('\'');
            settings.push(Setting {
                name: trimmed[..name_len].to_ascii_lowercase(),
                value: unquoted.to_string(),
                span: Span::new(file, value_start..value_start + value.len()),
                via: Vec::new(),
                hidden: None, // marked once the project is loaded
            });
        }
        offset += line.len();
    }
}
