//! How much of its container the processes inside a service are told to take: the workers of a
//! web server (gunicorn, uvicorn), a Celery worker's pool, and JVM and Node heaps. Each is read
//! from the command line, the entrypoint, scripts given to a shell and the environment, the way
//! the program itself reads them.

use crate::source::SourceMap;
use crate::units;

use super::command::{self, Arg};
use super::service::Service;

const MIB: u64 = 1024 * 1024;

/// A number given to a program, where it is written, and its value when it is a plain number
/// (`None` for `$(nproc)` or a variable the container expands).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number {
    pub arg: Arg,
    pub value: Option<u64>,
    /// Where the program found it: an option (`--workers`) or a variable (`WEB_CONCURRENCY`).
    pub source: String,
}

impl Number {
    fn new(arg: Arg, source: impl Into<String>) -> Self {
        Number {
            value: units::whole_number(&arg.text),
            arg,
            source: source.into(),
        }
    }
}

/// The worker processes of a web server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebWorkers {
    /// `gunicorn`, `uvicorn`, or `None` when only `WEB_CONCURRENCY` says (the image's own
    /// server reads it).
    pub server: Option<&'static str>,
    pub workers: Number,
}

/// A `celery worker`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CeleryWorker {
    /// The `worker` command word.
    pub worker: Arg,
    /// `-c`/`--concurrency`, else `CELERY_WORKER_CONCURRENCY`.
    pub concurrency: Option<Number>,
    /// The maximum of `--autoscale=MAX,MIN`.
    pub autoscale_max: Option<Number>,
    /// `-P`/`--pool`; `None` is prefork.
    pub pool: Option<String>,
    /// `--max-memory-per-child`, in KiB.
    pub max_memory_per_child: Option<Number>,
    /// Whether the service's own `command:` is the worker's command line, so that options
    /// appended to it reach Celery.
    pub in_command: bool,
}

impl CeleryWorker {
    /// Whether each unit of concurrency is a process of its own (the prefork pool); threads,
    /// greenlets and `solo` share one.
    pub fn forks_children(&self) -> bool {
        self.pool.as_deref().is_none_or(|p| p == "prefork")
    }

    /// How many child processes the worker starts when that is written down: the concurrency,
    /// or the autoscale maximum. `None` when implicit (one per CPU of the host) or not a number.
    pub fn processes(&self) -> Option<u64> {
        self.autoscale_max
            .as_ref()
            .or(self.concurrency.as_ref())
            .and_then(|n| n.value)
    }

    /// Whether nothing sets the concurrency, so Celery starts one process per CPU of the host.
    pub fn concurrency_is_implicit(&self) -> bool {
        self.concurrency.is_none() && self.autoscale_max.is_none() && self.forks_children()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    Jvm,
    Node,
}

/// A heap ceiling: `-Xmx` of a JVM, `--max-old-space-size` of Node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heap {
    pub runtime: Runtime,
    /// The size as written after the option (`512m`, `1536`).
    pub size: Arg,
    pub bytes: u64,
    /// The option as written (`-Xmx`, `--max-old-space-size=`), for messages.
    pub option: String,
    /// The environment variable it is set in, if not the command line.
    pub variable: Option<&'static str>,
}

/// What a service's processes are told to take.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Workload {
    pub web: Option<WebWorkers>,
    pub celery: Option<CeleryWorker>,
    pub jvm_heap: Option<Heap>,
    /// `-Xms`: the heap the JVM starts with, which it refuses to exceed `-Xmx`.
    pub jvm_initial_heap: Option<Heap>,
    pub node_heap: Option<Heap>,
}

/// Read a service's workload.
pub fn workload(service: &Service, sources: &SourceMap) -> Workload {
    let command = service.command().unwrap_or_default();
    let argv = service.argv();
    Workload {
        web: web_workers(service, &argv, sources),
        celery: celery_worker(service, &argv, command, sources),
        jvm_heap: jvm_heap(service, &argv, sources, "-Xmx"),
        jvm_initial_heap: jvm_heap(service, &argv, sources, "-Xms"),
        node_heap: node_heap(service, &argv, sources),
    }
}

