//! Raw arguments in, validated configuration out: the command line ([`crate::cli`]) and the
//! team's settings file ([`file`], `.patrol.toml`) become typed settings for each stage
//! (`WalkOptions`, `GitConfig`, `ScanOptions`, `Suppressor`, `ReportOptions`, `VerifyConfig`)
//! and a loaded `RuleSet`. Nothing raw travels further, and no stage below names this module.

mod file;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use crate::baseline::Baseline;
use crate::cli::{self, ColorChoice, OutputArgs, RuleArgs, ScanArgs, VerifyArgs};
use crate::git::{GitConfig, GitMode, DEFAULT_MAX_BLOB_SIZE};
use crate::report::{Format, ReportOptions};
use crate::rules::{load_rules, RuleSet};
use crate::scan::{check_examples, ScanOptions, Suppressor};
use crate::verify::{check_api_base, VerifyConfig, DEFAULT_API};
use crate::walk::{Input, WalkOptions};

pub(crate) use file::FileConfig;

/// Everything a scan needs, checked.
pub(crate) struct ScanConfig {
    pub inputs: Vec<Input>,
    /// Set for git modes (history, range, staged); `inputs` is then unused.
    pub git: Option<GitConfig>,
    pub rules: RuleSet,
    pub options: ScanOptions,
    pub walk: WalkOptions,
    pub report: ReportOptions,
    /// The suppression stage (allow list, exclusions, baseline); shared with the walker.
    pub suppress: Arc<Suppressor>,
    /// Set with `--verify`.
    pub verify: Option<VerifyConfig>,
}

/// Liveness-check settings from flags and the config file's `github_api`.
pub(crate) fn verify_config(args: &VerifyArgs, settings: &FileConfig) -> Result<VerifyConfig> {
    let api = args
        .github_api
        .clone()
        .or_else(|| settings.github_api.clone())
        .unwrap_or_else(|| DEFAULT_API.to_string());
    check_api_base(&api).context("invalid --github-api")?;
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

impl ScanConfig {
    /// `baseline`: whether the baseline applies (not when writing one).
    pub(crate) fn from_args(args: ScanArgs, baseline: bool) -> Result<ScanConfig> {
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
        let baseline = match baseline_path.as_deref() {
            Some(p) if baseline => Some(Baseline::read(p)?),
            _ => None,
        };
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
        // Checked even without --verify, so that a wrong API base is caught early.
        let verify_settings = verify_config(&args.verify_args, &settings)?;
        let verify = args.verify.then_some(verify_settings);
        let rules = load_rules_with(&args.rules, &settings)?;
        let suppress = Arc::new(Suppressor {
            allow_secrets: settings.allow_secrets.clone(),
            exclude: settings.exclude_paths.clone(),
            baseline,
            list_unused: args.baseline_unused,
        });
        Ok(ScanConfig {
            inputs,
            git,
            rules,
            options: ScanOptions {
                show_invalid: args.show_invalid,
                ignore_allow_markers: args.no_allow_markers,
            },
            walk: WalkOptions {
                respect_ignore: !args.no_ignore,
                follow_links: args.follow,
                max_file_size,
                threads,
                suppress: suppress.clone(),
            },
            report: report_options(args.output, settings.format),
            suppress,
            verify,
        })
    }
}

/// The rules of a run: built-ins (unless disabled), `--rules` files, the config file's `rules`,
/// less its `disable_rules`.
pub(crate) fn load_rules_with(args: &RuleArgs, settings: &FileConfig) -> Result<RuleSet> {
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
        let problems = check_examples(&set, |r| !r.source.starts_with("builtin:"));
        if let Some(p) = problems.first() {
            bail!("{p}");
        }
    }
    Ok(set)
}

/// The rules for `patrol rules list|keywords`: as a scan from the current directory would load
/// them (config file included).
pub(crate) fn load_rule_args(args: &RuleArgs) -> Result<RuleSet> {
    load_rules_with(args, &FileConfig::discover(None, Path::new("."))?)
}

/// Report settings from flags, the config file's `format`, and whether stdout is a terminal.
pub(crate) fn report_options(args: OutputArgs, file_format: Option<Format>) -> ReportOptions {
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    ReportOptions {
        format: args
            .format
            .map(format)
            .or(file_format)
            .unwrap_or(Format::Text),
        output: args.output,
        show_secrets: args.show_secrets,
        color,
        quiet: args.quiet,
    }
}

/// The report format named on the command line.
pub(crate) fn format(f: cli::Format) -> Format {
    match f {
        cli::Format::Text => Format::Text,
        cli::Format::Json => Format::Json,
        cli::Format::Jsonl => Format::Jsonl,
        cli::Format::Sarif => Format::Sarif,
    }
}

/// `123`, `64K`, `10M`, `2G` (binary multiples; a trailing `B`/`iB` is allowed).
pub(crate) fn parse_size(s: &str) -> Result<u64> {
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
