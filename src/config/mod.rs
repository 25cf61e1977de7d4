//! Raw arguments in, validated configuration out: the command line ([`crate::cli`]), the
//! settings file ([`file`], `.patrol.toml`) and the user's own settings ([`user`]) become
//! typed settings for each stage (`WalkOptions`, `GitConfig`, `ScanOptions`, `Suppressor`,
//! `ReportOptions`, `VerifyConfig`) and a loaded `RuleSet`. Nothing raw travels further, and
//! no stage below names this module.
//!
//! # Trust
//!
//! A scanned repository is data, not configuration of the scanner's trust. Its `.patrol.toml`
//! (found in the scanned tree, or named with `--config` inside it):
//! - never chooses where tokens are sent: `github_api` there is ignored, with a warning; the
//!   API base comes from `--github-api`, `PATROL_GITHUB_API` or the user's own settings file;
//! - never makes patrol read outside the repository: its `rules` and `baseline` paths must
//!   stay inside it, through `..`, absolute paths or symbolic links alike;
//! - in a range scan (CI on a pull request), is read from the range's base commit, and so are
//!   its rule files and the baseline: a pull request cannot switch off the check that reviews
//!   it. A range that changes them says so (a notice in every format); `--config-from-head`
//!   opts into the head's versions for teams that review such changes another way.
//!
//! A settings file outside the scanned tree (`--config` elsewhere) is the user's own and is
//! trusted as the command line is.

mod file;
mod user;

use std::io::IsTerminal;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};

use crate::baseline::Baseline;
use crate::cli::{self, ColorChoice, OutputArgs, RuleArgs, ScanArgs, VerifyArgs};
use crate::git::{CommitFiles, GitConfig, GitMode};
use crate::report::{Format, ReportOptions};
use crate::rules::{load_rule_texts, read_rule_files, RuleSet};
use crate::scan::{check_examples, ScanOptions, Suppressor};
use crate::verify::{check_api_base, VerifyConfig, DEFAULT_API};
use crate::walk::{Input, WalkOptions};

pub(crate) use file::FileConfig;

/// The environment variable that names the API base (after `--github-api`).
pub(crate) const API_ENV: &str = "PATROL_GITHUB_API";

/// Most scanning threads accepted: far beyond any machine's useful parallelism, low enough that
/// a typo cannot exhaust the process's threads.
const MAX_THREADS: usize = 1024;

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
    /// What the user must know about the settings themselves (a range that changes them,
    /// a key ignored): shown in every format.
    pub notices: Vec<String>,
}

/// Where a settings file's own paths (rules, baseline) are read from.
enum Source {
    /// The file system. `confine`: the root they must stay inside (a repository's own file);
    /// `None` for the user's own file.
    Disk { confine: Option<PathBuf> },
    /// The base commit of a range; `dir` is the settings file's directory in the tree.
    Commit {
        files: Box<CommitFiles>,
        dir: PathBuf,
    },
}

/// A settings file with where it came from.
struct Settings {
    file: FileConfig,
    source: Source,
    /// The user's own (outside the scanned tree): `github_api` counts.
    trusted: bool,
}

impl Settings {
    fn name(&self) -> String {
        self.file.name.clone().unwrap_or_default()
    }

