#!/usr/bin/env bash
# The check for a machine WITH an NVIDIA GPU: builds minidl for that GPU in
# build-gpu/, lists the fused kernels' registers and spills, runs every test (the
# `gpu` label included), compute-sanitizer memcheck and racecheck over the GPU
# tests of each test program (with the caching allocator off:
# MINIDL_NO_CUDA_MEMORY_CACHING=1), and every benchmark program; writes a
# markdown summary to bench/results/gpu_check_<date>.md
# (logs and benchmark JSON stay in build-gpu/gpu_check/). Each stage's status goes
# into the summary, which is written even when a stage fails; missing tools
# (nvidia-smi, compute-sanitizer, python3) are reported, not fatal. Exits 1 when a
# stage failed.
#
# Environment (all optional):
#   CUDNN_ROOT                 cuDNN outside the toolkit (default: PyTorch's nvidia-cudnn wheel if present)
#   MINIDL_GPU_BUILD_DIR       default build-gpu
#   MINIDL_CUDA_ARCHITECTURES  default "native" (the local GPU)
#   MINIDL_CMAKE_ARGS          extra configure arguments
#   MINIDL_CTEST_JOBS          parallel tests (default 8: they share one GPU)
#   MINIDL_SANITIZER_TIMEOUT   seconds per program and tool (default 1800)
#   MINIDL_BENCH_TIMEOUT       seconds per benchmark program (default 1800)
#   MINIDL_BENCH_ARGS          extra Google Benchmark flags, e.g. --benchmark_filter=...
# shellcheck disable=SC2317  # the stage functions are called through run_stage
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1
build_dir="${MINIDL_GPU_BUILD_DIR:-build-gpu}"
out_dir="$root/$build_dir/gpu_check"
stamp="$(date -u +%Y-%m-%d_%H%M)"
summary_file="bench/results/gpu_check_${stamp}.md"
jobs="$(nproc)"
ctest_jobs="${MINIDL_CTEST_JOBS:-8}"
sanitizer_timeout="${MINIDL_SANITIZER_TIMEOUT:-1800}"
bench_timeout="${MINIDL_BENCH_TIMEOUT:-1800}"
archs="${MINIDL_CUDA_ARCHITECTURES:-native}"

stages=(dependencies configure build ptxas tests memcheck racecheck benchmarks)
declare -A status seconds
for stage in "${stages[@]}"; do status[$stage]="not reached"; seconds[$stage]=0; done
failed=0
summary_written=0
env_rows=()
ctest_rows=()
sanitizer_rows=()
bench_markdown=""

log() { printf '\n==> %s\n' "$*"; }
# set_status <stage> <text>: a text starting with FAILED makes the script exit 1.
set_status() {
  status[$1]="$2"
  [[ $2 == FAILED* ]] && failed=1
  log "$1: $2"
}
env_row() { env_rows+=("| $1 | $2 |"); }
# first_line <command...>: the first line of its output, or "" when it fails.
first_line() { "$@" 2>/dev/null | head -n 1; }

# ---------------------------------------------------------------- environment
find_cuda_tool() {
  local tool="$1" dir
  command -v "$tool" 2>/dev/null && return
  for dir in "${CUDA_HOME:-/usr/local/cuda}/bin" /usr/local/cuda/bin "${CUDA_HOME:-/usr/local/cuda}/compute-sanitizer"; do
    [[ -x $dir/$tool ]] && { echo "$dir/$tool"; return; }
  done
}

