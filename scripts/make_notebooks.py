"""Write the demo notebooks (without outputs) into xrt_widgets/notebooks/, which the wheel ships.

Run: python scripts/make_notebooks.py  (``--check``: write nothing, say which differ)
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

#: Package data: ``python -m xrt_widgets.demo`` copies these into the user's working folder.
ROOT = Path(__file__).resolve().parent.parent / "xrt_widgets" / "notebooks"

CODES_MD = """### What the codes mean

`cancelProducts()` returns `(ok, perProduct)`. The panel shows `ok` in its summary line and each product's
code on its row, with a colour, an icon and a word (never colour alone).

| `ok` | meaning |
|---|---|
| -1 | HTTP error: the request was not sent, was rejected, or its reply could not be understood |
| 0 | the server received the request, but nothing was cancelled |
| 1 | every requested product was cancelled |
| 2 | partial success: the request was processed, but not every product was cancelled |

| per-product `code` | meaning | row |
|---|---|---|
| 0 | success, job cancelled | ✔ Cancelled |
| 1 | not cancelled, most likely it has already completed | ■ Finished |
| 2 | not cancelled, no record of this product for this JobID | ? No record |
| 3 | not cancelled, reason unknown | ✖ Not cancelled |
| 4 | status unknown: we can't tell whether it was cancelled | ⚠ Status unknown |

After **Refresh**, each row shows the product's *build status* instead: 1 requested, 2 queued,
3 running (with its progress steps), 4 complete, 5 waiting for the standard position, -4 cancelled,
-1/-2/-3 failed. Products that can no longer be cancelled have their checkbox disabled.
"""

SETUP = """import os

from xrt_widgets import CancelPanel, Emulator, XRTProductRequest

# The demo command points XRT_WIDGETS_BASE_URL at an emulator it started; without it,
# start one inside this kernel, so the notebook runs anywhere without an account.
base_url = os.environ.get("XRT_WIDGETS_BASE_URL")
emulator = None
if not base_url:
    from xrt_widgets.emulator import DEMO_DURATIONS

    emulator = Emulator(durations=DEMO_DURATIONS).start()
    base_url = emulator.base_url
print("UKSSDC service:", base_url)"""


def cancel_demo() -> nbformat.NotebookNode:
    return new_notebook(
        cells=[
            new_markdown_cell("""# Cancelling Swift XRT products with `xrt_widgets`

This notebook builds a product request, submits it and shows a `CancelPanel`: tick the products you
no longer need and press **Cancel selected**. It talks to a local emulator of the UKSSDC service, so
it needs no account; `live_service.ipynb` shows the same against the real service."""),
            new_code_cell(SETUP),
            new_markdown_cell("""## Build and submit a request

The request is shaped like `swifttools`' `XRTProductRequest`, so the same calls work."""),
            new_code_cell("""req = XRTProductRequest("demo@example.org", base_url=base_url)
req.setGlobalPars(name="GRB 060729", targ="00221755", T0=175892061.8, RA=95.37, Dec=-62.21,
                  centroid=True, centMeth="simple", useSXPS=False, posErr=1)
req.addLightCurve(binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True)
req.addSpectrum(hasRedshift=False)
req.addStandardPos()
req.addAstromPos()
req.addImage()
assert req.submit(), req.submitError
print("Submitted job", req.JobID, "with", req.products)"""),
            new_markdown_cell(CODES_MD),
            new_markdown_cell("""## The panel

Rows start as *Not checked*: press **Refresh** to ask the server for each product's build status (one
request for all of them), tick products, then **Cancel selected** (one request for all ticked
products; you are asked to confirm). In the emulator the image is complete at once, so cancelling it
shows what a product that has already finished looks like."""),
            new_code_cell("""panel = CancelPanel(req)
panel"""),
            new_markdown_cell(
                """The same panel can be driven from code: `panel.cancel(["Spectrum"])` and `panel.refresh()`
return a `concurrent.futures.Future`; `panel.statuses`, `panel.result` and `panel.history` hold plain data."""
            ),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


