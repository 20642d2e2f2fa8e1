//! Human output: miette's graphical reports, one per finding, with the source snippet, a label
//! on the offending value and labels on the related values.

use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};

use crate::compose::LoadError;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::lint::Report;
use crate::source::{FileId, SourceMap};

use super::snippet::{View, escape_controls};

use super::Renderer;

pub struct Human {
    pub color: bool,
    /// Text width to wrap messages at.
    pub width: usize,
}

impl Human {
    fn handler(&self) -> GraphicalReportHandler {
        let theme = if self.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        GraphicalReportHandler::new_themed(theme)
            .with_width(self.width)
            .with_word_separator(textwrap::WordSeparator::Custom(words_outside_code))
            .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
            .with_break_words(false)
            .with_links(false)
            .with_context_lines(1)
            .without_syntax_highlighting()
    }

    /// One diagnostic, rendered.
    pub fn diagnostic(&self, diagnostic: &Diagnostic, sources: &SourceMap) -> String {
        let report = MietteReport::from_diagnostic(diagnostic, sources);
        self.render(&report)
    }

    /// An error that stopped a project from being linted, rendered.
    pub fn error(&self, error: &LoadError, sources: &SourceMap) -> String {
        let report = MietteReport::from_error(error, sources);
        self.render(&report)
    }

    fn render(&self, report: &MietteReport) -> String {
        let mut out = String::new();
        self.handler()
            .render_report(&mut out, report)
            .expect("writing to a String cannot fail");
        out
    }
}

impl Renderer for Human {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for diagnostic in &report.diagnostics {
            writeln!(out, "{}", self.diagnostic(diagnostic, &report.sources))?;
        }
        writeln!(out, "{}", summary(report))
    }
}

/// The words that wrapping may put on separate lines: split after spaces, never inside
/// `inline code`, so that a value, a policy name or a command is never cut in two.
fn words_outside_code(line: &str) -> Box<dyn Iterator<Item = textwrap::core::Word<'_>> + '_> {
    let mut words = Vec::new();
    let (mut start, mut in_code) = (0, false);
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '`' {
            in_code = !in_code;
        }
        if c == ' ' && !in_code && chars.peek().is_some_and(|&(_, next)| next != ' ') {
            words.push(textwrap::core::Word::from(&line[start..=i]));
            start = i + 1;
        }
    }
    if start < line.len() {
        words.push(textwrap::core::Word::from(&line[start..]));
    }
    Box::new(words.into_iter())
}

/// "Found 2 errors and 1 warning in 1 project.", "No problems found in 3 projects.", plus the
/// projects that could not be read.
pub fn summary(report: &Report) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let projects = plural(report.projects, "project");
    let counts: Vec<String> = [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Info, "note"),
    ]
    .into_iter()
    .map(|(severity, word)| (report.count(severity), word))
    .filter(|(n, _)| *n > 0)
    .map(|(n, word)| plural(n, word))
    .collect();
    let found = match counts.as_slice() {
        [] => format!("No problems found in {projects}"),
        [one] => format!("Found {one} in {projects}"),
        [init @ .., last] => format!("Found {} and {last} in {projects}", init.join(", ")),
    };
    let fixed = match report.fixed {
        0 => String::new(),
        n => format!("Fixed {}. ", plural(n, "problem")),
    };
    match report.errors.len() {
        0 => format!("{fixed}{found}."),
        // Nothing was read: "No problems found in 0 projects" would read as a pass.
        n if report.projects == 0 => format!(
            "Nothing was linted: see the {} above.",
            if n == 1 { "error" } else { "errors" }
        ),
        n => format!(
            "{fixed}{found}; {} could not be read (see the errors above).",
            plural(n, "project")
        ),
    }
}

/// A finding in the shape miette renders.
struct MietteReport {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<Snippets>,
    labels: Vec<LabeledSpan>,
    related: Vec<MietteReport>,
}

impl MietteReport {
    fn from_diagnostic(diagnostic: &Diagnostic, sources: &SourceMap) -> Self {
        let (source, labels, related) =
            snippets(&diagnostic.primary, &diagnostic.secondary, sources);
        MietteReport {
            message: escape_controls(&diagnostic.message),
            code: Some(diagnostic.rule.to_string()),
            severity: miette_severity(diagnostic.severity),
            help: diagnostic.help.as_deref().map(escape_controls),
            source: Some(source),
            labels,
            related,
        }
    }

