#!/usr/bin/env bash
# gpu-bundle/run.sh: the GPU check of a prebuilt bundle (scripts/gpu_bundle.sh), in one call on
# a GPU machine with no network and none of our -dev packages. Needs bash, coreutils, tar and
# gzip; finds cuBLAS, cuDNN and NCCL on the machine (the CUDA toolkit first, then PyTorch's
# NVIDIA wheels) and says which it used.
#
#   run.sh [--budget SECONDS] [--out DIR] [--stages LIST] [--data DIR] [--train-args "ARGS"]
#   run.sh --stage-data DIR      copy carried CIFAR-10 parts into the device's data folder, then exit
#   --force-gpu-stages           run the GPU stages even when the preflight finds no GPU (for the
#                                rehearsal without a GPU: exercises their plumbing; they then fail)
#
# Stages, in order, each with its share of the budget (default 480 s; time a stage leaves
# unused passes to the next; a stage the budget no longer allows is skipped, and says so):
#   preflight   GPU, driver vs build CUDA version, libraries, a smoke test on the device
#   gpu_tests   every test of a *Gpu fixture that is not a CPU/PyTorch parity test
#   parity      the CPU<->CUDA (and PyTorch-on-CUDA) parity tests of the *Gpu fixtures
#   memcheck    compute-sanitizer memcheck on the kernel tests, caching allocator off
#   racecheck   compute-sanitizer racecheck and synccheck on the reduction/dropout/batch-norm tests
#   benchmarks  the CUDA benchmarks (fused optimizer, dropout, batch norm, copy) at a short min time
#   train       cifar10_train --device cuda --model resnet9 on the staged data or the bundle's slice
#   cpu_tests   the CPU tests of every test program (what the budget leaves)
# On a machine whose nvidia-smi lists a GPU, a skipped GPU test is a failure (MINIDL_REQUIRE_GPU=1;
# the two-device test aside). Results: summary.md, results.json and at most four logs under the out
# folder (default $OUT, else ./gpu-check-out), rewritten after every stage and on any exit.
# Exit status: 0 when every stage that ran passed and none was skipped for lack of a GPU.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
budget=480
out_dir="${OUT:-$PWD/gpu-check-out}"
stages_wanted="preflight,gpu_tests,parity,memcheck,racecheck,benchmarks,train,cpu_tests"
data_dir=""
stage_data=""
train_args=""
force_gpu_stages=0
data_home="${MINIDL_DEVICE_DATA:-/tmp/minidl-data}"
usage() { sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --budget) budget="$2"; shift 2 ;;
    --out) out_dir="$2"; shift 2 ;;
    --stages) stages_wanted="$2"; shift 2 ;;
    --data) data_dir="$2"; shift 2 ;;
    --stage-data) stage_data="$2"; shift 2 ;;
    --train-args) train_args="$2"; shift 2 ;;
    --force-gpu-stages) force_gpu_stages=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
  esac
done
[[ $budget =~ ^[0-9]+$ ]] && ((budget >= 30)) || { echo "run.sh: --budget takes whole seconds >= 30, got '$budget'" >&2; exit 64; }
mkdir -p "$out_dir" || exit 1
out_dir="$(cd "$out_dir" && pwd)"
start_epoch=$(date +%s)
now() { echo $(($(date +%s) - start_epoch)); }
log() { printf '==> [%4ss] %s\n' "$(now)" "$*"; }

