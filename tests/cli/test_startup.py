"""A check of policy JSON must not pay for the machinery it does not use (pre-commit grade start-up)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# What a check of policy JSON never needs, yet the modules it imports could reach: the Terraform source's parse
# cache (imported only when a path may lead to .tf files), parser and evaluator (hcl2 and lark build the parse
# tables when they are missing), the pre-flight (the pipeline resolves declared URLs for the IPS rules), the
# baseline, and rich (typer imports it for pretty help and errors when it is installed, as here). The Terraform and
# pre-flight ones are imported by the runs of `test_..._a_terraform_module_...` below, so a renamed module cannot
# leave a guard that passes alone.
TERRAFORM_MACHINERY = (
    "linter.sources.terraform.cache",
    "linter.sources.terraform.hcl",
    "linter.sources.terraform.lalr",
    "linter.sources.terraform.evaluate",
)
# The reader of AWS CLI outputs likewise, imported by `test_checking_an_aws_cli_output_reads_it_with_its_source`.
# The AWS SDK and the modules that call AWS, imported by `test_presign_simulate_imports_the_aws_sdk`.
AWS_MACHINERY = ("boto3", "botocore", "linter.aws")
NOT_FOR_JSON = (
    "hcl2",
    "lark",
    "rich",
    # pydantic validates a config file's settings (the Terraform inventory is dataclasses, see below); a check of
    # policy JSON without a config does not, and typer's adapters (built on pydantic) are replaced by
    # `cli._PlainValue`: ~300M instructions.
    "pydantic",
    "pydantic_core",
    "typer._adapters",
    "linter.inventory",
    "linter.config_schema",
    *TERRAFORM_MACHINERY,
    "linter.presign",
    "linter.baseline",
    "linter.sources.aws_cli",
    "linter.sources.embedded_json",
    *AWS_MACHINERY,
)


def _imported_modules(code: str, top_level: bool = True, env: dict[str, str] | None = None) -> set[str]:
    """The modules `code` imports: their top-level packages, or (top_level=False) their full names."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
        env=None if env is None else {**os.environ, **env},
    )
    names = set()
    for line in completed.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            names.add(name.split(".")[0] if top_level else name)
    return names


def _unneeded(imported: set[str]) -> list[str]:
    return sorted(name for name in imported if any(name == n or name.startswith(n + ".") for n in NOT_FOR_JSON))


@pytest.mark.parametrize(
    "code", ["import linter.cli", "import linter.cli, linter.check, linter.report, linter.registry"]
)
def test_the_cli_and_the_check_pipeline_import_none_of_it(code: str) -> None:
    assert _unneeded(_imported_modules(code, top_level=False)) == []


@pytest.mark.parametrize("select", [[], ["--select", "IPS"]])
def test_checking_a_json_policy_imports_none_of_it(tmp_path: Path, select: list[str]) -> None:
    # Also with only the pre-signed URL rules selected: without an inventory or a declared URL nothing is resolved.
    policy = tmp_path / "p.json"
    policy.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    )
    code = f"from linter.cli import main; main(['check', {str(policy)!r}, '--format', 'json', *{select!r}])"
    imported = _imported_modules(code, top_level=False)
    assert "linter.check" in imported and "linter.rule" in imported  # the run did check the policy
    # A check imports every rule that checks the kinds of policy it loaded (tests/rules/test_rule_metadata.py), which
    # imports such a module only where it uses it (`# lazy:`).
    assert _unneeded(imported) == [], "a check of one JSON policy imported modules it does not use"


CONFIG_WITH_EVERY_KIND_OF_SETTING = (
    'fail-on = "ERROR"\n[severity]\nIPG001 = "Info"\n[kinds]\n"scp/*" = "scp"\n'
    '[[suppress]]\nrule = "unscoped-resource"\npaths = ["legacy/*"]\n'
    '[[presign]]\nsigner = "aws_iam_user.u"\nbucket = "aws_s3_bucket.b"\nexpires = 900\nversion-id = true\n'
)


