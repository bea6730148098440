#!/usr/bin/env python3
"""Generate laminar's code from botocore's Lambda API model.

Writes crates/model/src/generated.rs (operations, routes, errors),
crates/model/src/enums.rs (`Runtime` and the enum shapes of every URI, query
and header member), crates/model/src/input.rs (every operation's typed input),
crates/server/src/ops/decode.rs (its decoding from a routed request) and
crates/server/src/ops/dispatch.rs (the operation -> handler table).

Usage:
    python3 tools/gen_model.py MODEL [BOTOCORE_VERSION] [--out PATH]

MODEL is botocore's ``lambda/2015-03-31/service-2.json`` (optionally
gzip-compressed, as shipped in recent botocore releases).  BOTOCORE_VERSION is
recorded in the header comment; when omitted, the script looks for it next to
the model (a ``botocore/__init__.py``, a ``botocore-*.dist-info`` directory or
a ``botocore-*.whl`` file in one of the model's parent directories) and leaves
it out if none is found.  The output defaults to
``crates/model/src/generated.rs`` relative to the repository root (the parent
of this script's directory).

generated.rs is written in rustfmt's style, so ``rustfmt --edition 2021
--check`` accepts it unchanged; the other files are passed through rustfmt
(from the Rust toolchain, offline).  Only the standard library is used.
"""

import argparse
import gzip
import json
import os
import re
import subprocess
import sys

import gen_boundary

EXPECTED_API_VERSION = "2015-03-31"


