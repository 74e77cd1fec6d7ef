"""Commands that compose the whole app (they may import bot.app; nothing imports them but bot.cli)."""
