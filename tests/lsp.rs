//! `orion-lint server` (issue 13): real LSP exchanges with the built binary over its stdin and
//! stdout, framed here by hand (`Content-Length` headers), each read bounded by a timeout so
//! that a hang fails the test instead of blocking it.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(20);

/// A client: the server's process, its stdin, and the messages it sent, parsed.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    /// Everything the server wrote on stdout, raw.
    stdout: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    next_id: i64,
}

impl Client {
    fn start(dir: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_orion-lint"))
            .arg("server")
            .current_dir(dir)
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("orion-lint server starts");
        let stdout = child.stdout.take().expect("piped");
        let raw = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (sender, messages) = mpsc::channel();
        let log = raw.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    log.lock().unwrap().extend_from_slice(line.as_bytes());
                    if line == "\r\n" {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.trim().parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                log.lock().unwrap().extend_from_slice(&body);
                let message = serde_json::from_slice(&body).expect("the server sends JSON");
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            messages,
            stdout: raw,
            next_id: 0,
        }
    }

    /// A client started and initialized on `dir` as its workspace folder, offering only UTF-16
    /// (or UTF-8 too when `utf8`).
    fn initialized(dir: &Path, utf8: bool) -> (Client, Value) {
        let mut client = Client::start(dir);
        let encodings = if utf8 {
            json!(["utf-8", "utf-16"])
        } else {
            json!(["utf-16"])
        };
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(dir),
                "workspaceFolders": [{"uri": uri(dir), "name": "project"}],
                "capabilities": {"general": {"positionEncodings": encodings}},
            }),
        );
        client.notify("initialized", json!({}));
        (client, result["result"].clone())
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write a frame");
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The response to a request, with the notifications sent before it.
    fn exchange(&mut self, method: &str, params: Value) -> (Value, Vec<Value>) {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let mut notifications = Vec::new();
        loop {
            let message = self
                .messages
                .recv_timeout(TIMEOUT)
                .unwrap_or_else(|_| panic!("no answer to `{method}` within {TIMEOUT:?}"));
            if message["id"] == json!(id) {
                return (message, notifications);
            }
            notifications.push(message);
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.exchange(method, params).0
    }

    /// The notifications the server sent for what was sent so far: messages are handled in
    /// order, so they all come before the answer to a request sent after them (one the server
    /// does not serve, which it answers with an error).
    fn published(&mut self) -> Vec<Value> {
        let (answer, notifications) = self.exchange("orion/sync", json!(null));
        assert_eq!(answer["error"]["code"], json!(-32601), "{answer}");
        notifications
    }

    fn open(&mut self, path: &Path, language: &str) {
        let text = std::fs::read_to_string(path).unwrap();
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": language, "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, path: &Path, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// Shut down and exit: the exit code, and everything written on stdout.
    fn finish(mut self) -> (Option<i32>, String) {
        let answer = self.request("shutdown", json!(null));
        assert_eq!(answer["result"], json!(null), "{answer}");
        self.notify("exit", json!(null));
        let code = wait(&mut self.child);
        let stdout = String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned();
        (code, stdout)
    }
}

/// The exit code of a child that must end within the timeout.
fn wait(child: &mut Child) -> Option<i32> {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("the server did not exit within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn uri(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut text = String::from("file://");
    for byte in path.to_str().unwrap().bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            text.push(char::from(byte));
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    text
}

/// The diagnostics last published for `path`, if any were.
fn diagnostics_of(notifications: &[Value], path: &Path) -> Option<Vec<Value>> {
    notifications
        .iter()
        .rfind(|n| {
            n["method"] == "textDocument/publishDiagnostics"
                && n["params"]["uri"] == json!(uri(path))
        })
        .map(|n| n["params"]["diagnostics"].as_array().unwrap().clone())
}

/// Rule code and 0-based line of each diagnostic.
fn codes(diagnostics: &[Value]) -> Vec<(String, u64)> {
    diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

const COMPOSE: &str = "x-orion-lint:
  plan: cax11
services:
  api:
    image: nginx
    mem_limit: ${API_MEM}
    scale: 2
  cache:
    image: redis:7
    mem_limit: 128m
    command: redis-server --maxmemory 120mb --maxmemory-policy noeviction
  worker:
    image: busybox
";

/// A repository with `compose.yaml` (above) and `.env` setting `API_MEM=512m`.
fn project() -> tempfile::TempDir {
    common::project_dir(&[("compose.yaml", COMPOSE), (".env", "API_MEM=512m\n")])
}

/// `text` with LSP text edits applied (positions in UTF-16 units, as negotiated).
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap() as usize;
        let character = position["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        let rest = &text[start..];
        rest.char_indices()
            .find(|&(_, c)| {
                let here = units >= character;
                units += c.len_utf16();
                here
            })
            .map_or(text.len(), |(i, _)| start + i)
    };
    let mut edits: Vec<&Value> = edits.iter().collect();
    edits.sort_by_key(|e| std::cmp::Reverse(offset(&e["range"]["start"])));
    let mut out = text.to_string();
    for edit in edits {
        let range = offset(&edit["range"]["start"])..offset(&edit["range"]["end"]);
        out.replace_range(range, edit["newText"].as_str().unwrap());
    }
    out
}

#[test]
fn lsp_session_diagnostics_follow_the_buffers_fixes_apply_and_hover_shows_the_budget() {
    let dir = project();
    let compose = dir.path().join("compose.yaml");
    let env = dir.path().join(".env");
    let (mut client, init) = Client::initialized(dir.path(), false);
    let capabilities = &init["capabilities"];
    assert_eq!(capabilities["positionEncoding"], "utf-16", "{init}");
    assert_eq!(capabilities["hoverProvider"], true, "{init}");
    assert_eq!(capabilities["textDocumentSync"]["change"], 1, "{init}");
    assert_eq!(
        capabilities["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix"])
    );

    // didOpen: the findings at their lines (0-based).
    client.open(&compose, "yaml");
    let published = client.published();
    let diagnostics = diagnostics_of(&published, &compose).expect("diagnostics for compose.yaml");
    assert_eq!(
        codes(&diagnostics),
        [
            ("redis-maxmemory-headroom".to_string(), 10),
            ("mem-limit-missing".to_string(), 11)
        ]
    );
    let headroom = &diagnostics[0];
    assert_eq!(headroom["source"], "orion-lint");
    assert_eq!(headroom["severity"], 2);
    assert_eq!(headroom["range"]["start"]["character"], 38);
    assert!(
        headroom["message"].as_str().unwrap().starts_with(
            "Redis maxmemory `120mb` (125,829,120 B, 120 MiB) is 94% of the container limit `128m`"
        ),
        "{headroom}"
    );
    assert_eq!(
        headroom["relatedInformation"][0]["location"]["range"]["start"],
        json!({"line": 9, "character": 15})
    );

    // didChange: the unsaved buffer gives `worker` a limit; the disk still has none.
    let unsaved = COMPOSE.replace(
        "    image: busybox\n",
        "    image: busybox\n    mem_limit: 64m\n",
    );
    client.change(&compose, 2, &unsaved);
    let diagnostics = diagnostics_of(&client.published(), &compose).unwrap();
    assert_eq!(
        codes(&diagnostics),
        [("redis-maxmemory-headroom".to_string(), 10)]
    );
    assert_eq!(std::fs::read_to_string(&compose).unwrap(), COMPOSE);

    // codeAction on the headroom finding: a preferred quick fix whose edit fixes the buffer.
    let actions = actions_at(&mut client, &compose, 10, 40);
    assert_eq!(actions.len(), 1, "{actions:#?}");
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["isPreferred"], true);
    assert_eq!(action["diagnostics"][0]["code"], "redis-maxmemory-headroom");
    let edits = action["edit"]["changes"][uri(&compose)]
        .as_array()
        .expect("edits of compose.yaml");
    assert_eq!(
        apply(&unsaved, edits),
        unsaved.replace("--maxmemory 120mb", "--maxmemory 96mb")
    );
    // Nothing was written: the fix is the client's to apply.
    assert_eq!(std::fs::read_to_string(&compose).unwrap(), COMPOSE);
    // A range without a finding has no action.
    assert_eq!(actions_at(&mut client, &compose, 0, 0), Vec::<Value>::new());

    // Hover on `mem_limit: ${API_MEM}` (512m from .env, two replicas on a 4 GiB cax11).
    let hover = |client: &mut Client, line: u32, character: u32| {
        let answer = client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&compose)}, "position": {"line": line, "character": character}}),
        );
        answer["result"]["contents"]["value"]
            .as_str()
            .map(str::to_string)
    };
    let api = hover(&mut client, 5, 18).expect("a hover on the api limit");
    assert!(api.contains("536,870,912 B (512 MiB)"), "{api}");
    assert!(api.contains("12.5 % of cax11's 4 GiB"), "{api}");
    assert!(api.contains("api") && api.contains("1 GiB"), "{api}");
    assert!(api.contains("25.0%"), "the budget line's share: {api}");
    let cache = hover(&mut client, 10, 40).expect("a hover on maxmemory");
    assert!(
        cache.contains("`maxmemory`") && cache.contains("120 MiB"),
        "{cache}"
    );
    assert_eq!(
        hover(&mut client, 4, 12),
        None,
        "no hover on `image: nginx`"
    );

    // A `.env` buffer change changes the compose diagnostics: an interpolated limit now invalid.
    client.open(&env, "dotenv");
    client.published();
    client.change(&env, 2, "API_MEM=lots\n");
    let published = client.published();
    let diagnostics = diagnostics_of(&published, &compose).unwrap();
    assert!(
        codes(&diagnostics).contains(&("mem-limit-invalid".to_string(), 5)),
        "{diagnostics:#?}"
    );
    // Back to a valid value: the finding goes, and the hover follows the buffer.
    client.change(&env, 3, "API_MEM=1g\n");
    let diagnostics = diagnostics_of(&client.published(), &compose).unwrap();
    assert_eq!(
        codes(&diagnostics),
        [("redis-maxmemory-headroom".to_string(), 10)]
    );
    let api = hover(&mut client, 5, 18).unwrap();
    assert!(api.contains("25.0 % of cax11's 4 GiB"), "{api}");

    // didClose: linted again with the disk's text, where `worker` has no limit.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&compose)}}),
    );
    let diagnostics = diagnostics_of(&client.published(), &compose).unwrap();
    assert!(
        codes(&diagnostics).contains(&("mem-limit-missing".to_string(), 11)),
        "{diagnostics:#?}"
    );

    let (code, _) = client.finish();
    assert_eq!(code, Some(0));
}

