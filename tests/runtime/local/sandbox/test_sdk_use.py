"""What the run reads from a pipeline's code to prepare its fork server."""

from dorc_runtime.local.sandbox.sdk_use import SdkUse


def test_the_services_named_by_clients_and_resources_are_read_from_code_that_mentions_the_sdk(tmp_path):
    (tmp_path / "a.py").write_text('import boto3\ns3 = boto3.client("s3")\n'
                                   "table = boto3.resource(service_name='dynamodb').Table('t')\n")
    (tmp_path / "b.py").write_text('from botocore.session import get_session\n'
                                   'sqs = get_session().create_client("sqs")\nother = client( "sns" )\n')
    assert SdkUse.of_files([tmp_path / "a.py", tmp_path / "b.py", tmp_path / "gone.py"]) == SdkUse(
        True, ("dynamodb", "s3", "sns", "sqs"))


def test_code_without_the_sdk_prepares_nothing_even_if_it_calls_something_client(tmp_path):
    (tmp_path / "a.py").write_text('import requests\nhttp = requests.Session()\nweb = client("s3")\n')
    assert SdkUse.of_files([tmp_path / "a.py"]) == SdkUse(False, ())
    assert SdkUse(False, ()).as_json() == {"sdk": False, "services": []}
