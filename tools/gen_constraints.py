#!/usr/bin/env python3
"""Writes crates/model/src/constraints.json from botocore's Lambda model:
every operation's input shape and the constraints of every shape it reaches
(types, lengths, ranges, patterns, enums, required members, HTTP locations).
laminar checks each request against it before any operation runs.

Usage: python3 tools/gen_constraints.py path/to/service-2.json[.gz]
       python3 tools/gen_constraints.py path/to/kinesis/service-2.json.gz crates/kinesis/src/constraints.json
(a companion's model, written where its crate includes it)
"""

import gzip
import json
import sys
from pathlib import Path

KEEP = ("type", "min", "max", "pattern", "enum", "required", "payload")


def load(path):
    raw = Path(path).read_bytes()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    return json.loads(raw)


def main():
    model = load(sys.argv[1])
    if len(sys.argv) < 3 and model["metadata"]["apiVersion"] != "2015-03-31":
        sys.exit("not the Lambda 2015-03-31 model (name the output file for another service)")
    operations = {
        name: op["input"]["shape"]
        for name, op in sorted(model["operations"].items())
        if "input" in op
    }
    shapes = {}
    pending = list(operations.values())
    while pending:
        name = pending.pop()
        if name in shapes:
            continue
        shape = model["shapes"][name]
        out = {k: shape[k] for k in KEEP if k in shape}
        if shape["type"] == "structure":
            out["members"] = {}
            for member, spec in shape.get("members", {}).items():
                entry = {"shape": spec["shape"]}
                if "location" in spec:
                    entry["location"] = spec["location"]
                    entry["locationName"] = spec.get("locationName", member)
                out["members"][member] = entry
                pending.append(spec["shape"])
        elif shape["type"] == "list":
            out["member"] = shape["member"]["shape"]
            pending.append(out["member"])
        elif shape["type"] == "map":
            out["key"] = shape["key"]["shape"]
            out["value"] = shape["value"]["shape"]
            pending += [out["key"], out["value"]]
        shapes[name] = out
    target = Path(__file__).resolve().parent.parent / "crates/model/src/constraints.json"
    if len(sys.argv) >= 3:
        target = Path(sys.argv[2])
    target.write_text(json.dumps({"operations": operations, "shapes": shapes}, sort_keys=True, separators=(",", ":")) + "\n")
    print(f"{target}: {len(operations)} operations, {len(shapes)} shapes")


if __name__ == "__main__":
    main()
