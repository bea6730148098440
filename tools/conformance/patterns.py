"""String generation and checking for the Lambda model's `pattern` constraints.

The model's patterns are Java regular expressions matched against the whole
value.  `to_python` turns the few Java-only constructs they use (`\\p{L}`,
`\\p{Z}`, `\\p{N}`) into Python equivalents; `matches` is a full match;
`example` builds a short string that matches a pattern (by walking the parsed
expression and verifying the result); `violation` finds a short string that
does not.
"""

from __future__ import annotations

import functools
import re

try:  # Python 3.11+
    import re._constants as C
    import re._parser as P
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as C  # type: ignore
    import sre_parse as P  # type: ignore

_JAVA_CLASSES = {
    r"\p{L}": "a-zA-Z\u00c0-\u024f",
    r"\p{Z}": " ",
    r"\p{N}": "0-9",
}


def to_python(pattern: str) -> str:
    for java, py in _JAVA_CLASSES.items():
        pattern = pattern.replace(java, py)
    return pattern


@functools.lru_cache(maxsize=None)
def compiled(pattern: str) -> re.Pattern:
    return re.compile(to_python(pattern), re.DOTALL)


def matches(pattern: str | None, value: str) -> bool:
    if pattern is None:
        return True
    return compiled(pattern).fullmatch(value) is not None


def _pick_from_set(items) -> str | None:
    negate = any(op is C.NEGATE for op, _ in items)
    allowed: list[str] = []
    ranges: list[tuple[int, int]] = []
    categories = []
    for op, av in items:
        if op is C.LITERAL:
            allowed.append(chr(av))
        elif op is C.RANGE:
            ranges.append(av)
        elif op is C.CATEGORY:
            categories.append(av)

    def in_set(ch: str) -> bool:
        o = ord(ch)
        if ch in allowed or any(lo <= o <= hi for lo, hi in ranges):
            return True
        for cat in categories:
            if cat is C.CATEGORY_DIGIT and ch.isdigit():
                return True
            if cat is C.CATEGORY_SPACE and ch.isspace():
                return True
            if cat is C.CATEGORY_NOT_SPACE and not ch.isspace():
                return True
            if cat is C.CATEGORY_WORD and (ch.isalnum() or ch == "_"):
                return True
            if cat is C.CATEGORY_NOT_WORD and not (ch.isalnum() or ch == "_"):
                return True
            if cat is C.CATEGORY_NOT_DIGIT and not ch.isdigit():
                return True
        return False

    for ch in "abcxyzABC0123456789-_.:/":
        if in_set(ch) != negate:
            return ch
    return None


def _gen(items, rep: int) -> str:
    out = []
    for op, av in items:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op is C.NOT_LITERAL:
            out.append("b" if chr(av) == "a" else "a")
        elif op is C.ANY:
            out.append("a")
        elif op is C.IN:
            ch = _pick_from_set(av)
            out.append(ch if ch is not None else "a")
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            if hi == 1:
                n = lo
            else:
                n = max(lo, min(hi, rep))
            out.append(_gen(sub, rep) * n)
        elif op is C.SUBPATTERN:
            out.append(_gen(av[-1], rep))
        elif op is C.BRANCH:
            alternatives = [_gen(alt, rep) for alt in av[1]]
            non_empty = [a for a in alternatives if a]
            out.append(non_empty[0] if non_empty else "")
        elif op is C.CATEGORY:
            out.append({C.CATEGORY_DIGIT: "0", C.CATEGORY_SPACE: " "}.get(av, "a"))
        # AT (anchors), ASSERT / ASSERT_NOT (look-arounds), GROUPREF: nothing to emit
    return "".join(out)


def example(pattern: str | None, min_len: int = 0, max_len: int | None = None) -> str | None:
    """A string of length min_len..max_len that fully matches `pattern`."""
    if pattern is None:
        s = "conformance"
        if len(s) < min_len:
            s = s + "x" * (min_len - len(s))
        return s[:max_len] if max_len is not None else s
    parsed = P.parse(to_python(pattern))
    for rep in (1, 2, 3, 5, 8, 13, 21, 40, 80, 160):
        s = _gen(list(parsed), rep)
        if len(s) < min_len:
            continue
        if max_len is not None and len(s) > max_len:
            return None
        if matches(pattern, s):
            return s
    return None


_VIOLATION_CANDIDATES = ["invalid value!", "!", "#", " ", "a b", "~~~", "0", "-", "ab"]


def violation(pattern: str, min_len: int = 0, max_len: int | None = None) -> str | None:
    """A short string that does NOT match `pattern` and, where possible,
    keeps to the length limits (so that only the pattern is broken)."""
    fallback = None
    for cand in _VIOLATION_CANDIDATES:
        if matches(pattern, cand):
            continue
        if len(cand) >= max(min_len, 1) and (max_len is None or len(cand) <= max_len):
            return cand
        fallback = fallback or cand
    return fallback
