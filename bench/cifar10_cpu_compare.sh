#!/usr/bin/env bash
# Side by side on this machine: minidl's CIFAR-10 example and PyTorch (Debian's
# python3-torch) training the same small CNN with the same recipe and threads.
# Prints both final lines and the speed ratio. Usage:
#   CIFAR10_DIR=... bench/cifar10_cpu_compare.sh [--threads 2] [--epochs 2]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads=2 epochs=2
while (($#)); do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
data="${CIFAR10_DIR:-$root/data/cifar-10-batches-bin}"
# Passive OpenMP waiting keeps both libraries fair on a machine shared with other work.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
ours=$("$root/scripts/train_cifar10.sh" --device cpu --data "$data" --threads "$threads" --epochs "$epochs" | tail -1)
theirs=$(/usr/bin/python3 "$root/bench/torch_cifar10_small_cnn.py" --data "$data" --threads "$threads" \
  --epochs "$epochs" | tail -1)
echo "minidl:  $ours"
echo "pytorch: $theirs"
rate() { sed -n 's/.*imgs_per_s=\([0-9.]*\).*/\1/p' <<<"$1"; }
awk -v a="$(rate "$ours")" -v b="$(rate "$theirs")" 'BEGIN { printf "speed ratio minidl/pytorch: %.2f\n", a / b }'
