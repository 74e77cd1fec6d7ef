"""The ``tamin-bot`` command: serve, chat, worker, nlu, simulator, notify, console."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys


def _serve(args: argparse.Namespace) -> None:
    from bot.logs import setup_logging

    setup_logging()
    if args.workers > 1:  # several processes: sessions must live in Redis
        from bot.serve import run_processes

        run_processes(args.host, args.port, args.workers)
        return
    from bot.serve import serve_one
    from bot.settings import settings_for_serving

    serve_one(args.host, args.port, reuse_port=args.reuse_port,
              settings=settings_for_serving(f"http://{args.host}:{args.port}"))


def _chat(args: argparse.Namespace) -> None:
    from bot.terminal import run_chat

    asyncio.run(run_chat(user=args.user))


def _simulator(args: argparse.Namespace) -> None:
    import uvicorn

    from integrations.tamin.simulator import create_app

    public = args.public_base or f"http://{args.host}:{args.port}"
    uvicorn.run(create_app(public_base=public), host=args.host, port=args.port, log_level="warning")


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="tamin-bot", description="Tamin conversational front door")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the bot's HTTP server (web chat, API, webhooks)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=1, help="processes (more than one needs REDIS_URL)")
    serve.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
    serve.set_defaults(func=_serve)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--user", default="terminal")
    chat.set_defaults(func=_chat)

    sim = sub.add_parser("simulator", help="serve the back-end simulator over HTTP")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8090)
    sim.add_argument("--public-base", default=None)
    sim.set_defaults(func=_simulator)

    for module in ("bot.nlu.cli", "bot.commands.worker", "bot.commands.notify", "bot.console.cli"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        mod.add_arguments(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``tamin-bot``."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    result = args.func(args)
    if isinstance(result, int):
        sys.exit(result)


if __name__ == "__main__":
    main()