    fn from_error(error: &LoadError, sources: &SourceMap) -> Self {
        let Some(span) = &error.span else {
            let message = match &error.path {
                Some(path) => format!("{}: {}", crate::source::display_path(path), error.message),
                None => error.message.clone(),
            };
            return MietteReport {
                message: escape_controls(&message),
                code: None,
                severity: miette::Severity::Error,
                help: None,
                source: None,
                labels: Vec::new(),
                related: Vec::new(),
            };
        };
        let primary = Label {
            span: span.clone(),
            message: "here".to_string(),
        };
        let (source, labels, related) = snippets(&primary, &error.related, sources);
        let location = sources.get(span.file).line_col(span.range.start);
        MietteReport {
            message: escape_controls(&format!(
                "{}:{}:{}: {}",
                sources.get(span.file).display_path(),
                location.line,
                location.column,
                error.message
            )),
            code: None,
            severity: miette::Severity::Error,
            help: None,
            source: Some(source),
            labels,
            related,
        }
    }
}

/// The labels in the primary label's file, and a related report for each other file.
fn snippets(
    primary: &Label,
    secondary: &[Label],
    sources: &SourceMap,
) -> (Snippets, Vec<LabeledSpan>, Vec<MietteReport>) {
    let main = primary.span.file;
    let in_main: Vec<&Label> = std::iter::once(primary)
        .chain(secondary.iter().filter(|l| l.span.file == main))
        .collect();
    let source = Snippets::new(sources, main, &in_main);
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(escape_controls(&primary.message)),
        source.view.range(&primary.span.range),
    )];
    labels.extend(in_main[1..].iter().map(|l| source.label(l)));
    let mut files: Vec<FileId> = Vec::new();
    for label in secondary.iter().filter(|l| l.span.file != main) {
        if !files.contains(&label.span.file) {
            files.push(label.span.file);
        }
    }
    let related = files
        .into_iter()
        .map(|file| {
            let in_file: Vec<&Label> = secondary.iter().filter(|l| l.span.file == file).collect();
            let source = Snippets::new(sources, file, &in_file);
            MietteReport {
                message: format!("in {}", escape_controls(&sources.get(file).display_path())),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                labels: in_file.iter().map(|l| source.label(l)).collect(),
                source: Some(source),
                related: Vec::new(),
            }
        })
        .collect();
    (source, labels, related)
}

/// A file for miette: the lines around the labels as [`View`] shows them (secrets masked,
/// control characters escaped, long lines clipped). Its spans are in the view; lines and columns
/// in snippet headers are those of the file, as in every other format. It also corrects miette
/// 7.6's line count of a snippet (it counts from the top of the file), without which miette
/// merges every label of a report into one long snippet instead of showing the lines around
/// each.
struct Snippets {
    name: String,
    view: View,
    text: Arc<str>,
}

impl Snippets {
    fn new(sources: &SourceMap, file: FileId, labels: &[&Label]) -> Self {
        let source = sources.get(file);
        let ranges: Vec<_> = labels.iter().map(|l| l.span.range.clone()).collect();
        Snippets {
            name: escape_controls(&source.display_path()),
            view: View::new(source, &ranges),
            text: source.text.clone(),
        }
    }

    fn label(&self, label: &Label) -> LabeledSpan {
        LabeledSpan::new_with_span(
            Some(escape_controls(&label.message)),
            self.view.range(&label.span.range),
        )
    }
}

impl miette::SourceCode for Snippets {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let contents =
            self.view
                .text
                .as_bytes()
                .read_span(span, context_lines_before, context_lines_after)?;
        let line_count = contents.line_count().saturating_sub(contents.line()).max(1);
        // The view leaves out lines no label needs: the line is the file's, not the view's.
        let line = self.view.file_line(contents.span().offset());
        // Columns count characters of the file, as in the messages (not bytes, as miette does).
        let offset = self.view.file_offset(contents.span().offset());
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let before = &self.text[line_start..offset];
        let before = match line_start {
            0 => before.strip_prefix('\u{feff}').unwrap_or(before),
            _ => before,
        };
        let column = before.chars().count();
        Ok(Box::new(
            miette::MietteSpanContents::new_named(
                self.name.clone(),
                contents.data(),
                *contents.span(),
                line,
                column,
                line_count,
            )
            .with_language("yaml"),
        ))
    }
}

fn miette_severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

impl fmt::Display for MietteReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for MietteReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteReport {}

impl miette::Diagnostic for MietteReport {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty()).then(|| Box::new(self.labels.iter().cloned()) as Box<_>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty())
            .then(|| Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)) as Box<_>)
    }
}
