#!/usr/bin/env python3
"""Recall and false matches of `insights similar` and `insights duplicates` on the labelled sets in
tests/fixtures/verdict/, for the old rule and the new, printed as a Markdown table.

    python3 scripts/verdict_eval.py [--bin target/release/insights] [--set seeds_a ...] [--verbose]

Each set is a JSONL file of labelled statements over a corpus (`seeds/` for seeds_*.jsonl, the 300 Debian package
descriptions of debian_corpus.jsonl for debian.jsonl):
- `claim` (one sentence restating one point of the insight `source`) and the `new`, `unrelated` and `contradiction`
  statements are run through `insights similar --file` against an index of the corpus. A claim is found when the
  verdict is said-before and the best match is its source (or a verbatim copy of it).
- `paragraph` (a whole insight restated) lines are written as a fifth document beside the corpus and run through
  `insights duplicates`. A restatement is found when it is in a group with its source. A group is false when its
  members restate more than one insight.
The old rule: said-before when the best paragraph cosine reaches 0.75 (read from the same JSON's paragraph scores);
paraphrase when the cosine reaches 0.85 (`duplicates --paraphrase-min-margin 9`, which turns the margin test off).
Standard library only.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "verdict")
OLD_SAID_BEFORE = 0.75
SETS = {
    "seeds_a": os.path.join(ROOT, "seeds"),
    "seeds_b": os.path.join(ROOT, "seeds"),
    "seeds_c": os.path.join(ROOT, "seeds"),
    "debian": os.path.join(FIXTURES, "debian_corpus.jsonl"),
}


def run(binary, args):
    out = subprocess.run([binary, *args, "-q"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"insights {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout


def load(name):
    items = [json.loads(line) for line in open(os.path.join(FIXTURES, f"{name}.jsonl"), encoding="utf-8")]
    ids = None
    if name == "debian":
        ids = {}
        for line in open(SETS["debian"], encoding="utf-8"):
            row = json.loads(line)
            ids[row["id"]] = row["text"]
    return items, ids


def is_source(item, text, ids):
    """Whether an insight text is the item's source (the insight it restates or contradicts)."""
    if ids is not None:
        return " ".join(ids[item["source"]].split()) == text
    return item["source"] in text


def evaluate(binary, name, verbose, margin=None):
    items, ids = load(name)
    corpus = SETS[name]
    row = {}
    with tempfile.TemporaryDirectory() as tmp:
        index = os.path.join(tmp, "corpus.idx")
        run(binary, ["index", corpus, "-i", index])
        queries = [it for it in items if it["kind"] != "paragraph"]
        qfile = os.path.join(tmp, "queries.jsonl")
        with open(qfile, "w", encoding="utf-8") as f:
            for n, it in enumerate(queries):
                f.write(json.dumps({"id": str(n), "text": it["text"]}, ensure_ascii=False) + "\n")
        answer = json.loads(run(binary, ["similar", "--file", qfile, "-i", index, "--json", "-k", "10"]))
        results = answer["results"]
        assert len(results) == len(queries), (len(results), len(queries))
        tally = {}
        for it, r in zip(queries, results):
            kind = it["kind"]
            hits = r["hits"]
            new_best = r["best"]["insight"]["text"] if r["best"] else None
            new_said = r["verdict"] == "said-before"
            old = max(hits, key=lambda h: h["paragraph_score"]) if hits else None
            old_said = old is not None and old["paragraph_score"] >= OLD_SAID_BEFORE
            if kind in ("claim", "contradiction"):
                new_ok = new_said and is_source(it, new_best, ids)
                old_ok = old_said and is_source(it, old["insight"]["text"], ids)
            else:
                new_ok, old_ok = new_said, old_said
            t = tally.setdefault(kind, [0, 0, 0])
            t[0] += old_ok
            t[1] += new_ok
            t[2] += 1
            if verbose and ((kind == "claim" and not new_ok) or (kind in ("new", "unrelated") and new_said)):
                print(f"  [{name}] {kind} {r['verdict']} claim={r['claim_score']} best={r['best'] and r['best']['score']}"
                      f" | {it['text'][:100]}", file=sys.stderr)
        row["tally"] = tally
        # Restated paragraphs: a fifth document beside the corpus.
        paras = [it for it in items if it["kind"] == "paragraph"]
        fifth = os.path.join(tmp, "restated.txt")
        with open(fifth, "w", encoding="utf-8") as f:
            f.write("\n\n".join(it["text"] for it in paras) + "\n")
        new_extra = ["--paraphrase-min-margin", str(margin)] if margin is not None else []
        for rule, extra in (("old", ["--paraphrase-min-margin", "9"]), ("new", new_extra)):
            groups = json.loads(run(binary, ["duplicates", corpus, fifth, "--json", *extra]))["groups"]
            found, false = 0, 0
            for p in paras:
                text = " ".join(p["text"].split())
                for g in groups:
                    texts = [m["text"] for m in g["members"]]
                    if text in texts and any(is_source(p, t, ids) for t in texts if t != text):
                        found += 1
                        break
            for g in groups:
                labels = set()
                for m in g["members"]:
                    restated = [p for p in paras if " ".join(p["text"].split()) == m["text"]]
                    labels.add(restated[0]["source"] if restated else ("text", m["text"]))
                # A corpus insight and the restatement of it share a label through the restatement's source.
                merged = set()
                for label in labels:
                    if isinstance(label, tuple):
                        src = [p["source"] for p in paras if is_source(p, label[1], ids)]
                        merged.add(src[0] if src else label)
                    else:
                        merged.add(label)
                if len(merged) > 1:
                    false += 1
                    if verbose and rule == "new":
                        print(f"  [{name}] false group ({g['kind']}, {g['score']}): "
                              + " || ".join(m["text"][:60] for m in g["members"]), file=sys.stderr)
            row[rule] = (found, len(paras), false, len(groups))
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "insights"))
    ap.add_argument("--set", action="append", choices=sorted(SETS), help="sets to run (default: all)")
    ap.add_argument("--verbose", action="store_true", help="list misses and false matches on stderr")
    ap.add_argument("--margin", type=float, help="duplicates --paraphrase-min-margin for the new rule (default: its own)")
    args = ap.parse_args()
    names = args.set or list(SETS)
    print("| set | rule | restated claims said-before (right insight) | restated paragraphs grouped with source "
          "| new + unrelated said-before | false groups | contradictions said-before |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        row = evaluate(args.bin, name, args.verbose, args.margin)
        t = row["tally"]
        neg = [t.get("new", [0, 0, 0]), t.get("unrelated", [0, 0, 0])]
        for n, rule in enumerate(("old", "new")):
            found, paras, false, _ = row[rule]
            claims = t.get("claim", [0, 0, 0])
            contra = t.get("contradiction", [0, 0, 0])
            print(f"| {name} | {rule} | {claims[n]}/{claims[2]} | {found}/{paras} | "
                  f"{neg[0][n] + neg[1][n]}/{neg[0][2] + neg[1][2]} | {false} | {contra[n]}/{contra[2]} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