/// gunicorn: the command line wins over `GUNICORN_CMD_ARGS`, which wins over `WEB_CONCURRENCY`;
/// uvicorn: `--workers` over `WEB_CONCURRENCY`, and `--reload` runs a single process.
fn web_workers(service: &Service, argv: &[Arg], sources: &SourceMap) -> Option<WebWorkers> {
    let gunicorn = command::find_program(argv, sources, |p| p == "gunicorn");
    let uvicorn = command::find_program(argv, sources, |p| p == "uvicorn");
    if let Some(args) = &uvicorn {
        if args.iter().any(|a| a.text == "--reload") {
            return None;
        }
    }
    let server = gunicorn
        .as_ref()
        .map(|_| "gunicorn")
        .or(uvicorn.as_ref().map(|_| "uvicorn"));
    let short = gunicorn.as_ref().map(|_| "-w");
    let from_command = gunicorn.as_ref().or(uvicorn.as_ref()).and_then(|args| {
        command::option_value(args, short, "--workers", sources)
            .map(|a| Number::new(a, "--workers"))
    });
    let from_cmd_args = || {
        let args = service.env_var("GUNICORN_CMD_ARGS")?.words(sources);
        command::option_value(&args, Some("-w"), "--workers", sources)
            .map(|a| Number::new(a, "GUNICORN_CMD_ARGS"))
    };
    let from_env = || {
        let var = service.env_var("WEB_CONCURRENCY")?;
        let words = var.words(sources);
        let [word] = words.as_slice() else {
            return None;
        };
        Some(Number::new(word.clone(), "WEB_CONCURRENCY"))
    };
    let workers = from_command.or_else(from_cmd_args).or_else(from_env)?;
    Some(WebWorkers { server, workers })
}

/// Celery's global options that take a separate value.
const CELERY_GLOBAL_VALUES: &[&str] = &[
    "-A",
    "--app",
    "-b",
    "--broker",
    "--result-backend",
    "--loader",
    "--config",
    "--workdir",
];

fn celery_worker(
    service: &Service,
    argv: &[Arg],
    command: &[Arg],
    sources: &SourceMap,
) -> Option<CeleryWorker> {
    // The Airflow image runs `airflow celery worker`, whose concurrency is Airflow's
    // `[celery] worker_concurrency` (16 by default), not the CPU count.
    if service.image_name() == Some("airflow") {
        return None;
    }
    let args = command::find_program(argv, sources, |p| p == "celery")?;
    let mut i = 0;
    let subcommand = loop {
        let arg = args.get(i)?;
        if CELERY_GLOBAL_VALUES.contains(&arg.text.as_str()) {
            i += 2;
        } else if arg.text.starts_with('-') {
            i += 1;
        } else {
            break arg;
        }
    };
    if subcommand.text != "worker" {
        return None;
    }
    let option = |short, long: &str| command::option_value(&args, short, long, sources);
    let concurrency = option(Some("-c"), "--concurrency")
        .map(|a| Number::new(a, "--concurrency"))
        .or_else(|| {
            let var = service.env_var("CELERY_WORKER_CONCURRENCY")?;
            let words = var.words(sources);
            let [word] = words.as_slice() else {
                return None;
            };
            Some(Number::new(word.clone(), "CELERY_WORKER_CONCURRENCY"))
        });
    let autoscale_max = option(None, "--autoscale").map(|a| {
        let max_len = a.text.find(',').unwrap_or(a.text.len());
        let max = Arg {
            text: a.text[..max_len].to_string(),
            span: command::arg_sub_span(&a, sources, 0..max_len),
            ..a
        };
        Number::new(max, "--autoscale")
    });
    // Appending to `command:` reaches Celery only when it runs the worker itself, last.
    let in_command = service.get("entrypoint").is_none()
        && command.iter().any(|a| a.span == subcommand.span)
        && command.last().map(|a| &a.span) == args.last().map(|a| &a.span);
    Some(CeleryWorker {
        worker: subcommand.clone(),
        concurrency,
        autoscale_max,
        pool: option(Some("-P"), "--pool").map(|a| a.text),
        max_memory_per_child: option(None, "--max-memory-per-child")
            .map(|a| Number::new(a, "--max-memory-per-child")),
        in_command,
    })
}

