#!/usr/bin/env python3
"""Reference numbers for approximate nearest-neighbour search: hnswlib and faiss HNSW.

Reads raw little-endian float32 vectors (N x DIM, row-major, no header), builds
an HNSW index with each library (M=16, efConstruction=200, 2 build threads),
searches with efSearch=64 one query at a time on one thread, and prints build
time, query latency p50/p99, recall@10 against exact search (numpy brute force
over the same base vectors), and index memory (RSS growth during the build and
the size of the saved index).

Queries come from --queries FILE (same format), or else the last --holdout
rows of the vector file are held out of the index and used as queries.

`make` writes a synthetic test file: clustered unit vectors (Gaussian centres
plus noise, normalised), seeded, so a run can be repeated byte for byte.

The script needs only the Python 3 standard library to start; it makes a
throwaway virtualenv (default /tmp/insights-ann-venv, reused when it imports)
with `pip install numpy hnswlib faiss-cpu` by package name and runs itself
inside it.  Never run this in CI.

Usage:
    python3 scripts/ann_reference.py make --n 101000 --out /tmp/ann/synthetic-101k.f32
    python3 scripts/ann_reference.py run /tmp/ann/synthetic-101k.f32 [--queries Q.f32 | --holdout 1000]
        [--libs hnswlib,faiss] [--json]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_VENV = Path("/tmp/insights-ann-venv")
VENV_PACKAGES = ["numpy", "hnswlib", "faiss-cpu"]
INSIDE = "INSIGHTS_ANN_REFERENCE_IN_VENV"


def log(msg):
    print(f"ann_reference: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- venv bootstrap


def venv_ready(venv):
    py = venv / "bin" / "python"
    probe = "import numpy, hnswlib, faiss"
    return py.exists() and subprocess.run([str(py), "-c", probe], capture_output=True).returncode == 0


def reexec_in_venv(venv, install):
    if not venv_ready(venv):
        if not install:
            sys.exit(f"ann_reference: {venv} does not import numpy, hnswlib and faiss (and --no-install)")
        log(f"making the throwaway virtualenv {venv} (pip install {' '.join(VENV_PACKAGES)}; hnswlib compiles, "
            "a few minutes)")
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check"]
        subprocess.run(pip + VENV_PACKAGES, check=True)
        if not venv_ready(venv):
            sys.exit(f"ann_reference: {venv} still does not import numpy, hnswlib and faiss")
    env = dict(os.environ, **{INSIDE: "1"})
    # numpy's exact search on one BLAS thread, like the one-at-a-time HNSW queries (the builds set their own threads).
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    py = str(venv / "bin" / "python")
    os.execve(py, [py, str(Path(__file__).resolve())] + sys.argv[1:], env)


# ---------------------------------------------------------------- helpers (run in the venv)


def rss_kib():
    """Current and peak resident set size of this process, KiB."""
    cur = peak = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1])
    return cur, peak


def load_f32(path, dim):
    import numpy as np

    size = os.path.getsize(path)
    if size == 0 or size % (4 * dim):
        sys.exit(f"ann_reference: {path}: {size} bytes is not a whole number of {dim}-float32 rows")
    return np.fromfile(path, dtype="<f4").reshape(-1, dim)


def exact_top_k(base, queries, k, block=65536):
    """Exact inner-product top-k by brute force, in blocks of base rows."""
    import numpy as np

    nq = queries.shape[0]
    best_s = np.full((nq, k), -np.inf, dtype=np.float32)
    best_i = np.zeros((nq, k), dtype=np.int64)
    for start in range(0, base.shape[0], block):
        scores = queries @ base[start : start + block].T
        kk = min(k, scores.shape[1])
        part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        s = np.take_along_axis(scores, part, axis=1)
        all_s = np.concatenate([best_s, s], axis=1)
        all_i = np.concatenate([best_i, part + start], axis=1)
        keep = np.argsort(-all_s, axis=1)[:, :k]
        best_s = np.take_along_axis(all_s, keep, axis=1)
        best_i = np.take_along_axis(all_i, keep, axis=1)
    return best_i, best_s


def recall_at_k(found, exact, k):
    hits = sum(len(set(f[:k].tolist()) & set(e[:k].tolist())) for f, e in zip(found, exact))
    return hits / (len(exact) * k)


def percentile(sorted_vals, q):
    i = min(len(sorted_vals) - 1, max(0, int(round(q * (len(sorted_vals) - 1)))))
    return sorted_vals[i]


def bench_lib(name, base, queries, exact, a):
    """Builds one library's index, times single-thread queries, measures recall and memory."""
    import numpy as np

    n, dim = base.shape
    rss0, _ = rss_kib()
    t0 = time.perf_counter()
    if name == "hnswlib":
        import hnswlib

        index = hnswlib.Index(space="ip", dim=dim)
        index.init_index(max_elements=n, M=a.m, ef_construction=a.ef_construction, random_seed=a.seed)
        index.set_num_threads(a.build_threads)
        index.add_items(base, np.arange(n), num_threads=a.build_threads)
        build_s = time.perf_counter() - t0
        index.set_ef(a.ef_search)
        index.set_num_threads(1)

        def search(q):
            labels, _ = index.knn_query(q, k=a.k, num_threads=1)
            return labels[0]

        def save(path):
            index.save_index(path)

    elif name == "faiss":
        import faiss

        faiss.omp_set_num_threads(a.build_threads)
        index = faiss.IndexHNSWFlat(dim, a.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = a.ef_construction
        index.add(base)
        build_s = time.perf_counter() - t0
        index.hnsw.efSearch = a.ef_search
        faiss.omp_set_num_threads(1)

        def search(q):
            _, labels = index.search(q, a.k)
            return labels[0]

        def save(path):
            faiss.write_index(index, path)

    else:
        sys.exit(f"ann_reference: unknown library {name!r} (hnswlib, faiss)")
    rss1, _ = rss_kib()

    # One query at a time on one thread; a few untimed first to warm caches.
    for q in queries[: min(20, len(queries))]:
        search(q[None, :])
    lat, found = [], []
    for q in queries:
        q1 = q[None, :]
        s = time.perf_counter_ns()
        labels = search(q1)
        lat.append((time.perf_counter_ns() - s) / 1e6)
        found.append(labels)
    lat.sort()
    with tempfile.TemporaryDirectory(dir=a.tmp) as d:
        path = os.path.join(d, "index.bin")
        save(path)
        index_bytes = os.path.getsize(path)
    del index
    return {
        "build_s": build_s,
        "build_per_s": n / build_s,
        "query_p50_ms": percentile(lat, 0.50),
        "query_p99_ms": percentile(lat, 0.99),
        "query_mean_ms": sum(lat) / len(lat),
        "recall_at_k": recall_at_k(found, exact, a.k),
        "rss_growth_mib": (rss1 - rss0) / 1024,
        "index_file_mib": index_bytes / 2**20,
    }


def exact_single_latency(base, queries, k, count):
    """p50 of one-query-at-a-time exact search with numpy (one BLAS thread: see reexec_in_venv)."""
    import numpy as np

    lat = []
    for q in queries[:count]:
        s = time.perf_counter_ns()
        scores = base @ q
        np.argpartition(-scores, k - 1)[:k]
        lat.append((time.perf_counter_ns() - s) / 1e6)
    lat.sort()
    return percentile(lat, 0.5)


def run(a):
    import numpy as np

    vec = load_f32(a.vectors, a.dim)
    if a.queries:
        base = vec
        queries = load_f32(a.queries, a.dim)
    else:
        if a.holdout >= vec.shape[0]:
            sys.exit(f"ann_reference: --holdout {a.holdout} leaves no base rows of {vec.shape[0]}")
        base = vec[: -a.holdout]
        queries = vec[-a.holdout :]
    base = np.ascontiguousarray(base, dtype=np.float32)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    norms = np.linalg.norm(base[: min(10000, len(base))], axis=1)
    log(f"{base.shape[0]} base vectors, {queries.shape[0]} queries, dim {a.dim} (norms of the first rows: "
        f"{norms.min():.4f}..{norms.max():.4f}; inner product = cosine only for unit vectors)")

    t0 = time.perf_counter()
    exact, exact_scores = exact_top_k(base, queries, a.k)
    exact_s = time.perf_counter() - t0
    log(f"exact top-{a.k} by numpy brute force: {exact_s:.1f} s for {queries.shape[0]} queries (batched)")
    exact_p50 = exact_single_latency(base, queries, a.k, min(100, queries.shape[0]))

    results = {}
    for name in a.libs.split(","):
        log(f"{name}: building (M={a.m}, efConstruction={a.ef_construction}, {a.build_threads} threads)")
        r = bench_lib(name, base, queries, exact, a)
        log(f"{name}: build {r['build_s']:.1f} s, p50 {r['query_p50_ms']:.3f} ms, recall@{a.k} {r['recall_at_k']:.4f}")
        results[name] = r

    import faiss

    summary = {
        "vectors": str(a.vectors),
        "base": int(base.shape[0]),
        "queries": int(queries.shape[0]),
        "dim": a.dim,
        "k": a.k,
        "M": a.m,
        "ef_construction": a.ef_construction,
        "ef_search": a.ef_search,
        "build_threads": a.build_threads,
        "versions": {"numpy": np.__version__, "faiss": faiss.__version__, "hnswlib": hnswlib_version()},
        "exact_batched_s": exact_s,
        "exact_single_query_p50_ms": exact_p50,
        "kth_exact_score_mean": float(exact_scores[:, -1].mean()),
        "top1_exact_score_mean": float(exact_scores[:, 0].mean()),
        "data_mib": base.nbytes / 2**20,
        "libs": results,
    }
    if a.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"{a.vectors}: {summary['base']} base vectors x {a.dim}, {summary['queries']} queries "
          f"(data {summary['data_mib']:.0f} MiB); exact top-1 / top-{a.k} cosine mean "
          f"{summary['top1_exact_score_mean']:.3f} / {summary['kth_exact_score_mean']:.3f}")
    print(f"HNSW M={a.m}, efConstruction={a.ef_construction}, efSearch={a.ef_search}, build threads "
          f"{a.build_threads}, queries one at a time on 1 thread; numpy {np.__version__}, "
          f"faiss-cpu {faiss.__version__}, hnswlib {summary['versions']['hnswlib']}")
    print()
    print(f"{'':10} {'build s':>8} {'vec/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'recall@' + str(a.k):>9} "
          f"{'RSS +MiB':>9} {'file MiB':>9}")
    for name, r in results.items():
        print(f"{name:10} {r['build_s']:8.1f} {r['build_per_s']:8.0f} {r['query_p50_ms']:7.3f} "
              f"{r['query_p99_ms']:7.3f} {r['recall_at_k']:9.4f} {r['rss_growth_mib']:9.0f} {r['index_file_mib']:9.0f}")
    print(f"{'exact':10} {'':8} {'':8} {exact_p50:7.3f} {'':7} {1.0:9.4f}   (numpy brute force, one query at a time)")


