"""The case machinery: values generated from the model's input shapes, the
cases of one operation, and the checks of an answer against the model.

A *path* names a member inside an operation's input: a tuple of member names,
with "[]" for the items of a list and "{}" for the values of a map; its
string form is dotted: "FileSystemConfigs[].Arn", "Environment.Variables".
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from botocore.response import StreamingBody

import patterns

OMIT = object()  # an override that removes a member
COMMON_VALIDATION_ERROR = "ValidationException"

# Service limits that are narrower than the model's min/max (AWS Lambda
# quotas for functions that do not run on a capacity provider).  Boundary
# values use these; "out of range" uses one beyond them.
SERVICE_LIMITS = {
    "Timeout": (1, 900),
    "MemorySize": (128, 10240),
    "EphemeralStorage.Size": (512, 10240),
}

# String members whose length limits are probed with valid boundary values
# (free text, or names the harness can make unique at any length).
LENGTH_BOUNDARY_SHAPES = {"Description", "LicenseInfo", "WorkingDirectory", "PauseReason", "ResumeReason"}

# Enumerations too large to try value by value: the values tried instead.
ENUM_SAMPLES = {
    "Runtime": ["python3.12", "python3.13", "nodejs22.x", "java21", "dotnet8", "ruby3.3", "provided.al2023"],
    "SourceAccessType": None,  # contextual: only through the spec's variants
    "StateReasonCode": None,
    "LastUpdateStatusReasonCode": None,
}
MAX_ENUM_VALUES = 8


class PrereqError(Exception):
    """A resource a case needs could not be set up."""


def path_of(text: str) -> tuple:
    out: list[str] = []
    for part in text.split("."):
        m = re.fullmatch(r"([^\[\{]*)((?:\[\]|\{\})*)", part)
        name, suffixes = (m.group(1), m.group(2)) if m else (part, "")
        if name:
            out.append(name)
        out += [suffixes[i : i + 2] for i in range(0, len(suffixes), 2)]
    return tuple(out)


def path_str(path: tuple) -> str:
    s = ""
    for p in path:
        if p in ("[]", "{}"):
            s += p
        else:
            s += ("." if s else "") + p
    return s


def member_name(path: tuple) -> str | None:
    for p in reversed(path):
        if p not in ("[]", "{}"):
            return p
    return None


def under(path: tuple, prefix: tuple) -> bool:
    return path[: len(prefix)] == prefix


# --------------------------------------------------------------------------
# Cases


@dataclass
class Case:
    op: str
    label: str
    kind: str  # "valid" | "invalid" | "unknown"
    mode: str = "required"  # "required" (+ the spec's minimal set) | "all"
    include: tuple = ()  # extra paths generated (with their parents)
    overrides: dict = field(default_factory=dict)  # path -> value | OMIT | callable(ctx)
    expect: set | None = None  # error codes accepted (invalid / unknown)
    tags: dict = field(default_factory=dict)  # free-form hints for prepare / checks


@dataclass
class Result:
    case: Case
    ok: bool
    detail: str
    status: int | None = None
    code: str | None = None
    request: Any = None


class Ctx:
    """What a case sees while its request is built: the run (client and
    fixtures), the case, and scratch values set by the spec's prepare."""

    def __init__(self, run, spec, case: Case, input_shape):
        self.run = run
        self.spec = spec
        self.case = case
        self.kind = case.kind
        self.input_shape = input_shape
        self.v: dict[str, Any] = {}
        self.params: dict = {}

    @property
    def valid(self) -> bool:
        return self.case.kind == "valid"

    def includes(self, text: str) -> bool:
        """Whether the generated request will carry the member at `text`."""
        path = path_of(text)
        for p, v in self.case.overrides.items():
            if v is OMIT and under(path, path_of(p)):
                return False
            if v is not OMIT and under(path_of(p), path):
                return True
        shape = self.input_shape
        for i, name in enumerate(path):
            if shape is None:
                return False
            if name == "[]":
                shape = shape.member
                continue
            if name == "{}":
                shape = shape.value
                continue
            if shape.type_name != "structure" or name not in shape.members:
                return False
            if not wants(self.spec, self.case, path[: i + 1], name in shape.required_members):
                return False
            shape = shape.members[name]
        return True


def wants(spec, case: Case, path: tuple, required: bool) -> bool:
    """Whether a member is generated in this case (before overrides)."""
    wanted = [path_of(p) for p in list(spec.minimal) + list(case.include)]
    if case.mode == "all":
        if any(under(w, path) or under(path, w) for w in wanted):
            return True
        return not spec.excluded(path)
    if required:
        return True
    if any(under(w, path) for w in wanted):
        return True
    # below an included member: that member is generated whole
    return any(under(path, w) for w in wanted) and not spec.excluded(path)