/// The words a container runs: the command line, and the script of a shell's `-c`.
fn command_words(argv: &[Arg], sources: &SourceMap) -> Vec<Arg> {
    let mut words = argv.to_vec();
    if let Some(script) = argv
        .iter()
        .position(|a| a.text == "-c")
        .and_then(|i| argv.get(i + 1))
        .filter(|_| {
            command::program(argv)
                .is_some_and(|p| matches!(p, "sh" | "bash" | "ash" | "dash" | "zsh"))
        })
    {
        words.extend(
            command::script_commands(script, sources)
                .into_iter()
                .flatten(),
        );
    }
    words
}

/// The JVM reads `JAVA_TOOL_OPTIONS` first, then its command line (where launch scripts put
/// `JAVA_OPTS` and the like), then `_JAVA_OPTIONS`; the last `-Xmx` (or `-Xms`: `option`) wins.
fn jvm_heap(
    service: &Service,
    argv: &[Arg],
    sources: &SourceMap,
    option: &'static str,
) -> Option<Heap> {
    /// Variables launch scripts of common images copy onto the `java` command line.
    const SCRIPT_VARIABLES: &[&str] = &[
        "JAVA_OPTS",
        "ES_JAVA_OPTS",
        "OPENSEARCH_JAVA_OPTS",
        "LS_JAVA_OPTS",
        "KAFKA_HEAP_OPTS",
        "CATALINA_OPTS",
    ];
    let from_env = |name: &'static str| {
        service
            .env_var(name)
            .map(|var| (Some(name), var.words(sources)))
    };
    let mut sources_in_order: Vec<(Option<&'static str>, Vec<Arg>)> = Vec::new();
    sources_in_order.extend(from_env("JAVA_TOOL_OPTIONS"));
    sources_in_order.extend(SCRIPT_VARIABLES.iter().filter_map(|&name| from_env(name)));
    sources_in_order.push((None, command_words(argv, sources)));
    sources_in_order.extend(from_env("_JAVA_OPTIONS"));
    last_heap(&sources_in_order, sources, Runtime::Jvm, |text| {
        text.strip_prefix(option).map(|size| (option, size))
    })
}