@pytest.mark.parametrize(
    "select",
    [
        # The rules that read declared URLs not selected: the declarations are validated, never resolved.
        pytest.param('select = ["IPG", "IPA"]\n', id="IPG-and-IPA"),
        # With them, `check.resolve_declared_urls` imports the pre-flight for the declarations even though a run
        # over policy JSON has no inventory to resolve them in (`linter.inventory` among them: dataclasses).
        pytest.param("", id="every-rule"),
    ],
)
def test_checking_a_json_policy_with_a_config_file_imports_no_pydantic(tmp_path: Path, select: str) -> None:
    # A config file is validated by hand-written checks (`linter.config_schema`), not pydantic's models (~35-50 ms).
    policy = tmp_path / "p.json"
    policy.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    )
    config = tmp_path / ".iam-preflight.toml"
    config.write_text(select + CONFIG_WITH_EVERY_KIND_OF_SETTING)
    argv = ["check", str(policy), "--config", str(config), "--format", "json"]
    imported = _imported_modules(f"from linter.cli import main; main({argv!r})", top_level=False)
    assert "linter.check" in imported and "linter.config_schema" in imported  # the run did read its config
    assert sorted(n for n in imported if n.split(".")[0] in ("pydantic", "pydantic_core")) == []
    if select:
        assert _unneeded(imported) == ["linter.config_schema"], "a check with a config imported what it does not use"


def test_checking_a_terraform_module_with_its_config_file_imports_no_pydantic() -> None:
    # The benchmark against checkov: a module whose config declares a pre-signed URL.
    example = REPO / "examples" / "presign-sse-kms"
    argv = ["check", str(example), "--config", str(example / ".iam-preflight.toml"), "--format", "json"]
    imported = _imported_modules(f"from linter.cli import main; main({argv!r})", top_level=False)
    assert "linter.config_schema" in imported and "linter.presign.declared" in imported  # it read the declaration
    assert sorted(n for n in imported if n.split(".")[0] in ("pydantic", "pydantic_core")) == []


