//! One service of a project, and the memory facts Compose derives from it.

use crate::source::{SourceMap, Span};
use crate::units::{self, SizeError};
use crate::yaml::{Entry, Node, Resolved, Value};

use super::command::{self, Arg};

#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    /// The service's name where it is defined (the key under `services:`).
    pub key: Node,
    /// The service's mapping after anchors, merge keys, interpolation and file merges.
    pub node: Node,
    /// `command:` and `entrypoint:` split into words when the project is loaded.
    command: Option<Vec<Arg>>,
    entrypoint: Option<Vec<Arg>>,
    /// Whether Compose reads all of a string `command:` (see [`command::splits_whole`]).
    command_read_whole: bool,
    /// How the memory and count fields are written, read when the project is loaded.
    field_texts: Vec<FieldText>,
}

/// The fields whose text as written the rules quote and their fixes replace.
const WRITTEN_FIELDS: &[&[&str]] = &[
    &["mem_limit"],
    &["mem_reservation"],
    &["memswap_limit"],
    &["deploy", "resources", "limits", "memory"],
    &["deploy", "resources", "reservations", "memory"],
    &["scale"],
    &["deploy", "replicas"],
];

/// One field's text as written in its file.
#[derive(Clone, Debug)]
struct FieldText {
    span: Span,
    /// For messages: a scalar's value (without YAML quotes), a collection's text as written.
    written: String,
    /// The text a fix replaces, at [`Node::edit_span`], without its quotes.
    edit: String,
}

impl FieldText {
    fn of(node: &Node, sources: &SourceMap) -> FieldText {
        FieldText {
            span: node.span.clone(),
            written: node
                .as_str()
                .unwrap_or_else(|| sources.text(&node.span))
                .to_string(),
            edit: sources
                .text(node.edit_span())
                .trim_matches(['"', '\''])
                .to_string(),
        }
    }
}

/// A byte value as written, and what Compose reads from it.
#[derive(Clone, Debug)]
pub struct SizeField<'a> {
    pub node: &'a Node,
    pub bytes: Result<u64, SizeError>,
    /// The value as written, for messages: see [`Service::written`].
    pub written: &'a str,
    /// The text a fix replaces: see [`Service::edit_text`].
    pub edit_text: &'a str,
}

impl SizeField<'_> {
    /// Whether the value depends on an unset variable, so that what it should be is unknown.
    pub fn is_unknown(&self) -> bool {
        self.node.is_unknown()
    }

    /// `0`, `0m`, `0.0g`: zero written on purpose, which Compose reads as "no limit" (unlike
    /// `0.5`, which Compose truncates to zero).
    pub fn is_explicit_zero(&self) -> bool {
        match (self.bytes.as_ref(), self.node.resolve()) {
            (Ok(0), Some(Resolved::Int(0))) => true,
            (Ok(0), Some(Resolved::Str(text))) => {
                let number = text.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == ' ');
                number.parse::<f64>() == Ok(0.0)
            }
            _ => false,
        }
    }
}

/// An integer field (`scale`, `deploy.replicas`) as written and as read: the count, or why
/// Compose refuses it.
#[derive(Clone, Debug)]
pub struct CountField<'a> {
    pub node: &'a Node,
    pub value: Result<u64, String>,
    /// The value as written, for messages: see [`Service::written`].
    pub written: &'a str,
    /// The text a fix replaces: see [`Service::edit_text`].
    pub edit_text: &'a str,
}

/// The memory fields of a service, where they are written.
#[derive(Clone, Debug, Default)]
pub struct Memory<'a> {
    pub mem_limit: Option<SizeField<'a>>,
    pub mem_reservation: Option<SizeField<'a>>,
    /// `deploy.resources.limits` when present (it may lack `memory`).
    pub deploy_limits: Option<&'a Node>,
    pub deploy_limit: Option<SizeField<'a>>,
    pub deploy_reservation: Option<SizeField<'a>>,
    /// `memswap_limit`: memory plus swap. `-1` (unlimited swap) reads as an error here; see
    /// [`Memory::swap_is_unlimited`].
    pub memswap_limit: Option<SizeField<'a>>,
}

