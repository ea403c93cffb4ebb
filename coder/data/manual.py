"""The coding manual: a codebook written out for the people who code with it.

For every frame, the questions it applies to and whether one or several codes may be chosen;
for every code, its report label, its id, its definition, and its examples that belong
(``include``) and near misses that do not (``exclude``). Only what the codebook holds is
shown: a field the codebook leaves empty reads "none given".

Two renderings of the same content: Markdown (:func:`manual_markdown`) and a self-contained
HTML page with inline style and no script (:func:`manual_html`). Every text taken from the
codebook is escaped, so a label such as ``<script>`` is shown, never run or rendered as markup.

>>> from coder.data.codebook import load_codebook
>>> text = manual_markdown(load_codebook())
>>> text.splitlines()[0]
'# Coding manual: Building a digital ready workforce (2017 national online workshop)'
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from coder.data.codebook import Code, Codebook, Frame

FORMATS = ("markdown", "html")
NONE_GIVEN = "none given"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|&!~])")

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.45;
       max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1d; }
h1 { font-size: 1.7rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ccc; }
h3 { margin-bottom: 0.3rem; } code { background: #f2f2f2; padding: 0 0.2rem; }
.meta, .none { color: #555; } .none { font-style: italic; }
dt { font-weight: 600; margin-top: 0.4rem; } dd { margin-left: 1.2rem; }
section.code { margin-bottom: 1.4rem; }
""".strip()


def _plain(text: str) -> str:
    """A codebook text on one line (whitespace runs joined)."""
    return " ".join(text.split())


def _md(text: str) -> str:
    """Codebook text as literal Markdown: punctuation that would be markup is escaped."""
    return _MD_SPECIAL.sub(r"\\\1", _plain(text))


def _h(text: str) -> str:
    """Codebook text as HTML text or attribute value."""
    return html.escape(_plain(text), quote=True)


def _selection(frame: Frame) -> str:
    if frame.exclusive:
        return "exclusive (choose at most one code)"
    return "multiple (choose every code that applies)"


def _questions(codebook: Codebook, frame: Frame, fmt: Callable[[str], str]) -> str:
    return "; ".join(fmt(codebook.question(q).label) for q in frame.questions)


def manual_markdown(codebook: Codebook) -> str:
    """The coding manual of a codebook as Markdown.

    Parameters
    ----------
    codebook : Codebook
        The codebook to describe.

    Returns
    -------
    str
        Markdown text ending with a newline; every codebook text in it is escaped.
    """
    out = [
        f"# Coding manual: {_md(codebook.title)}",
        "",
        f"Codebook `{codebook.id}`, version `{codebook.hash}`. Generated from the codebook by "
        "`coder codebook manual`: change the codebook, not this text.",
        "",
        "## Questions",
        "",
    ]
    for q in codebook.questions:
        text = _md(q.text) if q.text else f"*{NONE_GIVEN}*"
        frames = "; ".join(_md(f.label) for f in codebook.frames_for(q.id)) or "no frame"
        out.append(f"- **{_md(q.label)}** (`{q.id}`): {text} Coded with: {frames}.")
    out += [
        "",
        "## Not relevant",
        "",
        "Any item can be marked *not relevant* instead of being coded; it is then left out of "
        "the tables, and the reason must be written down.",
    ]
    for frame in codebook.frames:
        out += [
            "",
            f"## {_md(frame.label)} (`{frame.id}`)",
            "",
            f"Questions: {_questions(codebook, frame, _md)}. Selection: {_selection(frame)}.",
            "",
            "Codes: " + "; ".join(_md(c.label) for c in frame.codes) + ".",
        ]
        for code in frame.codes:
            out += ["", *_code_markdown(code)]
    return "\n".join(out) + "\n"


