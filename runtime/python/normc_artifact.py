"""Calls the entries of a library written by `normc -o DIR` from Python.

ctypes and numpy only: no C++ runtime, no LLVM. This is what runs a
cross-compiled library (`normc --mcpu=...`) on a machine that has neither,
and what Python code that embeds a compiled graph needs:

    art = Artifact("out/")
    train = art.entry("block", "train")
    y, mean, rstd = train(x, w, b)[:3]

Arrays are C-ordered numpy arrays of the manifest's dtype (bf16 travels as
its raw uint16 bits; `to_bf16` / `from_bf16` convert). Outputs are
allocated here and returned in manifest order; they, and the copies of
inputs that are not, start on a 64-byte boundary as PyTorch's tensors do
(numpy's large arrays start 16 bytes past one, which cost the row kernels
up to 1.4x). Running statistics are plain
inputs and outputs of the entry (see their `state` names); this module
keeps no state.
"""
import ctypes
import json
import os

import numpy as np

DTYPES = {"f16": np.float16, "bf16": np.uint16, "f32": np.float32,
          "f64": np.float64, "i64": np.int64}


ALIGNMENT = 64


def aligned_empty(shape, dtype):
    """An uninitialized C-ordered array starting on a 64-byte boundary."""
    dtype = np.dtype(dtype)
    size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(size + ALIGNMENT, dtype=np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return raw[start:start + size].view(dtype).reshape(shape)


def aligned(array, dtype):
    """`array` as a C-ordered `dtype` array on a 64-byte boundary (itself
    when it already is one)."""
    array = np.asarray(array)
    if (array.dtype == dtype and array.flags.c_contiguous
            and array.ctypes.data % ALIGNMENT == 0):
        return array
    out = aligned_empty(array.shape, dtype)
    out[...] = array
    return out


def to_bf16(a):
    """f32 values -> bf16 bits (round to nearest even; NaN stays NaN)."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    rounded = bits + 0x7FFF + ((bits >> 16) & 1)
    out = (rounded >> 16).astype(np.uint16)
    out[np.isnan(np.asarray(a, dtype=np.float32))] = 0x7FC0
    return out


def from_bf16(bits):
    """bf16 bits -> f32 values (exact)."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32)
            << 16).view(np.float32)


class Entry:
    """One entry of the manifest, callable with numpy arrays."""

    def __init__(self, info, function):
        self.info = info
        self.inputs = info["inputs"]
        self.outputs = info["outputs"]
        self._fn = function
        self._fn.restype = None
        self._fn.argtypes = [ctypes.POINTER(ctypes.c_void_p)]

    def _descriptor(self, array):
        shape = array.shape
        fields = [array.ctypes.data, array.ctypes.data, 0, *shape]
        stride, strides = 1, []
        for size in reversed(shape):
            strides.insert(0, stride)
            stride *= size
        return (ctypes.c_int64 * (len(fields) + len(strides)))(
            *fields, *strides)

    def _checked(self, tensor, array):
        want = DTYPES[tensor["dtype"]]
        array = np.asarray(array)
        if array.dtype != want or list(array.shape) != tensor["shape"]:
            raise ValueError(
                f"{self.info['symbol']}: input {tensor['name']} must be "
                f"{tensor['dtype']}{tensor['shape']}, got "
                f"{array.dtype}{list(array.shape)}")
        return aligned(array, want)

    def bind(self, *arrays):
        """(call, outputs): `call()` runs the entry on `arrays` into the
        returned output arrays, again and again (for timing: no allocation
        or checking per call)."""
        if len(arrays) != len(self.inputs):
            raise ValueError(f"{self.info['symbol']} takes "
                             f"{len(self.inputs)} inputs, got {len(arrays)}")
        keep = [self._checked(t, a) for t, a in zip(self.inputs, arrays)]
        results = [aligned_empty(t["shape"], DTYPES[t["dtype"]])
                   for t in self.outputs]
        for r in results:
            r.fill(0)
        descriptors = [self._descriptor(a) for a in keep + results]
        table = (ctypes.c_void_p * len(descriptors))(
            *[ctypes.addressof(d) for d in descriptors])

        def call():
            self._fn(table)
            return results
        # The closure keeps the arrays and descriptors alive.
        call.keep = (keep, descriptors)
        return call, results

    def __call__(self, *arrays):
        call, results = self.bind(*arrays)
        call()
        return results


class Artifact:
    """The manifest and shared library of a `normc -o DIR` output."""

    def __init__(self, directory):
        with open(os.path.join(directory, "manifest.json")) as f:
            self.manifest = json.load(f)
        if self.manifest.get("format") != "normc-manifest-1":
            raise ValueError(f"{directory}: not a normc manifest")
        self.library = ctypes.CDLL(
            os.path.join(os.path.abspath(directory),
                         self.manifest["library"]))

    def entry(self, function, mode, backward=False):
        direction = "backward" if backward else "forward"
        for info in self.manifest["entries"]:
            if (info["function"], info["mode"], info["direction"]) == (
                    function, mode, direction):
                return Entry(info, getattr(self.library, info["symbol"]))
        raise KeyError(f"no {direction} entry {function} ({mode})")
