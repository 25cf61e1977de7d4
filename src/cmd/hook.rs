//! `patrol hook install`: writes the repository's pre-commit hook so that every commit runs
//! `patrol scan --staged`. The hook carries a marker line; a hook without it belongs to someone
//! else and is only replaced with `--force`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::read::replace_file;
use crate::scan::ExitStatus;

/// Identifies hooks patrol wrote.
const MARKER: &str = "# installed by patrol";

/// What a blocked commit prints after the findings: how to allow a false positive, and how to
/// bypass the hook knowingly.
pub(super) const BLOCKED_HELP: &str = "\
patrol: commit blocked: the staged change adds the secrets above.
  - A real secret: remove it from the staged files, revoke it, then commit again.
  - A false positive: add a `patrol:allow` comment on that line.
  - To commit anyway, knowingly: git commit --no-verify";

pub(super) fn run(repo: Option<PathBuf>, force: bool) -> Result<ExitStatus> {
    let path = install(&repo.unwrap_or_else(|| ".".into()), force)?;
    println!("patrol: installed pre-commit hook at {}", path.display());
    Ok(ExitStatus::Clean)
}

/// Installs the hook; returns its path.
fn install(repo: &Path, force: bool) -> Result<PathBuf> {
    let repo = crate::git::open(repo)?;
    let dir = hooks_dir(&repo)?;
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create hooks directory {}", dir.display()))?;
    let hook = dir.join("pre-commit");
    match std::fs::symlink_metadata(&hook) {
        Ok(m) if m.file_type().is_symlink() => {
            // Writing through the link would write wherever it points.
            if !force {
                bail!(
                    "{} is a symbolic link; patrol never writes through one: rerun with --force \
                     to replace the link itself",
                    hook.display()
                );
            }
        }
        Ok(_) => {
            let existing = std::fs::read(&hook).unwrap_or_default();
            let ours = memchr::memmem::find(&existing, MARKER.as_bytes()).is_some();
            if !ours && !force {
                bail!(
                    "{} exists and was not written by patrol; rerun with --force to replace it",
                    hook.display()
                );
            }
        }
        Err(_) => {}
    }
    let exe = std::env::current_exe().context("cannot locate the patrol executable")?;
    let script = format!(
        "#!/bin/sh\n{MARKER}: blocks commits that add leaked tokens.\n\
         # Bypass knowingly with: git commit --no-verify\n\
         PATROL='{}'\n\
         [ -x \"$PATROL\" ] || PATROL=patrol\n\
         exec \"$PATROL\" scan --staged\n",
        exe.display().to_string().replace('\'', "'\\''")
    );
    // Executable, through a temporary file renamed over the hook: a link at the hook's path
    // is replaced, not written through, and git never runs half a hook.
    replace_file(&hook, script.as_bytes(), 0o755)
        .with_context(|| format!("cannot write {}", hook.display()))?;
    Ok(hook)
}

/// Where git runs hooks from: `core.hooksPath` as git reads it (a path value: `~/` is the
/// home directory; a relative path is relative to where hooks run, the top of the work tree,
/// or the git directory of a bare repository), else the common git directory's `hooks`.
fn hooks_dir(repo: &gix::Repository) -> Result<PathBuf> {
    let config = repo.config_snapshot();
    let Some(value) = config.trusted_path("core.hooksPath") else {
        if config.string("core.hooksPath").is_some() {
            bail!(
                "core.hooksPath is set only in a configuration file git would not trust (not \
                 owned by you): patrol will not install a hook there"
            );
        }
        return Ok(repo.common_dir().join("hooks"));
    };
    let p = value.context("cannot read core.hooksPath")?.into_owned();
    Ok(if p.is_absolute() {
        p
    } else {
        repo.workdir().unwrap_or(repo.git_dir()).join(p)
    })
}
