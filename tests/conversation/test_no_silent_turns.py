"""No silent turns: declining the certificate gets the flow's closing line and the menu, on every door."""

from __future__ import annotations

from tests.channels.support import SmsUser

RETIRED = ("0016383230", "09120000101")  # pensioner-retired


def test_declining_the_certificate_in_the_web_chat(chat):
    chat.say("منو")
    chat.press("مستمری")
    answer = chat.verify(*RETIRED)
    assert "گواهی" in answer, answer
    answer = chat.say("نه ممنون")
    assert "گواهی صادر نشد" in answer, answer
    if "خیر" in chat.choices():  # a request this person left open elsewhere (another test, another door) is offered
        chat.press("خیر")
    assert any("مستمری" in c for c in chat.choices()) and len(chat.choices()) > 5, chat.choices()


def test_declining_the_certificate_by_sms(doors_bot, fake_sms):
    user = SmsUser(doors_bot, fake_sms, RETIRED[1])
    menu = user.say("منو")
    option = next(line.split()[0] for line in menu[0].splitlines() if "مستمری" in line and line[0].isdigit())
    user.say(option)
    result = "\n".join(user.say(RETIRED[0]))
    assert "گواهی صادر شود" in result, result
    answer = "\n".join(user.say("۲"))
    assert "گواهی صادر نشد" in answer and "۱ " in answer, answer  # the closing line, then the numbered menu
