#!/usr/bin/env bash
# Downloads the official CIFAR-10 binary release (Krizhevsky 2009) into DIR
# (default: data/cifar-10-batches-bin), unpacks it and checks the md5 of every
# data file against the official values. Usage: scripts/get_cifar10.sh [DIR]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$root/data/cifar-10-batches-bin}"
url="https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
declare -A md5=(
  [data_batch_1.bin]=5dd7e06a14cb22eb9f671a540d1b7c25 [data_batch_2.bin]=5ea93a67294ea407fff1d09f752e9692
  [data_batch_3.bin]=942cd6a4bcdd0dd3c604fbe906cb4421 [data_batch_4.bin]=ae636b3ba5c66a11e91e8cb52e771fcb
  [data_batch_5.bin]=53f37980c15c3d472c316c40844f3f0d [test_batch.bin]=803d5f7f4d78ea53de84dbe85f74fb6d)

verify() {
  local file
  for file in "${!md5[@]}"; do
    [[ -f "$1/$file" ]] || return 1
    [[ "$(md5sum "$1/$file" | cut -d' ' -f1)" == "${md5[$file]}" ]] || { echo "md5 mismatch: $1/$file" >&2; return 1; }
  done
}

if verify "$dest" 2>/dev/null; then
  echo "CIFAR-10 already in $dest (md5 checked)"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "downloading $url"
if command -v curl >/dev/null; then
  curl -fL --retry 3 -o "$tmp/cifar.tar.gz" "$url"
else
  wget -q -O "$tmp/cifar.tar.gz" "$url"
fi
tar -xzf "$tmp/cifar.tar.gz" -C "$tmp"
verify "$tmp/cifar-10-batches-bin" || { echo "the download is corrupt: md5 sums differ" >&2; exit 1; }
mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$tmp/cifar-10-batches-bin" "$dest"
echo "CIFAR-10 is in $dest (md5 checked)"
