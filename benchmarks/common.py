"""What the benchmark scripts share: the line that says which machine and versions the figures come from."""

from __future__ import annotations

import os
import platform
from importlib.metadata import version


def dist_version(name: str) -> str:
    """The installed version of distribution ``name``, or "?"."""
    try:
        return version(name)
    except Exception:
        return "?"


def machine_line(*versions: str, load: bool = False) -> str:
    """``machine: nproc=N (CPU model), OS release, Python x.y.z; xrt_widgets v, <versions>``.

    ``versions`` are "name version" texts; with ``load``, the load average
    (taken now, at the end of a run) follows.
    """
    from xrt_widgets import __version__

    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 0
    model = ""
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        pass
    tail = ""
    if load:
        try:
            tail = "; load average {:.2f} {:.2f} {:.2f} at the end".format(*os.getloadavg())
        except OSError:
            tail = ""
    return (
        f"machine: nproc={cpus}{' (' + model + ')' if model else ''}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}; xrt_widgets {__version__}, "
        + ", ".join(versions)
        + tail
    )
