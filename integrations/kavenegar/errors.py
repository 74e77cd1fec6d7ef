"""Kavenegar's failures as types: every documented return code maps to one class."""

from __future__ import annotations


class KavenegarError(Exception):
    """Any failure talking to Kavenegar; ``code`` is Kavenegar's return status (0 if none)."""

    retryable = False

    def __init__(self, code: int = 0, message: str = "") -> None:
        super().__init__(f"kavenegar {code}: {message}" if code else message)
        self.code = code
        self.message = message


class InvalidRequest(KavenegarError):
    """The request itself is wrong (parameters, receptor, sender, text, date, arrays, tokens)."""


class BadReceptor(InvalidRequest):
    """411: the receptor is not a valid mobile number."""


class AccountError(KavenegarError):
    """The account or key cannot do this (disabled, bad key, access denied, test account)."""


class NoCredit(AccountError):
    """418: the account has no credit left."""


class TemplateError(KavenegarError):
    """424/426/428/431/432: the verify template or its tokens are not usable."""


class RateLimited(KavenegarError):
    """409/451: the server is busy or we call too often; try again later."""

    retryable = True


class SendFailed(KavenegarError):
    """402 or an unknown code: the operation failed on Kavenegar's side."""

    retryable = True


class ServerError(KavenegarError):
    """An HTTP 5xx or an answer that is not Kavenegar's JSON."""

    retryable = True


class KavenegarTimeout(KavenegarError):
    """No answer in time: the message may or may not have been sent."""

    retryable = True


class TransportError(KavenegarError):
    """The connection failed before any answer (refused, reset, DNS)."""

    retryable = True


# code -> (class, what it means); from Kavenegar's documentation
CODES: dict[int, tuple[type[KavenegarError], str]] = {
    400: (InvalidRequest, "incomplete parameters"),
    401: (AccountError, "account disabled"),
    402: (SendFailed, "operation failed"),
    403: (AccountError, "invalid API key"),
    404: (InvalidRequest, "unknown method"),
    405: (InvalidRequest, "wrong HTTP method"),
    406: (InvalidRequest, "required parameter empty"),
    407: (AccountError, "access denied"),
    409: (RateLimited, "server busy, retry later"),
    411: (BadReceptor, "invalid receptor"),
    412: (InvalidRequest, "invalid sender line"),
    413: (InvalidRequest, "message empty or too long"),
    414: (InvalidRequest, "too many records"),
    417: (InvalidRequest, "invalid date"),
    418: (NoCredit, "not enough credit"),
    419: (InvalidRequest, "array lengths differ"),
    422: (InvalidRequest, "invalid characters"),
    424: (TemplateError, "template missing or not approved"),
    426: (TemplateError, "needs the advanced service"),
    428: (TemplateError, "call not possible for this template"),
    431: (TemplateError, "invalid token"),
    432: (TemplateError, "token missing from template"),
    451: (RateLimited, "too many calls"),
    501: (AccountError, "test account: owner's number only"),
}


def error_for(code: int, message: str = "") -> KavenegarError:
    """The typed error for Kavenegar return status ``code``."""
    cls, meaning = CODES.get(code, (SendFailed, "unknown return status"))
    return cls(code, message or meaning)
