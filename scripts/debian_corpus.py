#!/usr/bin/env python3
"""Build labelled and unlabelled text corpora from Debian package descriptions.

Data source
-----------
The binary ``Packages`` indexes only carry the one-line synopsis of each
package (``Description:``) plus ``Description-md5``; the long descriptions
live in the English translation index (``i18n/Translation-en``), keyed by the
same md5.  This script therefore runs

    apt-get -c SCRATCH.conf update

with ``Dir::State::Lists`` pointing at a scratch directory (default
``/tmp/insights-debian-lists``) and ``Acquire::Languages`` set to ``en``, so
the system's own lists, package cache and AppStream cache are left untouched.
It uses whatever sources apt is configured with (``/etc/apt/sources.list*``);
it never names a mirror itself.  The scratch lists are reused on later runs
unless ``--refresh`` is given.  ``apt-get update`` needs root (or a writable
scratch dir and ``--lists-dir`` pointing at already-fetched lists).

Each package is joined to its long description on ``Description-md5``; the
Section comes from the Packages index, with any component prefix
(``contrib/games`` -> ``games``) stripped.  When a package appears in several
Packages files (release, -updates, -security), the entry from the largest
index (the release itself) wins; packages only present in the smaller
indexes are added from there.

Text
----
A Debian long description is a series of lines that start with one space;
`` .`` is a blank line (paragraph break) and lines starting with two or more
spaces are verbatim (lists, code).  We take the *first paragraph* of the long
description, unfold its lines into one line, strip list bullet markers
(``*``, ``-``, ``+``, ``o``, ``1.``), separate list items (and runs of
verbatim lines) with ``;`` -- the first item with ``:`` -- when the previous
text has no punctuation, drop reST/markdown rulers (``=====``), and collapse
whitespace.  When the first paragraph ends with a colon ("Features
include:"), the paragraph it announces is appended.

    passage = synopsis + " " + first paragraph

(the synopsis alone when there is no long description).  The synopsis is
kept because it is the most topical sentence ("Real-time strategy game of
ancient warfare") and because many first paragraphs are generic boilerplate
about an upstream project shared by all of its binary packages.

Modes
-----
sections  Labelled corpus for clustering quality (NMI).  12 topically
          distinct sections; at most 250 packages each.  text = the passage
          (synopsis + first paragraph; ``--no-synopsis`` for the paragraph
          alone).  Packages without a long description are skipped.  Packages
          of the 12 sections whose first paragraph is identical (after
          case-folding and whitespace collapsing) to that of a package earlier
          in name order are dropped, so foo / foo-data / foo-doc siblings that
          share boilerplate do not make the labels trivially duplicated
          (``--dedup passage|none`` to change that).  Then
          a deterministic seeded sample of at most 250 per section is taken.
          JSONL: {"id", "doc", "label", "text"}.
passages  Speed-benchmark corpus: 10,000 passages, deduplicated on the
          normalised passage text (first package in name order kept), then a
          deterministic seeded sample.  JSONL {"id", "doc", "text"}, or one
          passage per line with --plain.
all       Every package's passage, deduplicated on the normalised text.
          About a third of the passages share their first paragraph with a
          sibling package and differ only in the synopsis ("... (data
          files)"); ``--dedup paragraph`` drops those too.

Sampling is deterministic and independent of the Python version: candidates
are ordered by sha256("<seed>:<package>") and the first N are taken; the
output is sorted by package name.

A summary (counts per label, word-count statistics, what was dropped) goes to
stderr.
"""

import argparse
import bz2
import glob
import gzip
import hashlib
import io
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, OrderedDict

DEFAULT_LISTS_DIR = "/tmp/insights-debian-lists"
DEFAULT_SECTIONS = [
    "games", "sound", "graphics", "fonts", "mail", "web", "math",
    "editors", "database", "video", "electronics", "hamradio",
]
DEFAULT_SEED = 20250520
COMPRESSED_SUFFIXES = (".gz", ".xz", ".lzma", ".bz2", ".lz4", ".zst")

