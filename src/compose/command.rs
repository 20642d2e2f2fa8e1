//! `command:` and `entrypoint:` as the argument vectors the container will run, each argument with
//! the span of its text in the file.

use std::ops::Range;

use crate::source::{SourceMap, Span};
use crate::yaml::{self, Node, Value};

/// One argument of a command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    pub text: String,
    /// The argument's text in the file (inside a string command, just this word).
    pub span: Span,
    /// Aliases and merge keys that carried the command to its service.
    pub via: Vec<Span>,
    /// For an argument made by interpolation: the parts of `text` copied character for
    /// character from a file (a default inside `${...}`, a `.env` value), to locate a word in it.
    pub parts: Vec<(Range<usize>, Span)>,
}

/// The parts of `parts` that fall inside `range`, relative to its start.
fn parts_within(parts: &[(Range<usize>, Span)], range: &Range<usize>) -> Vec<(Range<usize>, Span)> {
    yaml::pieces_overlapping(parts, range)
        .filter_map(|(part, span)| {
            let (start, end) = (part.start.max(range.start), part.end.min(range.end));
            (start < end).then(|| {
                let located = span.sub(start - part.start..end - part.start);
                (start - range.start..end - range.start, located)
            })
        })
        .collect()
}

/// The argument vector of a `command:`/`entrypoint:` value: the list form as is, the string form
/// split as Compose splits it (go-shellwords: quotes and backslashes, no variable expansion, and
/// parsing stops at an unquoted `;`, `&`, `|`, `<` or `>`). `None` when the value is null, an
/// unterminated quote, or not a string or list.
pub fn args(node: &Node, sources: &SourceMap) -> Option<Vec<Arg>> {
    match &node.value {
        Value::Seq(items) => Some(
            items
                .iter()
                .filter_map(|item| {
                    Some(Arg {
                        text: item.as_str()?.to_string(),
                        span: item.span.clone(),
                        via: item.via.clone(),
                        parts: item
                            .substitution()
                            .map_or_else(Vec::new, |s| s.pieces.clone()),
                    })
                })
                .collect(),
        ),
        Value::Scalar(_) if node.is_null() => None,
        Value::Scalar(_) => words_after(node, 0, sources),
        Value::Map(_) => None,
    }
}

/// The words of a string scalar's value from byte `offset` on, split as Compose splits a
/// command, each with its span (`REDIS_ARGS=--maxmemory 1g` read from after the `=`).
pub fn words_after(node: &Node, offset: usize, sources: &SourceMap) -> Option<Vec<Arg>> {
    let scalar = node.as_scalar()?;
    let words = shell_words(scalar.text.get(offset..)?)?;
    let locator = yaml::ValueLocator::new(&sources.get(node.span.file).text, node);
    let pieces = scalar
        .substitution
        .as_ref()
        .map_or(&[][..], |s| &s.pieces[..]);
    Some(
        words
            .into_iter()
            .map(|(text, range)| {
                let range = range.start + offset..range.end + offset;
                Arg {
                    span: locator.span(range.clone()),
                    // Only an unquoted word's text lines up with the value it is cut from.
                    parts: if scalar.text[range.clone()] == text {
                        parts_within(pieces, &range)
                    } else {
                        Vec::new()
                    },
                    text,
                    via: node.via.clone(),
                }
            })
            .collect(),
    )
}

/// A word of a command line and the byte range of its raw text (quotes included).
pub type Word = (String, Range<usize>);

/// Split a string the way go-shellwords does with its default settings.
pub fn shell_words(line: &str) -> Option<Vec<Word>> {
    split_words(line, false).map(|mut commands| commands.swap_remove(0))
}

/// Whether Compose reads all of a string command: go-shellwords stops at the first unquoted shell
/// operator (`<`, `|`, `;`...) and drops the rest, so words appended after it are never seen.
pub fn splits_whole(line: &str) -> bool {
    shell_words(line).is_some_and(|words| {
        words
            .last()
            .is_none_or(|(_, range)| range.end == line.trim_end().len())
    })
}

/// The simple commands of a shell script (`a && exec b; c | d`), each split into words.
pub fn script_words(script: &str) -> Option<Vec<Vec<Word>>> {
    split_words(script, true)
}

