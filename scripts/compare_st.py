#!/usr/bin/env python3
"""Compare `insights embed` with sentence-transformers on the same corpus.

Both embed the same passages with sentence-transformers/all-MiniLM-L6-v2 on
the CPU, back to back, each in its own process wrapped in `/usr/bin/time -v`.
The script prints passages/s for each (encode only, and end to end), their
ratio, peak RSS, the cold start, and the min/mean cosine between the two sets
of vectors, matched row by row.

The script itself needs only the Python 3 standard library.  The
sentence-transformers side runs in a throwaway virtualenv (default
/tmp/insights-st-venv, reused when it already imports), made on first use with
`pip install sentence-transformers torch numpy` by package name.  Never run
this in CI: the install is several GB (see scripts/README.md).

The model is loaded offline from a local folder (default: the insights models
folder, ~/.local/share/insights/models/sentence-transformers--all-MiniLM-L6-v2),
with HF_HUB_OFFLINE=1 so nothing is fetched.

Usage:
    python3 scripts/compare_st.py [--limit N] [--st-batch 32,64] [--threads 2]
        [--insights PATH] [--insights-args="--batch-size 16"] [--env KEY=VALUE]
        [--repeat R] [--json]

Internal subcommands (run by the script inside the virtualenv):
    _st-encode   encode a text file with sentence-transformers, save .npy
    _cosine      row-matched cosine between the .npy and insights' JSONL
"""

import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path("/tmp/debian/passages10k.txt")
DEFAULT_VENV = Path("/tmp/insights-st-venv")
DEFAULT_MODEL = Path.home() / ".local/share/insights/models/sentence-transformers--all-MiniLM-L6-v2"
# Installed into the throwaway venv by name.  torch from the ordinary package
# index is the CUDA build (CPU kernels are the same; the CUDA libraries it pulls
# in are unused here but needed for `import torch`).
VENV_PACKAGES = ["sentence-transformers", "torch", "numpy"]
WARMUP_PASSAGES = 8


def log(msg):
    print(f"compare_st: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- corpus


def read_passages(path):
    """The non-blank lines of `path`, split as Rust's `str::lines` does (on \\n, one trailing \\r dropped)."""
    text = Path(path).read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = []
    for line in lines:
        if line.endswith("\r"):
            line = line[:-1]
        if line.strip():
            out.append(line)
    return out


def ensure_corpus(path):
    if path.exists():
        return
    if path != DEFAULT_CORPUS:
        sys.exit(f"compare_st: corpus {path} does not exist")
    log(f"{path} missing: building it with scripts/debian_corpus.py")
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(REPO / "scripts/debian_corpus.py"), "passages", "--plain", "--out", str(path)]
    subprocess.run(cmd, check=True)


# ---------------------------------------------------------------- venv


def venv_python(venv):
    return venv / "bin" / "python"


def venv_ready(venv):
    py = venv_python(venv)
    if not py.exists():
        return False
    probe = "import numpy, torch, sentence_transformers"
    return subprocess.run([str(py), "-c", probe], capture_output=True).returncode == 0


def ensure_venv(venv, install):
    if venv_ready(venv):
        return
    if not install:
        sys.exit(f"compare_st: {venv} does not import numpy, torch and sentence_transformers (and --no-install)")
    log(f"making the throwaway virtualenv {venv} (pip install {' '.join(VENV_PACKAGES)}; several GB, minutes)")
    if not venv_python(venv).exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv_python(venv)), "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check"]
    subprocess.run(pip + VENV_PACKAGES, check=True)
    if not venv_ready(venv):
        sys.exit(f"compare_st: {venv} still does not import numpy, torch and sentence_transformers")


