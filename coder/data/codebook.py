"""Codebooks: questions, coding frames and codes, read from YAML and validated in one pass.

A codebook file looks like this (see ``coder/data/codebooks/digital_ready.yaml``)::

    id: my-study
    title: My study
    questions:
      - {id: I, label: "I. New vision", text: "Imagine ..."}
    frames:
      - id: vision
        label: Vision themes
        selection: multiple        # or: exclusive (at most one code per item)
        questions: [I]
        codes:
          - id: integration
            label: Integration of services   # the label printed in reports
            definition: Joined-up services, systems and records ...
            include: [examples that belong]
            exclude: [near misses that do not]
            codes:                           # optional child codes, to any depth
              - id: shared_records
                label: Shared care records

Codes form a tree within a frame: a code may hold child ``codes:``, each a code like any other
(see :mod:`coder.data.codetree`). Ids are unique within the frame, across all depths; a child's
id may also be written as its full path (``integration->shared_records``). ``Frame.codes`` is
every code of the tree, each after its parent (depth first), with its ``parent`` id, ``path``
(``integration->shared_records``) and ``depth`` (1 = top); a flat codebook is a tree of depth 1.

For a question with two frames, the first is the rows and the second the columns of its
crosstab. Any item can also be marked *not relevant* (excluded from the tables, with a reason);
that is not a code, so ``not_relevant`` is a reserved id.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from coder.data.frames import PATH_SEP, Code, Frame, Question, normal_path, unknown_id
from coder.errors import CodebookError, Problem

__all__ = [
    "NOT_RELEVANT",
    "PATH_SEP",
    "Code",
    "Codebook",
    "Frame",
    "Question",
    "TextLoader",
    "default_codebook_path",
    "load_codebook",
    "normal_path",
    "parse_codebook",
    "unknown_id",
]

NOT_RELEVANT = "not_relevant"
SELECTIONS = ("multiple", "exclusive")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Codebook:
    id: str
    title: str
    questions: tuple[Question, ...]
    frames: tuple[Frame, ...]

    @property
    def hash(self) -> str:
        """A stable content hash: the same codes, labels and rules give the same hash."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    def question(self, question_id: str) -> Question:
        """The question of that id; :class:`UnknownIdError` names the known ones otherwise."""
        for q in self.questions:
            if q.id == question_id:
                return q
        known = [q.id for q in self.questions]
        raise unknown_id("question", question_id, f"codebook {self.id!r}", known)

    def frame(self, frame_id: str) -> Frame:
        """The frame of that id; :class:`UnknownIdError` names the known ones otherwise."""
        for f in self.frames:
            if f.id == frame_id:
                return f
        known = [f.id for f in self.frames]
        raise unknown_id("frame", frame_id, f"codebook {self.id!r}", known)

    def frames_for(self, question_id: str) -> list[Frame]:
        """Frames that apply to a question, in codebook order (first = rows of its crosstab)."""
        return [f for f in self.frames if question_id in f.questions]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "questions": [{"id": q.id, "label": q.label, "text": q.text} for q in self.questions],
            "frames": [
                {
                    "id": f.id,
                    "label": f.label,
                    "selection": f.selection,
                    "questions": list(f.questions),
                    "codes": _codes_dict(f, ""),
                }
                for f in self.frames
            ],
        }

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)


def _codes_dict(frame: Frame, parent: str) -> list[dict[str, Any]]:
    """The codes under ``parent`` as YAML data; ``codes:`` only where a code has children (so
    a flat codebook's data, and hash, are as before trees)."""
    out = []
    for c in frame.children(parent):
        entry: dict[str, Any] = {
            "id": c.id,
            "label": c.label,
            "definition": c.definition,
            "include": list(c.include),
            "exclude": list(c.exclude),
        }
        if children := _codes_dict(frame, c.id):
            entry["codes"] = children
        out.append(entry)
    return out


def default_codebook_path() -> Path:
    """The report's codebook, shipped with the package."""
    return Path(str(resources.files("coder") / "data" / "codebooks" / "digital_ready.yaml"))


