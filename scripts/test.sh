#!/usr/bin/env bash
# The test command (and CI's, through .ci/run): installs what a fresh Debian 12
# machine lacks, then builds and tests, warnings as errors: the default configuration
# in build/ (gcc, CUDA compiled when nvcc is found; with nvcc, also checks that no fused
# CUDA kernel spills registers, scripts/ptxas_spills.sh); the clang CPU-only build with
# AddressSanitizer + UndefinedBehaviorSanitizer in build-san/ (preset `sanitize`: the
# whole CPU suite, then every fuzz target for MINIDL_FUZZ_SECONDS each, default 60, by
# scripts/fuzz.sh); and ThreadSanitizer over the threaded code's tests in build-tsan/
# (preset `tsan`: only the library and tsan_tests are built). Exits non-zero on any failure.
# MINIDL_BUILD_DIR / MINIDL_SAN_BUILD_DIR / MINIDL_TSAN_BUILD_DIR choose other build folders;
# `scripts/test.sh --deps-only` only installs the packages (used by gpu_bundle.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_dir="${MINIDL_BUILD_DIR:-build}"
san_build_dir="${MINIDL_SAN_BUILD_DIR:-build-san}"
tsan_build_dir="${MINIDL_TSAN_BUILD_DIR:-build-tsan}"
fuzz_seconds="${MINIDL_FUZZ_SECONDS:-60}"
jobs="$(nproc)"
packages=(build-essential cmake g++ pkg-config libgtest-dev libgmock-dev googletest libbenchmark-dev
  libopenblas-dev nlohmann-json3-dev libcli11-dev libpng-dev libjpeg62-turbo-dev ccache
  clang-14 libclang-rt-14-dev libomp-14-dev llvm-14)

# ccache (used by the build when present) may share results between clones in different folders.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"

log() { printf '\n==> %s\n' "$*"; }

install_packages() {
  command -v dpkg-query >/dev/null || { log "no dpkg-query: not Debian, skipping package checks"; return; }
  local missing=() package
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$package")
  done
  if ((${#missing[@]} == 0)); then
    log "Debian packages: all present"
    return
  fi
  if ((EUID != 0)); then
    log "missing Debian packages (run as root to install them): ${missing[*]}"
    return
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  local apt_log
  apt_log="$(mktemp)"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
    cat "$apt_log"
    rm -f "$apt_log"
    return 1
  fi
  rm -f "$apt_log"
}

# configure_build_test <build dir> <cmake options...>: logs and ctest's JUnit report stay in
# <build dir>. $targets (space-separated) limits the build, $ctest_label the tests run.
configure_build_test() {
  local dir="$1" target_options=() label_options=()
  shift
  [[ -n ${targets:-} ]] && read -ra target_options <<<"--target ${targets}"
  [[ -n ${ctest_label:-} ]] && label_options=(--label-regex "^${ctest_label}\$")
  log "configure $dir: $*"
  mkdir -p "$dir"
  cmake -S . -B "$dir" -DMINIDL_WERROR=ON "$@" | tee "$dir/configure.log"
  log "build $dir ($jobs jobs) ${target_options[*]}"
  cmake --build "$dir" --parallel "$jobs" "${target_options[@]}"
  log "test $dir"
  ctest --test-dir "$dir" --output-on-failure --parallel "$jobs" --no-tests=error --timeout 900 \
    "${label_options[@]}" --output-junit "$root/$dir/ctest-junit.xml" | tee "$dir/ctest.log"
}

# junit_count <build dir> <attribute>: tests / failures / skipped from ctest's JUnit report.
junit_count() {
  tr '\n\t' '  ' <"$1/ctest-junit.xml" | grep -o -m1 '<testsuite [^>]*' | grep -o " $2=\"[0-9]*\"" |
    grep -o '[0-9]*' || echo 0
}

# summary <build dir> <seconds>: one line per configuration; adds its counts to the totals.
passed=0 failed=0 skipped=0
summary() {
  local dir="$1" seconds="$2" cuda tests failures skips
  cuda="$(grep -o 'minidl: CUDA backend [A-Z]*' "$dir/configure.log" | awk '{print $4}')"
  tests="$(junit_count "$dir" tests)" failures="$(junit_count "$dir" failures)"
  skips="$(junit_count "$dir" skipped)"
  printf '%-12s CUDA %-3s %3dm%02ds  %s\n' "$dir" "${cuda:-OFF}" $((seconds / 60)) $((seconds % 60)) \
    "$(grep -E '^[0-9]+% tests passed' "$dir/ctest.log")"
  passed=$((passed + tests - failures - skips)) failed=$((failed + failures)) skipped=$((skipped + skips))
}

start=$SECONDS
install_packages
[[ ${1:-} == --deps-only ]] && exit 0

configure_build_test "$build_dir" -DMINIDL_CUDA=AUTO -DMINIDL_BUILD_TESTS=ON \
  -DMINIDL_BUILD_BENCHMARKS=ON -DMINIDL_BUILD_EXAMPLES=ON
default_seconds=$((SECONDS - start))

log "ptxas: registers and spills of the fused CUDA kernels ($build_dir/ptxas_spills.log)"
scripts/ptxas_spills.sh >"$build_dir/ptxas_spills.log" 2>&1 || { cat "$build_dir/ptxas_spills.log"; exit 1; }
tail -n 1 "$build_dir/ptxas_spills.log"

# The sanitizers' reports end the test at once (-fno-sanitize-recover), with symbolized stacks.
symbolizer="$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)"
[[ -n $symbolizer ]] && export ASAN_SYMBOLIZER_PATH="$symbolizer" TSAN_SYMBOLIZER_PATH="$symbolizer"
export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
stage_start=$SECONDS
configure_build_test "$san_build_dir" --preset sanitize
san_seconds=$((SECONDS - stage_start))

log "fuzz: every target for ${fuzz_seconds}s ($san_build_dir/fuzz-findings/)"
stage_start=$SECONDS
scripts/fuzz.sh "$fuzz_seconds" "$san_build_dir" | tee "$san_build_dir/fuzz.log"
fuzz_seconds_taken=$((SECONDS - stage_start))

# OpenMP's barriers are invisible to ThreadSanitizer: LLVM's Archer tool (libarcher, loaded by
# the OpenMP runtime through OMPT) tells it about them; scripts/tsan.supp names what is left,
# inside the OpenMP runtime only.
archer="$(ls /usr/lib/llvm-14/lib/libarcher.so 2>/dev/null || true)"
[[ -n $archer ]] && export OMP_TOOL_LIBRARIES="$archer"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/scripts/tsan.supp"
stage_start=$SECONDS
targets="tsan_tests" ctest_label=tsan configure_build_test "$tsan_build_dir" --preset tsan
tsan_seconds=$((SECONDS - stage_start))

log "summary (skipped: GPU tests without a GPU)"
summary "$build_dir" "$default_seconds"
summary "$san_build_dir" "$san_seconds"
printf '%-12s fuzz     %3dm%02ds  %s\n' "fuzz.sh" $((fuzz_seconds_taken / 60)) $((fuzz_seconds_taken % 60)) \
  "$(grep -c '^[a-z]* .* 0 *0 *0 *0$' "$san_build_dir/fuzz.log") targets clean, ${fuzz_seconds}s each"
summary "$tsan_build_dir" "$tsan_seconds"
tail -n 1 "$build_dir/ptxas_spills.log"
tail -n 5 "$san_build_dir/fuzz.log"
echo "total time: $((SECONDS - start)) s"
echo "tests: $passed passed, $failed failed, $skipped skipped"