collect_environment() {
  env_row "date (UTC)" "$(date -u '+%Y-%m-%d %H:%M:%S')"
  env_row "host" "$(hostname) ($jobs cores)"
  env_row "commit" "$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  if command -v nvidia-smi >/dev/null; then
    local gpus
    gpus="$(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>/dev/null ||
      nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null)"
    env_row "GPU (name, driver, memory, compute capability)" "${gpus//$'\n'/<br>}"
    env_row "CUDA version of the driver" "$(nvidia-smi 2>/dev/null | grep -o 'CUDA Version: [0-9.]*' | awk '{print $3}')"
  else
    env_row "GPU" "nvidia-smi not found"
  fi
  nvcc="$(find_cuda_tool nvcc)"
  env_row "nvcc" "${nvcc:-not found}${nvcc:+ ($("$nvcc" --version | grep -o 'release [0-9.]*, V[0-9.]*'))}"
  sanitizer="$(find_cuda_tool compute-sanitizer)"
  env_row "compute-sanitizer" "${sanitizer:-not found}${sanitizer:+ ($("$sanitizer" --version 2>/dev/null | grep -i version | tail -n 1))}"
  env_row "host compiler" "$(first_line "${CXX:-c++}" --version)"
  env_row "cmake" "$(first_line cmake --version)"

  cudnn_root="${CUDNN_ROOT:-}"
  local cuda_include="${nvcc:+$(dirname "$(dirname "$nvcc")")/include}"
  if [[ -z $cudnn_root ]] && ! ls "${cuda_include:-/nonexistent}"/cudnn.h /usr/include/cudnn.h \
    /usr/include/*/cudnn.h >/dev/null 2>&1; then
    cudnn_root="$(python3 -c 'import nvidia.cudnn as m, os
print(os.path.dirname(m.__file__) if m.__file__ else list(m.__path__)[0])' 2>/dev/null)"
  fi
  local version_header
  # shellcheck disable=SC2012  # the first existing one of a few fixed paths
  version_header="$(ls "${cudnn_root:-/nonexistent}"/include/cudnn_version.h "${cuda_include:-/nonexistent}"/cudnn_version.h \
    /usr/include/cudnn_version.h /usr/include/*/cudnn_version*.h 2>/dev/null | head -n 1)"
  local cudnn_version="not found"
  if [[ -n $version_header ]]; then
    cudnn_version="$(awk '/#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) /{v = v (v ? "." : "") $3} END {print v}' "$version_header")"
  fi
  env_row "cuDNN" "$cudnn_version${cudnn_root:+ (CUDNN_ROOT=$cudnn_root)}"
  if [[ -n $cudnn_root ]]; then
    # cuDNN 9 loads its sub-libraries (libcudnn_ops.so.9, ...) at run time from the loader's path.
    export LD_LIBRARY_PATH="$cudnn_root/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
}

# --------------------------------------------------------------------- stages
stage_dependencies() {
  if ((EUID == 0)) && command -v dpkg-query >/dev/null; then
    if bash scripts/test.sh --deps-only >"$out_dir/dependencies.log" 2>&1; then
      set_status dependencies "ok"
    else
      set_status dependencies "FAILED (see $build_dir/gpu_check/dependencies.log)"
    fi
  else
    set_status dependencies "skipped (not root on Debian/Ubuntu: packages not checked)"
  fi
}

stage_configure() {
  local args=(-S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DMINIDL_CUDA=ON
    "-DCMAKE_CUDA_ARCHITECTURES=$archs" -DMINIDL_BUILD_TESTS=ON -DMINIDL_BUILD_BENCHMARKS=ON
    -DMINIDL_BUILD_EXAMPLES=ON)
  [[ -n $nvcc ]] && args+=("-DCMAKE_CUDA_COMPILER=$nvcc")
  [[ -n $cudnn_root ]] && args+=("-DCUDNN_ROOT=$cudnn_root")
  # shellcheck disable=SC2206  # extra arguments are split on spaces on purpose
  args+=(${MINIDL_CMAKE_ARGS:-})
  if cmake "${args[@]}" >"$out_dir/configure.log" 2>&1; then
    set_status configure "ok ($(grep -o 'minidl: CUDA backend [A-Z]*' "$out_dir/configure.log" | cut -d' ' -f2-),\
 CUDA architectures: $archs)"
  else
    set_status configure "FAILED (see $build_dir/gpu_check/configure.log): $(grep -m1 -A2 'CMake Error' \
      "$out_dir/configure.log" | tr '\n' ' ' | cut -c1-300)"
  fi
}

stage_build() {
  if cmake --build "$build_dir" --parallel "$jobs" >"$out_dir/build.log" 2>&1; then
    set_status build "ok"
  else
    set_status build "FAILED (see $build_dir/gpu_check/build.log): $(grep -m1 -E 'error|Error' \
      "$out_dir/build.log" | cut -c1-300)"
  fi
}

# Registers and spills of the fused kernels (scripts/ptxas_spills.sh: sm_80 and sm_90).
stage_ptxas() {
  if scripts/ptxas_spills.sh >"$out_dir/ptxas_spills.log" 2>&1; then
    set_status ptxas "ok ($(tail -n 1 "$out_dir/ptxas_spills.log"))"
  else
    set_status ptxas "FAILED ($(tail -n 1 "$out_dir/ptxas_spills.log"))"
  fi
}

