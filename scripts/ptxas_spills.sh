#!/usr/bin/env bash
# Registers and spills of the fused CUDA kernels, from `nvcc -Xptxas -v`, for sm_80 and
# sm_90: one line per kernel and architecture, then a verdict. Needs nvcc, not a GPU.
# Exits 1 when a kernel spills (the fused kernels must not), 0 otherwise, and 0 with a
# note when nvcc is missing.
#   scripts/ptxas_spills.sh [file.cu ...]   (default: the optimizer, dropout and batch-norm kernels)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
nvcc="$(command -v nvcc || true)"
[[ -z $nvcc && -x /usr/local/cuda/bin/nvcc ]] && nvcc=/usr/local/cuda/bin/nvcc
if [[ -z $nvcc ]]; then
  echo "ptxas spills: skipped (nvcc not found)"
  exit 0
fi
files=("$@")
((${#files[@]})) || files=(kernels/cuda/optim.cu kernels/cuda/dropout.cu kernels/cuda/batch_norm.cu)
demangle="$(command -v c++filt || echo cat)"

spilled=0
for file in "${files[@]}"; do
  # The flags of the library build that matter to code generation.
  report="$("$nvcc" -DMINIDL_WITH_CUDA=1 -I"$root" -O3 -DNDEBUG -std=c++20 --expt-relaxed-constexpr \
    --generate-code=arch=compute_80,code=sm_80 --generate-code=arch=compute_90,code=sm_90 \
    -Xptxas -v -c "$file" -o /dev/null 2>&1)" || { echo "$report"; exit 1; }
  # ptxas prints, per kernel: "Compiling entry function 'NAME' for 'sm_XX'", then the stack
  # frame and spill line, then "Used N registers".
  lines="$(awk '
    /Compiling entry function/ { match($0, /function .[^'"'"']*/); name = substr($0, RSTART + 10, RLENGTH - 10)
                                 match($0, /sm_[0-9]+/); arch = substr($0, RSTART, RLENGTH) }
    /bytes spill stores/ { stores = $5; loads = $9 }
    /Used [0-9]+ registers/ { for (i = 1; i <= NF; ++i) if ($i == "Used") regs = $(i + 1)
                              print arch, regs, stores, loads, name }' <<<"$report" | sort -u)"
  while read -r arch regs stores loads name; do
    [[ -z $arch ]] && continue
    short="$("$demangle" <<<"$name" | sed -E 's/minidl::kernels::cuda::\(anonymous namespace\):://g; s/minidl::kernels:://g; s/minidl:://g')"
    flag=""
    if [[ $stores != 0 || $loads != 0 ]]; then
      flag="  SPILLS $stores/$loads bytes"
      spilled=1
    fi
    printf '%-6s %3s registers  %s%s\n' "$arch" "$regs" "${short:0:120}" "$flag"
  done <<<"$lines"
done
if ((spilled)); then
  echo "ptxas spills: FOUND (see SPILLS above)"
  exit 1
fi
echo "ptxas spills: none in ${files[*]}"
