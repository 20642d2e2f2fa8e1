use super::*;
use crate::source::{SourceFile, SourceMap};

fn names() -> ServiceNames {
    ServiceNames {
        project: "orion".into(),
        services: ["db", "redis", "redis-exporter", "api", "celery-worker"]
            .iter()
            .map(|s| (s.to_string(), None))
            .chain([("web".to_string(), Some("orion-frontend".to_string()))])
            .collect(),
    }
}

fn parse_text(text: &str) -> (Doc, SourceMap) {
    let mut sources = SourceMap::default();
    let file = sources.add(SourceFile::new("DEPLOY.md".into(), text));
    (parse(file, text, &names()), sources)
}

/// Each row of the first table: its kind and the text of its size.
fn rows(text: &str) -> Vec<(RowKind, Option<String>)> {
    let (doc, sources) = parse_text(text);
    doc.tables
        .first()
        .map(|t| {
            t.rows
                .iter()
                .map(|r| {
                    (
                        r.kind.clone(),
                        r.size.as_ref().map(|(_, s)| sources.text(s).to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn service(name: &str) -> RowKind {
    RowKind::Service(name.to_string())
}

#[test]
fn budget_rows_name_services_plain_in_code_bold_and_by_container_name() {
    let text = "| Container | Limit |\n|:---|---:|\n| db | 256 MB |\n| `redis` | 128 MiB |\n| **api** | **1 GB** |\n| orion-celery-worker-1 | 0.5 GiB |\n| orion-frontend | 64m |\n| **App subtotal** | **1,984 MB** |\n| **Total containers** | ~2.6 GB |\n| memcached | 64 MB |\n| OS + Caddy | ~1,300 MB |\n";
    assert_eq!(
        rows(text),
        [
            (service("db"), Some("256 MB".into())),
            (service("redis"), Some("128 MiB".into())),
            (service("api"), Some("1 GB".into())),
            (service("celery-worker"), Some("0.5 GiB".into())),
            (service("web"), Some("64m".into())),
            (RowKind::Subtotal, Some("1,984 MB".into())),
            (RowKind::Total, Some("~2.6 GB".into())),
            (RowKind::Unknown, Some("64 MB".into())),
            (RowKind::Other, Some("~1,300 MB".into())),
        ]
    );
}

#[test]
fn tables_that_are_not_budget_tables_give_nothing() {
    for text in [
        "| Plan | vCPU | RAM |\n|---|---|---|\n| CAX11 | 2 | 4 GB |\n",
        "| Component | Spec |\n|---|---|\n| RAM | 4 GB |\n",
        "```\n| Container | Limit |\n|---|---|\n| db | 256 MB |\n```\n",
        "Container | Limit\n",
        "| service | limit |\n|---|---|\n| db | `mem_limit: 256m` |\n",
    ] {
        assert!(parse_text(text).0.tables.is_empty(), "{text}");
    }
}

#[test]
fn escaped_pipes_stay_in_their_cell_and_lists_hold_tables() {
    let escaped = "| Service | Memory | Note |\n|---|---|---|\n| db | 256 MB | a \\| b |\n| api | 512 MB | |\n";
    assert_eq!(
        rows(escaped),
        [
            (service("db"), Some("256 MB".into())),
            (service("api"), Some("512 MB".into()))
        ]
    );
    let listed = "- Budget:\n\n  | Service | Limit |\n  |---|---|\n  | db | 256 MB |\n";
    let (doc, _) = parse_text(listed);
    assert_eq!(doc.tables.len(), 1);
    assert_eq!(doc.tables[0].rows[0].indent, "  ");
}

#[test]
fn facts_are_tied_to_rows_code_blocks_sentences_and_headings() {
    let text = "| Container | Limit | Purpose |\n|---|---|---|\n| redis | 128 MB | Broker (maxmemory 100mb, allkeys-lru) |\n| celery-worker | 768 MB | Tasks (concurrency=2) |\n\n### 3. Redis Hardening\n\n```yaml\nredis:\n  command: redis-server --maxmemory 100mb --maxmemory-policy allkeys-lru\n```\n\n### 6. Celery Worker Replicas\n\nEach replica adds ~768 MB RAM.\n\nThe api runs `uvicorn main:app --workers 2` and `mem_limit: 512m`.\n\n```yaml\n# Add to docker-compose.yml\napi:\n  command: uvicorn main:app --workers 9\n```\n";
    let (doc, sources) = parse_text(text);
    let facts: Vec<(&str, &str)> = doc
        .facts
        .iter()
        .map(|f| (f.service.as_str(), sources.text(&f.span)))
        .collect();
    assert_eq!(
        facts,
        [
            ("redis", "100mb"),
            ("celery-worker", "2"),
            ("redis", "100mb"),
            ("redis", "allkeys-lru"),
            ("celery-worker", "~768 MB"),
            ("api", "2"),
            ("api", "512m"),
        ]
    );
}

#[test]
fn a_fix_may_change_cells_and_add_rows_only() {
    use crate::diagnostic::Edit;
    let text = "| Container | Limit |\n|---|---|\n| db | 512 MB |\n";
    let file = parse_text(text).0.file;
    let cell = text.find("512 MB").unwrap();
    let edit = |range: Range<usize>, replacement: &str| Edit {
        span: Span::new(file, range),
        replacement: replacement.to_string(),
    };
    let apply = |edits: &[Edit]| crate::fix::apply_edits(text, edits);
    let good = [
        edit(cell..cell + 6, "256 MB"),
        edit(text.len() - 1..text.len() - 1, "\n| api | 1 GB |"),
    ];
    assert_eq!(check_fix(text, &apply(&good), &good), Ok(()));
    for bad in [
        [edit(cell..cell + 6, "256 | MB")],
        [edit(cell..cell + 6, "256 MB\n\nx")],
    ] {
        assert!(check_fix(text, &apply(&bad), &bad).is_err());
    }
    let joins = [edit(text.len() - 1..text.len() - 1, "\n")];
    assert!(
        check_fix(text, &apply(&joins), &joins).is_err(),
        "a blank line is no row"
    );
}