#[test]
fn lsp_findings_in_env_and_cleared_when_fixed() {
    // A finding located in `.env` is published for the `.env`, and cleared with an empty list.
    let dir = project();
    let compose = dir.path().join("compose.yaml");
    let env = dir.path().join(".env");
    std::fs::write(&env, "API_MEM=512\n").unwrap();
    let (mut client, _) = Client::initialized(dir.path(), false);
    client.open(&env, "dotenv");
    let published = client.published();
    let in_env = diagnostics_of(&published, &env).expect("diagnostics for .env");
    assert!(
        codes(&in_env).iter().any(|(_, line)| *line == 0),
        "{in_env:#?}"
    );
    client.change(&env, 2, "API_MEM=512m\n");
    let published = client.published();
    assert_eq!(diagnostics_of(&published, &env), Some(Vec::new()));
    assert!(diagnostics_of(&published, &compose).is_some());
    assert_eq!(client.finish().0, Some(0));
}

#[test]
fn lsp_columns_are_utf16_units_unless_the_client_offers_utf8() {
    let dir = project();
    let compose = dir.path().join("compose.yaml");
    // `é` and `😀` before the value: 2 and 4 bytes, 1 and 2 UTF-16 units.
    let text = "services:\n  cache: {image: \"redis:7\", labels: {note: \"é😀\"}, mem_limit: 128m, command: \"redis-server --maxmemory 120mb\"}\n";
    std::fs::write(&compose, text).unwrap();
    let line = text.lines().nth(1).unwrap();
    let value = line.find("120mb").unwrap();
    let utf16 = line[..value].encode_utf16().count() as u64;
    assert_eq!(
        value as u64,
        utf16 + 3,
        "the line holds the characters: {line}"
    );
    for (utf8, expected) in [(false, utf16), (true, value as u64)] {
        let (mut client, init) = Client::initialized(dir.path(), utf8);
        let encoding = if utf8 { "utf-8" } else { "utf-16" };
        assert_eq!(init["capabilities"]["positionEncoding"], encoding);
        client.open(&compose, "yaml");
        let diagnostics = diagnostics_of(&client.published(), &compose).unwrap();
        let headroom = diagnostics
            .iter()
            .find(|d| d["code"] == "redis-maxmemory-headroom")
            .unwrap_or_else(|| panic!("{diagnostics:#?}"));
        assert_eq!(
            headroom["range"]["start"],
            json!({"line": 1, "character": expected})
        );
        assert_eq!(headroom["range"]["end"]["character"], json!(expected + 5));
        assert_eq!(client.finish().0, Some(0));
    }
}

