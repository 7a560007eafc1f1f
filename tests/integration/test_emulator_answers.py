"""The emulator answers as swifttools' documentation shows the real service answering.

``jobPars`` is not an echo (ReturnData.md), a cancelled product reads "Cancelled at your request" (tutorial.md),
a source detection alone needs no position (RequestJob.md), JobIDs can come quoted (tutorial.md), and the job's
URL is a web page.
"""

from __future__ import annotations

import html

import pytest
import requests

from xrt_widgets import Emulator
from xrt_widgets.emulator.jobpars import PRODUCT_DEFAULTS, derived_values, job_pars, quoted

from support import USER, XSS

BODY = {
    "UserID": USER,
    "name": "GRB 200416A",
    "targ": "00966554",
    "RA": 335.6985,
    "Dec": -7.5179,
    "cent": 1,
    "poserr": 1,
    "useSXPS": 0,
    "Tstart": 608713541.952,
    "api_name": "xrt_prods",
    "api_version": "1.12",
}


def post(emu, path: str, body: dict) -> dict:
    return requests.post(f"{emu.base_url}/{path}", json=body, timeout=10).json()


def submit(emu, **extra) -> dict:
    return post(emu, "run_userobject.php", {**BODY, **extra})


def test_job_pars_carry_the_api_the_user_defaults_and_quoted_numbers(emu):
    reply = submit(emu, lc=1, binMeth="counts", pccounts=20, wtcounts=30, dynamic=1, spec=1, specz=0, dopsf=1)
    pars = reply["jobPars"]
    assert list(pars)[:3] == ["api_name", "api_version", "UserID"]
    assert (pars["api_name"], pars["api_version"], pars["UserID"]) == ("xrt_prods", "1.12", USER)
    # numbers come back as text, the 0/1 flags as numbers (as ReturnData.md shows)
    assert pars["RA"] == "335.6985" and pars["Dec"] == "-7.5179" and pars["pccounts"] == "20"
    assert pars["Tstart"] == "608713541.952"
    assert pars["cent"] == 1 and pars["dynamic"] == 1 and pars["specz"] == 0 and pars["useSXPS"] == 0
    # defaults the server fills in, for the products asked only
    assert pars["lcobs"] == "all" and pars["pcbin"] == "2.51" and pars["specobs"] == "all"
    assert pars["posRadius"] == "20" and pars["posobs"] == "all" and pars["detornot"] == "detect"
    assert pars["whatSXPS"] == "LSXPS" and pars["centMeth"] == "simple"
    assert "imobs" not in pars and "detbands" not in pars and "allxastrom" not in pars
    assert emu.job(reply["JobID"]).pars == pars


def test_a_value_the_user_gave_wins_over_a_default(emu):
    pars = submit(emu, lc=1, binMeth="time", lcobs="user", uselcobs="00966554001", pcbin=100)["jobPars"]
    assert pars["lcobs"] == "user" and pars["uselcobs"] == "00966554001" and pars["pcbin"] == "100"


def test_values_the_server_works_out(emu):
    body = {k: v for k, v in BODY.items() if k not in ("targ", "RA", "Dec", "Tstart")}
    reply = post(emu, "run_userobject.php", {**body, "getTargs": 1, "getT0": 1, "getCoords": 1, "dopsf": 1})
    assert reply["OK"] == 1, reply
    pars = reply["jobPars"]
    derived = derived_values({"name": "GRB 200416A", "getTargs": 1, "getT0": 1, "getCoords": 1})
    assert pars["targ"] == derived["targ"] and len(pars["targ"]) == 8 and pars["targ"].isdigit()
    assert float(pars["RA"]) == derived["RA"] and 0 <= derived["RA"] < 360 and -90 <= derived["Dec"] <= 90
    assert float(pars["Tstart"]) == derived["Tstart"]
    assert derived_values({"name": "another", "getTargs": 1})["targ"] != pars["targ"]
    assert derived_values({"name": "x"}) == {}  # nothing asked, nothing worked out


def test_the_derived_target_reaches_the_progress_intro(emu):
    body = {k: v for k, v in BODY.items() if k != "targ"}
    job_id = post(emu, "run_userobject.php", {**body, "getTargs": 1, "dopsf": 1})["JobID"]
    emu.advance(20)
    reply = post(emu, "checkProductStatus.php", {"UserID": USER, "JobID": job_id, "what": "psf", "whatProg": "psf"})
    target = emu.job(job_id).pars["targ"]
    assert reply["psf"]["progress"]["PreProgress"] == f"Using <em>all</em> observations of target <code>{target}</code>"
    assert "?" not in reply["psf"]["progress"]["PreProgress"]


