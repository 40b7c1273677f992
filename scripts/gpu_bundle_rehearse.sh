#!/usr/bin/env bash
# Rehearses gpu-bundle/run.sh the way the GPU machine runs it, here, without a GPU: in a clean
# Debian root (debootstrap --variant=minbase: none of our -dev packages) with only the CUDA
# libraries the bundle takes from the machine copied in (cuBLAS, cuDNN; no driver), entered with
# chroot in a namespace without network (unshare -n). Then checks what a first GPU lease depends
# on: every binary loads, the preflight says clearly that there is no GPU and the run exits
# non-zero, the CPU tests that the bundle carries pass, summary.md and results.json land in the
# out folder, and the run ends within its budget. Writes the summary, with these checks, to
# bench/results/gpu_bundle_rehearsal.md. Needs root; the first run downloads the Debian root
# (MINIDL_REHEARSAL_ROOT, default /var/tmp/minidl-rehearsal/root).
#
#   scripts/gpu_bundle_rehearse.sh [--budget SECONDS]     (build the bundle first: scripts/gpu_bundle.sh)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
budget=480
[[ ${1:-} == --budget ]] && budget="$2"
chroot_dir="${MINIDL_REHEARSAL_ROOT:-/var/tmp/minidl-rehearsal/root}"
result_file="bench/results/gpu_bundle_rehearsal.md"
die() { echo "gpu_bundle_rehearse.sh: $*" >&2; exit 1; }
log() { printf '\n==> %s\n' "$*"; }
((EUID == 0)) || die "needs root (chroot, unshare)"
[[ -f gpu-bundle/run.sh && -f gpu-bundle/payload.tar.gz ]] || die "no gpu-bundle/: run scripts/gpu_bundle.sh first"

if [[ ! -x $chroot_dir/bin/bash ]]; then
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap
  log "debootstrap --variant=minbase bookworm $chroot_dir"
  debootstrap --variant=minbase bookworm "$chroot_dir" http://deb.debian.org/debian >/dev/null
fi
for lib in libopenblas libgtest libbenchmark libgfortran libgomp; do
  if compgen -G "$chroot_dir/usr/lib/x86_64-linux-gnu/$lib*" >/dev/null; then die "$chroot_dir has $lib: not a bare root"; fi
done

# The CUDA libraries the bundle leaves to the machine, as a toolkit would hold them (no libcuda:
# there is no driver here, as on a machine whose GPU cannot be used).
cuda_dir="$chroot_dir/usr/local/cuda/lib64"
mkdir -p "$cuda_dir"
tar -xzf gpu-bundle/payload.tar.gz -O ./NEEDED >/tmp/minidl-needed.$$
copied=()
while read -r name; do
  [[ $name == libcuda.so* ]] && continue
  path="$(ldconfig -p | awk -v n="$name" '$1 == n && !found {print $NF; found = 1}')"
  [[ -z $path ]] && for d in /usr/local/cuda/lib64 /usr/local/lib /usr/lib/x86_64-linux-gnu; do
    [[ -e $d/$name ]] && path="$d/$name" && break
  done
  [[ -n $path ]] || die "$name (needed by the bundle) is not on this machine either"
  # The library and its siblings (cuDNN 9 loads libcudnn_*.so.9 at run time).
  prefix="${name%%.so*}"
  for f in "$(dirname "$path")/$prefix"*.so*; do
    [[ -e $cuda_dir/$(basename "$f") ]] || cp -P "$f" "$cuda_dir/"
  done
  copied+=("$name")
done </tmp/minidl-needed.$$
rm -f /tmp/minidl-needed.$$

rm -rf "$chroot_dir/work" && mkdir -p "$chroot_dir/work/stub-bin"
cp -r gpu-bundle "$chroot_dir/work/gpu-bundle"
# Pass 2's stand-in for compute-sanitizer (there is none without a GPU): runs the program and
# prints a clean summary, so that the sanitizer stages' plumbing runs; it checks nothing.
cat >"$chroot_dir/work/stub-bin/compute-sanitizer" <<'EOF'
#!/bin/bash
while [[ $1 == --* ]]; do shift 2; done
"$@"; rc=$?; echo "========= ERROR SUMMARY: 0 errors (rehearsal stand-in)"; exit $rc
EOF
chmod +x "$chroot_dir/work/stub-bin/compute-sanitizer"