#[test]
fn lsp_a_secret_in_env_never_appears_on_stdout() {
    const SECRET: &str = "hunter2-Zq8vX1";
    let dir = project();
    let compose = dir.path().join("compose.yaml");
    let env = dir.path().join(".env");
    // The secret is the (invalid) limit itself, and a password the service reads.
    std::fs::write(&env, format!("API_MEM={SECRET}\nDB_PASSWORD={SECRET}\n")).unwrap();
    let text = COMPOSE.replace(
        "    scale: 2\n",
        "    scale: 2\n    environment:\n      PASSWORD: ${DB_PASSWORD}\n",
    );
    std::fs::write(&compose, &text).unwrap();
    let (mut client, _) = Client::initialized(dir.path(), false);
    client.open(&compose, "yaml");
    client.open(&env, "dotenv");
    let published = client.published();
    let diagnostics = diagnostics_of(&published, &compose).unwrap();
    assert!(
        codes(&diagnostics).contains(&("mem-limit-invalid".to_string(), 5)),
        "{diagnostics:#?}"
    );
    for line in 0..text.lines().count() as u32 {
        for character in [6, 12, 18, 24] {
            client.request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri(&compose)}, "position": {"line": line, "character": character}}),
            );
            client.request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri(&compose)}, "context": {"diagnostics": []},
                       "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": character}}}),
            );
        }
    }
    let (code, stdout) = client.finish();
    assert_eq!(code, Some(0));
    assert!(stdout.contains("mem-limit-invalid"), "{stdout}");
    assert!(!stdout.contains(SECRET), "the secret leaked: {stdout}");
    assert!(
        !stdout.contains("hunter2"),
        "part of the secret leaked: {stdout}"
    );
}

