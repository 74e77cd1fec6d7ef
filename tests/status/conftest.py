"""The status tests borrow the notify tests' fixtures: Redis db 9 (flushed), a migrated ledger, the fakes."""

from tests.notify.conftest import bot_api, database, kavenegar, make_notify, redis9  # noqa: F401
