"""The one module that touches boto3 and botocore (both untyped): everything it hands back is plain typed data.

The client takes the standard credential chain and region (`--aws-profile`, `--aws-region` override them), the
endpoint from AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_IAM as botocore reads them, retries in botocore's "standard" mode
(throttling included) and bounded timeouts. A fault becomes an `AwsCallError` of one line that names what to do and
never quotes a key, a token or a signature.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

# Bounded so a CI job never hangs on a network that drops packets; three attempts in all with backoff.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 20
MAX_ATTEMPTS = 3
SIMULATE_PERMISSION = "iam:SimulateCustomPolicy"
PRINCIPAL_PERMISSION = "iam:SimulatePrincipalPolicy"  # `--principal-arn`: the deployed principal's own policies
# IAM is a global service; its endpoint is in us-east-1 for the aws partition whatever the profile's region.
DEFAULT_IAM_REGION = "us-east-1"

T = TypeVar("T")


class Fault(StrEnum):
    NO_CREDENTIALS = "no-credentials"
    ACCESS_DENIED = "access-denied"
    REJECTED = "rejected"  # AWS refused the request as invalid (InvalidInput, PolicyEvaluation)
    UNREACHABLE = "unreachable"  # no answer: endpoint, network, retries used up
    NO_SUCH_PRINCIPAL = "no-such-principal"  # `--principal-arn` names no user or role of the account (NoSuchEntity)


class AwsCallError(Exception):
    """A call to AWS that did not answer: exit 2, with this one line."""

    def __init__(self, fault: Fault, message: str) -> None:
        super().__init__(message)
        self.fault = fault


class ClientSettings(NamedTuple):
    profile: str | None = None
    region: str | None = None


def iam_client(settings: ClientSettings) -> Any:
    """An IAM client; raises AwsCallError when the profile does not exist."""
    return aws_client("iam", settings)


def aws_client(service: str, settings: ClientSettings) -> Any:
    """A client of `service` (iam, s3, s3control, kms, sts) with this module's retries and timeouts; raises
    AwsCallError when the profile does not exist. IAM defaults to us-east-1; so does any service without a region."""
    import boto3  # lazy: boto3 and botocore load only when a command asks AWS (`--simulate`, `--from-aws`)
    from botocore.config import Config  # lazy: as above
    from botocore.exceptions import BotoCoreError  # lazy: as above

    config = Config(
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )
    try:
        session = boto3.session.Session(profile_name=settings.profile)
        return session.client(
            service, region_name=settings.region or session.region_name or DEFAULT_IAM_REGION, config=config
        )
    except BotoCoreError as error:  # ProfileNotFound and the like: their messages name the profile, not a secret
        raise AwsCallError(Fault.NO_CREDENTIALS, f"cannot set up an AWS client: {error}") from None


def reading_account(read: Callable[[], T]) -> T:
    """`read()` of the deployed state (`--from-aws`), its faults as AwsCallError. Refused reads of one resource
    never get here (the reader notes them); what does is what stops the whole read: no credentials, credentials AWS
    does not accept (sts:GetCallerIdentity, which needs no permission, is the first call), no answer."""
    from botocore.exceptions import (  # lazy: as in aws_client
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    try:
        return read()
    except (NoCredentialsError, PartialCredentialsError):
        raise AwsCallError(
            Fault.NO_CREDENTIALS,
            "--from-aws needs AWS credentials and found none: set AWS_PROFILE (or --aws-profile), "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role provides them",
        ) from None
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in ("AccessDenied", "AccessDeniedException"):
            raise AwsCallError(
                Fault.ACCESS_DENIED,
                "AWS refused to read the account: the credentials in use lack sts:GetCallerIdentity (AccessDenied)",
            ) from None
        if code in ("Throttling", "ThrottlingException", "RequestLimitExceeded"):
            message = f"AWS kept throttling after {MAX_ATTEMPTS} attempts ({code})"
            raise AwsCallError(Fault.UNREACHABLE, message) from None
        # The messages of these answers may quote the caller's ARN: the code says enough.
        message = f"AWS did not accept the credentials in use ({code or 'error'}): refresh or replace them"
        raise AwsCallError(Fault.NO_CREDENTIALS, message) from None
    except BotoCoreError as error:  # endpoint unreachable, timeouts after the retries
        raise AwsCallError(Fault.UNREACHABLE, f"AWS did not answer: {type(error).__name__}") from None


def simulate_policy(client: Any, request: dict[str, Any]) -> list[dict[str, Any]]:
    """Every EvaluationResults entry of one simulation, following IsTruncated/Marker: SimulatePrincipalPolicy when
    the request names a principal (`PolicySourceArn`, `--principal-arn`), else SimulateCustomPolicy."""
    from botocore.exceptions import (  # lazy: as in iam_client
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    principal = request.get("PolicySourceArn")
    call = client.simulate_principal_policy if principal else client.simulate_custom_policy
    results: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        page_request = {**request, "Marker": marker} if marker else request
        try:
            page = call(**page_request)
        except (NoCredentialsError, PartialCredentialsError):
            raise AwsCallError(
                Fault.NO_CREDENTIALS,
                "--simulate needs AWS credentials and found none: set AWS_PROFILE (or --aws-profile), "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role provides them",
            ) from None
        except ClientError as error:
            raise _client_error(error, principal) from None
        except BotoCoreError as error:  # endpoint unreachable, timeouts after the retries
            raise AwsCallError(Fault.UNREACHABLE, f"AWS IAM did not answer: {type(error).__name__}") from None
        results.extend(page.get("EvaluationResults", []))
        if not page.get("IsTruncated"):
            return results
        marker = page.get("Marker")
        if not marker:
            return results  # truncated without a marker: nothing more can be asked for


def _client_error(error: Any, principal: str | None) -> AwsCallError:
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code in ("AccessDenied", "AccessDeniedException"):
        permission = PRINCIPAL_PERMISSION if principal else SIMULATE_PERMISSION
        return AwsCallError(
            Fault.ACCESS_DENIED, f"AWS refused the simulation: the credentials in use lack {permission} (AccessDenied)"
        )
    if code in ("NoSuchEntity", "NoSuchEntityException") and principal:
        return AwsCallError(Fault.NO_SUCH_PRINCIPAL, f"no principal {principal} in this account")
    if code in ("InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "UnrecognizedClientException"):
        return AwsCallError(
            Fault.NO_CREDENTIALS, f"AWS did not accept the credentials in use ({code}): refresh or replace them"
        )
    if code in ("Throttling", "ThrottlingException", "RequestLimitExceeded"):
        return AwsCallError(Fault.UNREACHABLE, f"AWS IAM kept throttling after {MAX_ATTEMPTS} attempts ({code})")
    # IAM's messages about a request quote the request's policies at most, never credentials.
    message = str(error.response.get("Error", {}).get("Message", ""))[:200]
    return AwsCallError(Fault.REJECTED, f"AWS refused the simulation: {code or 'error'}: {message}")
