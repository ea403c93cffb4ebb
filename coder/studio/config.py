"""Label Studio labelling configs generated from the codebook, and results read back.

A *view* is the set of frames a question is coded with (questions II, III and IV of the
report's codebook share the view ``literacy+readiness``). Each view gets one config: the
question (from the task's data), the contribution's text, one ``<Choices>`` block per frame
(``choice="multiple"`` for multi-select frames, ``"single"`` for exclusive ones) whose choices
are the codes' report labels with each code's definition shown under its label (Label Studio
shows a choice's ``hint`` nowhere a coder looks, so the definition is in the choice's ``html``,
and in the ``hint`` as well), a "Not relevant" option with a reason box that must be filled in
when it is ticked, and a free comment.

What a coder reads about a project is in words (:func:`project_texts`): its title and
description say what to code and how many contributions; its instructions (shown before
labelling) hold the view's codebook with the include and exclude examples. coder's own key for
the project stays out of sight, in a ``<meta>`` element at the end of the instructions.

Control names that are not frames start with ``_``, which no frame id can (see
:mod:`coder.data.codebook`), so they never collide.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import sys
import threading
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from coder.data.codebook import Codebook, Frame
from coder.errors import CodebookError, Problem

TEXT = "_text"
NOT_RELEVANT = "_not_relevant"
NOT_RELEVANT_LABEL = "Not relevant"
REASON = "_reason"
COMMENT = "_comment"
CONFIG_DIR = Path("labelstudio") / "configs"
NO_FRAMES = "none"
_VALIDATOR = "label_studio_sdk.label_interface.interface"


@dataclass(frozen=True)
class View:
    """The frames one group of questions is coded with, in codebook order."""

    frames: tuple[Frame, ...]

    @property
    def key(self) -> str:
        return "+".join(f.id for f in self.frames) or NO_FRAMES

    def frame(self, frame_id: str) -> Frame | None:
        return next((f for f in self.frames if f.id == frame_id), None)


def view_for(codebook: Codebook, question: str) -> View:
    """The view of a question: the frames that apply to it."""
    return View(tuple(codebook.frames_for(question)))


def views(codebook: Codebook) -> dict[str, View]:
    """Every distinct view of a codebook, by key, in question order."""
    out: dict[str, View] = {}
    for q in codebook.questions:
        v = view_for(codebook, q.id)
        out.setdefault(v.key, v)
    return out


def question_text(codebook: Codebook, question: str) -> str:
    q = codebook.question(question)
    return f"{q.label}: {q.text}" if q.text else q.label


def _attr(value: str, collapse: bool = False) -> str:
    """An XML attribute value, quoted and escaped (``collapse`` joins whitespace runs)."""
    return quoteattr(" ".join(value.split()) if collapse else value)


def labeling_config(view: View, review: bool = False) -> str:
    """The Label Studio XML config of a view.

    With ``review=True`` the config also shows the model's suggestions and scores (task data
    ``suggestions``); otherwise nothing about a model is shown.

    Raises
    ------
    CodebookError
        when a label cannot be shown safely (Label Studio reads a leading ``$`` as a variable).
    """
    problems = [
        Problem("codebook", None, f"frames.{f.id}.codes.{c.id}.label", repr(c.label),
                "a label that does not start with '$'", "reword the label")
        for f in view.frames
        for c in f.codes
        if c.label.startswith("$")
    ]  # fmt: skip
    if problems:
        raise CodebookError(problems)
    lines = [
        "<View>",
        '  <Header value="$question" size="4"/>',
        f'  <Text name="{TEXT}" value="$text"/>',
    ]
    if review:
        lines += [
            '  <View style="background: #f4f4f4; padding: 4px 8px; margin: 8px 0">',
            '    <Header value="Model suggestions (ticked below; untick what is wrong)" size="6"/>',
            '    <Text name="_suggestions" value="$suggestions"/>',
            "  </View>",
        ]
    for frame in view.frames:
        how = "choose one" if frame.exclusive else "choose all that apply"
        nested = ' allowNested="true"' if frame.depth > 1 else ""
        lines += [
            f'  <Header value={_attr(f"{frame.label} ({how})")} size="5"/>',
            f'  <Choices name={_attr(frame.id)} toName="{TEXT}" '
            f'choice="{"single" if frame.exclusive else "multiple"}" showInline="false"{nested}>',
        ]
        lines += _choice_lines(frame, "", "    ")
        lines.append("  </Choices>")
    lines += [
        '  <Header value="Exclusion and comments" size="5"/>',
        f'  <Choices name="{NOT_RELEVANT}" toName="{TEXT}" choice="single" showInline="true">',
        f'    <Choice value="{NOT_RELEVANT_LABEL}" hint='
        f'"{escape("The contribution does not answer the question: say why below")}"/>',
        "  </Choices>",
        f'  <View visibleWhen="choice-selected" whenTagName="{NOT_RELEVANT}" '
        f'whenChoiceValue="{NOT_RELEVANT_LABEL}">',
        f'    <TextArea name="{REASON}" toName="{TEXT}" required="true" maxSubmissions="1" '
        'editable="true" placeholder="Why is it not relevant? (required)"/>',
        "  </View>",
        f'  <TextArea name="{COMMENT}" toName="{TEXT}" maxSubmissions="1" editable="true" '
        'placeholder="Comment (optional)"/>',
        "</View>",
    ]
    return "\n".join(lines) + "\n"


def _choice_lines(frame: Frame, parent: str, indent: str) -> list[str]:
    """The ``<Choice>`` elements of the codes under ``parent``, each holding its children
    (a code tree shows as nested choices; a flat frame as a list)."""
    lines = []
    for code in frame.children(parent):
        hint = f" hint={_attr(code.definition, collapse=True)}" if code.definition else ""
        html = f" html={_attr(choice_html(code.label, code.definition))}"
        children = _choice_lines(frame, code.id, indent + "  ")
        if children:
            lines += [f"{indent}<Choice value={_attr(code.label)}{html}{hint}>", *children,
                      f"{indent}</Choice>"]  # fmt: skip
        else:
            lines.append(f"{indent}<Choice value={_attr(code.label)}{html}{hint}/>")
    return lines


def choice_html(label: str, definition: str) -> str:
    """What a choice shows: its label in bold, its definition under it in smaller type."""
    shown = f"<b>{escape(label)}</b>"
    text = " ".join(definition.split())
    if text:
        shown += (
            '<span style="display: block; font-size: 12px; line-height: 1.35; color: #555; '
            f'white-space: normal; margin: 2px 0 4px">{escape(text)}</span>'
        )
    return shown


KEY_NAME = "coder-key"
TITLE_MAX = 50  # Label Studio's limit
_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def key_tag(key: str) -> str:
    """The element that carries coder's key of a project in its instructions: a ``<meta>``,
    which the interface does not show (Label Studio strips HTML comments, keeps ``meta``)."""
    value = escape(key, {'"': "&quot;"})
    return f'<meta name="{KEY_NAME}" value="{value}">'


def key_in(text: str) -> str | None:
    """coder's key in a project's instructions (or description, as older pushes wrote it)."""
    for tag in _META.findall(text):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("name") == KEY_NAME and attrs.get("value"):
            return unescape(attrs["value"])
    for line in text.splitlines():
        if line.startswith(f"{KEY_NAME}: "):
            return line[len(KEY_NAME) + 2 :].strip() or None
    return None


def project_texts(view: View, n: int, round_id: str, review: bool = False) -> dict[str, str]:
    """A project's ``title``, ``description`` and ``instructions`` (HTML), in words.

    >>> v = View(())
    >>> project_texts(v, 1, "coding-1")["title"]
    'Code 1 contribution: relevance (coding-1)'
    """
    noun = "contribution" if n == 1 else "contributions"
    verb = "Review" if review else "Code"
    labels = ", ".join(f.label for f in view.frames) or "relevance"
    short = " and ".join(f.id.replace("_", " ") for f in view.frames).capitalize() or "Relevance"
    title = next(
        (t for t in (f"{verb} {n} {noun}: {labels} ({round_id})",
                     f"{verb} {n}: {labels} ({round_id})",
                     f"{verb} {n}: {short} ({round_id})") if len(t) <= TITLE_MAX),
        f"{verb} {n}: {short} ({round_id})"[: TITLE_MAX - 1] + "…",
    )  # fmt: skip
    task = (
        f"For each of these {n} {noun}, the model's suggested codes are ticked: keep what is "
        "right, untick what is wrong and tick what it missed."
        if review
        else f"Read each of these {n} {noun} and tick the codes that apply."
    )
    frames = " ".join(
        f"{f.label}: {'choose one' if f.exclusive else 'tick every code that applies'}."
        for f in view.frames
    )
    rest = (
        "Each code's definition is under its label; the codebook with examples is under "
        "Instructions. If a contribution does not answer its question, tick Not relevant and "
        "say why."
    )
    description = " ".join(p for p in (task, frames, rest) if p)
    return {"title": title, "description": description,
            "instructions": codebook_html(view, task)}  # fmt: skip


def codebook_html(view: View, task: str) -> str:
    """The view's codebook as HTML for a project's instructions."""
    parts = [f"<p>{escape(task)}</p>"]
    for frame in view.frames:
        how = "choose one" if frame.exclusive else "tick every code that applies"
        parts.append(f"<h3>{escape(frame.label)} ({how})</h3><dl>")
        for code in frame.codes:
            parts.append(f"<dt><b>{escape(code.label)}</b></dt><dd>")
            parts.append(escape(" ".join(code.definition.split())))
            for name, examples in (("Include", code.include), ("Exclude", code.exclude)):
                if examples:
                    items = "".join(f"<li>{escape(e)}</li>" for e in examples)
                    parts.append(f"<br/><i>{name}:</i><ul>{items}</ul>")
            parts.append("</dd>")
        parts.append("</dl>")
    parts.append(
        "<p><b>Not relevant</b>: the contribution does not answer its question; say why in "
        "the box that appears.</p>"
    )
    return "".join(parts)


def validate_config(xml: str) -> None:
    """Check a config with the Label Studio SDK's label interface.

    Raises
    ------
    CodebookError
        with the SDK's message when the config is not valid.
    """
    from label_studio_sdk.label_interface.interface import LabelInterface

    try:
        LabelInterface(xml).validate()  # type: ignore[no-untyped-call]
    except Exception as exc:  # the SDK raises several unrelated types for invalid configs
        raise CodebookError(
            [Problem("labelling config", None, None, str(exc)[:300],
                     "a config Label Studio accepts", "check the codebook's ids and labels")]
        ) from exc  # fmt: skip


def _config_path(annotations_dir: Path, view: View, review: bool) -> Path:
    return annotations_dir / CONFIG_DIR / f"{'review-' if review else ''}{view.key}.xml"


def preload_validator(annotations_dir: Path, codebook: Codebook, review: bool = False) -> None:
    """Import the SDK's label interface in a background thread when a config will need
    validating (the import takes a second or two; a push has other things to do meanwhile)."""
    if _VALIDATOR in sys.modules:
        return
    stale = any(
        not _config_path(annotations_dir, v, review).exists()
        or _config_path(annotations_dir, v, review).read_text(encoding="utf-8")
        != labeling_config(v, review)
        for v in views(codebook).values()
    )
    if stale:
        threading.Thread(target=importlib.import_module, args=(_VALIDATOR,), daemon=True).start()


def config_sha(xml: str) -> str:
    return hashlib.sha256(xml.encode("utf-8")).hexdigest()


def write_config(annotations_dir: Path, view: View, review: bool = False) -> tuple[Path, str]:
    """Generate, validate and store a view's config under ``annotations/labelstudio/configs``
    (validated again only when it differs from the stored one).

    Returns the file and the XML.
    """
    xml = labeling_config(view, review)
    path = _config_path(annotations_dir, view, review)
    folder = path.parent
    # A stored config was validated when it was written (the SDK's import takes seconds).
    if not path.exists() or path.read_text(encoding="utf-8") != xml:
        validate_config(xml)
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(xml, encoding="utf-8")
    return path, xml


def choices_result(view: View, codes: dict[str, set[str]]) -> list[dict[str, Any]]:
    """A Label Studio result (list of regions) ticking ``codes`` (code ids per frame)."""
    out = []
    for frame in view.frames:
        chosen = codes.get(frame.id, set())
        if chosen:  # a nested choice by its own label, which the SDK validates
            labels = [c.label for c in frame.codes if c.id in chosen]
            out.append(_choices(frame.id, labels))
    return out


def exclusion_result(reason: str) -> list[dict[str, Any]]:
    """The result regions that mark an item not relevant, with its reason."""
    return [
        _choices(NOT_RELEVANT, [NOT_RELEVANT_LABEL]),
        {"from_name": REASON, "to_name": TEXT, "type": "textarea", "value": {"text": [reason]}},
    ]


def _choices(name: str, labels: list[str]) -> dict[str, Any]:
    return {"from_name": name, "to_name": TEXT, "type": "choices", "value": {"choices": labels}}


@dataclass
class ParsedResult:
    """An annotation's result read back: code ids per frame, exclusion, texts."""

    codes: dict[str, set[str]]
    not_relevant: bool
    reason: str
    comment: str