    /// The text of the file at `rel` (a path written in the settings file), from wherever the
    /// settings came from; refused if it would leave the repository.
    fn read(&self, key: &str, rel: &str) -> Result<Vec<(String, String)>> {
        match &self.source {
            Source::Disk { confine } => {
                let path = self.file.base.join(rel);
                if let Some(root) = confine {
                    check_inside(&path, root)
                        .map_err(|e| anyhow!("{}: key `{key}`: {e}", self.name()))?;
                }
                match key {
                    "rules" => read_rule_files(&path),
                    _ => {
                        let text = std::fs::read_to_string(&path)
                            .with_context(|| format!("cannot read {}", path.display()))?;
                        Ok(vec![(path.display().to_string(), text)])
                    }
                }
            }
            Source::Commit { files, dir } => {
                let at = tree_join(dir, rel)
                    .map_err(|e| anyhow!("{}: key `{key}`: {e}", self.name()))?;
                let text = |data: Vec<u8>, at: &str| -> Result<(String, String)> {
                    let label = files.label(at);
                    String::from_utf8(data)
                        .map(|t| (label.clone(), t))
                        .map_err(|_| anyhow!("{label} is not UTF-8 text"))
                };
                if key == "rules" {
                    if let Some(names) = files.list(&at)? {
                        let mut out = Vec::new();
                        for n in names.iter().filter(|n| n.ends_with(".toml")) {
                            let p = format!("{at}/{n}");
                            if let Some(data) = files.read(&p)? {
                                out.push(text(data, &p)?);
                            }
                        }
                        return Ok(out);
                    }
                }
                match files.read(&at)? {
                    Some(data) => Ok(vec![text(data, &at)?]),
                    None => bail!(
                        "{}: key `{key}`: {} does not exist",
                        self.name(),
                        files.label(&at)
                    ),
                }
            }
        }
    }
}

/// Errors unless `path`, with every symbolic link resolved, lies inside `root`.
fn check_inside(path: &Path, root: &Path) -> Result<()> {
    let root = root
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", root.display()))?;
    let real = path
        .canonicalize()
        .with_context(|| format!("cannot read {}", path.display()))?;
    if !real.starts_with(&root) {
        bail!(
            "{} leaves the repository ({}): a repository's settings may name only its own files",
            path.display(),
            root.display()
        );
    }
    Ok(())
}

/// `dir/rel` as a path in a tree, refusing anything that leaves it.
fn tree_join(dir: &Path, rel: &str) -> Result<String> {
    let mut parts: Vec<String> = dir
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir if !parts.is_empty() => {
                parts.pop();
            }
            _ => bail!("{rel:?} leaves the repository"),
        }
    }
    if parts.is_empty() {
        bail!("{rel:?} names no file");
    }
    Ok(parts.join("/"))
}

