#!/usr/bin/env python3
"""NMI of insights' clusters against the labels of a labelled JSONL corpus.

Runs the tool twice on CORPUS.jsonl (lines {"id", "label", "text", ...}):

    insights clusters CORPUS.jsonl --topics K --json     (fixed number of clusters)
    insights clusters CORPUS.jsonl --json           (automatic number)

reads the JSON it prints on stdout

    {"clusters": [{"id": 0, "members": [{"source_id": "pkg", "doc": ..., ...}]}],
     "unclustered": [{"source_id": "pkg", ...}]}

maps every member back to its label through "source_id" (the corpus line's
"id"; "doc" is used when source_id is absent) and prints, per run: number of
clusters, items clustered, items unclustered (and %), and the NMI.

NMI uses arithmetic-mean normalisation, as sklearn's
normalized_mutual_info_score does by default:

    NMI(U, V) = MI(U, V) / ((H(U) + H(V)) / 2)

(natural logarithms; the base cancels).  The unclustered items count as one
extra "noise" cluster, so leaving items out is penalised rather than ignored;
the NMI over the clustered items alone is printed as well.  Items are the
tool's insights: if the tool splits one corpus line into several insights,
each counts, with the label of its source line.

No third-party modules: python3 standard library only.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from collections import Counter

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOISE = "<unclustered>"


# --------------------------------------------------------------------------
# NMI
# --------------------------------------------------------------------------

def entropy(counts, n):
    return -sum((c / n) * math.log(c / n) for c in counts if c)


def mutual_info(labels_true, labels_pred):
    n = len(labels_true)
    joint = Counter(zip(labels_true, labels_pred))
    a = Counter(labels_true)
    b = Counter(labels_pred)
    mi = 0.0
    for (u, v), nij in joint.items():
        # p_ij * log(p_ij / (p_i p_j)) = nij/n * log(n nij / (a_u b_v))
        mi += (nij / n) * math.log(n * nij / (a[u] * b[v]))
    return max(mi, 0.0)


def nmi(labels_true, labels_pred):
    """Normalised mutual information, arithmetic-mean normalisation (sklearn's
    normalized_mutual_info_score default), with sklearn's special cases."""
    if len(labels_true) != len(labels_pred):
        raise ValueError("label lists differ in length")
    n = len(labels_true)
    ku, kv = len(set(labels_true)), len(set(labels_pred))
    # sklearn: both labelings a single class (or empty) -> perfect agreement.
    if (ku == kv == 1) or n == 0:
        return 1.0
    mi = mutual_info(labels_true, labels_pred)
    if mi == 0.0:
        return 0.0
    hu = entropy(Counter(labels_true).values(), n)
    hv = entropy(Counter(labels_pred).values(), n)
    denom = (hu + hv) / 2.0
    return mi / max(denom, sys.float_info.epsilon)


def self_test():
    ln = math.log
    cases = [
        # perfect agreement, cluster ids permuted
        ("perfect", ["a", "a", "b", "b"], [1, 1, 0, 0], 1.0),
        ("perfect, 3 classes", list("aabbcc"), [5, 5, 3, 3, 9, 9], 1.0),
        # every cluster holds the label mix of the whole -> MI = 0
        ("independent", ["a", "a", "b", "b"], [0, 1, 0, 1], 0.0),
        ("independent 2", list("aaaabbbb"), [0, 0, 1, 1, 0, 0, 1, 1], 0.0),
        # one class, every item its own cluster: MI = 0 -> 0 (sklearn: 0.0)
        ("one class vs singletons", list("aaaa"), [0, 1, 2, 3], 0.0),
        # both a single class -> 1.0 (sklearn's special case)
        ("both one class", list("aaa"), [7, 7, 7], 1.0),
        # Hand computation, n = 6:
        #   U = a a a b b b ; V = 1 1 2 2 2 2
        #   contingency  a: (1)2 (2)1 ; b: (1)0 (2)3
        #   H(U) = ln 2                          = 0.693147
        #   H(V) = -(1/3 ln 1/3 + 2/3 ln 2/3)
        #        = ln 3 - (2/3) ln 2             = 0.636514
        #   MI   = 2/6 ln(2*6/(3*2)) + 1/6 ln(1*6/(3*4)) + 3/6 ln(3*6/(3*4))
        #        = (1/3) ln 2 - (1/6) ln 2 + (1/2) ln(3/2)
        #        = (1/2) ln 3 - (1/3) ln 2       = 0.318257
        #   NMI  = MI / ((H(U) + H(V)) / 2)
        #        = (ln 3 - (2/3) ln 2) / (ln 3 + (1/3) ln 2)
        #        = 0.636514 / 1.329661           = 0.478704
        ("hand-computed", list("aaabbb"), [1, 1, 2, 2, 2, 2],
         (ln(3) - 2 / 3 * ln(2)) / (ln(3) + 1 / 3 * ln(2))),
        ("hand-computed (decimal)", list("aaabbb"), [1, 1, 2, 2, 2, 2], 0.478704),
        # NMI is symmetric
        ("hand-computed, swapped", [1, 1, 2, 2, 2, 2], list("aaabbb"), 0.478704),
    ]
    ok = True
    for name, u, v, want in cases:
        got = nmi(u, v)
        tol = 5e-7 if "decimal" in name or "swapped" in name else 1e-12
        good = abs(got - want) <= tol
        ok &= good
        print("%-4s %-26s got %.6f  want %.6f" % ("ok" if good else "FAIL", name, got, want))
    # cross-check the entropy/MI pieces of the hand case
    u, v = list("aaabbb"), [1, 1, 2, 2, 2, 2]
    parts = [("H(U)", entropy(Counter(u).values(), 6), 0.693147),
             ("H(V)", entropy(Counter(v).values(), 6), 0.636514),
             ("MI", mutual_info(u, v), 0.318257)]
    for name, got, want in parts:
        good = abs(got - want) <= 5e-7
        ok &= good
        print("%-4s %-26s got %.6f  want %.6f" % ("ok" if good else "FAIL", name, got, want))
    print("self-test", "passed" if ok else "FAILED")
    return 0 if ok else 1


