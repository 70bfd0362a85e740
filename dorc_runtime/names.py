"""Rules for the names a user chooses: project slug, environments, layers, pipelines, functions.

Pure functions: they either return the name or raise :class:`InvalidNameError` with one line
naming the rule and the fix. Physical AWS names are derived from these in :mod:`naming`.
"""

from __future__ import annotations

import keyword
import re

from .errors import InvalidNameError

# Lower-case words joined by single '-' or '_': safe as a folder, a Python module path segment
# (functions are imported by path, not by name) and, once '_' becomes '-', inside every AWS name.
# Checked with re.fullmatch, never re.match: '$' also matches before a trailing newline, so
# "prod\n" used to pass. Digits are [0-9], not \d, which matches any Unicode digit (such as '١').
# (REGION_PATTERN also serves pydantic, whose Rust regex has no \Z; its '$' is the text's end.)
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
_ENV = re.compile(r"^[a-z][a-z0-9]*$")
_SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$"
ACCOUNT_PATTERN = r"^[0-9]{12}$"
# S3 refuses bucket names with these prefixes and suffixes, and every bucket name starts with the
# slug: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

MAX_PART = 32
MAX_ENVIRONMENT = 10
MAX_SLUG = 30

KINDS = ("layer", "pipeline", "function")


def check_name(kind: str, name: str) -> str:
    """Validate a layer, pipeline or function name and return it."""
    shown = repr(name)
    fix = f"use lower-case letters, digits and single '-' or '_' (e.g. 'census_2021'), at most {MAX_PART} characters"
    if not isinstance(name, str) or not name:
        raise InvalidNameError(f"The {kind} name is empty.", fix)
    if "/" in name or "\\" in name or ".." in name:
        raise InvalidNameError(f"The {kind} name {shown} contains a path separator or '..'.", fix)
    if any(c.isspace() for c in name):
        raise InvalidNameError(f"The {kind} name {shown} contains white space.", fix)
    if name != name.lower():
        raise InvalidNameError(f"The {kind} name {shown} has upper-case letters.", fix)
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise InvalidNameError(
            f"The {kind} name {shown} is a Python keyword.", f"choose another name, e.g. '{name}_step'"
        )
    if len(name) > MAX_PART:
        raise InvalidNameError(
            f"The {kind} name {shown} is {len(name)} characters; AWS names built from it allow at most {MAX_PART}.",
            "choose a shorter name",
        )
    if not _NAME.fullmatch(name):
        raise InvalidNameError(f"The {kind} name {shown} is not a valid dorc name.", fix)
    return name


def check_environment(name: str) -> str:
    """Validate an environment name (it appears in every physical name, so it is short)."""
    if not isinstance(name, str) or not _ENV.fullmatch(name) or len(name) > MAX_ENVIRONMENT:
        raise InvalidNameError(
            f"The environment name {name!r} is not valid.",
            f"use lower-case letters and digits, starting with a letter, at most {MAX_ENVIRONMENT} characters (e.g. 'prod')",
        )
    return name


def check_slug(slug: str) -> str:
    """Validate the project slug, the prefix of every physical AWS name."""
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug) or len(slug) > MAX_SLUG:
        raise InvalidNameError(
            f"The project slug {slug!r} is not valid.",
            f"use lower-case letters, digits and single '-', starting with a letter, at most {MAX_SLUG} characters (e.g. 'pipeline-config')",
        )
    reserved = next((prefix for prefix in S3_RESERVED_PREFIXES if slug.startswith(prefix)), None)
    if reserved:
        raise InvalidNameError(
            f"The project slug {slug!r} starts with {reserved!r}, a prefix S3 reserves for its own bucket names "
            "(every dorc bucket name starts with the slug).",
            f"choose a slug that does not start with {', '.join(S3_RESERVED_PREFIXES)}",
        )
    return slug


def check_region(region: str) -> str:
    """Validate an AWS region code such as 'eu-west-2'."""
    if not isinstance(region, str) or not re.fullmatch(REGION_PATTERN, region):
        raise InvalidNameError(
            f"The AWS region {region!r} is not a region code.", "use a code such as 'eu-west-2' or 'us-east-1'"
        )
    return region


def check_account(account: str | None) -> str | None:
    """Validate an AWS account id: 12 digits, or empty (then None: it is read from AWS_ACCOUNT)."""
    if not account:
        return None
    if not isinstance(account, str) or not re.fullmatch(ACCOUNT_PATTERN, account):
        raise InvalidNameError(
            f"The AWS account id {account!r} is not 12 digits.", "give the 12-digit id or leave it empty"
        )
    return account
