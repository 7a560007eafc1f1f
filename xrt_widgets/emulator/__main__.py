"""``python -m xrt_widgets.emulator``: run the local UKSSDC emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from typing import Any

from . import DEMO_DURATIONS, Emulator


def _durations(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in filter(None, text.split(",")):
        name, _, value = item.partition("=")
        parts = [float(v) for v in value.split(":")]
        out[name.strip()] = parts[0] if len(parts) == 1 else tuple(parts)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xrt_widgets.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    parser.add_argument(
        "--durations",
        type=_durations,
        default=None,
        help="per product, seconds running or requested:queued:running, e.g. lc=600,image=1:1:3",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the demo durations (minutes; Image complete at once); --durations overrides",
    )
    parser.add_argument("--reply-delay", type=float, default=0.0, help="seconds to wait before each reply")
    parser.add_argument("--state-file", default=None, help="keep jobs in this JSON file across restarts")
    parser.add_argument(
        "--string-job-ids",
        action="store_true",
        help='send JobIDs as strings of digits ("951"), as the real service is shown doing',
    )
    args = parser.parse_args(argv)
    durations = dict(DEMO_DURATIONS) if args.demo else {}
    durations.update(args.durations or {})
    emu = Emulator(
        host=args.host,
        port=args.port,
        durations=durations or None,
        reply_delay=args.reply_delay,
        state_file=args.state_file,
        string_job_ids=args.string_job_ids,
    ).start()
    print(f"UKSSDC emulator serving at {emu.base_url}", flush=True)
    print(f"  export XRT_WIDGETS_BASE_URL={emu.base_url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
