//! The command line: parse arguments, call the library, print, and set the exit code.
//!
//! Exit codes: 0 when no finding reaches the severity threshold (`--severity-threshold`, error by
//! default), 1 when one does, 2 when orion-lint could not do its job (unreadable file, invalid
//! YAML, unknown plan, bad arguments or configuration).

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::compose::{LoadError, LoadOptions};
use crate::diagnostic::{Applicability, Severity};
use crate::engine::{self, FixMode};
use crate::lint::{Report, Target};
use crate::render::{
    self, Concise, Github, Gitlab, Human, Json, Junit, Rdjson, Rdjsonl, Renderer, Sarif,
};
use crate::settings::Overrides;
use crate::source::SourceMap;
use crate::{plans, registry};

/// Lint Docker Compose files for memory limits, Redis maxmemory and the RAM budget of a server plan.
#[derive(Debug, Parser)]
#[command(name = "orion-lint", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    check: CheckArgs,

    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lint compose files (the default command).
    Check(CheckArgs),
    /// Show the memory budget: each service's limit × replicas against the plan's RAM.
    Budget(BudgetArgs),
    /// List the rules.
    Rules(ListArgs),
    /// Print the documentation of a rule.
    Explain {
        /// The rule's name, e.g. `redis-maxmemory-headroom`.
        rule: String,
    },
    /// List the server plans orion-lint knows.
    Plans(ListArgs),
    /// Print a shell completion script.
    ///
    /// E.g. `orion-lint completions bash > ~/.local/share/bash-completion/completions/orion-lint`.
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Serve editors as a Language Server on stdin/stdout: diagnostics as you type, fixes as
    /// quick fixes, the budget on hover.
    ///
    /// E.g. in Neovim: `vim.lsp.config("orion_lint", { cmd = { "orion-lint", "server" } })`.
    Server,
    /// Print the manual page (roff).
    ///
    /// E.g. `orion-lint manpage > orion-lint.1; man -l orion-lint.1`.
    Manpage,
}

/// What every command that reads a project takes, besides its paths and plan.
#[derive(Debug, Args)]
struct ProjectArgs {
    /// Compose files of one project, merged in order like `docker compose -f`.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        conflicts_with = "paths"
    )]
    files: Vec<PathBuf>,

    /// Evaluate only the services that `docker compose --profile NAME` would start (repeatable).
    /// Default: every service, whatever its profiles.
    #[arg(long = "profile", value_name = "NAME")]
    profiles: Vec<String>,

    /// Memory kept for the OS and everything outside Compose, e.g. `768m` (default 512m).
    #[arg(long, value_name = "SIZE", value_parser = size)]
    os_reserve: Option<String>,

    /// Variables for interpolation, read instead of the project's `.env` (repeatable).
    #[arg(long = "env-file", value_name = "FILE")]
    env_files: Vec<PathBuf>,

    /// Let the project read this file, or the files under this directory, outside its
    /// repository (repeatable): a host's own configs. Never written; never /proc, /sys or /dev.
    #[arg(long = "allow-outside", value_name = "PATH")]
    allow_outside: Vec<PathBuf>,
}

impl ProjectArgs {
    /// The files to read: `-f` files, else the paths, else `COMPOSE_FILE` as Compose reads it,
    /// else the current directory.
    fn target(&self, paths: &[PathBuf]) -> Target {
        if !self.files.is_empty() {
            return Target::Files(self.files.clone());
        }
        if !paths.is_empty() {
            return Target::Paths(paths.to_vec());
        }
        match std::env::var("COMPOSE_FILE").ok().filter(|f| !f.is_empty()) {
            Some(list) => {
                let separator =
                    std::env::var("COMPOSE_PATH_SEPARATOR").unwrap_or_else(|_| ":".to_string());
                Target::Files(list.split(separator.as_str()).map(PathBuf::from).collect())
            }
            None => Target::Paths(vec![PathBuf::from(".")]),
        }
    }

