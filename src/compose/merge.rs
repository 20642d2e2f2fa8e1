//! Merging Compose models: several `-f` files, `compose.override.yml`, the documents of one file
//! and `extends`, following compose-go's `override` package as Compose v2.40 runs it. Merged nodes
//! keep their own spans, so a value from an override file is reported in that file.
//!
//! - Mappings merge key by key; a later scalar replaces an earlier one; `null` leaves the earlier
//!   value in place (except for `command` and `entrypoint`, which it resets).
//! - `command`, `entrypoint` and `healthcheck.test` are replaced, never merged.
//! - Sequences are appended; some are kept unique by a key (`environment` by name, `volumes` by
//!   mount target, `profiles` by value, ...), a later entry replacing an earlier one in place.
//! - `!reset` removes a key (its value is ignored), `!override` replaces instead of merging. A
//!   `!reset` entry stays in the merged model as a marker until [`strip_resets`], so that it also
//!   removes the key from files merged before it.

use crate::yaml::{Entry, Node, Value};

pub const RESET: &str = "!reset";
pub const OVERRIDE: &str = "!override";

/// Merge `over` onto `base`. `path` is the key path of `base` from the top of the file, e.g.
/// `["services", "api"]`; merge rules depend on it.
pub fn merge(base: Node, over: Node, path: &mut Vec<String>) -> Node {
    if over.tag.as_deref() == Some(OVERRIDE) {
        return untagged(over);
    }
    if base.tag.as_deref() == Some(RESET) {
        return over;
    }
    let Node {
        value: over_value,
        span,
        tag,
        via,
    } = over;
    let value = match (base.value, over_value) {
        (Value::Map(base_entries), Value::Map(over_entries)) => {
            Value::Map(merge_maps(base_entries, over_entries, path))
        }
        (Value::Seq(base_items), Value::Seq(over_items)) => {
            Value::Seq(merge_sequences(base_items, over_items, path))
        }
        (Value::Map(base_entries), Value::Seq(over_items)) if is_assignments(path) => Value::Map(
            merge_maps(base_entries, assignments_to_map(over_items), path),
        ),
        (Value::Seq(base_items), Value::Map(over_entries)) if is_assignments(path) => Value::Map(
            merge_maps(assignments_to_map(base_items), over_entries, path),
        ),
        (_, value) => value,
    };
    Node {
        value,
        span,
        tag,
        via,
    }
}

fn untagged(mut node: Node) -> Node {
    node.tag = None;
    node
}

fn merge_maps(base: Vec<Entry>, over: Vec<Entry>, path: &mut Vec<String>) -> Vec<Entry> {
    let mut result = base;
    for entry in over {
        let key = entry.key.as_str().unwrap_or_default().to_string();
        let existing = result
            .iter()
            .position(|e| e.key.as_str() == Some(key.as_str()));
        let Some(i) = existing else {
            let value = match entry.value.tag.as_deref() {
                Some(OVERRIDE) => untagged(entry.value),
                _ => entry.value,
            };
            result.push(Entry {
                key: entry.key,
                value,
            });
            continue;
        };
        if entry.value.tag.as_deref() == Some(RESET) {
            result[i].value = entry.value; // the marker, removed by `strip_resets`
            continue;
        }
        if entry.value.is_null() && entry.value.tag.is_none() && !null_replaces(path, &key) {
            continue;
        }
        path.push(key);
        let base_entry = result.remove(i);
        let value = if replaces(path) {
            untagged(entry.value)
        } else {
            merge(base_entry.value, entry.value, path)
        };
        result.insert(
            i,
            Entry {
                key: base_entry.key,
                value,
            },
        );
        path.pop();
    }
    result
}

/// `services.*.command` and friends: an override replaces the value.
fn replaces(path: &[String]) -> bool {
    matches!(
        path,
        [s, _, field] if s == "services" && (field == "command" || field == "entrypoint")
    ) || matches!(path, [s, _, h, t] if s == "services" && h == "healthcheck" && t == "test")
}

