#!/usr/bin/env python3
"""Candidate rules for `similar`'s said-before verdict, compared on the labelled sets, each threshold chosen on three
sets and scored on the fourth (leave one set out), with numpy over the vectors `insights` itself makes.

    python3 scripts/verdict_rules.py [--bin target/release/insights] [--penalty 2]

For every claim, new and unrelated statement of tests/fixtures/verdict/ (see verdict_eval.py), it indexes the set's
corpus with `insights index`, reads the index file (format 6: insight and sentence vectors), embeds the statements
with `insights embed`, and computes over all units (insight vectors and sentence vectors):
- m: the match score (the best cosine of the statement with an insight or one of its sentences),
- bq: the statement's background, the mean match score of its next 4 distinct insights,
- bm: the match's background, the same for the unit that matched against the rest of the corpus,
- gap: m minus the second-best distinct match.
Each rule's parameters are chosen, on the three other sets, to maximise claims found (said-before with the restated
insight first) minus PENALTY times new or unrelated statements said before. It prints, per rule, the held-out
results (claims found/false said-before) of each set, their totals, and the parameters chosen on all four.
`similar`'s rule is "bi margin". Needs numpy.
"""
import argparse
import json
import os
import struct
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verdict_eval as ve  # noqa: E402

BACKGROUND = 4


def read_index(path):
    """Insight texts, insight vectors, and each sentence row's owner and vector, from an index file of format 6."""
    b = open(path, "rb").read()
    version = struct.unpack_from("<I", b, 12)[0]
    if version != 6:
        sys.exit(f"{path}: index format {version}; this script reads format 6 (f32)")
    header_len = struct.unpack_from("<Q", b, 16)[0]
    header = json.loads(b[24:24 + header_len])
    n, dim, off = header["count"], header["meta"]["dim"], 24 + header_len
    texts, p = [], off
    for _ in range(n):
        fields = []
        for _ in range(4):
            length = struct.unpack_from("<I", b, p)[0]
            p += 4
            if length != 0xFFFFFFFF:
                fields.append(b[p:p + length].decode())
                p += length
        texts.append(fields[1])
        p += 16
    p = off + header["insights_bytes"] + 16 * n
    p += (64 - p % 64) % 64
    vectors = np.frombuffer(b, dtype="<f4", count=n * dim, offset=p).reshape(n, dim)
    p += n * dim * 4
    rows = header.get("sentences") or 0
    counts = struct.unpack_from(f"<{n}I", b, p)
    p += 4 * n + 8 * rows + 16 * rows
    p += (64 - p % 64) % 64
    sentences = np.frombuffer(b, dtype="<f4", count=rows * dim, offset=p).reshape(rows, dim)
    owner = np.repeat(np.arange(n), counts)
    return texts, vectors, owner, sentences


def features(binary, name):
    items, ids = ve.load(name)
    statements = [it for it in items if it["kind"] in ("claim", "new", "unrelated")]
    with tempfile.TemporaryDirectory() as tmp:
        index = os.path.join(tmp, "corpus.idx")
        ve.run(binary, ["index", ve.SETS[name], "-i", index])
        texts, vectors, owner, sentences = read_index(index)
        queries = os.path.join(tmp, "q.jsonl")
        with open(queries, "w", encoding="utf-8") as f:
            for it in statements:
                f.write(json.dumps({"text": it["text"]}, ensure_ascii=False) + "\n")
        embedded = [json.loads(line)["embedding"] for line in ve.run(binary, ["embed", queries]).splitlines()]
    units = np.vstack([vectors, sentences])
    text_id = {}
    group = np.array([text_id.setdefault(t, len(text_id)) for t in texts])
    unit_group = group[np.concatenate([np.arange(len(texts)), owner])]

    def per_text(cosines):
        best = np.full(len(text_id), -1.0)
        np.maximum.at(best, unit_group, cosines)
        return best

    out = []
    for it, q in zip(statements, np.array(embedded, dtype=np.float32)):
        cos = units @ q
        m = per_text(cos)
        order = np.argsort(-m, kind="stable")
        g1 = order[0]
        in_g1 = np.where(unit_group == g1)[0]
        unit = in_g1[np.argmax(cos[in_g1])]
        around = per_text(units @ units[unit])
        around[g1] = -1.0
        source = it.get("source") and any(ve.is_source(it, t, ids) for t, g in zip(texts, group) if g == g1)
        out.append({
            "set": name, "kind": it["kind"], "source": bool(source),
            "m": float(m[g1]), "gap": float(m[g1] - m[order[1]]),
            "bq": float(np.mean(m[order[1:1 + BACKGROUND]])),
            "bm": float(np.mean(np.sort(around)[::-1][:BACKGROUND])),
        })
    return out


def tally(rows, rule, sets):
    found = false = 0
    for r in rows:
        if r["set"] in sets:
            said = rule(r)
            found += r["kind"] == "claim" and said and r["source"]
            false += r["kind"] in ("new", "unrelated") and said
    return found, false


def grid(*axes):
    if not axes:
        yield ()
        return
    for x in axes[0]:
        for rest in grid(*axes[1:]):
            yield (x, *rest)


def steps(lo, hi, step):
    return [round(lo + i * step, 4) for i in range(int(round((hi - lo) / step)) + 1)]


RULES = {
    "match alone": (lambda p: lambda r: r["m"] >= p[0], (steps(0.5, 0.9, 0.005),)),
    "match and gap": (lambda p: lambda r: r["m"] >= p[0] and r["gap"] >= p[1],
                      (steps(0.5, 0.85, 0.01), steps(0.0, 0.3, 0.01))),
    "statement margin": (lambda p: lambda r: r["m"] >= 0.4 and 2 * r["m"] - (r["m"] + 4 * r["bq"]) / 5 >= p[0],
                         (steps(0.6, 1.0, 0.005),)),
    "match margin": (lambda p: lambda r: r["m"] >= 0.4 and r["m"] + p[0] * (r["m"] - r["bm"]) >= p[1],
                     ((0.25, 0.5, 1.0, 2.0), steps(0.55, 1.1, 0.005))),
    "bi margin": (lambda p: lambda r: r["m"] >= 0.4 and r["m"] + p[0] * (r["m"] - (r["bq"] + r["bm"]) / 2) >= p[1],
                  ((0.25, 0.5, 1.0, 2.0), steps(0.55, 1.1, 0.005))),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ve.ROOT, "target", "release", "insights"))
    ap.add_argument("--penalty", type=float, default=2.0, help="claims a false said-before costs (default 2)")
    args = ap.parse_args()
    sets = list(ve.SETS)
    rows = [r for name in sets for r in features(args.bin, name)]
    print("| rule | " + " | ".join(f"{s} (held out)" for s in sets) + " | total | chosen on all four |")
    print("|---" * (len(sets) + 3) + "|")
    for name, (make, axes) in RULES.items():
        def score(params, on):
            found, false = tally(rows, make(params), on)
            return found - args.penalty * false
        cells, total = [], [0, 0]
        for held in sets:
            train = [s for s in sets if s != held]
            best = max(grid(*axes), key=lambda p: score(p, train))
            found, false = tally(rows, make(best), [held])
            total = [total[0] + found, total[1] + false]
            cells.append(f"{found}/{false} at {best}")
        best = max(grid(*axes), key=lambda p: score(p, sets))
        per_set = " ".join(f"{f}/{x}" for f, x in (tally(rows, make(best), [s]) for s in sets))
        print(f"| {name} | " + " | ".join(cells) + f" | {total[0]}/{total[1]} | {best}: {per_set} |")


if __name__ == "__main__":
    main()
