//! Files as a commit holds them: for settings read from the base side of a range (the config
//! file, its rule files, the baseline), so that a pull request cannot change the check that
//! reviews it. Paths are relative to the repository root; a path that leaves the tree, or a
//! symbolic link, is refused rather than followed.

use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use gix::objs::tree::EntryKind;
use gix::ObjectId;

use super::range::FETCH_ADVICE;

/// A commit's tree, opened for reading files by path.
pub(crate) struct CommitFiles {
    repo: gix::Repository,
    tree: ObjectId,
    /// `REV` as the user named it, for messages.
    rev: String,
}

impl CommitFiles {
    /// The tree of commit `rev` in the repository holding `repo`.
    pub(crate) fn open(repo: &Path, rev: &str) -> Result<CommitFiles> {
        let repo = super::open(repo)?;
        let advice = if repo.is_shallow() {
            format!("; this is a shallow clone, which may not hold it: {FETCH_ADVICE}")
        } else {
            String::new()
        };
        let tree = repo
            .rev_parse_single(rev)
            .map_err(|e| anyhow!("bad revision {rev:?}: {e}{advice}"))?
            .object()
            .map_err(|e| anyhow!("bad revision {rev:?}: {e}{advice}"))?
            .peel_to_kind(gix::object::Kind::Commit)
            .map_err(|e| anyhow!("revision {rev:?} is not a commit: {e}"))?
            .peel_to_kind(gix::object::Kind::Tree)
            .map_err(|e| anyhow!("revision {rev:?} has no tree: {e}"))?
            .id;
        Ok(CommitFiles {
            repo,
            tree,
            rev: rev.to_string(),
        })
    }

    /// The repository's work tree (or git directory, for a bare repository).
    pub(crate) fn root(&self) -> PathBuf {
        self.repo
            .workdir()
            .unwrap_or(self.repo.git_dir())
            .to_path_buf()
    }

    /// How a file of this commit is named in messages: `REV:path`.
    pub(crate) fn label(&self, path: &str) -> String {
        format!("{}:{path}", self.rev)
    }

    /// The blob id and kind at `path`, if the tree has one there.
    fn entry(&self, path: &str) -> Result<Option<(ObjectId, EntryKind)>> {
        let rel = tree_path(path)?;
        let tree = self
            .repo
            .find_object(self.tree)
            .context("cannot read the commit's tree")?
            .into_tree();
        Ok(tree
            .lookup_entry_by_path(rel)
            .with_context(|| format!("cannot read {}", self.label(path)))?
            .map(|e| (e.object_id(), e.mode().kind())))
    }

    /// The id of the object at `path`, if any: to tell whether two commits hold the same file.
    pub(crate) fn id(&self, path: &str) -> Result<Option<ObjectId>> {
        Ok(self.entry(path)?.map(|(id, _)| id))
    }

    /// The file at `path`, if the commit has one there. A symbolic link is an error: what it
    /// points to may lie outside the repository.
    pub(crate) fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        match self.entry(path)? {
            None => Ok(None),
            Some((_, EntryKind::Link)) => bail!(
                "{} is a symbolic link: settings files are read from the commit's tree, never \
                 through a link",
                self.label(path)
            ),
            Some((id, EntryKind::Blob | EntryKind::BlobExecutable)) => Ok(Some(
                self.repo
                    .find_object(id)
                    .with_context(|| format!("cannot read {}", self.label(path)))?
                    .detach()
                    .data,
            )),
            Some(_) => Ok(None),
        }
    }

    /// The names of the files directly in directory `path`, if it is one.
    pub(crate) fn list(&self, path: &str) -> Result<Option<Vec<String>>> {
        let Some((id, EntryKind::Tree)) = self.entry(path)? else {
            return Ok(None);
        };
        let tree = self
            .repo
            .find_object(id)
            .with_context(|| format!("cannot read {}", self.label(path)))?
            .into_tree();
        let mut names = Vec::new();
        for e in tree.iter() {
            let e = e.with_context(|| format!("corrupt tree {}", self.label(path)))?;
            if matches!(e.mode().kind(), EntryKind::Blob | EntryKind::BlobExecutable) {
                names.push(e.filename().to_string());
            }
        }
        names.sort();
        Ok(Some(names))
    }
}

/// `path` as a path inside a tree: relative, without `..`, `.` dropped. Anything else would
/// leave the repository.
fn tree_path(path: &str) -> Result<PathBuf> {
    let mut out = PathBuf::new();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(s) => out.push(s),
            Component::CurDir => {}
            _ => bail!("{path:?} leaves the repository"),
        }
    }
    if out.as_os_str().is_empty() {
        bail!("{path:?} names no file");
    }
    Ok(out)
}
