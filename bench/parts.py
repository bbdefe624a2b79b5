#!/usr/bin/env python3
"""Where `tc-client`'s build time goes: builds the `queue`-only crate with one part of its
generated code taken away at a time, and prints how long `tc-client` took (`cargo build
--timings`, debug, its dependencies prebuilt). bench/README, "Build time: 2026-12-08", has a run.

    python3 bench/parts.py [ROUNDS]        # from the workspace root; about 2 minutes a round

The copy is a git worktree of HEAD under bench/target/parts/ (removed at the end); the scratch
crate on top of it builds in the build rows' bench/target/buildtime/target. One-off measurement, not a test.
"""
import json, os, re, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench/target/parts"
# The build rows' target directory: its dependencies are already built.
TREE, CRATE, TARGET = WORK / "tree", WORK / "scratch", ROOT / "bench/target/buildtime/target"
QUEUE = TREE / "generated/src/queue"


def items(text):
    """Top-level items, each with the attributes and docs before it."""
    out, cur, depth = [], [], 0
    for line in text.split("\n"):
        cur.append(line)
        code = re.sub(r'"(\\.|[^"\\])*"', '""', line)
        if code.lstrip().startswith("//"):
            code = ""
        depth += code.count("{") - code.count("}")
        if depth == 0 and line.strip().endswith(("}", ";")) and not line.strip().startswith("//"):
            out.append("\n".join(cur))
            cur = []
    return out + (["\n".join(cur)] if cur else [])


def rewrite(path, f):
    kept = [r for r in (f(i) for i in items(path.read_text())) if r is not None]
    path.write_text("\n".join(kept))


def stub(pattern, body):
    def f(item):
        m = re.search(pattern, item, re.M)
        return item if not m else item[: m.start()] + body % m.group(1)
    return f


READ = "impl Object for %s { const EXPECTING: &str = \"\"; fn read<'de, A: MapAccess<'de>>(_m: A) -> Result<Self, A::Error> { unimplemented!() } }"
WRITE = "impl Serialize for %s { fn serialize<S: Serializer>(&self, _s: S) -> Result<S::Ok, S::Error> { unimplemented!() } }"
BUILDER = [r"^pub struct \w+Builder\b", r"^impl \w+Builder\b", r"^impl fmt::Debug for \w+Builder\b",
           r"^impl \w+ \{\n(\s*///.*\n)*\s*pub fn builder\(\)"]


def no_builders():
    rewrite(QUEUE / "types.rs", lambda i: None if any(re.search(p, i, re.M) for p in BUILDER) else i)


def no_readers():
    rewrite(QUEUE / "wire.rs", stub(r"^impl Object for ([\w:]+) \{", READ))


def no_wire_bodies():
    no_readers()
    rewrite(QUEUE / "wire.rs", stub(r"^impl Serialize for ([\w:]+) \{", WRITE))


def no_eq_derives():
    def f(m):
        keep = [t.strip() for t in m.group(1).split(",") if t.strip() not in ("PartialEq", "Eq", "Hash")]
        return "#[derive(%s)]" % ", ".join(keep)
    p = QUEUE / "types.rs"
    p.write_text(re.sub(r"^#\[derive\((.*)\)\]", f, p.read_text(), flags=re.M))


def no_docs():
    for name in ("types.rs", "mod.rs"):
        p = QUEUE / name
        p.write_text(re.sub(r"^\s*///.*\n", "", p.read_text(), flags=re.M))


def no_streams():
    lines, out, pending, i = (QUEUE / "mod.rs").read_text().split("\n"), [], [], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(("    ///", "    #[")):
            pending.append(line)
        elif re.match(r"    pub fn \w+_stream<'a>\(", line):
            while lines[i] != "    }":
                i += 1
            pending = []
        else:
            out += pending + [line]
            pending = []
        i += 1
    (QUEUE / "mod.rs").write_text("\n".join(out + pending))


VARIANTS = [("nothing", None, ["queue"]), ("every service", None, []),
            ("wire.rs bodies", no_wire_bodies, ["queue"]), ("the readers", no_readers, ["queue"]),
            ("the builders", no_builders, ["queue"]), ("PartialEq/Eq/Hash", no_eq_derives, ["queue"]),
            ("doc comments", no_docs, ["queue"]), ("the _stream methods", no_streams, ["queue"])]


def sh(*args, **kw):
    return subprocess.run(args, check=True, **kw)


def build_seconds(features):
    (CRATE / "Cargo.toml").write_text(
        '[workspace]\n\n[package]\nname = "scratch-parts"\nversion = "0.0.0"\nedition = "2024"\n'
        'publish = false\n\n[dependencies]\ntc-client = { path = %s, default-features = false, '
        "features = %s }\n" % (json.dumps(str(TREE / "generated")), json.dumps(features)))
    env = {"CARGO_TARGET_DIR": str(TARGET)}
    cargo = lambda *a: sh("cargo", *a, "--manifest-path", str(CRATE / "Cargo.toml"), "-q",
                          env={**os.environ, **env}, stderr=subprocess.DEVNULL)
    cargo("build")
    cargo("clean", "-p", "tc-client")
    cargo("build", "--timings")
    report = max((TARGET / "cargo-timings").glob("cargo-timing-2*.html"), key=lambda p: p.stat().st_mtime)
    units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", report.read_text(), re.S).group(1))
    return next(u["duration"] for u in units if u["name"] == "tc-client")


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    WORK.mkdir(parents=True, exist_ok=True)
    if TREE.exists():
        sh("git", "-C", str(ROOT), "worktree", "remove", "--force", str(TREE))
    sh("git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(TREE), "HEAD")
    (CRATE / "src").mkdir(parents=True, exist_ok=True)
    (CRATE / "src/lib.rs").write_text("pub use tc_client;\n")
    shutil.copy(ROOT / "bench/Cargo.lock", CRATE / "Cargo.lock")
    try:
        for name, change, features in VARIANTS:
            sh("git", "-C", str(TREE), "checkout", "-q", "--", "generated")
            if change:
                change()
            times = [build_seconds(features) for _ in range(rounds)]
            print(f"taken away: {name:22} tc-client {', '.join(f'{t:.2f} s' for t in times)}", flush=True)
    finally:
        sh("git", "-C", str(ROOT), "worktree", "remove", "--force", str(TREE))


if __name__ == "__main__":
    main()
