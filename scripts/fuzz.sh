#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for SECONDS each (default 60) on a copy of its
# seed corpus in a temporary folder (what the fuzzer adds is not kept), then prints one
# table: target, seconds, executions, findings. Exits non-zero on any crash, timeout, leak
# or out-of-memory; the inputs that caused them are kept in BUILD_DIR/fuzz-findings/.
# Builds the targets first (configuring BUILD_DIR, default build-san, with the sanitize
# preset's options when it has no cache yet). Usage: scripts/fuzz.sh [SECONDS] [BUILD_DIR]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-60}"
build_dir="${2:-build-san}"
targets=(safetensors checkpoint cifar metrics)
jobs="$(nproc)"

if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake --preset sanitize -B "$build_dir" >/dev/null
fi
grep -q '^MINIDL_FUZZ:BOOL=ON' "$build_dir/CMakeCache.txt" ||
  { echo "fuzz.sh: $build_dir is not configured with -DMINIDL_FUZZ=ON" >&2; exit 2; }
cmake --build "$build_dir" --parallel "$jobs" --target "${targets[@]/%/_fuzz}" >/dev/null

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
findings_dir="$root/$build_dir/fuzz-findings"
symbolizer="$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
[[ -n $symbolizer ]] && export ASAN_SYMBOLIZER_PATH="$symbolizer"
# One thread: the readers are serial, and OpenMP's pool would only add noise to the timing.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

rows=() failed=0
for target in "${targets[@]}"; do
  corpus="$work/$target"
  cp -r "tests/fuzz/corpus/$target" "$corpus"
  mkdir -p "$findings_dir/$target"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$findings_dir/$target/")
  [[ $target == safetensors || $target == checkpoint ]] && options+=(-dict="$root/tests/fuzz/safetensors.dict")
  log="$findings_dir/$target.log"
  echo "fuzzing $target for ${seconds}s (log $log)"
  start=$SECONDS
  status=0
  "$build_dir/tests/fuzz/${target}_fuzz" "${options[@]}" "$corpus" >"$log" 2>&1 || status=$?
  elapsed=$((SECONDS - start))
  execs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)"
  crashes=0 timeouts=0 leaks=0 ooms=0
  if ((status != 0)); then
    if grep -q 'ERROR: libFuzzer: timeout' "$log"; then timeouts=1
    elif grep -q 'ERROR: LeakSanitizer' "$log"; then leaks=1
    elif grep -q 'ERROR: libFuzzer: out-of-memory' "$log"; then ooms=1
    else crashes=1
    fi
    failed=1
    grep -m1 -B2 -A25 'ERROR' "$log" || tail -n 40 "$log"
    grep 'Test unit written to' "$log" || true
  fi
  rows+=("$(printf '%-12s %8d %12d %8d %9d %6d %6d' "$target" "$elapsed" "$execs" "$crashes" "$timeouts" "$leaks" "$ooms")")
done

printf '\n%-12s %8s %12s %8s %9s %6s %6s\n' target seconds executions crashes timeouts leaks ooms
printf '%s\n' "${rows[@]}"
exit "$failed"
