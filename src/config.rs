//! Raw arguments in, validated configuration out. Everything past this module works with typed,
//! checked values (`ScanConfig`, a loaded `RuleSet`); nothing raw travels further.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use crate::baseline::Baseline;
use crate::cli::{ColorChoice, Format, OutputArgs, RuleArgs, ScanArgs, VerifyArgs};
use crate::config_file::FileConfig;
use crate::git::{GitConfig, GitMode, DEFAULT_MAX_BLOB_SIZE};
use crate::matcher::ScanOptions;
use crate::report::Outcome;
use crate::rules::{load_rules, RuleSet};
use crate::verify::{VerifyConfig, DEFAULT_API};

/// One input of a scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    Stdin,
}

/// How to walk directories.
#[derive(Clone, Debug)]
pub struct WalkConfig {
    pub respect_ignore: bool,
    pub follow_links: bool,
    /// Files larger than this are skipped (and listed); `None`: no limit.
    pub max_file_size: Option<u64>,
    /// At least 1.
    pub threads: usize,
    /// The config file, for `exclude_paths` (files that match are not even read).
    pub settings: Arc<FileConfig>,
}

/// How to report.
#[derive(Clone, Debug)]
pub struct ReportConfig {
    pub format: Format,
    pub output: Option<PathBuf>,
    pub show_secrets: bool,
    /// Resolved: true only when colour was asked for or stdout is a terminal.
    pub color: bool,
    pub quiet: bool,
}

pub struct ScanConfig {
    pub inputs: Vec<Input>,
    /// Set for git modes (history, range, staged); `inputs` is then unused.
    pub git: Option<GitConfig>,
    pub rules: RuleSet,
    pub options: ScanOptions,
    pub walk: WalkConfig,
    pub report: ReportConfig,
    pub filters: Filters,
    /// Set with `--verify`.
    pub verify: Option<VerifyConfig>,
}

/// Liveness-check settings from flags and the config file's `github_api`.
pub fn verify_config(args: &VerifyArgs, settings: &FileConfig) -> Result<VerifyConfig> {
    let api = args
        .github_api
        .clone()
        .or_else(|| settings.github_api.clone())
        .unwrap_or_else(|| DEFAULT_API.to_string());
    crate::config_file::check_api_base(&api).context("invalid --github-api")?;
    if args.verify_concurrency == 0 || args.verify_timeout == 0 || args.verify_rate <= 0.0 {
        bail!("--verify-concurrency, --verify-timeout and --verify-rate must be positive");
    }
    Ok(VerifyConfig {
        api: api.trim_end_matches('/').to_string(),
        timeout: std::time::Duration::from_secs(args.verify_timeout),
        deadline: std::time::Duration::from_secs(args.verify_deadline),
        concurrency: args.verify_concurrency,
        rate: args.verify_rate,
        cache: args.verify_cache.clone(),
        cache_ttl: std::time::Duration::from_secs(args.verify_cache_ttl),
    })
}

/// What is dropped from an outcome after scanning, in every mode: secrets the config file
/// allows, paths it excludes, and what the baseline records.
pub struct Filters {
    pub settings: Arc<FileConfig>,
    pub baseline: Option<Baseline>,
    pub list_unused: bool,
    /// Paths in findings are relative to the repository root (git modes).
    pub git_relative: bool,
}

impl Filters {
    pub fn apply(&self, outcome: &mut Outcome) {
        let before = outcome.findings.len();
        let s = &self.settings;
        outcome.findings.retain(|f| {
            !s.allow_secrets.iter().any(|a| a == f.fingerprint.as_str())
                && !s.is_excluded(&f.origin.display_path(), self.git_relative)
        });
        outcome.allowed = before - outcome.findings.len();
        if let Some(b) = &self.baseline {
            let (n, unused) = b.filter(&mut outcome.findings);
            outcome.baselined = n;
            if self.list_unused {
                outcome.baseline_unused = Some(unused);
            }
        }
    }
}

