#!/usr/bin/env python3
"""Conformance harness: every operation of the Lambda API model, sent
through botocore to a laminar it starts, checked against the model.

Run from the repository root (with botocore, e.g. the project's .venv):

    .venv/bin/python tools/conformance/conformance.py [--report FILE]
        [--update-baseline] [--only Op1,Op2] [--verbose]

LAMINAR_BIN names the binary (default target/debug/laminar); it is started as
`serve --port 0 --executor process` and stopped with SIGTERM at the end.

For each of the model's operations (botocore's own lambda 2015-03-31 model)
the harness generates:

* valid requests: the required members only (plus the few members AWS
  cannot do without, e.g. Runtime and Handler for a zip function); all
  members; variants for members that exclude each other; boundary values of
  numbers, enumerations and lengths.  They must answer 2xx with a body that
  fits the output shape (required members present, types, enum values).
* invalid requests: a required member missing, a number out of range, a
  value outside the enumeration, a string that breaks the pattern or the
  length limits, a resource that does not exist.  They must answer 4xx with
  an error code the model lists for the operation (or ValidationException),
  with that error's modeled HTTP status; a resource that does not exist must
  be ResourceNotFoundException where the operation lists it.  5xx fails,
  and so does 501 NotImplementedException.

It prints a table (operation, cases, passed) and a total, writes a JSON
report with --report, and exits 1 when fewer cases or fewer fully passing
operations pass than in baseline.json (next to this file);
--update-baseline rewrites that file when the run did better.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import botocore.session  # noqa: E402
from botocore import xform_name  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from botocore.response import StreamingBody  # noqa: E402

import engine  # noqa: E402
import patterns  # noqa: E402
from engine import OMIT, Case, Ctx, Generator, PrereqError, Result, path_of, path_str, set_path, under  # noqa: E402
from fixtures import ACCOUNT, REGION, Run, fn_arn  # noqa: E402
from specs import MARKER, MEMBER_HINTS, PATH_HINTS, SHAPE_HINTS, spec_for  # noqa: E402

REPO = HERE.parent.parent
BASELINE = HERE / "baseline.json"
STARTUP_RE = re.compile(r"laminar listening on (http://\S+)")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# --------------------------------------------------------------------------
# laminar


class Laminar:
    def __init__(self, binary: Path, work_dir: str):
        self.binary = binary
        self.work_dir = work_dir
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.lines: list[str] = []
        self._ready = threading.Event()

    def start(self, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + 180
        waited = False
        env = dict(os.environ)
        for name in ("LAMINAR_PORT", "LAMINAR_HOST", "LAMINAR_DATA_DIR", "LAMINAR_EXECUTOR"):
            env.pop(name, None)
        env.update(NO_COLOR="1", TMPDIR=self.work_dir, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        env.setdefault("LAMINAR_LOG", "info")
        while True:  # the binary may be missing for a moment while it is rebuilt
            try:
                self.proc = subprocess.Popen(
                    [str(self.binary), "serve", "--port", "0", "--executor", "process"],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    env=env,
                    cwd=str(REPO),
                )
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                if not waited:
                    print(f"waiting for {self.binary} (up to 180 s; it may be being rebuilt)", file=sys.stderr)
                    waited = True
                time.sleep(1)
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(timeout) or self.url is None:
            self.stop()
            raise RuntimeError("laminar did not print its start-up line:\n" + "\n".join(self.lines[-20:]))
        return self.url

    def _read(self):
        assert self.proc and self.proc.stderr
        for raw in self.proc.stderr:
            line = ANSI_RE.sub("", raw.decode("utf-8", "replace")).rstrip("\n")
            self.lines.append(line)
            if self.url is None:
                m = STARTUP_RE.search(line)
                if m:
                    self.url = m.group(1)
                    self._ready.set()
        self._ready.set()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


# --------------------------------------------------------------------------
# Cases of one operation


def expand_companions(spec, include) -> tuple:
    out = list(include)
    for inc in include:
        for key, others in spec.companions.items():
            if under(path_of(inc), path_of(key)):
                out += [o for o in others if o not in out]
    return tuple(out)


def has_optional(shape, spec) -> bool:
    if shape is None:
        return False
    required = set(shape.required_members) | {path_of(m)[0] for m in spec.minimal}
    return any(name not in required and not spec.excluded((name,)) for name in shape.members)


def variant_base(spec, path: tuple) -> dict:
    """The valid request that carries the member at `path`."""
    for variant in spec.variants:
        for inc in variant["include"]:
            if under(path, path_of(inc)) or under(path_of(inc), path):
                overrides = {k: v for k, v in variant["overrides"].items() if not under(path_of(k), path)}
                return {"include": variant["include"], "overrides": overrides, "label": variant["label"]}
    return {"include": (), "overrides": {}, "label": None}


def make_cases(op_model, spec) -> list[Case]:
    op = op_model.name
    shape = op_model.input_shape
    cases: list[Case] = []

    def add(label, kind, mode="required", include=(), overrides=None, expect=None, tags=None):
        cases.append(
            Case(op, label, kind, mode, expand_companions(spec, include), dict(overrides or {}), expect, dict(tags or {}))
        )

    errors = {e.name for e in op_model.error_shapes}
    allowed = {e for e in errors if e not in ("ServiceException",)} | {engine.COMMON_VALIDATION_ERROR}

    # -- valid ---------------------------------------------------------------
    label = "valid: required members only"
    if spec.minimal:
        label += f" (+ {', '.join(spec.minimal)})"
    add(label, "valid")
    if has_optional(shape, spec):
        add("valid: all members", "valid", mode="all")
    for path, reason in spec.exclude.items():
        covered = any(
            under(path_of(inc), path_of(path)) or under(path_of(path), path_of(inc))
            for v in spec.variants
            for inc in v["include"]
        )
        if not covered:
            add(f"valid: with {path} ({reason.split(':')[0]})", "valid", include=(path,))
    for variant in spec.variants:
        add(f"valid: {variant['label']}", "valid", include=variant["include"], overrides=variant["overrides"],
            tags=variant.get("tags"))
    for label, overrides, include in spec.boundaries:
        add(f"valid boundary: {label}", "valid", include=include, overrides=overrides)
    if spec.forms and shape is not None and "FunctionName" in shape.members:
        add("valid: FunctionName as a full ARN", "valid", tags={"form": "arn"})
        add("valid: FunctionName as a partial ARN (account:function:name)", "valid", tags={"form": "partial"})

    if shape is None:
        return cases

    all_sites = list(engine.sites(shape))
    # -- boundaries from the constraints ---------------------------------------
    for site in all_sites:
        if not site.path or site.role == "key" or spec.never(site.path):
            continue
        s = site.shape
        ps = path_str(site.path)
        base = variant_base(spec, site.path) if spec.excluded(site.path) else {"include": (), "overrides": {}, "label": None}
        include = tuple(base["include"]) + (ps,)
        where = f" [{base['label']}]" if base["label"] else ""
        if s.type_name in ("integer", "long", "double", "float"):
            lo, hi = engine.limits(s, ps if ps in engine.SERVICE_LIMITS else engine.member_name(site.path))
            for value, which in ((lo, "minimum"), (hi, "maximum")):
                if value is None or (which == "maximum" and value == lo):
                    continue
                if s.type_name in ("integer", "long"):
                    value = int(value)
                else:
                    value = float(value)
                overrides = dict(base["overrides"])
                overrides[ps] = value
                add(f"valid boundary: {ps} = {value} ({which}){where}", "valid", include=include, overrides=overrides)
        elif s.type_name == "string" and s.enum:
            sample = engine.ENUM_SAMPLES.get(s.name, s.enum if len(s.enum) <= engine.MAX_ENUM_VALUES else None)
            for value in sample or ():
                extra = spec.enum_hook(ps, value) if spec.enum_hook else {}
                if extra is None:
                    continue
                overrides = dict(base["overrides"])
                overrides.update(extra.get("overrides", {}))
                overrides[ps] = value
                add(
                    f"valid enum: {ps} = {value}{where}",
                    "valid",
                    include=include + tuple(extra.get("include", ())),
                    overrides=overrides,
                    tags=extra.get("tags"),
                )
        elif s.type_name == "string" and s.name in engine.LENGTH_BOUNDARY_SHAPES:
            md = s.metadata
            for n, which in ((md.get("min"), "minimum"), (md.get("max"), "maximum")):
                if n is None:
                    continue
                value = "x" * n
                if not patterns.matches(md.get("pattern"), value):
                    continue
                overrides = dict(base["overrides"])
                overrides[ps] = value
                add(f"valid boundary: {ps} of {n} characters ({which}){where}", "valid", include=include, overrides=overrides)

    # -- invalid from the constraints -------------------------------------------
    for site in all_sites:
        if not site.path:
            continue
        s = site.shape
        ps = path_str(site.path)
        md = s.metadata
        uri = site.location == "uri"
        parent = site.path[:-1]
        include = (path_str(parent),) if parent else ()
        if site.role == "key":
            # a map key that breaks the key's constraints
            for bad, why in key_violations(s):
                add(f"invalid: {ps} key {why}", "invalid", include=(ps,), tags={"bad_key": (ps, bad)}, expect=allowed)
            continue
        if site.required and site.role == "member" and not uri:
            add(f"invalid: required {ps} missing", "invalid", include=include, overrides={ps: OMIT}, expect=allowed)
        t = s.type_name
        inc = include + (ps,)
        if t == "string":
            if s.enum:
                add(f"invalid: {ps} not in the enum", "invalid", include=inc, overrides={ps: "NOT_A_VALID_VALUE"}, expect=allowed)
                continue
            lo, hi = md.get("min"), md.get("max")
            if md.get("pattern"):
                bad = patterns.violation(md["pattern"], lo or 0, hi)
                if bad is not None and not (uri and bad.strip() == ""):
                    add(f"invalid: {ps} breaks the pattern ({bad!r})", "invalid", include=inc, overrides={ps: bad}, expect=allowed)
            if hi is not None and hi < 20000:
                add(f"invalid: {ps} longer than {hi}", "invalid", include=inc, overrides={ps: too_long(md.get("pattern"), hi)},
                    expect=allowed)
            if lo and not uri:
                add(f"invalid: {ps} shorter than {lo}", "invalid", include=inc, overrides={ps: "x" * (lo - 1) if lo > 1 else ""},
                    expect=allowed)
        elif t in ("integer", "long", "double", "float"):
            lo, hi = engine.limits(s, ps if ps in engine.SERVICE_LIMITS else engine.member_name(site.path))
            step = 1 if t in ("integer", "long") else 0.5
            if lo is not None:
                add(f"invalid: {ps} below the minimum {lo}", "invalid", include=inc, overrides={ps: lo - step}, expect=allowed)
            if hi is not None:
                add(f"invalid: {ps} above the maximum {hi}", "invalid", include=inc, overrides={ps: hi + step}, expect=allowed)
        elif t in ("list", "map"):
            lo, hi = md.get("min"), md.get("max")
            empty = [] if t == "list" else {}
            # An empty list in the query string is not sent at all (the
            # serializer drops it), so no service can tell it from none.
            if lo and site.location != "querystring":
                add(f"invalid: {ps} with fewer than {lo} items", "invalid", include=inc, overrides={ps: empty}, expect=allowed)
            if hi is not None and hi <= 2000:
                add(f"invalid: {ps} with more than {hi} items", "invalid", include=inc, tags={"grow": (ps, hi + 1)}, expect=allowed)
        elif t == "blob" and md.get("max") and md["max"] <= 8 * 1024 * 1024:
            add(f"invalid: {ps} larger than {md['max']} bytes", "invalid", include=inc, overrides={ps: b"x" * (md["max"] + 1)},
                expect=allowed)

    for label, overrides, include in spec.invalid:
        add(f"invalid: {label}", "invalid", include=include, overrides=overrides, expect=allowed)
    for label, overrides, code in spec.unknown:
        expected = {code} if code else ({"ResourceNotFoundException"} if "ResourceNotFoundException" in errors else allowed)
        add(f"unknown resource: {label}", "unknown", overrides=overrides, expect=expected)
    return cases


def too_long(pattern, hi):
    for filler in ("a", "0", "x"):
        value = filler * (hi + 1)
        if patterns.matches(pattern, value):
            return value
    return "a" * (hi + 1)


def key_violations(key_shape):
    md = key_shape.metadata
    out = []
    if md.get("pattern"):
        bad = patterns.violation(md["pattern"], md.get("min", 0) or 0, md.get("max"))
        if bad is not None:
            out.append((bad, f"breaks the pattern ({bad!r})"))
    if md.get("max"):
        out.append(("k" * (md["max"] + 1), f"longer than {md['max']}"))
    if md.get("min"):
        out.append(("", f"shorter than {md['min']}"))
    if key_shape.enum:
        out.append(("NOT_A_VALID_VALUE", "not in the enum"))
    return out


# --------------------------------------------------------------------------
# Running a case


class Harness:
    def __init__(self, client, model, run: Run, server: Laminar, verbose=False):
        self.client = client
        self.model = model
        self.run = run
        self.server = server
        self.verbose = verbose
        self.error_status = {}
        for name in model.shape_names:
            sh = model.shape_for(name)
            err = sh.metadata.get("error") if sh.type_name == "structure" else None
            if err and "httpStatusCode" in err:
                self.error_status[name] = err["httpStatusCode"]

    def build(self, op_model, spec, case: Case, ctx: Ctx) -> dict:
        if spec.prepare:
            try:
                spec.prepare(ctx)
            except Exception:
                if case.kind == "valid":
                    raise
        gen = Generator(ctx, PATH_HINTS, MEMBER_HINTS, SHAPE_HINTS)
        params = gen.value(op_model.input_shape) if op_model.input_shape is not None else {}
        for p, v in case.overrides.items():
            path = path_of(p)
            if v is OMIT and case.kind == "invalid" and len(path) > 1 and get_path(params, path[:-1]) is None:
                # A spec value fixed the structures above without this
                # member's parent: seed the parent from its shape, so that
                # the case really sends it without the required member.
                parent = path[:-1]
                shape = engine.shape_at(op_model.input_shape, parent)
                if shape is not None:
                    set_path(params, parent, gen.value(shape, parent))
            set_path(params, path, OMIT if v is OMIT else engine.resolve(v, ctx))
        if "grow" in case.tags:
            p, n = case.tags["grow"]
            current = get_path(params, path_of(p))
            if not current:
                # A spec value fixed the enclosing structure without this
                # member: seed it from its shape, so that the case sends
                # the oversized member it is named after.
                shape = engine.shape_at(op_model.input_shape, path_of(p))
                if shape is not None:
                    set_path(params, path_of(p), gen.value(shape, path_of(p)))
                    current = get_path(params, path_of(p))
            if isinstance(current, list) and current:
                set_path(params, path_of(p), [current[0]] * n if not isinstance(current[0], str) else
                         [f"{current[0]}{i}" if i else current[0] for i in range(n)])
            elif isinstance(current, dict) and current:
                (k, v), = list(current.items())[:1]
                set_path(params, path_of(p), {f"{k}{i}": v for i in range(n)})
        if "bad_key" in case.tags:
            p, bad = case.tags["bad_key"]
            current = get_path(params, path_of(p))
            value = next(iter(current.values())) if isinstance(current, dict) and current else "value"
            set_path(params, path_of(p), {bad: value})
        form = case.tags.get("form")
        if form and isinstance(params.get("FunctionName"), str):
            name = params["FunctionName"]
            params["FunctionName"] = fn_arn(name) if form == "arn" else f"{ACCOUNT}:function:{name}"
        if params.get("Marker") is MARKER:
            params["Marker"] = self.marker(op_model, params)
        ctx.params = params
        return params

    def marker(self, op_model, params) -> str:
        probe = {k: v for k, v in params.items() if k != "Marker"}
        probe["MaxItems"] = 1
        resp = self.run.call(op_model.name, **probe)
        marker = resp.get("NextMarker")
        if not marker:
            items = {k: len(v) for k, v in resp.items() if isinstance(v, list)}
            raise PrereqError(
                f"paging: {op_model.name} with MaxItems=1 answered {items} and no NextMarker, "
                f"though the harness had set up at least two items"
            )
        return marker

    def send(self, op_model, params):
        method = getattr(self.client, xform_name(op_model.name))
        resp = method(**params)
        for key, value in list(resp.items()):
            if isinstance(value, StreamingBody):
                resp[key] = value.read()
        if "EventStream" in resp:
            events = []
            for event in resp["EventStream"]:
                events.append(event)
            resp["_events"] = events
            resp.pop("EventStream")
        return resp

    def settle(self, operation: str, params: dict) -> None:
        """Waits, as a client of AWS must, until the function the case names
        is no longer Pending or updating (a previous case changed it)."""
        name = params.get("FunctionName")
        if not isinstance(name, str):
            return
        qualifier = params.get("Qualifier") if operation.startswith("Invoke") else None
        try:
            self.run.wait_ready(name, qualifier if isinstance(qualifier, str) else None)
        except (ClientError, PrereqError):
            pass  # a case about a function that does not exist, or a bad name

    def run_case(self, op_model, spec, case: Case) -> Result:
        ctx = Ctx(self.run, spec, case, op_model.input_shape)
        try:
            params = self.build(op_model, spec, case, ctx)
        except PrereqError as e:
            return Result(case, False, str(e))
        except Exception as e:  # noqa: BLE001
            return Result(case, False, f"harness error while building the request: {type(e).__name__}: {e}")
        if op_model.name in REFUSED_WHILE_BUSY:
            self.settle(op_model.name, params)
            if "RevisionId" in params:
                # Settling gave the function a new revision: read it again.
                ctx = Ctx(self.run, spec, case, op_model.input_shape)
                try:
                    params = self.build(op_model, spec, case, ctx)
                except PrereqError as e:
                    return Result(case, False, str(e))
        try:
            resp = self.send(op_model, params)
        except ClientError as e:
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = e.response.get("Error", {}).get("Code")
            message = str(e.response.get("Error", {}).get("Message"))[:300]
            return self.judge_error(case, params, status, code, message)
        except Exception as e:  # noqa: BLE001 - the client could not send or parse
            if not self.server.alive():
                raise RuntimeError("laminar exited during the run:\n" + "\n".join(self.server.lines[-30:]))
            return Result(case, False, f"client error: {type(e).__name__}: {str(e)[:300]}", request=params)
        status = resp.get("ResponseMetadata", {}).get("HTTPStatusCode")
        body = {k: v for k, v in resp.items() if k not in ("ResponseMetadata", "_events")}
        if spec.after:
            spec.after(ctx, body)
        if case.kind != "valid":
            if spec.undo:
                try:
                    spec.undo(ctx, params, body)
                except Exception:  # noqa: BLE001 - best effort
                    pass
            return Result(case, False, f"expected 4xx ({expected_text(case.expect)}), got {status}: the request succeeded",
                          status, None, params)
        if status is None or not 200 <= status < 300:
            return Result(case, False, f"expected 2xx, got {status}", status, None, params)
        problems = engine.check_output(op_model.output_shape, body)
        if spec.check:
            extra = spec.check(ctx, resp)
            if extra:
                problems.append(extra)
        if problems:
            return Result(case, False, "response does not fit the model: " + "; ".join(problems[:5]), status, None, params)
        return Result(case, True, "ok", status, None, params)

    def judge_error(self, case, params, status, code, message) -> Result:
        got = f"{status} {code}: {message}"
        if case.kind == "valid":
            return Result(case, False, f"expected 2xx, got {got}", status, code, params)
        if status is None or not 400 <= status < 500:
            return Result(case, False, f"expected 4xx, got {got}", status, code, params)
        if code not in case.expect:
            return Result(case, False, f"expected {expected_text(case.expect)}, got {got}", status, code, params)
        modeled = self.error_status.get(code)
        if modeled is not None and modeled != status:
            return Result(case, False, f"{code} is modeled with HTTP {modeled}, got {got}", status, code, params)
        return Result(case, True, f"{status} {code}", status, code, params)


# AWS answers these with ResourceConflictException while the function is
# Pending or its last update InProgress.
REFUSED_WHILE_BUSY = {
    "UpdateFunctionConfiguration",
    "UpdateFunctionCode",
    "PublishVersion",
    "Invoke",
    "InvokeAsync",
    "InvokeWithResponseStream",
}


def expected_text(expect) -> str:
    if len(expect) == 1:
        return next(iter(expect))
    return f"{engine.COMMON_VALIDATION_ERROR} or one of the operation's {len(expect) - 1} modeled errors"


def get_path(obj, path):
    for p in path:
        if isinstance(obj, dict):
            obj = obj.get(p)
        elif isinstance(obj, list) and p == "[]":
            obj = obj[0] if obj else None
        else:
            return None
    return obj


# --------------------------------------------------------------------------
# Main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--report", help="write a JSON report of every case to this file")
    ap.add_argument("--baseline", default=str(BASELINE), help="baseline file (default: %(default)s)")
    ap.add_argument("--update-baseline", action="store_true", help="rewrite the baseline when this run did better")
    ap.add_argument("--only", help="comma-separated operations to run (no baseline check)")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every failing case, with its request")
    ap.add_argument("--list", action="store_true", help="list the cases without running them")
    args = ap.parse_args(argv)

    session = botocore.session.get_session()
    model = session.get_service_model("lambda")
    ops = list(model.operation_names)
    if args.only:
        wanted = [o.strip() for o in args.only.split(",") if o.strip()]
        unknown = [o for o in wanted if o not in ops]
        if unknown:
            print(f"unknown operations: {unknown}", file=sys.stderr)
            return 2
        ops = wanted

    plan = {op: make_cases(model.operation_model(op), spec_for(op)) for op in ops}
    if args.list:
        for op, cases in plan.items():
            for case in cases:
                print(f"{op}\t{case.kind}\t{case.label}")
        print(f"{sum(len(c) for c in plan.values())} cases")
        return 0

    binary = Path(os.environ.get("LAMINAR_BIN", REPO / "target" / "debug" / "laminar"))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="laminar-conformance-") as work:
        server = Laminar(binary, work)
        try:
            url = server.start()
        except Exception as e:  # noqa: BLE001
            print(f"could not start laminar ({binary}): {e}", file=sys.stderr)
            return 2
        try:
            client = session.create_client(
                "lambda",
                endpoint_url=url,
                region_name=REGION,
                aws_access_key_id="test",
                aws_secret_access_key="test",
                config=Config(
                    retries={"max_attempts": 0},
                    parameter_validation=False,
                    connect_timeout=5,
                    read_timeout=60,
                ),
            )
            run = Run(client, work)
            harness = Harness(client, model, run, server, args.verbose)
            results: dict[str, list[Result]] = {}
            for op in ops:
                op_model = model.operation_model(op)
                spec = spec_for(op)
                results[op] = []
                for case in plan[op]:
                    t0 = time.monotonic()
                    result = harness.run_case(op_model, spec, case)
                    result.seconds = time.monotonic() - t0
                    results[op].append(result)
            run.release_durable()
        finally:
            server.stop()
    elapsed = time.monotonic() - started
    return report(results, len(model.operation_names), elapsed, args, partial=bool(args.only))


def report(results, total_ops, elapsed, args, partial) -> int:
    width = max(len(op) for op in results) if results else 10
    print(f"{'operation':<{width}}  {'cases':>5}  {'passed':>6}  note")
    print("-" * (width + 28))
    cases = passed = full = 0
    for op, rs in results.items():
        n, p = len(rs), sum(r.ok for r in rs)
        cases += n
        passed += p
        full += int(n > 0 and n == p)
        not_impl = sum(1 for r in rs if r.code == "NotImplementedException")
        note = "ok" if n == p else (f"{not_impl} x 501" if not_impl else "")
        print(f"{op:<{width}}  {n:>5}  {p:>6}  {note}")
    print("-" * (width + 28))
    print(f"TOTAL: {passed}/{cases} cases, {full}/{total_ops} operations fully passing")
    print(f"({elapsed:.1f} s)")

    # failures of the operations that answer (501 everywhere means not built yet)
    shown = False
    for op, rs in results.items():
        failing = [r for r in rs if not r.ok]
        if not failing:
            continue
        if not args.verbose and all(r.code == "NotImplementedException" for r in failing):
            continue
        if not args.verbose and sum(r.code == "NotImplementedException" for r in rs) > len(rs) // 2:
            continue
        if not shown:
            print("\nFailing cases (operations that answer; -v for all):")
            shown = True
        prereq: dict[str, int] = {}
        for r in failing:
            if r.detail.startswith("prerequisite") and not args.verbose:
                prereq[r.detail] = prereq.get(r.detail, 0) + 1
                continue
            print(f"  {op}: {r.case.label}\n      {r.detail}")
            if args.verbose and r.request is not None:
                print(f"      request: {engine.short_json(r.request)}")
        for detail, n in prereq.items():
            print(f"  {op}: {n} valid case(s) could not be set up:\n      {detail}")

    if args.report:
        data = {
            "cases": cases,
            "cases_passed": passed,
            "operations": total_ops,
            "operations_fully_passing": full,
            "seconds": round(elapsed, 1),
            "results": {
                op: [
                    {
                        "case": r.case.label,
                        "kind": r.case.kind,
                        "ok": r.ok,
                        "status": r.status,
                        "code": r.code,
                        "detail": r.detail,
                        "seconds": round(getattr(r, "seconds", 0.0), 3),
                        "request": engine.summarize(r.request) if r.request is not None else None,
                    }
                    for r in rs
                ]
                for op, rs in results.items()
            },
        }
        Path(args.report).write_text(json.dumps(data, indent=1, default=str, ensure_ascii=False) + "\n")

    if partial:
        return 0 if passed == cases else 1
    baseline_path = Path(args.baseline)
    baseline = {"cases_passed": 0, "operations_fully_passing": 0}
    if baseline_path.exists():
        baseline = json.loads(baseline_path.read_text())
    below = passed < baseline["cases_passed"] or full < baseline["operations_fully_passing"]
    better = (passed, full) != (baseline["cases_passed"], baseline["operations_fully_passing"]) and not below
    print(f"baseline: {baseline['cases_passed']} cases, {baseline['operations_fully_passing']} operations")
    if args.update_baseline and (better or not baseline_path.exists()):
        baseline_path.write_text(json.dumps({"cases_passed": passed, "operations_fully_passing": full}, indent=2) + "\n")
        print(f"baseline updated: {passed} cases, {full} operations")
    if below:
        print("FAIL: below the committed baseline")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
