//! `patrol hook install`: writes the repository's pre-commit hook so that every commit runs
//! `patrol scan --staged`. The hook carries a marker line; a hook without it belongs to someone
//! else and is only replaced with `--force`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

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
    let repo = gix::discover(repo)
        .with_context(|| format!("{} is not in a git repository", repo.display()))?;
    let dir = match repo.config_snapshot().string("core.hooksPath") {
        Some(p) => {
            let p = PathBuf::from(p.to_string());
            if p.is_absolute() {
                p
            } else {
                // git runs hooks from the work tree's top, so a relative hooksPath is relative
                // to it (to the git dir in a bare repository).
                repo.workdir().unwrap_or(repo.git_dir()).join(p)
            }
        }
        None => repo.common_dir().join("hooks"),
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create hooks directory {}", dir.display()))?;
    let hook = dir.join("pre-commit");
    if let Ok(existing) = std::fs::read_to_string(&hook) {
        if !existing.contains(MARKER) && !force {
            bail!(
                "{} exists and was not written by patrol; rerun with --force to replace it",
                hook.display()
            );
        }
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
    std::fs::write(&hook, script).with_context(|| format!("cannot write {}", hook.display()))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", hook.display()))?;
    Ok(hook)
}