impl ScanConfig {
    pub fn from_args(args: ScanArgs) -> Result<ScanConfig> {
        let mut inputs: Vec<Input> = args
            .paths
            .into_iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    Input::Stdin
                } else {
                    Input::Path(p)
                }
            })
            .collect();
        if inputs.is_empty() {
            inputs.push(Input::Path(PathBuf::from(".")));
        }
        if inputs.iter().filter(|i| **i == Input::Stdin).count() > 1 {
            bail!("`-` (stdin) given more than once");
        }
        let threads = match args.threads {
            Some(0) => bail!("--threads must be at least 1"),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let start = match inputs.first() {
            Some(Input::Path(p)) => p.clone(),
            _ => PathBuf::from("."),
        };
        let settings = Arc::new(FileConfig::discover(args.config.as_deref(), &start)?);
        let max_file_size = match args.max_file_size.as_deref() {
            Some(s) => Some(parse_size(s).context("invalid --max-file-size")?),
            None => settings.max_file_size,
        };
        let baseline_path = args.baseline.clone().or_else(|| settings.baseline.clone());
        if args.baseline_unused && baseline_path.is_none() {
            bail!("--baseline-unused needs --baseline FILE (or `baseline` in the config file)");
        }
        let baseline = baseline_path.as_deref().map(Baseline::read).transpose()?;
        let git_mode = if args.staged {
            Some(GitMode::Staged {
                all_lines: args.all_lines,
            })
        } else if let Some(r) = &args.range {
            let Some((from, to)) = r.split_once("..") else {
                bail!("--range wants A..B, got {r:?}");
            };
            if from.is_empty() || to.is_empty() || to.starts_with('.') {
                bail!("--range wants A..B with both ends named, got {r:?}");
            }
            Some(GitMode::Range {
                from: from.to_string(),
                to: to.to_string(),
                all_lines: args.all_lines,
            })
        } else if let Some(rev) = &args.since {
            Some(GitMode::Range {
                from: rev.clone(),
                to: "HEAD".to_string(),
                all_lines: args.all_lines,
            })
        } else if args.git {
            Some(GitMode::History { stash: args.stash })
        } else {
            None
        };
        if git_mode.is_none() && (args.stash || args.all_lines) {
            bail!("--stash and --all-lines need --git, --staged, --range or --since");
        }
        let git = match git_mode {
            None => None,
            Some(mode) => {
                let repo = match inputs.as_slice() {
                    [Input::Path(p)] => p.clone(),
                    [Input::Stdin] => bail!("git modes read a repository, not stdin"),
                    _ => bail!("git modes take at most one repository path"),
                };
                Some(GitConfig {
                    repo,
                    mode,
                    max_blob_size: max_file_size.unwrap_or(DEFAULT_MAX_BLOB_SIZE),
                    threads,
                })
            }
        };
        let git_relative = git.is_some();
        // Checked even without --verify, so that a wrong API base is caught early.
        let verify_settings = verify_config(&args.verify_args, &settings)?;
        let verify = args.verify.then_some(verify_settings);
        Ok(ScanConfig {
            inputs,
            git,
            rules: load_rules_with(&args.rules, &settings)?,
            options: ScanOptions {
                show_invalid: args.show_invalid,
                ignore_allow_markers: args.no_allow_markers,
            },
            walk: WalkConfig {
                respect_ignore: !args.no_ignore,
                follow_links: args.follow,
                max_file_size,
                threads,
                settings: settings.clone(),
            },
            report: report_config(args.output, settings.format),
            filters: Filters {
                settings,
                baseline,
                list_unused: args.baseline_unused,
                git_relative,
            },
            verify,
        })
    }
}

/// The rules of a run: built-ins (unless disabled), `--rules` files, the config file's `rules`,
/// less its `disable_rules`.
pub fn load_rules_with(args: &RuleArgs, settings: &FileConfig) -> Result<RuleSet> {
    let mut paths = args.rules.clone();
    paths.extend(settings.rules.iter().cloned());
    if args.no_builtin_rules && paths.is_empty() {
        bail!("--no-builtin-rules needs at least one --rules PATH");
    }
    let mut set = load_rules(!args.no_builtin_rules, &paths)?;
    for id in &settings.disable_rules {
        let Some(i) = set.rules.iter().position(|r| &r.id == id) else {
            let file = settings
                .source
                .as_ref()
                .map_or_else(String::new, |p| p.display().to_string());
            bail!(
                "{file}: key `disable_rules`: no rule has the id {id:?} (see `patrol rules list`)"
            );
        };
        set.rules.remove(i);
    }
    if set.rules.is_empty() {
        bail!("every rule is disabled: nothing to scan for");
    }
    if !paths.is_empty() {
        // User rules are checked like built-ins are in `cargo test`: a rule whose examples do
        // not match would silently miss leaks, so it is refused.
        let problems = crate::rules::check_examples(&set, |r| !r.source.starts_with("builtin:"));
        if let Some(p) = problems.first() {
            bail!("{p}");
        }
    }
    Ok(set)
}

/// The rules for `patrol rules list|keywords`: as a scan from the current directory would load
/// them (config file included).
pub fn load_rule_args(args: &RuleArgs) -> Result<RuleSet> {
    load_rules_with(args, &FileConfig::discover(None, Path::new("."))?)
}

fn report_config(args: OutputArgs, file_format: Option<Format>) -> ReportConfig {
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    ReportConfig {
        format: args.format.or(file_format).unwrap_or(Format::Text),
        output: args.output,
        show_secrets: args.show_secrets,
        color,
        quiet: args.quiet,
    }
}

/// `123`, `64K`, `10M`, `2G` (binary multiples; a trailing `B`/`iB` is allowed).
pub fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (digits, shift) = match t.chars().last() {
        Some('K' | 'k') => (&t[..t.len() - 1], 10),
        Some('M' | 'm') => (&t[..t.len() - 1], 20),
        Some('G' | 'g') => (&t[..t.len() - 1], 30),
        _ => (t, 0),
    };
    let n: u64 = digits
        .parse()
        .with_context(|| format!("{s:?} is not a size (expected e.g. 1048576, 512K, 10M, 1G)"))?;
    n.checked_mul(1 << shift)
        .with_context(|| format!("{s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("123").unwrap(), 123);
        assert_eq!(parse_size("64K").unwrap(), 64 << 10);
        assert_eq!(parse_size("10MiB").unwrap(), 10 << 20);
        assert_eq!(parse_size("1G").unwrap(), 1 << 30);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("").is_err());
    }
}
