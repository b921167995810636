"""The stylesheets are sent minified (the page budget counts them), with the same rules as the
readable files in web/static, and with the validators a browser's cache uses."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import rcssmin
from fastapi.testclient import TestClient

STATIC = Path(str(resources.files("trdnav.web").joinpath("static")))


def test_every_stylesheet_is_sent_minified_with_its_rules_intact(client: TestClient) -> None:
    sheets = sorted(STATIC.glob("*.css"))
    assert {sheet.name for sheet in sheets} >= {"style.css", "results.css", "print.css", "questions.css"}
    for sheet in sheets:
        source = sheet.read_text(encoding="utf-8")
        sent = client.get(f"/static/{sheet.name}")
        assert sent.status_code == 200 and sent.headers["content-type"].startswith("text/css")
        assert sent.text == rcssmin.cssmin(source), sheet.name
        assert len(sent.content) < 0.9 * len(source.encode()), f"{sheet.name} is not smaller"
        assert "/*" not in sent.text and "\n" not in sent.text.strip()
        # the same rules: every selector and declaration of the source is still there, spaces aside
        for selector in ("body", ".crisis", ".option-grid", "@media"):
            if selector in source:
                assert selector in sent.text, (sheet.name, selector)


def test_a_stylesheet_the_browser_has_is_not_sent_again(client: TestClient) -> None:
    first = client.get("/static/results.css")
    etag = first.headers["etag"]
    again = client.get("/static/results.css", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    changed = client.get("/static/results.css", headers={"If-None-Match": '"another"'})
    assert changed.status_code == 200 and changed.content == first.content
    assert client.get("/static/style.css").headers["etag"] != etag, "each sheet has its own"


def test_other_static_files_and_missing_ones_are_served_as_before(client: TestClient) -> None:
    others = [path for path in STATIC.rglob("*") if path.is_file() and path.suffix != ".css"]
    assert others, "web/static has files besides the stylesheets"
    sample = others[0]
    sent = client.get(f"/static/{sample.relative_to(STATIC).as_posix()}")
    assert sent.status_code == 200 and sent.content == sample.read_bytes()
    assert client.get("/static/nope.css").status_code == 404
