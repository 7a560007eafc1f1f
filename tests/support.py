"""Constants shared by the tests (importable as ``support``; conftest files are not for importing)."""

USER = "astro@example.org"
GLOBALS = dict(name="GRB 060729", targ="00221755", RA=95.37, Dec=-62.21, centroid=True, posErr=1)
XSS = "<img src=x onerror=alert(1)>"
