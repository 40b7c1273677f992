#!/usr/bin/env bash
# The test command (and CI's, through .ci/run): installs what a fresh Debian 12
# machine lacks, then builds and tests two configurations: the default one in
# build/ (CUDA compiled when nvcc is found, warnings as errors) and the CPU-only
# one in build-cpu/; with nvcc, also checks that no fused CUDA kernel spills registers
# (scripts/ptxas_spills.sh). Exits non-zero on any failure.
# MINIDL_BUILD_DIR / MINIDL_CPU_BUILD_DIR choose other build folders;
# `scripts/test.sh --deps-only` only installs the packages (used by gpu_bundle.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_dir="${MINIDL_BUILD_DIR:-build}"
cpu_build_dir="${MINIDL_CPU_BUILD_DIR:-build-cpu}"
jobs="$(nproc)"
packages=(build-essential cmake g++ pkg-config libgtest-dev libgmock-dev googletest libbenchmark-dev
  libopenblas-dev nlohmann-json3-dev libcli11-dev ccache)

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

# configure_build_test <build dir> <cmake options...>: logs and ctest's JUnit report stay in <build dir>.
configure_build_test() {
  local dir="$1"
  shift
  log "configure $dir: $*"
  mkdir -p "$dir"
  cmake -S . -B "$dir" -DMINIDL_WERROR=ON "$@" | tee "$dir/configure.log"
  log "build $dir ($jobs jobs)"
  cmake --build "$dir" --parallel "$jobs"
  log "test $dir"
  ctest --test-dir "$dir" --output-on-failure --parallel "$jobs" --no-tests=error --timeout 900 \
    --output-junit "$root/$dir/ctest-junit.xml" | tee "$dir/ctest.log"
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
  printf '%-12s CUDA %-3s %3dm%02ds  %s\n' "$dir" "$cuda" $((seconds / 60)) $((seconds % 60)) \
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

configure_build_test "$cpu_build_dir" -DMINIDL_CUDA=OFF -DMINIDL_BUILD_TESTS=ON \
  -DMINIDL_BUILD_BENCHMARKS=OFF -DMINIDL_BUILD_EXAMPLES=OFF
cpu_seconds=$((SECONDS - start - default_seconds))

log "summary (skipped: GPU tests without a GPU)"
summary "$build_dir" "$default_seconds"
summary "$cpu_build_dir" "$cpu_seconds"
tail -n 1 "$build_dir/ptxas_spills.log"
echo "total time: $((SECONDS - start)) s"
echo "tests: $passed passed, $failed failed, $skipped skipped"
