"""Events the notification tests send, with the personas' real codes and mobiles."""

from __future__ import annotations

from bot.notify.model import BackendEvent

CONTRACTOR_NC, CONTRACTOR_MOBILE = "0183067045", "09120000116"
EMPLOYER_NC, EMPLOYER_MOBILE = "0158165667", "09120000113"


def article38(eid: str = "E38-1", nc: str = CONTRACTOR_NC, mobile: str = CONTRACTOR_MOBILE) -> BackendEvent:
    """An Article 38 certificate issued for contract 1404-3817, to its contractor."""
    return BackendEvent(eid, "article38_certificate_issued", {
        "contract": "1404-3817", "number": "38-1405-0100", "date": "1405-09-03",
        "recipients": [{"national_code": nc, "mobile": mobile, "role": "contractor"}]})


def debt(eid: str = "ED-1", nc: str = EMPLOYER_NC, mobile: str = EMPLOYER_MOBILE, deadline: str | None = None
         ) -> BackendEvent:
    """A new debt of workshop 1012345678 for its employer."""
    payload = {"workshop": "1012345678", "id": "D9", "amount": 185432000, "period": "1405-08",
               "recipients": [{"national_code": nc, "mobile": mobile}]}
    if deadline:
        payload["deadline"] = deadline
    return BackendEvent(eid, "debt_raised", payload)
