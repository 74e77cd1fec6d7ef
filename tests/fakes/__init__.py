"""Stand-ins for the outside systems the channels talk to, as real HTTP servers on loopback."""