impl<'a> Memory<'a> {
    /// The limit the container gets, as Compose v2 applies it: `deploy.resources.limits.memory`
    /// when set and non-zero, else `mem_limit`; zero means no limit. When both are set and differ
    /// Compose refuses the file (`mem-limit-conflict`); the deploy value is then taken, as older
    /// Compose versions did.
    pub fn limit(&self) -> Option<(u64, &SizeField<'a>)> {
        effective(&self.deploy_limit, &self.mem_limit)
    }

    pub fn reservation(&self) -> Option<(u64, &SizeField<'a>)> {
        effective(&self.deploy_reservation, &self.mem_reservation)
    }

    /// `memswap_limit: -1`, which Compose and Docker read as unlimited swap.
    pub fn swap_is_unlimited(&self) -> bool {
        self.memswap_limit
            .as_ref()
            .is_some_and(|f| f.node.resolve() == Some(Resolved::Int(-1)))
    }

    /// Whether the limit cannot be known because it depends on an unset variable.
    pub fn limit_is_unknown(&self) -> bool {
        self.limit().is_none()
            && [&self.deploy_limit, &self.mem_limit]
                .into_iter()
                .flatten()
                .any(SizeField::is_unknown)
    }
}

fn effective<'f, 'a>(
    deploy: &'f Option<SizeField<'a>>,
    legacy: &'f Option<SizeField<'a>>,
) -> Option<(u64, &'f SizeField<'a>)> {
    [deploy, legacy]
        .into_iter()
        .flatten()
        .find_map(|field| match field.bytes {
            Ok(bytes) if bytes > 0 => Some((bytes, field)),
            _ => None,
        })
}

/// One `environment:` entry.
#[derive(Clone, Debug)]
pub struct EnvVar<'a> {
    pub name: String,
    /// `None` for a name without a value (`- DEBUG`), which Compose takes from the shell.
    pub value: Option<String>,
    pub node: &'a Node,
}

/// An [`EnvVar`] that borrows its name and value from the tree.
struct BorrowedEnvVar<'a> {
    name: &'a str,
    value: Option<&'a str>,
    node: &'a Node,
}

impl<'a> BorrowedEnvVar<'a> {
    fn into_owned(self) -> EnvVar<'a> {
        EnvVar {
            name: self.name.to_string(),
            value: self.value.map(str::to_string),
            node: self.node,
        }
    }
}

impl EnvVar<'_> {
    /// The value split into words as Compose splits a command (`JAVA_OPTS=-Xms1g -Xmx1g`), each
    /// with its span; empty for a name without a value.
    pub fn words(&self, sources: &SourceMap) -> Vec<Arg> {
        if self.value.is_none() {
            return Vec::new();
        }
        // `- NAME=value` holds the name in the same scalar; `NAME: value` does not.
        let written = self.node.as_str().unwrap_or_default();
        let offset = if written.starts_with(&format!("{}=", self.name)) {
            self.name.len() + 1
        } else {
            0
        };
        command::words_after(self.node, offset, sources).unwrap_or_default()
    }
}

/// A CPU limit as written and as read.
#[derive(Clone, Debug)]
pub struct CpuField<'a> {
    pub node: &'a Node,
    pub cpus: f64,
}

/// One `volumes:` entry of a service.
#[derive(Clone, Debug)]
pub struct Volume<'a> {
    /// A host path or a named volume; `None` for an anonymous volume.
    pub source: Option<String>,
    pub target: String,
    pub node: &'a Node,
}

impl Service {
    /// A service as defined under `services:`, its command words and field texts read now so
    /// that the rules read only the model.
    pub fn new(name: String, key: Node, node: Node, sources: &SourceMap) -> Service {
        let command = node.get("command");
        let field_texts = WRITTEN_FIELDS
            .iter()
            .filter_map(|path| node.get_path(path))
            .map(|field| FieldText::of(field, sources))
            .collect();
        Service {
            command: command.and_then(|c| command::args(c, sources)),
            entrypoint: node
                .get("entrypoint")
                .and_then(|e| command::args(e, sources)),
            command_read_whole: command
                .and_then(Node::as_scalar)
                .is_some_and(|s| command::splits_whole(&s.text)),
            field_texts,
            name,
            key,
            node,
        }
    }