def resolve(value, ctx: Ctx):
    if callable(value) and not isinstance(value, type):
        return value(ctx)
    if isinstance(value, dict):
        return {k: resolve(v, ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, ctx) for v in value]
    return value


class Generator:
    """Builds one request from an input shape.  Values come from hints (the
    spec's, then the global ones, by path, member name or shape name), and
    otherwise from the shape's own constraints."""

    def __init__(self, ctx: Ctx, global_hints: dict, member_hints: dict, shape_hints: dict):
        self.ctx = ctx
        self.spec = ctx.spec
        self.case = ctx.case
        self.global_hints = global_hints
        self.member_hints = member_hints
        self.shape_hints = shape_hints

    def hint(self, shape, path: tuple):
        found, raw = self.raw_hint(shape, path)
        if not found:
            return False, None
        try:
            return True, resolve(raw, self.ctx)
        except Exception:
            # An invalid request still goes out when a resource it names
            # could not be made: a well-formed placeholder stands in.
            if self.ctx.valid:
                raise
            return True, placeholder(shape)

    def raw_hint(self, shape, path: tuple):
        key = path_str(path)
        for table in (self.spec.values, self.global_hints):
            if key in table:
                return True, table[key]
        name = member_name(path)
        if path and path[-1] not in ("[]", "{}") and name in self.member_hints:
            return True, self.member_hints[name]
        if shape.name in self.shape_hints:
            return True, self.shape_hints[shape.name]
        return False, None

    def wants(self, path: tuple, required: bool) -> bool:
        return wants(self.spec, self.case, path, required)

    def value(self, shape, path: tuple = ()):
        if path:
            found, v = self.hint(shape, path)
            if found:
                return v
        t = shape.type_name
        if t == "structure":
            out = {}
            required = set(shape.required_members)
            for name, member in shape.members.items():
                mpath = path + (name,)
                if not self.wants(mpath, name in required):
                    continue
                v = self.value(member, mpath)
                if v is not OMIT:
                    out[name] = v
            return out
        if t == "list":
            n = max(1, shape.metadata.get("min", 1) or 1)
            return [self.value(shape.member, path + ("[]",)) for _ in range(n)]
        if t == "map":
            key = scalar_example(shape.key)
            return {key: self.value(shape.value, path + ("{}",))}
        return scalar_example(shape, member_name(path))


def placeholder(shape):
    if shape.type_name == "list":
        return [placeholder(shape.member)]
    if shape.type_name == "map":
        return {scalar_example(shape.key): placeholder(shape.value)}
    if shape.type_name == "structure":
        return {n: placeholder(m) for n, m in shape.members.items() if n in shape.required_members}
    return scalar_example(shape)


def scalar_example(shape, name: str | None = None):
    t = shape.type_name
    md = shape.metadata
    if t == "string":
        if shape.enum:
            return shape.enum[0]
        s = patterns.example(md.get("pattern"), md.get("min", 0) or 0, md.get("max"))
        return s if s is not None else "conformance"
    if t in ("integer", "long"):
        lo, hi = limits(shape, name)
        if lo is not None:
            return lo if lo > 0 else (1 if hi is None or hi >= 1 else lo)
        return 1 if hi is None or hi >= 1 else hi
    if t in ("double", "float"):
        lo, hi = limits(shape, name)
        if lo is not None and hi is not None:
            return (lo + hi) / 2
        return 1.0
    if t == "boolean":
        return True
    if t == "blob":
        return b"conformance"
    if t == "timestamp":
        return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return "conformance"


def limits(shape, name_or_path=None):
    md = shape.metadata
    lo, hi = md.get("min"), md.get("max")
    if name_or_path in SERVICE_LIMITS:
        lo, hi = SERVICE_LIMITS[name_or_path]
    return lo, hi


def shape_at(shape, path: tuple):
    """The shape a path (of member names, `[]` and `{}`) leads to from
    `shape`, or None."""
    for part in path:
        if shape is None:
            return None
        if part == "[]":
            shape = getattr(shape, "member", None)
        elif part == "{}":
            shape = getattr(shape, "value", None)
        else:
            shape = getattr(shape, "members", {}).get(part)
    return shape