def venv_versions(venv):
    code = (
        "import json, torch, sentence_transformers, transformers; "
        "print(json.dumps({'torch': torch.__version__, 'sentence_transformers': sentence_transformers.__version__, "
        "'transformers': transformers.__version__}))"
    )
    out = subprocess.run([str(venv_python(venv)), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


# ---------------------------------------------------------------- timed runs


def parse_time_v(path):
    """Wall seconds and peak RSS (KiB) from a `/usr/bin/time -v -o` file."""
    text = Path(path).read_text()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    status = int(re.search(r"Exit status: (\d+)", text).group(1))
    return {"wall_s": secs, "peak_rss_kib": rss, "exit_status": status}


def timed(cmd, stdout_path, stderr_path, env=None):
    """Runs `cmd` under /usr/bin/time -v; returns the parsed numbers plus our own wall clock."""
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as t:
        time_path = t.name
    full = ["/usr/bin/time", "-v", "-o", time_path] + [str(c) for c in cmd]
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        start = time.time()
        proc = subprocess.run(full, stdout=out, stderr=err, env=env)
        wall = time.time() - start
    if proc.returncode != 0:
        sys.stderr.write(Path(stderr_path).read_text(errors="replace")[-3000:])
        sys.exit(f"compare_st: command failed ({proc.returncode}): {shlex.join(full)}")
    result = parse_time_v(time_path)
    os.unlink(time_path)
    result["launch_time"] = start
    result["our_wall_s"] = wall
    return result


def run_st(args, corpus, batch, out_npy, work):
    launch = time.time()
    cmd = [
        venv_python(args.venv), Path(__file__).resolve(), "_st-encode",
        "--corpus", corpus, "--model", args.model, "--batch", str(batch),
        "--threads", str(args.threads), "--out", out_npy, "--launch", repr(launch),
        "--timing", work / "st_timing.json",
    ]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    res = timed(cmd, work / "st.out", work / "st.err", env=env)
    timing = json.loads((work / "st_timing.json").read_text())
    res.update(timing)
    return res


PROGRESS_RE = re.compile(r"embedding: (\d+)/(\d+) \((\d+)/s, (\d+)s elapsed")


def run_insights(args, corpus, out_jsonl, work):
    env = dict(os.environ)
    for kv in args.env:
        key, _, value = kv.partition("=")
        env[key] = value
    cmd = [args.insights, "embed", corpus] + shlex.split(args.insights_args)
    res = timed(cmd, out_jsonl, work / "insights.err", env=env)
    # Without -q, insights prints a closing progress line once embedding took over a second:
    # "embedding: N/N (R/s, Ss elapsed, ...)", timed from model ready to the last vector.
    err = (work / "insights.err").read_text(errors="replace")
    last = None
    for m in PROGRESS_RE.finditer(err):
        last = m
    if last and last.group(1) == last.group(2) and int(last.group(3)) > 0:
        # Both numbers are printed rounded to an integer: take the one with the smaller relative error.
        done, rate, elapsed = int(last.group(1)), int(last.group(3)), int(last.group(4))
        res["encode_s"] = float(elapsed) if elapsed > rate else done / rate
    return res


def cosine(args, out_npy, out_jsonl, corpus):
    cmd = [venv_python(args.venv), Path(__file__).resolve(), "_cosine", "--npy", out_npy, "--jsonl", out_jsonl,
           "--corpus", corpus]
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        sys.exit("compare_st: cosine step failed")
    return json.loads(out.stdout)


def warm_up(args, passages, work):
    """Reads the model files into the page cache and runs each tool once on a few passages."""
    for f in sorted(Path(args.model).rglob("*")):
        if f.is_file():
            f.read_bytes()
    small = work / "warmup.txt"
    small.write_text("\n".join(passages[:WARMUP_PASSAGES]) + "\n", encoding="utf-8")
    st = run_st(args, small, 32, work / "warmup.npy", work)
    ins = run_insights(args, small, work / "warmup.jsonl", work)
    return {"st_wall_s": st["our_wall_s"], "st_model_ready_s": st["model_ready_s"], "insights_wall_s": ins["our_wall_s"]}


# ---------------------------------------------------------------- main


def median_of(runs, key):
    vals = [r[key] for r in runs if key in r]
    return statistics.median(vals) if vals else None


def fmt(v, spec):
    return "n/a" if v is None else format(v, spec)


def compare(args):
    if not Path(args.insights).exists():
        sys.exit(f"compare_st: no insights binary at {args.insights} (build it, or pass --insights PATH)")
    if not (Path(args.model) / "model.safetensors").exists():
        sys.exit(f"compare_st: no model.safetensors in {args.model} (run `insights models fetch` or pass --model DIR)")
    ensure_corpus(args.corpus)
    ensure_venv(args.venv, not args.no_install)
    versions = venv_versions(args.venv)
    passages = read_passages(args.corpus)
    if args.limit:
        passages = passages[: args.limit]
    n = len(passages)
    batches = [int(b) for b in args.st_batch.split(",")]

    work = Path(tempfile.mkdtemp(prefix="compare-st-"))
    corpus = work / "corpus.txt"
    corpus.write_text("\n".join(passages) + "\n", encoding="utf-8")
    log(f"{n} passages from {args.corpus}; work dir {work}")

    log("warm-up (model files into page cache, one tiny run of each)")
    warm = warm_up(args, passages, work)

    st_runs = {b: [] for b in batches}
    ins_runs = []
    for rep in range(args.repeat):
        for b in batches:
            log(f"[{rep + 1}/{args.repeat}] sentence-transformers, batch {b}, {args.threads} threads")
            r = run_st(args, corpus, b, work / f"st_b{b}.npy", work)
            log(f"  encode {r['encode_s']:.1f} s = {n / r['encode_s']:.1f} passages/s; wall {r['wall_s']:.1f} s; "
                f"peak RSS {r['peak_rss_kib'] / 1024:.0f} MiB")
            st_runs[b].append(r)
        log(f"[{rep + 1}/{args.repeat}] insights embed {args.insights_args}".rstrip())
        r = run_insights(args, corpus, work / "insights.jsonl", work)
        log(f"  encode {fmt(r.get('encode_s'), '.1f')} s; wall {r['wall_s']:.1f} s; "
            f"peak RSS {r['peak_rss_kib'] / 1024:.0f} MiB")
        ins_runs.append(r)

    cos = cosine(args, work / f"st_b{batches[0]}.npy", work / "insights.jsonl", corpus)

    def summary(runs):
        enc = median_of(runs, "encode_s")
        wall = median_of(runs, "wall_s")
        return {
            "encode_s": enc,
            "encode_passages_per_s": n / enc if enc else None,
            "wall_s": wall,
            "end_to_end_passages_per_s": n / wall,
            "peak_rss_mib": median_of(runs, "peak_rss_kib") / 1024,
            "encode_s_all": [r.get("encode_s") for r in runs],
            "wall_s_all": [r["wall_s"] for r in runs],
        }

    st_sum = {b: summary(st_runs[b]) for b in batches}
    for b in batches:
        st_sum[b]["model_ready_s"] = median_of(st_runs[b], "model_ready_s")
    ins_sum = summary(ins_runs)
    ref = st_sum[batches[0]]
    ratio_enc = (
        ins_sum["encode_passages_per_s"] / ref["encode_passages_per_s"] if ins_sum["encode_passages_per_s"] else None
    )
    ratio_e2e = ins_sum["end_to_end_passages_per_s"] / ref["end_to_end_passages_per_s"]
    result = {
        "passages": n,
        "corpus": str(args.corpus),
        "repeat": args.repeat,
        "threads": args.threads,
        "versions": versions,
        "insights": {"binary": str(args.insights), "args": args.insights_args, "env": args.env, **ins_sum},
        "sentence_transformers": {str(b): st_sum[b] for b in batches},
        "ratio_insights_over_st_encode": ratio_enc,
        "ratio_insights_over_st_end_to_end": ratio_e2e,
        "warm_up": warm,
        "cosine": cos,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result, batches)
    if not args.keep:
        shutil.rmtree(work)
    else:
        log(f"kept {work}")


def print_table(r, batches):
    n = r["passages"]
    v = r["versions"]
    print(f"corpus: {r['corpus']}, {n} passages; median of {r['repeat']} run(s); {r['threads']} threads for torch")
    print(f"sentence-transformers {v['sentence_transformers']}, transformers {v['transformers']}, torch {v['torch']}")
    ins = r["insights"]
    print(f"insights: {ins['binary']} embed {ins['args']} {' '.join(ins['env'])}".rstrip())
    print()
    print(f"{'':28} {'encode p/s':>11} {'encode s':>9} {'e2e p/s':>8} {'wall s':>7} {'peak RSS':>9}")
    print(f"{'insights':28} {fmt(ins['encode_passages_per_s'], '11.1f')} {fmt(ins['encode_s'], '9.1f')} "
          f"{ins['end_to_end_passages_per_s']:8.1f} {ins['wall_s']:7.1f} {ins['peak_rss_mib']:7.0f} MiB")
    for b in batches:
        s = r["sentence_transformers"][str(b)]
        name = f"sentence-transformers b{b}"
        print(f"{name:28} {s['encode_passages_per_s']:11.1f} {s['encode_s']:9.1f} "
              f"{s['end_to_end_passages_per_s']:8.1f} {s['wall_s']:7.1f} {s['peak_rss_mib']:7.0f} MiB")
    print()
    print(f"ratio insights / sentence-transformers b{batches[0]}: encode {fmt(r['ratio_insights_over_st_encode'], '.2f')}x, "
          f"end to end {r['ratio_insights_over_st_end_to_end']:.2f}x")
    w = r["warm_up"]
    st0 = r["sentence_transformers"][str(batches[0])]
    print(f"cold start: sentence-transformers process start -> model ready {st0['model_ready_s']:.2f} s; "
          f"{WARMUP_PASSAGES}-passage run wall: insights {w['insights_wall_s']:.2f} s, "
          f"sentence-transformers {w['st_wall_s']:.2f} s")
    c = r["cosine"]
    print(f"cosine (row-matched, {c['count']} rows, sentence-transformers b{batches[0]} vs insights): "
          f"min {c['min']:.7f}, mean {c['mean']:.7f}, p0.1 {c['p001']:.7f}; "
          f"rows below 0.999: {c['below_0999']}, below 0.99: {c['below_099']}")
    print(f"  worst row {c['argmin']}: {c['argmin_text'][:100]!r}")


# ---------------------------------------------------------------- subcommands run in the venv


def st_encode(a):
    """Runs in the venv: load the model offline, encode, save float32 .npy, write timings."""
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(a.threads)
    texts = read_passages(a.corpus)
    model = SentenceTransformer(str(a.model), device="cpu", local_files_only=True)
    ready = time.time()
    t0 = time.perf_counter()
    emb = model.encode(
        texts, batch_size=a.batch, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    encode_s = time.perf_counter() - t0
    np.save(a.out, emb.astype(np.float32))
    timing = {
        "model_ready_s": ready - a.launch,
        "encode_s": encode_s,
        "count": len(texts),
        "max_seq_length": model.max_seq_length,
        "torch_threads": torch.get_num_threads(),
    }
    Path(a.timing).write_text(json.dumps(timing))


def cosine_cmd(a):
    """Runs in the venv: row-matched cosine of sentence-transformers' .npy and insights' JSONL."""
    import numpy as np

    st = np.load(a.npy).astype(np.float64)
    texts = read_passages(a.corpus)
    rows, ins_texts = [], []
    with open(a.jsonl, encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            rows.append(obj["embedding"])
            ins_texts.append(obj["text"])
    ins = np.asarray(rows, dtype=np.float64)
    if ins.shape != st.shape or len(texts) != len(ins_texts):
        sys.exit(f"shape mismatch: insights {ins.shape}, sentence-transformers {st.shape}, corpus {len(texts)}")
    mismatched = sum(1 for x, y in zip(texts, ins_texts) if x != y)
    if mismatched:
        sys.exit(f"{mismatched} rows of insights' output do not carry the corpus line of the same number")
    cos = (st * ins).sum(1) / (np.linalg.norm(st, axis=1) * np.linalg.norm(ins, axis=1))
    i = int(cos.argmin())
    out = {
        "count": int(cos.size),
        "min": float(cos.min()),
        "mean": float(cos.mean()),
        "p001": float(np.quantile(cos, 0.001)),
        "below_0999": int((cos < 0.999).sum()),
        "below_099": int((cos < 0.99).sum()),
        "argmin": i,
        "argmin_text": texts[i],
        "st_norm_min": float(np.linalg.norm(st, axis=1).min()),
        "insights_norm_min": float(np.linalg.norm(ins, axis=1).min()),
    }
    print(json.dumps(out))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "_st-encode":
        p = argparse.ArgumentParser(prog="compare_st.py _st-encode")
        p.add_argument("_st-encode")
        p.add_argument("--corpus", required=True)
        p.add_argument("--model", required=True)
        p.add_argument("--batch", type=int, required=True)
        p.add_argument("--threads", type=int, required=True)
        p.add_argument("--out", required=True)
        p.add_argument("--launch", type=float, required=True)
        p.add_argument("--timing", required=True)
        return st_encode(p.parse_args())
    if len(sys.argv) > 1 and sys.argv[1] == "_cosine":
        p = argparse.ArgumentParser(prog="compare_st.py _cosine")
        p.add_argument("_cosine")
        p.add_argument("--npy", required=True)
        p.add_argument("--jsonl", required=True)
        p.add_argument("--corpus", required=True)
        return cosine_cmd(p.parse_args())

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                   help="one passage per line (default %(default)s, built with debian_corpus.py when missing)")
    p.add_argument("--limit", type=int, default=0, help="use only the first N passages")
    p.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="throwaway virtualenv (default %(default)s)")
    p.add_argument("--no-install", action="store_true", help="fail instead of making the virtualenv")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="local model folder (default %(default)s)")
    default_bin = REPO / "target/release/insights"
    p.add_argument("--insights", type=Path, default=default_bin, help="insights binary (default %(default)s)")
    p.add_argument("--insights-args", default="",
                   help='extra arguments for `insights embed`, one string: --insights-args="--threads 2"')
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                   help="environment variable for the insights run (repeatable)")
    p.add_argument("--st-batch", default="32",
                   help="sentence-transformers batch size(s), comma-separated; the first is compared (default 32)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads for sentence-transformers")
    p.add_argument("--repeat", type=int, default=1, help="runs of each, alternating; medians are printed")
    p.add_argument("--json", action="store_true", help="print a JSON summary instead of the table")
    p.add_argument("--keep", action="store_true", help="keep the work dir (vectors, logs)")
    args = p.parse_args()
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    for kv in args.env:
        if "=" not in kv:
            p.error(f"--env {kv!r}: expected KEY=VALUE")
    compare(args)


if __name__ == "__main__":
    main()
