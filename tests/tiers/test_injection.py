"""Markdown injection (issue 12): nothing a user puts into a share link, a file name or a
file is rendered as Markdown or HTML on the dashboard's page.

Streamlit renders the body of ``st.error``/``st.warning``/``st.success``/``st.caption``/
``st.markdown`` as Markdown (with its ``:red-background[...]`` directives and ``$`` math).
The app either shows user text with ``st.code`` (the URL warning box) or passes the whole
message through ``rebalancing.errors.markdown_text``, which backslash-escapes every ASCII
punctuation mark (CommonMark). The check here: with the escaped pairs removed, no
punctuation that could start markup is left in any rendered body that carries user text.
"""

import json
import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from rebalancing.errors import markdown_text

APP = str(Path(__file__).resolve().parents[2] / "app.py")

LINK = "[Session expired - sign in](http://evil.example)"
IMAGE = "![x](http://evil.example/p.png)"
PAYLOADS = ("[x](http://e)", "![i](http://e/i.png)", ":red-background[FAKE]", "<img src=x>")

#: Characters that open Markdown/HTML/Streamlit markup: links and images ``[``/``!``,
#: raw HTML ``<``, directives and emoji ``:``, math ``$``, emphasis and code ``* _ ` ~``.
MARKUP = re.compile(r"[\[\]!<>:$*_`~]")
ESCAPED = re.compile(r"\\[!-/:-@\[-`{-~]")


@pytest.fixture(autouse=True)
def clear_cache():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def bodies(at) -> list[str]:
    """Every rendered Markdown body on the page: alerts, captions, markdown."""
    return [
        e.value
        for kind in ("error", "warning", "success", "info", "caption", "markdown")
        for e in getattr(at, kind)
    ]


def unescaped_markup(body: str) -> list[str]:
    return MARKUP.findall(ESCAPED.sub("", body))


def uploader(at):
    (w,) = [u for u in at.file_uploader if u.key.startswith("upload_")]
    return w


def shown_text(markdown: str) -> str:
    """The text a reader sees: escapes resolved (as a renderer does)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


#: GFM autolink literals, which Streamlit's renderer finds in the text after escapes are
#: resolved: a bare address becomes a link unless broken.
AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|xmpp):|www\.|@[-\w]")


def test_markdown_text_escapes_every_ascii_punctuation_mark():
    for payload in (LINK, IMAGE, *PAYLOADS, "$x$ **b** `c` ~~d~~ :material/home: a\\b"):
        out = markdown_text(payload)
        assert not unescaped_markup(out), out
        # the escapes (and zero-width spaces) are the only change
        assert shown_text(out).replace("\u200b", "") == payload


def test_markdown_text_keeps_bare_addresses_from_becoming_links():
    for payload in ("http://evil.example", "HTTPS://e.x/p", "www.evil.com", "me@evil.com"):
        out = shown_text(markdown_text(payload))
        assert not AUTOLINK.search(out), out
        assert out.replace("\u200b", "") == payload
    assert markdown_text("a\nb") == "a\\\\nb"  # a line break is shown, not rendered


@pytest.mark.parametrize(
    "name,content,shown",
    [
        (f"{LINK}.json", b'{"orderly": {"kappa": 99}}', "kappa"),  # bad value
        ("s.json", json.dumps({IMAGE: {"kappa": 1}}).encode(), "evil"),  # bad key, quoted
        ("s.json", json.dumps({"orderly": {IMAGE: 1}}).encode(), "evil"),
        (f"{LINK}.json", b'{"orderly": {"kappa": 1.5}}', "evil"),  # good file: named
        (f"{IMAGE}.toml", b"not = [toml", "evil"),  # unreadable: named
    ],
)
def test_an_uploaded_file_name_or_key_is_never_rendered(name, content, shown):
    at = AppTest.from_file(APP, default_timeout=60).run()
    uploader(at).set_value((name, content, "application/json")).run()
    assert not at.exception, [e.value for e in at.exception]
    alerts = [e.value for e in list(at.error) + list(at.success)]
    assert len(alerts) == 1, alerts
    assert shown in alerts[0]  # the user's text is shown...
    assert not unescaped_markup(alerts[0]), alerts[0]  # ...with every markup mark escaped
    for body in bodies(at):
        assert "](http" not in body and "![" not in body, body


def test_a_link_with_markup_in_parameter_names_and_values_shows_it_as_text():
    at = AppTest.from_file(APP, default_timeout=60)
    for i, p in enumerate(PAYLOADS):
        at.query_params[p] = "1"  # as a parameter name
        at.query_params[f"bad{i}"] = p  # as a value of an unknown parameter
    at.query_params["orderly.kappa"] = PAYLOADS[0]  # as the value of a lever
    at.query_params["view"] = PAYLOADS[1]
    at.query_params["pin"] = PAYLOADS[3]
    at.query_params["pin.orderly.kappa"] = PAYLOADS[2]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.warning) == 1  # one box
    (listing,) = [c.value for c in at.code if "unknown parameter" in c.value]
    for p in PAYLOADS:  # listed verbatim, as code (never rendered)
        assert p in listing
    for body in bodies(at):
        for p in PAYLOADS:
            assert p not in body, body
        assert "http://e" not in body, body
