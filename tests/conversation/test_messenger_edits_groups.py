"""Telegram edits and group chats over the real webhook: an edit answers the open question; a group gets one line."""

from __future__ import annotations

import time

from tests.channels.support import TG_TOKEN, MessengerUser, message, wait_new


def _edit(user: MessengerUser, original: dict, text: str) -> list[dict]:
    msg = {**original["message"], "text": text, "edit_date": int(time.time())}
    return user.turn({"edited_message": msg})


def test_an_edit_of_a_mistyped_national_code_is_the_new_answer(doors_bot, fake_bot_api):
    user = MessengerUser(doors_bot, fake_bot_api, "telegram", "edit-nc")
    user.say("/start")
    asked = user.press("svc:pension_status")
    assert "کد ملی" in asked[-1]["text"], asked
    typo = user.text_update("00163832")
    answer = user.turn(typo)
    assert "کد ملی" in answer[-1]["text"], answer
    answer = _edit(user, typo, "0016383230")
    assert "همراه" in answer[-1]["text"] and answer[-1]["contact"], answer


def test_an_edit_with_no_open_question_gets_a_short_reply(doors_bot, fake_bot_api):
    user = MessengerUser(doors_bot, fake_bot_api, "telegram", "edit-late")
    first = user.text_update("سلام")
    user.turn(first)
    answer = _edit(user, first, "سلام خوبید")
    assert len(answer) == 1 and "ویرایش" in answer[0]["text"], answer


def test_a_group_message_gets_one_line_asking_to_write_privately(doors_bot, fake_bot_api):
    user = MessengerUser(doors_bot, fake_bot_api, "telegram", "group")
    group = -1001234567
    update = {"message": {"message_id": 77, "date": int(time.time()), "from": user._user(), "text": "مستمری من چقدره",
                          "chat": {"id": group, "type": "supergroup", "title": "گروه خانوادگی"}}}
    assert user.post(update).status_code == 200
    out = [message(c) for c in wait_new(lambda: fake_bot_api.sent_to(group, TG_TOKEN), 0)]
    assert len(out) == 1 and "خصوصی" in out[0]["text"] and "\n" not in out[0]["text"], out
    assert not user.sent()  # nothing personal anywhere


def test_a_sticker_at_an_open_question_is_answered_and_the_question_asked_again(doors_bot, fake_bot_api):
    user = MessengerUser(doors_bot, fake_bot_api, "bale", "sticker-mid")
    user.say("/start")
    asked = user.press("svc:pension_status")
    assert "کد ملی" in asked[-1]["text"], asked
    sticker = user.text_update("")
    sticker["message"].pop("text", None)
    sticker["message"]["sticker"] = {"file_id": "st1", "file_unique_id": "u1", "type": "regular",
                                     "width": 512, "height": 512, "is_animated": False, "is_video": False}
    answer = user.turn(sticker)
    text = "\n".join(m["text"] for m in answer)
    assert "نوشتاری" in text and "کد ملی" in answer[-1]["text"], answer
    answer = user.say("0016383230")  # the question still stands: the code is taken
    assert "همراه" in answer[-1]["text"], answer