def load_model(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return json.loads(data.decode("utf-8"))


def detect_botocore_version(model_path):
    """Best-effort lookup of the botocore version the model came from."""
    init_re = re.compile(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", re.M)
    wheel_re = re.compile(r"^botocore-(\d[^-]*)-.*\.whl$")
    dist_re = re.compile(r"^botocore-(\d[^-]*)\.dist-info$")
    d = os.path.dirname(os.path.abspath(model_path))
    while True:
        init = os.path.join(d, "__init__.py")
        if os.path.basename(d) == "botocore" and os.path.isfile(init):
            with open(init, encoding="utf-8") as f:
                m = init_re.search(f.read())
            if m:
                return m.group(1)
        try:
            entries = sorted(os.listdir(d))
        except OSError:
            entries = []
        for name in entries:
            m = dist_re.match(name) or wheel_re.match(name)
            if m:
                return m.group(1)
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def rust_str(s):
    """A Rust string literal for s."""
    out = ['"']
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def split_request_uri(uri):
    """Split a requestUri into (path, query_literal).

    query_literal is None, (key, None) for ``?key`` or (key, value) for
    ``?key=value``.  The model never has more than one literal query pair.
    """
    if "?" not in uri:
        return uri, None
    path, query = uri.split("?", 1)
    if not query:
        return path, None
    if "&" in query:
        raise SystemExit("unsupported: several literal query pairs in %r" % uri)
    if "=" in query:
        key, value = query.split("=", 1)
        return path, (key, value)
    return path, (query, None)


def segments(path):
    return [s for s in path.split("/") if s]


def is_placeholder(seg):
    return seg.startswith("{") and seg.endswith("}")


def is_greedy(seg):
    return is_placeholder(seg) and seg.endswith("+}")


def sort_key(op):
    segs = segments(op["path"])
    literals = sum(1 for s in segs if not is_placeholder(s))
    greedy = sum(1 for s in segs if is_greedy(s))
    # Most literal segments first, greedy placeholders last, and a template
    # carrying a literal query pair before the same template without one.
    # The remaining fields only make the order deterministic.
    return (
        -literals,
        greedy,
        0 if op["query_literal"] else 1,
        -len(segs),
        op["path"],
        op["method"],
        op["name"],
    )


def collect(model):
    api_version = model.get("metadata", {}).get("apiVersion")
    if api_version != EXPECTED_API_VERSION:
        raise SystemExit(
            "expected Lambda model %s, got apiVersion %r"
            % (EXPECTED_API_VERSION, api_version)
        )
    ops = []
    for name, op in model["operations"].items():
        http = op["http"]
        path, query_literal = split_request_uri(http["requestUri"])
        ops.append(
            {
                "name": name,
                "method": http["method"],
                "path": path,
                "query_literal": query_literal,
                "status": int(http.get("responseCode", 200)),
                "errors": [e["shape"] for e in op.get("errors", [])],
            }
        )
    ops.sort(key=sort_key)
    runtime = model["shapes"].get("Runtime", {})
    runtimes = runtime.get("enum")
    if not runtimes:
        raise SystemExit("model has no Runtime enum shape")
    return ops, runtimes


def render(ops, version):
    out = []
    w = out.append
    w("// Generated by tools/gen_model.py from botocore's lambda/2015-03-31 model; do not edit.")
    if version:
        w("// botocore version: %s" % version)
    w("")
    w("/// One Lambda API operation as described by the botocore model.")
    w("#[derive(Debug, Clone, Copy, PartialEq, Eq)]")
    w("pub struct OperationSpec {")
    w("    /// Operation name, e.g. `CreateFunction`.")
    w("    pub name: &'static str,")
    w("    /// HTTP method, upper case.")
    w("    pub method: &'static str,")
    w("    /// Path template without the query part. Placeholders are `{Name}`;")
    w("    /// a greedy placeholder (matching several segments) is `{Name+}`.")
    w("    pub path: &'static str,")
    w("    /// Literal query pair the request must carry, from a requestUri such")
    w("    /// as `/path?key=value` (`(key, Some(value))`) or `/path?key`")
    w("    /// (`(key, None)`).")
    w("    pub query_literal: Option<(&'static str, Option<&'static str>)>,")
    w("    /// HTTP status of a successful response (`http.responseCode`, default 200).")
    w("    pub success_status: u16,")
    w("}")
    w("")
    w("/// Every operation of the model.")
    w("///")
    w("/// Matching is first-match: walk this table in order and take the first entry")
    w("/// whose method, path template and query literal fit the request. Entries are")
    w("/// sorted so that more specific templates come first: more literal path")
    w("/// segments first, greedy placeholders last, and a template with a literal")
    w("/// query pair before the same template without one (e.g. `GET")
    w("/// /2018-10-31/layers?find=LayerVersion` before `GET /2018-10-31/layers`).")
    w("pub static OPERATIONS: &[OperationSpec] = &[")
    for op in ops:
        if op["query_literal"] is None:
            ql = "None"
        else:
            key, value = op["query_literal"]
            ql = "Some((%s, %s))" % (
                rust_str(key),
                "None" if value is None else "Some(%s)" % rust_str(value),
            )
        w("    OperationSpec {")
        w("        name: %s," % rust_str(op["name"]))
        w("        method: %s," % rust_str(op["method"]))
        w("        path: %s," % rust_str(op["path"]))
        w("        query_literal: %s," % ql)
        w("        success_status: %d," % op["status"])
        w("    },")
    w("];")
    w("")
    w("/// Error shapes each operation lists, by operation name (sorted by name).")
    w("pub static OPERATION_ERRORS: &[(&str, &[&str])] = &[")
    for op in sorted(ops, key=lambda o: o["name"]):
        # Mirror rustfmt's defaults: a tuple or array literal stays on one
        # line while it is at most 60 columns wide (fn_call_width and
        # array_width) and the line fits in 100 columns.
        name = rust_str(op["name"])
        errors = "&[%s]" % ", ".join(rust_str(e) for e in op["errors"])
        one_line = "(%s, %s)" % (name, errors)
        if len(one_line) <= 60 and 4 + len(one_line) + 1 <= 100:
            w("    %s," % one_line)
            continue
        w("    (")
        w("        %s," % name)
        if len(errors) <= 60 and 8 + len(errors) + 1 <= 100:
            w("        %s," % errors)
        else:
            w("        &[")
            for e in op["errors"]:
                w("            %s," % rust_str(e))
            w("        ],")
        w("    ),")
    w("];")
    return "\n".join(out) + "\n"


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(
        os.path.dirname(here), "crates", "model", "src", "generated.rs"
    )
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", help="path to lambda/2015-03-31/service-2.json[.gz]")
    p.add_argument("version", nargs="?", help="botocore version for the header")
    p.add_argument("--out", default=default_out, help="output file (default: %(default)s)")
    args = p.parse_args(argv[1:])

    model = load_model(args.model)
    ops, runtimes = collect(model)
    version = args.version or detect_botocore_version(args.model)
    text = render(ops, version)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    root = os.path.dirname(here)
    for rel, content in gen_boundary.render_all(model, version).items():
        path = os.path.join(root, rel)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(content)
        subprocess.run(["rustfmt", "--edition", "2021", path], check=True)
        print("wrote %s" % path, file=sys.stderr)
    print(
        "wrote %s: %d operations, %d runtimes%s"
        % (
            args.out,
            len(ops),
            len(runtimes),
            ", botocore %s" % version if version else "",
        ),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
