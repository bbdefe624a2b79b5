#!/usr/bin/env python3
"""The plan of the imports between a crate's files (`python3 xtask/import_plan.py runtime/core/src`,
`-v` for every edge): files, floors (the longest chain of imports, after folding cycles),
circles (strongly connected groups of more than one file), and for codegen the imports that run
back up its stage order.

Counts `crate::a::b` and `super::` paths outside comments, string literals, `quote!` bodies and
`#[cfg(test)] mod tests` blocks; each path goes to the deepest file module it names."""
import os, re, sys
from collections import defaultdict

src = sys.argv[1] if len(sys.argv) > 1 else "codegen/src"
files = {}
for root, _, names in os.walk(src):
    for n in names:
        if n.endswith(".rs"):
            rel = os.path.relpath(os.path.join(root, n), src)
            parts = rel[:-3].split(os.sep)
            if parts[-1] in ("mod", "lib"):
                parts = parts[:-1]
            files[tuple(parts)] = rel

def strip(text):
    # drop comments and string literals (raw strings included), keep code
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i); i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i); i = n if j < 0 else j + 2
        elif text[i] == 'r' and re.match(r'r#*"', text[i:i+10]) and (i == 0 or not (text[i-1].isalnum() or text[i-1] == '_')):
            m = re.match(r'r(#*)"', text[i:]); close = '"' + m.group(1)
            j = text.find(close, i + len(m.group(0))); i = n if j < 0 else j + len(close)
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == '\\' else 1
            i = j + 1
        elif text[i] == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i+4]):
            i += len(re.match(r"'(\\.[^']*|[^\\'])'", text[i:]).group(0))
        else:
            out.append(text[i]); i += 1
    return "".join(out)

def skip_blocks(code, pattern):
    # remove the balanced (), [] or {} group after each match of pattern
    res, i = [], 0
    for m in re.finditer(pattern, code):
        if m.start() < i:
            continue
        res.append(code[i:m.start()])
        j = m.end()
        while j < len(code) and code[j] not in "({[":
            j += 1
        depth, k = 0, j
        while k < len(code):
            if code[k] in "({[": depth += 1
            elif code[k] in ")}]":
                depth -= 1
                if depth == 0: break
            k += 1
        i = k + 1
    res.append(code[i:])
    return "".join(res)

# Names a module re-exports from its own children (`pub use error::{Error, Result}` in lib.rs or
# a mod.rs): `crate::Error` is an import of `error`, not of the root; a re-export of another
# crate's item is no import at all.
reexports = {}
for _mod, _rel in files.items():
    if os.path.basename(_rel) not in ("lib.rs", "mod.rs"):
        continue
    _text = open(os.path.join(src, _rel)).read()
    for m in re.finditer(r"pub(?:\(crate\))?\s+use\s+([\w:]+)::(\{[^}]*\}|\w+)\s*;", _text):
        target = tuple(m.group(1).split("::"))
        if target[0] == "crate":
            full_t = target[1:]
        elif target[0] in ("self",):
            full_t = _mod + target[1:]
        else:
            full_t = _mod + target
        local = any(full_t[:k] in files for k in range(len(full_t), 0, -1)) and target[0] not in ("std",)
        for name_ in re.findall(r"\w+", m.group(2)):
            if name_ in ("self", "as"):
                continue
            reexports[_mod + (name_,)] = full_t if local else None

def resolve(path):
    for k in range(len(path), 0, -1):
        key = tuple(path[:k])
        if key in reexports and key not in files:
            if reexports[key] is None:
                return ()
            return resolve(list(reexports[key]) + list(path[k:]))
    best = None
    for k in range(len(path), -1, -1):
        if tuple(path[:k]) in files:
            return tuple(path[:k])
    return best

