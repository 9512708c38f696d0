#!/usr/bin/env bash
# make bench: builds the release zips as `make deploy ARCH=x86_64` does (cargo lambda, x86_64; only
# the three functions' packages, so the test harness is not linked with fat LTO for nothing), unzips
# the bootstraps and measures them against the local AWS (tests/src/bin/bench/). Prints a table and
# saves it as JSON in target/bench/. The first build takes 10-20 min on 2 idle cores.
#
# env: BENCH_PROFILE=release (default) | release-plain (the same functions without the size and
#      start-up tuning of [profile.release], to measure what it buys; built once by hand, not in CI)
#      BENCH_COLD_RUNS, BENCH_CYCLES, BENCH_SPEED, BENCH_READY_RUNS: see the bench's own header
set -euo pipefail
source "$(dirname "$0")/terraform-common.sh"
cd "$REPO_ROOT"

profile="${BENCH_PROFILE:-release}"
case "$profile" in
  release) build_flags=(--release) build_env=() zips=target/lambda ;;
  # cargo lambda adds -C target-cpu=haswell only with --release; the same here, so that only the
  # profile differs.
  release-plain) build_flags=(--profile release-plain --lambda-dir target/lambda-release-plain)
    build_env=(RUSTFLAGS="-C target-cpu=haswell") zips=target/lambda-release-plain ;;
  *) die "BENCH_PROFILE must be release or release-plain, not $profile" ;;
esac
out=target/bench
binaries="$out/bin/$profile"

scripts/setup.sh --deploy
echo "==> building the functions (cargo lambda, $profile, x86_64)"
env "${build_env[@]}" cargo lambda build "${build_flags[@]}" --x86-64 --output-format zip "${FUNCTIONS[@]/#/--package=}"
cargo build --quiet -p lifecycle-tests --bin bench

for fn in "${FUNCTIONS[@]}"; do
  rm -rf "${binaries:?}/$fn"
  mkdir -p "$binaries/$fn"
  python3 -m zipfile -e "$zips/$fn/bootstrap.zip" "$binaries/$fn"
  chmod +x "$binaries/$fn/bootstrap"
done

echo "==> measuring (about 12 minutes)"
export BENCH_PROFILE="$profile" BENCH_ZIPS="$zips" BENCH_BINARIES="$binaries" BENCH_OUT="$out"
BENCH_TOOLCHAIN="$(rustc --version), $(cargo lambda --version | head -1), moto $(python3 -c 'import moto; print(moto.__version__)')"
export BENCH_TOOLCHAIN
target/debug/bench
