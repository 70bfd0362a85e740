"""destroy stops before changing anything while buckets or repositories hold data, unless --force.

S3 deletes only an empty bucket, and in a versioned bucket every object version and delete marker
counts (https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-bucket.html); ECR deletes a
repository that holds images only when forced
(https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DeleteRepository.html).
"""

import boto3
import pytest
from automation_helpers import CREDENTIALS_ACCOUNT, FakeRunner, FakeStorage, make_harness
from moto import mock_aws

from dorc_runtime.deploy.automation.commands import run_destroy
from dorc_runtime.deploy.automation.plan import Target
from dorc_runtime.deploy.automation.storage import AwsStorage, DataHolder, HolderKind
from dorc_runtime.errors import DeployError

PROD = ["pipeline curated/report [prod]", "pipeline raw/census [prod]", "pipeline raw/weather [prod]", "infra [prod]"]
PROD_ORDER = ["pipeline raw/weather [prod]", "pipeline raw/census [prod]", "pipeline curated/report [prod]", "infra [prod]"]
HOLDING = f"census-demo-prod-holding-{CREDENTIALS_ACCOUNT}"
SUBMISSIONS = f"census-demo-prod-submissions-{CREDENTIALS_ACCOUNT}"
REGION = "eu-west-2"


def deployed_runner(**extra):
    return FakeRunner(deployed={label: 1 for label in [*PROD, "universal"]}, **extra)


def test_names_follow_naming(session):
    from dorc_runtime.naming import Naming

    naming = Naming("census-demo", "prod")
    assert (naming.holding_bucket(CREDENTIALS_ACCOUNT), naming.submissions_bucket(CREDENTIALS_ACCOUNT)) == (
        HOLDING,
        SUBMISSIONS,
    )


def test_destroy_refuses_naming_what_holds_data_and_changes_nothing(session):
    storage = FakeStorage({HOLDING: 3})
    h = make_harness(deployed_runner(), storage=storage)
    with pytest.raises(DeployError) as error:
        run_destroy(session, Target("prod"), h.seams, yes=True)
    assert error.value.message == f"Refusing to destroy: bucket {HOLDING} still hold(s) data; nothing was changed."
    assert "--force" in error.value.fix and "every object version and delete marker" in error.value.fix
    assert [c for c in h.runner.calls if c[0] == "destroy"] == []
    assert storage.calls == [] and storage.contents == {HOLDING: 3}


def test_force_empties_first_then_destroys(session):
    storage = FakeStorage({HOLDING: 3, SUBMISSIONS: 1})
    h = make_harness(deployed_runner(), storage=storage)
    run_destroy(session, Target("prod"), h.seams, yes=True, force=True)
    assert storage.calls == [f"empty bucket {HOLDING}", f"empty bucket {SUBMISSIONS}"]
    assert [c for c in h.runner.calls if c[0] == "destroy"] == [("destroy", label) for label in PROD_ORDER]
    assert f"Emptied bucket {HOLDING} (3 deleted)" in h.seams.console.export_text()


def test_a_cancelled_forced_destroy_empties_nothing(session):
    storage = FakeStorage({HOLDING: 3})
    h = make_harness(deployed_runner(), storage=storage, interactive=True, answer=False)
    with pytest.raises(DeployError, match="cancelled"):
        run_destroy(session, Target("prod"), h.seams, force=True)
    assert storage.calls == []


def test_destroying_universal_checks_its_repositories_and_deletes_the_retained_ones(session):
    url = f"{CREDENTIALS_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/census-demo-raw-census-fetch"
    runner = deployed_runner(stack_outputs={"universal": {"repository_urls": {"raw/census/fetch": url}}})
    for env in ("preprod",):  # nothing of preprod is deployed, so universal may go
        assert f"infra [{env}]" not in runner.deployed
    storage = FakeStorage({"census-demo-raw-census-fetch": 2})
    h = make_harness(runner, storage=storage)
    with pytest.raises(DeployError, match="repository census-demo-raw-census-fetch still hold"):
        run_destroy(session, Target("prod", include_universal=True), h.seams, yes=True)
    run_destroy(session, Target("prod", include_universal=True), h.seams, yes=True, force=True)
    assert storage.calls == [
        "empty repository census-demo-raw-census-fetch",
        "delete repository census-demo-raw-census-fetch",
    ]


# -- the real storage against moto ----------------------------------------------------------------
@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield AwsStorage.for_region(REGION)


def test_a_versioned_bucket_with_only_delete_markers_still_holds_data_and_is_emptied(aws):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=HOLDING, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=HOLDING, VersioningConfiguration={"Status": "Enabled"})
    bucket = DataHolder(HolderKind.BUCKET, HOLDING)
    assert not aws.holds_data(bucket)
    for n in range(3):
        s3.put_object(Bucket=HOLDING, Key="raw/census/data.csv", Body=f"v{n}".encode())
    s3.delete_object(Bucket=HOLDING, Key="raw/census/data.csv")  # a delete marker over 3 versions
    assert s3.list_objects_v2(Bucket=HOLDING)["KeyCount"] == 0  # looks empty, is not
    assert aws.holds_data(bucket)
    assert aws.empty(bucket) == 4
    assert not aws.holds_data(bucket)
    s3.delete_bucket(Bucket=HOLDING)  # what Pulumi's destroy then does: it succeeds
    assert not aws.holds_data(bucket)  # a missing bucket holds nothing


def test_emptying_goes_past_one_delete_batch(aws):
    """DeleteObjects takes 1000 keys per call; with a batch of 2, 7 versions and markers need 4 rounds."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=SUBMISSIONS, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=SUBMISSIONS, VersioningConfiguration={"Status": "Enabled"})
    for n in range(3):
        s3.put_object(Bucket=SUBMISSIONS, Key=f"incoming/{n}.tar.gz", Body=b"x")
        s3.put_object(Bucket=SUBMISSIONS, Key=f"incoming/{n}.tar.gz", Body=b"y")
    s3.delete_object(Bucket=SUBMISSIONS, Key="incoming/0.tar.gz")
    small = AwsStorage(aws.s3, aws.ecr, s3_batch=2)
    assert small.empty(DataHolder(HolderKind.BUCKET, SUBMISSIONS)) == 7
    page = s3.list_object_versions(Bucket=SUBMISSIONS)
    assert "Versions" not in page and "DeleteMarkers" not in page


def test_a_repository_with_images_holds_data_and_is_emptied_then_deleted(aws):
    ecr = boto3.client("ecr", region_name=REGION)
    name = "census-demo-raw-census-fetch"
    ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")
    repo = DataHolder(HolderKind.REPOSITORY, name)
    assert not aws.holds_data(repo)
    manifest = '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}'
    for tag in ("a1b2c3", "d4e5f6"):
        ecr.put_image(repositoryName=name, imageManifest=manifest.replace("}", f', "t": "{tag}"}}'), imageTag=tag)
    assert aws.holds_data(repo)
    with pytest.raises(ecr.exceptions.RepositoryNotEmptyException):
        ecr.delete_repository(repositoryName=name)  # why destroy must empty it first
    assert aws.empty(repo) == 2
    aws.delete_repository(name)
    assert ecr.describe_repositories()["repositories"] == []
    aws.delete_repository(name)  # already gone: nothing to do
    assert not aws.holds_data(repo)
