"""The base-URL policy: one parser, the transport's own, and a clear refusal for anything doubtful.

The user's ID travels in every request body, so the host that is checked
must be the host that is connected to. ``requests`` and urllib3 read a URL
with urllib3's ``parse_url``, while ``urllib.parse`` (which ``requests`` also
uses, to choose a proxy) can read the same text differently: a backslash, a
``user@`` part or an odd character in the authority are where the two
disagree. So a base URL is read once with ``parse_url``, refused if
``urllib.parse`` reads another scheme, host or port, and refused outright
if it carries anything a base URL never needs: userinfo, a query, a
fragment, a backslash, white space or control characters, percent-escapes
in the host, or non-ASCII text. The URL that is used afterwards is rebuilt
from the parsed parts, so nothing unchecked reaches the transport. No
message ever shows a password.
"""

from __future__ import annotations

import ipaddress
from typing import NamedTuple
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from .errors import InsecureURLError, redact_url

__all__ = ["BaseURL", "parse_base_url", "is_loopback"]

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class BaseURL(NamedTuple):
    """A base URL that passed the policy: its parts as the transport will use them."""

    url: str
    scheme: str
    host: str
    port: int | None
    loopback: bool


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an IP literal, brackets allowed) names this machine."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_base_url(text: str, *, source: str = "") -> BaseURL:
    """Check ``text`` against the policy and return its parts.

    Parameters
    ----------
    text : str
        The base URL, e.g. ``https://www.swift.ac.uk/user_objects``.
    source : str, optional
        Where it came from (e.g. `` (from $XRT_WIDGETS_BASE_URL)``), added to messages.

    Raises
    ------
    InsecureURLError
        For anything but a plain ``http(s)://host[:port][/path]`` URL, and for
        ``http://`` to a host that is not loopback.
    """
    if not isinstance(text, str):
        raise InsecureURLError(f"The base URL must be a string, not {type(text).__name__}{source}.")
    url = text.strip()
    shown = redact_url(url)

    def refuse(why: str) -> InsecureURLError:
        return InsecureURLError(f"Refusing the base URL {shown!r}{source}: {why}")

    if not url.isascii():
        raise refuse("it contains non-ASCII characters (write the host in its ASCII, punycode form).")
    if "\\" in url:
        raise refuse("it contains a backslash, which URL parsers read differently.")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise refuse("it contains white space or control characters.")
    if "?" in url or "#" in url:
        raise refuse("a base URL takes no query string or fragment.")
    scheme_end = url.find("://")
    authority = url[scheme_end + 3 :].split("/", 1)[0] if scheme_end >= 0 else ""
    if "@" in authority:
        raise refuse(
            "a base URL takes no user name or password (user:password@); "
            "the service identifies you by the user ID in the request."
        )
    if "%" in authority:
        raise refuse("its host contains percent-escapes.")
    try:
        parsed = parse_url(url)
        split = urlsplit(url)
        split_port = split.port
    except (LocationParseError, ValueError):
        raise refuse("it is not a valid URL.") from None
    scheme = (parsed.scheme or "").lower()
    if scheme not in ("http", "https") or not parsed.host:
        raise InsecureURLError(f"The base URL {shown!r}{source} is not an http(s) URL with a host.")
    host = parsed.host.lower()
    # The proxy choice and the loopback check below read the URL with urllib.parse; the connection
    # is made from urllib3's reading. Both must name the same place.
    if (
        split.scheme.lower() != scheme
        or (split.hostname or "").lower() != host.strip("[]")
        or split_port != parsed.port
    ):
        raise refuse("URL parsers disagree about its host or port.")
    loopback = is_loopback(host)
    if scheme == "http" and not loopback:
        raise InsecureURLError(
            f"Refusing the plain-http base URL {shown!r}{source}: your user ID would travel unencrypted. "
            "Use https://, or http:// only to a loopback address such as 127.0.0.1."
        )
    path = (parsed.path or "").rstrip("/")
    netloc = host if parsed.port is None else f"{host}:{parsed.port}"
    return BaseURL(f"{scheme}://{netloc}{path}", scheme, host.strip("[]"), parsed.port, loopback)
