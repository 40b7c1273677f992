#!/usr/bin/env bash
# The main job: builds the CIFAR-10 example (installing missing Debian packages
# when run as root), finds the data (--data DIR, $CIFAR10_DIR, or
# data/cifar-10-batches-bin, downloading it there if absent) and trains with the
# README's recipe. Extra flags go to the program (examples/cifar10_train --help):
#   scripts/train_cifar10.sh --epochs 2 --device cpu
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_dir="${MINIDL_BUILD_DIR:-build}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"

bash scripts/test.sh --deps-only >&2
cmake -S . -B "$build_dir" -DMINIDL_BUILD_EXAMPLES=ON >"$root/.train_configure.log" 2>&1 ||
  { cat "$root/.train_configure.log" >&2; exit 1; }
cmake --build "$build_dir" --parallel "$(nproc)" --target cifar10_train >&2

data_flag=""
for ((i = 1; i <= $#; i++)); do
  [[ "${!i}" == --data ]] && { j=$((i + 1)); data_flag="${!j}"; }
  [[ "${!i}" == --data=* ]] && data_flag="${!i#--data=}"
done
if [[ -z "$data_flag" && -z "${CIFAR10_DIR:-}" && ! -f data/cifar-10-batches-bin/data_batch_1.bin ]]; then
  bash scripts/get_cifar10.sh data/cifar-10-batches-bin >&2
fi

exec "$build_dir/examples/cifar10_train/cifar10_train" --model small_cnn --epochs 2 --batch-size 128 \
  --optimizer nesterov --lr 0.1 --schedule onecycle --weight-decay 5e-4 --label-smoothing 0.1 \
  --augment crop,flip "$@"
