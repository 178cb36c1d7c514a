#!/usr/bin/env python3
"""Keeps churn-core's shape (issue 19): run by .ci/run, exits 1 with a list of what is wrong.

Checks, on the core's sources with comments, strings and `#[cfg(test)] mod` blocks removed:
1. layers: a module imports only its own layer, lower layers, or the shared helpers
   (model < engine < intake < report < bundle < run < store; error, order, unroll, clock are
   shared);
2. no import cycles between modules (a file is a module; a `mod.rs` using its own children is
   structure, not a dependency, so those edges are left out);
3. no function over 120 lines and no file over 1,200 lines (tests aside);
4. no SQL and no `rusqlite` in the bindings' sources (the store layer owns the database).

`python3 .ci/architecture.py --graph` prints the module graph instead.
"""

import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SRC = os.path.join(ROOT, "churn-core", "src")
LAYERS = ["model", "engine", "intake", "report", "bundle", "run", "store"]
SHARED = {"error", "order", "unroll", "clock"}
# Not layers: the crate root and the fuzzing entry points (test support) may use everything.
EXEMPT = {"", "fuzzing"}
MAX_FN_LINES = 120
MAX_FILE_LINES = 1200


def strip(src):
    """Comments, string and char literals blanked out; newlines kept so lines still count."""
    out, i, n = [], 0, len(src)
    blank = lambda s: re.sub(r"[^\n]", " ", s)
    while i < n:
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(src[i:j]))
            i = j
        elif re.match(r'b?r#*"', src[i : i + 8]) and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            m = re.match(r'b?r(#*)"', src[i:])
            end = src.find('"' + m.group(1), i + len(m.group(0)))
            end = n if end < 0 else end + 1 + len(m.group(1))
            out.append(blank(src[i:end]))
            i = end
        elif src[i] == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append(blank(src[i : j + 1]))
            i = j + 1
        elif src[i] == "'":
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", src[i : i + 12])
            if m:
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:
                out.append(src[i])
                i += 1
        else:
            out.append(src[i])
            i += 1
    return "".join(out)