    /// What the compose files are read with: this process's environment, as Compose reads it.
    fn load_options(&self) -> LoadOptions {
        LoadOptions {
            environment: std::env::vars().collect(),
            env_files: self.env_files.clone(),
            allow_outside: self.allow_outside.clone(),
            ..LoadOptions::default()
        }
    }

    fn overrides(&self) -> Overrides {
        Overrides {
            os_reserve: self.os_reserve.clone(),
            profiles: self.profiles.clone(),
            ..Overrides::default()
        }
    }
}

/// A plan name on the command line: unknown names are refused with the closest one, or the list.
fn plan_name(name: &str) -> Result<String, String> {
    if plans::find(name).is_some() {
        return Ok(name.to_string());
    }
    let names: Vec<&str> = plans::PLANS.iter().map(|p| p.name).collect();
    Err(match plans::suggest(name) {
        Some(close) => format!("unknown plan; did you mean `{close}`?"),
        None => format!(
            "unknown plan; the plans are {} (`orion-lint plans` lists them with their RAM)",
            crate::selection::quoted_list(&names)
        ),
    })
}

/// A size on the command line, in Compose's units.
fn size(text: &str) -> Result<String, String> {
    crate::units::compose_bytes(text)
        .map(|_| text.to_string())
        .map_err(|e| format!("{}; write a size such as `512m` or `1g`", e.message))
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Files or directories to lint; directories are searched for compose files. Default:
    /// `COMPOSE_FILE` if set, else the current directory. `-` alone: the text on stdin.
    paths: Vec<PathBuf>,

    /// With `-`: lint stdin as if it were this file (its `.env`, override and mounted configs
    /// are read beside it, and findings name it). Default `<stdin>` in the current directory.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,

    #[command(flatten)]
    project: ProjectArgs,

    /// The server plan to check the RAM budget against, e.g. `cax11` (overrides `x-orion-lint`).
    /// With `--fix`, rescales the limits to it from the current plan.
    #[arg(long, value_name = "PLAN", value_parser = plan_name)]
    plan: Option<String>,

    /// The plan the limits are sized for now, when `x-orion-lint: {plan: ...}` does not say;
    /// `--fix --plan` then records the new plan in the file.
    #[arg(long, value_name = "PLAN", value_parser = plan_name)]
    from_plan: Option<String>,

    /// The share of its container limit Redis `maxmemory` may use, e.g. `75%` (the default).
    #[arg(long, value_name = "SHARE")]
    redis_headroom: Option<String>,

    /// Apply the safe fixes, and with `--plan` rescale the limits to that plan; then report
    /// what is left. Files are rewritten atomically; nothing outside the fixed values changes.
    #[arg(long)]
    fix: bool,

    /// With `--fix` or `--diff`, also apply fixes that change behaviour (an eviction policy,
    /// which of two conflicting values wins).
    #[arg(long)]
    unsafe_fixes: bool,

    /// Print the fixes as a unified diff instead of writing them; exit 1 if there are any.
    #[arg(long, conflicts_with = "fix")]
    diff: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Write the `--format` output to this file instead of stdout (atomically: a temporary file
    /// beside it, renamed over it). Errors still go to stderr.
    #[arg(short = 'o', long, value_name = "PATH", conflicts_with = "diff")]
    output_file: Option<PathBuf>,

    /// Also write FORMAT to PATH in the same run, e.g. `--report sarif=orion.sarif` (repeatable;
    /// written atomically, whatever the exit code).
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = report_spec, conflicts_with = "diff")]
    reports: Vec<(Format, PathBuf)>,

    #[command(flatten)]
    controls: Controls,
}

/// `FORMAT=PATH` of `--report`.
fn report_spec(text: &str) -> Result<(Format, PathBuf), String> {
    let Some((format, path)) = text.split_once('=') else {
        return Err("write FORMAT=PATH, e.g. `sarif=orion.sarif`".to_string());
    };
    let format = Format::from_str(format, true)?;
    if path.is_empty() {
        return Err(format!(
            "no PATH after `{text}`: write FORMAT=PATH, e.g. `sarif=orion.sarif`"
        ));
    }
    Ok((format, PathBuf::from(path)))
}