def _terraform_module(tmp_path: Path) -> Path:
    module = tmp_path / "infra"
    module.mkdir()
    (module / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    return module


def test_loading_a_terraform_module_imports_its_machinery(tmp_path: Path) -> None:
    # Parsed in the process whose imports are listed (the CLI's parse-ahead helpers parse in processes of their own),
    # and never read from the parse cache.
    module = _terraform_module(tmp_path)
    code = f"from pathlib import Path; import linter.sources.terraform as tf; tf.load_module(Path({str(module)!r}))"
    imported = _imported_modules(code, top_level=False, env={"IAM_PREFLIGHT_NO_CACHE": "1"})
    assert set(TERRAFORM_MACHINERY) <= imported


def test_checking_a_terraform_module_resolves_declared_urls_with_the_pre_flight(tmp_path: Path) -> None:
    code = f"from linter.cli import main; main(['check', {str(_terraform_module(tmp_path))!r}, '--format', 'json'])"
    assert "linter.presign.declared" in _imported_modules(code, top_level=False)


def test_checking_an_aws_cli_output_reads_it_with_its_source() -> None:
    output = REPO / "tests" / "fixtures" / "awscli" / "get-bucket-policy.json"  # a policy held in a string
    code = f"from linter.cli import main; main(['check', {str(output)!r}, '--format', 'json'])"
    assert {"linter.sources.aws_cli", "linter.sources.embedded_json"} <= _imported_modules(code, top_level=False)


def _presign_demo(*extra: str) -> str:
    demo = REPO / "examples" / "presign-demo"
    argv = ["presign", str(demo), "--signer", "aws_iam_user.user_two", "--bucket", "aws_s3_bucket.demo", *extra]
    return f"from linter.cli import main; main({argv!r})"


def test_presign_without_simulate_imports_no_aws_sdk() -> None:
    imported = _imported_modules(_presign_demo(), top_level=False)
    assert "linter.presign.preflight" in imported  # the run did decide the URL
    assert sorted(n for n in imported if any(n == m or n.startswith(m + ".") for m in AWS_MACHINERY)) == []


def test_presign_simulate_imports_the_aws_sdk(tmp_path: Path) -> None:
    # No credentials and no metadata service: the run stops at the credential lookup, after the imports.
    env = {
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_PROFILE": "",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    imported = _imported_modules(_presign_demo("--simulate"), top_level=False, env=env)
    assert {"boto3", "botocore", "linter.aws.client", "linter.aws.simulate", "linter.aws.confirm"} <= imported


def _declared_url_check(tmp_path: Path, *extra: str) -> str:
    demo = tmp_path / "demo"
    shutil.copytree(REPO / "examples" / "presign-demo", demo)
    (demo / ".iam-preflight.toml").write_text(
        '[[presign]]\nsigner = "aws_iam_user.user_two"\nbucket = "aws_s3_bucket.demo"\nkey = "cat.jpg"\n'
    )
    argv = ["check", str(demo), "--config", str(demo / ".iam-preflight.toml"), "--format", "json", *extra]
    return f"from linter.cli import main; main({argv!r})"


def test_checking_declared_urls_without_simulate_imports_no_aws_sdk(tmp_path: Path) -> None:
    imported = _imported_modules(_declared_url_check(tmp_path), top_level=False)
    assert "linter.presign.preflight" in imported  # the run did decide the declared URL
    assert sorted(n for n in imported if any(n == m or n.startswith(m + ".") for m in AWS_MACHINERY)) == []


def test_checking_declared_urls_with_simulate_imports_the_aws_sdk(tmp_path: Path) -> None:
    env = {
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_PROFILE": "",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    imported = _imported_modules(_declared_url_check(tmp_path, "--simulate"), top_level=False, env=env)
    assert {"boto3", "botocore", "linter.aws.client", "linter.aws.simulate", "linter.aws.confirm"} <= imported


EXPLAINED_URL = (
    "https://presign-demo.s3.us-east-1.amazonaws.com/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAQEXAMPLE7LONGKEY%2F20261127%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261127T100000Z"
    "&X-Amz-Expires=1800&X-Amz-SignedHeaders=host&X-Amz-Signature=" + "f" * 64
)
DENIED = (
    "<Error><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/user-two is not authorized to "
    'perform: s3:GetObject on resource: "arn:aws:s3:::presign-demo/cat.jpg"</Message></Error>'
)


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--from-aws"],
        ["presign", "--from-aws", "--signer", "user-two", "--bucket", "presign-demo"],
        ["explain-url", EXPLAINED_URL, "--from-aws", "--at", "2026-11-27T10:05:00Z"],
        ["explain-error", DENIED, "--from-aws"],
    ],
)
def test_from_aws_imports_the_aws_sdk(tmp_path: Path, argv: list[str]) -> None:
    # The positive control of the guards above: no credentials, so the run stops at the credential lookup.
    env = {
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_PROFILE": "",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    imported = _imported_modules(f"from linter.cli import main; main({argv!r})", top_level=False, env=env)
    assert {"boto3", "botocore", "linter.aws.client", "linter.aws.from_aws", "linter.aws.deployed"} <= imported


@pytest.mark.parametrize(
    "argv",
    [["explain-url", EXPLAINED_URL, "--at", "2026-11-27T10:05:00Z"], ["explain-error", DENIED]],
)
def test_explaining_without_from_aws_imports_no_aws_sdk(argv: list[str]) -> None:
    imported = _imported_modules(f"from linter.cli import main; main({argv!r})", top_level=False)
    assert "linter.explain.command" in imported  # the run did explain
    assert sorted(n for n in imported if any(n == m or n.startswith(m + ".") for m in AWS_MACHINERY)) == []


def test_checking_a_module_without_from_aws_imports_no_aws_sdk(tmp_path: Path) -> None:
    code = f"from linter.cli import main; main(['check', {str(_terraform_module(tmp_path))!r}, '--format', 'json'])"
    imported = _imported_modules(code, top_level=False)
    assert "linter.check" in imported  # the run did check the module
    assert sorted(n for n in imported if any(n == m or n.startswith(m + ".") for m in AWS_MACHINERY)) == []


def test_console_script_runs_as_a_subprocess(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Actions": "s3:GetObject", "Resource": "*"}]}'
    )
    completed = subprocess.run(
        [sys.executable, "-m", "linter", "check", str(policy), "--select", "IPG001", "--color", "never"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert completed.returncode == 1
    assert "IPG001" in completed.stdout
    assert completed.stderr == ""


def test_console_script_exits_quietly_when_the_reader_leaves_early(tmp_path: Path) -> None:
    # `run()` ends with os._exit after flushing: a closed pipe must not turn into a traceback or a hang.
    reader = subprocess.Popen(
        [sys.executable, "-m", "linter", "rules", "--markdown"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert reader.stdout is not None and reader.stderr is not None
    first = reader.stdout.read(10)
    reader.stdout.close()
    errors = reader.stderr.read()
    assert reader.wait(timeout=60) in (0, 1)
    assert first and errors == b""


COMMANDS = ["check", "rules", "simulate", "presign", "explain-url", "explain-error"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_runs_in_an_app_of_its_own_with_the_same_help(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # main() builds only the invoked command's options (typer builds all of them up front otherwise).
    from linter import cli

    one = cli._app_for([command, "--help"])
    assert [info.callback.__name__ for info in one.registered_commands if info.callback] == [
        info.callback.__name__
        for info in cli.app.registered_commands
        if info.callback and (info.name or info.callback.__name__) == command
    ]
    assert cli.main([command, "--help"]) == 0
    alone = capsys.readouterr().out
    cli.app(args=[command, "--help"], prog_name="iam-preflight", standalone_mode=False)
    assert alone == capsys.readouterr().out


@pytest.mark.parametrize("argv", [[], ["--help"], ["--version"], ["chek", "x"]])
def test_no_command_an_option_first_or_a_misspelt_command_get_the_full_app(argv: list[str]) -> None:
    from linter import cli

    assert cli._app_for(argv) is cli.app


def test_every_command_is_listed_here() -> None:
    from typer.main import get_command_name

    from linter import cli

    names = [
        info.name or get_command_name(info.callback.__name__) for info in cli.app.registered_commands if info.callback
    ]
    assert names == COMMANDS


@pytest.mark.parametrize(
    ("argv", "guessed"),
    [
        (["check", "infra", "-f", "json", "--var-file", "prod.tfvars"], ["infra", "json", "prod.tfvars"]),
        (["check", "--help"], []),
        (["presign", "infra", "--signer", "x"], []),
        ([], []),
    ],
)
def test_the_console_script_guesses_the_paths_of_a_check_to_parse_them_while_it_imports(
    argv: list[str], guessed: list[str]
) -> None:
    from linter.launch import guessed_targets

    # Option values are guessed too; parse_ahead ignores words that name neither a folder nor a .tf file.
    assert guessed_targets(argv) == guessed


def test_only_folders_and_terraform_file_names_are_parsed_ahead(tmp_path: Path) -> None:
    from linter.sources import terraform_targets

    (tmp_path / "infra").mkdir()
    words = [str(tmp_path / "infra"), "main.tf", "x.tf.json", "prod.tfvars", "v.tfvars.json", "p.json", "json", "-"]
    # Anything else never reaches the parse cache, whose import a check of policy JSON would pay for nothing.
    assert terraform_targets(words) == words[:5]


def test_python_dash_m_and_the_console_script_check_a_terraform_folder(tmp_path: Path) -> None:
    module = tmp_path / "infra"
    module.mkdir()
    (module / "main.tf").write_text('resource "aws_iam_user" "u" {\n  name = local.missing\n}\n')
    completed = subprocess.run(
        [sys.executable, "-m", "linter", "check", "infra", "--color", "never"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        env={**os.environ, "IAM_PREFLIGHT_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert completed.returncode == 2
    assert completed.stdout.startswith("infra/main.tf:2:10: error: reference to an undeclared name: local.missing")


def _console_script(argv: list[str]) -> str:
    """`code` for _imported_modules: the console script run with these arguments."""
    return f"import sys; sys.argv = ['iam-preflight', *{argv!r}]; from linter.launch import run; run()"


def test_the_console_script_skips_pydantics_plugin_search(tmp_path: Path) -> None:
    # pydantic's plugin loader imports importlib.metadata and the email package (3% of a small check) only to find
    # that plugins are off. What pydantic still does in a check: validating an inventory read back with a written
    # account id standing in for this configuration's (`presign.readings.read_as`), here for the console demo's
    # user two, whose policy names an account.
    module = tmp_path / "infra"
    module.mkdir()
    demo = (REPO / "examples" / "presign-demo" / "main.tf").read_text()
    deny = '{ Effect = "Deny", Action = "iam:GetUser", Resource = "arn:aws:iam::123456789012:user/a" }'
    named = f'Resource = "*"\n      }},\n      {deny}'
    (module / "main.tf").write_text(demo.replace('Resource = "*"\n      }', named))
    imported = _imported_modules(_console_script(["check", str(module), "--format", "json", "--exit-zero"]))
    assert "pydantic" in imported
    assert imported.isdisjoint({"email", "zipfile", "csv"})


def test_a_cold_check_of_a_terraform_module_loads_neither_openssl_nor_importlib_resources(tmp_path: Path) -> None:
    # hashlib's sha256 is OpenSSL's, and loading libcrypto costs ~11M instructions: the parse cache's content keys and
    # the findings' fingerprints use CPython's own (`linter.digest`); only a cache entry read (its HMAC) loads it,
    # as the warm run does. The pre-flight reads its managed policies by path (importlib.resources: tempfile...).
    module = tmp_path / "module"
    shutil.copytree(REPO / "examples" / "presign-sse-kms", module)  # findings, and a declared pre-signed URL
    argv = ["check", str(module), "--format", "json", "--exit-zero"]
    env = {"IAM_PREFLIGHT_CACHE_DIR": str(tmp_path / "cache")}
    cold = _imported_modules(_console_script(argv), top_level=False, env=env)
    warm = _imported_modules(_console_script(argv), top_level=False, env=env)
    assert {"linter.digest", "linter.presign.subject"} <= cold
    assert cold.isdisjoint({"_hashlib", "importlib.resources"})
    assert "_hashlib" in warm


def _plugin_loader_probe(setting: str | None) -> list[str]:
    code = (
        "import sys; from linter.launch import skip_pydantic_plugins; skip_pydantic_plugins();"
        "from pydantic.plugin._schema_validator import create_schema_validator;"
        "from pydantic_core import core_schema;"
        "create_schema_validator(core_schema.int_schema(), int, 'm', 'n', 'TypeAdapter');"
        "stubbed = 'importlib.metadata' not in sys.modules;"
        "from pydantic.plugin._loader import PYDANTIC_ENTRY_POINT_GROUP;"
        "print(stubbed, PYDANTIC_ENTRY_POINT_GROUP, 'importlib.metadata' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if setting is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = setting
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True, env=env
    )
    return completed.stdout.split()


@pytest.mark.parametrize("setting", [None, "__all__", "1", "true"])
def test_with_plugins_off_pydantic_finds_none_without_searching_and_the_loader_still_answers(
    setting: str | None,
) -> None:
    # Any name but get_plugins loads the real loader, so a pydantic that asks the loader for more still works.
    assert _plugin_loader_probe(setting) == ["True", "pydantic", "True"]


def test_a_user_who_names_the_plugins_to_disable_keeps_pydantics_own_search() -> None:
    assert _plugin_loader_probe("logfire") == ["False", "pydantic", "True"]


def test_the_console_script_leaves_what_typer_imports_for_other_work_unimported(tmp_path: Path) -> None:
    # typer imports subprocess and shellingham at its top to open URLs and install shell completion, which no
    # command of ours asks of it, inspect imports tokenize to read source, shutil notes whether zlib, bz2 and lzma
    # are there: the console script lets them be imported on first use (`launch.DEFERRED_IMPORTS`).
    policy = tmp_path / "p.json"
    policy.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    )
    imported = _imported_modules(_console_script(["check", str(policy), "--format", "json", "--exit-zero"]))
    assert "typer" in imported and "linter" in imported
    assert imported.isdisjoint({"subprocess", "shellingham", "_posixsubprocess", "tokenize", "zlib", "bz2", "lzma"})
    if sys.platform in ("linux", "darwin"):  # where `launch._PlatformStandIn` answers uuid's question
        assert "platform" not in imported


def test_a_deferred_module_is_imported_on_first_use_and_works_as_itself() -> None:
    code = (
        "import sys, types; from linter.launch import defer_unused_imports; defer_unused_imports(); import typer\n"
        "import subprocess\n"
        "deferred = type(sys.modules['subprocess']) is not types.ModuleType\n"
        "done = subprocess.run([sys.executable, '-c', 'print(42)'], capture_output=True, text=True, check=True)\n"
        "from subprocess import PIPE\n"
        "print(deferred, done.stdout.strip(), PIPE is subprocess.PIPE, type(sys.modules['subprocess']).__name__)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert completed.stdout.split() == ["True", "42", "True", "module"]


def test_the_platform_stand_in_answers_system_as_platform_and_loads_it_for_anything_else() -> None:
    code = (
        "import sys, types; from linter.launch import defer_unused_imports; defer_unused_imports()\n"
        "import uuid, platform\n"  # uuid asks platform.system() at its import
        "standing_in = type(sys.modules['platform']) is not types.ModuleType\n"
        "answered = platform.system()\n"
        "machine = platform.machine()\n"  # anything else: the real module, in its place
        "real = sys.modules['platform']\n"
        "print(standing_in, answered == real.system(), uuid._LINUX == (real.system() == 'Linux'), bool(machine))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert completed.stdout.split() == ["True", "True", "True", "True"]


def test_the_deferred_modules_of_inspect_and_shutil_serve_them_as_before() -> None:
    code = (
        "import sys; from linter.launch import defer_unused_imports; defer_unused_imports(); import typer\n"
        "import inspect, shutil, zlib, linecache\n"
        "formats = sorted(name for name, _ in shutil.get_archive_formats())\n"  # zlib, bz2, lzma found there
        "source = inspect.getsource(defer_unused_imports).splitlines()[0]\n"  # tokenize reads it
        "print(formats == ['bztar', 'gztar', 'tar', 'xztar', 'zip'], source, zlib.crc32(b'iam') == 4154617534)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert completed.stdout.split() == ["True", "def", "defer_unused_imports()", "->", "None:", "True"]


# The example of the benchmark's Terraform rows: a role, a bucket with SSE-KMS and its key, and (in its config) one
# declared pre-signed URL that the pre-flight decides.
SSE_KMS_EXAMPLE = REPO / "examples" / "presign-sse-kms"


def _loaded_after(code: str) -> list[str]:
    """Every module in `sys.modules` once `code` has run (`-X importtime` does not list what `import_module` loads,
    as `linter.model` loads `linter.inventory`)."""
    done = "import sys; print(chr(10).join(sorted(sys.modules)), file=sys.stderr)"
    completed = subprocess.run(
        [sys.executable, "-c", f"try:\n    {code}\nexcept SystemExit:\n    pass\n{done}"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    return completed.stderr.splitlines()


def _pydantic(modules: list[str]) -> list[str]:
    return [name for name in modules if name.split(".")[0] in ("pydantic", "pydantic_core")]


def test_checking_a_terraform_module_imports_no_pydantic(tmp_path: Path) -> None:
    # The inventory is slotted dataclasses: as pydantic models, importing pydantic and building them cost ~360M
    # instructions of every Terraform check. The example's module without its config file (with it, see
    # `test_checking_a_terraform_module_with_its_config_file_imports_no_pydantic`).
    module = tmp_path / "presign-sse-kms"
    module.mkdir()
    shutil.copy(SSE_KMS_EXAMPLE / "main.tf", module)
    loaded = _loaded_after(f"from linter.cli import main; main(['check', {str(module)!r}, '--format', 'json'])")
    assert "linter.inventory" in loaded  # the run did build the inventory
    assert _pydantic(loaded) == []


def test_simulating_a_batch_imports_no_pydantic(tmp_path: Path) -> None:
    # typer would coerce `--jobs` (an int) through a pydantic adapter: ~0.1 s of a batch's start-up.
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"ActionNames": ["s3:GetObject"], "PolicyInputList": []}\n')
    argv = ["simulate", "--jsonl", str(batch), "--jobs", "1", "-o", str(tmp_path / "out.jsonl")]
    imported = _imported_modules(f"from linter.cli import main; main({argv!r})", top_level=False)
    assert "linter.engine.simulate" in imported  # the run did simulate
    assert sorted(n for n in imported if n.split(".")[0] in ("pydantic", "pydantic_core", "typer._adapters")) == []
