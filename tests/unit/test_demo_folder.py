"""``python -m xrt_widgets.demo`` copies the shipped notebooks into a working folder and never overwrites one there."""

from __future__ import annotations

import json

import pytest

from xrt_widgets import demo

SHIPPED = ["cancel_demo.ipynb", "job_board.ipynb", "live_service.ipynb", "swifttools_demo.ipynb"]


def test_the_shipped_notebooks_live_inside_the_package():
    assert demo.NOTEBOOKS_DIR.parent.name == "xrt_widgets"
    assert sorted(p.name for p in demo.NOTEBOOKS_DIR.glob("*.ipynb")) == SHIPPED
    assert demo.DEMO_NOTEBOOK.parent == demo.NOTEBOOKS_DIR and demo.DEMO_NOTEBOOK.is_file()


def test_a_new_folder_gets_every_notebook_byte_for_byte(tmp_path):
    workdir = tmp_path / "a" / "b"
    assert demo.copy_notebooks(workdir) == (SHIPPED, [])
    for name in SHIPPED:
        assert (workdir / name).read_bytes() == (demo.NOTEBOOKS_DIR / name).read_bytes()


def test_the_users_copies_are_kept_and_only_missing_ones_copied(tmp_path):
    demo.copy_notebooks(tmp_path)
    edited = tmp_path / "cancel_demo.ipynb"
    edited.write_text(json.dumps({"edited": True}))
    (tmp_path / "job_board.ipynb").unlink()
    assert demo.copy_notebooks(tmp_path) == (["job_board.ipynb"], [n for n in SHIPPED if n != "job_board.ipynb"])
    assert json.loads(edited.read_text()) == {"edited": True}
    assert b"edited" not in demo.DEMO_NOTEBOOK.read_bytes()


def test_a_package_without_its_notebooks_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="reinstall xrt_widgets"):
        demo.copy_notebooks(tmp_path / "work", source=tmp_path / "empty")
    assert not (tmp_path / "work").exists()


@pytest.fixture
def server_installed(monkeypatch):
    """As if JupyterLab and Voila were installed (the demo looks them up, and imports them only in the server)."""
    found = demo.importlib.util.find_spec
    monkeypatch.setattr(
        demo.importlib.util, "find_spec", lambda name: object() if name in ("jupyterlab", "voila") else found(name)
    )


def test_an_unknown_notebook_name_is_refused_before_any_server_starts(tmp_path, capsys, server_installed):
    assert demo.main(["--dir", str(tmp_path), "--notebook", "nope.ipynb"]) == 2
    err = capsys.readouterr().err
    assert "nope.ipynb does not exist" in err and "cancel_demo.ipynb" in err
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == SHIPPED


def test_without_the_demo_extra_it_says_what_to_install_and_copies_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(demo.importlib.util, "find_spec", lambda name: None)
    assert demo.main(["--dir", str(tmp_path / "work"), "--voila"]) == 2
    assert "voila is not installed" in capsys.readouterr().err
    assert not (tmp_path / "work").exists()