    /// A memory or count field's value for messages: a scalar's value without YAML quotes, a
    /// collection's text as written.
    pub fn written<'a>(&'a self, field: &'a Node) -> &'a str {
        self.field_text(field)
            .map_or_else(|| field.as_str().unwrap_or_default(), |t| &t.written)
    }

    /// The text of a memory or count field that a fix replaces: at [`Node::edit_span`] (the
    /// `.env` line or the default inside `${...}` when interpolated), without quotes.
    pub fn edit_text(&self, field: &Node) -> &str {
        self.field_text(field).map_or("", |t| &t.edit)
    }

    fn field_text(&self, field: &Node) -> Option<&FieldText> {
        self.field_texts.iter().find(|t| t.span == field.span)
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.node.get(key)
    }

    /// The image name, e.g. `redis:7-alpine`.
    pub fn image(&self) -> Option<&str> {
        self.get("image").and_then(Node::as_str)
    }

    /// The image's repository name without registry, namespace or tag: `docker.io/library/redis:7`
    /// and `bitnami/redis@sha256:...` are both `redis`.
    pub fn image_name(&self) -> Option<&str> {
        let image = self.image()?;
        let without_digest = image.split('@').next().unwrap_or(image);
        let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
        Some(last.split(':').next().unwrap_or(last))
    }

    pub fn profiles(&self) -> Vec<&str> {
        self.get("profiles")
            .and_then(Node::as_seq)
            .map(|items| items.iter().filter_map(Node::as_str).collect())
            .unwrap_or_default()
    }

    /// The service's profiles as written, for output: `${PROFILE}` rather than the value of a
    /// variable, which may be a token (see `crate::hidden`).
    pub fn profiles_as_written(&self) -> Vec<&str> {
        self.get("profiles")
            .and_then(Node::as_seq)
            .map(|items| items.iter().map(crate::hidden::written_form).collect())
            .unwrap_or_default()
    }

