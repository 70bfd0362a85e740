"""``invoke update``: bring a project up to a newer dorc template, three-way, keeping the user's edits."""

from .commands import UpdateOptions, UpdateResult, run_update
from .plan import Action, Change, UpdatePlan, plan_update

__all__ = ["Action", "Change", "UpdateOptions", "UpdatePlan", "UpdateResult", "plan_update", "run_update"]