# --------------------------------------------------------------------------
# Corpus and tool output
# --------------------------------------------------------------------------

def load_corpus(path):
    labels = {}
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            obj = json.loads(line)
            if "id" not in obj or "label" not in obj:
                sys.exit("error: %s:%d has no id or no label" % (path, i))
            labels[str(obj["id"])] = str(obj["label"])
    return labels


def parse_json_output(text):
    """The tool's stdout should be one JSON document; tolerate log lines
    before it."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    for i, line in enumerate(text.splitlines()):
        if line.lstrip().startswith("{"):
            try:
                return json.loads("\n".join(text.splitlines()[i:]))
            except ValueError:
                continue
    raise ValueError("no JSON document found in the tool's output")


def item_id(item):
    if not isinstance(item, dict):
        return None
    sid = item.get("source_id")
    if sid is None:
        sid = item.get("doc")
    return None if sid is None else str(sid)


def evaluate(result, labels, name):
    clusters = result.get("clusters") or []
    unclustered = result.get("unclustered") or []
    true, pred = [], []
    unknown = 0
    seen_ids = set()
    n_clustered = 0
    for ci, cl in enumerate(clusters):
        cid = cl.get("id", ci)
        for m in cl.get("members") or []:
            sid = item_id(m)
            if sid not in labels:
                unknown += 1
                continue
            seen_ids.add(sid)
            true.append(labels[sid])
            pred.append(("c", cid))
            n_clustered += 1
    n_noise = 0
    for m in unclustered:
        sid = item_id(m)
        if sid not in labels:
            unknown += 1
            continue
        seen_ids.add(sid)
        true.append(labels[sid])
        pred.append(NOISE)
        n_noise += 1
    total = n_clustered + n_noise
    score = nmi(true, pred) if total else float("nan")
    ct = [(t, p) for t, p in zip(true, pred) if p != NOISE]
    score_c = nmi([t for t, _ in ct], [p for _, p in ct]) if ct else float("nan")
    sizes = sorted((len(cl.get("members") or []) for cl in clusters), reverse=True)

    print("== %s" % name)
    print("  clusters:            %d" % len(clusters))
    if sizes:
        print("  cluster sizes:       %s%s" % (" ".join(map(str, sizes[:20])),
                                               " ..." if len(sizes) > 20 else ""))
    print("  items clustered:     %d" % n_clustered)
    print("  items unclustered:   %d (%.1f%%)" % (n_noise, 100.0 * n_noise / total if total else 0.0))
    print("  corpus ids covered:  %d of %d" % (len(seen_ids), len(labels)))
    if unknown:
        print("  items without a known source_id (ignored): %d" % unknown)
    print("  NMI (unclustered = one noise cluster): %.4f" % score)
    print("  NMI (clustered items only):            %.4f" % score_c)
    # Majority label per cluster: a quick look at what the clusters are.
    by_cluster = {}
    for t, p in zip(true, pred):
        by_cluster.setdefault(p, Counter())[t] += 1
    rows = []
    for p, cnt in by_cluster.items():
        lab, c = cnt.most_common(1)[0]
        tot = sum(cnt.values())
        rows.append((tot, "noise" if p == NOISE else "c%s" % p[1], lab, c / tot))
    rows.sort(reverse=True)
    print("  purity by cluster:   " + ", ".join(
        "%s %d %s %.0f%%" % (cid, tot, lab, 100 * pur) for tot, cid, lab, pur in rows[:15])
        + (" ..." if len(rows) > 15 else ""))
    return score


def tool_command(binary):
    if binary:
        return [binary]
    default = os.path.join(REPO_ROOT, "target", "release", "insights")
    if os.path.exists(default):
        return [default]
    if not shutil.which("cargo"):
        sys.exit("error: %s not found and no cargo to build it" % default)
    return ["cargo", "run", "--quiet", "--release",
            "--manifest-path", os.path.join(REPO_ROOT, "Cargo.toml"), "--"]


def run_tool(cmd, corpus, extra, save_to=None):
    full = cmd + ["clusters", corpus] + extra + ["--json"]
    print("$ %s" % " ".join(full), file=sys.stderr, flush=True)
    t0 = time.time()
    res = subprocess.run(full, stdout=subprocess.PIPE, text=True)
    dt = time.time() - t0
    if res.returncode != 0:
        sys.exit("error: the tool exited with status %d" % res.returncode)
    if save_to:
        with open(save_to, "w", encoding="utf-8") as fh:
            fh.write(res.stdout)
    return parse_json_output(res.stdout), dt


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="NMI of `insights clusters` against the labels of a JSONL corpus "
                    "(e.g. from scripts/debian_corpus.py sections).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="""NMI = MI / ((H(labels) + H(clusters)) / 2), sklearn's default.