# -------------------------------------------------------------- data staging (own mode)
if [[ -n $stage_data ]]; then
  target="$data_home/cifar-10-batches-bin"
  mkdir -p "$target" || exit 1
  shopt -s nullglob
  for part in "$stage_data"/*.tar.gz "$stage_data"/*.tgz; do
    log "unpacking $part into $target"
    tar -xzf "$part" -C "$target" || { echo "run.sh: cannot unpack $part" >&2; exit 1; }
  done
  for file in "$stage_data"/*.bin "$stage_data"/*.txt; do cp -f "$file" "$target/" || exit 1; done
  missing=()
  for f in data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin; do
    [[ -s $target/$f ]] || missing+=("$f")
  done
  ls -l "$target"
  {
    echo "# CIFAR-10 staged on the device"
    echo
    echo "Folder: \`$target\` ($(du -sh "$target" | cut -f1)); missing: ${missing[*]:-none}"
  } >"$out_dir/summary.md"
  if ((${#missing[@]})); then
    log "staged; still missing: ${missing[*]} (carry the other parts, then run with --data $target)"
  else
    log "CIFAR-10 complete in $target: run.sh --data $target"
  fi
  exit 0
fi

# ------------------------------------------------------------------ the bundle's files
# The payload is unpacked once per machine into $MINIDL_BUNDLE_HOME (kept while the machine is).
bundle_home="${MINIDL_BUNDLE_HOME:-/tmp/minidl-bundle}"
if [[ -f $here/payload.tar.gz ]]; then
  stamp="$(cat "$here/payload.sha256" 2>/dev/null || echo none)"
  if [[ ! -f $bundle_home/.unpacked || "$(cat "$bundle_home/.unpacked")" != "$stamp" ]]; then
    rm -rf "$bundle_home" && mkdir -p "$bundle_home" &&
      tar -xzf "$here/payload.tar.gz" -C "$bundle_home" && echo "$stamp" >"$bundle_home/.unpacked" ||
      { echo "run.sh: cannot unpack $here/payload.tar.gz into $bundle_home" >&2; exit 1; }
  fi
  root="$bundle_home"
else
  root="$here"
fi
bin="$root/bin"
[[ -d $bin/tests ]] || { echo "run.sh: no bin/tests in $root: not a bundle" >&2; exit 1; }

# ----------------------------------------------------------------- results bookkeeping
all_stages=(preflight gpu_tests parity memcheck racecheck benchmarks train cpu_tests)
declare -A share=([preflight]=4 [gpu_tests]=14 [parity]=14 [memcheck]=22 [racecheck]=10 [benchmarks]=12
  [train]=14 [cpu_tests]=10)
declare -A min_seconds=([preflight]=5 [gpu_tests]=15 [parity]=15 [memcheck]=30 [racecheck]=20
  [benchmarks]=20 [train]=30 [cpu_tests]=20)
declare -A status detail seconds limit
for s in "${all_stages[@]}"; do status[$s]="not reached"; detail[$s]=""; seconds[$s]=0; limit[$s]=0; done
figures=()      # JSON members "key": value
failures=()     # one line per failed test or finding
env_rows=()
overall=0
gpu_listed=0
gpu_usable=0
mkdir -p "$out_dir/logs.d"
logs=(tests sanitizer bench train)  # the four log files: tests.log sanitizer.log bench.log train.log

json_escape() {
  local s="$1"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; s="${s//$'\n'/\\n}"; s="${s//$'\r'/\\r}"; s="${s//$'\t'/\\t}"
  printf '%s' "$s" | tr -d '\000-\010\013\014\016-\037'
}
figure() { figures+=("\"$1\": $2"); }             # figure key number
figure_text() { figures+=("\"$1\": \"$(json_escape "$2")\""); }
set_status() {  # set_status stage text [detail]
  status[$1]="$2"
  [[ -n ${3:-} ]] && detail[$1]="$3"
  [[ $2 == FAILED* ]] && overall=1
  log "$1: $2${3:+ — $3}"
}
wanted() { [[ ",$stages_wanted," == *",$1,"* ]]; }

# Truncates a log to its first and last 2 MiB so every file that comes back stays small.
trim_log() {
  local f="$1" size
  size=$(stat -c %s "$f" 2>/dev/null || echo 0)
  ((size > 4194304)) || return 0
  { head -c 2097152 "$f"; printf '\n[... %s bytes cut ...]\n' $((size - 4194304)); tail -c 2097152 "$f"; } >"$f.cut" && mv "$f.cut" "$f"
}

write_results() {
  local s first=1 l
  for l in "${logs[@]}"; do
    cat "$out_dir/logs.d/$l".*.log >"$out_dir/$l.log" 2>/dev/null || : >"$out_dir/$l.log"
    trim_log "$out_dir/$l.log"
    [[ -s $out_dir/$l.log ]] || rm -f "$out_dir/$l.log"
  done
  {
    echo "{"
    echo "  \"budget_s\": $budget, \"elapsed_s\": $(now), \"exit_status\": $overall,"
    echo "  \"gpu_listed_by_nvidia_smi\": $gpu_listed, \"gpu_usable\": $gpu_usable,"
    echo "  \"environment\": {"
    first=1
    for l in "${env_rows[@]}"; do
      ((first)) || echo ","
      first=0
      printf '    "%s": "%s"' "$(json_escape "${l%%|*}")" "$(json_escape "${l#*|}")"
    done
    echo
    echo "  },"
    echo "  \"stages\": ["
    first=1
    for s in "${all_stages[@]}"; do
      ((first)) || echo ","
      first=0
      printf '    {"name": "%s", "status": "%s", "detail": "%s", "seconds": %s, "limit_s": %s}' "$s" \
        "$(json_escape "${status[$s]}")" "$(json_escape "${detail[$s]}")" "${seconds[$s]}" "${limit[$s]}"
    done
    echo
    echo "  ],"
    echo "  \"figures\": {"
    first=1
    for l in "${figures[@]}"; do
      ((first)) || echo ","
      first=0
      printf '    %s' "$l"
    done
    echo
    echo "  },"
    echo "  \"failures\": ["
    first=1
    for l in "${failures[@]}"; do
      ((first)) || echo ","
      first=0
      printf '    "%s"' "$(json_escape "$l")"
    done
    echo
    echo "  ],"
    echo "  \"benchmarks\": {"
    first=1
    for l in "$out_dir"/logs.d/bench_*.json; do
      [[ -s $l ]] || continue
      ((first)) || echo ","
      first=0
      printf '    "%s": ' "$(basename "${l%.json}" | sed 's/^bench_//')"
      cat "$l"
    done
    echo
    echo "  }"
    echo "}"
  } >"$out_dir/results.json.tmp" && mv "$out_dir/results.json.tmp" "$out_dir/results.json"
  {
    echo "# GPU check of a minidl bundle"
    echo
    echo "Written by \`gpu-bundle/run.sh\` (budget ${budget} s, $(now) s used); every figure is in \`results.json\`."
    echo
    echo "| | |"
    echo "| --- | --- |"
    for l in "${env_rows[@]}"; do echo "| ${l%%|*} | ${l#*|} |"; done
    echo
    echo "| stage | status | seconds | limit | detail |"
    echo "| --- | --- | ---: | ---: | --- |"
    for s in "${all_stages[@]}"; do
      echo "| $s | ${status[$s]} | ${seconds[$s]} | ${limit[$s]} | ${detail[$s]//|/\\|} |"
    done
    if ((${#failures[@]})); then
      echo
      echo "## Failures"
      echo
      printf -- '- %s\n' "${failures[@]:0:200}"
    fi
    if [[ -s $out_dir/logs.d/bench_table.md ]]; then
      echo
      echo "## CUDA benchmarks"
      echo
      cat "$out_dir/logs.d/bench_table.md"
    fi
    if [[ -s $out_dir/logs.d/torch_table.txt ]]; then
      echo
      echo "## PyTorch on this GPU (same sizes)"
      echo
      echo '```'
      cat "$out_dir/logs.d/torch_table.txt"
      echo '```'
    fi
    if [[ -s $out_dir/logs.d/train_final.txt ]]; then
      echo
      echo "## Training"
      echo
      echo '```'
      cat "$out_dir/logs.d/train_final.txt"
      echo '```'
    fi
  } >"$out_dir/summary.md.tmp" && mv "$out_dir/summary.md.tmp" "$out_dir/summary.md"
}

finish() {
  local rc=$?
  for s in "${all_stages[@]}"; do
    [[ ${status[$s]} == "not reached" ]] && status[$s]="not reached (run.sh stopped, exit $rc)" && overall=1
  done
  write_results
  rm -rf "$out_dir/logs.d"
  log "summary: $out_dir/summary.md, results: $out_dir/results.json (exit $overall)"
  exit "$overall"
}
trap finish EXIT
trap 'overall=1; exit 130' INT TERM

# run_stage stage function: gives the stage its deadline (the budget up to and including its
# share among the selected stages, so unused time passes on), times it and flushes the results.
cumulative=0
total_share=0
for s in "${all_stages[@]}"; do wanted "$s" && total_share=$((total_share + share[$s])); done
((total_share > 0)) || total_share=100
run_stage() {
  local s="$1" fn="$2" deadline left t0
  if ! wanted "$s"; then status[$s]="not selected (--stages)"; return; fi
  cumulative=$((cumulative + share[$s]))
  deadline=$((budget * cumulative / total_share))
  left=$((deadline - $(now)))
  ((left > budget - $(now))) && left=$((budget - $(now)))
  limit[$s]=$left
  if ((left < min_seconds[$s])); then
    set_status "$s" "skipped: the budget leaves ${left} s, the stage needs at least ${min_seconds[$s]} s"
    overall=1
    write_results
    return
  fi
  t0=$(now)
  log "stage $s (limit ${left} s)"
  "$fn" "$left"
  seconds[$s]=$(($(now) - t0))
  write_results
}

# ------------------------------------------------------------- libraries on the device
# find_lib soname: the first folder holding it: the CUDA toolkit, the loader's cache, PyTorch's wheels.
python_lib_dirs() {
  local py
  for py in python3 /opt/*/.venv/bin/python3; do
    command -v "$py" >/dev/null 2>&1 || [[ -x $py ]] || continue
    "$py" -c 'import site, sys