# apt configuration for the scratch update.  Given with -c, it is read after
# the system configuration, so the #clear lines undo what apt.conf.d set:
# - no Post-Invoke hooks (e.g. the AppStream cache refresh of the system),
# - no binary package caches (they would be rebuilt from the scratch lists),
# - English translations on (some images set Acquire::Languages "none"),
# - indexes kept uncompressed on disk (some images set GzipIndexes),
# - no DEP-11 (AppStream) metadata download.
APT_CONF_TEMPLATE = """\
#clear APT::Update::Post-Invoke-Success;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Pre-Invoke;
Dir::State::Lists "{lists}/";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
#clear Acquire::Languages;
Acquire::Languages {{ "en"; }};
Acquire::GzipIndexes "false";
Acquire::IndexTargets::deb::DEP-11::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled "false";
"""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Fetching and reading the indexes
# --------------------------------------------------------------------------

def index_files(lists_dir, kind):
    """Return index files of one kind ('Packages' or 'Translation-en').

    Handles plain and compressed copies; when both exist for the same base
    name only the plain one is returned.
    """
    if kind == "Packages":
        pattern = "*_Packages"
    else:
        pattern = "*_i18n_Translation-en"
    found = {}
    for path in glob.glob(os.path.join(lists_dir, pattern + "*")):
        if not os.path.isfile(path):
            continue
        base = path
        for suf in COMPRESSED_SUFFIXES:
            if path.endswith(suf):
                base = path[: -len(suf)]
                break
        # Exact kind only (Translation-en, not Translation-en_GB; no .diff).
        if not base.endswith(pattern[1:]):
            continue
        if base not in found or path == base:
            found[base] = path
    return sorted(found.values())


def lists_populated(lists_dir):
    return bool(index_files(lists_dir, "Packages")) and bool(
        index_files(lists_dir, "Translation-en"))


def apt_update(lists_dir):
    os.makedirs(os.path.join(lists_dir, "partial"), exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".conf", prefix="insights-apt-",
                                     delete=False) as f:
        f.write(APT_CONF_TEMPLATE.format(lists=os.path.abspath(lists_dir)))
        conf = f.name
    try:
        cmd = ["apt-get", "-q", "-c", conf,
               "-o", "Dir::State::Lists=" + os.path.abspath(lists_dir) + "/",
               "-o", "Acquire::Languages=en",
               "update"]
        log("running: apt-get -c <scratch.conf> -o Dir::State::Lists=%s "
            "-o Acquire::Languages=en update" % lists_dir)
        t0 = time.time()
        res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
        log("apt-get update exited %d after %.1fs" % (res.returncode, time.time() - t0))
        if res.returncode != 0:
            tail = "\n".join(res.stdout.strip().splitlines()[-15:])
            log(tail)
            if not lists_populated(lists_dir):
                sys.exit("error: apt-get update failed and %s holds no Packages "
                         "and Translation-en indexes (are you root?)" % lists_dir)
            log("warning: apt-get update reported errors; using what was fetched")
    finally:
        os.unlink(conf)


def open_text(path):
    """Open a (possibly compressed) index file as text."""
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8",
                                errors="replace")
    if path.endswith(".xz") or path.endswith(".lzma"):
        return io.TextIOWrapper(lzma.open(path, "rb"), encoding="utf-8",
                                errors="replace")
    if path.endswith(".bz2"):
        return io.TextIOWrapper(bz2.open(path, "rb"), encoding="utf-8",
                                errors="replace")
    if path.endswith(".lz4") or path.endswith(".zst"):
        # Python's stdlib has no lz4/zstd; apt itself can decompress every
        # format it stores, so ask it.
        helper = "/usr/lib/apt/apt-helper"
        if os.path.exists(helper):
            cmd = [helper, "cat-file", path]
        else:
            tool = "lz4" if path.endswith(".lz4") else "zstd"
            if not shutil.which(tool):
                sys.exit("error: cannot decompress %s (no apt-helper, no %s)" % (path, tool))
            cmd = [tool, "-dc", path]
        out = subprocess.run(cmd, stdout=subprocess.PIPE, check=True).stdout
        return io.StringIO(out.decode("utf-8", errors="replace"))
    return open(path, encoding="utf-8", errors="replace")


def deb822(path, wanted):
    """Yield dicts of the wanted fields of each stanza.  Multi-line fields keep
    their continuation lines (joined with '\n', leading space included)."""
    stanza = {}
    field = None
    with open_text(path) as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip():
                if stanza:
                    yield stanza
                stanza = {}
                field = None
                continue
            if line[0] in " \t":
                if field is not None:
                    stanza[field] += "\n" + line
                continue
            name, sep, value = line.partition(":")
            if not sep:
                field = None
                continue
            if name in wanted:
                field = name
                stanza[name] = value.strip()
            else:
                field = None
    if stanza:
        yield stanza


