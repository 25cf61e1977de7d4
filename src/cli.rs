//! The command line as clap sees it: types and help text only, no logic. Doc comments here are
//! the `--help` text. [`crate::config`] turns these raw values into a validated `Config`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// patrol finds leaked access tokens (GitHub's first) in files, proves offline that each one is
/// a real token (GitHub tokens carry a checksum) and reports it, redacted.
///
/// Exit codes: 0 nothing found; 1 findings; 2 error (bad arguments or rules, or a scan that
/// could not read something it was asked to read: incomplete, findings still reported); 3 a
/// token found live (with --verify, or `patrol verify`). 3 wins over 2, 2 over 1.
#[derive(Debug, Parser)]
#[command(name = "patrol", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (default: the current directory) for leaked tokens.
    ///
    /// Directories are walked in parallel. .gitignore, .ignore and git's exclude files are
    /// respected; hidden files (.env!) are scanned; .git directories never are. Symlinks are not
    /// followed unless --follow. FIFOs, sockets and devices are skipped. `-` reads stdin.
    Scan(ScanArgs),
    /// Record today's findings in a baseline file (no secrets: fingerprint, rule, path), so
    /// that `scan --baseline FILE` reports only new ones. Takes every `scan` option.
    Baseline(BaselineArgs),
    /// Check whether tokens are live, against the GitHub API (read-only requests). Tokens come
    /// from the arguments or, with `-`, stdin: one per line, or patrol's own JSON/JSONL findings
    /// produced with --show-secrets. Exit 3 if any token is live, else 0.
    Verify {
        /// Tokens, or `-` for stdin.
        #[arg(value_name = "TOKEN")]
        tokens: Vec<String>,
        #[command(flatten)]
        verify: VerifyArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Report leaked tokens to GitHub's credential revocation API, which revokes them and emails
    /// their owners. Irreversible: asks for confirmation on a terminal, or needs --yes.
    Revoke {
        /// Tokens (ghp_, github_pat_, gho_, ghu_, ghr_), or `-` for stdin (as for verify).
        #[arg(value_name = "TOKEN")]
        tokens: Vec<String>,
        /// Do not ask: revoke (for scripts; without a terminal this is required).
        #[arg(long)]
        yes: bool,
        /// API base: https://api.github.com, https://HOST/api/v3 (GHES), https://api.TENANT.ghe.com.
        #[arg(long, value_name = "URL")]
        github_api: Option<String>,
    },
    /// Install patrol as a git pre-commit hook.
    Hook {
        #[command(subcommand)]
        command: HookCommand,
    },
    /// Combine JSON reports (`scan --format json`) of shards, or of several repositories, into
    /// one report in any format (html for a page to hand over). Findings are deduplicated by secret and place; a secret a
    /// history holds in blobs that different shards scanned is one finding, with the earliest
    /// introducing commit. Secrets stay as redacted as the reports were. Exits as a scan
    /// would on the combined findings.
    Merge(MergeArgs),
    /// Inspect the rule catalog.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("mode").multiple(false))]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input. With --git, --staged, --range
    /// or --since: the repository (default: the one containing the current directory).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// After `--`: with --git, --staged, --range or --since, limit the scan to files at these
    /// paths (files or directories relative to the current directory, or globs), as
    /// `git log -- PATH` would; commit messages are then not scanned. Otherwise: more files to
    /// scan.
    #[arg(last = true, value_name = "PATHSPEC")]
    pub pathspecs: Vec<PathBuf>,

    /// Audit git history: every blob in the repository's object database (reachable from any
    /// ref, or left unreachable by amends, rebases and resets) once, plus commit and tag
    /// messages. Each finding names the commit that introduced it.
    #[arg(long, group = "mode")]
    pub git: bool,

    /// Pre-commit: scan what `git commit` would record (the index against HEAD); only lines
    /// the staged change adds, unless --all-lines.
    #[arg(long, group = "mode")]
    pub staged: bool,

    /// For pre-commit frameworks, which pass file names: when the index holds staged changes,
    /// scan the staged version of the given files (as --staged); otherwise the files
    /// themselves, whole (so `pre-commit run --all-files` checks what is committed).
    #[arg(long, group = "mode")]
    pub pre_commit: bool,

    /// For pre-commit's pre-push hook: scan what the pushed commits introduced,
    /// PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF (set by pre-commit); a push of history that
    /// reaches a root commit, where pre-commit sets no range, scans the whole history.
    #[arg(long, group = "mode")]
    pub pre_push: bool,

    /// With --staged or a range: report secrets anywhere in the changed files, not only on
    /// added lines.
    #[arg(long)]
    pub all_lines: bool,

    /// CI: scan only what the commits in A..B introduced (as `git rev-list A..B`).
    #[arg(long, value_name = "A..B", group = "mode")]
    pub range: Option<String>,

    /// CI: scan what the commits since REV introduced (REV..HEAD).
    #[arg(long, value_name = "REV", group = "mode")]
    pub since: Option<String>,

    /// With --range or --since: read .patrol.toml, its rule files and the baseline from the
    /// work tree (the head) instead of the range's base commit. By default a pull request
    /// cannot change the settings of the check that reviews it; use this only where changes to
    /// those files are reviewed another way.
    #[arg(long)]
    pub config_from_head: bool,

    /// With --git: treat the stash (refs/stash) as a ref; without it, stash-only objects are
    /// still scanned but reported as unreachable.
    #[arg(long)]
    pub stash: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub rules: RuleArgs,

    /// Also report candidates whose offline check failed (placeholders, typos), marked
    /// checksum-invalid or structure-invalid.
    #[arg(long)]
    pub show_invalid: bool,

    /// Report findings even on lines with an allow marker (patrol:allow, gitleaks:allow, ...).
    #[arg(long)]
    pub no_allow_markers: bool,

    /// How many encodings deep to look for secrets: base64, hex, percent-encoding, escapes,
    /// HTML entities, UTF-16, compressed streams (gzip, zlib, bzip2, xz, zstd) and archives
    /// (zip, jar, whl, docx…, tar), and these inside each other (base64 of base64 is 2, a
    /// .tar.gz is 2).
    #[arg(long, value_name = "N", default_value_t = crate::scan::DEFAULT_DECODE_DEPTH,
          value_parser = clap::value_parser!(u8).range(0..=8))]
    pub decode_depth: u8,

    /// Scan bytes only as written: no decoding, no unpacking (same as --decode-depth 0).
    #[arg(long)]
    pub no_decode: bool,

    /// Git modes: no web links to commits and lines, even where the remote (origin) is on
    /// GitHub, GitLab or Bitbucket.
    #[arg(long)]
    pub no_links: bool,

    /// Do not respect .gitignore, .ignore and git exclude files.
    #[arg(long)]
    pub no_ignore: bool,

    /// Follow symbolic links while walking directories.
    #[arg(long, short = 'L')]
    pub follow: bool,

    /// Skip files (or git blobs) larger than this: bytes, or with a K, M or G suffix. Default:
    /// no limit for files, 64M for git blobs.
    #[arg(long, value_name = "SIZE")]
    pub max_file_size: Option<String>,

    /// Check with the GitHub API whether each token found is live (sends each unique,
    /// offline-valid token once, to the API base only). Exit 3 if any is live.
    #[arg(long)]
    pub verify: bool,

    #[command(flatten)]
    pub verify_args: VerifyArgs,

    /// Settings file [default: .patrol.toml at the repository root, found from any
    /// subdirectory]. Keys are documented in docs/config.md.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Report only findings not recorded in this baseline (see `patrol baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// With a baseline: list its entries that matched nothing in this scan (so the file can be
    /// pruned). Meaningful on a full scan, not on a range or the staged changes.
    #[arg(long)]
    pub baseline_unused: bool,

    /// Number of scanning threads (default: the number of CPUs).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,

    /// Scan share I of N (1-based; e.g. 2/8), for N processes that split one scan: a tree by
    /// file path, a history (--git) by object id. Shards are disjoint and together cover
    /// everything; combine their JSON reports with `patrol merge`.
    #[arg(long, value_name = "I/N", value_parser = crate::scan::Shard::parse)]
    pub shard: Option<crate::scan::Shard>,
}

