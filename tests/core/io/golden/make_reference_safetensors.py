#!/usr/bin/env python3
"""Writes reference.safetensors with the reference implementation (PyPI's
safetensors + numpy), for tests/core/io/safetensors_test.cpp to read.

    pip install safetensors numpy && python3 tests/core/io/golden/make_reference_safetensors.py

Values are simple closed forms so the C++ test can recompute them.
"""
import os

import numpy as np
from safetensors.numpy import save_file

tensors = {
    "weight": (np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5) / 4,
    "bias": np.array([1.5, -2.25], dtype=np.float64),
    "half": np.array([0.5, -1.0, 65504.0], dtype=np.float16),
    "counts": np.arange(5, dtype=np.int64) * 1000003,
    "labels": np.array([1, 2, 3], dtype=np.int32),
    "mask": np.array([True, False, True, True]),
    "pixels": np.array([[0, 255], [7, 128]], dtype=np.uint8),
    "empty": np.zeros((0, 3), dtype=np.float32),
    "scalar": np.array(3.25, dtype=np.float32),
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.safetensors")
save_file(tensors, out, metadata={"format": "np", "producer": "safetensors-reference"})
print("wrote", out)