def load_packages(lists_dir):
    """Return {package: {"synopsis", "md5", "section", "long"}}."""
    files = index_files(lists_dir, "Packages")
    # Largest index first: the release wins over -updates / -security.
    files.sort(key=lambda p: -os.path.getsize(p))
    pkgs = {}
    wanted = {"Package", "Description", "Description-md5", "Section"}
    for path in files:
        n = 0
        for st in deb822(path, wanted):
            name = st.get("Package")
            if not name or name in pkgs:
                continue
            desc = st.get("Description", "")
            synopsis, _, long_part = desc.partition("\n")
            section = st.get("Section", "")
            section = section.rsplit("/", 1)[-1] if section else ""
            pkgs[name] = {
                "synopsis": synopsis.strip(),
                "md5": st.get("Description-md5", ""),
                "section": section,
                # Packages indexes built without translations carry the long
                # description inline; keep it as a fallback.
                "long": long_part,
            }
            n += 1
        log("read %6d packages from %s" % (n, os.path.basename(path).split("_dists_", 1)[-1]))
    return pkgs


def load_translations(lists_dir):
    """Return {description-md5: (synopsis, long description lines)}."""
    trans = {}
    for path in index_files(lists_dir, "Translation-en"):
        n = 0
        for st in deb822(path, {"Description-md5", "Description-en"}):
            md5 = st.get("Description-md5")
            desc = st.get("Description-en")
            if md5 and desc is not None and md5 not in trans:
                synopsis, _, long_part = desc.partition("\n")
                trans[md5] = (synopsis.strip(), long_part)
                n += 1
        log("read %6d descriptions from %s" % (n, os.path.basename(path).split("_dists_", 1)[-1]))
    return trans


# --------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------

BULLET_ANY = re.compile(r"^(?:[*+\u2022\u00b7]|-{1,2}|o)\s+(?=\S)")
BULLET_VERBATIM = re.compile(r"^(?:\(?\d{1,2}[.)]|\(?[a-z][)])\s+(?=\S)")
WS = re.compile(r"\s+")
RULE = re.compile(r"^[=\-~*_#+^.]{3,}$")  # reST/markdown underlines, rulers


def paragraphs(long_part):
    """Split a Debian long description into paragraphs of (verbatim, text)
    line tuples."""
    paras = [[]]
    for raw in long_part.split("\n"):
        if not raw.strip():
            continue
        line = raw[1:] if raw.startswith(" ") else raw.lstrip("\t")
        if line.strip() == ".":
            if paras[-1]:
                paras.append([])
            continue
        verbatim = line.startswith((" ", "\t"))
        if RULE.match(line.strip()):
            continue
        paras[-1].append((verbatim, line.strip()))
    return [p for p in paras if p]


def unfold(lines):
    """Join one paragraph's lines into readable single-line text.

    Bullet markers are dropped; list items are separated with ";" (the first
    with ":") unless the previous text already ends in punctuation.  Runs of
    verbatim lines that are not list items or their continuations (e.g. a list
    of font names, one per line) are separated with ";" too.
    """
    out = []
    seen_item = False
    prev = None  # kind of the previous line: "item", "verb" or "text"
    for verbatim, text in lines:
        m = BULLET_ANY.match(text) or (BULLET_VERBATIM.match(text) if verbatim else None)
        sep = None
        if m:
            text = text[m.end():]
            sep = ";" if seen_item else ":"
            seen_item = True
            kind = "item"
        elif verbatim:
            if prev == "item":
                kind = "item"  # continuation of a list item
            else:
                kind = "verb"
                if prev == "verb":
                    sep = ";"
        else:
            kind = "text"
        if sep and out and out[-1] and out[-1][-1] not in ".:;,!?":
            out[-1] += sep
        out.append(text)
        prev = kind
    return WS.sub(" ", " ".join(out)).strip()


def first_paragraph(long_part):
    """First paragraph of a long description, unfolded.  When it ends with a
    colon ("Features include:"), the paragraph it announces is appended."""
    paras = paragraphs(long_part)
    if not paras:
        return ""
    text = unfold(paras[0])
    if text.endswith(":") and len(paras) > 1:
        nxt = unfold(paras[1])
        text = (text + " " + nxt).strip()
    return text


def norm_key(text):
    return WS.sub(" ", text).strip().casefold()