def parse_result(
    view: View, result: list[dict[str, Any]], where: str, problem: Any
) -> ParsedResult:
    """Read an annotation's result against its view; report what does not fit to ``problem``.

    ``problem(column, found, expected, fix)`` is called once per problem; nothing is raised.
    """
    parsed = ParsedResult({}, False, "", "")
    for region in result:
        name = str(region.get("from_name", ""))
        value = region.get("value") or {}
        if name in (REASON, COMMENT):
            text = "\n".join(str(t) for t in value.get("text", []) if str(t).strip()).strip()
            if name == REASON:
                parsed.reason = text
            else:
                parsed.comment = text
            continue
        choices = value.get("choices")
        if isinstance(choices, str):  # a single choice given as a string (JSON-MIN style)
            choices = [choices]
        if not isinstance(choices, list):
            problem(name, f"a {region.get('type')!r} result", "choices", "use the generated config")
            continue
        if name == NOT_RELEVANT:
            parsed.not_relevant = NOT_RELEVANT_LABEL in choices
            continue
        frame = view.frame(name)
        if frame is None:
            problem(
                name,
                f"the control {name!r} ({where})",
                "one of the frames " + (", ".join(f.id for f in view.frames) or "(none)"),
                "the config was edited in Label Studio: restore the generated config "
                "(coder studio push) and have the task coded again",
            )
            continue
        codes = parsed.codes.setdefault(frame.id, set())
        for label in choices:
            if isinstance(label, list) and label:  # a nested choice as its path of labels
                label = label[-1]
            code = frame.resolve(str(label))
            if code is None:
                problem(
                    name,
                    f"the code {str(label)!r} ({where}), not in the codebook",
                    f"a code of frame {frame.id!r}: " + ", ".join(c.label for c in frame.codes),
                    "the config was edited in Label Studio: add the code to the codebook, or "
                    "restore the generated config and have the task coded again",
                )
            else:
                codes.add(code)
        if frame.exclusive and len(codes) > 1:
            problem(
                name,
                f"{len(codes)} codes in the exclusive frame {frame.id!r} ({where})",
                "one code",
                "restore the generated config (choice=single) and have the task coded again",
            )
    parsed.codes = {f: c for f, c in parsed.codes.items() if c}
    return parsed