def hnswlib_version():
    try:
        from importlib.metadata import version

        return version("hnswlib")
    except Exception:  # noqa: BLE001
        return "unknown"


def make(a):
    """Writes N clustered unit vectors: each is a random centre plus Gaussian noise, normalised."""
    import numpy as np

    rng = np.random.default_rng(a.seed)
    centres = rng.standard_normal((a.centres, a.dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".partial")
    with open(tmp, "wb") as f:
        for start in range(0, a.n, 100_000):
            m = min(100_000, a.n - start)
            which = rng.integers(0, a.centres, size=m)
            # Noise of norm about `noise` (a standard normal vector in DIM dims has norm about sqrt(DIM)).
            noise = rng.standard_normal((m, a.dim)).astype(np.float32) * (a.noise / np.sqrt(a.dim))
            x = centres[which] + noise
            x /= np.linalg.norm(x, axis=1, keepdims=True)
            f.write(x.astype("<f4").tobytes())
    os.replace(tmp, out)
    log(f"wrote {a.n} x {a.dim} float32 ({a.n * a.dim * 4 / 2**20:.0f} MiB) to {out}: {a.centres} centres, "
        f"noise {a.noise} (expected cosine to the centre about {1 / np.sqrt(1 + a.noise**2):.2f}), seed {a.seed}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="throwaway virtualenv (default %(default)s)")
    p.add_argument("--no-install", action="store_true", help="fail instead of making the virtualenv")
    sub = p.add_subparsers(dest="cmd", required=True)

    m = sub.add_parser("make", help="write a synthetic file of clustered unit vectors")
    m.add_argument("--out", required=True)
    m.add_argument("--n", type=int, default=101_000, help="rows (default %(default)s: 100k base + 1k held out)")
    m.add_argument("--dim", type=int, default=384)
    m.add_argument("--centres", type=int, default=1000)
    m.add_argument("--noise", type=float, default=1.0, help="norm of the noise relative to the unit centre")
    m.add_argument("--seed", type=int, default=20250520)

    r = sub.add_parser("run", help="build and measure the indexes")
    r.add_argument("vectors", help="raw little-endian float32, N x DIM row-major")
    r.add_argument("--dim", type=int, default=384)
    r.add_argument("--queries", help="query file, same format (default: hold out the last --holdout rows)")
    r.add_argument("--holdout", type=int, default=1000)
    r.add_argument("--libs", default="hnswlib,faiss")
    r.add_argument("--k", type=int, default=10)
    r.add_argument("--m", type=int, default=16, help="HNSW M")
    r.add_argument("--ef-construction", type=int, default=200)
    r.add_argument("--ef-search", type=int, default=64)
    r.add_argument("--build-threads", type=int, default=2)
    r.add_argument("--seed", type=int, default=100)
    r.add_argument("--tmp", default=None, help="where the saved index goes to be measured (default: $TMPDIR)")
    r.add_argument("--json", action="store_true")
    a = p.parse_args()
    if os.environ.get(INSIDE) != "1":
        reexec_in_venv(a.venv, not a.no_install)
    if a.cmd == "make":
        make(a)
    else:
        run(a)


if __name__ == "__main__":
    main()