def sample_key(seed, name):
    return hashlib.sha256(("%s:%s" % (seed, name)).encode()).hexdigest()


def seeded_sample(names, k, seed):
    """Deterministic sample of k names; returned sorted by name."""
    if k is None or len(names) <= k:
        return sorted(names)
    chosen = sorted(names, key=lambda n: sample_key(seed, n))[:k]
    return sorted(chosen)


# --------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------

def build_records(lists_dir):
    pkgs = load_packages(lists_dir)
    trans = load_translations(lists_dir)
    records = []
    missing = 0
    for name in sorted(pkgs):
        p = pkgs[name]
        t = trans.get(p["md5"]) if p["md5"] else None
        if t is not None:
            synopsis = p["synopsis"] or t[0]
            long_part = t[1]
        else:
            synopsis, long_part = p["synopsis"], p["long"]
            if not long_part.strip():
                missing += 1
        para = first_paragraph(long_part)
        synopsis = WS.sub(" ", synopsis).strip()
        passage = (synopsis + " " + para).strip() if para else synopsis
        records.append({
            "name": name,
            "section": p["section"],
            "synopsis": synopsis,
            "para": para,
            "passage": passage,
        })
    log("joined %d packages; %d without a long description (no translation "
        "for their md5 and none inline)" % (len(records), missing))
    return records


def dedup_key(kind):
    if kind == "paragraph":
        # packages without a long description are keyed on their synopsis
        return lambda r: norm_key(r["para"] or r["passage"])
    if kind == "passage":
        return lambda r: norm_key(r["passage"])
    return lambda r: r["name"]


def dedup(records, keyfn):
    seen = set()
    kept = []
    dropped = 0
    for r in records:  # records are in package-name order
        k = keyfn(r)
        if k in seen:
            dropped += 1
            continue
        seen.add(k)
        kept.append(r)
    return kept, dropped


def percentile(sorted_vals, q):
    if not sorted_vals:
        return 0
    idx = min(len(sorted_vals) - 1, max(0, int(round(q / 100.0 * (len(sorted_vals) - 1)))))
    return sorted_vals[idx]


def word_stats(texts):
    words = sorted(len(t.split()) for t in texts)
    if not words:
        return "no texts"
    mean = sum(words) / len(words)
    return ("words/text: mean %.1f, p10 %d, p50 %d, p90 %d, p99 %d, min %d, max %d"
            % (mean, percentile(words, 10), percentile(words, 50), percentile(words, 90),
               percentile(words, 99), words[0], words[-1]))


def mode_sections(records, args):
    wanted = args.sections.split(",") if args.sections else DEFAULT_SECTIONS
    wanted = [s.strip() for s in wanted if s.strip()]
    pool = [r for r in records if r["section"] in wanted]
    avail = Counter(r["section"] for r in pool)
    no_long = [r for r in pool if not r["para"]]
    pool = [r for r in pool if r["para"]]
    pool, dropped = dedup(pool, dedup_key(args.dedup or "paragraph"))
    after = Counter(r["section"] for r in pool)
    out = []
    for sec in wanted:
        names = [r["name"] for r in pool if r["section"] == sec]
        chosen = set(seeded_sample(names, args.per_label, args.seed))
        out.extend(r for r in pool if r["section"] == sec and r["name"] in chosen)
    out.sort(key=lambda r: r["name"])
    text_of = (lambda r: r["para"]) if args.no_synopsis else (lambda r: r["passage"])
    rows = [OrderedDict([("id", r["name"]), ("doc", r["name"]),
                         ("label", r["section"]), ("text", text_of(r))]) for r in out]
    chosen_counts = Counter(r["section"] for r in out)
    log("sections mode: %d packages in the %d sections, %d without long description "
        "skipped, %d duplicates (%s) dropped"
        % (sum(avail.values()), len(wanted), len(no_long), dropped, args.dedup or "paragraph"))
    log("%-12s %9s %9s %7s" % ("label", "packages", "dedup'd", "chosen"))
    for sec in wanted:
        flag = "  (< %d)" % args.per_label if chosen_counts[sec] < args.per_label else ""
        log("%-12s %9d %9d %7d%s" % (sec, avail[sec], after[sec], chosen_counts[sec], flag))
    log("%-12s %9d %9d %7d" % ("total", sum(avail.values()), len(pool), len(out)))
    log(word_stats([r["text"] for r in rows]))
    return rows