# junit_attr <attribute>: tests / failures / skipped of the test suite in ctest's JUnit report.
junit_attr() {
  tr '\n\t' '  ' <"$out_dir/ctest-junit.xml" 2>/dev/null | grep -o -m1 '<testsuite [^>]*' |
    grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0
}

stage_tests() {
  ctest --test-dir "$build_dir" --output-on-failure --parallel "$ctest_jobs" --timeout 1800 \
    --output-junit "$out_dir/ctest-junit.xml" >"$out_dir/ctest.log" 2>&1
  local rc=$?
  local total failures skips
  total="$(junit_attr tests)" failures="$(junit_attr failures)" skips="$(junit_attr skipped)"
  ctest_rows+=("| all | $total | $((total - failures - skips)) | $failures | $skips |")
  # The gpu label: names from ctest -N -L gpu, results from the JUnit report.
  local gpu_names gpu_total=0 gpu_pass=0 gpu_fail=0 gpu_skip=0 name result
  gpu_names="$(ctest --test-dir "$build_dir" -N -L gpu 2>/dev/null | sed -n 's/^ *Test *#[0-9]*: //p')"
  while IFS= read -r name; do
    [[ -z $name ]] && continue
    result="$(grep -F "<testcase name=\"$name\" " "$out_dir/ctest-junit.xml" 2>/dev/null | grep -o 'status="[a-z]*"' | head -n 1)"
    gpu_total=$((gpu_total + 1))
    case "$result" in
      'status="run"') gpu_pass=$((gpu_pass + 1)) ;;
      'status="notrun"' | 'status="disabled"') gpu_skip=$((gpu_skip + 1)) ;;
      *) gpu_fail=$((gpu_fail + 1)) ;;
    esac
  done <<<"$gpu_names"
  ctest_rows+=("| label gpu | $gpu_total | $gpu_pass | $gpu_fail | $gpu_skip |")
  if ((rc != 0)); then
    set_status tests "FAILED ($failures of $total failed; see $build_dir/gpu_check/ctest.log)"
  elif ((total == 0)); then
    set_status tests "FAILED (no tests ran)"
  elif ((gpu_skip > 0)); then
    set_status tests "ok, but $gpu_skip GPU tests skipped (is the GPU usable?)"
  else
    set_status tests "ok ($total passed, $gpu_total of them on the GPU)"
  fi
}

# Test programs with at least one test in a *Gpu fixture, one per line.
gpu_test_programs() {
  local program
  for program in $(find "$build_dir/tests" -maxdepth 1 -type f -perm -u+x -name '*_test' 2>/dev/null | sort); do
    "$program" --gtest_list_tests --gtest_filter='*Gpu.*' 2>/dev/null | grep -q '^  ' && echo "$program"
  done
}

# sanitize <tool> <program>: one cell of the sanitizer table; a finding or a failure fails the stage.
sanitize() {
  local tool="$1" program="$2" name log rc errors hazards
  name="$(basename "$program")"
  log="$out_dir/sanitizer/$name.$tool.log"
  # Without the caching allocator every tensor is its own cudaMalloc, so memcheck sees each one's end.
  MINIDL_NO_CUDA_MEMORY_CACHING=1 timeout "$sanitizer_timeout" "$sanitizer" --tool "$tool" \
    --error-exitcode 86 "$program" --gtest_filter='*Gpu.*' >"$log" 2>&1
  rc=$?
  errors="$(grep -o 'ERROR SUMMARY: [0-9]* error' "$log" | tail -n 1 | awk '{print $3}')"
  hazards="$(grep -o 'RACECHECK SUMMARY: [0-9]* hazard' "$log" | tail -n 1 | awk '{print $3}')"
  if ((rc == 124)); then
    echo "FAILED: timed out after ${sanitizer_timeout}s"
  elif ((rc == 86)) || [[ ${errors:-0} != 0 || ${hazards:-0} != 0 ]]; then
    echo "FAILED: ${errors:-?} errors${hazards:+, $hazards hazards} (gpu_check/sanitizer/$name.$tool.log)"
  elif ((rc != 0)); then
    echo "FAILED: tests failed under the sanitizer, exit $rc (gpu_check/sanitizer/$name.$tool.log)"
  elif [[ -z $errors && -z $hazards ]]; then
    echo "FAILED: no sanitizer summary in gpu_check/sanitizer/$name.$tool.log"
  else
    echo "clean"
  fi
}