/// Which rules run and what makes the run fail.
#[derive(Debug, Args)]
struct Controls {
    /// Run only these rules (comma-separated, or repeat the flag). Replaces any `select` of
    /// `orion-lint.toml` and `x-orion-lint`.
    #[arg(long, value_name = "RULE,...", value_delimiter = ',', value_parser = rule_name)]
    select: Option<Vec<String>>,

    /// Do not run these rules (comma-separated, or repeat the flag).
    #[arg(long, value_name = "RULE,...", value_delimiter = ',', value_parser = rule_name)]
    ignore: Vec<String>,

    /// The lowest severity that makes the exit code 1. With the default, `error`, warnings and
    /// infos are printed but do not fail the run; `warning` fails on warnings too.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = Threshold::Error)]
    severity_threshold: Threshold,

    /// Exit with 0 even when findings reach the threshold (still 2 when orion-lint cannot lint).
    #[arg(long)]
    exit_zero: bool,

    /// Human output: print the findings only, without the summary line.
    #[arg(short, long)]
    quiet: bool,
}

/// A rule name on the command line: unknown names are refused with the closest one.
fn rule_name(name: &str) -> Result<String, String> {
    crate::selection::rule_named(name.trim()).map(|rule| rule.name.to_string())
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Threshold {
    Error,
    Warning,
    Info,
}

impl Threshold {
    fn severity(self) -> Severity {
        match self {
            Threshold::Error => Severity::Error,
            Threshold::Warning => Severity::Warning,
            Threshold::Info => Severity::Info,
        }
    }
}

#[derive(Debug, Args)]
struct BudgetArgs {
    /// Files or directories whose services to count; directories are searched for compose files.
    /// Default: `COMPOSE_FILE` if set, else the current directory.
    paths: Vec<PathBuf>,

    #[command(flatten)]
    project: ProjectArgs,

    /// The server plan to compare the total with, e.g. `cax21` (overrides `x-orion-lint`). When
    /// it differs from the current plan, the table shows each limit rescaled to it beside today's.
    #[arg(long, value_name = "PLAN", value_parser = plan_name)]
    plan: Option<String>,

    /// The plan the limits are sized for now, when `x-orion-lint: {plan: ...}` does not say.
    #[arg(long, value_name = "PLAN", value_parser = plan_name)]
    from_plan: Option<String>,

    /// Compare with the same files at a git revision (`origin/main`, `HEAD~1`, a SHA): the
    /// services whose limit or replicas changed, the totals and whether it still fits. The
    /// revision is read from the repository's objects; no `git` is run. Exit code 1 when the
    /// budget now exceeds the plan.
    #[arg(long, value_name = "REV")]
    compare: Option<String>,

    /// Output format; `markdown` is meant as a pull-request comment.
    #[arg(long, value_enum, default_value_t = BudgetFormat::Human)]
    format: BudgetFormat,
}

impl CheckArgs {
    /// The files to lint, or with `-`, the text on stdin (read here, capped as a file is). A
    /// usage error exits here, as clap's own do.
    fn target(&self) -> Result<Target, LoadError> {
        let usage = |why: String| -> ! {
            Cli::command()
                .error(clap::error::ErrorKind::ArgumentConflict, why)
                .exit()
        };
        let stdin = self.paths.iter().any(|p| p.as_os_str() == "-");
        if !stdin {
            if self.stdin_filename.is_some() {
                usage("--stdin-filename names the text on stdin: add `-` as the path, e.g. `orion-lint --stdin-filename compose.yml -`".to_string());
            }
            return Ok(self.project.target(&self.paths));
        }
        if self.paths.len() > 1 || !self.project.files.is_empty() {
            usage(
                "`-` (stdin) is the only path of its run: lint other files in another run"
                    .to_string(),
            );
        }
        if self.fix || self.diff {
            usage(format!(
                "--{} fixes files, and text from stdin is none: run it on the file itself",
                if self.fix { "fix" } else { "diff" }
            ));
        }
        let path = self
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("<stdin>"));
        let text = read_stdin(&path)?;
        Ok(Target::Stdin { path, text })
    }

    fn overrides(&self) -> Overrides {
        Overrides {
            plan: self.plan.clone(),
            from_plan: self.from_plan.clone(),
            redis_headroom: self.redis_headroom.clone(),
            select: self.controls.select.clone(),
            ignore: self.controls.ignore.clone(),
            ..self.project.overrides()
        }
    }
}