/// Node reads `NODE_OPTIONS`, then its command line, which wins.
fn node_heap(service: &Service, argv: &[Arg], sources: &SourceMap) -> Option<Heap> {
    let mut sources_in_order: Vec<(Option<&'static str>, Vec<Arg>)> = Vec::new();
    if let Some(var) = service.env_var("NODE_OPTIONS") {
        sources_in_order.push((Some("NODE_OPTIONS"), var.words(sources)));
    }
    sources_in_order.push((None, command_words(argv, sources)));
    last_heap(&sources_in_order, sources, Runtime::Node, |text| {
        // V8 takes `_` and `-` alike in flag names.
        ["--max-old-space-size=", "--max_old_space_size="]
            .into_iter()
            .find_map(|option| Some((option, text.strip_prefix(option)?)))
    })
}

/// The last heap option in `words_by_source` that reads as a size.
fn last_heap(
    words_by_source: &[(Option<&'static str>, Vec<Arg>)],
    sources: &SourceMap,
    runtime: Runtime,
    split: impl Fn(&str) -> Option<(&'static str, &str)>,
) -> Option<Heap> {
    let mut found = None;
    for (variable, words) in words_by_source {
        for arg in words {
            let Some((option, size)) = split(&arg.text) else {
                continue;
            };
            let bytes = match runtime {
                Runtime::Jvm => units::jvm_bytes(size).ok(),
                Runtime::Node => units::whole_number(size).and_then(|mib| mib.checked_mul(MIB)),
            };
            let Some(bytes) = bytes else {
                continue;
            };
            let range = arg.text.len() - size.len()..arg.text.len();
            found = Some(Heap {
                runtime,
                size: Arg {
                    text: size.to_string(),
                    span: command::arg_sub_span(arg, sources, range),
                    via: arg.via.clone(),
                    parts: Vec::new(),
                },
                bytes,
                option: option.to_string(),
                variable: *variable,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn load(service: &str) -> (SourceMap, Workload) {
        let mut sources = SourceMap::default();
        let text = format!("services:\n  s:\n{service}");
        let id = sources.add(SourceFile::new("c.yml".into(), text.as_str()));
        let root = crate::yaml::parse(id, &text).unwrap().remove(0);
        let node = root.get_path(&["services", "s"]).unwrap().clone();
        let key = node.clone();
        let service = Service::new("s".into(), key, node, &sources);
        let workload = workload(&service, &sources);
        (sources, workload)
    }

    #[test]
    fn heaps_take_the_last_option_the_runtime_sees() {
        let (_, w) = load(
            "    command: node --max-old-space-size=1536 a.js\n    environment: [NODE_OPTIONS=--max-old-space-size=512]\n",
        );
        assert_eq!(w.node_heap.unwrap().bytes, 1536 << 20);
        let (_, w) = load(
            "    command: java -Xmx1g -jar a.jar\n    environment: {_JAVA_OPTIONS: -Xmx1048576k, JAVA_TOOL_OPTIONS: -Xmx2g}\n",
        );
        let heap = w.jvm_heap.unwrap();
        assert_eq!(
            (heap.bytes, heap.variable),
            (1 << 30, Some("_JAVA_OPTIONS"))
        );
        let (_, w) = load("    command: [sh, -c, \"exec java -Xmx1024m -jar a.jar\"]\n");
        assert_eq!(w.jvm_heap.unwrap().bytes, 1 << 30);
    }

    #[test]
    fn web_workers_by_precedence() {
        let (_, w) = load(
            "    command: gunicorn -w4 app\n    environment: {WEB_CONCURRENCY: 9, GUNICORN_CMD_ARGS: --workers=7}\n",
        );
        assert_eq!(w.web.unwrap().workers.value, Some(4));
        let (_, w) = load(
            "    command: gunicorn app\n    environment: {WEB_CONCURRENCY: 9, GUNICORN_CMD_ARGS: --workers=7}\n",
        );
        assert_eq!(w.web.unwrap().workers.value, Some(7));
        let (_, w) = load("    command: uvicorn app --reload --workers 4\n");
        assert_eq!(w.web, None);
    }

    #[test]
    fn celery_workers_and_their_pools() {
        let (_, w) = load("    command: celery -A app worker -c 4 --max-memory-per-child=200000\n");
        let c = w.celery.unwrap();
        assert_eq!((c.processes(), c.in_command), (Some(4), true));
        assert_eq!(c.max_memory_per_child.unwrap().value, Some(200000));
        let (_, w) = load("    command: celery -A app worker --autoscale=10,3\n");
        assert_eq!(w.celery.unwrap().processes(), Some(10));
        let (_, w) = load("    command: celery -A app worker -P gevent\n");
        assert!(!w.celery.unwrap().concurrency_is_implicit());
        let (_, w) = load("    command: celery -A app beat\n");
        assert_eq!(w.celery, None);
        let (_, w) = load(
            "    command: celery -A app worker\n    environment: [CELERY_WORKER_CONCURRENCY=3]\n",
        );
        assert_eq!(w.celery.unwrap().processes(), Some(3));
    }
}
