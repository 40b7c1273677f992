#!/usr/bin/env bash
# Builds the GPU check bundle here, on a machine without a GPU, for a GPU machine that has no
# network and none of our -dev packages (README: "Checking on a GPU").
#
#   scripts/gpu_bundle.sh [--data DIR] [--no-build]   the bundle: gpu-bundle/ (at most 48 MiB)
#   scripts/gpu_bundle.sh --data-part K [--data DIR]   CIFAR-10 part K of 3: gpu-data/partK/
#
# The bundle: a Release build for sm_90 (MINIDL_BUNDLE_ARCH; the library one shared object, so
# its fatbinary exists once) of every test program, benchmark, example and minidl_preflight,
# stripped, with every shared library they need that a bare CUDA image may lack (what ldd names
# outside glibc and the CUDA, cuDNN and NCCL libraries, which run.sh finds on the device), the
# golden files the tests read, a 1,000-image CIFAR-10 slice when the data is here, all packed in
# payload.tar.gz beside run.sh (scripts/gpu_bundle_run.sh). The script checks that ldd of every
# binary resolves to the bundle, glibc or CUDA and fails otherwise, and fails above 48 MiB.
# Data parts: two CIFAR-10 files each (gzip), small enough to travel beside the working tree.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_dir="${MINIDL_BUNDLE_BUILD_DIR:-build-bundle}"
arch="${MINIDL_BUNDLE_ARCH:-90-real}"
bundle_dir="$root/gpu-bundle"
limit_mib=48
data_flag=""
data_part=""
build=1
while (($#)); do
  case "$1" in
    --data) data_flag="$2"; shift 2 ;;
    --data-part) data_part="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu_bundle.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
  esac
done
log() { printf '\n==> %s\n' "$*"; }
die() { echo "gpu_bundle.sh: $*" >&2; exit 1; }
data_dir="${data_flag:-${CIFAR10_DIR:-}}"
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }

# ------------------------------------------------------------------------- data parts
if [[ -n $data_part ]]; then
  declare -A parts=([1]="data_batch_1.bin data_batch_2.bin" [2]="data_batch_3.bin data_batch_4.bin"
    [3]="data_batch_5.bin test_batch.bin batches.meta.txt")
  [[ -n ${parts[$data_part]:-} ]] || die "--data-part takes 1, 2 or 3, got '$data_part'"
  [[ -n $data_dir && -d $data_dir ]] || die "no CIFAR-10 folder: pass --data DIR or set CIFAR10_DIR"
  out="$root/gpu-data/part$data_part"
  rm -rf "$out" && mkdir -p "$out"  # each part travels alone: carry ["gpu-data/partK"]
  files=()
  for f in ${parts[$data_part]}; do
    [[ -s $data_dir/$f ]] || die "$data_dir/$f is missing"
    files+=("$f")
  done
  tar -C "$data_dir" -cf - "${files[@]}" | gzip -6 >"$out/cifar10-part$data_part.tar.gz"
  part_bytes=$(du -cb "$out" | tail -n 1 | cut -f1)
  tree_bytes=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -n 1 | cut -f1)
  echo "gpu-data/part$data_part: ${files[*]}: $(mib "$part_bytes") MiB (+ $(mib "$tree_bytes") MiB of working tree)"
  (((part_bytes + tree_bytes) < 63 * 1048576)) || die "part $data_part and the working tree exceed 63 MiB"
  echo "device call: carry [\"gpu-data/part$data_part\"], command: bash scripts/gpu_bundle_run.sh --stage-data gpu-data/part$data_part"
  exit 0
fi

# ------------------------------------------------------------------------------ build
start=$SECONDS
if ((build)); then
  bash scripts/test.sh --deps-only
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
  log "configure $build_dir (Release, CUDA for $arch)"
  mkdir -p "$build_dir"
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DMINIDL_CUDA=ON "-DCMAKE_CUDA_ARCHITECTURES=$arch" \
    -DMINIDL_WERROR=ON -DMINIDL_BUILD_TESTS=ON -DMINIDL_BUILD_BENCHMARKS=ON -DMINIDL_BUILD_EXAMPLES=ON \
    -DMINIDL_BUILD_TOOLS=ON >"$build_dir/configure.log" 2>&1 || { cat "$build_dir/configure.log"; exit 1; }
  log "build $build_dir ($(nproc) jobs)"
  cmake --build "$build_dir" --parallel "$(nproc)"
fi
build_seconds=$((SECONDS - start))

# ---------------------------------------------------------------------------- collect
stage="$(realpath -m "$build_dir/bundle-stage")"
rm -rf "$stage" && mkdir -p "$stage"/{bin/tests,bin/bench,bin/examples,bin/tools,lib,src}
is_elf() { [[ -f $1 && -x $1 && "$(head -c 4 "$1" | od -An -c | tr -d ' ')" == '177ELF' ]]; }
for f in "$build_dir"/tests/*_tests; do is_elf "$f" && cp "$f" "$stage/bin/tests/"; done  # one per tests/ folder
for f in "$build_dir"/bench/*_bench; do is_elf "$f" && cp "$f" "$stage/bin/bench/"; done
for d in "$build_dir"/examples/*/; do
  f="$d$(basename "$d")"
  is_elf "$f" && cp "$f" "$stage/bin/examples/"
done
cp "$build_dir/tools/minidl_preflight" "$stage/bin/tools/"
library="$(readlink -f "$build_dir/libminidl.so")"
soname="$(objdump -p "$library" | awk '$1 == "SONAME" {print $2}')"
cp "$library" "$stage/lib/$soname"
(($(ls "$stage/bin/tests" | wc -l) > 0)) || die "no test programs in $build_dir/tests"

