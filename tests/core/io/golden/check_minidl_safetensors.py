#!/usr/bin/env python3
"""Reads a safetensors file that minidl wrote and prints each tensor, so the
reference implementation can confirm minidl's files (manual interop check):

    python3 tests/core/io/golden/check_minidl_safetensors.py FILE
"""
import sys

from safetensors.numpy import load_file

for name, value in sorted(load_file(sys.argv[1]).items()):
    print(name, value.dtype, list(value.shape), value.ravel()[:6].tolist())