class TextLoader(yaml.SafeLoader):
    """YAML's safe loader with every plain scalar read as text, exactly as written.

    YAML 1.1 would turn ``no``/``yes``/``on``/``off`` into booleans, ``null`` and ``~`` into
    nothing, ``1.10`` into the number 1.1 and ``007`` into 7: a codebook's ids and labels must
    survive as written. Quoting is never needed; an empty value is an empty text.
    """


TextLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag in ("tag:yaml.org,2002:merge",)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and validate a codebook YAML file (the report's codebook when ``path`` is None).

    Raises
    ------
    CodebookError
        listing every problem in the file at once.
    """
    path = Path(path) if path is not None else default_codebook_path()
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CodebookError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"an unreadable file ({exc.strerror})",
                    "a readable YAML file",
                    "check the path",
                )
            ]
        ) from exc
    except UnicodeDecodeError as exc:
        raise CodebookError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"bytes that are not UTF-8 at offset {exc.start}",
                    "UTF-8 text",
                    "save the file as UTF-8",
                )
            ]
        ) from exc
    try:
        data = yaml.load(raw, Loader=TextLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise CodebookError(
            [
                Problem(
                    str(path),
                    row,
                    None,
                    f"invalid YAML ({getattr(exc, 'problem', exc)})",
                    "a YAML mapping",
                    "fix the YAML syntax at that line",
                )
            ]
        ) from exc
    return parse_codebook(data, source=str(path))


def parse_codebook(data: Any, source: str = "<codebook>") -> Codebook:
    """Validate a codebook given as plain data (as read from YAML) and build it."""
    problems: list[Problem] = []

    def problem(where: str, found: str, expected: str, fix: str) -> None:
        problems.append(Problem(source, None, where, found, expected, fix))

    def text(obj: dict[str, Any], key: str, where: str, required: bool = True) -> str:
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                problem(f"{where}.{key}", "nothing", "a non-empty text", f"add `{key}:`")
            return ""
        if not isinstance(value, str | int | float):
            problem(f"{where}.{key}", type(value).__name__, "a text", f"make `{key}` a text")
            return ""
        return str(value).strip()

    def ident(obj: dict[str, Any], where: str) -> str:
        value = text(obj, "id", where)
        if value and not _ID.match(value):
            problem(
                f"{where}.id",
                repr(value),
                "letters, digits, '_', '.', '-'",
                "rename the id without spaces or punctuation",
            )
        if value == NOT_RELEVANT:
            problem(
                f"{where}.id",
                repr(value),
                "an id other than the reserved 'not_relevant'",
                "rename it: exclusions are recorded separately, not as a code",
            )
        return value

    def child_id(obj: dict[str, Any], where: str, parent: Code | None) -> str:
        """A code's id; a child's may be written as its full path (``parent->child``)."""
        value = text(obj, "id", where)
        if PATH_SEP not in value:
            return ident(obj, where)
        path = normal_path(value)
        head, _, last = path.rpartition(PATH_SEP)
        if parent is None or head != parent.path:
            problem(
                f"{where}.id",
                repr(value),
                f"a path under {parent.path!r}" if parent else "an id (a top-level code)",
                "write the id alone, or the full path of its parent then `->` and the id",
            )
            return last
        return ident({**obj, "id": last}, where)

    def texts(obj: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = obj.get(key, [])
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problem(
                f"{where}.{key}",
                type(value).__name__,
                "a list of texts",
                f"write `{key}:` as a YAML list",
            )
            return ()
        return tuple(v.strip() for v in value)

    def unknown_keys(obj: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in sorted(set(obj) - allowed):
            problem(
                f"{where}.{key}",
                f"an unknown key {key!r}",
                "one of " + ", ".join(sorted(allowed)),
                "remove or rename it",
            )

    def mapping_list(obj: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
        value = obj.get(key)
        if not isinstance(value, list) or not value:
            problem(
                f"{where}{key}",
                "nothing" if value is None else type(value).__name__,
                "a non-empty list",
                f"add a `{key}:` list",
            )
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                out.append(item)
            else:
                problem(
                    f"{where}{key}[{i}]",
                    type(item).__name__,
                    "a mapping",
                    "write each entry as `- id: ...` with its keys",
                )
        return out

    if not isinstance(data, dict):
        raise CodebookError(
            [
                Problem(
                    source,
                    None,
                    None,
                    type(data).__name__,
                    "a YAML mapping with questions and frames",
                    "start from coder/data/codebooks/digital_ready.yaml",
                )
            ]
        )
    unknown_keys(data, {"id", "title", "questions", "frames"}, "codebook")
    cb_id = text(data, "id", "codebook")
    title = text(data, "title", "codebook", required=False) or cb_id

    questions: list[Question] = []
    for i, q_raw in enumerate(mapping_list(data, "questions", "")):
        where = f"questions[{i}]"
        unknown_keys(q_raw, {"id", "label", "text"}, where)
        questions.append(
            Question(
                ident(q_raw, where),
                text(q_raw, "label", where),
                text(q_raw, "text", where, required=False),
            )
        )
    _duplicates([q.id for q in questions], "questions", "question id", problem)
    known_questions = {q.id for q in questions}

    frames: list[Frame] = []
    for i, f in enumerate(mapping_list(data, "frames", "")):
        where = f"frames[{i}]"
        unknown_keys(f, {"id", "label", "selection", "questions", "codes"}, where)
        selection = text(f, "selection", where) or "multiple"
        if selection not in SELECTIONS:
            problem(
                f"{where}.selection",
                repr(selection),
                "'multiple' or 'exclusive'",
                "say whether an item may get several codes of this frame",
            )
        fq = f.get("questions")
        if not isinstance(fq, list) or not fq:
            problem(
                f"{where}.questions",
                repr(fq),
                "a non-empty list of question ids",
                "list the questions this frame codes",
            )
            fq = []
        for qid in fq:
            if str(qid) not in known_questions:
                problem(
                    f"{where}.questions",
                    repr(qid),
                    "one of " + ", ".join(sorted(known_questions)),
                    "add the question under `questions:` or fix the id",
                )
        codes: list[Code] = []

        def add_codes(
            entries: list[dict[str, Any]], parent: Code | None, at: str, out: list[Code]
        ) -> None:
            for j, c in enumerate(entries):
                cw = f"{at}.codes[{j}]"
                unknown_keys(c, {"id", "label", "definition", "include", "exclude", "codes"}, cw)
                code_id = child_id(c, cw, parent)
                code = Code(
                    code_id,
                    text(c, "label", cw),
                    text(c, "definition", cw, required=False),
                    texts(c, "include", cw),
                    texts(c, "exclude", cw),
                    parent.id if parent else "",
                    f"{parent.path}{PATH_SEP}{code_id}" if parent else code_id,
                )
                out.append(code)
                if c.get("codes") is not None:
                    add_codes(mapping_list(c, "codes", f"{cw}."), code, cw, out)

        add_codes(mapping_list(f, "codes", f"{where}."), None, where, codes)
        _duplicates([c.id for c in codes], f"{where}.codes", "code id", problem)
        _duplicates([c.label.casefold() for c in codes], f"{where}.codes", "code label", problem)
        frames.append(
            Frame(
                ident(f, where),
                text(f, "label", where),
                selection,
                tuple(str(q) for q in fq),
                tuple(codes),
            )
        )
    _duplicates([f.id for f in frames], "frames", "frame id", problem)
    for q in questions:
        if len([f for f in frames if q.id in f.questions]) > 2:
            problem(
                "frames",
                f"more than two frames on question {q.id!r}",
                "at most two frames per question (rows and columns)",
                "split the question or merge frames",
            )
    if problems:
        raise CodebookError(problems)
    return Codebook(cb_id, title, tuple(questions), tuple(frames))


def _duplicates(values: list[str], where: str, what: str, problem: Any) -> None:
    seen: set[str] = set()
    for value in values:
        if value and value in seen:
            problem(
                where,
                f"the {what} {value!r} twice",
                f"each {what} once",
                "rename or remove one of them",
            )
        seen.add(value)