for d in site.getsitepackages() + [site.getusersitepackages()]: print(d)' 2>/dev/null
  done | sort -u | while read -r site; do
    for d in "$site"/nvidia/cu13/lib "$site"/nvidia/*/lib "$site"/torch/lib; do [[ -d $d ]] && echo "$d"; done
  done
}
find_lib() {
  local name="$1" d
  for d in "${CUDA_HOME:-/usr/local/cuda}/lib64" /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
    /usr/lib/x86_64-linux-gnu /usr/local/lib; do
    [[ -e $d/$name ]] && { echo "$d|toolkit or system"; return; }
  done
  d="$(ldconfig -p 2>/dev/null | awk -v n="$name" '$1 == n && !found {print $NF; found = 1}')"
  [[ -n $d ]] && { echo "$(dirname "$d")|loader cache"; return; }
  while read -r d; do
    [[ -e $d/$name ]] && { echo "$d|PyTorch wheel"; return; }
  done < <(python_lib_dirs)
}

setup_libraries() {
  local name found dirs=() missing=()
  for name in $(cat "$root/NEEDED" 2>/dev/null); do
    found="$(find_lib "$name")"
    if [[ -z $found ]]; then
      missing+=("$name")
      env_rows+=("$name|NOT FOUND on this machine")
    else
      env_rows+=("$name|${found%%|*} (${found#*|})")
      [[ " ${dirs[*]} " == *" ${found%%|*} "* ]] || dirs+=("${found%%|*}")
    fi
  done
  local joined
  joined="$(IFS=:; echo "${dirs[*]}")"
  export LD_LIBRARY_PATH="$root/lib${joined:+:$joined}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  missing_libs="${missing[*]}"
}

# ------------------------------------------------------------------------- preflight
stage_preflight() {
  local left="$1" rc out="$out_dir/logs.d/tests.0-preflight.log"
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
    gpu_listed=1
    env_rows+=("nvidia-smi|$(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>/dev/null | head -n 4 | tr '\n' ';')")
    env_rows+=("driver's CUDA version|$(nvidia-smi 2>/dev/null | grep -o 'CUDA Version: [0-9.]*' | awk '{print $3}')")
  else
    env_rows+=("nvidia-smi|$(command -v nvidia-smi >/dev/null 2>&1 && echo 'lists no GPU' || echo 'not found: no NVIDIA driver here')")
  fi
  if [[ -n $missing_libs ]]; then
    set_status preflight "FAILED: libraries not found on this machine: $missing_libs"
    return
  fi
  timeout "$left" "$bin/tools/minidl_preflight" >"$out" 2>&1
  rc=$?
  cat "$out"
  local line
  while IFS= read -r line; do
    case "$line" in
      build:* | driver:* | devices:* | device\ *:* | libraries:* | smoke*:*) env_rows+=("preflight ${line%%:*}|${line#*: }") ;;
    esac
  done <"$out"
  local unresolved
  unresolved="$(ldd "$bin/tools/minidl_preflight" "$root/lib/libminidl.so"* 2>/dev/null | grep 'not found' | sort -u | tr -s ' \t\n' ' ')"
  if ((rc == 0)); then
    gpu_usable=1
    set_status preflight "ok" "$(grep -m1 '^device 0:' "$out" | cut -d: -f2-)"
  elif ((rc == 124)); then
    set_status preflight "FAILED: minidl_preflight timed out after ${left} s"
  elif [[ -n $unresolved ]]; then
    set_status preflight "FAILED: unresolved libraries: $unresolved"
  else
    set_status preflight "FAILED: $(grep -m1 '^result:' "$out" | sed 's/^result: FAILED: //' || echo "exit $rc")" \
      "$( ((gpu_listed)) && echo 'nvidia-smi lists a GPU, but the CUDA runtime cannot use it' || echo 'no GPU on this machine')"
  fi
}

# ------------------------------------------------------------------------ test stages
# Test programs that hold tests matching a gtest filter (listing also proves that each loads).
programs_with() {
  local filter="$1" p
  for p in "$bin"/tests/*; do
    [[ -x $p ]] || continue
    "$p" --gtest_list_tests --gtest_filter="$filter" 2>/dev/null | grep -q '^  ' && echo "$p"
  done
}

# run_gtests label filter seconds jobs [env...]: every program holding matching tests, `jobs` at a
# time, each under `timeout`; counts passed/failed/skipped from gtest's own summary lines.
gtest_counts=()
run_gtests() {
  local label="$1" filter="$2" left="$3" jobs="$4"
  shift 4
  local deadline=$(($(now) + left)) programs p name log running=0
  programs="$(programs_with "$filter")"
  local dir="$out_dir/logs.d/$label"
  mkdir -p "$dir"
  for p in $programs; do
    name="$(basename "$p")"
    local remaining=$((deadline - $(now)))
    if ((remaining < 3)); then
      echo "$name: not run (stage time over)" >"$dir/$name.log"
      continue
    fi
    (env "$@" MINIDL_SOURCE_DIR="$root/src" timeout "$remaining" "$p" --gtest_filter="$filter" --gtest_color=no \
      >"$dir/$name.log" 2>&1; echo "exit $?" >>"$dir/$name.log") &
    running=$((running + 1))
    if ((running >= jobs)); then wait -n; running=$((running - 1)); fi
  done
  wait
  local passed=0 failed=0 skipped=0 timed_out=0 not_run=0 n line
  for log in "$dir"/*.log; do
    [[ -f $log ]] || continue
    name="$(basename "$log" .log)"
    n="$(grep -m1 -o '^\[  PASSED  \] [0-9]*' "$log" | grep -o '[0-9]*$')"
    passed=$((passed + ${n:-0}))
    n="$(grep -m1 -o '^\[  FAILED  \] [0-9]* test' "$log" | grep -o '[0-9]*' | head -n 1)"
    failed=$((failed + ${n:-0}))
    n="$(grep -m1 -o '^\[  SKIPPED \] [0-9]* test' "$log" | grep -o '[0-9]*' | head -n 1)"
    skipped=$((skipped + ${n:-0}))
    while IFS= read -r line; do failures+=("$label: $name: ${line#\[  FAILED  \] }"); done \
      < <(grep -E '^\[  FAILED  \] [A-Za-z0-9_/.]+(, | \(|$)' "$log" | grep -v 'listed below' | sort -u)
    if ((gpu_listed)) && [[ $label != cpu_tests ]]; then
      while IFS= read -r line; do
        [[ $line == *"$two_device_test"* ]] && continue
        failures+=("$label: $name: skipped on a machine with a GPU: ${line#\[  SKIPPED \] }")
        failed=$((failed + 1))
      done < <(grep -E '^\[  SKIPPED \] [A-Za-z0-9_/.]+$' "$log" | sort -u)
    fi
    if grep -q '^exit 124$' "$log"; then timed_out=$((timed_out + 1)); failures+=("$label: $name: timed out"); fi
    if grep -q 'not run (stage time over)' "$log"; then not_run=$((not_run + 1)); fi
    if ! grep -qE '^exit (0|124)$' "$log" && ! grep -q 'not run' "$log" && [[ -z "$(grep -m1 '^\[  FAILED  \]' "$log")" ]]; then
      failures+=("$label: $name: $(grep '^exit' "$log") without a gtest failure (crash?)")
      failed=$((failed + 1))
    fi
    { echo "----- $label: $name"; cat "$log"; } >>"$out_dir/logs.d/tests.1-$label.log"
  done
  gtest_counts=("$passed" "$failed" "$skipped" "$timed_out" "$not_run")
  figure "${label}_passed" "$passed"
  figure "${label}_failed" "$failed"
  figure "${label}_skipped" "$skipped"
  figure "${label}_programs_timed_out" "$timed_out"
  figure "${label}_programs_not_run" "$not_run"
}

report_gtests() {  # report_gtests stage
  local p="${gtest_counts[0]}" f="${gtest_counts[1]}" k="${gtest_counts[2]}" t="${gtest_counts[3]}" n="${gtest_counts[4]}"
  local text="$p passed, $f failed, $k skipped${t:+, $t programs timed out}${n:+, $n programs not run}"
  text="${text/, 0 programs timed out/}"
  text="${text/, 0 programs not run/}"
  if ((f > 0 || t > 0)); then
    set_status "$1" "FAILED: $text"
  elif ((p == 0)); then
    set_status "$1" "FAILED: no test ran"
  elif ((n > 0)); then
    set_status "$1" "FAILED: incomplete: $text"
  else
    set_status "$1" "ok: $text"
  fi
}

gpu_env=(MINIDL_REQUIRE_GPU="$gpu_listed")
two_device_test="CudaAllocatorGpu.KeepsTheCallersCurrentDevice"  # skips on a one-GPU machine
parity_filter='*Gpu.*Cpu*:*Gpu.*PyTorch*:*Gpu.*Uninterrupted*'
require_gpu() {  # require_gpu stage: false (and the stage skipped) without a usable device
  ((gpu_usable || force_gpu_stages)) && return 0
  set_status "$1" "skipped: no usable GPU (see preflight)"
  overall=1
  return 1
}
stage_gpu_tests() {
  require_gpu gpu_tests || return
  run_gtests gpu_tests "*Gpu.*-$parity_filter" "$1" 4 "${gpu_env[@]}"
  report_gtests gpu_tests
}
stage_parity() {
  require_gpu parity || return
  run_gtests parity "$parity_filter" "$1" 4 "${gpu_env[@]}"
  report_gtests parity
}
stage_cpu_tests() {
  run_gtests cpu_tests "-*Gpu.*" "$1" "$(nproc)" MINIDL_REQUIRE_GPU=0
  report_gtests cpu_tests
}

# ----------------------------------------------------------------------- sanitizers
find_sanitizer() {
  local d
  command -v compute-sanitizer 2>/dev/null && return
  for d in "${CUDA_HOME:-/usr/local/cuda}" /usr/local/cuda /usr/local/cuda-*; do
    [[ -x $d/bin/compute-sanitizer ]] && { echo "$d/bin/compute-sanitizer"; return; }
    [[ -x $d/compute-sanitizer/compute-sanitizer ]] && { echo "$d/compute-sanitizer/compute-sanitizer"; return; }
  done
}

# sanitize stage tool seconds filter programs...: one program per job, 4 at a time.
sanitize() {
  local stage="$1" tool="$2" left="$3" filter="$4"
  shift 4
  local deadline=$(($(now) + left)) p name log running=0 dir="$out_dir/logs.d/$stage-$tool"
  mkdir -p "$dir"
  for p in "$@"; do
    name="$(basename "$p")"
    local remaining=$((deadline - $(now)))
    ((remaining < 5)) && { echo "not run (stage time over)" >"$dir/$name.log"; continue; }
    # Without the caching allocator every tensor is its own cudaMalloc, so memcheck sees its end;
    # API errors that the code handles (out-of-memory probes, cudaErrorNotReady) are not findings.
    (MINIDL_NO_CUDA_MEMORY_CACHING=1 MINIDL_REQUIRE_GPU=1 MINIDL_SOURCE_DIR="$root/src" timeout "$remaining" \
      "$sanitizer" --tool "$tool" --error-exitcode 86 --report-api-errors no "$p" --gtest_filter="$filter" \
      --gtest_color=no >"$dir/$name.log" 2>&1; echo "exit $?" >>"$dir/$name.log") &
    running=$((running + 1))
    if ((running >= 4)); then wait -n; running=$((running - 1)); fi
  done
  wait
  local clean=0 bad=0 skipped=0 errors
  for log in "$dir"/*.log; do
    [[ -f $log ]] || continue
    name="$(basename "$log" .log)"
    errors="$(grep -o 'ERROR SUMMARY: [0-9]* error' "$log" | tail -n 1 | grep -o '[0-9]*')"
    if grep -q 'not run (stage time over)' "$log"; then
      skipped=$((skipped + 1))
    elif grep -q '^exit 0$' "$log" && [[ ${errors:-0} == 0 ]]; then
      clean=$((clean + 1))
    else
      bad=$((bad + 1))
      failures+=("$tool: $name: ${errors:-?} errors, $(grep '^exit' "$log" | tail -n 1) ($(grep -m1 -E '^=+ (Invalid|Race|Barrier|Error|Program hit)' "$log" | cut -c1-160))")
    fi
    { echo "----- $tool: $name"; cat "$log"; } >>"$out_dir/logs.d/sanitizer.$stage-$tool.log"
  done
  figure "${tool}_clean_programs" "$clean"
  figure "${tool}_failed_programs" "$bad"
  figure "${tool}_programs_not_run" "$skipped"
  sanitize_result="$clean clean, $bad failed, $skipped not run"
  ((bad == 0 && skipped == 0 && clean > 0))
}

# Kernel tests at their small test sizes; the allocator's caching tests need caching, so they are out.
memcheck_filter='*Gpu.*-CudaAllocatorGpu.*:PinnedAllocatorGpu.*:RegistryGpu.*:CheckpointResumeGpu.*'
stage_memcheck() {
  require_gpu memcheck || return
  sanitizer="$(find_sanitizer)"
  [[ -n $sanitizer ]] || { set_status memcheck "FAILED: compute-sanitizer not found"; return; }
  local programs
  programs="$(programs_with "$memcheck_filter" | grep -E '/(kernels|core|layers|data)_tests$')"
  # shellcheck disable=SC2086
  if sanitize memcheck memcheck "$1" "$memcheck_filter" $programs; then
    set_status memcheck "ok: $sanitize_result"
  else
    set_status memcheck "FAILED: $sanitize_result"
  fi
}
# The kernels that share memory between threads of a block (reductions, batch norm, dropout,
# the loss), by their tests' names: the test programs are one per tests/ folder.
racecheck_filter='BatchNormGpu.*:DropoutGpu.*:LossGpu.*:ReductionGpu.*:LayersGpu.*BatchNorm*:LayersGpu.*Dropout*:LayersGpu.*CrossEntropy*'
stage_racecheck() {
  require_gpu racecheck || return
  sanitizer="$(find_sanitizer)"
  [[ -n $sanitizer ]] || { set_status racecheck "FAILED: compute-sanitizer not found"; return; }
  local programs half=$(($1 / 2)) r1 r2 ok=1
  programs="$(programs_with "$racecheck_filter")"
  # shellcheck disable=SC2086
  sanitize racecheck racecheck "$half" "$racecheck_filter" $programs || ok=0
  r1="racecheck $sanitize_result"
  # shellcheck disable=SC2086
  sanitize racecheck synccheck "$(($1 - half))" "$racecheck_filter" $programs || ok=0
  r2="synccheck $sanitize_result"
  if ((ok)); then set_status racecheck "ok: $r1; $r2"; else set_status racecheck "FAILED: $r1; $r2"; fi
}

# ----------------------------------------------------------------------- benchmarks
stage_benchmarks() {
  require_gpu benchmarks || return
  local left="$1" p name rc bad=0 count=0 programs stage_start
  stage_start=$(now)
  programs="$(ls "$bin"/bench/*_bench 2>/dev/null)"
  # Three quarters for ours, the rest for PyTorch's same operations on this GPU (torch_compare).
  local each=$((left * 3 / 4 / $(echo "$programs" | wc -w | awk '{print ($1 > 0 ? $1 : 1)}')))
  for p in $programs; do
    name="$(basename "$p")"
    CIFAR10_DIR="${data_dir:-$root/data/cifar10-slice}" \
      timeout "$each" "$p" --benchmark_filter='[Cc]uda' --benchmark_min_time=0.05 --benchmark_color=false \
      --benchmark_out="$out_dir/logs.d/bench_$name.json" --benchmark_out_format=json \
      >"$out_dir/logs.d/bench.$name.log" 2>&1
    rc=$?
    count=$((count + 1))
    if ((rc != 0)); then
      bad=$((bad + 1))
      failures+=("benchmarks: $name: exit $rc$( ((rc == 124)) && echo " (timed out after ${each} s)")")
      rm -f "$out_dir/logs.d/bench_$name.json"  # possibly cut short: keep results.json valid
    elif grep -q '"error_occurred": *true' "$out_dir/logs.d/bench_$name.json" 2>/dev/null; then
      # A benchmark that cannot run (no device, a failed launch) reports SkipWithError and the
      # program still exits 0: on a GPU machine that is a failure, not a result.
      bad=$((bad + 1))
      failures+=("benchmarks: $name: $(grep -o '"error_message": *"[^"]*"' "$out_dir/logs.d/bench_$name.json" |
        head -n 1 | sed 's/.*: *"//; s/"$//')")
    elif ! grep -q '"run_name"' "$out_dir/logs.d/bench_$name.json" 2>/dev/null; then
      bad=$((bad + 1))
      failures+=("benchmarks: $name: no CUDA benchmark ran")
    fi
  done
  bench_table >"$out_dir/logs.d/bench_table.md"
  torch_compare $((left - ($(now) - stage_start)))
  if ((bad)); then set_status benchmarks "FAILED: $bad of $count programs"; else set_status benchmarks "ok: $count programs"; fi
}
# PyTorch's fused Adam, foreach SGD, dropout and batch norm at the benchmarks' sizes, on this GPU,
# with the python3 that holds PyTorch (not a failure when there is none: a ratio is then missing).
torch_compare() {
  local left="$1" script name
  : >"$out_dir/logs.d/torch_table.txt"
  if ! python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then
    echo "(no python3 with a CUDA PyTorch here: no PyTorch figures)" >"$out_dir/logs.d/torch_table.txt"
    return
  fi
  for script in torch_compare.py torch_compare_dropout_bn.py; do
    [[ -s $root/src/bench/$script ]] || continue
    name="${script%.py}"
    if ((left < 20)); then
      echo "$script: skipped: budget" >>"$out_dir/logs.d/torch_table.txt"
      continue
    fi
    local t0
    t0=$(now)
    { echo "\$ python3 bench/$script --device cuda"; PYTHONUNBUFFERED=1 timeout $((left / 2)) python3 \
      "$root/src/bench/$script" --device cuda 2>&1; echo "(exit $?)"; } >"$out_dir/logs.d/bench.$name.log"
    cat "$out_dir/logs.d/bench.$name.log" >>"$out_dir/logs.d/torch_table.txt"
    left=$((left - ($(now) - t0)))
  done
}
# A markdown table of every benchmark's time and GB/s, next to the copy of the same program.
bench_table() {
  local f
  echo "| program | benchmark | time | GB/s |"
  echo "| --- | --- | ---: | ---: |"
  for f in "$out_dir"/logs.d/bench_*.json; do
    [[ -s $f ]] || continue
    # One line per benchmark object of Google Benchmark's JSON: name, real_time, time_unit, GB/s.
    tr -d '\n' <"$f" | grep -o '{[^{}]*"run_name"[^{}]*}' | while IFS= read -r b; do
      local n t u g
      n="$(grep -o '"name": *"[^"]*"' <<<"$b" | head -n 1 | sed 's/.*: *"//; s/"$//')"
      t="$(grep -o '"real_time": *[0-9.e+-]*' <<<"$b" | sed 's/.*: *//')"
      u="$(grep -o '"time_unit": *"[a-z]*"' <<<"$b" | sed 's/.*: *"//; s/"$//')"
      g="$(grep -o '"GB/s": *[0-9.e+-]*' <<<"$b" | sed 's/.*: *//')"
      t="$(awk -v x="$t" 'BEGIN {printf "%.4g", x}')"
      [[ -n ${g:-} ]] && g="$(awk -v x="$g" 'BEGIN {printf "%.0f", x}')"
      echo "| $(basename "${f%.json}" | sed 's/^bench_//') | $n | $t $u | ${g:-} |"
    done
  done
}

