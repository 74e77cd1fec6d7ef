"""Acting on a notice at once: an SMS reply «۱» opens the flow; a campaign file resumes where it stopped."""

from __future__ import annotations

import csv

from bot.engine.messages import Channel, Inbound
from tests.notify.conftest import drain
from tests.notify.events import CONTRACTOR_MOBILE, article38


async def test_replying_one_to_an_sms_notice_opens_the_certificate_flow(make_notify, kavenegar):
    from bot.app import build_engine
    from bot.settings import Settings

    notify = make_notify()
    await notify.prepare()
    await notify.intake.accept([article38()], "webhook")
    await drain(notify)
    [text] = kavenegar.texts_to(CONTRACTOR_MOBILE)
    assert "۱ را بفرستید" in text
    session = await notify.store.load(f"sms:{CONTRACTOR_MOBILE}")
    assert session.choices == ["svc:article38|contract=1404-3817"]

    engine = build_engine(Settings(), store=notify.store)
    await engine.handle(Inbound(Channel.SMS, CONTRACTOR_MOBILE, text="۱"))
    after = await notify.store.load(f"sms:{CONTRACTOR_MOBILE}")
    assert after.flow is not None and after.flow.name == "article38"
    assert after.flow.slots.get("contract") == "1404-3817"


async def test_no_reply_numbers_while_a_service_is_in_progress(make_notify, kavenegar):
    from bot.engine.session import FlowState, Session

    notify = make_notify()
    await notify.prepare()
    await notify.store.save(f"sms:{CONTRACTOR_MOBILE}", Session(flow=FlowState("pension_status"),
                                                                choices=["yes", "no"]))
    await notify.intake.accept([article38()], "webhook")
    await drain(notify)
    [text] = kavenegar.texts_to(CONTRACTOR_MOBILE)
    assert "بفرستید" not in text and "۱۴۰۴-۳۸۱۷" in text
    assert (await notify.store.load(f"sms:{CONTRACTOR_MOBILE}")).choices == ["yes", "no"]


async def test_a_campaign_resumes_and_skips_what_the_ledger_has(make_notify, kavenegar, tmp_path):
    from bot.notify import campaign

    path = tmp_path / "notices.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["event_id", "type", "national_code", "mobile", "contract", "number", "date"])
        for i in range(40):
            w.writerow([f"A38-{i}", "article38_certificate_issued", f"{2000000000 + i}", f"0914000{i:04d}",
                        "1404-3817", f"38-1405-{i:04d}", "1405-09-03"])
    notify = make_notify()
    seen: list[campaign.Progress] = []
    first = await campaign.run(notify, path, "c1", workers=0, wait=False, report=lambda s, p: seen.append(p))
    assert (first.done, first.total) == (0, 40)
    await drain(notify)
    again = await campaign.run(notify, path, "c1", workers=1, report=lambda s, p: seen.append(p))
    assert (again.done, again.total) == (40, 40)
    assert len(kavenegar.messages()) == 40
    assert seen[-1].left_seconds in (0, 0.0, None)
