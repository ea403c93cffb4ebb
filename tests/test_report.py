"""The report: self-contained HTML and XLSX, escaped and neutralised, checked in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.cli.main import main
from coder.data.codings import Coding, store_codings
from coder.data.contributions import ingest
from coder.data.store import open_project
from tests.conftest import write_csv

HOSTILE = [
    '<script>window.pwned = 1; alert("x")</script> We need better training for staff.',
    '"><img src=x onerror="window.pwned=2"> Learning should be part of induction.',
    '=HYPERLINK("http://evil.example","click") training matters for every band.',
    "+44 7700 900123 is my number, call Dr Priya Raman about training; -1 for e-learning.",
    "@SUM(1+1) mandatory training must include digital skills & <b>basics</b>.",
]


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    assert CliRunner().invoke(main, ["demo", "--out", str(out), "--tables-only"]).exit_code == 0
    root = out / "project"
    ideas = [{"idea_id": f"evil-{n}", "question": "IV", "text": t, "author_id": "P0001"}
             for n, t in enumerate(HOSTILE)]  # fmt: skip
    votes = [{"voter_id": f"P{k:04d}", "target_id": f"evil-{n}", "value": "+1"}
             for n in range(len(HOSTILE)) for k in range(2, 80)]  # fmt: skip
    with open_project(root) as project:
        ingest(project, ideas=write_csv(out / "evil.csv", ideas),
               votes=write_csv(out / "evil_votes.csv", votes))  # fmt: skip
        store_codings(project, {
            (f"evil-{n}", "gold"): Coding({"literacy": {"learning"}, "readiness": {"skills"}})
            for n in range(len(HOSTILE))}, kind="reference")  # fmt: skip
    for name in ("report.html", "report.xlsx"):
        result = CliRunner().invoke(main, ["report", str(root), "--coder", "gold",
                                           "--out", str(out / name)])  # fmt: skip
        assert result.exit_code == 0, result.output
    return out


def test_html_is_self_contained_and_escaped(hostile_project: Path) -> None:
    page = (hostile_project / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page and "onerror=" not in page.replace("onerror=&quot;", "")
    assert "&lt;script&gt;window.pwned" in page
    assert "&quot;&gt;&lt;img src=x onerror=&quot;window.pwned=2&quot;&gt;" in page
    assert "http://" not in page.replace("http://evil.example", "")  # no external resource
    assert 'http-equiv="Content-Security-Policy"' in page
    # Quotes are redacted: the phone number and the name do not reach the page.
    assert "7700 900123" not in page and "Priya Raman" not in page
    for heading in ("At a glance", "Contents", "Net votes by code", "Balance of contributions",
                    "I. New vision", "IV. Great examples", "Participant profile"):  # fmt: skip
        assert heading in page
    # reliability when there are two human coders, else the summary says why there is none
    assert ("<h2 id=reliability>" in page) != ("Agreement needs two human coders" in page)
    # the summary opens the page, before the contents
    assert page.index("At a glance") < page.index('aria-label="Contents"') < page.index("<svg")
    assert "<svg" in page and '<title id="chart-title">' in page


def test_xlsx_neutralises_formulas(hostile_project: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(hostile_project / "report.xlsx")
    assert "Quotes" in book.sheetnames
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    texts = [c for c in cells if isinstance(c, str)]
    assert not any(t.startswith(("=", "+", "-", "@", "\t", "\r")) for t in texts)
    assert any(t.startswith("'=HYPERLINK") for t in texts)


def test_report_renders_in_a_real_browser(hostile_project: Path) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((hostile_project / "report.html").as_uri())
        assert page.title().startswith("Building a digital ready workforce")
        assert page.locator("h2").count() >= 7
        assert page.locator("table").count() >= 20
        assert page.locator("script").count() == 0
        assert page.evaluate("typeof window.pwned") == "undefined"
        # every contents link leads to a section; the chart draws one visible bar per code
        links = page.locator("nav a").evaluate_all("els => els.map(e => e.hash.slice(1))")
        assert links and all(page.locator(f"h2#{k}").count() == 1 for k in links)
        assert len(links) == page.locator("h2[id]").count() - 1  # all but "Contents"
        bars = page.locator("svg rect.bar")
        assert bars.count() > 10
        box = page.locator("svg").first.bounding_box()
        assert box is not None and box["width"] > 300
        quotes = page.locator("blockquote").all_inner_texts()
        assert any("<script>" in q for q in quotes)  # shown as text
        browser.close()
    assert errors == [] and dialogs == []
