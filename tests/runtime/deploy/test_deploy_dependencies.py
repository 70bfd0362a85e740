"""The Pulumi SDK and providers are bounded to the major versions whose names the code uses."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

REQUIREMENTS = Path(__file__).parents[3] / "dorc_runtime" / "requirements.txt"


def requirements() -> dict[str, Requirement]:
    lines = [line.split("#", 1)[0].strip() for line in REQUIREMENTS.read_text().splitlines()]
    found = [Requirement(line) for line in lines if line]
    return {req.name: req for req in found}


def test_pulumi_packages_are_bounded_to_one_major_version() -> None:
    found = requirements()
    assert found["pulumi-aws"].specifier == SpecifierSet(">=7,<8")
    assert found["pulumi"].specifier == SpecifierSet(">=3.130,<4")
    # images are built and pushed by the publish stage (the Docker SDK), not by Pulumi's Docker provider
    assert "pulumi-docker" not in found
    for name in ("pulumi", "pulumi-aws"):
        assert found[name].specifier.contains(version(name)), f"installed {name} {version(name)} is outside the bounds"


def test_the_s3_names_the_components_use_exist_only_from_pulumi_aws_7() -> None:
    """v7 renamed BucketV2 -> Bucket and dropped the V2 suffix of the bucket sub-resources; the
    components use the new names, so pulumi-aws 6 must not satisfy the requirement."""
    import pulumi_aws as aws

    from dorc_runtime.deploy.components import bucket

    source = Path(bucket.__file__).read_text()
    for name in ("BucketVersioning", "BucketServerSideEncryptionConfiguration", "BucketLifecycleConfiguration"):
        assert f"aws.s3.{name}(" in source
        assert hasattr(aws.s3, name)
    assert not requirements()["pulumi-aws"].specifier.contains("6.83.0")
