"""A minimal safetensors writer and reader for the golden files (no dependency
on the `safetensors` package, which Debian does not ship).

Format: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON
  {"name": {"dtype": "F32"|"I64"|"I32"|"BOOL", "shape": [...],
            "data_offsets": [begin, end]}, ...}
padded with spaces so that N is a multiple of 8, then the raw tensor data:
little-endian, row-major, stored contiguously in header order, with offsets
relative to the first byte after the header. BOOL is one byte, 0 or 1.
"""

import json
import struct

import numpy as np
import torch

# torch dtype -> (safetensors dtype code, little-endian numpy dtype)
DTYPES = {
    torch.float32: ("F32", np.dtype("<f4")),
    torch.int64: ("I64", np.dtype("<i8")),
    torch.int32: ("I32", np.dtype("<i4")),
    torch.bool: ("BOOL", np.dtype("u1")),
}
CODE_TO_NUMPY = {code: np_dtype for code, np_dtype in DTYPES.values()}


def encode(tensors):
    """Serialises an ordered {name: torch.Tensor} to safetensors bytes."""
    header = {}
    chunks = []
    offset = 0
    for name, tensor in tensors.items():
        if tensor.dtype not in DTYPES:
            raise TypeError(f"{name}: unsupported dtype {tensor.dtype}")
        code, np_dtype = DTYPES[tensor.dtype]
        raw = tensor.detach().cpu().contiguous().numpy().astype(np_dtype).tobytes(order="C")
        header[name] = {
            "dtype": code,
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def decode(blob):
    """Parses safetensors bytes into an ordered {name: numpy array}, checking
    that the tensors tile the data section exactly, in header order."""
    if len(blob) < 8:
        raise ValueError("file shorter than its 8-byte header length")
    (header_len,) = struct.unpack("<Q", blob[:8])
    if header_len % 8 != 0 or 8 + header_len > len(blob):
        raise ValueError(f"bad header length {header_len}")
    header = json.loads(blob[8 : 8 + header_len].decode("utf-8"))
    data = blob[8 + header_len :]
    arrays = {}
    expected_begin = 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        np_dtype = CODE_TO_NUMPY[entry["dtype"]]
        shape = tuple(entry["shape"])
        begin, end = entry["data_offsets"]
        count = int(np.prod(shape, dtype=np.int64))
        if begin != expected_begin or end - begin != count * np_dtype.itemsize:
            raise ValueError(f"{name}: bad data_offsets {begin}, {end}")
        arrays[name] = np.frombuffer(data[begin:end], dtype=np_dtype).reshape(shape)
        expected_begin = end
    if expected_begin != len(data):
        raise ValueError("data section is longer than its tensors")
    return arrays


def check_round_trip(blob, tensors):
    """Reads `blob` back and asserts it holds exactly `tensors` (names, order,
    dtypes, shapes and bit-exact values)."""
    arrays = decode(blob)
    if list(arrays) != list(tensors):
        raise AssertionError(f"names differ: {list(arrays)} vs {list(tensors)}")
    for name, tensor in tensors.items():
        array = arrays[name]
        code, np_dtype = DTYPES[tensor.dtype]
        if array.dtype != np_dtype or array.shape != tuple(tensor.shape):
            raise AssertionError(f"{name}: read back {array.dtype}{array.shape}")
        expected = tensor.detach().cpu().contiguous().numpy().astype(np_dtype)
        if array.tobytes() != expected.tobytes():
            raise AssertionError(f"{name}: values differ after the round trip")

