//! A repository's files as of a git revision, read in-process from its object database (loose
//! objects and packs) with `gix`: `budget --compare REV` loads the "before" project from here.
//! No `git` is executed and no configuration can make it so: the repository is opened isolated
//! (its own config only, no includes, no environment), blobs are returned raw (no filters, no
//! textconv), and a repository that borrows objects from elsewhere (`objects/info/alternates`)
//! is refused, so that nothing outside it is read.

use std::path::Path;

use gix::bstr::ByteSlice;

/// A revision spec longer than this is no branch, tag or commit anyone types.
const MAX_SPEC_LEN: usize = 256;

/// The trees of one revision and of `HEAD` in one repository.
pub struct Revision {
    repo: gix::ThreadSafeRepository,
    /// The spec as the user wrote it, for messages.
    spec: String,
    tree: gix::ObjectId,
    /// `None` for a repository whose `HEAD` has no commit yet.
    head_tree: Option<gix::ObjectId>,
}

/// What a path of the work tree was at the revision.
pub enum AtRevision {
    /// A regular (or executable) file, its bytes raw.
    File(Vec<u8>),
    /// Not a regular file there: a symbolic link (not followed), a directory or a submodule.
    NotAFile(&'static str),
    /// Not in the revision's tree, but tracked at `HEAD`: it did not exist then.
    Absent,
    /// In neither tree (e.g. a `.env` that is never committed): the work tree's file stands for
    /// both sides.
    Untracked,
    /// Larger than the cap.
    TooLarge,
}

impl Revision {
    /// Open the repository whose work tree is `root` and resolve `spec` to a commit's tree.
    pub fn open(root: &Path, spec: &str) -> Result<Revision, String> {
        let shown = shown(spec);
        if spec.is_empty() || spec.len() > MAX_SPEC_LEN || spec.chars().any(char::is_control) {
            return Err(format!(
                "`{shown}` is not a revision: name a branch, tag or commit (e.g. `origin/main`, `HEAD~1`, a SHA)"
            ));
        }
        let not_a_repo = |e: &dyn std::fmt::Display| {
            format!(
                "`{}` is not a git repository that orion-lint can read ({e}): run `budget --compare` in a clone of the repository",
                root.display()
            )
        };
        // Object databases are indexed when first used, after the alternates check below.
        let repo = gix::open::Options::isolated()
            .object_store_slots(gix::odb::store::init::Slots::Given(64))
            .open(root)
            .map_err(|e| not_a_repo(&e))?;
        let local = repo.to_thread_local();
        refuse_alternates(&local)?;
        let missing = |e: &dyn std::fmt::Display| {
            format!(
                "`{shown}` is not a revision of the repository at `{}` ({e}): fetch it first (`git fetch {}`) or name a commit",
                root.display(),
                fetch_hint(spec)
            )
        };
        let tree = local
            .rev_parse_single(spec)
            .map_err(|e| missing(&e))?
            .object()
            .map_err(|e| missing(&e))?
            .peel_to_commit()
            .map_err(|e| missing(&e))?
            .tree_id()
            .map_err(|e| damaged(&shown, &e))?
            .detach();
        let head_tree = match local.head_commit() {
            Ok(commit) => Some(commit.tree_id().map_err(|e| damaged("HEAD", &e))?.detach()),
            Err(_) => None,
        };
        Ok(Revision {
            spec: spec.to_string(),
            repo,
            tree,
            head_tree,
        })
    }

    /// The spec as the user wrote it.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// What `relative` (a path inside the work tree) was at the revision, its bytes read only
    /// when it is a file of at most `cap` bytes.
    pub fn file(&self, relative: &Path, cap: u64) -> Result<AtRevision, String> {
        let repo = self.repo.to_thread_local();
        let shown_path = format!("{}:{}", shown(&self.spec), relative.display());
        let Some(entry) =
            entry(&repo, self.tree, relative).map_err(|e| damaged(&shown_path, &e))?
        else {
            let tracked = match self.head_tree {
                Some(head) => entry(&repo, head, relative)
                    .map_err(|e| damaged(&format!("HEAD:{}", relative.display()), &e))?
                    .is_some(),
                None => false,
            };
            return Ok(if tracked {
                AtRevision::Absent
            } else {
                AtRevision::Untracked
            });
        };
        let (mode, id) = entry;
        if mode.is_link() {
            return Ok(AtRevision::NotAFile("a symbolic link"));
        }
        if mode.is_tree() {
            return Ok(AtRevision::NotAFile("a directory"));
        }
        if !mode.is_blob() {
            return Ok(AtRevision::NotAFile("a submodule"));
        }
        let header = repo.find_header(id).map_err(|e| damaged(&shown_path, &e))?;
        if header.size() > cap {
            return Ok(AtRevision::TooLarge);
        }
        let blob = repo.find_blob(id).map_err(|e| damaged(&shown_path, &e))?;
        Ok(AtRevision::File(blob.detach().data))
    }
}

/// The mode and object of the entry at `relative` in the tree `tree`, if there is one.
fn entry(
    repo: &gix::Repository,
    tree: gix::ObjectId,
    relative: &Path,
) -> Result<Option<(gix::object::tree::EntryMode, gix::ObjectId)>, String> {
    let tree = repo.find_tree(tree).map_err(|e| e.to_string())?;
    let found = tree
        .lookup_entry_by_path(relative)
        .map_err(|e| e.to_string())?;
    Ok(found.map(|e| (e.mode(), e.object_id())))
}

/// A repository with `objects/info/alternates` reads objects from other directories: refused.
fn refuse_alternates(repo: &gix::Repository) -> Result<(), String> {
    let file = repo
        .objects
        .store_ref()
        .path()
        .join("info")
        .join("alternates");
    let Ok(text) = std::fs::read(&file) else {
        return Ok(());
    };
    let borrows = text
        .lines()
        .any(|line| !line.trim().is_empty() && !line.starts_with(b"#"));
    if borrows {
        return Err(format!(
            "the repository borrows objects from other directories (`{}`), which orion-lint does not read: run `git repack -a -d` and remove that file, or compare in a clone without `--reference`/`--shared`",
            file.display()
        ));
    }
    Ok(())
}

fn damaged(what: &str, e: &dyn std::fmt::Display) -> String {
    format!(
        "cannot read `{what}` from the repository ({e}): its objects may be damaged; check with `git fsck`"
    )
}

/// `git fetch` arguments for a spec: `origin main` for `origin/main`.
fn fetch_hint(spec: &str) -> String {
    match spec.split_once('/') {
        Some((remote, branch)) if !remote.is_empty() && !branch.is_empty() => {
            format!("{remote} {branch}")
        }
        _ => format!("origin {spec}"),
    }
}

/// A spec for a message: a long one cut short, without control characters.
pub fn shown(spec: &str) -> String {
    const SHOWN: usize = 60;
    if spec.chars().count() <= SHOWN {
        spec.chars().filter(|c| !c.is_control()).collect()
    } else {
        let head: String = spec
            .chars()
            .filter(|c| !c.is_control())
            .take(SHOWN)
            .collect();
        format!("{head}… ({} bytes)", spec.len())
    }
}
