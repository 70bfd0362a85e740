"""The pipeline model: what a user writes in ``src/<layer>/<pipeline>/__main__.py``.

Inert, validated data. Building it checks names and the shape of the graph (see :mod:`..graph`);
folder checks (does ``src/<function>/lambda.py`` exist?) need the file system and live in
:mod:`..project`, which runs them on every load.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..names import check_name

TRANSIENT_LAMBDA_ERRORS = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)


class NextFunctionTypes(str, Enum):
    FUNCTION = "function"
    PIPELINE = "pipeline"


class NextFunction(BaseModel):
    """What runs after a function: another function of this pipeline, or another pipeline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    type: NextFunctionTypes = NextFunctionTypes.FUNCTION
    layer: str | None = Field(default=None, description="PIPELINE only: its layer (default: this one)")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name("function or pipeline", value)

    @model_validator(mode="after")
    def _layer_only_for_pipelines(self) -> NextFunction:
        if self.layer is not None:
            if self.type is not NextFunctionTypes.PIPELINE:
                raise ValueError(f"NextFunction({self.name!r}): 'layer' is only for type=PIPELINE")
            check_name("layer", self.layer)
        return self


class Retry(BaseModel):
    """A Step Functions Retrier for one function (added after dorc's default transient retry)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    errors: tuple[str, ...] = ("States.ALL",)
    interval_seconds: int = Field(default=2, ge=1, le=99_999_999)
    max_attempts: int = Field(default=3, ge=0, le=99_999_999)
    backoff_rate: float = Field(default=2.0, ge=1.0)
    max_delay_seconds: int | None = Field(default=None, ge=1, le=31_622_400)
    jitter: Literal["FULL", "NONE"] | None = None


class Catch(BaseModel):
    """On these errors, continue at ``next_function`` with the error under ``result_path``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    next_function: str
    errors: tuple[str, ...] = ("States.ALL",)
    result_path: str | None = "$.error"

    @field_validator("next_function")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name("function", value)


class MapSettings(BaseModel):
    """Run the function once per item of a list in its input (a Map state)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    items_path: str = "$.items"
    max_concurrency: int = Field(default=0, ge=0, description="0 means no limit, as in AWS")
    item_selector: dict[str, object] | None = None


class Function(BaseModel):
    """One step of a pipeline: the folder ``src/<name>/`` with a ``lambda.py`` handler."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    next_function: str | NextFunction | list[str | NextFunction] | None = None
    memory_mb: int = Field(default=512, ge=128, le=10_240)
    timeout_seconds: int = Field(default=300, ge=1, le=900)
    reserved_concurrency: int | None = Field(default=None, ge=0)
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    environment: dict[str, str] = Field(default_factory=dict)
    retry: tuple[Retry, ...] = ()
    catch: tuple[Catch, ...] = ()
    map: MapSettings | None = None
    package_type: Literal["image", "zip"] = "image"

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name("function", value)

    @property
    def next_steps(self) -> tuple[NextFunction, ...]:
        """``next_function`` normalised: a list means the next steps run in parallel."""
        raw = self.next_function
        if raw is None:
            return ()
        items = raw if isinstance(raw, list) else [raw]
        return tuple(NextFunction(name=i) if isinstance(i, str) else i for i in items)


class CronTrigger(BaseModel):
    """Start the pipeline on a schedule: AWS's six-field cron (or rate) expression, evaluated in
    ``timezone`` (an IANA name; default: the project's ``UniversalConfig.timezone``, UTC)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    expression: str = Field(description="e.g. 'cron(0 6 * * ? *)', '0 6 * * ? *' or 'rate(1 day)'")
    input: dict[str, object] = Field(default_factory=dict)
    enabled: bool = True
    timezone: str | None = Field(default=None, description="e.g. 'Europe/London'; cron expressions only")

    def __init__(self, expression: str | None = None, /, **data: object) -> None:
        # CronTrigger("cron(0 6 * * ? *)") reads best; the keyword form stays valid too.
        if expression is not None:
            data["expression"] = expression
        super().__init__(**data)

    @field_validator("expression")
    @classmethod
    def _valid(cls, value: str) -> str:
        from ..validation.cron import schedule_expression

        return schedule_expression(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        from ..schedules import check_timezone

        return None if value is None else check_timezone(value)

    @model_validator(mode="after")
    def _zone_needs_cron(self) -> CronTrigger:
        if self.timezone is not None and not self.expression.startswith("cron("):
            raise ValueError(
                f"timezone={self.timezone!r} applies to cron() expressions; {self.expression} runs at the same "
                "interval in every zone, so drop timezone"
            )
        return self


class S3Trigger(BaseModel):
    """Start the pipeline when an object is created in a bucket (the holding store by default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prefix: str = ""
    suffix: str = ""
    bucket: str | None = Field(default=None, description="default: the environment's holding store")


Trigger = CronTrigger | S3Trigger


class PipelineDefinition(BaseModel):
    """A pipeline: its functions in run order, optional triggers. Built in ``__main__.py``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file_path: Path
    description: str = ""
    functions: list[Function] = Field(min_length=1)
    trigger: Trigger | list[Trigger] | None = None
    type: Literal["STANDARD", "EXPRESS"] = "STANDARD"

    @model_validator(mode="after")
    def _graph(self) -> PipelineDefinition:
        from ..graph import graph_problems

        problems = graph_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- derived from the file's place: src/<layer>/<pipeline>/__main__.py --------------------
    @property
    def pipeline_dir(self) -> Path:
        return Path(self.file_path).resolve().parent

    @property
    def name(self) -> str:
        return self.pipeline_dir.name

    @property
    def layer(self) -> str:
        return self.pipeline_dir.parent.name

    @property
    def project_root(self) -> Path:
        return self.pipeline_dir.parent.parent.parent

    @property
    def triggers(self) -> tuple[Trigger, ...]:
        if self.trigger is None:
            return ()
        return tuple(self.trigger) if isinstance(self.trigger, list) else (self.trigger,)

    def function(self, name: str) -> Function:
        for fn in self.functions:
            if fn.name == name:
                return fn
        raise KeyError(name)

    def function_dir(self, name: str) -> Path:
        return self.pipeline_dir / "src" / name