/// Whether `path` lies inside `root` (both resolved as far as they exist).
fn is_inside(path: &Path, root: &Path) -> bool {
    let resolve = |p: &Path| {
        p.canonicalize()
            .unwrap_or_else(|_| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
    };
    resolve(path).starts_with(resolve(root))
}

/// Liveness-check settings: the API base from `--github-api`, `PATROL_GITHUB_API`, the
/// user's settings or a trusted settings file (never a scanned repository's own), in that
/// order; limits checked so that no value can overflow a clock or exhaust threads.
pub(crate) fn verify_config(args: &VerifyArgs, trusted_api: Option<&str>) -> Result<VerifyConfig> {
    let api = api_base(args.github_api.as_deref(), trusted_api)?;
    let within = |name: &str, v: u64, lo: u64, hi: u64| -> Result<()> {
        if v < lo || v > hi {
            bail!("{name} must be between {lo} and {hi}, got {v}");
        }
        Ok(())
    };
    within("--verify-timeout", args.verify_timeout, 1, 600)?;
    within("--verify-deadline", args.verify_deadline, 1, 7 * 86_400)?;
    within(
        "--verify-concurrency",
        args.verify_concurrency as u64,
        1,
        64,
    )?;
    within("--verify-cache-ttl", args.verify_cache_ttl, 0, 366 * 86_400)?;
    if !(args.verify_rate > 0.0 && args.verify_rate <= 1000.0) {
        bail!(
            "--verify-rate must be more than 0 and at most 1000 requests per second, got {}",
            args.verify_rate
        );
    }
    Ok(VerifyConfig {
        api,
        timeout: Duration::from_secs(args.verify_timeout),
        deadline: Duration::from_secs(args.verify_deadline),
        concurrency: args.verify_concurrency,
        rate: args.verify_rate,
        cache: args.verify_cache.clone(),
        cache_ttl: Duration::from_secs(args.verify_cache_ttl),
    })
}

/// The API base tokens may be sent to: `--github-api` (`flag`), `PATROL_GITHUB_API`, the
/// user's settings file, a trusted settings file, else GitHub's; checked, without a trailing
/// slash.
pub(crate) fn api_base(flag: Option<&str>, trusted_api: Option<&str>) -> Result<String> {
    let api = match flag {
        Some(a) => a.to_string(),
        None => match std::env::var(API_ENV) {
            Ok(a) if !a.is_empty() => a,
            _ => user::UserConfig::load()?
                .github_api
                .or_else(|| trusted_api.map(str::to_string))
                .unwrap_or_else(|| DEFAULT_API.to_string()),
        },
    };
    check_api_base(&api).context("invalid API base (--github-api)")?;
    Ok(api.trim_end_matches('/').to_string())
}

/// The repository's settings as `patrol verify`, `revoke` and `rules` see them (found from
/// the current directory; `github_api` there is ignored with a warning).
pub(crate) fn local_settings() -> Result<FileConfig> {
    let (found, _) = FileConfig::find(Path::new("."));
    let file = match found {
        Some(p) => FileConfig::read(&p)?,
        None => FileConfig::default(),
    };
    warn_ignored_api(&file);
    Ok(file)
}

fn warn_ignored_api(file: &FileConfig) {
    if file.github_api.is_some() {
        eprintln!(
            "patrol: warning: {}: `github_api` ignored: a scanned repository's settings cannot \
             choose where tokens are sent (use --github-api, {API_ENV} or {})",
            file.name.as_deref().unwrap_or(file::FILE_NAME),
            user::UserConfig::display_path()
        );
    }
}

impl ScanConfig {
    /// `baseline`: whether the baseline applies (not when writing one).
    pub(crate) fn from_args(args: ScanArgs, baseline: bool) -> Result<ScanConfig> {
        let mut inputs: Vec<Input> = args
            .paths
            .iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    Input::Stdin
                } else {
                    Input::Path(p.clone())
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
            Some(n) if n == 0 || n > MAX_THREADS => {
                bail!("--threads must be between 1 and {MAX_THREADS}, got {n}")
            }
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let mut git_mode = git_mode(&args)?;
        let mut pathspecs = args.pathspecs.clone();
        if args.pre_commit {
            // The files a pre-commit framework passes: their staged versions when something is
            // staged (a commit), else the files themselves (`pre-commit run --all-files`).
            // The git layer decides (GitMode::PreCommit); the files are both its pathspec and,
            // when nothing is staged, the inputs.
            let files: Vec<PathBuf> = args.paths.iter().chain(&args.pathspecs).cloned().collect();
            git_mode = Some(GitMode::PreCommit {
                all_lines: args.all_lines,
            });
            inputs = files.iter().cloned().map(Input::Path).collect();
            if inputs.is_empty() {
                inputs.push(Input::Path(PathBuf::from(".")));
            }
            pathspecs = files;
        } else if git_mode.is_none() {
            // After `--` outside git modes: more files to scan.
            inputs.extend(pathspecs.drain(..).map(Input::Path));
        }
        let repo_path = match (&git_mode, inputs.as_slice()) {
            (None, _) => None,
            (Some(GitMode::PreCommit { .. }), _) => Some(PathBuf::from(".")),
            (Some(_), [Input::Path(p)]) => Some(p.clone()),
            (Some(_), [Input::Stdin]) => bail!("git modes read a repository, not stdin"),
            (Some(_), _) => bail!(
                "git modes take at most one repository path; to limit the scan to paths, put \
                 them after `--` (patrol scan --git -- src/)"
            ),
        };
        let mut notices = Vec::new();
        let settings = load_settings(
            &args,
            &inputs,
            &git_mode,
            repo_path.as_deref(),
            &mut notices,
        )?;
        let max_file_size = match args.max_file_size.as_deref() {
            Some(s) => Some(parse_size(s).context("invalid --max-file-size")?),
            None => settings.file.max_file_size,
        };
        let baseline = if baseline {
            load_baseline(&args, &settings)?
        } else {
            None
        };
        if args.baseline_unused && args.baseline.is_none() && settings.file.baseline.is_none() {
            bail!("--baseline-unused needs --baseline FILE (or `baseline` in the config file)");
        }
        let git = match (git_mode, repo_path) {
            (Some(mode), Some(repo)) => Some(GitConfig {
                pathspec: if pathspecs.is_empty() {
                    None
                } else {
                    Some(crate::git::Pathspec::new(&repo, &pathspecs)?)
                },
                repo,
                mode,
                max_blob_size: max_file_size,
                threads,
                links: !args.no_links,
                shard: args.shard,
            }),
            _ => None,
        };
        let trusted_api = settings
            .trusted
            .then(|| settings.file.github_api.clone())
            .flatten();
        if !settings.trusted {
            warn_ignored_api(&settings.file);
        }
        // Checked even without --verify, so that a wrong API base is caught early.
        let verify_settings = verify_config(&args.verify_args, trusted_api.as_deref())?;
        let verify = args.verify.then_some(verify_settings);
        let rules = load_rules_with(&args.rules, &settings)?;
        let suppress = Arc::new(Suppressor {
            allow_secrets: settings.file.allow_secrets.clone(),
            exclude: settings.file.exclude_paths.clone(),
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
                decode_depth: if args.no_decode { 0 } else { args.decode_depth },
            },
            walk: WalkOptions {
                respect_ignore: !args.no_ignore,
                follow_links: args.follow,
                max_file_size,
                threads,
                suppress: suppress.clone(),
                shard: args.shard,
            },
            report: report_options(args.output, settings.file.format),
            suppress,
            verify,
            notices,
        })
    }
}

