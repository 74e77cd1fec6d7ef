"""Rendering a turn for messengers (merged texts, keyboards, splits) and for SMS (menus, segments)."""

from __future__ import annotations

import re

from basics.bidi import bare
from bot.channels import render_messenger as rm
from bot.channels import render_sms as rs
from bot.engine.messages import Choice, Document, Link, Outbound

MENU = ["مستمری", "ارتباط بیمه‌ای", "غرامت بیماری", "سربازی", "بیمه اختیاری", "افراد تبعی", "ماه‌های کسری",
        "بدهی کارگاه", "اعتراض به بدهی", "ابلاغ الکترونیک", "مفاصاحساب ماده ۳۸"]


def test_texts_merge_into_the_message_with_buttons():
    ops = rm.render([Outbound("اول"), Outbound("دوم"), Outbound("سوم؟", [Choice("yes", "بله"), Choice("no", "خیر")])])
    assert len(ops) == 1
    assert ops[0]["text"] == "اول\n\nدوم\n\nسوم؟"
    assert ops[0]["inline"] == [[{"text": "بله", "data": "yes"}, {"text": "خیر", "data": "no"}]]


def test_long_titles_get_a_row_each():
    ops = rm.render([Outbound("?", [Choice("a", "گواهی ارتباط بیمه‌ای و سابقه"), Choice("b", "بدهی")])])
    assert [len(row) for row in ops[0]["inline"]] == [1, 1]


def test_contact_request_is_a_one_button_reply_keyboard():
    ops = rm.render([Outbound("شماره همراه؟", request_contact=True)])
    assert ops == [{"t": "text", "text": "شماره همراه؟", "inline": None, "contact": "📱 ارسال شماره همراه من"}]


def test_long_text_is_split_under_4096():
    text = "\n".join("خط شماره " + str(i) + " " + "الف" * 40 for i in range(300))
    ops = rm.render([Outbound(text, [Choice("x", "منو")])])
    assert len(ops) > 1 and all(len(op["text"]) < 4096 for op in ops)
    assert ops[-1]["inline"] and all(op["inline"] is None for op in ops[:-1])
    assert bare("\n".join(op["text"] for op in ops)).replace("\n", "") == text.replace("\n", "")


def test_document_with_caption_and_fallback_link():
    doc = Document("http://x/cert.pdf", "cert.pdf")
    ops = rm.render([Outbound("گواهی صادر شد.", document=doc, links=[Link("http://x/cert.pdf", "دانلود"),
                                                                       Link("http://x/verify", "استعلام")])])
    assert ops[0]["t"] == "doc" and ops[0]["caption"].startswith("گواهی صادر شد.")
    assert "http://x/verify" in ops[0]["caption"] and "http://x/cert.pdf" in ops[0]["fallback"]


def test_sms_menu_is_numbered_in_persian_digits_and_fits_one_sms():
    out = rs.render([Outbound("شماره خدمت را بفرستید: 🌿", [Choice(f"svc:{i}", t) for i, t in enumerate(MENU)])])
    assert len(out) == 1 and len(out[0]) <= 268
    lines = out[0].splitlines()
    assert lines[1] == "۱ مستمری" and lines[-1] == "۱۱ مفاصاحساب ماده ۳۸"
    assert "🌿" not in out[0] and "  " not in out[0]


def test_sms_numbers_run_across_the_turn_and_no_other_line_starts_with_a_digit():
    outs = [Outbound("مبلغ ماهانه:\n۱۸۵٬۴۳۲٬۰۰۰ ریال"), Outbound("گواهی صادر شود؟", [Choice("yes", "بله"), Choice("no", "خیر")]),
            Outbound("یا:", [Choice("cmd:menu", "منو")])]
    text = "\n".join(rs.render(outs))
    menu = re.findall(r"^\s*([0-9۰-۹]+)\s*(.+)$", text, re.M)
    assert menu == [("۱", "بله"), ("۲", "خیر"), ("۳", "منو")]


def test_sms_is_split_at_lines_only_when_over_268():
    long = [Outbound("\n".join(f"جمله‌ای نسبتاً طولانی درباره موضوع شماره {i} برای آزمون" for i in range(12)))]
    out = rs.render(long)
    assert len(out) > 1 and all(len(t) <= 268 for t in out)
    assert sum(rs.segments(t) for t in out) <= rs.segments("\n".join(out)) + len(out)


def test_segments():
    assert rs.segments("a" * 160) == 1 and rs.segments("a" * 161) == 2
    assert rs.segments("س" * 70) == 1 and rs.segments("س" * 71) == 2 and rs.segments("س" * 268) == 4
