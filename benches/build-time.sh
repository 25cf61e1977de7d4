#!/usr/bin/env bash
# Clean release builds of patrol under several profiles, one after another on this machine:
# wall time of `cargo build --release --locked` from an empty target directory (crates already
# downloaded) and the binary's size. Each build keeps its own target directory,
# target/build-time/NAME (cargo's --timings report in cargo-timings/), so the binaries can
# then be compared with benches/ab.sh.
#
#   benches/build-time.sh [NAME...]     (default: every profile below)
#
# Profiles are set through CARGO_PROFILE_RELEASE_* variables, so Cargo.toml is not edited.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A PROFILES=(
  # cargo's defaults: 16 codegen units, no LTO across crates, no debug info.
  [cargo-default]="CODEGEN_UNITS=16 LTO=false DEBUG=false"
  # Cargo.toml before issue #13: 4 codegen units, thin LTO, line tables.
  [cu4-thin]="CODEGEN_UNITS=4 LTO=thin DEBUG=line-tables-only"
  # 16 codegen units with thin LTO across crates.
  [cu16-thin]="CODEGEN_UNITS=16 LTO=thin DEBUG=line-tables-only"
  # The slowest, most optimising build: one codegen unit, fat LTO.
  [cu1-fat]="CODEGEN_UNITS=1 LTO=fat DEBUG=line-tables-only"
)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(cargo-default cu4-thin cu16-thin cu1-fat)
printf '%-14s %9s %10s\n' profile "build s" "binary MB"
for name in "${names[@]}"; do
  settings=${PROFILES[$name]:?unknown profile $name}
  dir=target/build-time/$name
  rm -rf "$dir"
  env_args=()
  for kv in $settings; do env_args+=("CARGO_PROFILE_RELEASE_$kv"); done
  start=$(date +%s.%N)
  env "${env_args[@]}" CARGO_TARGET_DIR="$dir" cargo build --release --locked --quiet --timings
  end=$(date +%s.%N)
  size=$(stat -c %s "$dir/release/patrol")
  printf '%-14s %9.1f %10.1f\n' "$name" "$(echo "$end - $start" | bc)" "$(echo "scale=1; $size / 1000000" | bc)"
done
