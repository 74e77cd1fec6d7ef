"""15.1: a payout goes only to a Sheba account held under the claimant's own national code."""

from __future__ import annotations

import logging

import httpx
import pytest
from tamin_helpers import NC, key, sheba

from integrations.tamin.client import TaminClient
from integrations.tamin.errors import InvalidInput, NotEligible

LEAVE = ("1405-08-10", "1405-08-20", "1405-08-10", "LAB-1")
OWNED = sheba()  # one of worker-insured's accounts in data/simulator/extra.yml
ANOTHERS = sheba("0190000000000089820673")  # worker-short-record's account
NOBODYS = sheba("0560000000000000000042")  # valid check digits, held by nobody the banks know


async def test_the_claimants_own_account_is_paid(client: TaminClient) -> None:
    claim = await client.sick_pay_claim(NC["worker-insured"], *LEAVE, OWNED, key())
    assert claim.tracking_number.startswith("SP-")
    assert claim.sheba_masked == OWNED[:4] + "…" + OWNED[-4:] and OWNED not in claim.model_dump_json()


@pytest.mark.parametrize("iban", [ANOTHERS, NOBODYS], ids=["another persons", "nobodys"])
async def test_a_foreign_account_is_refused_and_nothing_filed(client: TaminClient, iban: str) -> None:
    with pytest.raises(NotEligible) as exc:
        await client.sick_pay_claim(NC["worker-insured"], *LEAVE, iban, key())
    assert exc.value.kind == "not_eligible" and exc.value.reason == "iban_not_owned"
    assert exc.value.details["sheba_masked"] == iban[:4] + "…" + iban[-4:]
    assert iban not in repr(exc.value.details)
    assert (await client.sick_pay_eligibility(NC["worker-insured"])).claim is None  # nothing was filed
    claim = await client.sick_pay_claim(NC["worker-insured"], *LEAVE, OWNED, key())  # the owned one still files
    assert claim.tracking_number


async def test_the_refusal_holds_on_every_door(sim_url: str) -> None:
    """Whatever door the bot serves, the back-end itself refuses: a raw HTTP claim with no bot at all."""
    body = dict(zip(("leave_from", "leave_to", "test_date", "test_ref"), LEAVE, strict=True), sheba=ANOTHERS)
    response = httpx.post(f"{sim_url}/v1/persons/{NC['worker-insured']}/sick-pay/claims", json=body,
                          headers={"Idempotency-Key": key()})
    assert response.status_code == 422 and response.json()["error"]["reason"] == "iban_not_owned"
    assert ANOTHERS not in response.text


async def test_a_bad_sheba_is_still_invalid_first(client: TaminClient) -> None:
    with pytest.raises(InvalidInput) as exc:
        await client.sick_pay_claim(NC["worker-insured"], *LEAVE, "IR000000000000000000000000", key())
    assert exc.value.reason == "bad_sheba"


async def test_the_inquiry_answers_before_confirming(client: TaminClient) -> None:
    mine = await client.iban_owner(NC["worker-insured"], OWNED)
    assert mine.owned and mine.iban_masked == OWNED[:4] + "…" + OWNED[-4:]
    spaced = " ".join(OWNED[i:i + 4] for i in range(0, len(OWNED), 4)).lower()
    assert (await client.iban_owner(NC["worker-insured"], spaced)).owned  # as a person types it
    assert not (await client.iban_owner(NC["worker-insured"], ANOTHERS)).owned
    assert (await client.iban_owner(NC["worker-short-record"], ANOTHERS)).owned
    with pytest.raises(InvalidInput):
        await client.iban_owner(NC["worker-insured"], "IR12")


async def test_every_persona_with_a_record_holds_an_account(client: TaminClient) -> None:
    from tamin_helpers import PERSONAS

    from integrations.tamin.simulator.world import World

    world = World()
    for name, person in PERSONAS["people"].items():
        if person.get("mobile") and not person.get("not_in_records"):
            assert person["national_code"] in world.iban_owners.values(), name


async def test_no_log_line_shows_an_iban(client: TaminClient, sim: httpx.Client,
                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sim.post("/_sim/faults", json={"mode": "fail", "path_prefix": "/v1/banking"}).raise_for_status()
    with pytest.raises(Exception):  # noqa: B017 - Down after retries, logged
        await client.iban_owner(NC["worker-insured"], OWNED)
    with pytest.raises(NotEligible):
        await client.sick_pay_claim(NC["worker-insured"], *LEAVE, ANOTHERS, key())
    ours = [r for r in caplog.records if r.name.startswith("integrations")]  # httpx's own lines: bot/logs masks them
    logged = "\n".join(r.getMessage() for r in ours)
    assert ours and OWNED not in logged and ANOTHERS not in logged and OWNED[4:] not in logged
    assert NC["worker-insured"] not in logged


async def test_the_accounts_are_listed_masked_and_another_persons_handle_pays_nothing(client: TaminClient) -> None:
    mine = await client.bank_accounts(NC["worker-insured"])
    assert [a.iban_masked for a in mine][0] == "IR49…7890" and len(mine) == 4
    assert all("…" in a.iban_masked and a.account_id.startswith("ACC-") for a in mine)
    theirs = (await client.bank_accounts(NC["worker-short-record"]))[0]
    with pytest.raises(InvalidInput) as exc:
        await client.sick_pay_claim(NC["worker-insured"], *LEAVE, None, key(), account_id=theirs.account_id)
    assert exc.value.reason == "unknown_account"
    claim = await client.sick_pay_claim(NC["worker-insured"], *LEAVE, None, key(), account_id=mine[0].account_id)
    assert claim.sheba_masked == "IR49…7890"