    pub fn memory(&self) -> Memory<'_> {
        let deploy = self.node.get("deploy");
        let resources = deploy.and_then(|d| d.get("resources"));
        let limits = resources
            .and_then(|r| r.get("limits"))
            .filter(|n| !n.is_null());
        let reservations = resources.and_then(|r| r.get("reservations"));
        Memory {
            mem_limit: self.size_field(self.get("mem_limit")),
            mem_reservation: self.size_field(self.get("mem_reservation")),
            deploy_limits: limits,
            deploy_limit: self.size_field(limits.and_then(|l| l.get("memory"))),
            deploy_reservation: self.size_field(reservations.and_then(|r| r.get("memory"))),
            memswap_limit: self.size_field(self.get("memswap_limit")),
        }
    }

    pub fn scale(&self) -> Option<CountField<'_>> {
        self.count_field(self.get("scale"))
    }

    pub fn deploy_replicas(&self) -> Option<CountField<'_>> {
        self.count_field(self.node.get_path(&["deploy", "replicas"]))
    }

    /// How many containers of this service run: `scale`, else `deploy.replicas`, else 1
    /// (compose-go `GetScale`); `None` when the count is invalid or depends on an unset
    /// variable. A global deployment runs one container on a single host.
    pub fn replicas(&self) -> Option<u64> {
        self.scale()
            .or_else(|| self.deploy_replicas())
            .map_or(Some(1), |f| f.value.ok())
    }

    /// The CPUs the container may use: `deploy.resources.limits.cpus` when set and non-zero,
    /// else `cpus`; `None` without a limit (zero means none).
    pub fn cpus(&self) -> Option<CpuField<'_>> {
        let deploy = self
            .node
            .get_path(&["deploy", "resources", "limits", "cpus"]);
        [deploy, self.get("cpus")]
            .into_iter()
            .flatten()
            .find_map(|node| {
                let cpus = match node.resolve()? {
                    Resolved::Int(i) => i as f64,
                    Resolved::Float(f) => f,
                    Resolved::Str(text) => text.trim().parse().ok()?,
                    _ => return None,
                };
                (cpus.is_finite() && cpus > 0.0).then_some(CpuField { node, cpus })
            })
    }

    /// The value of the environment variable `name`, if set with a value.
    pub fn env_var(&self, name: &str) -> Option<EnvVar<'_>> {
        // Found among the borrowed entries: only the one returned is copied.
        self.environment_entries()
            .rfind(|var| var.name == name && var.value.is_some())
            .map(BorrowedEnvVar::into_owned)
    }

    /// The `command:` as the argument vector the container runs (`command::args`).
    pub fn command(&self) -> Option<&[Arg]> {
        self.command.as_deref()
    }

    pub fn entrypoint(&self) -> Option<&[Arg]> {
        self.entrypoint.as_deref()
    }

    /// Whether Compose reads all of a string `command:`: it stops at the first unquoted shell
    /// operator, so words appended after one are never seen.
    pub fn command_is_read_whole(&self) -> bool {
        self.command_read_whole
    }

    /// What the container runs as written in the file: the entrypoint's words, then the
    /// command's (an image's own entrypoint is not known).
    pub fn argv(&self) -> Vec<Arg> {
        let mut argv = self.entrypoint().unwrap_or_default().to_vec();
        argv.extend_from_slice(self.command().unwrap_or_default());
        argv
    }

    /// The `environment:` entries, from the mapping or the list form.
    pub fn environment(&self) -> Vec<EnvVar<'_>> {
        self.environment_entries()
            .map(BorrowedEnvVar::into_owned)
            .collect()
    }

    /// The `environment:` entries as written in the tree, nothing copied.
    fn environment_entries(&self) -> impl DoubleEndedIterator<Item = BorrowedEnvVar<'_>> {
        let (entries, items): (&[Entry], &[Node]) = match self.get("environment").map(|e| &e.value)
        {
            Some(Value::Map(entries)) => (entries, &[]),
            Some(Value::Seq(items)) => (&[], items),
            _ => (&[], &[]),
        };
        let mapped = entries.iter().filter_map(|e| {
            Some(BorrowedEnvVar {
                name: e.key.as_str()?,
                value: (!e.value.is_null()).then(|| e.value.as_str())?,
                node: &e.value,
            })
        });
        let listed = items.iter().filter_map(|item| {
            let text = item.as_str()?;
            let (name, value) = match text.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (text, None),
            };
            Some(BorrowedEnvVar {
                name,
                value,
                node: item,
            })
        });
        mapped.chain(listed)
    }

    /// The `volumes:` entries, short (`./redis.conf:/etc/redis.conf:ro`) and long form.
    pub fn volumes(&self) -> Vec<Volume<'_>> {
        self.get("volumes")
            .and_then(Node::as_seq)
            .map(|items| items.iter().filter_map(volume).collect())
            .unwrap_or_default()
    }

    /// The names other services can reach this one by: its name, `hostname`, `container_name`
    /// and network aliases.
    pub fn hostnames(&self) -> Vec<&str> {
        let mut names = vec![self.name.as_str()];
        names.extend(self.get("hostname").and_then(Node::as_str));
        names.extend(self.get("container_name").and_then(Node::as_str));
        if let Some(networks) = self.get("networks").and_then(Node::as_map) {
            for network in networks {
                if let Some(aliases) = network.value.get("aliases").and_then(Node::as_seq) {
                    names.extend(aliases.iter().filter_map(Node::as_str));
                }
            }
        }
        names
    }
}

/// One `volumes:` entry, short (`src:target[:mode]`, or just `target`) or long syntax.
pub fn volume(item: &Node) -> Option<Volume<'_>> {
    match &item.value {
        Value::Scalar(s) => {
            let mut parts = s.text.splitn(3, ':');
            let first = parts.next()?.to_string();
            let (source, target) = match parts.next() {
                Some(target) => (Some(first), target.to_string()),
                None => (None, first),
            };
            Some(Volume {
                source,
                target,
                node: item,
            })
        }
        Value::Map(_) => Some(Volume {
            source: item
                .get("source")
                .and_then(Node::as_str)
                .map(str::to_string),
            target: item.get("target").and_then(Node::as_str)?.to_string(),
            node: item,
        }),
        Value::Seq(_) => None,
    }
}