stage_sanitizers() {
  if [[ -z $sanitizer ]]; then
    set_status memcheck "skipped (compute-sanitizer not found)"
    set_status racecheck "skipped (compute-sanitizer not found)"
    return
  fi
  mkdir -p "$out_dir/sanitizer"
  local programs program tool cell memcheck_bad=0 racecheck_bad=0 count=0
  programs="$(gpu_test_programs)"
  for program in $programs; do
    local cells=()
    for tool in memcheck racecheck; do
      cell="$(sanitize "$tool" "$program")"
      cells+=("$cell")
      if [[ $cell == FAILED* ]]; then
        [[ $tool == memcheck ]] && memcheck_bad=$((memcheck_bad + 1)) || racecheck_bad=$((racecheck_bad + 1))
      fi
    done
    count=$((count + 1))
    sanitizer_rows+=("| $(basename "$program") | ${cells[0]} | ${cells[1]} |")
    log "sanitized $(basename "$program"): memcheck ${cells[0]}, racecheck ${cells[1]}"
  done
  if ((count == 0)); then
    set_status memcheck "skipped (no test program has *Gpu tests)"
    set_status racecheck "skipped (no test program has *Gpu tests)"
    return
  fi
  if ((memcheck_bad > 0)); then
    set_status memcheck "FAILED ($memcheck_bad of $count programs)"
  else
    set_status memcheck "ok ($count programs clean)"
  fi
  if ((racecheck_bad > 0)); then
    set_status racecheck "FAILED ($racecheck_bad of $count programs)"
  else
    set_status racecheck "ok ($count programs clean)"
  fi
}

# Markdown table of the benchmark JSON files given as arguments (python3), or the console output.
bench_table() {
  if command -v python3 >/dev/null; then
    python3 - "$@" <<'PY'
import json, os, sys

standard = {"name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
            "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit",
            "aggregate_name", "aggregate_unit", "label", "error_occurred", "error_message"}

def counter(key, value):
    if key == "bytes_per_second":
        return f"{value / 1e9:.2f} GB/s"
    if key == "items_per_second":
        return f"{value / 1e6:.2f} M items/s"
    return f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"

print("| program | benchmark | time | CPU time | iterations | counters |")
print("| --- | --- | ---: | ---: | ---: | --- |")
for path in sys.argv[1:]:
    program = os.path.basename(path).removesuffix(".json")
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as error:
        print(f"| {program} | (no results: {error}) | | | | |")
        continue
    for b in data.get("benchmarks", []):
        if b.get("error_occurred"):
            print(f"| {program} | {b['name']} | error: {b.get('error_message', '')} | | | |")
            continue
        unit = b.get("time_unit", "ns")
        counters = ", ".join(counter(k, v) for k, v in b.items() if k not in standard)
        if b.get("label"):
            counters = (b["label"] + "; " + counters) if counters else b["label"]
        print(f"| {program} | {b['name']} | {b['real_time']:.4g} {unit} | {b['cpu_time']:.4g} {unit} "
              f"| {b.get('iterations', '')} | {counters} |")
PY
  else
    local file
    echo "(python3 not found: console output)"
    echo '```'
    for file in "$@"; do cat "${file%.json}.log"; done
    echo '```'
  fi
}

stage_benchmarks() {
  mkdir -p "$out_dir/bench"
  local programs program name rc bad=0 count=0 files=()
  programs="$(find "$build_dir/bench" -maxdepth 1 -type f -perm -u+x 2>/dev/null | sort)"
  for program in $programs; do
    name="$(basename "$program")"
    log "benchmark $name"
    # shellcheck disable=SC2086  # extra flags are split on spaces on purpose
    timeout "$bench_timeout" "$program" --benchmark_out="$out_dir/bench/$name.json" \
      --benchmark_out_format=json --benchmark_color=false ${MINIDL_BENCH_ARGS:-} >"$out_dir/bench/$name.log" 2>&1
    rc=$?
    count=$((count + 1))
    files+=("$out_dir/bench/$name.json")
    if ((rc != 0)); then
      bad=$((bad + 1))
      bench_markdown+="- $name: FAILED (exit $rc; see $build_dir/gpu_check/bench/$name.log)"$'\n'
    fi
  done
  if ((count == 0)); then
    set_status benchmarks "skipped (no benchmark programs in $build_dir/bench)"
    return
  fi
  bench_markdown+=$'\n'"$(bench_table "${files[@]}")"$'\n'
  if ((bad > 0)); then
    set_status benchmarks "FAILED ($bad of $count programs)"
  else
    set_status benchmarks "ok ($count programs)"
  fi
}

