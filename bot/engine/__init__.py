"""The dialogue engine: message types, the dialogue loop, sessions and locks."""