#[test]
fn lsp_a_yaml_syntax_error_is_an_error_diagnostic_at_its_line() {
    let dir = project();
    let compose = dir.path().join("compose.yaml");
    let (mut client, _) = Client::initialized(dir.path(), false);
    client.open(&compose, "yaml");
    client.published();
    client.change(&compose, 2, "services:\n  api:\n    image: [nginx\n");
    let diagnostics = diagnostics_of(&client.published(), &compose).unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["severity"], 1);
    assert_eq!(diagnostics[0]["source"], "orion-lint");
    let line = diagnostics[0]["range"]["start"]["line"].as_u64().unwrap();
    assert!((2..=3).contains(&line), "{diagnostics:#?}");
    // The server is still there, and recovers with the file.
    client.change(&compose, 3, COMPOSE);
    let diagnostics = diagnostics_of(&client.published(), &compose).unwrap();
    assert_eq!(diagnostics.len(), 2, "{diagnostics:#?}");
    assert_eq!(client.finish().0, Some(0));
}

#[test]
fn lsp_a_new_unsaved_compose_file_is_linted_as_its_buffer() {
    let dir = common::project_dir(&[]);
    let compose = dir.path().join("compose.yaml");
    let (mut client, _) = Client::initialized(dir.path(), false);
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&compose), "languageId": "yaml", "version": 1,
               "text": "services:\n  web:\n    image: nginx\n"}}),
    );
    let diagnostics = diagnostics_of(&client.published(), &compose).unwrap();
    assert_eq!(codes(&diagnostics), [("mem-limit-missing".to_string(), 1)]);
    assert!(!compose.exists(), "nothing is written");
    // Saved by the editor (with a limit): linted with its project, the stale finding cleared.
    let saved = "services:\n  web:\n    image: nginx\n    mem_limit: 64m\n";
    std::fs::write(&compose, saved).unwrap();
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri(&compose)}, "text": saved}),
    );
    let published = client.published();
    assert_eq!(
        diagnostics_of(&published, &compose),
        Some(Vec::new()),
        "{published:#?}"
    );
    assert_eq!(client.finish().0, Some(0));
}

