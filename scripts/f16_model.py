#!/usr/bin/env python3
"""Copies a model folder with its safetensors weights converted from f32 to f16 (half the size).

    python3 scripts/f16_model.py SRC_DIR DST_DIR

For carrying a model where space is short (the GPU check's bundle): insights loads f16 weights at f32 or f16 as
asked. The vectors of f16-rounded weights run at f32 differ slightly from the original's; the GPU check says which
weights it measured. Needs numpy; reads and writes the safetensors format directly (an 8-byte header length, a
JSON header, then the tensors' bytes).
"""
import json
import shutil
import struct
import sys
from pathlib import Path

import numpy as np


def convert(src: Path, dst: Path) -> None:
    data = src.read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    body = data[8 + header_len :]
    out_header, chunks, offset = {}, [], 0
    for name, info in header.items():
        if name == "__metadata__":
            out_header[name] = info
            continue
        start, end = info["data_offsets"]
        raw = body[start:end]
        dtype = info["dtype"]
        if dtype == "F32":
            raw = np.frombuffer(raw, dtype="<f4").astype("<f2").tobytes()
            dtype = "F16"
        out_header[name] = {"dtype": dtype, "shape": info["shape"], "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    encoded = json.dumps(out_header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # the tensors start 8-byte aligned
    tmp = dst.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for chunk in chunks:
            f.write(chunk)
    tmp.replace(dst)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    weights = src / "model.safetensors"
    if not weights.is_file():
        print(f"f16_model: {weights}: no such file", file=sys.stderr)
        return 1
    dst.mkdir(parents=True, exist_ok=True)
    for item in src.iterdir():
        if item.name == "model.safetensors":
            continue
        target = dst / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy2(item, target)
    convert(weights, dst / "model.safetensors")
    print(f"f16_model: wrote {dst / 'model.safetensors'} ({(dst / 'model.safetensors').stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
