#!/usr/bin/env python3
"""Embed a corpus with Spark: one `insights embed --shard K/N --parquet` process per partition, side by side.

Each of N Spark tasks runs the insights binary over the same documents for its own shard (the texts whose
content hash falls in shard K of N), writing OUT/shard-K-of-N.parquet. Spark then reads the shards back as one
table (to count its rows and check that no text is in two shards), and, with --index FILE, the driver builds an
index from them with `insights index PATHS --from-parquet OUT`, which embeds nothing again; with --store URL it
loads them into a Milvus collection the same way (`insights index PATHS --from-parquet OUT --store URL`).

The documents and OUT must be readable and writable by every worker at the same path (one machine, or a shared
filesystem). Spark runs on loopback only: the driver binds 127.0.0.1 and the web UI is off.

    scripts/spark_embed.py --binary target/release/insights --partitions 4 --out shards/ docs/
    scripts/spark_embed.py --binary target/release/insights --partitions 4 --out shards/ --index docs.idx docs/
    scripts/spark_embed.py --binary target/release/insights --partitions 4 --out shards/ \
        --store milvus://127.0.0.1:19530/docs docs/

Prints one JSON line: partitions, rows, distinct text hashes, the seconds of the embedding stage (all tasks)
and of each task, and the index's (and the store's) result when --index (--store) is given. Extra arguments after `--` go to every
`insights embed` (and `insights index`), such as `-- --model DIR --split sentence`.
"""
import argparse
import json
import os
import subprocess
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True, help="the insights binary")
    ap.add_argument("--partitions", type=int, default=4, help="shards, one Spark task each (default 4)")
    ap.add_argument("--master", default=None, help="Spark master (default local[PARTITIONS])")
    ap.add_argument("--threads", type=int, default=None,
                    help="--threads given to each insights process (default: cores / partitions, at least 1)")
    ap.add_argument("--out", required=True, help="folder for the shard files")
    ap.add_argument("--index", default=None, help="also build this index file from the shards")
    ap.add_argument("--store", default=None,
                    help="also load the shards into this Milvus store, milvus://HOST:PORT/COLLECTION (a binary built "
                         "with --features milvus)")
    ap.add_argument("paths", nargs="+", help="documents: files or folders")
    argv, extra = sys.argv[1:], []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    args = ap.parse_args(argv)
    args.extra = extra
    if args.partitions < 1:
        ap.error("--partitions must be at least 1")
    return args


def main():
    args = parse_args()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    binary = os.path.abspath(args.binary)
    out = os.path.abspath(args.out)
    paths = [os.path.abspath(p) for p in args.paths]
    os.makedirs(out, exist_ok=True)
    n = args.partitions
    threads = args.threads or max(1, (os.cpu_count() or 1) // n)
    spark = (
        SparkSession.builder.master(args.master or f"local[{n}]")
        .appName("insights-embed")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.task.maxFailures", "1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    extra = list(args.extra)

    def embed(k):
        target = os.path.join(out, f"shard-{k}-of-{n}.parquet")
        cmd = [binary, "--threads", str(threads), "embed", *paths, "--shard", f"{k}/{n}", "--parquet", target,
               "--quiet", *extra]
        started = time.monotonic()
        done = subprocess.run(cmd, capture_output=True, text=True)
        return k, done.returncode, done.stderr[-4000:], time.monotonic() - started

    started = time.monotonic()
    results = spark.sparkContext.parallelize(range(n), n).map(embed).collect()
    embed_s = time.monotonic() - started
    failed = [(k, rc, err) for k, rc, err, _ in results if rc != 0]
    if failed:
        for k, rc, err in failed:
            print(f"spark_embed: shard {k}/{n} failed (exit {rc}):\n{err}", file=sys.stderr)
        spark.stop()
        sys.exit(1)
    table = spark.read.parquet(*[os.path.join(out, f"shard-{k}-of-{n}.parquet") for k in range(n)])
    rows = table.count()
    distinct = table.select("text_hash").distinct().count()
    spark.stop()
    report = {
        "partitions": n,
        "threads_per_task": threads,
        "rows": rows,
        "distinct_text_hashes": distinct,
        "embed_s": round(embed_s, 3),
        "task_s": [round(s, 3) for _, _, _, s in sorted(results)],
    }
    if distinct != rows:
        print(f"spark_embed: {rows - distinct} texts are in two shards", file=sys.stderr)
        print(json.dumps(report))
        sys.exit(1)
    targets = [("index", ["-i", args.index])] if args.index else []
    targets += [("store", ["--store", args.store])] if args.store else []
    for name, target in targets:
        cmd = [binary, "index", *paths, "--from-parquet", out, *target, "--json", "--quiet", *extra]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"spark_embed: {' '.join(cmd)} failed:\n{done.stderr}", file=sys.stderr)
            sys.exit(1)
        report[name] = json.loads(done.stdout)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