# in_chroot out-folder log path-prefix run.sh-arguments...: run.sh as the device would run it.
in_chroot() {
  local out="$1" log="$2" path="$3"
  shift 3
  rm -rf "$chroot_dir/work/$out" && mkdir -p "$chroot_dir/work/$out"
  cat >"$chroot_dir/work/inner.sh" <<EOF
echo "network: \$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')"
cd /work && exec bash gpu-bundle/run.sh $*
EOF
  unshare --net --mount --fork sh -c "mount -t proc proc '$chroot_dir/proc' && mount --bind /dev '$chroot_dir/dev' &&
    exec chroot '$chroot_dir' /usr/bin/env -i PATH=${path}/usr/bin:/bin HOME=/root OUT=/work/$out bash /work/inner.sh" \
    2>&1 | tee "$log"
  return "${PIPESTATUS[0]}"
}

log "pass 1: run.sh --budget $budget in the chroot, no network"
start=$SECONDS
set +e
in_chroot out /tmp/minidl-rehearsal.log "" --budget "$budget"
rc=$?
elapsed=$((SECONDS - start))
log "pass 2: run.sh --force-gpu-stages (the GPU stages' plumbing, without a GPU)"
in_chroot out-forced /tmp/minidl-rehearsal-forced.log /work/stub-bin: --budget "$budget" --force-gpu-stages
rc_forced=$?
set -e
out="$chroot_dir/work/out"
forced="$chroot_dir/work/out-forced"

checks=()
check() {  # check description command...
  local what="$1"
  shift
  if "$@"; then checks+=("| $what | yes |"); else checks+=("| $what | **NO** |"); failed=1; fi
}
failed=0
check "run.sh exits non-zero without a GPU (exit $rc)" test "$rc" -ne 0
check "summary.md and results.json are in the out folder" test -s "$out/summary.md" -a -s "$out/results.json"
check "the preflight fails naming the CUDA runtime's error" grep -q '| preflight | FAILED: cuda' "$out/summary.md"
check "every GPU stage says it was skipped for want of a GPU" \
  test "$(grep -c 'skipped: no usable GPU' "$out/summary.md")" -eq 6
check "the CPU tests the bundle carries pass" grep -q '| cpu_tests | ok:' "$out/summary.md"
check "every test program loaded (listed its tests)" bash -c "! grep -q 'error while loading shared libraries' /tmp/minidl-rehearsal.log"
check "the run ends within its budget of $budget s (took $elapsed s)" test "$elapsed" -le $((budget + 30))
check "only the loopback device in the chroot's network namespace" grep -q '^network: lo $' /tmp/minidl-rehearsal.log
check "results.json is valid JSON (both passes)" python3 -c 'import json, sys; [json.load(open(f)) for f in sys.argv[1:]]' \
  "$out/results.json" "$forced/results.json"
check "pass 2: every GPU stage ran and reported a status (exit $rc_forced)" \
  bash -c "! grep -E '^\| (gpu_tests|parity|memcheck|racecheck|benchmarks|train) \| (not reached|skipped)' '$forced/summary.md'"
check "pass 2: no shell error in run.sh's output" \
  bash -c "! grep -E 'command not found|unbound variable|syntax error|bad substitution|integer expression' /tmp/minidl-rehearsal-forced.log"

{
  echo "# GPU bundle rehearsal, $(date -u '+%Y-%m-%d %H:%M') UTC"
  echo
  echo "\`scripts/gpu_bundle_rehearse.sh\`: \`gpu-bundle/run.sh --budget $budget\` in a Debian 12 minbase chroot"
  echo "(none of minidl's -dev packages), no network (\`unshare -n\`), with only these CUDA libraries"
  echo "copied to /usr/local/cuda/lib64 and no driver: ${copied[*]} (and their cuDNN siblings)."
  echo "Bundle: $(grep -E '^(commit|programs|unpacked)' gpu-bundle/MANIFEST | tr '\n' ';' | sed 's/;$//; s/;/; /g')."
  echo "This machine: $(nproc) cores. Wall time: $elapsed s; exit $rc."
  echo
  echo "| check | passed |"
  echo "| --- | --- |"
  printf '%s\n' "${checks[@]}"
  echo
  echo "## What run.sh wrote (summary.md)"
  echo
  sed 's/^#/##/' "$out/summary.md"
  echo
  echo "## Pass 2: \`run.sh --force-gpu-stages\` (the GPU stages without a GPU: each must run and fail cleanly)"
  echo
  grep -E '^\| (stage|---|preflight|gpu_tests|parity|memcheck|racecheck|benchmarks|train|cpu_tests) ' "$forced/summary.md"
} >"$result_file"
cp "$out/results.json" bench/results/gpu_bundle_rehearsal.json
echo
cat "$result_file" | head -n 20
((failed == 0)) || die "a rehearsal check failed (see $result_file)"
log "rehearsal passed: $result_file"