/// The words of the commands in one argument read as a shell script (the argument of `sh -c`),
/// with spans in the file; empty when the argument is not a well-formed script.
pub fn script_commands(arg: &Arg, sources: &SourceMap) -> Vec<Vec<Arg>> {
    let written = Written::of(arg, sources);
    script_words(&arg.text)
        .unwrap_or_default()
        .into_iter()
        .map(|words| {
            words
                .into_iter()
                .map(|(text, range)| Arg {
                    span: written.sub_span(arg, range.clone()),
                    parts: if arg.text[range.clone()] == text {
                        parts_within(&arg.parts, &range)
                    } else {
                        Vec::new()
                    },
                    text,
                    via: arg.via.clone(),
                })
                .collect()
        })
        .collect()
}

/// The span of part of an argument's text: exact when that part was copied from a file by
/// interpolation, or the argument is written as is or in plain
/// quotes, else the whole argument.
pub fn arg_sub_span(arg: &Arg, sources: &SourceMap, range: Range<usize>) -> Span {
    Written::of(arg, sources).sub_span(arg, range)
}

/// How an argument's text is written in the file, found once for all its parts.
enum Written {
    AsIs,
    Quoted,
    Otherwise,
}

impl Written {
    fn of(arg: &Arg, sources: &SourceMap) -> Written {
        let written = sources.text(&arg.span);
        let quoted = written.len() == arg.text.len() + 2
            && matches!(written.as_bytes()[0], b'"' | b'\'')
            && written[1..written.len() - 1] == arg.text;
        if written == arg.text {
            Written::AsIs
        } else if quoted {
            Written::Quoted
        } else {
            Written::Otherwise
        }
    }

    fn sub_span(&self, arg: &Arg, range: Range<usize>) -> Span {
        if let Some((part, span)) = yaml::piece_containing(&arg.parts, &range) {
            return span.sub(range.start - part.start..range.end - part.start);
        }
        match self {
            Written::AsIs => arg.span.sub(range),
            Written::Quoted => arg.span.sub(range.start + 1..range.end + 1),
            Written::Otherwise => arg.span.clone(),
        }
    }
}