impl BudgetArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            plan: self.plan.clone(),
            from_plan: self.from_plan.clone(),
            ..self.project.overrides()
        }
    }
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Human)]
    format: TableFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// Graphical reports with source snippets.
    #[value(alias = "text")]
    Human,
    /// One JSON object: `{"diagnostics": [...], "errors": [...]}`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// Reviewdog Diagnostic Format, one object: `reviewdog -f=rdjson` (columns in UTF-8 bytes).
    Rdjson,
    /// Reviewdog Diagnostic Format, one diagnostic per line: `reviewdog -f=rdjsonl`.
    Rdjsonl,
    /// GitHub Actions workflow commands (`::error file=...`): annotations on pull requests.
    Github,
    /// One line per finding, `path:line:column: severity[rule] message`, and nothing else.
    Concise,
    /// GitLab Code Quality (`artifacts:reports:codequality`).
    Gitlab,
    /// JUnit XML: a testsuite per file, a failing testcase per finding (Jenkins, GitLab).
    Junit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum TableFormat {
    /// A table for people.
    #[value(alias = "text")]
    Human,
    /// JSON, for scripts.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BudgetFormat {
    /// A table for people.
    #[value(alias = "text")]
    Human,
    /// JSON, for scripts.
    Json,
    /// A GitHub/Gitea-flavoured Markdown comment, starting with `<!-- orion-lint budget -->`.
    Markdown,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The exit status of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// No finding at or above the severity threshold.
    Clean = 0,
    /// At least one finding at or above the severity threshold.
    Findings = 1,
    /// orion-lint could not do its job.
    Failure = 2,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// Parse the process arguments and run.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.command.is_none() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        if let Some(error) = subcommand_taken_for_a_path(&args, &cli.check.paths) {
            Cli::command()
                .error(clap::error::ErrorKind::InvalidSubcommand, error)
                .exit();
        }
    }
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    };
    let human = Human {
        color,
        width: terminal_width(),
    };
    let result = match cli.command {
        None => check(&cli.check, &human),
        Some(Command::Check(args)) => check(&args, &human),
        Some(Command::Budget(args)) => budget(&args, &human),
        Some(Command::Rules(args)) => list_rules(args.format),
        Some(Command::Explain { rule }) => explain(&rule),
        Some(Command::Plans(args)) => list_plans(args.format),
        Some(Command::Completions { shell }) => completions(shell),
        Some(Command::Manpage) => manpage(),
        Some(Command::Server) => return crate::server::run(),
    };
    match result {
        Ok(status) => status.into(),
        // A closed pipe (`orion-lint | head`) is not a failure of the linter.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Status::Clean.into(),
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            Status::Failure.into()
        }
    }
}

/// A path that does not exist and is, or nearly is, a subcommand's name (`orion-lint rule`,
/// `orion-lint --plan cax21 budget`): what the user meant, for a usage error.
fn subcommand_taken_for_a_path(args: &[String], paths: &[PathBuf]) -> Option<String> {
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    paths.iter().find_map(|path| {
        let word = path.to_str()?;
        if path.symlink_metadata().is_ok() {
            return None;
        }
        if names.iter().any(|n| n == word) {
            // Written after an option: show the command with the subcommand first.
            let rest: Vec<&str> = args
                .iter()
                .map(String::as_str)
                .filter(|a| *a != word)
                .collect();
            return Some(format!(
                "`{word}` is a subcommand and comes first: did you mean `orion-lint {word} {}`?",
                rest.join(" ")
            ));
        }
        let close = crate::closest(word, names.iter().map(String::as_str))?;
        Some(format!(
            "unrecognized subcommand `{word}` (no such file or directory either): did you mean `{close}`?"
        ))
    })
}

