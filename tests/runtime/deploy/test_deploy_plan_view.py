"""The printed plan: a heading per stack, type and whole physical name, key properties below."""

from __future__ import annotations

from rich.console import Console

from dorc_runtime.deploy.plan import Plan, PlannedResource
from dorc_runtime.deploy.plan_view import plan_sections, print_plan, short_type

LONG_NAME = "acme-data-prod-" + "x" * 90  # longer than an 80-column line by itself
ARN = "arn:aws:lambda:eu-west-2:111122223333:function:acme-data-prod-raw-census-fetch"


def resource(stack: str, typ: str, physical: str | None, name: str = "r", **properties) -> PlannedResource:
    return PlannedResource(stack, typ, name, physical, properties, inputs={})


PLAN = Plan(
    environment="prod",
    region="eu-west-2",
    account="111122223333",
    stacks=["universal", "raw/census [prod]", "raw/empty [prod]"],
    resources=[
        resource("universal", "aws:ecr/repository:Repository", "acme-data/raw/census/fetch", imageTagMutability="IMMUTABLE"),
        resource(
            "raw/census [prod]",
            "aws:lambda/function:Function",
            "acme-data-prod-raw-census-fetch",
            packageType="Image", memorySize=1024, timeout=600, architectures=["x86_64"],
            reservedConcurrentExecutions=-1, imageUri="1111.dkr.ecr.eu-west-2.amazonaws.com/acme/raw/census/fetch:abc",
        ),  # fmt: skip
        resource(
            "raw/census [prod]",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "acme-data-prod-holding-111122223333",
        ),
        resource("raw/census [prod]", "aws:cloudwatch/logGroup:LogGroup", LONG_NAME, retentionInDays=30),
        resource("raw/census [prod]", "aws:lambda/permission:Permission", None, name="census-cron-0"),
        resource("raw/census [prod]", "aws:cloudwatch/eventTarget:EventTarget", "acme-data-prod-raw-census-cron-0", arn=ARN),
    ],
)


def lines_at(width: int) -> list[str]:
    return [line for heading, lines in plan_sections(PLAN, width) for line in [heading, *lines]]


def test_a_heading_per_stack_in_deploy_order_with_its_count() -> None:
    assert [heading for heading, _ in plan_sections(PLAN, 80)] == [
        "universal (1 resource)", "raw/census [prod] (5 resources)", "raw/empty [prod] (0 resources)",
    ]  # fmt: skip


def test_type_and_name_share_a_line_when_they_fit() -> None:
    [_, universal], *_ = plan_sections(PLAN, 80)
    assert universal == ["  ecr:Repository            acme-data/raw/census/fetch", "      imageTagMutability=IMMUTABLE"]


def test_key_properties_wrap_as_whole_k_v_pairs_below_the_resource() -> None:
    lines = lines_at(80)
    start = lines.index("  lambda:Function           acme-data-prod-raw-census-fetch")
    properties = lines[start + 1 : start + 4]
    assert all(line.startswith(" " * 6) and len(line) <= 80 for line in properties)
    pairs = " ".join(properties).split()
    assert pairs == [
        "packageType=Image", "memorySize=1024", "timeout=600", 'architectures=["x86_64"]',
        "reservedConcurrentExecutions=-1", "imageUri=1111.dkr.ecr.eu-west-2.amazonaws.com/acme/raw/census/fetch:abc",
    ]  # fmt: skip


def test_long_types_and_names_are_never_cut() -> None:
    lines = lines_at(80)
    # a type too wide for the column: the name goes whole on the next line
    at = lines.index("  s3:BucketServerSideEncryptionConfiguration")
    assert lines[at + 1] == "    acme-data-prod-holding-111122223333"
    # a name longer than the line keeps a line of its own; a long value likewise
    assert f"    {LONG_NAME}" in lines
    assert f"      arn={ARN}" in lines
    assert all(len(line) <= 80 or len(line.split()) == 1 for line in lines)
    assert not any("…" in line for line in lines)


def test_unnamed_resources_show_their_logical_name() -> None:
    assert "  lambda:Permission         (census-cron-0)" in lines_at(80)


def test_a_wide_console_puts_the_properties_on_one_line() -> None:
    wide = lines_at(200)
    assert "  s3:BucketServerSideEncryptionConfiguration  acme-data-prod-holding-111122223333" not in wide
    assert any(line.startswith("      packageType=Image") and "imageUri=" in line for line in wide)
    assert len(wide) < len(lines_at(80))


def test_print_plan_writes_the_lines_unstyled_and_uncut() -> None:
    console = Console(record=True, width=80, force_terminal=False)
    print_plan(console, PLAN)
    text = console.export_text()
    assert text.startswith("dorc plan: prod (eu-west-2, account 111122223333)\n")
    assert "raw/census [prod] (5 resources)" in text  # '[prod]' is not read as markup
    assert f"    {LONG_NAME}\n" in text


def test_short_type() -> None:
    assert short_type("aws:lambda/function:Function") == "lambda:Function"
    assert short_type("docker:index/image:Image") == "docker:Image"