/// go-shellwords' tokenizer. Without `scripts`, parsing stops at the first unquoted shell
/// operator, as Compose's does; with it, operators and line breaks separate commands.
fn split_words(line: &str, scripts: bool) -> Option<Vec<Vec<Word>>> {
    let mut commands = Vec::new();
    let mut words = Vec::new();
    let mut word = String::new();
    let mut start = None;
    let (mut single, mut double, mut escaped) = (false, false, false);
    let mut end = line.len();
    for (i, c) in line.char_indices() {
        if escaped {
            word.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if !single => {
                escaped = true;
                start.get_or_insert(i);
            }
            '\'' if !double => {
                single = !single;
                start.get_or_insert(i);
            }
            '"' if !single => {
                double = !double;
                start.get_or_insert(i);
            }
            '\n' | ';' | '&' | '|' if scripts && !single && !double => {
                if let Some(s) = start.take() {
                    words.push((std::mem::take(&mut word), s..i));
                }
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            c if c.is_whitespace() && !single && !double => {
                if let Some(s) = start.take() {
                    words.push((std::mem::take(&mut word), s..i));
                }
            }
            ';' | '&' | '|' | '<' | '>' if !single && !double && !scripts => {
                end = i;
                break;
            }
            c => {
                word.push(c);
                start.get_or_insert(i);
            }
        }
    }
    if single || double || escaped {
        return None;
    }
    if let Some(s) = start {
        words.push((word, s..line[..end].trim_end().len()));
    }
    if !words.is_empty() || commands.is_empty() {
        commands.push(words);
    }
    Some(commands)
}

/// The arguments that follow `program` in a command line: when it is the command itself, when it
/// runs behind a wrapper (`tini -- redis-server ...`, `exec`, `gosu user ...`), or in a script
/// given to a shell (`sh -c "sysctl ... && exec redis-server ..."`).
pub fn find_program(
    argv: &[Arg],
    sources: &SourceMap,
    is_program: impl Fn(&str) -> bool,
) -> Option<Vec<Arg>> {
    if let Some(at) = program_position(argv, &is_program) {
        return Some(argv[at + 1..].to_vec());
    }
    let shell = argv
        .first()
        .is_some_and(|a| matches!(basename(&a.text), "sh" | "bash" | "ash" | "dash" | "zsh"));
    let script = argv
        .iter()
        .position(|a| a.text == "-c")
        .and_then(|i| argv.get(i + 1))
        .filter(|_| shell)?;
    script_commands(script, sources)
        .into_iter()
        .find_map(|words| {
            let at = program_position(&words, &is_program)?;
            Some(words[at + 1..].to_vec())
        })
}

/// Where `program` starts in a simple command, after wrappers and `NAME=value` assignments.
fn program_position(words: &[Arg], is_program: &impl Fn(&str) -> bool) -> Option<usize> {
    let mut i = 0;
    while let Some(word) = words.get(i) {
        let name = basename(&word.text);
        if is_program(name) {
            return Some(i);
        }
        i += match name {
            "gosu" | "su-exec" => 2, // gosu USER command...
            "exec" | "--" | "tini" | "dumb-init" | "docker-entrypoint.sh" | "nice" => 1,
            // `python -m celery ...`, `poetry run gunicorn ...`
            _ if name.starts_with("python") && next_is(words, i, "-m") => 2,
            "poetry" | "pipenv" | "uv" if next_is(words, i, "run") => 2,
            _ if word.text.contains('=') => 1, // an environment assignment
            _ => return None,
        };
    }
    None
}

fn next_is(words: &[Arg], i: usize, text: &str) -> bool {
    words.get(i + 1).is_some_and(|w| w.text == text)
}

/// The value of the last occurrence of an option among a program's arguments, with its span:
/// `--long=value`, `--long value`, and for a short name `-s value` and `-svalue`.
pub fn option_value(
    args: &[Arg],
    short: Option<&str>,
    long: &str,
    sources: &SourceMap,
) -> Option<Arg> {
    let mut found = None;
    for (i, arg) in args.iter().enumerate() {
        let text = arg.text.as_str();
        let attached = text
            .strip_prefix(long)
            .and_then(|rest| rest.strip_prefix('='))
            .or_else(|| {
                short
                    .and_then(|s| text.strip_prefix(s))
                    .filter(|rest| !rest.is_empty() && !text.starts_with("--"))
            });
        if let Some(value) = attached {
            let range = text.len() - value.len()..text.len();
            found = Some(Arg {
                text: value.to_string(),
                span: arg_sub_span(arg, sources, range.clone()),
                via: arg.via.clone(),
                parts: parts_within(&arg.parts, &range),
            });
        } else if text == long || short == Some(text) {
            found = args.get(i + 1).cloned().or(found);
        }
    }
    found
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The program a command runs: the last path component of its first argument.
pub fn program(args: &[Arg]) -> Option<&str> {
    args.first().map(|a| basename(&a.text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFile, SourceMap};

    fn words(line: &str) -> Vec<String> {
        shell_words(line)
            .unwrap()
            .into_iter()
            .map(|(w, _)| w)
            .collect()
    }

    #[test]
    fn a_command_cut_at_a_shell_operator_does_not_split_whole() {
        assert!(splits_whole("redis-server --port 6379 "));
        assert!(splits_whole("redis-server \"a b\""));
        assert!(splits_whole(""));
        assert!(!splits_whole("redis-server --maxmemory <5 --port 1"));
        assert!(!splits_whole("redis-server | tee log"));
    }

    #[test]
    fn splits_like_go_shellwords() {
        assert_eq!(
            words(r#"redis-server --maxmemory 200mb --save "" --appendonly no"#),
            [
                "redis-server",
                "--maxmemory",
                "200mb",
                "--save",
                "",
                "--appendonly",
                "no"
            ]
        );
        assert_eq!(words(r#"sh -c 'a "b" c'"#), ["sh", "-c", r#"a "b" c"#]);
        assert_eq!(words(r#"a\ b "c\"d""#), ["a b", "c\"d"]);
        assert_eq!(words("run x; echo y"), ["run", "x"]);
        assert_eq!(words("  "), Vec::<String>::new());
        assert!(shell_words("a 'b").is_none());
    }

    #[test]
    fn scripts_split_into_commands() {
        let commands =
            script_words("sysctl x && exec redis-server --maxmemory 1mb; echo 'a;b'\nnext")
                .unwrap();
        let texts: Vec<Vec<&str>> = commands
            .iter()
            .map(|c| c.iter().map(|(w, _)| w.as_str()).collect())
            .collect();
        assert_eq!(
            texts,
            [
                vec!["sysctl", "x"],
                vec!["exec", "redis-server", "--maxmemory", "1mb"],
                vec!["echo", "a;b"],
                vec!["next"]
            ]
        );
    }

    fn load(src: &str) -> (SourceMap, Node) {
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new("c.yml".into(), src));
        let root = crate::yaml::parse(id, src).unwrap().remove(0);
        (sources, root)
    }

    fn arg_texts(src: &str) -> Vec<(String, String)> {
        let (sources, root) = load(src);
        args(root.get("command").unwrap(), &sources)
            .unwrap()
            .into_iter()
            .map(|a| (a.text, sources.text(&a.span).to_string()))
            .collect()
    }

    #[test]
    fn string_command_words_have_exact_spans() {
        let got = arg_texts("command: redis-server --maxmemory 100mb # note\n");
        assert_eq!(got[2], ("100mb".into(), "100mb".into()));
        let got = arg_texts("command: \"redis-server --maxmemory '1gb'\"\n");
        assert_eq!(got[2], ("1gb".into(), "'1gb'".into()));
        let got = arg_texts("command: >\n  redis-server\n  --maxmemory 64mb\n");
        assert_eq!(got[2], ("64mb".into(), "64mb".into()));
        let got = arg_texts("command: [\"redis-server\", \"--maxmemory\", \"2gb\"]\n");
        assert_eq!(got[2], ("2gb".into(), "\"2gb\"".into()));
    }

    fn option(command: &str, short: Option<&str>, long: &str) -> Option<(String, String)> {
        let (sources, root) = load(&format!("command: {command}\n"));
        let args = args(root.get("command").unwrap(), &sources).unwrap();
        option_value(&args, short, long, &sources).map(|a| (a.text, sources.text(&a.span).into()))
    }

    #[test]
    fn option_values_in_every_spelling() {
        let four = Some(("4".to_string(), "4".to_string()));
        for command in [
            "gunicorn -w4 app",
            "gunicorn -w 4 app",
            "gunicorn --workers=4",
            "gunicorn --workers 4 app",
            "gunicorn -w 2 --workers=4",
        ] {
            assert_eq!(option(command, Some("-w"), "--workers"), four, "{command}");
        }
        for command in [
            "celery worker -c 4",
            "celery worker --concurrency 4",
            "celery worker -c4",
            "[celery, worker, \"--concurrency=4\"]",
        ] {
            let got = option(command, Some("-c"), "--concurrency");
            assert_eq!(
                got.map(|(text, _)| text),
                Some("4".to_string()),
                "{command}"
            );
        }
        assert_eq!(option("gunicorn --workers", Some("-w"), "--workers"), None);
        assert_eq!(
            option("gunicorn --worker-class=x", Some("-w"), "--workers"),
            None
        );
        assert_eq!(
            option("gunicorn --workers-x=3", Some("-w"), "--workers"),
            None
        );
    }

    #[test]
    fn programs_behind_interpreters_and_runners() {
        let (sources, root) = load("command: poetry run python -m celery -A app worker\n");
        let argv = args(root.get("command").unwrap(), &sources).unwrap();
        let found = find_program(&argv, &sources, |p| p == "celery").unwrap();
        assert_eq!(found[0].text, "-A");
    }

    #[test]
    fn escaped_values_fall_back_to_the_whole_scalar() {
        let got = arg_texts("command: \"redis-server\\t--maxmemory 1mb\"\n");
        assert_eq!(got[0].0, "redis-server");
        assert_eq!(got[2].1, "\"redis-server\\t--maxmemory 1mb\"");
    }
}
