//! The outline walker: the layout of a YAML text as written, from the parser's events.

use saphyr_parser::Event;

use super::Style;
use super::tree::{scalar_range, skip_properties};

/// The layout of a YAML text as written, for reading its comments (which the tree does not keep):
/// where the scalars are, since a `#` inside one is text, and where each mapping entry and
/// sequence item starts and ends, so that a comment can name what it annotates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outline {
    /// Every scalar as written, keys included (quotes included; a block scalar's content).
    pub scalars: Vec<std::ops::Range<usize>>,
    /// Every mapping entry (from its key to the end of its value) and sequence item.
    pub nodes: Vec<OutlineNode>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OutlineNode {
    pub range: std::ops::Range<usize>,
    /// The keys from the document's top level to this node; `-` stands for a sequence item and
    /// `?` for a key that is not a scalar. `["services", "redis"]` is the entry of a service.
    pub path: Vec<String>,
}

struct OutlineFrame {
    start: usize,
    /// The end of the last child so far.
    end: usize,
    /// `None` for a sequence; for a mapping, the key whose value is being read, if any.
    key: Option<Option<(std::ops::Range<usize>, String)>>,
}

/// Builds an [`Outline`] from the parser's events, fed by the tree builder during the one parse of a
/// file.
#[derive(Default)]
pub(super) struct OutlineBuilder {
    pub(super) outline: Outline,
    stack: Vec<OutlineFrame>,
}

impl OutlineBuilder {
    /// One event, at `start..end`; `None` for an unbalanced collection end, which the
    /// tree builder reports.
    pub(super) fn event(
        &mut self,
        text: &str,
        event: &Event,
        start: usize,
        end: usize,
    ) -> Option<()> {
        // Only a mapping key's text is kept (for paths): values are not copied.
        let key_text = |stack: &[OutlineFrame], text: &str| {
            let is_key = matches!(
                stack.last(),
                Some(OutlineFrame {
                    key: Some(None),
                    ..
                })
            );
            if is_key {
                text.to_string()
            } else {
                String::new()
            }
        };
        let done = match event {
            Event::Scalar(value, style, _, _) => {
                let style = Style::from(*style);
                let range = scalar_range(text, style, start, end);
                self.outline.scalars.push(range.clone());
                Some((range, key_text(&self.stack, value)))
            }
            Event::Alias(_) => Some((start..end, key_text(&self.stack, "?"))),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                let open = skip_properties(text, start);
                let key = matches!(event, Event::MappingStart(..)).then_some(None);
                self.stack.push(OutlineFrame {
                    start: open,
                    end: open,
                    key,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = self.stack.pop()?;
                let flow = matches!(text.as_bytes().get(frame.start), Some(b'[' | b'{'));
                let close = if flow {
                    end.max(frame.start)
                } else {
                    frame.end
                };
                Some((frame.start..close, key_text(&self.stack, "?")))
            }
            _ => None,
        };
        let Some((range, key_text)) = done else {
            return Some(());
        };
        let stack = &mut self.stack;
        let mut path: Vec<String> = stack[..stack.len().saturating_sub(1)]
            .iter()
            .map(|f| match &f.key {
                None => "-".to_string(),
                Some(key) => key.as_ref().map_or("?".to_string(), |(_, k)| k.clone()),
            })
            .collect();
        let Some(top) = stack.last_mut() else {
            return Some(()); // a document's root
        };
        top.end = top.end.max(range.end);
        match &mut top.key {
            None => {
                path.push("-".to_string());
                self.outline.nodes.push(OutlineNode { range, path });
            }
            Some(pending) => {
                let Some((key_range, key_text)) = pending.take() else {
                    *pending = Some((range, key_text));
                    return Some(());
                };
                path.push(key_text);
                self.outline.nodes.push(OutlineNode {
                    range: key_range.start..range.end.max(key_range.end),
                    path,
                });
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use crate::yaml::parse_with_outline;
    use crate::yaml::test_file as file;

    #[test]
    fn outline_finds_scalars_entries_and_items_as_written() {
        let src = "x: &d {a: \"1 # no\"}\nservices:\n  redis:\n    command: |\n      # text\n    <<: *d\n    ports:\n      - \"80\" # c\n";
        let (_, outline) = parse_with_outline(file(), src).unwrap();
        let texts: Vec<&str> = outline.scalars.iter().map(|r| &src[r.clone()]).collect();
        assert!(texts.contains(&"\"1 # no\""), "{texts:?}");
        assert!(texts.contains(&"# text"), "{texts:?}");
        let node = |path: &[&str]| {
            let found = outline
                .nodes
                .iter()
                .find(|n| n.path == path)
                .unwrap_or_else(|| panic!("{path:?} in {:?}", outline.nodes));
            &src[found.range.clone()]
        };
        assert!(node(&["services", "redis"]).starts_with("redis:"));
        assert!(node(&["services", "redis"]).ends_with("\"80\""));
        assert_eq!(node(&["services", "redis", "<<"]), "<<: *d");
        assert_eq!(node(&["services", "redis", "ports", "-"]), "\"80\"");
        assert_eq!(node(&["x", "a"]), "a: \"1 # no\"");
    }
}
