"""Certificate checks and PDFs, payments (with the gateway page), and the event feed."""

from __future__ import annotations

import html

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from integrations.tamin.models import CertificateCheck, EventPage, Payment
from integrations.tamin.simulator import calendar as cal
from integrations.tamin.simulator.errors import not_found
from integrations.tamin.simulator.pdf import certificate_pdf
from integrations.tamin.simulator.routes.deps import world_of
from integrations.tamin.simulator.world import World

router = APIRouter()
CERT = r"^[A-Z0-9-]{4,40}$"
PAYMENT = r"^[A-Z0-9-]{4,40}$"


def check_of(world: World, code: str) -> CertificateCheck:
    """What a verification code proves."""
    cert = world.state.certificates.get(code)
    if cert is None:
        return CertificateCheck(verification_code=code, valid=False)
    return CertificateCheck(verification_code=code, valid=True, kind=cert["kind"], holder=cert["holder"],
                            issued_on=cert["issued_on"], summary=cert["summary"])


@router.get("/v1/certificates/{code}.pdf")
async def certificate_pdf_route(request: Request, code: str = Path(pattern=CERT)) -> Response:
    """The certificate as a PDF."""
    world = world_of(request)
    cert = world.state.certificates.get(code)
    if cert is None:
        raise not_found("unknown_certificate", "no certificate with this code")
    person = world.registry.get(cert["national_code"], {})
    payments = cert["data"].get("last_payments") or [{}]
    data = {**cert["data"], "verification_code": code, "issued_on": cert["issued_on"],
            "holder": cert["holder"], "summary": cert["summary"], "first_name": person.get("first_name"),
            "last_name": person.get("last_name"), "last_payment_date": payments[0].get("date"),
            "last_payment_amount": payments[0].get("amount"), "verify_url": world.verify_url(code)}
    return Response(certificate_pdf(cert["kind"], data), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{code}.pdf"'})


@router.get("/v1/certificates/{code}")
async def verify_certificate(request: Request, code: str = Path(pattern=CERT)) -> CertificateCheck:
    """What a verification code proves (unknown: not valid)."""
    return check_of(world_of(request), code)


@router.get("/verify/{code}", include_in_schema=False)
async def verify_page(code: str, request: Request) -> CertificateCheck:
    """The public check behind a certificate's verify_url (JSON)."""
    return check_of(world_of(request), code)


def payment_of(world: World, payment_id: str) -> Payment:
    """A payment order (NotFound unknown_payment)."""
    payment = world.state.payments.get(payment_id)
    if payment is None:
        raise not_found("unknown_payment", "no such payment")
    return payment


def settle(world: World, payment_id: str) -> Payment:
    """Mark a payment paid and apply what it pays for."""
    payment = payment_of(world, payment_id)
    if payment.state == "paid":
        return payment
    today = cal.fmt(world.today())
    paid = payment.model_copy(update={"state": "paid", "paid_on": today})
    world.state.payments[payment_id] = paid
    target = world.state.payment_targets.get(payment_id, {})
    if "workshop" in target:
        shop = world.workshops[target["workshop"]]
        shop["debts"] = [d for d in shop.get("debts", []) if d["id"] not in target["items"]]
        shop.setdefault("ledger", []).append({"date": today, "kind": "payment", "ref": payment_id,
                                              "amount": payment.amount})
    if "military" in target:
        world.people[target["military"]].setdefault("military_service", {})["credited"] = True
    world.emit("payment_received", payment_id=payment_id, purpose=payment.purpose, amount=payment.amount,
               **({"workshop": target["workshop"]} if "workshop" in target else {}))
    return paid


@router.get("/v1/payments/{payment_id}")
async def payment(request: Request, payment_id: str = Path(pattern=PAYMENT)) -> Payment:
    """A payment order and its state."""
    return payment_of(world_of(request), payment_id)


PAGE = """<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8">
<title>درگاه پرداخت (شبیه‌ساز)</title></head><body style="font-family:sans-serif;max-width:30em;margin:3em auto">
<h1>درگاه پرداخت تأمین اجتماعی (شبیه‌ساز)</h1><p>شناسه پرداخت: {id}</p><p>مبلغ: {amount} ریال</p>
<p>وضعیت: {state}</p>{form}</body></html>"""


def page(payment: Payment) -> HTMLResponse:
    """The tiny gateway page."""
    form = "" if payment.state == "paid" else (
        f'<form method="post" action="{html.escape(payment.payment_id)}"><button>پرداخت</button></form>')
    state = "پرداخت شده" if payment.state == "paid" else "در انتظار پرداخت"
    return HTMLResponse(PAGE.format(id=html.escape(payment.payment_id), amount=f"{payment.amount:,}", state=state,
                                    form=form))


@router.get("/pay/{payment_id}", include_in_schema=False)
async def pay_page(payment_id: str, request: Request) -> HTMLResponse:
    """The payment gateway page behind payment_url."""
    return page(payment_of(world_of(request), payment_id))


@router.post("/pay/{payment_id}", include_in_schema=False)
async def pay_submit(payment_id: str, request: Request) -> HTMLResponse:
    """Pay from the gateway page."""
    return page(settle(world_of(request), payment_id))


@router.get("/v1/events")
async def events(request: Request, after: str | None = Query(default=None, pattern=r"^[0-9]{1,12}$"),
                 limit: int = Query(default=100, ge=1, le=500)) -> EventPage:
    """Events after a cursor, oldest first."""
    world = world_of(request)
    start = int(after or 0)
    page_events = [e for e in world.state.events if int(e.id) > start][:limit]
    cursor = page_events[-1].id if page_events else after
    return EventPage(events=page_events, cursor=cursor)