def _code_markdown(code: Code) -> list[str]:
    definition = _md(code.definition) if code.definition else f"*{NONE_GIVEN}*"
    out = [f"### {_md(code.label)} (`{code.id}`)", "", f"**Definition.** {definition}", ""]
    for title, examples in (
        ("Include (examples that belong)", code.include),
        ("Exclude (near misses that do not belong)", code.exclude),
    ):
        if examples:
            out += [f"**{title}:**", "", *(f"- {_md(e)}" for e in examples), ""]
        else:
            out += [f"**{title}:** *{NONE_GIVEN}*", ""]
    return out[:-1]


def manual_html(codebook: Codebook) -> str:
    """The coding manual of a codebook as a self-contained HTML page (inline style, no script).

    Parameters
    ----------
    codebook : Codebook
        The codebook to describe.

    Returns
    -------
    str
        An HTML5 document ending with a newline; every codebook text in it is escaped.
    """
    title = f"Coding manual: {_h(codebook.title)}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{title}</h1>",
        f'<p class="meta">Codebook <code>{_h(codebook.id)}</code>, version '
        f"<code>{_h(codebook.hash)}</code>. Generated from the codebook by "
        "<code>coder codebook manual</code>: change the codebook, not this page.</p>",
        "<nav><h2>Contents</h2><ul>",
        '<li><a href="#questions">Questions</a></li>',
        '<li><a href="#not-relevant">Not relevant</a></li>',
        *(f'<li><a href="#frame-{_h(f.id)}">{_h(f.label)}</a></li>' for f in codebook.frames),
        "</ul></nav>",
        '<h2 id="questions">Questions</h2>',
        "<dl>",
    ]
    for q in codebook.questions:
        text = _h(q.text) if q.text else f'<span class="none">{NONE_GIVEN}</span>'
        frames = "; ".join(_h(f.label) for f in codebook.frames_for(q.id)) or "no frame"
        out += [
            f"<dt>{_h(q.label)} (<code>{_h(q.id)}</code>)</dt>",
            f"<dd>{text}<br>Coded with: {frames}.</dd>",
        ]
    out += [
        "</dl>",
        '<h2 id="not-relevant">Not relevant</h2>',
        "<p>Any item can be marked <em>not relevant</em> instead of being coded; it is then "
        "left out of the tables, and the reason must be written down.</p>",
    ]
    for frame in codebook.frames:
        out += [
            f'<h2 id="frame-{_h(frame.id)}">{_h(frame.label)} (<code>{_h(frame.id)}</code>)</h2>',
            f"<p>Questions: {_questions(codebook, frame, _h)}. Selection: {_selection(frame)}.</p>",
        ]
        for code in frame.codes:
            out += _code_html(frame, code)
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def _code_html(frame: Frame, code: Code) -> list[str]:
    none = f'<span class="none">{NONE_GIVEN}</span>'
    out = [
        f'<section class="code" id="code-{_h(frame.id)}-{_h(code.id)}">',
        f"<h3>{_h(code.label)} (<code>{_h(code.id)}</code>)</h3>",
        "<dl>",
        "<dt>Definition</dt>",
        f"<dd>{_h(code.definition) if code.definition else none}</dd>",
    ]
    for title, examples in (
        ("Include (examples that belong)", code.include),
        ("Exclude (near misses that do not belong)", code.exclude),
    ):
        out.append(f"<dt>{title}</dt>")
        if examples:
            out += ["<dd><ul>", *(f"<li>{_h(e)}</li>" for e in examples), "</ul></dd>"]
        else:
            out.append(f"<dd>{none}</dd>")
    out += ["</dl>", "</section>"]
    return out


def render_manual(codebook: Codebook, fmt: str = "markdown") -> str:
    """The coding manual in ``fmt`` (``"markdown"`` or ``"html"``).

    Raises
    ------
    ValueError
        for any other format.
    """
    if fmt == "markdown":
        return manual_markdown(codebook)
    if fmt == "html":
        return manual_html(codebook)
    raise ValueError(f"unknown manual format {fmt!r}; expected one of {', '.join(FORMATS)}")