#[test]
fn lsp_protocol_errors_are_answered_and_exit_codes_follow_the_spec() {
    let dir = project();
    let mut client = Client::start(dir.path());
    // Before `initialize`: refused, not served.
    let early = client.request("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], json!(-32002), "{early}");
    let (mut client, _) = {
        drop(client.stdin.take());
        assert_eq!(
            wait(&mut client.child),
            Some(1),
            "stdin closed without `exit`"
        );
        Client::initialized(dir.path(), false)
    };
    let unknown = client.request("workspace/symbol", json!({"query": ""}));
    assert_eq!(unknown["error"]["code"], json!(-32601), "{unknown}");
    let bad = client.request("textDocument/hover", json!({"nonsense": true}));
    assert_eq!(bad["error"]["code"], json!(-32602), "{bad}");
    // Unknown and malformed notifications are ignored.
    client.notify("$/whatever", json!({}));
    client.notify("textDocument/didOpen", json!({"textDocument": 3}));
    assert!(client.published().is_empty());
    // `exit` without `shutdown`: exit code 1.
    client.notify("exit", json!(null));
    assert_eq!(wait(&mut client.child), Some(1));
}

/// The README's "Editors" section: a copy-paste setup for Neovim (0.11 and nvim-lspconfig),
/// Helix and VS Code, each starting `orion-lint server`; the VS Code settings are valid JSON.
#[test]
fn lsp_readme_documents_each_editor_with_a_setup_that_runs_the_server() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme.find("### Editors").expect("an Editors section");
    let section = &readme[start..];
    let section = &section[..section[4..].find("\n### ").map_or(section.len(), |i| i + 4)];
    let blocks: Vec<(&str, &str)> = section
        .split("```")
        .skip(1)
        .step_by(2)
        .map(|block| block.split_once('\n').unwrap())
        .collect();
    // The Helix block's info string names its file, so that it is not read as an orion-lint.toml.
    let languages: Vec<&str> = blocks.iter().map(|(info, _)| *info).collect();
    assert_eq!(
        languages,
        ["lua", "lua", "toml languages.toml", "json"],
        "{section}"
    );
    for (language, block) in &blocks {
        assert!(
            block.contains(r#""orion-lint", "server""#)
                || (block.contains(r#"command = "orion-lint""#)
                    && block.contains(r#"args = ["server"]"#))
                || block.contains(r#""glspc.server.commandArguments": ["server"]"#),
            "the {language} block starts the server: {block}"
        );
    }
    assert!(blocks[0].1.contains("vim.lsp.enable") && blocks[1].1.contains("lspconfig"));
    let settings: Value = serde_json::from_str(blocks[3].1).expect("VS Code settings are JSON");
    assert_eq!(settings["glspc.server.command"], "orion-lint");
    for name in ["Neovim", "Helix", "VS Code"] {
        assert!(section.contains(&format!("**{name}**")), "{name}");
    }
}

/// The code actions of the finding at `line`, `character` of `path`.
fn actions_at(client: &mut Client, path: &Path, line: u32, character: u32) -> Vec<Value> {
    let answer = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri(path)},
            "range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character}},
            "context": {"diagnostics": []},
        }),
    );
    answer["result"].as_array().expect("actions").clone()
}

#[test]
fn lsp_an_unsafe_fix_is_offered_but_not_preferred() {
    let dir = common::project_dir(&[(
        "compose.yaml",
        "services:
  redis:
    image: redis:7-alpine
    command: redis-server --maxmemory 96mb --maxmemory-policy allkeys-lru
    mem_limit: 128m
  worker:
    image: myapp/worker:1.4
    command: celery -A app worker --concurrency=2
    environment:
      CELERY_BROKER_URL: redis://redis:6379/0
    mem_limit: 768m
",
    )]);
    let compose = dir.path().join("compose.yaml");
    let (mut client, _) = Client::initialized(dir.path(), false);
    client.open(&compose, "yaml");
    let diagnostics = diagnostics_of(&client.published(), &compose).unwrap();
    let eviction = diagnostics
        .iter()
        .find(|d| d["code"] == "redis-broker-eviction")
        .unwrap_or_else(|| panic!("{diagnostics:#?}"));
    let start = &eviction["range"]["start"];
    let actions = actions_at(
        &mut client,
        &compose,
        start["line"].as_u64().unwrap() as u32,
        start["character"].as_u64().unwrap() as u32,
    );
    let action = actions
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "redis-broker-eviction")
        .unwrap_or_else(|| panic!("{actions:#?}"));
    assert_eq!(action["isPreferred"], false, "{action}");
    assert_eq!(client.finish().0, Some(0));
}