# What the machine provides: glibc, and the CUDA libraries that run.sh finds there.
system_lib='^(linux-vdso\.so|ld-linux-x86-64\.so|libc\.so|libm\.so|libpthread\.so|libdl\.so|librt\.so|libresolv\.so)'
cuda_lib='^(libcuda\.so|libcublas\.so|libcublasLt\.so|libcudnn[a-z_]*\.so|libnccl\.so|libcudart\.so)'
elves() { find "$stage/bin" "$stage/lib" -type f | while read -r f; do is_elf "$f" && echo "$f"; done; }
: >"$stage/NEEDED.all"
for f in $(elves); do
  ldd "$f" | awk '/=>/ {print $1, $3} !/=>/ && NF {print $1, $1}' | while read -r name path; do
    base="$(basename "$name")"
    if [[ $base =~ $system_lib ]]; then continue; fi
    if [[ $base =~ $cuda_lib ]]; then echo "$base" >>"$stage/NEEDED.all"; continue; fi
    [[ -e $stage/lib/$base ]] && continue
    [[ $path == not ]] && die "$(basename "$f") needs $base, which is not found here"
    cp -L "$path" "$stage/lib/$base"
  done
done
sort -u "$stage/NEEDED.all" >"$stage/NEEDED" && rm "$stage/NEEDED.all"
log "strip"
for f in $(elves); do strip --strip-unneeded "$f"; done

# Every binary resolves to the bundle, glibc or the CUDA libraries, or the bundle is refused.
bad=0
for f in $(elves); do
  while read -r name arrow path _; do
    base="$(basename "$name")"
    [[ $arrow == "=>" ]] || continue
    [[ $base =~ $system_lib || $base =~ $cuda_lib ]] && continue
    if [[ $path != "$(cd "$stage/lib" && pwd)"/* ]]; then
      echo "ldd: $(basename "$f") takes $base from $path, outside the bundle" >&2
      bad=1
    fi
  done < <(LD_LIBRARY_PATH="$stage/lib" ldd "$f")
done
((bad == 0)) || die "some libraries resolve outside the bundle, glibc and CUDA"

# The golden files the tests read, under the MINIDL_SOURCE_DIR run.sh gives them.
while IFS= read -r f; do
  mkdir -p "$stage/src/$(dirname "$f")" && cp "$f" "$stage/src/$f"
done < <(git ls-files 'tests/**/golden/*' | grep -v '\.py$')
# PyTorch's side of the benchmarks, for ratios on the same GPU.
mkdir -p "$stage/src/bench" && cp bench/torch_compare.py bench/torch_compare_dropout_bn.py "$stage/src/bench/"

# A CIFAR-10 slice for the check's short training run: 200 images of each training file, 500 test.
if [[ -n $data_dir && -s $data_dir/data_batch_1.bin ]]; then
  mkdir -p "$stage/data/cifar10-slice"
  for b in 1 2 3 4 5; do head -c $((200 * 3073)) "$data_dir/data_batch_$b.bin" >"$stage/data/cifar10-slice/data_batch_$b.bin"; done
  head -c $((500 * 3073)) "$data_dir/test_batch.bin" >"$stage/data/cifar10-slice/test_batch.bin"
  cp "$data_dir/batches.meta.txt" "$stage/data/cifar10-slice/" 2>/dev/null || true
  slice="1,000 training and 500 test images from $data_dir"
else
  slice="none (no --data or CIFAR10_DIR when the bundle was built)"
fi

{
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!gpu-bundle' 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "built: $(date -u '+%Y-%m-%d %H:%M') UTC on $(uname -m), ${build_seconds} s"
  echo "cuda: $(nvcc --version | grep -o 'release [0-9.]*' | head -n 1), architectures $arch"
  echo "compiler: $(c++ --version | head -n 1)"
  echo "programs: $(ls "$stage/bin/tests" | wc -l) tests, $(ls "$stage/bin/bench" | wc -l) benchmarks, $(ls "$stage/bin/examples" | wc -l) examples"
  echo "carried libraries: $(ls "$stage/lib" | tr '\n' ' ')"
  echo "from the device: $(tr '\n' ' ' <"$stage/NEEDED")"
  echo "cifar10 slice: $slice"
} >"$stage/MANIFEST"

# ------------------------------------------------------------------------------- pack
log "pack"
rm -rf "$bundle_dir" && mkdir -p "$bundle_dir"
tar -C "$stage" -cf - . | gzip -9 >"$bundle_dir/payload.tar.gz"
sha256sum "$bundle_dir/payload.tar.gz" | cut -d' ' -f1 >"$bundle_dir/payload.sha256"
cp scripts/gpu_bundle_run.sh "$bundle_dir/run.sh" && chmod +x "$bundle_dir/run.sh"
cp "$stage/MANIFEST" "$bundle_dir/MANIFEST"
bytes=$(du -cb "$bundle_dir" | tail -n 1 | cut -f1)
unpacked=$(du -sb "$stage" | cut -f1)
{
  echo "unpacked: $(mib "$unpacked") MiB; packed: $(mib "$bytes") MiB"
} >>"$bundle_dir/MANIFEST"
echo
cat "$bundle_dir/MANIFEST"
echo "gpu-bundle/: $(mib "$bytes") MiB (limit $limit_mib MiB), build ${build_seconds} s, total $((SECONDS - start)) s"
((bytes <= limit_mib * 1048576)) || die "the bundle is $(mib "$bytes") MiB, over the $limit_mib MiB limit"