/// The git mode the flags ask for, if any.
fn git_mode(args: &ScanArgs) -> Result<Option<GitMode>> {
    let mode = if args.staged {
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
    } else if args.pre_push {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        match (var("PRE_COMMIT_FROM_REF"), var("PRE_COMMIT_TO_REF")) {
            (Some(from), Some(to)) => Some(GitMode::Range {
                from,
                to,
                all_lines: args.all_lines,
            }),
            (None, None) => Some(GitMode::History { stash: false }),
            _ => bail!(
                "--pre-push needs both PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF (pre-commit \
                 sets them in its pre-push hook), or neither"
            ),
        }
    } else {
        None
    };
    if args.shard.is_some() && matches!(mode, Some(GitMode::Staged { .. } | GitMode::Range { .. }))
        || args.shard.is_some() && args.pre_commit
    {
        bail!("--shard applies to file scans and --git (history), not to staged changes or ranges");
    }
    if args.stash && !matches!(mode, Some(GitMode::History { .. })) {
        bail!("--stash applies to --git (history) only");
    }
    if args.all_lines
        && !args.pre_commit
        && !matches!(mode, Some(GitMode::Staged { .. } | GitMode::Range { .. }))
    {
        bail!(
            "--all-lines applies to --staged, --pre-commit, --range and --since (a history or \
             file scan reports every line already)"
        );
    }
    if args.config_from_head && !matches!(mode, Some(GitMode::Range { .. })) {
        bail!("--config-from-head needs --range or --since");
    }
    Ok(mode)
}

