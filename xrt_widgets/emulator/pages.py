"""The emulator's one web page: a job's page at the URL a submit reply gives (``tprods/USERPROD_<JobID>``).

On the real service this is where a user watches a job and fetches its
products. The emulator's page is small: the job's name, its JobID and one
row per product with its build status. Every text on it (the name the user
gave, status texts a test replaced with :meth:`~.store.JobStore.set_text`)
is escaped, so that nothing a request carried becomes markup.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .store import JobStore

__all__ = ["JOB_PAGE", "job_page"]

#: The path, below the base URL, of a job's page; the group is the JobID.
JOB_PAGE = re.compile(r"tprods/USERPROD_([0-9]{1,18})/?", re.ASCII)


def job_page(store: JobStore, job_id: int) -> str | None:
    """The HTML page of job ``job_id``, or None if the store has no such job.

    Parameters
    ----------
    store : JobStore
        The emulator's store (see :meth:`~.store.JobStore.job_summary`).
    job_id : int

    Returns
    -------
    str or None
    """
    summary = store.job_summary(job_id)
    if summary is None:
        return None
    name = html.escape(summary["name"])
    rows = "".join(
        f"<tr><td>{html.escape(row['product'])}</td><td>{html.escape(str(row['statusCode']))}</td>"
        f"<td>{html.escape(row['statusText'])}</td></tr>"
        for row in summary["products"]
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>XRT products: {name} (job {job_id})</title></head><body>"
        f"<h1>XRT products for {name}</h1><p>JobID {job_id}</p>"
        "<table><thead><tr><th>Product</th><th>Status code</th><th>Status</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>\n"
    )