#[test]
fn lsp_a_mounted_redis_conf_buffer_gets_its_findings_and_clears_them() {
    let dir = common::project_dir(&[
        (
            "compose.yaml",
            "services:
  cache:
    image: redis:7
    mem_limit: 128m
    command: redis-server /usr/local/etc/redis/redis.conf
    volumes:
      - ./redis.conf:/usr/local/etc/redis/redis.conf:ro
",
        ),
        (
            "redis.conf",
            "maxmemory 120mb\nmaxmemory-policy noeviction\n",
        ),
    ]);
    let conf = dir.path().join("redis.conf");
    let (mut client, _) = Client::initialized(dir.path(), false);
    client.open(&conf, "conf");
    let in_conf = diagnostics_of(&client.published(), &conf).expect("redis.conf diagnostics");
    assert_eq!(
        codes(&in_conf),
        [("redis-maxmemory-headroom".to_string(), 0)]
    );
    let actions = actions_at(&mut client, &conf, 0, 12);
    let edits = actions[0]["edit"]["changes"][uri(&conf)]
        .as_array()
        .expect("an edit of redis.conf")
        .clone();
    let fixed = apply("maxmemory 120mb\nmaxmemory-policy noeviction\n", &edits);
    assert_eq!(fixed, "maxmemory 96mb\nmaxmemory-policy noeviction\n");
    client.change(&conf, 2, &fixed);
    assert_eq!(diagnostics_of(&client.published(), &conf), Some(Vec::new()));
    assert_eq!(client.finish().0, Some(0));
}

#[test]
fn lsp_no_fix_edits_a_file_outside_the_workspace_folder() {
    // The repository holds `base.yaml`; the workspace is `app/`, whose service extends it.
    let dir = common::project_dir(&[
        (
            "base.yaml",
            "services:\n  cache:\n    image: redis:7\n    mem_limit: 128m\n    command: redis-server --maxmemory 120mb\n",
        ),
        (
            "app/compose.yaml",
            "services:\n  cache:\n    extends: {file: ../base.yaml, service: cache}\n",
        ),
    ]);
    let app = dir.path().join("app");
    let compose = app.join("compose.yaml");
    let (mut client, _) = Client::initialized(&app, false);
    client.open(&compose, "yaml");
    let published = client.published();
    let base = dir.path().join("base.yaml");
    let in_base = diagnostics_of(&published, &base).expect("the finding is in base.yaml");
    assert_eq!(
        codes(&in_base),
        [("redis-maxmemory-headroom".to_string(), 4)]
    );
    assert_eq!(actions_at(&mut client, &base, 4, 40), Vec::<Value>::new());
    assert_eq!(client.finish().0, Some(0));
}

#[test]
fn lsp_a_deployment_doc_buffer_that_contradicts_the_limit_gets_a_docs_finding_then_clears() {
    let agrees = "# Deployment\n\n| Container | Limit |\n|-----------|-------|\n| api | 768 MB |\n";
    let dir = common::project_dir(&[
        (
            "compose.yaml",
            "services:\n  api:\n    image: orion/api\n    mem_limit: 768m\n",
        ),
        ("DEPLOY.md", agrees),
    ]);
    let doc = dir.path().join("DEPLOY.md");
    let (mut client, _) = Client::initialized(dir.path(), false);
    client.open(&doc, "markdown");
    // A clean file may get an empty list or none at all.
    let opened = diagnostics_of(&client.published(), &doc).unwrap_or_default();
    assert_eq!(opened, Vec::<Value>::new());
    // The unsaved buffer restates the limit wrongly; the disk still agrees.
    client.change(&doc, 2, &agrees.replace("768 MB", "512 MB"));
    let in_doc = diagnostics_of(&client.published(), &doc).expect("DEPLOY.md diagnostics");
    assert_eq!(codes(&in_doc), [("docs-limit-mismatch".to_string(), 4)]);
    client.change(&doc, 3, agrees);
    assert_eq!(diagnostics_of(&client.published(), &doc), Some(Vec::new()));
    assert_eq!(client.finish().0, Some(0));
}