def swifttools_demo() -> nbformat.NotebookNode:
    return new_notebook(
        cells=[
            new_markdown_cell("""# The panel with a `swifttools` request

Already using `swifttools`? `CancelPanel` takes its `XRTProductRequest` as it is. Here the request's
base URL is pointed at the local emulator (its `_baseURL` attribute); against the real service you
would leave it alone."""),
            new_code_cell(SETUP),
            new_code_cell("""from swifttools.ukssdc.xrt_prods import XRTProductRequest as SwiftRequest

req = SwiftRequest("demo@example.org", silent=True)
req._baseURL = base_url  # only for the emulator
req.setGlobalPars(name="GRB 060729", targ="00221755", T0=175892061.8, RA=95.37, Dec=-62.21,
                  centroid=True, centMeth="simple", useSXPS=False, posErr=1)
req.addLightCurve(binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True)
req.addSpectrum(hasRedshift=False)
req.addStandardPos()
assert req.submit(), req.submitError
print("Submitted job", req.JobID, "with", req.productList)"""),
            new_markdown_cell(
                """`swifttools` reports `ok == 1` whenever the server answered; the panel derives the
documented 0 / 1 / 2 from the per-product codes itself. Below, the panel first checks the status and cancels
the light curve from code, then waits for both, so the saved notebook shows the outcome."""
            ),
            new_code_cell("""panel = CancelPanel(req)
panel.refresh().result(timeout=30)
ok, per = panel.cancel(["LightCurve"]).result(timeout=30)
print("ok =", ok, per)
panel"""),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


def job_board() -> nbformat.NotebookNode:
    return new_notebook(
        cells=[
            new_markdown_cell("""# All your jobs in one place: `JobBoard`

Users rarely have one request. `JobBoard` lists every job of a user (newest first), with the number of
active jobs, and lets you cancel across jobs in one action: one request per job, a few at a time.
Expand a job (**Details**) for its own `CancelPanel`; it works for jobs submitted from another
notebook, a script or yesterday's kernel. Statuses are marked *not checked yet* until the first
**Refresh**; **Auto-refresh** (off by default) polls at most every 60 s, only jobs with unfinished
products, and stops by itself when everything is finished."""),
            new_code_cell(SETUP),
            new_markdown_cell("""Submit three jobs, as if from three different notebooks:"""),
            new_code_cell("""USER = "board@example.org"
NEEDED = {"LightCurve": dict(binMeth="snapshot"), "Spectrum": dict(hasRedshift=False)}  # what isValid() asks for
for name, products in [("GRB 060729", ["LightCurve", "Spectrum"]),
                       ("GRB 080319B", ["LightCurve", "StandardPos"]),
                       ("SN 2006aj", ["Spectrum", "Image"])]:
    job = XRTProductRequest(USER, base_url=base_url)
    job.setGlobalPars(name=name, targ="00221755", RA=95.37, Dec=-62.21, centroid=False, useSXPS=False)
    for product in products:
        job.addProduct(product, **NEEDED.get(product, {}))
    assert job.submit(), job.submitError
    print("submitted", job.JobID, name, products)"""),
            new_code_cell("""from xrt_widgets import JobBoard

board = JobBoard(USER, base_url=base_url)
board.last_action.result(timeout=30)  # wait for the listing, so the saved notebook shows it
board"""),
            new_markdown_cell("""### After a kernel restart

Under `make demo` the emulator is a process of its own, so the jobs outlive the kernel: restart it,
run the first cell again, and either build the board again or bind one job directly:

```python
old = XRTProductRequest.from_job("board@example.org", 1001, ["LightCurve", "Spectrum"], base_url=base_url)
CancelPanel(old)
```

(Started with `--state-file jobs.json`, `python -m xrt_widgets.emulator` also keeps its jobs across its
own restarts.)"""),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


def live_service() -> nbformat.NotebookNode:
    return new_notebook(
        cells=[
            new_markdown_cell("""# Using the panel against the real UKSSDC service

**This notebook talks to https://www.swift.ac.uk and is never run by the tests.**

1. Register your email address for API access at https://www.swift.ac.uk/user_objects/register.php.
2. Put it below, leave `XRT_WIDGETS_BASE_URL` unset (or `del os.environ["XRT_WIDGETS_BASE_URL"]`), and
   run the cells. Submitting builds real products on the UKSSDC's servers: cancel what you do not need,
   to keep their queues short."""),
            new_code_cell('''import os

from xrt_widgets import CancelPanel, XRTProductRequest

EMAIL = "you@example.org"  # your registered address
assert "XRT_WIDGETS_BASE_URL" not in os.environ, "unset XRT_WIDGETS_BASE_URL to reach the real service"'''),
            new_markdown_cell("""## A new request"""),
            new_code_cell("""req = XRTProductRequest(EMAIL)
req.setGlobalPars(name="GRB 060729", targ="00221755", T0=175892061.8, RA=95.37, Dec=-62.21,
                  centroid=True, centMeth="simple", useSXPS=False, posErr=1)
req.addLightCurve(binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True)
req.addStandardPos()
if req.submit():
    print("Submitted job", req.JobID, req.URL)
else:
    print(req.submitError)"""),
            new_code_cell("""panel = CancelPanel(req)
panel.refresh()  # the service asks that status be polled no more often than every 10 s
panel"""),
            new_markdown_cell("""## A job submitted earlier

From another notebook, a script or yesterday's kernel: bind to it by its JobID and products."""),
            new_code_cell("""old = XRTProductRequest.from_job(EMAIL, 12345, ["LightCurve", "StandardPos"])
CancelPanel(old)"""),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a notebook in xrt_widgets/notebooks/ differs from what this script makes",
    )
    args = parser.parse_args(argv)
    ROOT.mkdir(exist_ok=True)
    stale = []
    for name, build in (
        ("cancel_demo", cancel_demo),
        ("swifttools_demo", swifttools_demo),
        ("job_board", job_board),
        ("live_service", live_service),
    ):
        nb = build()
        for i, cell in enumerate(nb.cells):  # stable ids keep diffs small
            cell["id"] = f"{name[:12]}-{i:02d}"
        path = ROOT / f"{name}.ipynb"
        text = nbformat.writes(nb) + "\n"
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
            continue
        path.write_text(text)
        print("wrote", path)
    if stale:
        print("out of date (run python scripts/make_notebooks.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
