"""Run the simulator: python -m integrations.tamin.simulator --port 8090."""

from __future__ import annotations

import argparse

import uvicorn

from integrations.tamin.simulator.app import create_app


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(prog="python -m integrations.tamin.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--personas", default=None, help="personas.yml (default: $TAMIN_DATA_DIR/personas.yml)")
    parser.add_argument("--today", default=None, help="fix 'today' (Jalali YYYY-MM-DD)")
    parser.add_argument("--public-base", default=None, help="base of payment and certificate links")
    parser.add_argument("--verify-base", default=None,
                        help="the bot's public address, where certificates' verify links point")
    args = parser.parse_args(argv)
    public_base = args.public_base or f"http://{args.host}:{args.port}"
    app = create_app(args.personas, now=args.today, public_base=public_base, verify_base=args.verify_base)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