/// The settings file of a scan and where it came from; see the module docs on trust.
fn load_settings(
    args: &ScanArgs,
    inputs: &[Input],
    mode: &Option<GitMode>,
    repo: Option<&Path>,
    notices: &mut Vec<String>,
) -> Result<Settings> {
    let start = match inputs.first() {
        Some(Input::Path(p)) => p.clone(),
        _ => PathBuf::from("."),
    };
    // The root of what is scanned: the repository, or the tree holding the first input.
    let (found, root) = FileConfig::find(&start);
    let scanned: Vec<PathBuf> = inputs
        .iter()
        .filter_map(|i| match i {
            Input::Path(p) => Some(p.clone()),
            Input::Stdin => None,
        })
        .chain(std::iter::once(root.clone()))
        .collect();
    let (path, explicit) = match &args.config {
        Some(p) => (Some(p.clone()), true),
        None => (found, false),
    };
    // The user's own file, outside everything scanned: trusted like the command line.
    if let Some(p) = &path {
        if explicit && !scanned.iter().any(|s| is_inside(p, s)) {
            return Ok(Settings {
                file: FileConfig::read(p)?,
                source: Source::Disk { confine: None },
                trusted: true,
            });
        }
    }
    if let (Some(GitMode::Range { from, to, .. }), false) = (mode, args.config_from_head) {
        let repo = repo.unwrap_or(Path::new("."));
        return base_side_settings(path.as_deref(), repo, from, to, args, notices);
    }
    let file = match &path {
        Some(p) => FileConfig::read(p)?,
        None => FileConfig::default(),
    };
    Ok(Settings {
        file,
        source: Source::Disk {
            confine: Some(root),
        },
        trusted: false,
    })
}

/// A range's settings, read from its base commit `from`; notices for each settings file the
/// range changes.
fn base_side_settings(
    path: Option<&Path>,
    repo: &Path,
    from: &str,
    to: &str,
    args: &ScanArgs,
    notices: &mut Vec<String>,
) -> Result<Settings> {
    let base = CommitFiles::open(repo, from)?;
    let head = CommitFiles::open(repo, to)?;
    let root = base.root();
    // The settings file's path in the tree.
    let rel = match path {
        Some(p) => tree_path_of(p, &root)?,
        None => file::FILE_NAME.to_string(),
    };
    let dir = Path::new(&rel)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let file = match base.read(&rel)? {
        Some(data) => {
            let text = String::from_utf8(data)
                .map_err(|_| anyhow!("{} is not UTF-8 text", base.label(&rel)))?;
            FileConfig::parse(&text, &base.label(&rel), &root.join(&dir))?
        }
        None => FileConfig::default(),
    };
    // What the range changes among the files that decide what is reported.
    let mut watched = vec![rel.clone()];
    for r in &file.rules {
        watched.push(tree_join(&dir, r)?);
    }
    let baseline = match &args.baseline {
        Some(b) => Some(tree_path_of(b, &root).ok()),
        None => file.baseline.as_ref().map(|b| tree_join(&dir, b).ok()),
    };
    if let Some(Some(b)) = &baseline {
        watched.push(b.clone());
    }
    if let (Some(b), Some(Some(rel))) = (&args.baseline, &baseline) {
        if base.id(rel)?.is_none() {
            notices.push(format!(
                "the baseline {} does not exist at {from} (the range's base): nothing is \
                 baselined",
                b.display()
            ));
        }
    }
    for p in watched {
        if base.id(&p)? != head.id(&p)? {
            notices.push(format!(
                "the range {from}..{to} changes {p}; patrol used the version at {from} (the \
                 range's base), so a change cannot switch off the check that reviews it. \
                 --config-from-head uses the head's settings instead."
            ));
        }
    }
    Ok(Settings {
        file,
        source: Source::Commit {
            files: Box::new(base),
            dir,
        },
        trusted: false,
    })
}

/// `p` (a path on disk) as a path in the repository rooted at `root`.
fn tree_path_of(p: &Path, root: &Path) -> Result<String> {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let root_abs = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let parent = abs.parent().map(Path::to_path_buf).unwrap_or_default();
    let parent = parent.canonicalize().unwrap_or(parent);
    let abs = match abs.file_name() {
        Some(n) => parent.join(n),
        None => parent,
    };
    let rel = abs.strip_prefix(&root_abs).map_err(|_| {
        anyhow!(
            "{} is outside the repository {}",
            p.display(),
            root.display()
        )
    })?;
    tree_join(Path::new(""), &rel.to_string_lossy())
}