/// `initialize` with several workspace folders.
fn initialized_with_folders(dir: &Path, folders: &[&Path]) -> Client {
    let mut client = Client::start(dir);
    let folders: Vec<Value> = folders
        .iter()
        .map(|f| json!({"uri": uri(f), "name": f.file_name().unwrap().to_string_lossy()}))
        .collect();
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "workspaceFolders": folders, "capabilities": {}}),
    );
    client.notify("initialized", json!({}));
    client
}

#[test]
fn lsp_a_file_two_folders_include_shows_the_findings_of_both_lints_once() {
    let include =
        "include:\n  - ../common.yaml\nservices:\n  web:\n    image: nginx\n    mem_limit: 64m\n";
    let alone = "services:\n  web:\n    image: nginx\n    mem_limit: 64m\n";
    let common_text = "services:\n  cache:\n    image: redis:7\n    mem_limit: 128m\n    command: redis-server --maxmemory 120mb\n";
    let dir = common::project_dir(&[
        ("common.yaml", common_text),
        ("app1/compose.yaml", include),
        ("app2/compose.yaml", include),
    ]);
    let (app1, app2) = (dir.path().join("app1"), dir.path().join("app2"));
    let shared = dir.path().join("common.yaml");
    let mut client = initialized_with_folders(dir.path(), &[&app1, &app2]);
    let headroom = [("redis-maxmemory-headroom".to_string(), 4)];
    client.open(&app1.join("compose.yaml"), "yaml");
    client.open(&app2.join("compose.yaml"), "yaml");
    let published = client.published();
    let first = diagnostics_of(&published, &shared).unwrap();
    assert_eq!(codes(&first), headroom, "{first:#?}");
    // app1 no longer includes it; app2 still does: the finding stays, once.
    client.change(&app1.join("compose.yaml"), 2, alone);
    let published = client.published();
    let in_shared = diagnostics_of(&published, &shared).unwrap_or_else(|| panic!("{published:#?}"));
    assert_eq!(codes(&in_shared), headroom);
    // Fixed in its own buffer: every lint that reads it is run again, and it clears.
    client.open(&shared, "yaml");
    client.change(&shared, 2, &common_text.replace("120mb", "96mb"));
    assert_eq!(
        diagnostics_of(&client.published(), &shared),
        Some(Vec::new())
    );
    assert_eq!(client.finish().0, Some(0));
}

#[test]
fn lsp_nested_folders_give_a_file_its_finding_and_its_fix_once() {
    let redis = "services:\n  cache:\n    image: redis:7\n    mem_limit: 128m\n    command: redis-server --maxmemory 120mb\n";
    let dir = common::project_dir(&[
        (
            "compose.yaml",
            "services:\n  web:\n    image: nginx\n    mem_limit: 64m\n",
        ),
        ("app/compose.yaml", redis),
    ]);
    let app = dir.path().join("app");
    let inner = app.join("compose.yaml");
    let mut client = initialized_with_folders(dir.path(), &[dir.path(), &app]);
    client.open(&inner, "yaml");
    client.open(&dir.path().join("compose.yaml"), "yaml");
    let published = client.published();
    let in_inner = diagnostics_of(&published, &inner).unwrap();
    assert_eq!(
        codes(&in_inner),
        [("redis-maxmemory-headroom".to_string(), 4)]
    );
    // The folder's lint and the outer one's both read it: one fix.
    assert_eq!(actions_at(&mut client, &inner, 4, 40).len(), 1);
    assert_eq!(client.finish().0, Some(0));
}