# -------------------------------------------------------------------- summary
write_summary() {
  ((summary_written)) && return
  summary_written=1
  mkdir -p "$(dirname "$summary_file")"
  {
    echo "# GPU check, $(date -u '+%Y-%m-%d %H:%M') UTC"
    echo
    echo "Written by \`scripts/gpu_check.sh\`; logs in \`$build_dir/gpu_check/\` on the machine that ran it."
    echo
    echo "| | |"
    echo "| --- | --- |"
    printf '%s\n' "${env_rows[@]}"
    echo
    echo "## Stages"
    echo
    echo "| stage | status | seconds |"
    echo "| --- | --- | ---: |"
    for stage in "${stages[@]}"; do echo "| $stage | ${status[$stage]} | ${seconds[$stage]} |"; done
    echo
    echo "## Registers and spills of the fused kernels (ptxas)"
    echo
    if [[ -s $out_dir/ptxas_spills.log ]]; then
      echo '```'
      cat "$out_dir/ptxas_spills.log"
      echo '```'
    else
      echo "Not run: ${status[ptxas]}."
    fi
    echo
    echo "## Tests (ctest)"
    echo
    if ((${#ctest_rows[@]})); then
      echo "| tests | total | passed | failed | skipped |"
      echo "| --- | ---: | ---: | ---: | ---: |"
      printf '%s\n' "${ctest_rows[@]}"
      if grep -q 'The following tests FAILED' "$out_dir/ctest.log" 2>/dev/null; then
        echo
        echo '```'
        sed -n '/The following tests FAILED/,$p' "$out_dir/ctest.log" | head -n 60
        echo '```'
      fi
    else
      echo "Not run."
    fi
    echo
    echo "## compute-sanitizer (tests of the *Gpu fixtures)"
    echo
    if ((${#sanitizer_rows[@]})); then
      echo "| program | memcheck | racecheck |"
      echo "| --- | --- | --- |"
      printf '%s\n' "${sanitizer_rows[@]}"
      echo
      echo "The sanitizers run with MINIDL_NO_CUDA_MEMORY_CACHING=1: every tensor is its own cudaMalloc,"
      echo "so memcheck reports any access past a tensor's end."
    else
      echo "Not run: ${status[memcheck]}."
    fi
    echo
    echo "## Benchmarks"
    echo
    if [[ -n $bench_markdown ]]; then printf '%s' "$bench_markdown"; else echo "Not run: ${status[benchmarks]}."; fi
  } >"$summary_file"
  log "summary written to $summary_file"
}

# run_stage <stage> <function>: times it; later stages see the status of earlier ones.
run_stage() {
  local start=$SECONDS
  log "stage $1"
  "$2"
  seconds[$1]=$((SECONDS - start))
}

on_exit() {
  local rc=$?
  for stage in "${stages[@]}"; do
    [[ ${status[$stage]} == "not reached" ]] && status[$stage]="not reached (the script stopped, exit $rc)"
  done
  write_summary
}
trap on_exit EXIT
trap 'exit 130' INT TERM

mkdir -p "$out_dir"
nvcc="" sanitizer="" cudnn_root=""
collect_environment
run_stage dependencies stage_dependencies
run_stage configure stage_configure
if [[ ${status[configure]} == ok* ]]; then
  run_stage build stage_build
else
  set_status build "skipped (configure failed)"
fi
if [[ ${status[build]} == ok* ]]; then
  run_stage ptxas stage_ptxas
  run_stage tests stage_tests
  start=$SECONDS
  stage_sanitizers
  seconds[memcheck]=$((SECONDS - start))  # both tools, program by program
  seconds[racecheck]="(with memcheck)"
  run_stage benchmarks stage_benchmarks
else
  for stage in ptxas tests memcheck racecheck benchmarks; do set_status "$stage" "skipped (no build)"; done
  failed=1
fi
write_summary
exit "$failed"
