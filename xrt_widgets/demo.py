"""``python -m xrt_widgets.demo``: the cancel panel in JupyterLab (or Voila) against a local emulator.

The demo notebooks ship inside the package (``xrt_widgets/notebooks/``). The
command copies them into a working folder (``xrt_widgets_demo`` in the
current folder, or ``--dir``), keeping any copy already there, so the user's
edits never touch the installed files and survive the next run. It then
starts the UKSSDC emulator as its own process, and JupyterLab on that folder
(or Voila on ``cancel_demo.ipynb`` with ``--voila``) with
``XRT_WIDGETS_BASE_URL`` pointing at the emulator, prints the URL to open,
and stops both on Ctrl-C or SIGTERM. It needs no checkout: ``pip install
"xrt_widgets[demo]"`` is enough. The process helpers here (free ports, server
command lines, readiness probes, process-group shutdown) are also what the
browser-test fixtures use, so the demo and the tests start servers one way."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

__all__ = [
    "REPO_ROOT",
    "NOTEBOOKS_DIR",
    "DEMO_NOTEBOOK",
    "DEFAULT_WORKDIR",
    "copy_notebooks",
    "free_port",
    "child_env",
    "start_emulator",
    "lab_command",
    "voila_command",
    "wait_for_http",
    "stop_process",
    "main",
]

#: The folder holding the ``xrt_widgets`` package (the repository root in a checkout).
REPO_ROOT = Path(__file__).resolve().parent.parent
#: The demo notebooks, shipped as package data; never served or written to directly.
NOTEBOOKS_DIR = Path(__file__).resolve().parent / "notebooks"
#: The notebook the demo opens.
DEMO_NOTEBOOK = NOTEBOOKS_DIR / "cancel_demo.ipynb"
#: The working folder the notebooks are copied into, relative to the current folder.
DEFAULT_WORKDIR = Path("xrt_widgets_demo")
#: Whether this module runs from a checkout (rather than an installed wheel).
_IN_CHECKOUT = (REPO_ROOT / "pyproject.toml").is_file()

_EMULATOR_URL = re.compile(r"UKSSDC emulator serving at (\S+)")
_Sink = int | IO[bytes] | None


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that was free on ``host`` a moment ago.

    Parameters
    ----------
    host : str
        The address the port will be bound on.

    Returns
    -------
    int
        The port number. Pair it with a server option that fails on a clash
        (``--port-retries=0``) rather than silently moving elsewhere.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def child_env(extra: Mapping[str, str] | None = None, *, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return an environment for a server process that can import this package.

    Parameters
    ----------
    extra : mapping, optional
        Variables to set on top (for example ``XRT_WIDGETS_BASE_URL``); a
        kernel started by the server inherits them.
    base : mapping, optional
        The environment to start from; ``os.environ`` by default.

    Returns
    -------
    dict
        A new environment. In a checkout, :data:`REPO_ROOT` comes first on
        ``PYTHONPATH``, so a kernel whose working folder is elsewhere still
        imports ``xrt_widgets`` from this checkout; an installed package is
        found by the server's own interpreter, which its kernels share.
    """
    env = dict(os.environ if base is None else base)
    if _IN_CHECKOUT:
        paths = [str(REPO_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def copy_notebooks(workdir: Path, *, source: Path = NOTEBOOKS_DIR) -> tuple[list[str], list[str]]:
    """Copy the shipped demo notebooks into ``workdir``, keeping any copy already there.

    Parameters
    ----------
    workdir : Path
        The user's working folder; made if missing.
    source : Path
        The folder of notebooks to copy (the package's own by default).

    Returns
    -------
    (list of str, list of str)
        The names copied now, and the names kept because ``workdir`` already
        had them (the user's copies, perhaps edited: never overwritten).

    Raises
    ------
    FileNotFoundError
        If ``source`` holds no notebook (a package installed without its data).
    """
    shipped = sorted(source.glob("*.ipynb"))
    if not shipped:
        raise FileNotFoundError(f"no demo notebooks in {source}: reinstall xrt_widgets")
    workdir.mkdir(parents=True, exist_ok=True)
    copied, kept = [], []
    for notebook in shipped:
        target = workdir / notebook.name
        if target.exists():
            kept.append(notebook.name)
        else:
            shutil.copyfile(notebook, target)
            copied.append(notebook.name)
    return copied, kept


def start_emulator(
    args: Sequence[str] = (),
    *,
    log: Path,
    env: Mapping[str, str] | None = None,
    stderr: _Sink = None,
    timeout: float = 20.0,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``python -m xrt_widgets.emulator`` in its own process group and wait for its URL.

    Parameters
    ----------
    args : sequence of str
        Extra command-line arguments, e.g. ``["--durations", "image=0:0:0.5"]``.
        ``--port`` defaults to 0, which lets the emulator pick a free port
        itself (no race with other processes).
    log : Path
        A file that receives the emulator's standard output; the base URL is
        read from it.
    env : mapping, optional
        The process environment; :func:`child_env` by default.
    stderr : file, int or None
        Where the emulator's standard error goes (None: inherited).
    timeout : float
        Seconds to wait for the URL before giving up.

    Returns
    -------
    (subprocess.Popen, str)
        The process and its base URL (ending in ``/user_objects``).

    Raises
    ------
    RuntimeError
        If the emulator exits or prints no URL in time; it is stopped first.
    """
    args = list(args)
    if "--port" not in args and not any(a.startswith("--port=") for a in args):
        args += ["--port", "0"]
    cmd = [sys.executable, "-m", "xrt_widgets.emulator", *args]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else child_env(),
            cwd=REPO_ROOT if _IN_CHECKOUT else None,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    match = None
    try:
        while time.monotonic() < deadline:
            match = _EMULATOR_URL.search(log.read_text(errors="replace"))
            if match:
                return proc, match.group(1)
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        if not match:  # an error, a timeout or Ctrl-C: leave nothing running
            stop_process(proc)
    raise RuntimeError(
        f"the emulator did not report its URL ({' '.join(cmd)}); output:\n{log.read_text(errors='replace')}"
    )


def lab_command(
    root_dir: Path,
    *,
    port: int,
    token: str,
    host: str = "127.0.0.1",
    workspaces_dir: Path | None = None,
    expose_app: bool = False,
    allow_root: bool | None = None,
) -> list[str]:
    """Return the command line that starts JupyterLab 4 on ``root_dir``.

    Parameters
    ----------
    root_dir : Path
        The folder Lab serves.
    port : int
        The port; a clash fails at once (``--port-retries=0``).
    token : str
        The token the URL must carry.
    host : str
        The address to bind.
    workspaces_dir : Path, optional
        Where Lab keeps its workspace state.
    expose_app : bool
        Expose ``window.jupyterapp`` to page scripts (for tests).
    allow_root : bool, optional
        Pass ``--allow-root``; by default only when running as root, where Lab
        refuses to start without it.

    Returns
    -------
    list of str
    """
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--ip={host}",
        f"--port={port}",
        "--port-retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
    ]
    if allow_root is None:
        allow_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if allow_root:
        cmd.append("--allow-root")
    if workspaces_dir is not None:
        cmd.append(f"--LabApp.workspaces_dir={workspaces_dir}")
    if expose_app:
        cmd.append("--LabApp.expose_app_in_browser=True")
    return cmd


def voila_command(notebook: Path, *, port: int, host: str = "127.0.0.1") -> list[str]:
    """Return the command line that serves ``notebook`` with Voila.

    Parameters
    ----------
    notebook : Path
        The notebook to run and render as an app.
    port : int
        The port.
    host : str
        The address to bind.

    Returns
    -------
    list of str
    """
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", f"--Voila.ip={host}"]


def wait_for_http(url: str, *, proc: subprocess.Popen[bytes] | None = None, timeout: float = 60.0) -> None:
    """Wait until ``url`` answers with a status below 500.

    Parameters
    ----------
    url : str
        The readiness probe, e.g. ``/api/status?token=T`` for Lab.
    proc : subprocess.Popen, optional
        The server process; if it exits, stop waiting at once.
    timeout : float
        Seconds to wait.

    Raises
    ------
    RuntimeError
        If the process exits or the URL does not answer in time.
    """
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before {url} answered")
        try:
            with opener.open(url, timeout=2) as reply:
                if reply.status < 500:
                    return
        except urllib.error.HTTPError as err:
            err.close()
            if err.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s")


def _descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, start time) of every live descendant of ``pid``, from /proc (empty elsewhere)."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in Path("/proc").glob("[0-9]*") if Path("/proc/self/stat").exists() else ():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append((int(entry.name), fields[19]))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found


def _alive(pid: int, start_time: str) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[19] == start_time and fields[0] != "Z"


def stop_process(proc: subprocess.Popen[bytes], *, timeout: float = 10.0) -> None:
    """Stop a server started with ``start_new_session=True``, and everything it started.

    SIGTERM goes to the process group first, so Jupyter shuts its kernels down
    cleanly; SIGKILL follows after ``timeout``. Kernels live in process groups
    of their own, so any descendant still alive afterwards is killed by pid.

    Parameters
    ----------
    proc : subprocess.Popen
        The process, leader of its own process group.
    timeout : float
        Seconds to wait after SIGTERM.
    """
    family = _descendants(proc.pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
    proc.wait()
    # The group may outlive its leader (e.g. Chromium helpers, a forked worker).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    deadline = time.monotonic() + 3.0
    while any(_alive(*p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid, start in family:
        if _alive(pid, start):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m xrt_widgets.demo",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--voila", action="store_true", help="serve the notebook as an app with Voila")
    parser.add_argument("--port", type=int, default=0, help="port for JupyterLab or Voila (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument(
        "--dir",
        type=Path,
        default=DEFAULT_WORKDIR,
        dest="workdir",
        help="the working folder the demo notebooks are copied into and served from; copies "
        f"already there are kept (default: ./{DEFAULT_WORKDIR})",
    )
    parser.add_argument(
        "--notebook", default=DEMO_NOTEBOOK.name, help=f"the notebook to open, by name (default: {DEMO_NOTEBOOK.name})"
    )
    parser.add_argument(
        "--durations", default=None, help="emulator durations over its demo ones, e.g. lc=600,image=1:1:3 (seconds)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo until Ctrl-C or SIGTERM.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (``sys.argv[1:]`` by default).

    Returns
    -------
    int
        The exit status.
    """
    args = _parse_args(argv)
    server_module = "voila" if args.voila else "jupyterlab"
    if importlib.util.find_spec(server_module) is None:  # found, not imported: the server process imports it
        print(
            f"demo: {server_module} is not installed; run `make demo` or `pip install 'xrt_widgets[demo]'`",
            file=sys.stderr,
        )
        return 2
    workdir = args.workdir.resolve()
    try:
        copied, kept = copy_notebooks(workdir)
    except OSError as err:
        print(f"demo: {err}", file=sys.stderr)
        return 2
    notebook = workdir / args.notebook
    if not notebook.is_file():
        print(
            f"demo: {notebook} does not exist; the demo notebooks are: {', '.join(sorted(copied + kept))}",
            file=sys.stderr,
        )
        return 2
    print(
        f"demo: notebooks in {workdir}"
        + (f"; copied {', '.join(copied)}" if copied else "")
        + (f"; kept your copies of {', '.join(kept)} (delete one to get the shipped version back)" if kept else ""),
        flush=True,
    )

    # A signal handler that raises lets one `finally` clean up after Ctrl-C and SIGTERM alike.
    def _interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, _interrupt)  # also when started in the background with SIGINT ignored
    signal.signal(signal.SIGTERM, _interrupt)
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="xrt-widgets-demo-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            # The notebook's in-kernel fallback uses the same demo durations.
            emulator_args = ["--demo"] + (["--durations", args.durations] if args.durations else [])
            emulator, base_url = start_emulator(emulator_args, log=tmp / "emulator.log")
            procs.append(emulator)
            env = child_env({"XRT_WIDGETS_BASE_URL": base_url})
            port = args.port or free_port(args.host)
            if args.voila:
                cmd = voila_command(notebook, port=port, host=args.host)
                probe = f"http://{args.host}:{port}/voila/static/"
                open_url = f"http://{args.host}:{port}/"
            else:
                # Lab serves the working folder: what it autosaves lands in the user's copies.
                token = secrets.token_hex(16)
                cmd = lab_command(workdir, port=port, token=token, host=args.host)
                probe = f"http://{args.host}:{port}/api/status?token={token}"
                open_url = f"http://{args.host}:{port}/lab/tree/{notebook.name}?token={token}"
            # Its own session: Ctrl-C reaches only us, and Jupyter does not stop to ask "Shutdown (y/n)?".
            server = subprocess.Popen(cmd, env=env, cwd=workdir, stdin=subprocess.DEVNULL, start_new_session=True)
            procs.append(server)
            wait_for_http(probe, proc=server, timeout=120)
            print(
                f"\nUKSSDC emulator: {base_url}\n"
                f"{'Voila' if args.voila else 'JupyterLab'} demo: {open_url}\n"
                f"Press Ctrl-C to stop both.\n",
                flush=True,
            )
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
            print("demo: a server exited; stopping", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\ndemo: stopping", file=sys.stderr)
            return 0
        except RuntimeError as err:
            print(f"demo: {err}", file=sys.stderr)
            return 1
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            for proc in reversed(procs):
                stop_process(proc)


if __name__ == "__main__":
    sys.exit(main())
