"""Channel-neutral message types: what comes in from a person and what goes back."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Channel(StrEnum):
    """The doors a person can come through."""

    WEB = "web"
    TELEGRAM = "telegram"
    BALE = "bale"
    SMS = "sms"
    CONSOLE = "console"  # a 1420 agent running a flow for a caller


@dataclass(frozen=True, slots=True)
class Contact:
    """A phone contact shared from a messenger's contact button."""

    phone: str
    user_id: str | None = None  # the messenger user the contact belongs to
    first_name: str = ""


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a person did: typed text, pressed a button, or shared a contact.

    ``user`` is the channel's own id for the person (chat id, web user, mobile for SMS);
    ``key`` joins it with the channel so users of two messengers never collide.
    """

    channel: Channel
    user: str
    text: str | None = None
    choice: str | None = None
    contact: Contact | None = None
    message_id: str | None = None
    edited: bool = False  # a messenger edit of an earlier message: an answer only while a question is open
    media: bool = False  # a photo, sticker, voice or file: nothing the engine can read, but it is answered

    @property
    def key(self) -> str:
        return f"{self.channel.value}:{self.user}"


@dataclass(frozen=True, slots=True)
class Choice:
    """A button: ``id`` travels back (at most 64 bytes), ``title`` is shown, ``number`` is its SMS number;
    ``key`` and ``fields`` say which catalog text the title was rendered from (empty when it was not), so a
    transcript can keep just those."""

    id: str
    title: str
    number: int = 0  # on SMS, the number that keeps its meaning within the service (bot.engine.numbering)
    key: str = field(default="", compare=False)
    fields: dict | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Document:
    """A file to hand over: a messenger sends it as a file, SMS and web as its link."""

    url: str
    filename: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Link:
    """A link with a title: a payment page, a certificate's verification page."""

    url: str
    title: str


@dataclass(slots=True)
class Outbound:
    """One message back to the person, rendered by each channel in its own way; ``key`` and ``fields`` say which
    catalog text ``text`` was rendered from (empty when it was not), so a transcript can keep just those."""

    text: str
    choices: list[Choice] = field(default_factory=list)
    request_contact: bool = False
    document: Document | None = None
    links: list[Link] = field(default_factory=list)
    input: str = ""  # the open question's answer is "digits" or an "otp" (the web page's keyboard), else text
    key: str = ""
    fields: dict | None = None

    def as_json(self) -> dict:
        """The shape of ``POST /api/chat``'s messages."""
        out: dict = {"text": self.text, "choices": [{"id": c.id, "title": c.title} for c in self.choices]}
        if self.request_contact:
            out["request_contact"] = True
        if self.document:
            out["document"] = {"url": self.document.url, "filename": self.document.filename}
        if self.links:
            out["links"] = [{"url": link.url, "title": link.title} for link in self.links]
        if self.input:
            out["input"] = self.input
        return out
