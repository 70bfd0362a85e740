"""``invoke new-route``: add one ``Route(...)`` to the project's ``routes.py`` with libcst.

The edit keeps the user's formatting and comments; it only understands a top-level
``ROUTES = [...]`` list literal (the shape the template writes) and refuses anything else with
one line, changing nothing. Checks before any write: the pattern compiles, the pipeline exists,
no route has the same pattern.
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst
from pydantic import ValidationError

from ..errors import AlreadyExistsError, DorcError, UnsafeEditError
from ..project import Project
from ..scaffold import files
from ..scaffold.writer import Plan
from .routes import ROUTES_FILE, Route, _overlap_problems, load_routes

IMPORT_LINE = files.ROUTE_IMPORT
INDENT = "    "


def route_expression(route: Route) -> str:
    return files.route_call(route.source_id, route.layer, route.pipeline, route.required_files)


def _newline(indent: str) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), empty_lines=[], indent=True, last_line=cst.SimpleWhitespace(indent)
    )


def _append(routes: cst.List, element: cst.BaseExpression) -> cst.List:
    existing = list(routes.elements)
    closing = routes.rbracket.whitespace_before
    if existing and isinstance(closing, cst.ParenthesizedWhitespace):
        # multi-line list: the last route's line ending (and its comment) stays on its line
        last = existing[-1]
        comma = last.comma if isinstance(last.comma, cst.Comma) else cst.Comma()
        gap = comma.whitespace_after if isinstance(comma.whitespace_after, cst.SimpleWhitespace) else None
        first_line = closing.first_line
        if gap is not None and gap.value and first_line.comment is not None and not first_line.whitespace.value:
            first_line = first_line.with_changes(whitespace=gap)
        line_end = closing.with_changes(first_line=first_line, last_line=cst.SimpleWhitespace(INDENT))
        existing[-1] = last.with_changes(comma=comma.with_changes(whitespace_after=line_end))
        return routes.with_changes(
            elements=[*existing, cst.Element(element, comma=cst.Comma())],
            rbracket=routes.rbracket.with_changes(whitespace_before=_newline("")),
        )
    # empty or one-line list: lay it out one route per line
    laid_out = [e.with_changes(comma=cst.Comma(whitespace_after=_newline(INDENT))) for e in existing]
    return routes.with_changes(
        lbracket=cst.LeftSquareBracket(whitespace_after=_newline(INDENT)),
        elements=[*laid_out, cst.Element(element, comma=cst.Comma())],
        rbracket=cst.RightSquareBracket(whitespace_before=_newline("")),
    )


class _AddRoute(cst.CSTTransformer):
    def __init__(self, element: cst.BaseExpression) -> None:
        self.element = element
        self.found = 0

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        return self._edit(updated, [t.target for t in updated.targets])

    def leave_AnnAssign(self, original: cst.AnnAssign, updated: cst.AnnAssign) -> cst.AnnAssign:
        return self._edit(updated, [updated.target])

    def _edit(self, node, targets):  # noqa: ANN001, ANN202 - Assign or AnnAssign
        if not any(isinstance(t, cst.Name) and t.value == "ROUTES" for t in targets):
            return node
        self.found += 1
        if not isinstance(node.value, cst.List):
            raise UnsafeEditError(
                f"{ROUTES_FILE}: ROUTES is not a plain list literal, so it cannot be edited safely; nothing was changed.",
                "add the Route(...) by hand",
            )
        return node.with_changes(value=_append(node.value, self.element))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # only the module's top-level ROUTES

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


def add_route(source: str, route: Route) -> str:
    """``source`` of routes.py with ``route`` appended to ``ROUTES`` (pure)."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise UnsafeEditError(
            f"{ROUTES_FILE} has a syntax error (line {exc.raw_line}); nothing was changed.",
            f"fix {ROUTES_FILE} ('invoke validate' shows the error), then add the route again",
        ) from None
    editor = _AddRoute(cst.parse_expression(route_expression(route)))
    edited = module.visit(editor)
    if editor.found != 1:
        raise UnsafeEditError(
            f"{ROUTES_FILE} has {editor.found} top-level ROUTES assignments, expected one; nothing was changed.",
            "define ROUTES = [...] once",
        )
    code = edited.code
    if "import Route" not in code and "Route," not in code.split("ROUTES")[0]:
        code = _with_import(code)
    return code


def _with_import(code: str) -> str:
    module = cst.parse_module(code)
    body = list(module.body)
    at = 0
    while at < len(body) and _is_docstring_or_import(body[at]):
        at += 1
    body.insert(at, cst.parse_statement(IMPORT_LINE))
    return module.with_changes(body=body).code


def _is_docstring_or_import(node: cst.CSTNode) -> bool:
    if not isinstance(node, cst.SimpleStatementLine):
        return False
    first = node.body[0]
    return isinstance(first, cst.Import | cst.ImportFrom) or (
        isinstance(first, cst.Expr) and isinstance(first.value, cst.SimpleString | cst.ConcatenatedString)
    )


NEW_FILE = files.routes_module()  # the template's routes.py, when a project has lost it


def plan_route(project: Project, source_id: str, pipeline: str, layer: str | None, require: list[str]) -> tuple[Plan, Route, list[str]]:
    """What ``new-route`` writes, the route, and warnings (overlaps) — or one clear error."""
    layer, pipeline = project.resolve_pipeline(pipeline, layer)
    try:
        route = Route(source_id=source_id, layer=layer, pipeline=pipeline, required_files=require)
    except ValidationError as exc:
        message = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise DorcError(f"{message}; nothing was changed.", "fix the pattern (Python regular expression syntax)") from None
    path: Path = project.root / ROUTES_FILE
    table = load_routes(project.root)
    for n, existing in enumerate(table.routes, start=1):
        if existing.source_id == route.source_id:
            raise AlreadyExistsError(
                f"{ROUTES_FILE}: route {n} already has the pattern {source_id!r} ({existing.describe()}); nothing was changed.",
                "edit that route, or choose another pattern",
            )
    warnings = [p for p in _overlap_problems([*table.routes, route]) if f"route {len(table.routes) + 1} " in p]
    plan = Plan()
    if path.is_file():
        plan.edits[ROUTES_FILE] = add_route(path.read_text(encoding="utf-8"), route)
    else:
        plan.files[ROUTES_FILE] = add_route(NEW_FILE, route)
    return plan, route, warnings
