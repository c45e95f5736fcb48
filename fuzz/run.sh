#!/usr/bin/env bash
# Runs each fuzz target for a bounded time and reports what it found.
#
#   fuzz/run.sh                      # every target, 60 s each
#   FUZZ_SECONDS=600 fuzz/run.sh model_loader
#
# Needs cargo-fuzz (installed here with `cargo install cargo-fuzz --locked` if missing).
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address, ...); a stable toolchain
# accepts them with RUSTC_BOOTSTRAP=1, which this script sets. FUZZ_TOOLCHAIN=nightly uses
# an installed nightly instead. The first build compiles magloop and polars with coverage
# instrumentation into fuzz/target/ (about 15 minutes on 2 cores); later runs start at once.
#
# Corpus: fuzz/corpus/TARGET/ (kept between runs, git-ignored), seeded read-only from the
# shipped models or scripts and tests/hostile/. Crashes: fuzz/artifacts/TARGET/ (git-ignored),
# with the command to replay one printed. Exit 1 when any target crashed.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-60}"
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  targets=(model_loader script_compiler)
fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
if [ "${FUZZ_TOOLCHAIN:-stable}" = stable ]; then
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
else
  fuzz=(cargo "+${FUZZ_TOOLCHAIN}" fuzz)
fi
# Build settings are part of the cache key: keep these the same for `build` and `run`.
# 16 codegen units build polars far faster than cargo-fuzz's default of 1; the defaults
# otherwise: release, debug assertions and overflow checks on, AddressSanitizer.
build_flags=(--codegen-units 16)

status=0
for target in "${targets[@]}"; do
  case "$target" in
    model_loader) seeds=(../models ../tests/hostile/models ../tests/hostile/experiments) ;;
    script_compiler) seeds=(../scripts ../tests/hostile/scripts) ;;
    *) echo "unknown target $target (model_loader, script_compiler)" >&2; exit 2 ;;
  esac
  mkdir -p "corpus/$target" "artifacts/$target"
  log="artifacts/$target/fuzz.log"
  echo "== $target: ${seconds} s (log: fuzz/$log)"
  # One process (no -jobs/-workers: the machine is shared); -timeout makes an input that
  # takes over 10 s a reported hang; -rss_limit_mb one that needs over 2 GB.
  if "${fuzz[@]}" run "${build_flags[@]}" "$target" "corpus/$target" "${seeds[@]}" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -dict="$target.dict" -print_final_stats=1 >"$log" 2>&1; then
    echo "   no crash"
  else
    status=1
    echo "   CRASH (or build failure): see fuzz/$log"
    grep -E "^(==[0-9]+==|thread '.*' panicked|SUMMARY|artifact_prefix|Test unit written)" "$log" | head -20 || true
    echo "   replay: (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run ${build_flags[*]} $target artifacts/$target/<crash-file>)"
  fi
  grep -E "^(Done [0-9]+ runs|stat::number_of_executed_units|#[0-9]+.*DONE)" "$log" | tail -2 | sed 's/^/   /' || true
done
exit "$status"