fn completions(shell: clap_complete::Shell) -> io::Result<Status> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "orion-lint", &mut io::stdout().lock());
    Ok(Status::Clean)
}

fn manpage() -> io::Result<Status> {
    let mut stdout = io::stdout().lock();
    let command = Cli::command();
    clap_mangen::Man::new(command.clone()).render(&mut stdout)?;
    // The subcommands, each with its options, as sections of the one page.
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let man = clap_mangen::Man::new(
            sub.clone()
                .bin_name(format!("orion-lint {}", sub.get_name())),
        );
        writeln!(
            stdout,
            ".SH \"ORION-LINT {}\"",
            sub.get_name().to_uppercase()
        )?;
        man.render_synopsis_section(&mut stdout)?;
        man.render_description_section(&mut stdout)?;
        man.render_options_section(&mut stdout)?;
    }
    Ok(Status::Clean)
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

/// The text on stdin, as a compose file: at most [`crate::compose::MAX_FILE_SIZE`] bytes, UTF-8.
fn read_stdin(path: &Path) -> Result<String, LoadError> {
    use std::io::Read;
    let cap = crate::compose::MAX_FILE_SIZE;
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| LoadError::in_file(path, format!("cannot read stdin: {e}")))?;
    if bytes.len() as u64 > cap {
        return Err(LoadError::in_file(
            path,
            format!(
                "stdin holds more than the {cap} bytes orion-lint reads: is it really a compose file?"
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        LoadError::in_file(
            path,
            format!(
                "stdin is not UTF-8 (invalid byte at offset {}): send the file as UTF-8, as Compose requires",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn check(args: &CheckArgs, human: &Human) -> io::Result<Status> {
    let target = match args.target() {
        Ok(target) => target,
        Err(error) => {
            print_errors(&[error], &SourceMap::default(), human)?;
            return Ok(Status::Failure);
        }
    };
    let mut options = args.project.load_options();
    if let Target::Paths(paths) = &target {
        options.docs = crate::compose::docs::find::candidates(paths);
    }
    let overrides = args.overrides();
    if args.unsafe_fixes && !(args.fix || args.diff) {
        eprintln!("warning: --unsafe-fixes does nothing without --fix or --diff");
    }
    if args.fix || args.diff {
        let applicability = if args.unsafe_fixes {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        let mode = if args.diff {
            FixMode::Diff
        } else {
            FixMode::Write
        };
        let run = engine::fix(&target, &options, &overrides, applicability, mode);
        // The rescale report goes beside the findings, or to stderr when stdout is for a diff or
        // a machine format.
        let report_on_stdout =
            !args.diff && matches!(args.format, Format::Human) && args.output_file.is_none();
        for rescale in run.rescales() {
            let text = render::rescale_text(&rescale, mode == FixMode::Write);
            if report_on_stdout {
                writeln!(io::stdout().lock(), "{text}")?;
            } else {
                eprintln!("{text}");
            }
        }
        let Some(report) = run.lint else {
            print_errors(&run.errors, &SourceMap::default(), human)?;
            write!(io::stdout().lock(), "{}", run.diff)?;
            return Ok(match (run.errors.is_empty(), run.diff.is_empty()) {
                (false, _) => Status::Failure,
                (true, false) => Status::Findings,
                (true, true) => Status::Clean,
            });
        };
        return show(args, &report, human);
    }
    let report = engine::lint(&target, &options, &overrides);
    show(args, &report, human)
}

/// Print a report in the chosen format (to stdout or `--output-file`), write the `--report`
/// files, and compute the exit status.
fn show(args: &CheckArgs, report: &Report, human: &Human) -> io::Result<Status> {
    print_errors(&report.errors, &report.sources, human)?;
    let quiet = args.controls.quiet;
    // Files get no colours, whatever the terminal.
    let plain = Human {
        color: false,
        ..*human
    };
    let mut files: Vec<(&Path, Vec<u8>)> = Vec::new();
    match &args.output_file {
        Some(path) => {
            let mut text = Vec::new();
            render(args.format, report, &plain, quiet, &mut text)?;
            files.push((path, text));
        }
        None => {
            let mut stdout = io::stdout().lock();
            render(args.format, report, human, quiet, &mut stdout)?;
            stdout.flush()?;
        }
    }
    for (format, path) in &args.reports {
        let mut text = Vec::new();
        render(*format, report, &plain, quiet, &mut text)?;
        files.push((path, text));
    }
    let mut written = true;
    for (path, text) in files {
        // A report over a compose file or config of the run (`-o compose.yml`) would destroy it.
        let written_over_input = report.sources.find(path).map(|_| {
            LoadError::in_file(
                path,
                "cannot write the report: this run read the file, which the report would replace; name another path",
            )
        });
        if let Some(error) = written_over_input {
            written = false;
            print_errors(&[error], &report.sources, human)?;
        } else if let Err(error) = crate::atomic::write_report(path, &text) {
            written = false;
            print_errors(&[error], &report.sources, human)?;
        }
    }
    Ok(if written {
        status(report, &args.controls)
    } else {
        Status::Failure
    })
}

fn render(
    format: Format,
    report: &Report,
    human: &Human,
    quiet: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human if quiet => {
            // A blank line between findings, none after the last.
            for (i, diagnostic) in report.diagnostics.iter().enumerate() {
                let separator = if i == 0 { "" } else { "\n" };
                let text = human.diagnostic(diagnostic, &report.sources);
                write!(out, "{separator}{text}")?;
            }
            Ok(())
        }
        Format::Human => human.render(report, out),
        Format::Json => Json.render(report, out),
        Format::Sarif => Sarif.render(report, out),
        Format::Rdjson => Rdjson.render(report, out),
        Format::Rdjsonl => Rdjsonl.render(report, out),
        Format::Github => Github.render(report, out),
        Format::Concise => Concise.render(report, out),
        Format::Gitlab => Gitlab.render(report, out),
        Format::Junit => Junit.render(report, out),
    }
}

fn status(report: &Report, controls: &Controls) -> Status {
    let threshold = controls.severity_threshold.severity();
    if !report.errors.is_empty() {
        Status::Failure
    } else if !controls.exit_zero && report.diagnostics.iter().any(|d| d.severity >= threshold) {
        Status::Findings
    } else {
        Status::Clean
    }
}

/// Errors that stopped a project go to stderr, whatever the output format.
fn print_errors(errors: &[LoadError], sources: &SourceMap, human: &Human) -> io::Result<()> {
    let mut stderr = io::stderr().lock();
    for error in errors {
        write!(stderr, "{}", human.error(error, sources))?;
    }
    Ok(())
}

fn budget(args: &BudgetArgs, human: &Human) -> io::Result<Status> {
    let target = args.project.target(&args.paths);
    let options = args.project.load_options();
    if let Some(revision) = &args.compare {
        return budget_compare(args, human, &target, &options, revision);
    }
    let report = engine::budget(&target, &options, &args.overrides());
    print_errors(&report.errors, &report.sources, human)?;
    let budgets = report.budgets();
    let mut stdout = io::stdout().lock();
    match args.format {
        BudgetFormat::Human => {
            write!(stdout, "{}", render::budget_text(&budgets, &report.sources))?
        }
        BudgetFormat::Json => {
            writeln!(stdout, "{}", render::budget_json(&budgets, &report.sources))?
        }
        BudgetFormat::Markdown => write!(
            stdout,
            "{}",
            render::budget_markdown(&budgets, &report.sources)
        )?,
    }
    stdout.flush()?;
    Ok(if report.errors.is_empty() {
        Status::Clean
    } else {
        Status::Failure
    })
}

/// `budget --compare REV`: exit code 1 when a project's budget now exceeds its plan (the
/// comparison is printed all the same), 2 when a project cannot be read now or at the revision.
fn budget_compare(
    args: &BudgetArgs,
    human: &Human,
    target: &Target,
    options: &LoadOptions,
    revision: &str,
) -> io::Result<Status> {
    // gix asks for the home directory when it opens a repository, before its isolation drops
    // what it found; with `HOME` unset, std asks libc, which reads /etc/passwd and connects to the
    // name-service cache. An empty `HOME` answers first (the project's environment is read).
    if std::env::var_os("HOME").is_none() {
        // SAFETY: the CLI runs on one thread until the engine starts, so nothing reads the
        // environment while it changes.
        unsafe { std::env::set_var("HOME", "") };
    }
    let report = engine::budget_compare(target, options, &args.overrides(), revision);
    print_errors(&report.after.errors, &report.after.sources, human)?;
    print_errors(&report.errors, &SourceMap::default(), human)?;
    let mut stdout = io::stdout().lock();
    match args.format {
        BudgetFormat::Human => write!(stdout, "{}", render::comparison_text(&report))?,
        BudgetFormat::Json => writeln!(
            stdout,
            "{}",
            render::comparison_json(&report, &report.after.budgets())
        )?,
        BudgetFormat::Markdown => write!(stdout, "{}", render::comparison_markdown(&report))?,
    }
    stdout.flush()?;
    let over = report
        .comparisons
        .iter()
        .any(|(_, c)| c.after.fits() == Some(false));
    Ok(
        if !report.after.errors.is_empty() || !report.errors.is_empty() {
            Status::Failure
        } else if over {
            Status::Findings
        } else {
            Status::Clean
        },
    )
}

fn list_rules(format: TableFormat) -> io::Result<Status> {
    let mut stdout = io::stdout().lock();
    match format {
        TableFormat::Human => write!(stdout, "{}", render::rules_text(registry::RULES))?,
        TableFormat::Json => writeln!(stdout, "{}", render::rules_json(registry::RULES))?,
    }
    Ok(Status::Clean)
}

fn explain(name: &str) -> io::Result<Status> {
    match registry::find(name) {
        Some(rule) => {
            write!(io::stdout().lock(), "{}", rule.doc)?;
            Ok(Status::Clean)
        }
        None => {
            let why = crate::selection::rule_named(name).expect_err("the rule does not exist");
            eprintln!("error: {why}");
            Ok(Status::Failure)
        }
    }
}

fn list_plans(format: TableFormat) -> io::Result<Status> {
    let mut stdout = io::stdout().lock();
    match format {
        TableFormat::Human => write!(stdout, "{}", render::plans_text(plans::PLANS))?,
        TableFormat::Json => writeln!(stdout, "{}", render::plans_json(plans::PLANS))?,
    }
    Ok(Status::Clean)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use clap::CommandFactory;

    fn hint(args: &[&str]) -> Option<String> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let paths: Vec<PathBuf> = args
            .iter()
            .filter(|a| !a.starts_with('-') && !a.starts_with("cax"))
            .map(PathBuf::from)
            .collect();
        super::subcommand_taken_for_a_path(&args, &paths)
    }

    #[test]
    fn a_subcommand_read_as_a_path_is_recognised() {
        assert!(hint(&["rule"]).unwrap().ends_with("did you mean `rules`?"));
        assert_eq!(
            hint(&["--plan", "cax21", "budget"]).unwrap(),
            "`budget` is a subcommand and comes first: did you mean `orion-lint budget --plan cax21`?"
        );
        assert_eq!(hint(&["deploy-prod"]), None);
        assert_eq!(hint(&["Cargo.toml"]), None);
    }

    #[test]
    fn command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
