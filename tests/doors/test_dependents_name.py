"""Adding a dependent: the confirmation names the person (from the civil registry), not only their code."""

from __future__ import annotations

from tests.support.chat import Chat


def test_the_confirmation_names_the_person_being_added(bot_url):
    chat = Chat(bot_url)
    chat.say("افراد تبعی")
    chat.say("0053081617")
    chat.say("09120000105")
    listed = chat.say(chat.otp("09120000105"))
    assert "مریم" in listed, listed
    chat.press("بله")
    chat.press("فرزند")
    summary = chat.say("0192658425")
    assert "امید نوری" in summary and "۰۱۹۲۶۵۸۴۲۵" in summary, summary
    chat.close()
