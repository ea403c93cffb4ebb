"""Import codings another program (NVivo, ATLAS.ti, MAXQDA, QualCoder, ...) made on a project's
ideas, from a REFI-QDA project file (``.qdpx``).

Codes are per idea: a code applied anywhere in an idea's text (a selection of any length, or
the whole source) codes the idea. A source is an idea when its GUID is the one coder exported
it with, or else when its text equals the idea's text or its redacted text exactly (line
endings aside). A code is a code of the codebook when its GUID is the one coder exported it
with, or else by name: a code's label or id under a folder named like its frame (label or id),
or, at the top level, the one frame that has a code of that name. *Not relevant* excludes the
idea; its reason is the selection's description (the coded segment's comment).

The codings then go through the checks of every codings import
(:func:`coder.data.codings.check_codings`) and the audited write path, as codings of one coder
per user in the file, or of the coder named by ``coder``. Every problem is reported at once
(:class:`coder.errors.InputError`, rows are lines of ``project.qde``), and nothing is stored
unless there is none.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from coder.data.codebook import NOT_RELEVANT, Codebook
from coder.data.codings import check_codings, coders, store_codings
from coder.data.readers import Table
from coder.data.redact import Redactor
from coder.data.store import Project, text_hash
from coder.errors import InputError, Problem
from coder.refi.codebook import NOT_RELEVANT_NAME, Guids
from coder.refi.read import QdaCode, QdaCoding, QdaProject, norm_guid, read_qdpx

_FRAME = ("", "")  # a code that is a frame (a folder of codes)
_EXCLUDED = ("", NOT_RELEVANT)
_COLUMNS = ["idea_id", "coder", "frame", "code", "reason"]


@dataclass
class QdpxImport:
    """What :func:`import_qdpx` stored."""

    codings: int = 0  # (idea, coder) codings in the file
    changed: int = 0  # of which new or changed in the store
    coders: dict[str, str] = field(default_factory=dict)  # user in the file -> coder
    unused_codes: list[str] = field(default_factory=list)  # not in the codebook, not applied


def _close(name: str, known: Iterable[str]) -> str:
    folded = {k.casefold(): k for k in known}
    close = [folded[k] for k in difflib.get_close_matches(name.casefold(), folded, n=3, cutoff=0.6)]
    return f"; did you mean {', '.join(map(repr, close))}?" if close else ""


def _resolve(
    code: QdaCode, parents: tuple[QdaCode, ...], codebook: Codebook
) -> tuple[str, str] | str:
    """(frame, code) for a code of the file matched by name, ``_FRAME``, ``_EXCLUDED``, or why
    it matches nothing."""
    name = code.name.casefold()
    frames = {k: f for f in codebook.frames for k in (f.id.casefold(), f.label.casefold())}
    if name in (NOT_RELEVANT, NOT_RELEVANT_NAME.casefold()):
        return _EXCLUDED
    parent = next(
        (frames[p.name.casefold()] for p in reversed(parents) if p.name.casefold() in frames), None
    )
    if parent is not None:
        found = parent.resolve(code.name)
        if found is not None:
            return parent.id, found
        labels = [c.label for c in parent.codes]
        return f"a code of frame {parent.id!r} ({parent.label}){_close(code.name, labels)}"
    if name in frames:
        return _FRAME
    hits = [(f.id, c) for f in codebook.frames if (c := f.resolve(code.name)) is not None]
    if len(hits) == 1:
        return hits[0]
    if hits:
        both = ", ".join(f for f, _ in hits)
        return f"a code of one frame, but frames {both} each have one: put it in its frame's folder"
    labels = [c.label for f in codebook.frames for c in f.codes]
    return f"a code of the codebook{_close(code.name, labels)}"


def _codes(qda: QdaProject, codebook: Codebook, guids: Guids) -> dict[str, tuple[str, str] | str]:
    ours: dict[str, tuple[str, str]] = {guids.not_relevant(): _EXCLUDED}
    for f in codebook.frames:
        ours[guids.frame(f.id)] = _FRAME
        ours.update({guids.code(f.id, c.id): (f.id, c.id) for c in f.codes})
    return {g: ours.get(g) or _resolve(c, up, codebook) for g, (c, up) in qda.codes().items()}


class _Sources:
    """Matches the file's sources to ideas: by GUID, else by text, else by redacted text."""

    def __init__(self, project: Project, guids: Guids, redactor: Redactor | None) -> None:
        self.project = project
        self.redactor = redactor
        rows = project.conn.execute("SELECT idea_id, text FROM ideas ORDER BY idea_id").fetchall()
        self.texts: dict[str, str] = dict(rows)
        self.by_guid = {guids.source(i): i for i in self.texts}
        self.by_text = _index(self.texts.items())
        self.by_redacted: dict[str, list[str]] | None = None

    def redacted(self) -> dict[str, list[str]]:
        if self.by_redacted is None:
            hashes: dict[str, list[str]] = {}
            for i, t in self.texts.items():
                hashes.setdefault(text_hash(t), []).append(i)
            sql = "SELECT text_sha256, redacted FROM redactions"
            pairs = [(i, r) for h, r in self.project.conn.execute(sql) for i in hashes.get(h, [])]
            cached = {i for i, _ in pairs}
            todo = [i for i in self.texts if i not in cached]
            if todo:  # redact without caching: an import reads the store, and changes codings only
                done = (self.redactor or Redactor()).redact([self.texts[i] for i in todo])
                pairs += [(i, r.text) for i, r in zip(todo, done, strict=True)]
            self.by_redacted = _index(pairs)
        return self.by_redacted

    def match(self, guid: str, text: str | None) -> str | list[str]:
        """The idea, or the ideas the text matches when it is not exactly one."""
        if guid in self.by_guid:
            return self.by_guid[guid]
        if text is None:
            return []
        key = _norm(text)
        ideas = self.by_text.get(key) or self.redacted().get(key) or []
        return ideas[0] if len(ideas) == 1 else ideas


