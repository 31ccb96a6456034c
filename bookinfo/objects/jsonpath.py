"""kubectl's JSONPath template dialect (``-o jsonpath=...``, ``custom-columns``, ``wait
--for=jsonpath``), as kubectl evaluates it.

No maintained Python library speaks this dialect (its ``{range}``/``{end}``, text between
actions, Go's printing of values), so this is the subset the tutorials and kubectl's
documentation use, checked against the real kubectl (tests/bookinfo/objects/
test_jsonpath.py):

* text outside ``{...}`` is printed as it is; ``{"\\n"}`` and ``{'\\t'}`` are literals with
  Go's escapes;
* a path: ``$`` (the root) or ``@`` (the current object) or nothing, then ``.field``
  (``\\.`` escapes a dot in a field name), ``..field`` (recursive descent), ``.*`` /
  ``[*]`` (every element), ``[n]``, ``[-n]``, ``[start:end:step]``, ``[i,j]``,
  ``['a','b']`` (a union), ``[?(@.x == "y")]`` (a filter with ``== != < > <= >=``, or
  ``[?(@.x)]`` for presence; in a filter ``$`` starts at the item too, as in kubectl);
* ``{range PATH}...{end}`` repeats its body for each result of PATH.

A missing field prints nothing, as ``kubectl get`` allows missing keys; every result of
one action is printed, separated by a space; strings as they are, numbers and booleans
as Go prints them, maps and lists as compact JSON with sorted keys.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bookinfo.errors import BookinfoError


class JsonPathError(BookinfoError):
    """A template kubectl would refuse to parse or fail to execute."""


# --- the parsed template ----------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    name: str                 # "*" for every value


@dataclass(frozen=True)
class Recursive:
    """``..``: the value and all its descendants, in document order."""


@dataclass(frozen=True)
class Index:
    start: int | None
    end: int | None = None
    step: int | None = None
    single: bool = True


@dataclass(frozen=True)
class Union:
    branches: tuple[tuple, ...]   # each a tuple of steps


@dataclass(frozen=True)
class Filter:
    left: tuple                    # a path (steps) from the item
    operator: str                  # "exists" or a comparison
    right: Any = None              # a literal, or ("path", steps)


@dataclass(frozen=True)
class Path:
    steps: tuple
    root: bool = False            # starts at $ (else at the current object)


@dataclass(frozen=True)
class Text:
    value: str


@dataclass(frozen=True)
class Range:
    path: Path
    body: tuple


_NAME = re.compile(r"(?:\\.|[A-Za-z0-9_\-/:])+")
_COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")


def parse(template: str) -> tuple:
    """The template's nodes; JsonPathError as kubectl's "error parsing jsonpath"."""
    return _parse_nodes(template, template, top=True)[0]


def _parse_nodes(template: str, text: str, top: bool) -> tuple[tuple, str]:
    nodes: list = []
    while text:
        start = text.find("{")
        if start < 0:
            nodes.append(Text(text))
            break
        if start:
            nodes.append(Text(text[:start]))
        action, text = _split_action(template, text[start + 1:])
        stripped = action.strip()
        if stripped == "end":
            if top:
                raise JsonPathError(f"error parsing jsonpath {template}, not in range, nothing to end")
            return tuple(nodes), text
        if stripped.startswith("range ") or stripped == "range":
            path = _parse_path(template, stripped[len("range"):].strip())
            body, text = _parse_nodes(template, text, top=False)
            nodes.append(Range(path, body))
        elif stripped[:1] in "\"'":
            nodes.append(Text(_unquote(template, stripped)))
        else:
            nodes.append(_parse_path(template, stripped))
    if not top:
        raise JsonPathError(f"error parsing jsonpath {template}, unclosed action")
    return tuple(nodes), ""


def _split_action(template: str, text: str) -> tuple[str, str]:
    """The action up to its closing brace (quotes may hold braces), and what follows."""
    quote = None
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "}":
            return text[:index], text[index + 1:]
        index += 1
    raise JsonPathError(f"error parsing jsonpath {template}, unclosed action")


def _unquote(template: str, literal: str) -> str:
    if len(literal) < 2 or literal[-1] != literal[0]:
        raise JsonPathError(f"error parsing jsonpath {template}, unterminated quoted string")
    try:
        body = literal[1:-1].replace("\\'", "'").replace('"', '\\"').replace('\\\\"', '\\"')
        return json.loads(f'"{body}"', strict=False)
    except ValueError:
        raise JsonPathError(f"error parsing jsonpath {template}, invalid escape in {literal}") from None


def _parse_path(template: str, text: str) -> Path:
    root = False
    if text.startswith("$"):
        root, text = True, text[1:]
    elif text.startswith("@"):
        text = text[1:]
    steps, rest = _parse_steps(template, text)
    if rest.strip():
        raise JsonPathError(f"error parsing jsonpath {template}, unrecognized character in action: "
                            f"U+{ord(rest.strip()[0]):04X} {rest.strip()[0]!r}")
    return Path(steps, root)


def _parse_steps(template: str, text: str) -> tuple[tuple, str]:
    """Steps from the start of ``text``; the unparsed rest (a filter's operator, say)."""
    steps: list = []
    while text:
        if text.startswith(".."):
            steps.append(Recursive())
            text = text[1:]
            continue
        if text.startswith("."):
            text = text[1:]
            if text.startswith("*"):
                steps.append(Field("*"))
                text = text[1:]
                continue
            match = _NAME.match(text)
            if not match:
                if not text or text[0] in "[ ":
                    continue  # "." alone: the current object
                raise JsonPathError(f"error parsing jsonpath {template}, unrecognized character in action: "
                                    f"U+{ord(text[0]):04X} {text[0]!r}")
            steps.append(Field(match.group(0).replace("\\.", ".")))
            text = text[match.end():]
            continue
        if text.startswith("["):
            close = _bracket_end(template, text)
            steps.append(_parse_bracket(template, text[1:close]))
            text = text[close + 1:]
            continue
        break
    return tuple(steps), text


def _bracket_end(template: str, text: str) -> int:
    depth, quote = 0, None
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index
    raise JsonPathError(f"error parsing jsonpath {template}, unterminated array")


def _parse_bracket(template: str, inner: str) -> Any:
    """``[*]``, ``[n]``, ``[a:b:c]``, ``[?(...)]``, ``['name']`` (dots in a quoted name are
    path separators, as in kubectl) or a union of those, comma-separated."""
    if inner == "*":
        return Field("*")
    if inner.startswith("?(") and inner.endswith(")"):
        return _parse_filter(template, inner[2:-1].strip())
    if "," in inner:
        return Union(tuple(_bracket_path(template, part.strip()) for part in inner.split(",")))
    [step] = _bracket_path(template, inner) if inner[:1] != "'" else (Union((_bracket_path(template, inner),)),)
    return step


def _bracket_path(template: str, part: str) -> tuple:
    """One element of a bracket as steps: a quoted (dotted) name or an index or slice."""
    if len(part) >= 2 and part[0] == part[-1] == "'":
        steps, rest = _parse_steps(template, "." + part[1:-1])
        if rest:
            raise JsonPathError(f"error parsing jsonpath {template}, invalid array index {part}")
        return steps
    if re.fullmatch(r"-?\d+", part):
        return (Index(int(part)),)
    if re.fullmatch(r"-?\d*(:-?\d*){1,2}", part):
        values = [int(p) if p else None for p in part.split(":")] + [None]
        return (Index(values[0], values[1], values[2], single=False),)
    raise JsonPathError(f"error parsing jsonpath {template}, invalid array index {part}")


def _parse_filter(template: str, text: str) -> Filter:
    if not text.startswith(("@", "$")):
        raise JsonPathError(f"error parsing jsonpath {template}, unrecognized filter {text}")
    left, rest = _parse_steps(template, text[1:])
    rest = rest.strip()
    if not rest:
        return Filter(left, "exists")
    operator = next((op for op in _COMPARISONS if rest.startswith(op)), None)
    if operator is None:
        raise JsonPathError(f"error parsing jsonpath {template}, unrecognized character in action: "
                            f"U+{ord(rest[0]):04X} {rest[0]!r}")
    return Filter(left, operator, _parse_operand(template, rest[len(operator):].strip()))


def _parse_operand(template: str, text: str) -> Any:
    if text[:1] in "\"'":
        return _unquote(template, text)
    if text in ("true", "false"):
        return text == "true"
    if text.startswith(("@", "$")):
        steps, rest = _parse_steps(template, text[1:])
        return ("path", steps)
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise JsonPathError(f"error parsing jsonpath {template}, unrecognized filter operand {text}") from None


# --- evaluation ---------------------------------------------------------------------------

def render(template: str, data: Any) -> str:
    """The template applied to ``data``, as ``kubectl get -o jsonpath=TEMPLATE`` prints it."""
    out: list[str] = []
    _run(template, parse(template), data, data, out)
    return "".join(out)


def find(path_text: str, data: Any) -> list[Any]:
    """The values one path selects, written as custom-columns take it: braces and the
    leading dot may be left out (``metadata.name``), as kubectl's relaxed form allows."""
    relaxed = path_text if path_text.startswith(("{", ".", "$", "@", "[")) else "." + path_text
    template = relaxed if relaxed.startswith("{") else "{" + relaxed + "}"
    nodes = parse(template)
    values: list[Any] = []
    for node in nodes:
        if isinstance(node, Path):
            values.extend(_walk(template, node, data, data))
    return values


def _run(template: str, nodes: tuple, root: Any, current: Any, out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, Text):
            out.append(node.value)
        elif isinstance(node, Range):
            for item in _walk(template, node.path, root, current):
                _run(template, node.body, root, item, out)
        else:
            out.append(" ".join(text_of(value) for value in _walk(template, node, root, current)))


def _walk(template: str, path: Path, root: Any, current: Any) -> list[Any]:
    return _apply(template, path.steps, [root if path.root else current], root)


def _apply(template: str, steps: tuple, values: list[Any], root: Any) -> list[Any]:
    for step in steps:
        values = _step(template, step, values, root)
    return values


def _step(template: str, step: Any, values: list[Any], root: Any) -> list[Any]:
    out: list[Any] = []
    if isinstance(step, Field):
        for value in values:
            if isinstance(value, dict):
                if step.name == "*":
                    out.extend(value[key] for key in sorted(value))
                elif step.name in value:
                    out.append(value[step.name])
            elif isinstance(value, list) and step.name == "*":
                out.extend(value)
    elif isinstance(step, Recursive):
        for value in values:
            out.extend(_descendants(value))
    elif isinstance(step, Index):
        for value in values:
            if isinstance(value, list):
                out.extend(_index(template, step, value))
    elif isinstance(step, Union):
        for branch in step.branches:
            out.extend(_apply(template, branch, values, root))
    elif isinstance(step, Filter):
        for value in values:
            items = value if isinstance(value, list) else []
            out.extend(item for item in items if _keeps(template, step, item, root))
    return out


def _descendants(value: Any) -> list[Any]:
    found = [value]
    if isinstance(value, dict):
        children = [value[key] for key in sorted(value)]
    else:
        children = value if isinstance(value, list) else []
    for child in children:
        found.extend(_descendants(child))
    return found


def _index(template: str, index: Index, items: list[Any]) -> list[Any]:
    length = len(items)
    if index.single:
        position = index.start + length if index.start < 0 else index.start
        if not 0 <= position < length:
            raise JsonPathError(f'error executing jsonpath "{template}": Error executing template: '
                                f"array index out of bounds: index {index.start}, length {length}")
        return [items[position]]
    step = 1 if index.step is None else index.step
    if step <= 0:
        raise JsonPathError(f'error executing jsonpath "{template}": Error executing template: step must be > 0')
    start = 0 if index.start is None else index.start
    end = length if index.end is None else index.end
    start, end = (start + length if start < 0 else start), (end + length if end < 0 else end)
    return items[max(0, start):max(0, min(end, length)):step]


def _keeps(template: str, condition: Filter, item: Any, root: Any) -> bool:
    """Inside a filter both ``@`` and ``$`` start at the item, as in kubectl."""
    left = _apply(template, condition.left, [item], root)
    if condition.operator == "exists":
        return bool(left)
    right = condition.right
    if isinstance(right, tuple) and right and right[0] == "path":
        rights = _apply(template, right[1], [item], root)
    else:
        rights = [right]
    return any(_compare(template, a, condition.operator, b) for a in left for b in rights)


def _compare(template: str, left: Any, operator: str, right: Any) -> bool:
    """kubectl refuses to compare values of different kinds (a number and a string, say)."""
    if _kind(left) != _kind(right):
        raise JsonPathError(f'error executing jsonpath "{template}": Error executing template: '
                            "incompatible types for comparison")
    if operator in ("==", "!="):
        return (left == right) == (operator == "==")
    if _kind(left) not in ("number", "string"):
        return False
    return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[operator]


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "string" if isinstance(value, str) else type(value).__name__


def text_of(value: Any) -> str:
    """A value as kubectl's JSONPath printer writes it (Go's formatting)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, int):
        return str(value)
    return go_json(value)


def go_float(value: float) -> str:
    """Go's ``%v`` of a float64: the shortest form, exponent from 1e21 on."""
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{'+' if not exponent.startswith('-') else '-'}{abs(int(exponent)):02d}"
    return text


def go_json(value: Any) -> str:
    """Go's ``json.Marshal``: compact, sorted keys, ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
