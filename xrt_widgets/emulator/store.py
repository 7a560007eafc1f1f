"""The emulator's job store: users' jobs, their build states on a clock, and the replies.

Each product of a job moves through the build states on the store's clock:
requested (1) -> queued (2) -> running (3, with nested progress steps) ->
complete (4). An astrometric position waits in state 5 until the job's
standard position is complete, then runs. A cancel moves a product in
1/2/3/5 to -4 (code 0); a finished, failed or cancelled one gets code 1; a
product the job does not have gets code 2. Every public method takes the
decoded request body and returns the reply object; the lock makes them safe
to call from the server's threads at once.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..products import PRODUCTS, resolve
from ..protocol import API_VERSION, ok_reply, refusal
from .clock import Clock
from .jobpars import job_pars

__all__ = ["JobStore", "DEFAULT_DURATIONS", "DEMO_DURATIONS", "API_VERSION"]

CANCELLABLE = frozenset({1, 2, 3, 5})
CANCEL_OK = "Job cancelled OK"
CANCEL_FINISHED = "Job could not be cancelled - has it already finished?"
CANCEL_NO_RECORD = "No record of this product could be found for this job"
CANCEL_UNKNOWN_REASON = "Job could not be cancelled - reason unknown"
CANCEL_STATUS_UNKNOWN = "An error occurred: the job may or may not have been cancelled"

STATUS_TEXTS = {
    -4: "Cancelled at your request",
    -3: "The job ran but produced no product",
    -2: "Internal error: adding the job to the queue failed",
    -1: "Internal error: the job could not be requested",
    1: "Requested, not yet queued",
    2: "In the processing queue",
    3: "Running",
    4: "Complete",
    5: "Waiting for the standard position to complete",
    None: "Unknown status",
}

#: short name -> (seconds requested, seconds queued, seconds running)
DEFAULT_DURATIONS: dict[str, tuple[float, float, float]] = {
    "lc": (2, 10, 600),
    "spec": (2, 10, 900),
    "psf": (2, 5, 60),
    "enh": (2, 10, 300),
    "xastrom": (2, 5, 60),
    "image": (1, 2, 5),
    "sourceDet": (2, 10, 300),
}

#: Durations for the demo: things move within minutes, and Image is complete at once, so that the
#: demo shows both a cancel that succeeds and one that finds the product already finished.
DEMO_DURATIONS: dict[str, tuple[float, float, float]] = {
    "lc": (2, 5, 300),
    "spec": (2, 5, 600),
    "psf": (1, 2, 45),
    "enh": (2, 5, 120),
    "xastrom": (1, 2, 30),
    "image": (0, 0, 0),
    "sourceDet": (2, 5, 200),
}

STEPS: dict[str, list[Any]] = {
    "lc": ["Identifying snapshots", ("Extracting events", ["WT mode", "PC mode"]), "Binning the light curve"],
    "spec": [
        "Identifying snapshots",
        ("Extracting spectra", ["WT mode", ("PC mode", ["Source", "Background"])]),
        "Fitting",
    ],
    "psf": ["Selecting data", "Centroiding", "Astrometric check"],
    "enh": ["Selecting data", "Aligning with UVOT", "Combining"],
    "xastrom": ["Matching 2MASS sources", "Fitting the offset"],
    "image": ["Building the image"],
    "sourceDet": ["Selecting data", ("Detecting sources", ["Pass 1", "Pass 2"]), "Characterising sources"],
}


def _hms(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@dataclass
class ProductJob:
    short: str
    t0: float
    durations: tuple[float, float, float]
    cancelled_at: float | None = None
    forced: int | None = None
    forced_at: float | None = None
    outcome: int = 4
    texts: dict[str, str] = field(default_factory=dict)


@dataclass
class Job:
    job_id: int
    user: str
    name: str
    submitted: float
    products: dict[str, ProductJob]
    pars: dict[str, Any]
    has_prod: bool = True


class JobStore:
    """Every job of every user, and the protocol's replies about them.

    Parameters
    ----------
    clock : Clock
        Where time comes from.
    durations : dict, optional
        Per product (long or short name): a number (seconds running) or a
        ``(requested, queued, running)`` triple; others keep
        :data:`DEFAULT_DURATIONS`.
    users : iterable of str, optional
        The registered users; by default any address with an ``@`` is.
    state_file : str, optional
        A JSON file the store loads at start and rewrites after every change.
    string_job_ids : bool
        Send every JobID in replies as a string of digits (``"951"``), as the
        swifttools tutorial shows the real service doing; requests may name a
        job either way.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        durations: dict[str, Any] | None = None,
        users: Iterable[str] | None = None,
        state_file: str | None = None,
        first_job_id: int = 1001,
        string_job_ids: bool = False,
    ) -> None:
        self.string_job_ids = string_job_ids
        self.clock = clock
        self.durations = dict(DEFAULT_DURATIONS)
        for name, value in (durations or {}).items():
            short = resolve(name).short
            if isinstance(value, (int, float)):
                req, que, _ = self.durations[short]
                value = (req, que, float(value))
            requested, queued, running = (float(v) for v in value)
            self.durations[short] = (requested, queued, running)
        self.users = set(users) if users is not None else None
        self.state_file = state_file
        self._lock = threading.RLock()
        self.jobs: dict[int, Job] = {}
        self._next_id = first_job_id
        if state_file and os.path.exists(state_file):
            self._load(state_file)

    # -- state ------------------------------------------------------------------------------
    def status_of(self, job: Job, short: str, now: float | None = None) -> int | None:
        """The build status of product ``short`` of ``job`` at ``now``."""
        if short not in job.products:
            return None
        now = self.clock.now() if now is None else now
        return self._phase(job, job.products[short], now)[0]

    def _finish_time(self, job: Job, prod: ProductJob, now: float) -> float | None:
        """When ``prod`` became (or will become) complete; None if it never will."""
        if prod.forced is not None:
            return prod.forced_at if prod.forced == 4 else None
        if prod.cancelled_at is not None or prod.outcome != 4:
            return None
        req, que, run = prod.durations
        if prod.short == "xastrom" and "psf" in job.products:
            psf_done = self._finish_time(job, job.products["psf"], now)
            return None if psf_done is None else max(psf_done, prod.t0 + req + que) + run
        return prod.t0 + req + que + run

    def _phase(self, job: Job, prod: ProductJob, now: float) -> tuple[int | None, float, float]:
        """(status, seconds running so far, fraction of the run done)."""
        if prod.forced is not None:
            return prod.forced, 0.0, 1.0
        if prod.cancelled_at is not None:
            return -4, 0.0, 0.0
        req, que, run = prod.durations
        t = now - prod.t0
        if t < req:
            return 1, 0.0, 0.0
        if t < req + que:
            return 2, 0.0, 0.0
        start = prod.t0 + req + que
        if prod.short == "xastrom" and "psf" in job.products:
            psf = job.products["psf"]
            psf_status = self._phase(job, psf, now)[0]
            if psf_status in CANCELLABLE:
                return 5, 0.0, 0.0
            if psf_status != 4:
                return -3, 0.0, 0.0
            start = max(start, self._finish_time(job, psf, now) or now)
        if now < start + run:
            return 3, now - start, (now - start) / run if run > 0 else 1.0
        return prod.outcome, 0.0, 1.0

    def _progress(self, job: Job, prod: ProductJob, now: float) -> dict[str, Any]:
        status, running, fraction = self._phase(job, prod, now)
        if status != 3:
            return {"GotProgress": 2}
        steps = STEPS.get(prod.short, ["Processing"])

        def build(items: list[Any], lo: float, hi: float, depth: int = 0) -> list[Any]:
            out = []
            width = (hi - lo) / len(items)
            for i, item in enumerate(items):
                label, subs = item if isinstance(item, tuple) else (item, None)
                a, b = lo + i * width, lo + (i + 1) * width
                state = 2 if fraction >= b else (1 if fraction >= a else 0)
                if depth == 0 and i == 0:
                    label = prod.texts.get("StepLabel", label)
                step: dict[str, Any] = {"StepLabel": label, "StepStatus": state}
                if state == 1:
                    step["StepExtra"] = f"{int(100 * (fraction - a) / (b - a))}% done"
                if subs:
                    step["SubStep"] = build(subs, a, b, depth + 1)
                out.append(step)
            return out

        progress = {"GotProgress": 1, "ProgressSteps": build(steps, 0.0, 1.0), "TimeRunning": _hms(running)}
        progress["PreProgress"] = prod.texts.get(
            "PreProgress", f"Using <em>all</em> observations of target <code>{job.pars.get('targ', '?')}</code>"
        )
        return progress

    # -- helpers ------------------------------------------------------------------------------
    def _user_error(self, body: dict[str, Any]) -> dict[str, Any] | None:
        user = body.get("UserID")
        if not isinstance(user, str) or not user.strip():
            return refusal("No UserID was supplied.")
        registered = ("@" in user) if self.users is None else (user in self.users)
        if not registered:
            return refusal(
                f"The user {user} is not registered for API access; "
                "register at https://www.swift.ac.uk/user_objects/register.php"
            )
        return None

    def _owned_job(self, body: dict[str, Any]) -> tuple[Job | None, dict[str, Any] | None]:
        err = self._user_error(body)
        if err:
            return None, err
        named: Any = body.get("JobID")  # any JSON value: int() refuses what is no JobID
        try:
            job_id = int(named)
        except (TypeError, ValueError):
            return None, refusal(f"Invalid JobID {named!r}.")
        job = self.jobs.get(job_id)
        if job is None:
            return None, refusal(f"Job {job_id} does not exist.")
        if job.user != body["UserID"]:
            return None, refusal(f"Job {job_id} is not owned by user {body['UserID']}")
        return job, None

    @staticmethod
    def named_products(what: Any) -> list[str]:
        """The product names a request's ``what`` (or ``whatProg``) lists: comma-separated text, or a list.

        Parameters
        ----------
        what : str or list
            The value of the request body's key.

        Returns
        -------
        list of str
            The names, stripped, empty ones left out (not checked against the products).
        """
        if isinstance(what, list):
            return [str(w).strip() for w in what if str(w).strip()]
        return [w.strip() for w in str(what).split(",") if w.strip()]

    # -- endpoints ----------------------------------------------------------------------------
    def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        """``run_userobject.php``."""
        with self._lock:
            err = self._user_error(body)
            if err:
                return err
            shorts = [p.short for p in PRODUCTS if body.get(p.flag) in (1, True, "1", "yes")]
            if not shorts:
                return refusal(
                    "No products were requested: set at least one of " + ", ".join(p.flag for p in PRODUCTS) + " to 1."
                )
            problems = []
            if not str(body.get("name", "")).strip():
                problems.append("name: a name for the object is required")
            if not str(body.get("targ", "")).strip() and body.get("getTargs") not in (1, True):
                problems.append("targ: the target ID(s) are required, or set getTargs")
            # A source detection alone searches the whole field: it needs no position (RequestJob.md).
            needs_position = shorts != ["sourceDet"]
            if needs_position and ("RA" not in body or "Dec" not in body) and body.get("getCoords") not in (1, True):
                problems.append("RA, Dec: a position is required, or set getCoords")
            if problems:
                return refusal(
                    "Your request could not be processed because some parameters are invalid.",
                    listErr=[{"label": "Global parameters", "list": problems}],
                )
            job = self.add_job(body["UserID"], shorts, name=str(body.get("name")), pars=job_pars(body))
            return ok_reply(JobID=self.reply_id(job.job_id), URL=self.job_url(job.job_id), jobPars=job.pars)

    def reply_id(self, job_id: int) -> Any:
        """A JobID as replies carry it: an int, or a string of digits with ``string_job_ids``."""
        return str(job_id) if self.string_job_ids else job_id

    base_url = "http://127.0.0.1/user_objects"

    def job_url(self, job_id: int) -> str:
        return f"{self.base_url}/tprods/USERPROD_{job_id}"

    def job_summary(self, job_id: int) -> dict[str, Any] | None:
        """What a job's web page shows: ``{"name", "products": [{"product", "statusCode", "statusText"}]}``.

        None if there is no such job.
        """
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None:
                return None
            now = self.clock.now()
            rows = []
            for short, prod in job.products.items():
                status = self._phase(job, prod, now)[0]
                rows.append(
                    {
                        "product": resolve(short).long,
                        "statusCode": status,
                        "statusText": prod.texts.get("statusText", STATUS_TEXTS.get(status, "Unknown")),
                    }
                )
            return {"name": job.name, "products": rows}

    def check_status(self, body: dict[str, Any]) -> dict[str, Any]:
        """``checkProductStatus.php``."""
        with self._lock:
            job, err = self._owned_job(body)
            if err:
                return err
            assert job is not None
            now = self.clock.now()
            want_prog = set(self.named_products(body.get("whatProg", "")))
            reply = ok_reply(JobID=self.reply_id(job.job_id))
            for short in self.named_products(body.get("what", "")):
                prod = job.products.get(short)
                if prod is None:
                    reply[short] = {
                        "statusCode": None,
                        "statusText": STATUS_TEXTS[None],
                        "progress": {"GotProgress": 2},
                    }
                    continue
                status = self._phase(job, prod, now)[0]
                progress = self._progress(job, prod, now) if short in want_prog else {"GotProgress": 0}
                reply[short] = {
                    "statusCode": status,
                    "statusText": prod.texts.get("statusText", STATUS_TEXTS.get(status, "Unknown")),
                    "progress": progress,
                }
            return reply

    def cancel(self, body: dict[str, Any], forced_codes: dict[str, Any] | None = None) -> dict[str, Any]:
        """``canceljob.php``. ``forced_codes`` (short -> 3 or 4) comes from fault injection."""
        forced_codes = forced_codes or {}
        with self._lock:
            job, err = self._owned_job(body)
            if err:
                return err
            assert job is not None
            now = self.clock.now()
            shorts = self.named_products(body.get("what", ""))
            if not shorts:
                return refusal("No products were named in 'what'.")
            status, codes_ = {}, {}
            # Decide from the states before this cancel: cancelling the standard position must not turn
            # the astrometric position that waits on it into "already finished" in the same request.
            before = {s: self._phase(job, job.products[s], now)[0] for s in shorts if s in job.products}
            for short in shorts:
                prod = job.products.get(short)
                forced = forced_codes.get(short)
                if prod is None:
                    code, text = 2, CANCEL_NO_RECORD
                elif forced == 3:
                    code, text = 3, CANCEL_UNKNOWN_REASON
                elif before[short] in CANCELLABLE:
                    # A forced state (set_status) ends here too: a cancelled product stays cancelled.
                    prod.cancelled_at, prod.forced, prod.forced_at = now, None, None
                    code, text = (4, CANCEL_STATUS_UNKNOWN) if forced == 4 else (0, CANCEL_OK)
                else:
                    code, text = (4, CANCEL_STATUS_UNKNOWN) if forced == 4 else (1, CANCEL_FINISHED)
                if prod is not None and code in (0, 1):
                    text = prod.texts.get("cancelText", text)
                status[short], codes_[short] = text, code
            self._save()
            reply = ok_reply(JobID=self.reply_id(job.job_id), status=status, statusCodes=codes_)
            reply["OK"] = 1 if all(c == 0 for c in codes_.values()) else 2
            return reply

    def list_jobs(self, body: dict[str, Any]) -> dict[str, Any]:
        """``listOldJobs.php``: the user's jobs, most recent first."""
        with self._lock:
            err = self._user_error(body)
            if err:
                return err
            jobs = sorted(
                (j for j in self.jobs.values() if j.user == body["UserID"]),
                key=lambda j: (j.submitted, j.job_id),
                reverse=True,
            )
            listed = []
            for job in jobs:
                entry: dict[str, Any] = {
                    "JobID": self.reply_id(job.job_id),
                    "Name": job.name,
                    "DateSubmitted": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(job.submitted)),
                }
                for p in PRODUCTS:
                    if p.long != "SourceDet":  # the real listing has no SourceDet column
                        entry[p.long] = p.short in job.products
                entry["hasProd"] = job.has_prod
                listed.append(entry)
            return ok_reply(jobs=listed)

    def num_jobs(self, body: dict[str, Any]) -> dict[str, Any]:
        """``getNumJobs.php``: the user's jobs with a product queued or running."""
        with self._lock:
            err = self._user_error(body)
            if err:
                return err
            now = self.clock.now()
            active = sum(
                1
                for j in self.jobs.values()
                if j.user == body["UserID"]
                and any(self._phase(j, p, now)[0] in CANCELLABLE for p in j.products.values())
            )
            return ok_reply(numJobs=active)

    # -- direct control, for tests and demos ------------------------------------------------------
    def add_job(
        self,
        user: str,
        products: Iterable[str],
        *,
        name: str = "Emulated target",
        pars: dict[str, Any] | None = None,
        age: float = 0.0,
    ) -> Job:
        """Create a job directly (as if ``user`` had submitted it ``age`` seconds ago)."""
        with self._lock:
            now = self.clock.now() - age
            shorts = [resolve(p).short for p in products]
            job = Job(
                self._next_id,
                user,
                name,
                now,
                {s: ProductJob(s, now, self.durations[s]) for s in shorts},
                pars if pars is not None else {"name": name},
            )
            self.jobs[job.job_id] = job
            self._next_id += 1
            self._save()
            return job

    def set_status(self, job_id: int, product: str, status: int | None) -> None:
        """Force a product's build status from now on (``None`` undoes it), until a cancel succeeds."""
        with self._lock:
            prod = self.jobs[job_id].products[resolve(product).short]
            prod.forced, prod.forced_at = status, self.clock.now()
            self._save()

    def set_text(self, job_id: int, product: str, **texts: str) -> None:
        """Replace texts the server sends about a product.

        Keys: ``statusText``, ``cancelText``, ``PreProgress``, ``StepLabel``.
        """
        allowed = {"statusText", "cancelText", "PreProgress", "StepLabel"}
        bad = set(texts) - allowed
        if bad:
            raise ValueError(f"unknown text keys {sorted(bad)}; use {sorted(allowed)}")
        with self._lock:
            self.jobs[job_id].products[resolve(product).short].texts.update(texts)
            self._save()

    # -- persistence --------------------------------------------------------------------------
    def _save(self) -> None:
        if not self.state_file:
            return
        data = {
            "next_id": self._next_id,
            "jobs": [
                {
                    "job_id": j.job_id,
                    "user": j.user,
                    "name": j.name,
                    "submitted": j.submitted,
                    "pars": j.pars,
                    "has_prod": j.has_prod,
                    "products": [vars(p) | {"durations": list(p.durations)} for p in j.products.values()],
                }
                for j in self.jobs.values()
            ],
        }
        tmp = f"{self.state_file}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, self.state_file)

    def _load(self, state_file: str) -> None:
        with open(state_file, encoding="utf-8") as fh:
            data = json.load(fh)
        self._next_id = int(data["next_id"])
        for j in data["jobs"]:
            prods = {}
            for p in j["products"]:
                p = dict(p)
                p["durations"] = tuple(p["durations"])
                prods[p["short"]] = ProductJob(**p)
            self.jobs[j["job_id"]] = Job(
                j["job_id"], j["user"], j["name"], j["submitted"], prods, j["pars"], j.get("has_prod", True)
            )
