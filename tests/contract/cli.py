"""The command line shared by the chat contract servers, to run one by hand for a try-out:
`python -m tests.contract.slack_server --port 8281` (Ctrl-C stops it)."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Sequence


def port_of(name: str, description: str, argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m tests.contract.{name}", description=description
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)"
    )
    return int(parser.parse_args(argv).port)


def serve(lines: Sequence[str]) -> None:
    """Say where the stand-in listens, then serve until interrupted."""
    for line in lines:
        print(line, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopped", flush=True)