def test_quoting():
    assert [quoted(v) for v in (20, 2.51, 0, 1, True, "x", None, 1.0, -7.5179)] == [
        "20",
        "2.51",
        0,
        1,
        True,
        "x",
        None,
        1.0,
        "-7.5179",
    ]
    assert job_pars({"UserID": "u", "image": 1})["imen"] == PRODUCT_DEFAULTS["image"]["imen"]


def test_a_cancelled_product_reads_cancelled_at_your_request(emu):
    job_id = submit(emu, lc=1, binMeth="snapshot")["JobID"]
    post(emu, "canceljob.php", {"UserID": USER, "JobID": job_id, "what": "lc"})
    reply = post(emu, "checkProductStatus.php", {"UserID": USER, "JobID": job_id, "what": "lc"})
    assert (reply["lc"]["statusCode"], reply["lc"]["statusText"]) == (-4, "Cancelled at your request")


def test_a_source_detection_alone_needs_no_position(emu):
    body = {k: v for k, v in BODY.items() if k not in ("RA", "Dec", "cent", "poserr", "useSXPS")}
    assert post(emu, "run_userobject.php", {**body, "sourceDet": 1, "detobs": "all"})["OK"] == 1
    refused = post(emu, "run_userobject.php", {**body, "sourceDet": 1, "detobs": "all", "image": 1})
    assert refused["OK"] == 0 and "RA, Dec" in refused["listErr"][0]["list"][0]


@pytest.mark.parametrize("as_strings", [False, True])
def test_job_ids_as_strings_on_request(as_strings):
    with Emulator(manual_clock=True, string_job_ids=as_strings) as emu:
        reply = submit(emu, lc=1, binMeth="snapshot")
        job_id = reply["JobID"]
        assert job_id == ("1001" if as_strings else 1001)
        assert reply["URL"].endswith("/tprods/USERPROD_1001")
        for named in (1001, "1001"):  # a request may name the job either way
            status = post(emu, "checkProductStatus.php", {"UserID": USER, "JobID": named, "what": "lc"})
            assert status["OK"] == 1 and status["JobID"] == job_id
        cancel = post(emu, "canceljob.php", {"UserID": USER, "JobID": job_id, "what": "lc"})
        assert cancel["JobID"] == job_id and cancel["statusCodes"] == {"lc": 0}
        assert post(emu, "listOldJobs.php", {"UserID": USER})["jobs"][0]["JobID"] == job_id


def test_job_ids_as_strings_can_be_turned_on_while_serving(emu):
    assert emu.string_job_ids is False and submit(emu, lc=1, binMeth="snapshot")["JobID"] == 1001
    emu.string_job_ids = True
    assert submit(emu, lc=1, binMeth="snapshot")["JobID"] == "1002"


def test_python_m_xrt_widgets_emulator_string_job_ids():
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "xrt_widgets.emulator", "--port", "0", "--string-job-ids"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = proc.stdout.readline().split()[-1]
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/user_objects")
        reply = requests.post(
            f"{base_url}/run_userobject.php", json={**BODY, "lc": 1, "binMeth": "snapshot"}, timeout=10
        )
        assert reply.json()["JobID"] == "1001"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        finally:
            proc.stdout.close()
            proc.stderr.close()
    assert proc.returncode == 0


def test_the_job_url_is_a_small_web_page_with_the_servers_texts_escaped(emu):
    reply = submit(emu, name=XSS, lc=1, binMeth="snapshot", dopsf=1)
    emu.set_text(1001, "psf", statusText="<script>alert(1)</script>")
    page = requests.get(reply["URL"], timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    text = page.text
    assert html.escape(XSS) in text and XSS not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>" not in text
    assert "JobID 1001" in text and "<td>LightCurve</td><td>1</td><td>Requested, not yet queued</td>" in text
    emu.advance(4000)
    assert "<td>LightCurve</td><td>4</td><td>Complete</td>" in requests.get(reply["URL"], timeout=10).text


def test_other_pages(emu):
    assert requests.get(f"{emu.base_url}/tprods/USERPROD_424242", timeout=10).status_code == 404
    assert requests.get(f"{emu.base_url}/tprods/USERPROD_x", timeout=10).status_code == 405
    missing = requests.post(f"{emu.base_url}/{XSS}.php", json={}, timeout=10)
    assert missing.status_code == 404 and XSS not in missing.text  # the path is shown escaped