# --------------------------------------------------------------------------- training
stage_train() {
  require_gpu train || return
  local left="$1" dir="$data_dir" what args rc
  if [[ -z $dir && -s $data_home/cifar-10-batches-bin/data_batch_5.bin && -s $data_home/cifar-10-batches-bin/test_batch.bin ]]; then
    dir="$data_home/cifar-10-batches-bin"
  fi
  if [[ -z $dir ]]; then dir="$root/data/cifar10-slice"; what="the bundle's slice"; else what="$dir"; fi
  if [[ ! -s $dir/data_batch_1.bin ]]; then
    set_status train "skipped: no CIFAR-10 at $dir (stage parts with --stage-data)"
    return
  fi
  if [[ -n $train_args ]]; then
    read -r -a args <<<"$train_args"
  elif [[ $what == "the bundle's slice" ]]; then
    args=(--epochs 2 --batch-size 256 --optimizer nesterov --lr 0.2 --schedule onecycle --weight-decay 5e-4
      --label-smoothing 0.2 --augment crop,flip)
  else
    # The full run: resnet9, one-cycle Nesterov. On an H200 24 epochs gave 93.66-93.90% in 28.7 s,
    # 32 epochs 94.26% in 38.0 s (bench/results/gpu-2026-12-04): 32, for the 94%.
    args=(--epochs 32 --batch-size 512 --optimizer nesterov --lr 0.4 --schedule onecycle --weight-decay 5e-4
      --label-smoothing 0.2 --augment crop-reflect,flip)
  fi
  figure_text train_data "$what"
  figure_text train_args "--device cuda --model resnet9 ${args[*]}"
  local log="$out_dir/logs.d/train.1.log"
  timeout "$left" "$bin/examples/cifar10_train" --device cuda --model resnet9 --data "$dir" --seed 0 \
    --metrics "$out_dir/logs.d/train_metrics.jsonl" "${args[@]}" >"$log" 2>&1
  rc=$?
  local final
  final="$(grep -a '^final ' "$log" | tail -n 1)"
  { echo "data: $what"; echo "args: --device cuda --model resnet9 ${args[*]}"; grep -a -E '^(epoch|final)' "$log" | tail -n 30; } \
    >"$out_dir/logs.d/train_final.txt"
  cat "$out_dir/logs.d/train_metrics.jsonl" >>"$log" 2>/dev/null
  if ((rc == 0)) && [[ -n $final ]]; then
    local acc imgs secs
    acc="$(grep -o 'test_acc=[0-9.]*' <<<"$final" | cut -d= -f2)"
    secs="$(grep -o 'train_s=[0-9.]*' <<<"$final" | cut -d= -f2)"
    imgs="$(grep -o 'imgs_per_s=[0-9.]*' <<<"$final" | cut -d= -f2)"
    figure train_test_acc "${acc:-null}"
    figure train_seconds "${secs:-null}"
    figure train_images_per_second "${imgs:-null}"
    set_status train "ok: $final" "$what"
  elif ((rc == 124)); then
    set_status train "FAILED: timed out after ${left} s" "$(grep -a '^epoch' "$log" | tail -n 1)"
  else
    set_status train "FAILED: exit $rc" "$(tail -n 3 "$log" | tr '\n' ' ' | cut -c1-300)"
  fi
}

# ---------------------------------------------------------------------------- run
env_rows+=("date (UTC)|$(date -u '+%Y-%m-%d %H:%M:%S')")
env_rows+=("host|$(hostname 2>/dev/null || cat /etc/hostname 2>/dev/null) ($(nproc) cores, $(uname -r))")
while IFS= read -r line; do env_rows+=("bundle ${line%%:*}|${line#*: }"); done <"$root/MANIFEST"
missing_libs=""
setup_libraries
log "bundle at $root; LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
run_stage preflight stage_preflight
run_stage gpu_tests stage_gpu_tests
run_stage parity stage_parity
run_stage memcheck stage_memcheck
run_stage racecheck stage_racecheck
run_stage benchmarks stage_benchmarks
run_stage train stage_train
run_stage cpu_tests stage_cpu_tests