impl Service {
    /// Read a Compose byte value: a YAML integer is bytes, a string follows docker/go-units.
    fn size_field<'a>(&'a self, node: Option<&'a Node>) -> Option<SizeField<'a>> {
        let node = node.filter(|n| !n.is_null())?;
        Some(SizeField {
            node,
            bytes: size_bytes(node),
            written: self.written(node),
            edit_text: self.edit_text(node),
        })
    }

    fn count_field<'a>(&'a self, node: Option<&'a Node>) -> Option<CountField<'a>> {
        let node = node?;
        Some(CountField {
            node,
            value: count(node),
            written: self.written(node),
            edit_text: self.edit_text(node),
        })
    }
}

/// A Compose byte value: a YAML integer is bytes, a string follows docker/go-units.
fn size_bytes(node: &Node) -> Result<u64, SizeError> {
    if let Some(substitution) = node.substitution().filter(|s| !s.unset.is_empty()) {
        let message = format!(
            "`{}` depends on `{}`, which is not set",
            substitution.written,
            substitution.unset.join("`, `")
        );
        return Err(SizeError { message });
    }
    match node.resolve() {
        Some(Resolved::Int(i)) => u64::try_from(i).map_err(|_| SizeError {
            message: format!("`{i}` is negative: a memory size must be zero or more"),
        }),
        // Compose v2 decodes only integers and strings: a YAML float such as `1.5` or `1e3`
        // leaves the field at zero, i.e. no limit.
        Some(Resolved::Float(_)) => Err(SizeError {
            message: "a YAML number with a fraction or exponent, which Compose silently ignores (the service gets no limit); write a size such as `512m`".to_string(),
        }),
        Some(Resolved::Str(text)) => units::compose_bytes(text),
        _ => Err(SizeError {
            message: format!(
                "{} is not a byte value: write a size such as `512m` or `1g`",
                node.kind_name()
            ),
        }),
    }
}

/// Read a count as Compose v2.40 does: a YAML integer, a float with no fraction, or a string
/// that Go's `strconv.Atoi` takes (interpolated values included), from 0 to the largest Go `int`.
fn count(node: &Node) -> Result<u64, String> {
    let written = match node.substitution() {
        Some(substitution) => format!("the value of `{}`", substitution.written),
        None => format!("`{}`", node.as_str().unwrap_or_default()),
    };
    let whole = |number: i128| match u64::try_from(number) {
        Err(_) => Err(format!("{written} is negative")),
        Ok(count) if i64::try_from(count).is_ok() => Ok(count),
        Ok(_) => Err(format!(
            "{written} is more than {}, the largest count Compose accepts",
            i64::MAX
        )),
    };
    match node.resolve() {
        _ if node.is_unknown() => Err(format!(
            "{written} depends on a variable that is not set, which Compose refuses"
        )),
        Some(Resolved::Int(i)) => whole(i),
        Some(Resolved::Float(f)) if f.is_finite() && f.fract() == 0.0 => whole(f as i128),
        Some(Resolved::Float(f)) if f < 0.0 => Err(format!("{written} is negative")),
        Some(Resolved::Float(f)) if f.is_finite() => {
            Err(format!("{written} is not a whole number"))
        }
        Some(Resolved::Float(_)) => Err(format!("{written} is not a finite number")),
        Some(Resolved::Str(text)) => match go_atoi(text) {
            Some(number) => whole(number),
            None => Err(format!("{written} is not a whole number")),
        },
        _ => Err(format!("{} is not a count", node.kind_name())),
    }
}

/// Go's `strconv.Atoi`: an optional sign and ASCII digits, nothing else (no spaces, no `_`).
fn go_atoi(text: &str) -> Option<i128> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Anything longer is beyond any count anyway; keep it from overflowing i128.
    let magnitude: i128 = digits.get(..digits.len().min(30))?.parse().ok()?;
    Some(if text.starts_with('-') {
        -magnitude
    } else {
        magnitude
    })
}
