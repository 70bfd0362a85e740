"""Syntax-aware edit of a pipeline's ``__main__.py``: add one ``Function`` to its definition.

libcst keeps the user's formatting and comments. We only edit the plain shape the scaffolding
writes (``functions=[Function(name="..."), ...]`` with literal names); anything else (a list
built in code, a star-expansion, names held in variables) raises :class:`UnsafeEditError`
naming the exact line to add by hand, and the caller changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..errors import AlreadyExistsError, ProjectError, UnsafeEditError, did_you_mean
from .files import function_call


@dataclass(frozen=True)
class _Entry:
    index: int
    name: str
    call: cst.Call

    def arg(self, keyword: str) -> cst.Arg | None:
        for arg in self.call.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg
        return None


def _callee(call: cst.Call) -> str | None:
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


class _FindDefinitions(cst.CSTVisitor):
    def __init__(self) -> None:
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        if _callee(node) == "PipelineDefinition":
            self.calls.append(node)


def _literal(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _entries(functions: cst.List, unsafe) -> list[_Entry]:  # noqa: ANN001
    entries = []
    for index, element in enumerate(functions.elements):
        value = element.value
        if not isinstance(element, cst.Element) or not isinstance(value, cst.Call) or _callee(value) != "Function":
            raise unsafe("the functions list holds something other than Function(...) entries")
        entry = _Entry(index, "", value)
        name_arg = entry.arg("name")
        if name_arg is None and value.args and value.args[0].keyword is None:
            name_arg = value.args[0]
        name = _literal(name_arg.value) if name_arg is not None else None
        if name is None:
            raise unsafe("a Function's name is not a plain string")
        entries.append(_Entry(index, name, value))
    return entries


def _with_next(call: cst.Call, value: cst.BaseExpression | None) -> cst.Call:
    """``call`` with its ``next_function`` set to ``value`` (removed when None)."""
    args = [a for a in call.args if not (a.keyword is not None and a.keyword.value == "next_function")]
    if value is not None:
        if args and args[-1].comma is cst.MaybeSentinel.DEFAULT:
            args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(
            cst.Arg(
                keyword=cst.Name("next_function"),
                value=value,
                equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
            )
        )
    elif args:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return call.with_changes(args=args)


def _separator(functions: cst.List) -> cst.Comma:
    """The comma between two entries, in the list's own style (one per line or inline)."""
    for element in functions.elements[:-1]:
        if isinstance(element.comma, cst.Comma):
            return element.comma
    # One entry: a list laid out one entry per line opens with a newline and indent; repeat it.
    opening = functions.lbracket.whitespace_after
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=opening)
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def add_function(source: str, name: str, after: str | None, where: str) -> str:
    """Return ``source`` with ``Function(name=name)`` wired in after ``after``.

    Without ``after`` the new function follows the pipeline's only last function (the one with
    no ``next_function``). ``where`` names the file in messages.
    """

    def unsafe(reason: str, line: str | None = None) -> UnsafeEditError:
        shown = line or function_call(name)
        return UnsafeEditError(
            f"Cannot edit {where} safely ({reason}); nothing was changed.",
            f"add `{shown}` to the functions of the PipelineDefinition by hand, then run "
            "this command again with --no-wire to create the function's folder",
        )

    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise unsafe(f"it does not parse: line {exc.raw_line}") from None
    finder = _FindDefinitions()
    module.visit(finder)
    if len(finder.calls) != 1:
        raise unsafe(f"it has {len(finder.calls)} PipelineDefinition(...) calls, expected one")
    definition = finder.calls[0]
    functions_arg = next((a for a in definition.args if a.keyword and a.keyword.value == "functions"), None)
    if functions_arg is None or not isinstance(functions_arg.value, cst.List):
        raise unsafe("its functions=... is not a literal list")
    functions = functions_arg.value
    entries = _entries(functions, unsafe)
    names = [e.name for e in entries]
    if name in names:
        raise AlreadyExistsError(
            f"Function {name!r} is already in {where}; nothing was changed.", "choose another name"
        )

    if after is None:
        ends = [e for e in entries if e.arg("next_function") is None]
        if len(ends) != 1:
            raise ProjectError(
                f"{where} has {len(ends)} last functions, so where {name!r} runs is ambiguous.",
                f"pass --after with one of: {', '.join(names)}",
            )
        anchor = ends[0]
    else:
        anchor = next((e for e in entries if e.name == after), None)
        if anchor is None:
            raise ProjectError(
                f"There is no function {after!r} in {where}.{did_you_mean(after, names)}",
                f"use --after with one of: {', '.join(names)}",
            )

    old_next = anchor.arg("next_function")
    new_call = cst.parse_expression(function_call(name))
    assert isinstance(new_call, cst.Call)
    new_call = _with_next(new_call, old_next.value if old_next else None)
    new_anchor = _with_next(anchor.call, cst.SimpleString(f'"{name}"'))

    elements = list(functions.elements)
    separator = _separator(functions)
    anchor_element = elements[anchor.index]
    new_element = cst.Element(value=new_call, comma=anchor_element.comma)
    elements[anchor.index] = anchor_element.with_changes(value=new_anchor, comma=separator)
    elements.insert(anchor.index + 1, new_element)

    new_definition = definition.with_changes(
        args=[
            a.with_changes(value=functions.with_changes(elements=elements)) if a is functions_arg else a
            for a in definition.args
        ]
    )
    return module.deep_replace(definition, new_definition).code