edges = defaultdict(set)
for mod, rel in files.items():
    code = strip(open(os.path.join(src, rel)).read())
    code = skip_blocks(code, r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*")
    code = skip_blocks(code, r"\bquote!\s*")
    # expand `use a::{b, c::{d}}` groups roughly: take every path-like token
    uses = []
    for m in re.finditer(r"\buse\s+([^;]+);", code):
        uses += expand(m.group(1)) if False else []
    def paths_in(stmt, prefix=()):
        # yields full paths of a use tree
        stmt = stmt.strip()
        if "{" not in stmt:
            for p in stmt.split(","):
                p = p.strip().split(" as ")[0].strip()
                if p:
                    yield prefix + tuple(x for x in p.split("::") if x)
            return
        head, rest = stmt.split("{", 1)
        body = rest[: rest.rfind("}")]
        head = tuple(x for x in head.strip().rstrip(":").split("::") if x)
        depth, cur, items = 0, "", []
        for ch in body:
            if ch == "{": depth += 1
            if ch == "}": depth -= 1
            if ch == "," and depth == 0:
                items.append(cur); cur = ""
            else:
                cur += ch
        items.append(cur)
        for it in items:
            if it.strip():
                yield from paths_in(it, prefix + head)
    found = []
    for m in re.finditer(r"\buse\s+([^;]+);", code):
        found += list(paths_in(m.group(1)))
    code_wo_use = re.sub(r"\buse\s+[^;]+;", "", code)
    for m in re.finditer(r"(?<!\$)\b((?:crate|super|self)(?:::\w+)+)", code_wo_use):
        found.append(tuple(m.group(1).split("::")))
    is_dir_mod = os.path.basename(rel) in ("mod.rs", "lib.rs")
    if is_dir_mod:
        # a folder's own file names its children without `self::`
        for m in re.finditer(r"(?<![\w:])(\w+(?:::\w+)*)::", code):
            head = m.group(1).split("::")
            if tuple(mod) + (head[0],) in files:
                found.append(("self",) + tuple(head))
    for p in found:
        if p[0] == "crate":
            full = list(p[1:])
        elif p[0] in ("super", "self"):
            base = list(mod) if is_dir_mod else list(mod[:-1])
            if p[0] == "self":
                base = list(mod)
            q = list(p)
            if q[0] == "self": q = q[1:]
            while q and q[0] == "super":
                q = q[1:]
                base = base[:-1] if q and q[0] == "super" else base
            # one `super` from a file module = its parent; from mod.rs = the grandparent
            if p[0] == "super":
                base = list(mod[:-1])
                q = list(p[1:])
                while q and q[0] == "super":
                    base = base[:-1]; q = q[1:]
            full = base + q
        else:
            continue
        t = resolve(full)
        if t == ():
            continue
        if t is not None and t != mod:
            edges[mod].add(t)

# lib.rs declares every module; its `mod` lines are not imports, but its `use`s are.
nodes = list(files)
idx = {}; low = {}; onstack = set(); stack = []; sccs = []; counter = [0]
sys.setrecursionlimit(10000)
def strong(v):
    idx[v] = low[v] = counter[0]; counter[0] += 1; stack.append(v); onstack.add(v)
    for w in edges[v]:
        if w not in idx:
            strong(w); low[v] = min(low[v], low[w])
        elif w in onstack:
            low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        comp = []
        while True:
            w = stack.pop(); onstack.discard(w); comp.append(w)
            if w == v: break
        sccs.append(comp)
for v in nodes:
    if v not in idx:
        strong(v)
comp_of = {v: i for i, c in enumerate(sccs) for v in c}
floor = {}
def fl(c):
    if c in floor: return floor[c]
    floor[c] = 1
    deps = {comp_of[w] for v in sccs[c] for w in edges[v]} - {c}
    floor[c] = 1 + max((fl(d) for d in deps), default=0)
    return floor[c]
for c in range(len(sccs)): fl(c)
name = lambda m: "/".join(m) or "lib"
print(f"files: {len(files)}")
print(f"floors: {max(floor.values())}")
circles = [c for c in sccs if len(c) > 1]
print(f"circles: {len(circles)}" + "".join(f"\n  {sorted(name(m) for m in c)}" for c in circles))
if "-v" in sys.argv:
    by = defaultdict(list)
    for c, f in floor.items():
        by[f] += [name(m) for m in sccs[c]]
    for f in sorted(by):
        print(f"  floor {f}: {', '.join(sorted(by[f]))}")
    for m in sorted(edges, key=name):
        print(f"  {name(m)} -> {', '.join(sorted(name(t) for t in edges[m]))}")

# Stage order: an edge between two top-level parts must go from a later part to an earlier one.
ORDER = ["error", "idents", "front", "resolve", "model", "types", "emit", "output", "lib", "api_diff"]
def part(m):
    return m[0] if m else "lib"
if all(part(m) in ORDER for m in files):
    back = [(name(a), name(b)) for a in edges for b in edges[a]
            if ORDER.index(part(a)) < ORDER.index(part(b))]
    print(f"imports back up the stack: {len(back)}" + "".join(f"\n  {a} -> {b}" for a, b in sorted(back)))
    sib = [(name(a), name(b)) for a in edges for b in edges[a]
           if part(a) == part(b) == "emit" and a != b and "helpers" not in b and len(b) > 1 and len(a) > 1]
    print(f"emitters importing each other: {len(sib)}" + "".join(f"\n  {a} -> {b}" for a, b in sorted(sib)))

# The same graph with each top-level folder (stage) as one node.
sedges = defaultdict(set)
for a in edges:
    for b in edges[a]:
        if part(a) != part(b):
            sedges[part(a)].add(part(b))
sfloor = {}
def sf(p, seen=()):
    if p in seen:
        return float("inf")  # a circle between stages
    if p not in sfloor:
        sfloor[p] = 1 + max((sf(q, seen + (p,)) for q in sedges[p]), default=0)
    return sfloor[p]
parts = {part(m) for m in files}
for p in parts: sf(p)
print(f"stage-level floors: {max(sfloor.values())}  " + ", ".join(f"{p}:{f}" for p, f in sorted(sfloor.items(), key=lambda x: x[1])))