Unclustered items count as one extra "noise" cluster.

examples:
  %(prog)s /tmp/debian/sections.jsonl
  %(prog)s /tmp/debian/sections.jsonl --insights target/release/insights --save-json /tmp/nmi
  %(prog)s /tmp/debian/sections.jsonl --from-json /tmp/nmi/k12.json --from-json /tmp/nmi/auto.json
  %(prog)s /tmp/debian/sections.jsonl --labels-only
  %(prog)s --self-test
""")
    ap.add_argument("corpus", nargs="?", help="labelled JSONL corpus ({\"id\", \"label\", ...})")
    ap.add_argument("--insights", metavar="PATH",
                    help="tool binary (default: target/release/insights of this repo, "
                         "else `cargo run --release --`)")
    ap.add_argument("--k", type=int, default=12, help="clusters for the fixed-k run (default: 12)")
    ap.add_argument("--sample", type=int, metavar="N",
                    help="pass `--sample N` to both runs: above N items the tool fits its "
                         "k-means on a random sample of N and refines them over all items "
                         "(forces its large-corpus path)")
    ap.add_argument("--from-json", metavar="FILE", action="append",
                    help="evaluate saved `clusters --json` output instead of running the "
                         "tool (repeatable)")
    ap.add_argument("--save-json", metavar="DIR",
                    help="also save the tool's JSON as DIR/k<K>.json and DIR/auto.json")
    ap.add_argument("--labels-only", action="store_true",
                    help="only print the corpus's label counts and entropy; run nothing")
    ap.add_argument("--self-test", action="store_true",
                    help="check the NMI function on hand-computed cases and exit")
    args = ap.parse_args(argv)

    if args.self_test:
        return self_test()
    if not args.corpus:
        ap.error("CORPUS is required (or --self-test)")
    labels = load_corpus(args.corpus)
    counts = Counter(labels.values())
    print("corpus %s: %d items, %d labels, H(labels) = %.4f nats" % (
        args.corpus, len(labels), len(counts), entropy(counts.values(), len(labels))))
    print("  " + ", ".join("%s %d" % kv for kv in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))))
    if args.labels_only:
        return 0

    if args.from_json:
        for path in args.from_json:
            with open(path, encoding="utf-8") as fh:
                evaluate(parse_json_output(fh.read()), labels, path)
        return 0

    cmd = tool_command(args.insights)
    if args.save_json:
        os.makedirs(args.save_json, exist_ok=True)
    runs = [("--topics %d" % args.k, ["--topics", str(args.k)], "k%d.json" % args.k),
            ("automatic k", [], "auto.json")]
    for name, extra, fname in runs:
        if args.sample:
            extra = extra + ["--sample", str(args.sample)]
            name += ", --sample %d" % args.sample
        save = os.path.join(args.save_json, fname) if args.save_json else None
        result, dt = run_tool(cmd, args.corpus, extra, save)
        evaluate(result, labels, "%s (%.1fs)" % (name, dt))
    return 0


if __name__ == "__main__":
    sys.exit(main())
