//! Hostile input and hostile file systems: each test runs the built binary within a generous
//! bound on time and memory (`common::run_bounded`), and checks that it answers clearly, does not
//! panic and writes nothing it should not.

mod common;

use std::path::{Path, PathBuf};

// ---- Writes (`--fix`): all or nothing, one identity per file, metadata kept ----

/// Every file under `dir` (names relative to it) with its bytes, temporaries included.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk the test directory"))
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            let bytes = if e.file_type().is_symlink() {
                std::fs::read_link(e.path())
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else {
                std::fs::read(e.path()).unwrap()
            };
            (e.path().strip_prefix(dir).unwrap().to_path_buf(), bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn writes_one_file_through_two_paths_gets_one_coherent_edit() {
    // `shared.conf -> redis.conf`, each mounted by another service: one file, one fix.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:
  small:
    image: redis:7-alpine
    command: redis-server /usr/local/etc/redis/redis.conf
    volumes:
      - ./redis.conf:/usr/local/etc/redis/redis.conf:ro
    mem_limit: 256m
  large:
    image: redis:7-alpine
    command: redis-server /usr/local/etc/redis/redis.conf
    volumes:
      - ./shared.conf:/usr/local/etc/redis/redis.conf:ro
    mem_limit: 512m
",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("redis.conf"),
        "maxmemory 600mb\nmaxmemory-policy allkeys-lru\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("redis.conf", dir.path().join("shared.conf")).unwrap();
    let first = common::run_bounded(dir.path(), &["--fix", "--color", "never"]);
    first.assert_bounded();
    assert_eq!(
        first.code,
        Some(0),
        "the first --fix fixes everything: {first:?}"
    );
    let fixed = snapshot(dir.path());
    let conf = std::fs::read_to_string(dir.path().join("redis.conf")).unwrap();
    assert_eq!(conf, "maxmemory 192mb\nmaxmemory-policy allkeys-lru\n");
    assert!(
        std::fs::symlink_metadata(dir.path().join("shared.conf"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is kept"
    );
    let second = common::run_bounded(dir.path(), &["--fix", "--color", "never"]);
    second.assert_bounded();
    assert_eq!(second.code, Some(0), "{second:?}");
    assert!(!second.stderr.contains("Fixed") && !second.stdout.contains("Fixed"));
    assert_eq!(
        snapshot(dir.path()),
        fixed,
        "a second --fix changes nothing"
    );
}
