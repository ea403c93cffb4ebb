"""The label policy: which codings in the store count as a model's training labels.

For each frame, the ideas analysed under one of its questions that a chosen coder coded (human
coders, and reference coders when asked). When a ``final`` (reconciled) coding of the idea
exists it is the label. Otherwise each code is a positive when at least half of the idea's
coders applied it (with two coders who disagree, the code counts: a missed code is the commoner
slip than an invented one). In an exclusive frame, an idea whose coders chose different codes
is left out of that frame's training. Ideas that most of their coders excluded as not relevant
are left out.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coder.data.codebook import Frame
from coder.data.store import Project, text_hash
from coder.suggest.ideas import Ideas, codings_by_kind

POLICY = "final coding, else codes applied by at least half of the coders"


@dataclass
class TrainingSet:
    """One frame's training data: rows of ``ideas`` and a 0/1 matrix over the frame's codes."""

    frame: Frame
    rows: list[int]
    Y: npt.NDArray[np.int64]
    skipped_disagreements: int = 0


def training_sets(
    project: Project, ideas: Ideas, include_reference: bool = False
) -> tuple[list[TrainingSet], list[str], str]:
    """Training data per frame under the label policy of the module docstring.

    Returns the sets, the coders used and a hash of the training data.
    """
    kinds = ["human", "reference"] if include_reference else ["human"]
    codings = codings_by_kind(project, kinds)
    finals = codings_by_kind(project, ["final"])
    index = {idea: i for i, idea in enumerate(ideas.ids)}
    coders_used: set[str] = set()
    digest = hashlib.sha256()
    sets = []
    for frame in project.codebook.frames:
        rows: list[int] = []
        labels: list[list[int]] = []
        skipped = 0
        for idea in sorted(set(codings) | set(finals)):
            i = index[idea]
            if ideas.questions[i] not in frame.questions:
                continue
            if idea in finals:
                reason, codes = next(iter(finals[idea].values()))
                if reason is not None:
                    continue
                chosen = codes.get(frame.id, set())
            else:
                by = codings[idea]
                if sum(r is not None for r, _ in by.values()) * 2 > len(by):
                    continue  # most of its coders excluded it
                voters = [c for c, (r, _) in by.items() if r is None]
                votes: dict[str, int] = defaultdict(int)
                for c in voters:
                    for code in by[c][1].get(frame.id, set()):
                        votes[code] += 1
                chosen = {code for code, v in votes.items() if 2 * v >= len(voters)}
                if frame.exclusive and len(chosen) > 1:
                    skipped += 1
                    continue
                coders_used.update(voters)
            rows.append(i)
            labels.append([int(c.id in chosen) for c in frame.codes])
            digest.update(
                json.dumps([frame.id, idea, text_hash(ideas.texts[i]), labels[-1]]).encode()
            )
        Y = np.array(labels, dtype=np.int64).reshape(len(rows), len(frame.codes))
        sets.append(TrainingSet(frame, rows, Y, skipped))
    if finals:
        coders_used.update(c for by in finals.values() for c in by)
    return sets, sorted(coders_used), digest.hexdigest()[:16]