def mode_passages(records, args, count):
    pool, dropped = dedup(records, dedup_key(args.dedup or "passage"))
    names = [r["name"] for r in pool]
    chosen = set(seeded_sample(names, count, args.seed))
    out = [r for r in pool if r["name"] in chosen]
    no_long = sum(1 for r in out if not r["para"])
    log("%s mode: %d packages, %d duplicates (%s) dropped, %d left, %d written "
        "(%d of them synopsis only)" % (args.mode, len(records), dropped,
                                         args.dedup or "passage", len(pool), len(out),
                                         no_long))
    log(word_stats([r["passage"] for r in out]))
    return [OrderedDict([("id", r["name"]), ("doc", r["name"]), ("text", r["passage"])])
            for r in out]


def write_rows(rows, args):
    import json
    if args.out and args.out != "-":
        d = os.path.dirname(os.path.abspath(args.out))
        os.makedirs(d, exist_ok=True)
        fh = open(args.out, "w", encoding="utf-8")
    else:
        fh = sys.stdout
    try:
        for row in rows:
            if args.plain:
                fh.write(row["text"].replace("\n", " ") + "\n")
            else:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if fh is not sys.stdout:
            fh.close()
    log("wrote %d lines to %s" % (len(rows), args.out or "stdout"))


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0] + " The comment at the top of "
        "this script explains the data source and text extraction in detail.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="""modes:
  sections   labelled corpus for NMI: 12 Debian sections (games, sound,
             graphics, fonts, mail, web, math, editors, database, video,
             electronics, hamradio), <= 250 packages each, duplicate first
             paragraphs removed; JSONL {"id","doc","label","text"} where
             text = synopsis + first paragraph of the long description
  passages   10,000 passages (synopsis + first paragraph), deduplicated, seeded
             sample; JSONL {"id","doc","text"} or --plain (one per line)
  all        every package's passage, deduplicated by text (~60,000)

The long descriptions come from apt's English translation index, fetched with
apt-get update into --lists-dir (a scratch directory; the system's lists are not
touched). Needs root for the first run; later runs reuse the directory.

examples:
  %(prog)s sections --out /tmp/debian/sections.jsonl
  %(prog)s passages --out /tmp/debian/passages10k.jsonl
  %(prog)s passages --plain --out /tmp/debian/passages10k.txt
  %(prog)s all --out /tmp/debian/all.jsonl
""")
    ap.add_argument("mode", choices=["sections", "passages", "all"])
    ap.add_argument("--out", default="-", help="output file (default: stdout)")
    ap.add_argument("--lists-dir", default=DEFAULT_LISTS_DIR,
                    help="scratch apt lists directory, reused if it already holds "
                         "Packages and Translation-en indexes (default: %(default)s)")
    ap.add_argument("--refresh", action="store_true",
                    help="run apt-get update into --lists-dir even if it is populated")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED,
                    help="sampling seed (default: %(default)s)")
    ap.add_argument("--plain", action="store_true",
                    help="write one text per line instead of JSONL")
    ap.add_argument("--count", type=int, default=10000,
                    help="passages mode: number of passages (default: %(default)s)")
    ap.add_argument("--per-label", type=int, default=250,
                    help="sections mode: max packages per section (default: %(default)s)")
    ap.add_argument("--sections", default=None,
                    help="sections mode: comma-separated sections (default: the 12 above)")
    ap.add_argument("--no-synopsis", action="store_true",
                    help="sections mode: text = first paragraph only, without the synopsis")
    ap.add_argument("--dedup", choices=["paragraph", "passage", "none"], default=None,
                    help="drop packages whose normalised first paragraph / passage "
                         "(synopsis + first paragraph) repeats one earlier in name order "
                         "(default: paragraph for sections, passage for passages/all)")
    args = ap.parse_args(argv)

    t0 = time.time()
    if args.refresh or not lists_populated(args.lists_dir):
        apt_update(args.lists_dir)
    else:
        log("reusing apt lists in %s (--refresh to update)" % args.lists_dir)
    records = build_records(args.lists_dir)
    if args.mode == "sections":
        rows = mode_sections(records, args)
    elif args.mode == "passages":
        rows = mode_passages(records, args, args.count)
    else:
        rows = mode_passages(records, args, None)
    write_rows(rows, args)
    log("done in %.1fs" % (time.time() - t0))


if __name__ == "__main__":
    main()
