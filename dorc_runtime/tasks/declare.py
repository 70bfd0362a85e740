"""How every dorc task is declared: ``@dorc_task(...)`` = Invoke's ``@task`` + ``cli_errors`` + a
``--help`` that works after the task name.

Why a Task subclass: Invoke's parser gives a token to a task's missing positional argument *before*
it checks for the core ``--help`` flag, so ``invoke run --help`` used to run the task with
``pipeline='--help'``. Each dorc task therefore declares its own ``-h/--help`` flag (task flags
are matched before positional arguments are filled), and its positional arguments count as given
once help was asked for, so the parser does not refuse the line for the missing pipeline name.
Calling the task with ``help=True`` prints exactly what ``invoke --help TASK`` prints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from invoke import Collection, Program, Task
from invoke.parser import Argument, Parser

from ..cli import cli_errors

HELP_FLAG = "help"
HELP_TEXT = "show this help (the same as 'invoke --help TASK')"


class _Positional(Argument):
    """A positional argument that counts as given once the task's ``--help`` flag is set."""

    def __init__(self, help_flag: Argument, **options: Any) -> None:
        super().__init__(**options)
        self.help_flag = help_flag

    @property
    def value(self) -> Any:
        if self._value is None and self.help_flag.value:
            return ""  # not None: the parser stops waiting for it
        return super().value

    @value.setter
    def value(self, arg: Any) -> None:
        self.set_value(arg, cast=True)


class _Repeatable(Argument):
    """A repeatable option (``iterable=[...]``) that needs a value each time it is written:
    Invoke's parser accepts a bare ``--require`` as "no values", which silently drops the user's
    intent, so the flag starts with no raw value and the parser refuses it like any other
    option given without its value."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.raw_value = None

    def __repr__(self) -> str:  # the parser's refusal names the flag as the user wrote it
        return f"'--{self.names[0].replace('_', '-')}' (give it a value; repeat it for several)"


class DorcTask(Task):
    """An Invoke task whose ``--help`` works wherever it is written on the command line."""

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Argument]:
        # Invoke pops each option's help text from self.help while building the arguments; keep a
        # copy so that the arguments can be built again (for the help this task prints itself).
        help_texts = dict(self.help)
        try:
            arguments = super().get_arguments(ignore_unknown_help=ignore_unknown_help)
        finally:
            self.help = help_texts
        taken = {name for argument in arguments for name in argument.names}
        names = (HELP_FLAG, "h") if "h" not in taken else (HELP_FLAG,)
        help_flag = Argument(names=names, kind=bool, default=False, help=HELP_TEXT)
        arguments = [
            _Repeatable(
                names=argument.names,
                kind=list,
                default=argument.default,
                help=argument.help,
                attr_name=argument.attr_name,
            )
            if argument.kind is list
            else argument
            for argument in arguments
        ]
        result = [
            _Positional(
                help_flag,
                names=argument.names,
                kind=argument.kind,
                default=argument.default,
                help=argument.help,
                positional=True,
                optional=argument.optional,
                incrementable=argument.incrementable,
                attr_name=argument.attr_name,
            )
            if argument.positional
            else argument
            for argument in arguments
        ]
        return [*result, help_flag]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.pop(HELP_FLAG, False):
            return cli_errors(print_task_help)(self)
        return super().__call__(*args, **kwargs)


def print_task_help(task: Task) -> None:
    """Print Invoke's own per-task help for ``task`` (usage, docstring, options)."""
    collection = Collection()
    collection.add_task(task)
    name = next(iter(collection.task_names))
    program = Program(namespace=collection, binary="invoke")
    program.collection = collection  # what Program.run would have loaded
    program.parser = Parser(contexts=collection.to_contexts())
    program.print_task_help(name)


def dorc_task(**options: Any) -> Callable[[Callable[..., Any]], DorcTask]:
    """``@dorc_task(help={...})``: declare a task whose expected errors end in one line (see
    :func:`dorc_runtime.cli.cli_errors`) and whose ``--help`` works after positional arguments."""

    def declare(body: Callable[..., Any]) -> DorcTask:
        return DorcTask(cli_errors(body), **options)

    return declare
