"""Codebook changes: rename, merge or split codes, and carry the stored codes across.

``migrate_codebook(project, new_codebook_path, renames=..., merges=..., splits=...)`` checks
that every code in the store (every coder's codings, adjudications) maps to a code of the new
codebook, rewrites the stored codes in one transaction, appends an audit entry per changed
coding (action ``migrate``), writes the new ``codebook.yaml`` and records its version. Model
folders trained on the old codebook are refused afterwards, because their codebook hash no
longer matches.

- **rename** ``frame:old=new``: every ``old`` becomes ``new``.
- **merge** ``frame:a+b=c``: ``a`` and ``b`` both become ``c``.
- **split** ``frame:old=x+y``: which of ``x`` or ``y`` an idea deserves needs a human, so
  ``old`` is removed from every coding that had it and the idea is listed for recoding (the
  audit entry says so).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coder.data.codebook import load_codebook
from coder.data.codings import Coding, apply_change
from coder.data.store import CODEBOOK_NAME, Project, now
from coder.errors import InputError, Problem


@dataclass
class MigrationReport:
    changed: int = 0
    to_recode: list[tuple[str, str, str]] = field(default_factory=list)  # idea, coder, old code
    codebook_hash: str = ""


def _parse(spec: str, what: str) -> tuple[str, list[str], list[str]]:
    frame, sep, rest = spec.partition(":")
    old, eq, new = rest.partition("=")
    if not sep or not eq or not frame or not old or not new:
        raise InputError(
            [
                Problem(
                    "(command line)",
                    None,
                    f"--{what}",
                    repr(spec),
                    f"FRAME:OLD=NEW for --{what} (codes joined with '+')",
                    "e.g. --rename literacy:learning=learning_development",
                )
            ]
        )
    return frame.strip(), [c.strip() for c in old.split("+")], [c.strip() for c in new.split("+")]


def migrate_codebook(
    project: Project,
    new_codebook: str | Path,
    renames: Sequence[str] = (),
    merges: Sequence[str] = (),
    splits: Sequence[str] = (),
) -> MigrationReport:
    """Move the project to ``new_codebook``; see the module docstring."""
    from coder.data.audit import changes

    cb = load_codebook(new_codebook)
    mapping: dict[tuple[str, str], str | None] = {}
    problems: list[Problem] = []
    for spec in renames:
        frame, old, new = _parse(spec, "rename")
        if len(old) != 1 or len(new) != 1:
            problems.append(
                Problem(
                    "(command line)",
                    None,
                    "--rename",
                    repr(spec),
                    "one old and one new code",
                    "use --merge or --split",
                )
            )
        mapping[(frame, old[0])] = new[0]
    for spec in merges:
        frame, old, new = _parse(spec, "merge")
        for code in old:
            mapping[(frame, code)] = new[0]
    for spec in splits:
        frame, old, _ = _parse(spec, "split")
        mapping[(frame, old[0])] = None
    new_codes = {(f.id, c.id) for f in cb.frames for c in f.codes}
    for (frame, _), code_to in mapping.items():
        if code_to is not None and (frame, code_to) not in new_codes:
            problems.append(
                Problem(
                    str(new_codebook),
                    None,
                    f"{frame}.{code_to}",
                    "no such code",
                    "a code of the new codebook",
                    "add it or fix the mapping",
                )
            )
    stored = project.conn.execute(
        "SELECT frame_id, code_id, COUNT(*) FROM coding_codes GROUP BY frame_id, code_id "
        "UNION ALL SELECT frame_id, code_id, COUNT(*) FROM adjudication_codes "
        "GROUP BY frame_id, code_id"
    ).fetchall()
    for frame, code, n in stored:
        target = mapping.get((frame, code), code)
        if (frame, code) not in mapping and (frame, target) not in new_codes:
            problems.append(
                Problem(
                    str(new_codebook),
                    None,
                    f"{frame}.{code}",
                    f"a code {n} stored codings use, missing from the new codebook",
                    "a rename, merge or split for it",
                    f"add --rename {frame}:{code}=NEW (or --merge/--split)",
                )
            )
    if problems:
        raise InputError(problems)
    report = MigrationReport(codebook_hash=cb.hash)
    with (
        project.transaction() as conn,
        changes(conn, actor="codebook", action="migrate",
                reason=f"codebook {project.codebook.hash} -> {cb.hash}") as log,
    ):  # fmt: skip
        rows = conn.execute(
            "SELECT idea_id, coder_id, frame_id, code_id FROM coding_codes"
        ).fetchall()
        codings: dict[tuple[str, str], Coding] = {}
        for idea, coder, frame, code in rows:
            codings.setdefault((idea, coder), Coding()).codes.setdefault(frame, set()).add(code)
        for (idea, coder), coding in sorted(codings.items()):
            after = Coding()
            for frame, codes in coding.codes.items():
                for code in codes:
                    target = mapping.get((frame, code), code)
                    if target is None:
                        report.to_recode.append((idea, coder, code))
                    else:
                        after.codes.setdefault(frame, set()).add(target)
            if after.codes == coding.codes:
                continue
            report.changed += 1
            split = [c for i, k, c in report.to_recode if (i, k) == (idea, coder)]
            log.refer(f"split code(s) {', '.join(split)}: recode" if split else None)
            apply_change(conn, idea, coder, coding, after, now())
        log.refer(None)
        for (frame, code_from), code_to in mapping.items():
            if code_to is None:
                conn.execute(
                    "DELETE FROM adjudication_codes WHERE frame_id = ? AND code_id = ?",
                    (frame, code_from),
                )
            else:
                conn.execute(
                    "UPDATE OR REPLACE adjudication_codes SET code_id = ? "
                    "WHERE frame_id = ? AND code_id = ?",
                    (code_to, frame, code_from),
                )
        conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('codebook_hash', ?)", (cb.hash,)
        )
        target_file = project.path / CODEBOOK_NAME
        backup = project.path / f"codebook.{project.codebook.hash}.yaml"
        shutil.copyfile(target_file, backup)
        target_file.write_text(cb.to_yaml(), encoding="utf-8")
    project.codebook = cb
    return report
