//! The user's own settings: `$XDG_CONFIG_HOME/patrol/config.toml` (or
//! `~/.config/patrol/config.toml`). Outside every scanned tree, so it may say what a
//! repository's settings may not: where tokens are sent for liveness checks.

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use serde::Deserialize;

use crate::verify::check_api_base;

/// The file's keys. Unknown keys are errors, as in `.patrol.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserConfig {
    /// The API base for `--verify`, `patrol verify` and `patrol revoke`.
    pub github_api: Option<String>,
}

impl UserConfig {
    fn path() -> Option<PathBuf> {
        let base = match std::env::var_os("XDG_CONFIG_HOME") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => PathBuf::from(std::env::var_os("HOME")?).join(".config"),
        };
        Some(base.join("patrol").join("config.toml"))
    }

    /// How the file is named in messages.
    pub(crate) fn display_path() -> String {
        Self::path().map_or_else(
            || "~/.config/patrol/config.toml".to_string(),
            |p| p.display().to_string(),
        )
    }

    /// The file's settings; none if it does not exist.
    pub(crate) fn load() -> Result<UserConfig> {
        let Some(path) = Self::path() else {
            return Ok(UserConfig::default());
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(UserConfig::default()),
            Err(e) => return Err(anyhow!("cannot read {}: {e}", path.display())),
        };
        let c: UserConfig = toml::from_str(&text).map_err(|e| {
            anyhow!(
                "{}: {}",
                path.display(),
                e.message().split('"').next().unwrap_or("invalid settings")
            )
        })?;
        if let Some(api) = &c.github_api {
            check_api_base(api)
                .map_err(|e| anyhow!("{}: key `github_api`: {e}", path.display()))?;
        }
        Ok(c)
    }
}