/// `command: null` resets to the image's default, and `environment: {K: null}` turns `K=v` into
/// a bare `K`; elsewhere `null` in an override changes nothing.
fn null_replaces(path: &[String], key: &str) -> bool {
    let in_service = matches!(path, [s, _] if s == "services");
    (in_service && matches!(key, "command" | "entrypoint")) || is_assignments(path)
}

/// The `NAME=value` attributes that Compose accepts as a list or a mapping.
fn is_assignments(path: &[String]) -> bool {
    match path {
        [s, _, field] if s == "services" => {
            matches!(
                field.as_str(),
                "environment" | "labels" | "annotations" | "sysctls"
            )
        }
        [s, _, a, b] if s == "services" => {
            (a == "build" && b == "args") || (a == "deploy" && b == "labels")
        }
        _ => false,
    }
}

/// `[A=1, B]` as `{A: "1", B: null}`: the list form of an assignment attribute as its mapping
/// form, each key and value spanning its part of the item.
fn assignments_to_map(items: Vec<Node>) -> Vec<Entry> {
    items
        .into_iter()
        .filter_map(|item| {
            let text = item.as_str()?.to_string();
            let (name, value) = match text.split_once('=') {
                Some((name, value)) => (name.to_string(), Some(value.to_string())),
                None => (text, None),
            };
            let mut key = item.clone();
            set_text(&mut key, name);
            let mut value_node = item;
            match value {
                Some(value) => set_text(&mut value_node, value),
                None => set_text(&mut value_node, String::new()),
            }
            Some(Entry {
                key,
                value: value_node,
            })
        })
        .collect()
}

fn set_text(node: &mut Node, text: String) {
    if let Value::Scalar(scalar) = &mut node.value {
        scalar.text = text;
    }
}

fn merge_sequences(base: Vec<Node>, over: Vec<Node>, path: &[String]) -> Vec<Node> {
    let key: Option<fn(&Node) -> Option<String>> = match path {
        [s, _, field] if s == "services" => match field.as_str() {
            "volumes" | "devices" => Some(mount_target),
            "environment" | "labels" | "annotations" | "sysctls" | "extra_hosts" => {
                Some(assignment_name)
            }
            "profiles" | "dns" | "dns_search" | "dns_opt" | "cap_add" | "cap_drop" | "links"
            | "tmpfs" | "expose" | "env_file" | "ports" => Some(scalar_text),
            _ => None,
        },
        _ => None,
    };
    let mut result = base;
    for item in over {
        let existing = key.and_then(|key| {
            let wanted = key(&item)?;
            result.iter().position(|b| key(b).as_ref() == Some(&wanted))
        });
        match existing {
            Some(i) => result[i] = item,
            None => result.push(item),
        }
    }
    result
}

fn scalar_text(node: &Node) -> Option<String> {
    node.as_str().map(str::to_string)
}

/// `NAME=value` and `NAME` both name `NAME`.
fn assignment_name(node: &Node) -> Option<String> {
    let text = node.as_str()?;
    Some(text.split('=').next().unwrap_or(text).to_string())
}

/// The container path of a `volumes:`/`devices:` entry, short or long syntax.
fn mount_target(node: &Node) -> Option<String> {
    super::service::volume(node).map(|v| v.target)
}

