#!/usr/bin/env bash
# Validates SARIF logs with Microsoft's SARIF Multitool: the SARIF 2.1.0 schema (JSON*), the
# spec's rules (SARIF*) and GitHub code scanning's ingestion rules (GH*).
#
#   scripts/validate-sarif.sh FILE...
#
# Installs the multitool once (npm package @microsoft/sarif-multitool-linux, a self-contained
# Linux x64 executable, ~45 MB download) into target/sarif-multitool; later runs reuse it.
# Exits 1 if any file has an error-level result, 2 if the tool itself fails. Warnings and
# notes are printed but do not fail. The multitool's own exit code is 0 even when it reports
# errors, so the errors are counted from the log it writes (target/sarif-multitool/logs/).
#
# Environment: SARIF_MULTITOOL_VERSION (default 5.7.0), SARIF_MULTITOOL_DIR (install folder).
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 FILE.sarif..." >&2
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${SARIF_MULTITOOL_VERSION:-5.7.0}"
dest="${SARIF_MULTITOOL_DIR:-$root/target/sarif-multitool}"
pkg="$dest/node_modules/@microsoft/sarif-multitool-linux"
bin="$pkg/Sarif.Multitool"

for tool in npm node; do
    if ! command -v "$tool" >/dev/null; then
        echo "validate-sarif: $tool is needed (to install and read the multitool's output)" >&2
        exit 2
    fi
done

installed="$(node -p "try { require('$pkg/package.json').version } catch (e) { '' }")"
if [ "$installed" != "$version" ] || [ ! -f "$bin" ]; then
    echo "validate-sarif: installing @microsoft/sarif-multitool-linux@$version into $dest" >&2
    mkdir -p "$dest"
    npm install --prefix "$dest" --no-audit --no-fund --no-update-notifier --loglevel=error \
        "@microsoft/sarif-multitool-linux@$version" >&2
fi
# The package's postinstall does this; repeat it in case npm ran with --ignore-scripts.
chmod u+x "$bin"

# No ICU library needed (and none looked for): validation does not depend on culture data.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="${DOTNET_SYSTEM_GLOBALIZATION_INVARIANT:-1}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1

mkdir -p "$dest/logs"
failed=0
for file in "$@"; do
    if [ ! -f "$file" ]; then
        echo "validate-sarif: $file: no such file" >&2
        exit 2
    fi
    log="$dest/logs/$(basename "$file").validation.sarif"
    rm -f "$log"
    echo "== $file"
    if ! "$bin" validate "$file" --output "$log" --rule-kind "Sarif;Gh" --level "Error;Warning;Note" \
        --log "ForceOverwrite;PrettyPrint"; then
        echo "validate-sarif: the multitool failed on $file" >&2
        exit 2
    fi
    if [ ! -f "$log" ]; then
        echo "validate-sarif: the multitool wrote no log for $file" >&2
        exit 2
    fi
    counts="$(node -e '
        const log = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        const n = { error: 0, warning: 0, note: 0 };
        for (const run of log.runs || []) {
            for (const r of run.results || []) n[r.level || "warning"] = (n[r.level || "warning"] || 0) + 1;
            for (const inv of run.invocations || []) {
                for (const t of inv.toolExecutionNotifications || []) if (t.level === "error") n.error++;
            }
        }
        console.log(`${n.error} ${n.warning} ${n.note}`);
    ' "$log")"
    read -r errors warnings notes <<<"$counts"
    echo "validate-sarif: $file: $errors errors, $warnings warnings, $notes notes (log: $log)"
    if [ "$errors" -gt 0 ]; then
        failed=1
    fi
done
exit "$failed"
