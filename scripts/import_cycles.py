#!/usr/bin/env python3
"""Import cycles between the files of one folder of src/. An edge A -> B when file A uses an item defined in file B
of the same folder (mod.rs included); re-exports (`pub use b::X` in mod.rs) resolve to the file that defines X, and
mod.rs's own `mod` and `pub use` lines are not uses. Tests are left out."""
import os, re, sys
from collections import defaultdict
root = sys.argv[1] if len(sys.argv) > 1 else 'src'

def modpath(path):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] in ('mod', 'lib'): rel = rel[:-1]
    return tuple(rel)

files = {}
for d, _, fs in os.walk(root):
    for f in fs:
        if f.endswith('.rs'):
            p = os.path.join(d, f)
            files[modpath(p)] = p

def code(path):
    text = open(path).read()
    text = re.sub(r'#\[cfg\(test\)\]\s*mod \w+\s*\{.*', '', text, flags=re.S)
    text = re.sub(r'//[^\n]*', '', text)
    return text

def children(folder):
    return {m[-1] for m in files if len(m) == len(folder) + 1 and m[:-1] == folder and m[-1] != 'tests'}

def reexports(folder):
    """name -> sibling file, from mod.rs's `pub use child::...` lines."""
    out = {}
    text = code(files[folder])
    for m in re.finditer(r'pub(?:\([\w:]+\))? use (\w+)::(\{[^}]*\}|[\w:]+)\s*;', text, flags=re.S):
        child, items = m.group(1), m.group(2)
        for it in re.split(r'[,{}\s]+', items):
            if not it: continue
            name = it.split('::')[-1]
            if ' as ' in it: name = it.split(' as ')[-1]
            out[name] = child
    return out

cycles = []
for folder in sorted({m for m in files if children(m)}):
    kids = children(folder)
    rex = reexports(folder)
    edges = defaultdict(set)
    def target(name, node):
        if name in kids: return name
        if name in rex: return rex[name]
        if name in ('self', 'super', '*'): return None
        return 'mod'
    for node in kids | {'mod'}:
        key = folder if node == 'mod' else folder + (node,)
        text = code(files[key])
        if node == 'mod':
            body = re.sub(r"(pub(\([\w:]+\))? use|(pub(\([\w:]+\))? )?mod) [^;]*;", "", text, flags=re.S)
            for name in kids:
                if re.search(r'(?<![\w:])' + name + r'::', body): edges['mod'].add(name)
            continue
        prefix = r'\b(?:super|crate::' + '::'.join(folder) + r')::' if folder else r'\bcrate::'
        for m in re.finditer(prefix + r'(\{[^}]*\}|\w+(?:::\w+)*)', text):
            for part in re.split(r'[,{}\s]+', m.group(1)):
                name = part.split('::')[0]
                if not name: continue
                t = target(name, node)
                if t and t != node: edges[node].add(t)
    seen = set()
    def dfs(n, stack):
        for m in sorted(edges[n]):
            if m in stack:
                cyc = stack[stack.index(m):] + [m]
                if frozenset(cyc) not in seen:
                    seen.add(frozenset(cyc)); cycles.append(('/'.join(folder) or '.', ' -> '.join(cyc)))
            elif len(stack) < 10:
                dfs(m, stack + [m])
    for n in sorted(kids | {'mod'}): dfs(n, [n])
for f, c in cycles: print(f"{f}: {c}")
print(f"{len(cycles)} cycles")