def set_path(obj, path: tuple, value):
    head, rest = path[0], path[1:]
    if head == "[]":
        if not isinstance(obj, list):
            return
        for i in range(len(obj)):
            if rest:
                set_path(obj[i], rest, value)
            elif value is not OMIT:
                obj[i] = value
        if not rest and value is OMIT:
            obj.clear()
        return
    if head == "{}":
        if not isinstance(obj, dict):
            return
        for k in list(obj):
            if rest:
                set_path(obj[k], rest, value)
            elif value is OMIT:
                del obj[k]
            else:
                obj[k] = value
        return
    if not isinstance(obj, dict):
        return
    if not rest:
        if value is OMIT:
            obj.pop(head, None)
        else:
            obj[head] = value
        return
    if head not in obj:
        if value is OMIT:
            return
        if rest[0] == "[]":
            obj[head] = [{}] if len(rest) > 1 else []
            if len(rest) == 1:
                obj[head].append(value)
                return
        else:
            obj[head] = {}
    set_path(obj[head], rest, value)


# --------------------------------------------------------------------------
# Constraint sites: every member of an input shape that carries a constraint


@dataclass
class Site:
    path: tuple
    shape: Any
    required: bool
    location: str | None  # uri / querystring / header / None (body)
    role: str  # member | item | key | value


def sites(shape, path=(), required=False, location=None, role="member", depth=0, seen=()):
    yield Site(path, shape, required, location, role)
    if depth > 8 or shape.name in seen:
        return
    seen = seen + (shape.name,)
    t = shape.type_name
    if t == "structure":
        req = set(shape.required_members)
        for name, member in shape.members.items():
            loc = member.serialization.get("location") if depth == 0 else None
            yield from sites(member, path + (name,), name in req, loc, "member", depth + 1, seen)
    elif t == "list":
        yield from sites(shape.member, path + ("[]",), False, None, "item", depth + 1, seen)
    elif t == "map":
        yield Site(path, shape.key, False, None, "key")
        yield from sites(shape.value, path + ("{}",), False, None, "value", depth + 1, seen)


# --------------------------------------------------------------------------
# Checking an answer against the output shape


# Values AWS is recorded answering outside the model's (open) enums: the
# update operations answer LastUpdateStatusReasonCode "Creating" while
# LastUpdateStatus is InProgress (published CLI transcripts of
# update-function-code / update-function-configuration).
RECORDED_BEYOND_ENUM = {"LastUpdateStatusReasonCode": {"Creating"}}


def check_output(shape, value, path="") -> list[str]:
    problems: list[str] = []
    if shape is None:
        return problems
    where = path or "<response>"
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        if shape.serialization.get("eventstream"):
            return problems
        for req in shape.required_members:
            if req not in value:
                problems.append(f"{(path + '.' if path else '')}{req}: required member missing")
        for name, v in value.items():
            if name in shape.members:
                problems += check_output(shape.members[name], v, f"{path}.{name}" if path else name)
        return problems
    if t == "list":
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {type(value).__name__}"]
        for i, item in enumerate(value):
            problems += check_output(shape.member, item, f"{path}[{i}]")
        return problems
    if t == "map":
        if not isinstance(value, dict):
            return [f"{where}: expected a map, got {type(value).__name__}"]
        for k, v in value.items():
            if not isinstance(k, str):
                problems.append(f"{where}: map key {k!r} is not a string")
            problems += check_output(shape.value, v, f"{path}{{{k}}}")
        return problems
    if t == "string":
        if not isinstance(value, str):
            return [f"{where}: expected a string, got {type(value).__name__} {value!r:.60}"]
        if shape.enum and value not in shape.enum and value not in RECORDED_BEYOND_ENUM.get(shape.name, ()):
            return [f"{where}: {value!r} is not one of the enum {shape.name}"]
        return problems
    if t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return [f"{where}: expected an integer, got {type(value).__name__} {value!r:.60}"]
        return problems
    if t in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [f"{where}: expected a number, got {type(value).__name__} {value!r:.60}"]
        return problems
    if t == "boolean":
        if not isinstance(value, bool):
            return [f"{where}: expected a boolean, got {type(value).__name__} {value!r:.60}"]
        return problems
    if t == "timestamp":
        if not isinstance(value, dt.datetime):
            return [f"{where}: expected a timestamp, got {type(value).__name__} {value!r:.60}"]
        return problems
    if t == "blob":
        if not isinstance(value, (bytes, bytearray, StreamingBody)):
            return [f"{where}: expected a blob, got {type(value).__name__}"]
        return problems
    return problems


def summarize(value, limit=120):
    """A JSON-friendly, shortened copy of a request for reports."""
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, str):
        return value if len(value) <= limit else f"{value[:40]}…<{len(value)} chars>"
    if isinstance(value, dict):
        return {k: summarize(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) > 6:
            return [summarize(v, limit) for v in value[:3]] + [f"…<{len(value)} items>"]
        return [summarize(v, limit) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def short_json(value, limit=300) -> str:
    s = json.dumps(summarize(value), default=str, ensure_ascii=False)
    return s if len(s) <= limit else s[:limit] + "…"
