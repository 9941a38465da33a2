#!/usr/bin/env python3
"""Measure a Milvus server on synthetic vectors: insert rate, index build, query latency (p50, p99) and recall@10
against exact search, with the HNSW parameters the local index uses at that size (M 16, efConstruction 100, ef 200
at 1M; docs/benchmarks.md), so the two rows compare like for like.

The vectors are the ones the local index is measured on:

    cargo run --release --example synthetic -- --n 1000000 --seed 7 --out /tmp/syn1m.f32 --queries 1000

and the server one that scripts/milvus_server.py lays out (or any Milvus 2.3 on loopback):

    py=$(scripts/scale_out_env.sh)
    $py scripts/milvus_bench.py --port 19530 /tmp/syn1m.f32 --queries /tmp/syn1m.queries.f32

It uses Milvus's own Python client (pymilvus 2.3, gRPC; installed with numpy into the running virtualenv when
missing): creates the collection `bench_N`, inserts in requests of --batch rows, flushes, builds the HNSW index and
waits for it, loads it, then runs each query alone (strong consistency off: the data is static), best of --repeat,
and prints one JSON line per search breadth (--ef 64,200). Nothing but 127.0.0.1 is spoken to.
"""
import argparse
import json
import subprocess
import sys
import time

try:
    import numpy as np
    import pymilvus
except ImportError:
    # pymilvus 2.3 imports pkg_resources (setuptools before 70) and environs, which breaks on marshmallow 4.
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "numpy", "pymilvus==2.3.7",
                           "setuptools<70", "marshmallow<4"])
    import numpy as np
    import pymilvus

from pymilvus import Collection, CollectionSchema, DataType, FieldSchema, connections, utility


def exact_top_k(base, queries, k):
    out = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), 100):
        scores = queries[start:start + 100] @ base.T
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
        out[start:start + 100] = np.take_along_axis(top, order, axis=1)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("vectors", help="raw little-endian float32, N x DIM")
    ap.add_argument("--queries", required=True, help="raw float32 queries, Q x DIM")
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--port", type=int, default=19530)
    ap.add_argument("--batch", type=int, default=10000, help="rows per insert request")
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=100)
    ap.add_argument("--ef", default="200", help="search breadths, comma-separated: one JSON line each")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each query; the fastest counts")
    ap.add_argument("--k", type=int, default=10)
    a = ap.parse_args()
    base = np.fromfile(a.vectors, dtype="<f4").reshape(-1, a.dim)
    queries = np.fromfile(a.queries, dtype="<f4").reshape(-1, a.dim)
    n, k = len(base), a.k
    exact = exact_top_k(base, queries, k)
    connections.connect(host="127.0.0.1", port=str(a.port))
    name = f"bench_{n}"
    if utility.has_collection(name):
        utility.drop_collection(name)
    fields = [FieldSchema("n", DataType.INT64, is_primary=True),
              FieldSchema("vector", DataType.FLOAT_VECTOR, dim=a.dim)]
    col = Collection(name, CollectionSchema(fields))
    t = time.perf_counter()
    for start in range(0, n, a.batch):
        ids = list(range(start, min(n, start + a.batch)))
        col.insert([ids, base[start:start + a.batch]])
    col.flush()
    insert_s = time.perf_counter() - t
    t = time.perf_counter()
    col.create_index("vector", {"index_type": "HNSW", "metric_type": "IP",
                                "params": {"M": a.m, "efConstruction": a.ef_construction}})
    utility.wait_for_index_building_complete(name)
    col.load()
    # Sealing and compaction go on after the first build: wait until every row is in an indexed, loaded segment
    # (a segment not indexed yet is searched exhaustively, which would flatter recall and spoil the latencies).
    while True:
        progress = utility.index_building_progress(name)
        segments = utility.get_query_segment_info(name)
        loaded = sum(s.num_rows for s in segments if s.index_name)
        if progress["indexed_rows"] == n and progress.get("pending_index_rows", 0) == 0 and loaded == n:
            break
        time.sleep(5)
    index_s = time.perf_counter() - t
    for ef in [int(e) for e in a.ef.split(",")]:
        params = {"metric_type": "IP", "params": {"ef": ef}}
        found, lat = [], []
        for q in queries:
            best = None
            for _ in range(a.repeat):
                t = time.perf_counter()
                hits = col.search([q.tolist()], "vector", params, limit=k, consistency_level="Eventually")
                dt = time.perf_counter() - t
                best = dt if best is None else min(best, dt)
            lat.append(best)
            found.append([h.id for h in hits[0]])
        lat.sort()
        pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1e6
        hit = sum(len(set(f) & set(e.tolist())) for f, e in zip(found, exact))
        print(json.dumps({
            "n": n, "dim": a.dim, "queries": len(queries), "batch": a.batch, "m": a.m,
            "ef_construction": a.ef_construction, "ef": ef, "pymilvus": pymilvus.__version__,
            "insert_s": round(insert_s, 1), "insert_per_s": round(n / insert_s), "index_s": round(index_s, 1),
            "segments": len(segments), "recall_at_10": round(hit / (k * len(queries)), 4),
            "p50_us": round(pct(0.50)), "p99_us": round(pct(0.99)),
        }), flush=True)


if __name__ == "__main__":
    main()
