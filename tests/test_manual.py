"""The coding manual: every code with what the codebook says of it, escaped, in both formats."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.cli.manual import manual
from coder.data.codebook import Codebook, load_codebook, parse_codebook
from coder.data.manual import NONE_GIVEN, manual_html, manual_markdown, render_manual
from coder.data.store import Project

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def bundled() -> Codebook:
    return load_codebook()


def _codebook(code: dict[str, object], title: str = "Study") -> Codebook:
    return parse_codebook(
        {
            "id": "study",
            "title": title,
            "questions": [{"id": "Q1", "label": "Q1. What should change?"}],
            "frames": [
                {
                    "id": "themes",
                    "label": "Themes",
                    "selection": "exclusive",
                    "questions": ["Q1"],
                    "codes": [code, {"id": "other", "label": "Other theme"}],
                }
            ],
        }
    )


def test_every_code_appears_with_its_definition_and_examples(bundled: Codebook) -> None:
    md, page = manual_markdown(bundled), manual_html(bundled)
    plain_md = md.replace("\\", "")  # Markdown escapes removed
    for frame in bundled.frames:
        assert frame.label in plain_md and frame.label in page
        for code in frame.codes:
            assert code.definition and code.include and code.exclude
            for text in (code.label, code.definition, *code.include, *code.exclude):
                assert _one_line(text) in plain_md, (code.id, text)
                assert html.escape(_one_line(text)) in page, (code.id, text)
            assert f"(`{code.id}`)" in md
            assert f"<code>{code.id}</code>" in page
    assert NONE_GIVEN not in md  # the bundled codebook gives every field
    for q in bundled.questions:
        assert q.label in plain_md and html.escape(q.label) in page


def test_absent_fields_say_none_given_and_nothing_is_invented() -> None:
    cb = _codebook({"id": "bare", "label": "Bare code"})
    md, page = manual_markdown(cb), manual_html(cb)
    bare = md.split("### Bare code")[1].split("###")[0]
    assert bare.count(NONE_GIVEN) == 3  # definition, include, exclude
    assert "- " not in bare  # no example listed
    section = page.split('id="code-themes-bare"')[1].split("</section>")[0]
    assert section.count(NONE_GIVEN) == 3 and "<li>" not in section
    assert "exclusive (choose at most one code)" in md
    assert "**Q1. What should change?** (`Q1`): *none given*" in md  # the question has no text


def test_a_hostile_label_is_escaped_in_html() -> None:
    cb = _codebook(
        {"id": "evil", "label": HOSTILE, "definition": HOSTILE, "include": [HOSTILE]}, HOSTILE
    )
    page = manual_html(cb)
    assert "<script" not in page and "<img" not in page and "onerror=alert(1)>" not in page
    assert html.escape(HOSTILE, quote=True) in page
    assert page.count("&lt;script&gt;") >= 4  # title, heading, label, definition, example
    md = manual_markdown(cb)
    assert not re.search(r"(?<!\\)[<>]", md)  # every angle bracket escaped
    assert "\\<script\\>" in md


def test_html_is_one_self_contained_page(bundled: Codebook) -> None:
    page = manual_html(bundled)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page.lower()
    assert "http://" not in page and "https://" not in page and "<link" not in page


def test_render_manual_formats(bundled: Codebook) -> None:
    assert render_manual(bundled, "markdown") == manual_markdown(bundled)
    assert render_manual(bundled, "html") == manual_html(bundled)
    with pytest.raises(ValueError, match="markdown, html"):
        render_manual(bundled, "pdf")


def test_the_command_writes_markdown_and_html(tmp_path: Path, bundled: Codebook) -> None:
    runner = CliRunner()
    result = runner.invoke(manual, [])
    assert result.exit_code == 0, result.output
    assert result.output == manual_markdown(bundled)
    out = tmp_path / "manual.html"
    result = runner.invoke(manual, ["--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == manual_html(bundled)
    assert "Wrote" in result.output


def test_the_command_reads_a_file_or_a_project(tmp_path: Path, project: Project) -> None:
    book = tmp_path / "book.yaml"
    book.write_text(_codebook({"id": "bare", "label": "Bare code"}).to_yaml(), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(manual, [str(book)])
    assert result.exit_code == 0, result.output
    assert "### Bare code" in result.output
    result = runner.invoke(manual, ["--project", str(project.path), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert result.output == manual_html(project.codebook)
    result = runner.invoke(manual, [str(book), "--project", str(project.path)])
    assert result.exit_code == 2 and "not both" in result.output


def test_the_command_reports_a_bad_codebook_cleanly(tmp_path: Path) -> None:
    book = tmp_path / "book.yaml"
    book.write_text("id: x\nquestions: []\n", encoding="utf-8")
    result = CliRunner().invoke(manual, [str(book)])
    assert result.exit_code == 2
    assert "Error:" in result.output and "Traceback" not in result.output