/// The baseline: `--baseline` or the settings' `baseline`. In a range scan, a baseline inside
/// the repository is read from the base commit, like the settings.
fn load_baseline(args: &ScanArgs, settings: &Settings) -> Result<Option<Baseline>> {
    let parse = |(name, text): (String, String)| Baseline::parse(&text, &name);
    match (&args.baseline, &settings.source) {
        (Some(p), Source::Commit { files, .. }) => match tree_path_of(p, &files.root()) {
            Ok(rel) => match files.read(&rel)? {
                Some(data) => {
                    let text = String::from_utf8(data)
                        .map_err(|_| anyhow!("{} is not UTF-8 text", files.label(&rel)))?;
                    Ok(Some(parse((files.label(&rel), text))?))
                }
                None => Ok(None),
            },
            // Outside the repository: the user's own file.
            Err(_) => Ok(Some(Baseline::read(p)?)),
        },
        (Some(p), Source::Disk { .. }) => Ok(Some(Baseline::read(p)?)),
        (None, _) => match &settings.file.baseline {
            Some(rel) => {
                let mut texts = settings.read("baseline", rel)?;
                Ok(texts.pop().map(parse).transpose()?)
            }
            None => Ok(None),
        },
    }
}

/// The rules of a run: built-ins (unless disabled), `--rules` files, the settings' `rules`,
/// less its `disable_rules`.
fn load_rules_with(args: &RuleArgs, settings: &Settings) -> Result<RuleSet> {
    let mut texts = Vec::new();
    for p in &args.rules {
        texts.extend(read_rule_files(p)?);
    }
    for r in &settings.file.rules {
        texts.extend(settings.read("rules", r)?);
    }
    if args.no_builtin_rules && texts.is_empty() {
        bail!("--no-builtin-rules needs at least one --rules PATH");
    }
    let user_rules = !texts.is_empty();
    let mut set = load_rule_texts(!args.no_builtin_rules, texts)?;
    for notice in &set.notices {
        // A repository's settings can name the config these come from: its rule ids are text
        // like any other, redacted and made terminal-safe.
        eprintln!(
            "patrol: warning: {}",
            crate::report::escape::terminal(&crate::scan::redact_message(notice))
        );
    }
    for id in &settings.file.disable_rules {
        let Some(i) = set.rules.iter().position(|r| &r.id == id) else {
            bail!(
                "{}: key `disable_rules`: no rule has the id {id:?} (see `patrol rules list`)",
                settings.name()
            );
        };
        set.rules.remove(i);
    }
    if set.rules.is_empty() {
        bail!("every rule is disabled: nothing to scan for");
    }
    if user_rules {
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
/// them (settings file included).
pub(crate) fn load_rule_args(args: &RuleArgs) -> Result<RuleSet> {
    let (found, root) = FileConfig::find(Path::new("."));
    let file = match found {
        Some(p) => FileConfig::read(&p)?,
        None => FileConfig::default(),
    };
    let settings = Settings {
        file,
        source: Source::Disk {
            confine: Some(root),
        },
        trusted: false,
    };
    load_rules_with(args, &settings)
}

/// Report settings from flags, the settings' `format`, and whether stdout is a terminal.
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
        cli::Format::Csv => Format::Csv,
        cli::Format::Html => Format::Html,
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
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("123").unwrap(), 123);
        assert_eq!(parse_size("64K").unwrap(), 64 << 10);
        assert_eq!(parse_size("10MiB").unwrap(), 10 << 20);
        assert_eq!(parse_size("1G").unwrap(), 1 << 30);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn tree_paths_never_leave_the_tree() {
        assert_eq!(tree_join(Path::new("a"), "b/c.toml").unwrap(), "a/b/c.toml");
        assert_eq!(tree_join(Path::new("a"), "../b").unwrap(), "b");
        assert!(tree_join(Path::new(""), "../b").is_err());
        assert!(tree_join(Path::new("a"), "../../b").is_err());
        assert!(tree_join(Path::new(""), "/etc/passwd").is_err());
        assert!(tree_join(Path::new(""), ".").is_err());
    }
}
