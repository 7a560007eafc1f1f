"""Light views: widget models and update messages per panel, counted without a kernel.

Every widget model the kernel makes is one more comm and one more object in
the page, and every update is one more message on the IOPub channel (which
Jupyter rate-limits). A panel's cost must be bounded by its products, not by
how its widgets happen to be built: shared layouts and styles, classes given
at construction, and one message per changed row (its status HTML, value and
class in one batch).
"""

from __future__ import annotations

import ipywidgets as widgets
import pytest
from ipywidgets.widgets import widget as widget_module

from xrt_widgets import CancelPanel

ALL = ("LightCurve", "Spectrum", "StandardPos", "EnhancedPos", "AstromPos", "Image", "SourceDet")


@pytest.fixture
def sent(monkeypatch):
    """Every update message a widget would send to the front end: (model class, keys it carries)."""
    log: list[tuple[str, tuple]] = []
    original = widgets.Widget._send

    def counting(self, msg, buffers=None):
        if msg.get("method") == "update":
            log.append((type(self).__name__, tuple(sorted(msg.get("state", {})))))
        return original(self, msg, buffers)

    monkeypatch.setattr(widgets.Widget, "_send", counting)
    return log


def _new_models(before: set) -> list:
    return [m for k, m in widget_module._instances.items() if k not in before]


def test_a_seven_product_panel_has_at_most_60_models(make_request):
    req = make_request(*ALL)
    before = set(widget_module._instances)
    panel = CancelPanel(req, refresh_on_display=False)
    models = _new_models(before)
    kinds: dict[str, int] = {}
    for model in models:
        kinds[type(model).__name__] = kinds.get(type(model).__name__, 0) + 1
    assert len(models) <= 60, kinds
    assert kinds.get("Layout", 0) <= 6 and kinds.get("HTMLStyle", 0) <= 2, kinds  # shared, not one per widget
    panel.close()
    assert _new_models(before) == []


def test_construction_sends_no_updates(make_request, sent):
    req = make_request(*ALL)
    panel = CancelPanel(req, refresh_on_display=False)
    assert sent == []  # classes were given at construction, not added after
    panel.close()


def test_one_cancel_of_seven_rows_sends_at_most_two_updates_per_row(make_request, sent):
    req = make_request(*ALL)
    panel = CancelPanel(req, refresh_on_display=False)
    sent.clear()
    ok, per = panel.cancel("all").result(timeout=20)
    assert ok == 1 and all(v["code"] == 0 for v in per.values())
    assert all(panel.statuses[n]["slug"] == "cancelled" for n in ALL)
    assert len(sent) <= 2 * len(ALL), sent
    row_updates = [s for s in sent if s[0] == "HTML" and "_dom_classes" in s[1] and "value" in s[1]]
    assert len(row_updates) >= len(ALL)  # every row did change
    panel.close()


def test_a_second_view_of_the_job_updates_too_and_nothing_is_sent_for_unchanged_rows(make_request, sent):
    req = make_request("LightCurve", "Spectrum")
    first = CancelPanel(req, refresh_on_display=False)
    second = CancelPanel(req, refresh_on_display=False)
    sent.clear()
    first.cancel(["LightCurve"]).result(timeout=20)
    assert second.statuses["LightCurve"]["slug"] == "cancelled"
    assert "xrtw-status-cancelled" in second.rows["LightCurve"].state._dom_classes
    html_row_updates = [s for s in sent if s[0] == "HTML" and "value" in s[1]]
    assert len(html_row_updates) <= 2 + 2  # one row in each view; plus each summary line at most
    first.close()
    second.close()