/// Remove the `!reset` markers once every file is merged.
pub fn strip_resets(node: &mut Node) {
    match &mut node.value {
        Value::Map(entries) => {
            entries.retain(|e| e.value.tag.as_deref() != Some(RESET));
            entries.iter_mut().for_each(|e| strip_resets(&mut e.value));
        }
        Value::Seq(items) => {
            items.retain(|i| i.tag.as_deref() != Some(RESET));
            items.iter_mut().for_each(strip_resets);
        }
        Value::Scalar(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, SourceFile, SourceMap};

    fn file() -> FileId {
        SourceMap::default().add(SourceFile::new("t.yml".into(), ""))
    }

    fn merged(documents: &[&str]) -> Node {
        let mut root: Option<Node> = None;
        for text in documents {
            let doc = crate::yaml::parse(file(), text).unwrap().remove(0);
            root = Some(match root {
                None => doc,
                Some(base) => merge(base, doc, &mut Vec::new()),
            });
        }
        let mut root = root.unwrap();
        strip_resets(&mut root);
        root
    }

    fn app(root: &Node) -> &Node {
        root.get_path(&["services", "app"]).unwrap()
    }

    fn strings(node: Option<&Node>) -> Vec<String> {
        node.and_then(Node::as_seq)
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn scalars_replace_and_mappings_merge_deeply() {
        let root = merged(&[
            "services: {app: {mem_limit: 256m, deploy: {resources: {limits: {cpus: '1'}}}}}",
            "services: {app: {mem_limit: 1g, deploy: {resources: {limits: {memory: 1g}}}}}",
        ]);
        assert_eq!(app(&root).get("mem_limit").unwrap().as_str(), Some("1g"));
        let limits = app(&root)
            .get_path(&["deploy", "resources", "limits"])
            .unwrap();
        assert_eq!(limits.get("cpus").unwrap().as_str(), Some("1"));
        assert_eq!(limits.get("memory").unwrap().as_str(), Some("1g"));
    }

    #[test]
    fn commands_are_replaced_and_null_resets_them_only() {
        let root = merged(&[
            "services: {app: {command: [run, base], mem_limit: 1g, entrypoint: /e.sh}}",
            "services: {app: {command: run over, mem_limit: null, entrypoint: null}}",
        ]);
        assert_eq!(
            app(&root).get("command").unwrap().as_str(),
            Some("run over")
        );
        assert_eq!(app(&root).get("mem_limit").unwrap().as_str(), Some("1g"));
        assert!(app(&root).get("entrypoint").unwrap().is_null());
    }

    #[test]
    fn unique_sequences_replace_in_place() {
        let root = merged(&[
            "services: {app: {profiles: [a, b], volumes: ['./data:/data', 'v1:/v1'], environment: [A=1, B=2]}}",
            "services: {app: {profiles: [b, c], volumes: ['./other:/data:ro', 'v2:/v2'], environment: [B=20, C=30]}}",
        ]);
        assert_eq!(strings(app(&root).get("profiles")), ["a", "b", "c"]);
        assert_eq!(
            strings(app(&root).get("volumes")),
            ["./other:/data:ro", "v1:/v1", "v2:/v2"]
        );
        assert_eq!(
            strings(app(&root).get("environment")),
            ["A=1", "B=20", "C=30"]
        );
    }

    #[test]
    fn environment_list_and_map_forms_merge() {
        let root = merged(&[
            "services: {app: {environment: {A: '1', B: '2'}}}",
            "services: {app: {environment: [B=20, C=30]}}",
        ]);
        let env = app(&root).get("environment").unwrap();
        assert_eq!(env.get("B").unwrap().as_str(), Some("20"));
        assert_eq!(env.get("A").unwrap().as_str(), Some("1"));
        assert_eq!(env.get("C").unwrap().as_str(), Some("30"));
    }

    #[test]
    fn reset_and_override_tags() {
        let base = "services: {app: {mem_limit: 256m, profiles: [a], deploy: {replicas: 2, resources: {limits: {memory: 256m, cpus: '1'}}}}, db: {mem_limit: 1g}}";
        let root = merged(&[base, "services: {app: {mem_limit: !reset 5g}}"]);
        assert!(app(&root).get("mem_limit").is_none());
        assert!(app(&root).get("deploy").is_some());
        let root = merged(&[base, "services: {db: !reset}"]);
        assert!(root.get_path(&["services", "db"]).is_none());
        let root = merged(&[
            base,
            "services: {app: {deploy: !override {resources: {limits: {memory: 512m}}}}}",
        ]);
        assert!(app(&root).get_path(&["deploy", "replicas"]).is_none());
        assert!(
            app(&root)
                .get_path(&["deploy", "resources", "limits", "cpus"])
                .is_none()
        );
        let root = merged(&[
            base,
            "services: {app: {mem_limit: !reset}}",
            "services: {app: {mem_limit: 3g}}",
        ]);
        assert_eq!(app(&root).get("mem_limit").unwrap().as_str(), Some("3g"));
        let root = merged(&["services: {app: {image: x, new: !reset}}"]);
        assert!(app(&root).get("new").is_none());
    }
}
