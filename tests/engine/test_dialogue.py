"""The dialogue loop through the web chat: commands anywhere, digressions, fallbacks, resuming."""

from __future__ import annotations

from tests.support.chat import plain

RETIRED = ("0016383230", "09120000101")


def test_a_national_code_given_with_the_request_is_not_asked_again(chat):
    answer = chat.say("وضعیت مستمری من با کد ملی ۰۰۱۶۳۸۳۲۳۰")
    assert "شماره همراه" in answer and "کد ملی ده‌رقمی" not in answer


def test_cancel_mid_flow_leaves_cleanly(chat):
    chat.say("مستمری")
    chat.say(RETIRED[0])
    answer = chat.say("لغو")
    assert "لغو شد" in answer
    after = chat.say("09120000101")  # no longer an answer to anything: not taken as a mobile
    assert "کد تأیید" not in after


def test_a_question_mid_flow_is_answered_and_the_same_question_comes_back(chat):
    chat.say("مستمری")
    answer = chat.say("چه مدارکی لازم است؟")
    assert "مدرکی لازم نیست" in answer
    assert "کد ملی" in answer  # the open question is asked again
    assert "شماره همراه" in chat.say(RETIRED[0])


def test_menu_mid_flow_then_resume_where_it_was(chat):
    chat.say("مستمری")
    chat.say(RETIRED[0])
    menu = chat.say("منو")
    assert any("مستمری" in c for c in chat.choices()), menu
    back = chat.say("بله")  # «yes» to going on with the unfinished request
    assert "شماره همراه" in back


def test_two_misunderstandings_lead_to_clarification_then_a_human(chat):
    first = chat.say("قورمه سبزی امشب چی بپزم")
    assert "متوجه نشدم" in first or "منظورتان" in first
    second = chat.say("هوای فردا بارانی است؟")
    assert "۱۴۲۰" in second and "کارشناس" in second


def test_a_stale_button_is_refused_politely(chat):
    chat.say("سلام")
    answer = chat._post({"choice": "opt:forged"}, "[forged]")
    assert "معتبر نیست" in answer


def test_help_works_anywhere(chat):
    chat.say("مستمری")
    answer = chat.say("راهنما")
    assert "لغو" in answer and "منو" in answer


def test_wrong_national_codes_are_explained_each_time(chat):
    chat.say("مستمری")
    assert "ده رقم" in chat.say("۱۲۳۴۵")
    assert "معتبر نیست" in chat.say("0016383231")
    assert "شماره همراه" in chat.say("٠٠١٦٣٨٣٢٣٠")  # Arabic-Indic digits are fine


def test_a_suspended_pension_is_explained_and_no_active_certificate_is_offered(chat):
    chat.say("مستمری")
    answer = chat.verify("0041021150", "09120000104")
    assert "۱۴۰۵/۰۶/۰۱" in answer and "معلق" in answer
    assert "برقرار است" not in answer and not any("گواهی" in c for c in chat.choices())


def test_survivor_and_disability_pensions(bot_url):
    from tests.support.chat import Chat

    for nc, mobile, amount in (("0023564806", "09120000102", "98760000"), ("0036064548", "09120000103", "142300000")):
        c = Chat(bot_url)
        c.say("مستمری")
        assert amount in plain(c.verify(nc, mobile))


def test_unknown_person_gets_a_clear_answer_and_nothing_else(chat):
    chat.say("مستمری")
    answer = chat.verify("0229124070", "09120000199")
    assert "سابقه‌ای" in answer and "ریال" not in answer


def test_an_identity_once_proven_is_not_asked_again_in_the_same_conversation(chat):
    chat.say("مستمری")
    chat.verify(*RETIRED)
    chat.press("خیر")
    again = chat.say("مستمری")
    assert "185432000" in plain(again) and "کد ملی" not in again


def test_a_returning_person_is_offered_their_unfinished_request_first(chat):
    chat.say("مستمری")
    chat.say(RETIRED[0])
    chat.say("منو")
    chat.say("سلام")
    assert "ادامه درخواست نیمه‌تمام" in chat.choices()[0]
    assert "شماره همراه" in chat.press("ادامه درخواست")