def block_end(src, open_brace):
    """Index of the `}` closing the `{` at `open_brace`."""
    depth = 0
    for j in range(open_brace, len(src)):
        if src[j] == "{":
            depth += 1
        elif src[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(src) - 1


def without_tests(src):
    """`#[cfg(test)] mod name { ... }` blocks blanked out (newlines kept)."""
    while True:
        m = re.search(r"#\[cfg\(test\)\]\s*(pub(\([a-z]+\))?\s+)?mod\s+\w+\s*\{", src)
        if not m:
            return src
        end = block_end(src, m.end() - 1)
        src = src[: m.start()] + re.sub(r"[^\n]", " ", src[m.start() : end + 1]) + src[end + 1 :]


def module_of(path):
    rel = os.path.relpath(path, SRC)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib"):
        rel = rel[:-1]
    return "::".join(rel)


def load():
    files = {}
    for dp, _, fs in os.walk(SRC):
        for f in fs:
            if f.endswith(".rs"):
                p = os.path.join(dp, f)
                with open(p, encoding="utf-8") as fh:
                    text = fh.read()
                files[module_of(p)] = (p, text, without_tests(strip(text)))
    return files


def expand(prefix, group):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e]."""
    out, depth, cur = [], 0, ""
    for ch in group + ",":
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            item = cur.strip()
            cur = ""
            if not item:
                continue
            m = re.match(r"^([\w:]*?)(::)?\{(.*)\}$", item, re.S)
            if m:
                out += expand(prefix + m.group(1) + ("::" if m.group(1) else ""), m.group(3))
            else:
                out.append(prefix + item.split(" as ")[0].strip())
        else:
            cur += ch
    return out


def paths(module, code):
    """Every `crate::`/`super::` path in `code`, made absolute (without `crate::`)."""
    found = []
    for m in re.finditer(r"\b(crate|super)::(\{)?", code):
        if m.group(2):
            end = block_end(code, m.end() - 1)
            items = expand("", code[m.end() : end])
        else:
            tail = re.match(r"[\w:]*", code[m.end() :]).group(0)
            items = [tail]
        base = [] if m.group(1) == "crate" else module.split("::")[:-1]
        for it in items:
            segs = [s for s in it.split("::") if s]
            b = list(base)
            while segs and segs[0] == "super":
                b, segs = b[:-1], segs[1:]
            found.append(b + segs)
    return found


def root_reexports(lib_code):
    """Names `lib.rs` re-exports, mapped to the module they come from."""
    names = {}
    for m in re.finditer(r"pub\s+use\s+([^;]+);", lib_code):
        for item in expand("", m.group(1)):
            segs = item.split("::")
            names[segs[-1]] = segs[:-1] if len(segs) > 1 else segs
    return names


def resolve(segs, modules, reexports):
    if segs and segs[0] in reexports and "::".join(segs[:1]) not in modules:
        segs = reexports[segs[0]] + segs[1:]
    for k in range(len(segs), 0, -1):
        name = "::".join(segs[:k])
        if name in modules:
            return name
    return None


def graph(files):
    reexports = root_reexports(files[""][2])
    edges = {m: set() for m in files}
    for mod, (_, _, code) in files.items():
        if mod in EXEMPT:
            continue
        for segs in paths(mod, code):
            target = resolve(segs, files, reexports)
            if target is None or target == mod or target == "":
                continue
            is_facade = files[mod][0].endswith("mod.rs")
            if is_facade and target.startswith(mod + "::"):
                continue
            edges[mod].add(target)
    return edges


def layer(mod):
    return mod.split("::")[0]


def check_layers(edges):
    bad = []
    for a, targets in edges.items():
        la = layer(a)
        if la in EXEMPT or la in SHARED:
            ok = {layer(t) for t in targets} <= SHARED | {la}
            if la in SHARED and not ok:
                bad.append(f"{a}: shared helper imports {sorted(targets)}")
            continue
        for t in targets:
            lt = layer(t)
            if lt in SHARED or lt == la:
                continue
            if lt not in LAYERS or LAYERS.index(lt) > LAYERS.index(la):
                bad.append(f"layer: {a} ({la}) imports {t} ({lt}), a higher layer")
    return bad


def check_cycles(edges):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append("cycle: " + " <-> ".join(sorted(comp)))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def check_sizes(files):
    bad = []
    for mod, (path, _, code) in sorted(files.items()):
        rel = os.path.relpath(path, ROOT)
        lines = [l for l in code.split("\n")]
        # Lines left once the test module is blanked out (trailing blank lines dropped).
        while lines and not lines[-1].strip():
            lines.pop()
        if len(lines) > MAX_FILE_LINES:
            bad.append(f"file: {rel} has {len(lines)} lines outside tests (max {MAX_FILE_LINES})")
        for m in re.finditer(r"\bfn\s+(\w+)[^;{]*?\{", code):
            # Skip `fn` types in signatures (e.g. `impl Fn`, `fn(..) ->` pointers).
            if re.match(r"\bfn\s*\(", code[m.start() :]):
                continue
            end = block_end(code, m.end() - 1)
            n = code.count("\n", m.start(), end) + 1
            if n > MAX_FN_LINES:
                line = code.count("\n", 0, m.start()) + 1
                bad.append(f"function: {rel}:{line} `{m.group(1)}` has {n} lines (max {MAX_FN_LINES})")
    return bad


def check_bindings():
    bad = []
    sql = re.compile(r"\b(SELECT\s+.+\s+FROM|INSERT\s+(OR\s+\w+\s+)?INTO|CREATE\s+(TABLE|INDEX)|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b|\brusqlite\b")
    roots = ["bindings/cli/src", "bindings/python/src", "bindings/python/py_src", "bindings/node/src", "bindings/wasm/src"]
    for r in roots:
        for dp, _, fs in os.walk(os.path.join(ROOT, r)):
            for f in fs:
                if f.endswith((".rs", ".py", ".pyi", ".ts", ".js", ".mjs")):
                    p = os.path.join(dp, f)
                    with open(p, encoding="utf-8") as fh:
                        for no, line in enumerate(fh, 1):
                            if sql.search(line):
                                bad.append(f"binding: {os.path.relpath(p, ROOT)}:{no} has SQL or rusqlite (the store layer owns the database)")
    return bad


def main():
    files = load()
    edges = graph(files)
    if "--graph" in sys.argv:
        for a in sorted(edges):
            if edges[a]:
                print(f"{a or '(root)'} -> {', '.join(sorted(edges[a]))}")
        return 0
    problems = check_layers(edges) + check_cycles(edges) + check_sizes(files) + check_bindings()
    for p in problems:
        print(p)
    print(f"architecture: {len(files)} modules, {sum(map(len, edges.values()))} imports, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
