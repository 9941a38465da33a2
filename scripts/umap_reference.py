#!/usr/bin/env python3
"""umap-learn (what BERTopic draws its maps with) on the vectors of a saved index: how well its 2-D map keeps each
insight's 10 nearest insights, scored exactly as `insights::analysis::layout::neighbour_keeping` scores ours
(the share of each sampled insight's 10 nearest by cosine that are among its 10 nearest on the map, over up to
2,000 insights taken evenly), with PCA beside it, and its time.

    python3 -m venv /tmp/umapvenv && /tmp/umapvenv/bin/pip install umap-learn
    /tmp/umapvenv/bin/python scripts/umap_reference.py INDEX.idx

Reads the index file directly (its layout: docs/formats.md): the header's counts give where the f32 vectors start.
Never run in CI.
"""
import json
import struct
import sys
import time

import numpy as np


def vectors_of(path):
    data = open(path, "rb").read()
    if data[:12] != b"INSIGHTS-IDX":
        sys.exit(f"{path}: not an insights index")
    header_len = struct.unpack("<Q", data[16:24])[0]
    header = json.loads(data[24 : 24 + header_len])
    n, dim = header["count"], header["meta"]["dim"]
    version = struct.unpack("<I", data[12:16])[0]
    dates = 8 * n if version >= 6 else 0
    start = 24 + header_len + header["insights_bytes"] + 16 * n + dates
    start = (start + 63) // 64 * 64
    return np.frombuffer(data[start : start + 4 * n * dim], dtype="<f4").reshape(n, dim)


def keeping(vectors, positions, k=10, sample=2000):
    n = len(vectors)
    step = max(1, -(-n // sample))
    kept = []
    for i in range(0, n, step):
        cos = vectors @ vectors[i]
        cos[i] = -np.inf
        near = set(np.argpartition(-cos, k)[:k])
        d = ((positions - positions[i]) ** 2).sum(axis=1)
        d[i] = np.inf
        on_map = set(np.argpartition(d, k)[:k])
        kept.append(len(near & on_map) / k)
    return float(np.mean(kept))


def main():
    vectors = vectors_of(sys.argv[1]).astype(np.float32)
    n = len(vectors)
    centred = vectors - vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    pca = centred @ vt[:2].T
    print(f"insights: {n}; chance {10 / n:.4f}")
    print(f"PCA: {keeping(vectors, pca):.3f}")
    import umap  # noqa: E402  (slow to import)

    started = time.time()
    reducer = umap.UMAP(n_neighbors=15, n_components=2, metric="cosine", min_dist=0.1, random_state=42)
    positions = reducer.fit_transform(vectors)
    took = time.time() - started
    print(f"umap-learn {umap.__version__} (n_neighbors 15, cosine, min_dist 0.1, random_state 42, so one thread): "
          f"{keeping(vectors, positions):.3f}, {took:.1f} s (numba compilation included)")


if __name__ == "__main__":
    main()