#[derive(Clone, Debug, Args)]
pub struct VerifyArgs {
    /// API base [default: the config file's `github_api`, else https://api.github.com].
    /// GHES: https://HOST/api/v3; GHE.com: https://api.TENANT.ghe.com. Plain http:// only to
    /// a loopback address.
    #[arg(long, value_name = "URL")]
    pub github_api: Option<String>,
    /// Seconds to wait for one API response.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub verify_timeout: u64,
    /// Seconds for the whole verification; tokens not checked by then are `unknown`.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub verify_deadline: u64,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub verify_concurrency: usize,
    /// Requests per second at most.
    #[arg(long, value_name = "N", default_value_t = 20.0)]
    pub verify_rate: f64,
    /// Keep results in FILE (keyed by fingerprint, never the token) and reuse fresh ones.
    #[arg(long, value_name = "FILE")]
    pub verify_cache: Option<PathBuf>,
    /// How long cached results stay fresh, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    pub verify_cache_ttl: u64,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// The baseline file to write (replaced; its entries are sorted, one per line).
    #[arg(long, value_name = "FILE", default_value = ".patrol-baseline")]
    pub file: PathBuf,

    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports written by `patrol scan --format json` (or by `patrol merge`); `-` reads
    /// one from standard input.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Report format [default: the config file's `format`, else text].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print secrets in full. Without it every output redacts them (prefix + 4 characters).
    #[arg(long)]
    pub show_secrets: bool,