def _norm(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _index(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for idea, text in pairs:
        ideas = out.setdefault(_norm(text), [])
        if idea not in ideas:
            ideas.append(idea)
    return out


def _users(
    qda: QdaProject, project: Project, coder: str | None, user: str | None, kind: str, add: _Add
) -> dict[str, str]:
    """User in the file -> coder to store their codings as."""
    names = sorted(qda.codings)
    shown = ", ".join(repr(n) for n in names if n) or "none"
    if user is not None:
        by_guid = qda.users.get(norm_guid(user))
        wanted = {n for n in names if n.casefold() == user.strip().casefold() or n == by_guid}
        if not wanted:
            add(
                None,
                "User",
                f"no codings by the user {user!r}",
                f"a user with codings: {shown}",
                "choose one of those users",
            )
            return {}
        names = sorted(wanted)
    if not names:
        add(
            None,
            "Coding",
            "no codings on any source",
            "codings made on the project's ideas",
            "code the ideas in the other program, then export again",
        )
        return {}
    if coder is not None:
        coder = coder.strip()
        if not coder:
            add(None, "coder", "an empty coder name", "a name", "give the coder a name")
            return {}
        if len(names) > 1:
            add(
                None,
                "User",
                f"codings by {len(names)} users ({shown})",
                f"one user's codings to store as the coder {coder!r}",
                "choose the user (--user NAME), or import each user as a coder of that name "
                "(no --coder)",
            )
            return {}
        chosen = {names[0]: coder}
    else:
        chosen = {n: n for n in names}
        if chosen.pop("", None) is not None:
            add(
                None,
                "creatingUser",
                "codings that name no user",
                "a user for each coding",
                "name the coder to store them as (--coder NAME)",
            )
    kinds = coders(project)
    for name, target in chosen.items():
        if target and kinds.get(target, kind) != kind:
            who = repr(name) if name == target else f"{name!r} to store as {target!r}"
            add(
                None,
                "User",
                f"codings by {who}, a {kinds[target]} coder of this project",
                f"codings of a {kind} coder",
                "import them under another name (--coder NAME), or choose another user "
                "(--user NAME)",
            )
    return chosen


class _Add:
    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[Problem] = []

    def __call__(self, line: int | None, column: str, found: str, expected: str, fix: str) -> None:
        self.problems.append(Problem(self.label, line, column, found, expected, fix))


def qdpx_codings_table(
    project: Project,
    qda: QdaProject,
    coder: str | None = None,
    user: str | None = None,
    redactor: Redactor | None = None,
    kind: str = "human",
) -> tuple[Table, dict[str, str], list[str], list[Problem]]:
    """The file's codings as a coding table (rows numbered by their line in ``project.qde``),
    the users taken (user -> coder), the codes the codebook lacks that those users did not
    apply, and the problems."""
    add = _Add(qda.path)
    if qda.kind != "project":
        add(
            None,
            "CodeBook",
            "a code book (.qdc)",
            "a project (.qdpx) with codings",
            "export the project, not its code book",
        )
    chosen = _users(qda, project, coder, user, kind, add)
    guids = Guids.of(project)
    codes = _codes(qda, project.codebook, guids)
    known = qda.codes()
    sources = _Sources(project, guids, redactor)
    table = Table(qda.path, list(_COLUMNS))
    used = {c.code for name in chosen for c in qda.codings[name]}
    ideas: dict[str, str | list[str]] = {}
    for name, target in sorted(chosen.items()):
        for c in sorted(qda.codings[name], key=lambda c: c.line or 0):
            src = qda.sources[c.source]
            if src.kind != "TextSource":
                add(
                    c.line,
                    src.kind,
                    f"a coding on the {src.kind} {src.name!r}",
                    "codings on the text sources of the project's ideas",
                    "code the ideas' texts, or leave this coding out",
                )
                continue
            if c.source not in ideas:
                ideas[c.source] = sources.match(c.source, src.text)
                found = ideas[c.source]
                if isinstance(found, list):
                    what = "no text" if src.text is None else "a text"
                    add(
                        src.line,
                        "TextSource",
                        f"the source {src.name!r} ({c.source}), with {what} matching "
                        + (f"{len(found)} ideas ({', '.join(found[:5])})" if found else "no idea"),
                        "one of this project's ideas, by the GUID coder exported it with or by "
                        "its exact text (or redacted text)",
                        "import codings only on the sources coder exported, with their text "
                        "unchanged",
                    )
            idea = ideas[c.source]
            if isinstance(idea, list):
                continue
            row = _row(c, idea, target, codes, known, add)
            if row is not None:
                table.rows.append((c.line or 0, row))
    unused = sorted(
        known[g][0].name for g, v in codes.items() if isinstance(v, str) and g not in used
    )
    return table, chosen, unused, add.problems


def _row(
    c: QdaCoding,
    idea: str,
    coder: str,
    codes: dict[str, tuple[str, str] | str],
    known: dict[str, tuple[QdaCode, tuple[QdaCode, ...]]],
    add: _Add,
) -> dict[str, str] | None:
    if c.code is None:
        return dict(zip(_COLUMNS, [idea, coder, "", "", ""], strict=True))
    if c.code not in codes:
        add(
            c.line,
            "CodeRef",
            f"a coding of the code GUID {c.code}, which the file's code book lacks",
            "a CodeRef to a code of the code book",
            "export the file again",
        )
        return None
    found = codes[c.code]
    name = known[c.code][0].name
    if isinstance(found, str):
        add(
            c.line,
            "CodeRef",
            f"the code {name!r}, not in this project's codebook",
            found,
            "code with a code of the codebook, or add the code to the codebook (then `coder "
            "codebook migrate`) and import again",
        )
        return None
    if found == _FRAME:
        add(
            c.line,
            "CodeRef",
            f"the code {name!r}, a frame (a folder of codes)",
            "one of the frame's codes",
            "code with one of its codes",
        )
        return None
    frame, code = found
    return dict(
        zip(
            _COLUMNS,
            [idea, coder, frame, code, c.note if code == NOT_RELEVANT else ""],
            strict=True,
        )
    )


def import_qdpx(
    project: Project,
    path: str | Path,
    coder: str | None = None,
    *,
    user: str | None = None,
    kind: str = "human",
    actor: str | None = None,
    redactor: Redactor | None = None,
) -> QdpxImport:
    """Store the codings of a REFI-QDA project file as codings of coders of ``kind``.

    Parameters
    ----------
    project
        The open project whose ideas the file's sources are.
    path
        The ``.qdpx`` file (or a bare ``project.qde``).
    coder
        The coder to store the codings as; by default each user in the file is a coder of the
        same name. With ``coder``, the file must hold one user's codings (or ``user`` chooses).
    user
        Take only this user's codings (a name or GUID).
    kind
        What the coders are (``human`` by default; as ``coder codings import --kind``).
    actor
        Who the audit log names (default: each coder).
    redactor
        For matching sources by redacted text when the store's redaction cache lacks an idea
        (default: :class:`coder.data.redact.Redactor`).

    Raises
    ------
    InputError
        listing every problem (an unreadable or invalid file, a source that is no idea, a code
        not in the codebook with close matches, a frame that does not apply to the idea's
        question, two codes in an exclusive frame, an exclusion without a reason, a user that
        is a coder of another kind); nothing is stored then.
    """
    path = Path(path)
    qda = read_qdpx(path)
    table, chosen, unused, problems = qdpx_codings_table(project, qda, coder, user, redactor, kind)
    codings = {}
    try:
        codings = check_codings(project, table)
    except InputError as exc:
        problems = problems + exc.problems
    if problems:
        raise InputError(problems)
    changed = store_codings(
        project,
        codings,
        kind=kind,
        reason=f"REFI-QDA import from {path.name}",
        actor=actor,
        action="import",
    )
    return QdpxImport(len(codings), changed, chosen, unused)
