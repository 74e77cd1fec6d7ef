"""Sessions: small, versioned JSON that survives a round trip and does not grow with the talk."""

from bot.engine.session import FlowState, Identity, Session, session_size


def test_round_trip_keeps_everything():
    s = Session(flow=FlowState("pension_status", step=3, awaiting="otp", tries=1, slots={"national_code": "0016383230"}),
                identity=Identity("0016383230", "09120000101", 2_000_000_000.0), choices=["yes", "no"], mobile="0912")
    back = Session.loads(s.dumps())
    assert back.flow.name == "pension_status" and back.flow.awaiting == "otp" and back.flow.tries == 1
    assert back.flow.slots == {"national_code": "0016383230"}
    assert back.identity.national_code == "0016383230" and back.verified() is not None
    assert back.choices == ["yes", "no"]


def test_unknown_version_or_garbage_starts_afresh():
    assert Session.loads('{"v": 99, "f": {"n": "x"}}').flow is None
    assert Session.loads("not json").flow is None
    assert Session.loads(None).flow is None


def test_a_session_in_the_middle_of_a_flow_stays_under_one_kilobyte():
    s = Session(flow=FlowState("sick_pay", step=9, awaiting="sheba", slots={
        "national_code": "0053081617", "mobile": "09120000105", "leave_from": "1405-08-10",
        "leave_to": "1405-08-20", "test_date": "1405-08-10", "test_ref": "14058810", "_run": "a1b2c3d4e5f6"}),
        identity=Identity("0053081617", "09120000105", 2_000_000_000.0),
        choices=[f"svc:{n}" for n in range(11)])
    assert session_size(s) < 1024


def test_an_expired_identity_is_not_verified():
    s = Session(identity=Identity("0016383230", "09120000101", 1.0))
    assert s.verified() is None