    /// Colour in text output: auto (only on a terminal, and not with NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// No summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Extra rules: a TOML file, or a directory of them. Repeatable.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,

    /// Use only the --rules files, not the built-in rules.
    #[arg(long)]
    pub no_builtin_rules: bool,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write the repository's pre-commit hook (respects core.hooksPath) to run
    /// `patrol scan --staged`. Refuses to replace a hook patrol did not write, unless --force.
    Install {
        /// Replace an existing hook that patrol did not write.
        #[arg(long)]
        force: bool,
        /// The repository (default: the one containing the current directory).
        #[arg(value_name = "REPO")]
        repo: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List every rule: id, provider, offline check (and its grade), whether it needs a
    /// nearby keyword, and name.
    List {
        #[command(flatten)]
        rules: RuleArgs,
        /// `text` (a table) or `json` (an array of rules, with keywords).
        #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Print every keyword spelling the prefilter searches for, one per line (what
    /// benches/compare.sh gives ripgrep).
    Keywords {
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Translate a gitleaks or Betterleaks config: say which rules translate, which do not and
    /// why; with --write, save the translation as a patrol rules file, each rule with an
    /// example made from its own pattern and found by the scanner. (`--rules` reads such a
    /// config directly too.)
    Import {
        /// The gitleaks or Betterleaks TOML config.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Write the translated rules to this file (patrol's schema).
        #[arg(long, value_name = "OUT")]
        write: Option<PathBuf>,
        /// `text` or `json` (counts, rules not translated with reasons, notes).
        #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Check rule files: each loads, ids are unique, every example is found, every negative
    /// is not. A rule author's test loop; exit 0 when all pass, 2 otherwise.
    Check {
        /// Rule files or directories to check (with the built-in rules, for id clashes).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per finding: path:line:column, rule, redacted secret.
    Text,
    /// One JSON document: findings and summary.
    Json,
    /// One JSON object per finding, one per line.
    Jsonl,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// One row per finding, for spreadsheets (cells that would run as formulas start with ').
    Csv,
    /// One self-contained page to hand over: counts, timeline, a sortable and filterable
    /// table, what to do about each secret (no network, no external assets; opens from disk).
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
