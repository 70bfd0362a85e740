"""Deploying a project's Pulumi programs with the Automation API.

backend (where state lives) -> stacks (which programs) -> plan (ordered, printable) ->
preflight and guards (refuse early) -> executor over a :class:`StackRunner` (the side effects).
"""

from .backend import Backend, BackendKind, select_backend
from .executor import PreviewExecutor
from .plan import Action, StackPlan, Target, blocking_stacks, deploy_plan, destroy_plan
from .preflight import Needs, Probes, preflight, system_probes
from .runner import Progress, ResourceEvent, ResourceStatus, StackResult, StackRunner
from .stacks import Layout, StackKind, StackRef, program_environment

__all__ = [
    "Action",
    "Backend",
    "BackendKind",
    "Layout",
    "Needs",
    "PreviewExecutor",
    "Probes",
    "Progress",
    "ResourceEvent",
    "ResourceStatus",
    "StackKind",
    "StackPlan",
    "StackRef",
    "StackResult",
    "StackRunner",
    "Target",
    "blocking_stacks",
    "deploy_plan",
    "destroy_plan",
    "preflight",
    "program_environment",
    "select_backend",
    "system_probes",
]
