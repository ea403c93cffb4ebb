"""The checks of an export's tables, made while the rows stream by, and the records they yield.

:class:`ExportChecks` checks each table as :func:`coder.data.contributions.ingest` reads it, one
row at a time, and hands on the store record of every row for as long as no problem has been
found anywhere. Checks within a row (an empty text, an unknown question, a bad vote) are made on
the row; checks across rows and tables (duplicate ids, unknown ideas, targets and people, ids
shared by an idea and a comment) use compact in-memory sets of the ids: the ids of the tables
given and of the store, each id once, with the row it was first seen on. A second vote by the
same voter on the same target is found from a 64-bit hash per vote (8 bytes each), and its rows
from a second pass over the votes file, made only when two hashes collide.

The problems are those the whole-table validation always reported, with the same texts, and
:meth:`ExportChecks.problems` lists them in the same order: the columns of every table, the ids
of the ideas, comments and participants, then the ideas', the comments' and the votes' checks.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from itertools import chain, pairwise
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

from coder.data.readers import TableStream, open_table
from coder.data.store import Project
from coder.errors import Problem

REQUIRED = {
    "ideas": ("idea_id", "question", "text", "author_id"),
    "comments": ("comment_id", "idea_id", "text", "author_id"),
    "votes": ("voter_id", "target_id", "value"),
    "participants": ("participant_id",),
    "responses": ("response_id", "question", "text"),
}
# Survey answers are stored as ideas: the respondent, when given, as the author.
RESPONDENT = "respondent_id"
# the order they are read and written in; responses take the place of ideas (never both)
KINDS = ("participants", "ideas", "responses", "comments", "votes")
VOTE_VALUES = {"1": 1, "+1": 1, "1.0": 1, "-1": -1, "-1.0": -1}
# Where a problem sorts: the columns of every table, the ids of each table, then each table's
# own checks (its texts, its rows, its people), as the problems were always listed.
_UNIQUE_ORDER = {"ideas": 0, "responses": 0, "comments": 1, "participants": 2}
_SECTION = {"ideas": 2, "comments": 3, "votes": 4}
Record = tuple[Any, ...]
PAIR_HASH: Callable[[tuple[str, str]], int] = hash  # of (voter, target); a test swaps it
DISTINCT = (
    "ids unique across ideas and comments",
    "give ideas and comments distinct ids (e.g. prefix them), so votes point at one thing",
)
# Each check's problem: (found, expected, fix), ``found`` formatted with the row's values.
MESSAGES: dict[str, tuple[str, str, str]] = {
    "empty id": ("an empty id", "an id", "fill in the id or delete the row"),
    "repeated id": (
        "the id {value!r} again (first on row {first})",
        "each id once",
        "remove the duplicate row",
    ),
    "empty text": (
        "an empty text",
        "the contribution's text",
        "fill it in, or delete the row if the contribution was withdrawn",
    ),
    "question": (
        "the question {value!r}",
        "one of {questions}",
        "use a question id of the codebook, or add the question to it",
    ),
    "idea author": ("an empty author", "a participant id", "fill in who posted the idea"),
    "comment author": ("an empty author", "a participant id", "fill in who posted the comment"),
    "unknown person": (
        "the {role} {value!r}, not among participants",
        "a participant_id of the participants file",
        "add the participant to the participants file, or fix the id",
    ),
    "idea is a comment": ("{value!r}, also a comment id", *DISTINCT),
    "comment is an idea": ("{value!r}, also an idea id", *DISTINCT),
    "unknown idea": (
        "the idea {value!r}, which is unknown",
        "the id of an idea in the ideas file or already ingested",
        "ingest the ideas file with the comments, or fix the id",
    ),
    "vote value": (
        "{value!r}",
        "+1 (up) or -1 (down)",
        "write each vote as +1 or -1, one row per vote",
    ),
    "unknown target": (
        "{value!r}, not an idea or comment",
        "the id of an ingested idea or comment",
        "ingest the ideas and comments with the votes, or fix the id",
    ),
    "empty voter": ("an empty voter", "a participant id", "fill in who voted"),
    "second vote": (
        "a second vote by {voter!r} on {value!r} (first on row {first})",
        "one vote per voter and target",
        "keep only the voter's latest vote",
    ),
}


def extra_json(columns: list[str], required: tuple[str, ...]) -> Callable[[list[str]], str]:
    """A function giving the JSON object of a row's other columns, in file order.

    The text is what ``json.dumps(dict, ensure_ascii=False)`` writes, without building the dict.
    """
    keys = [(encode_basestring(c) + ": ", i) for i, c in enumerate(columns) if c not in required]
    if not keys:
        return lambda values: "{}"
    if len(keys) == 1:  # e.g. the time stamp of a vote
        head, i = "{" + keys[0][0], keys[0][1]
        return lambda values: head + encode_basestring(values[i]) + "}"
    template = "{" + ", ".join(key.replace("%", "%%") + "%s" for key, _ in keys) + "}"
    cells = itemgetter(*(i for _, i in keys))
    return lambda values: template % tuple(map(encode_basestring, cells(values)))


def _repeated(values: array[int]) -> set[int]:
    """The values that occur more than once."""
    if len(values) < 200_000:  # fewer than numpy's import costs
        ordered = sorted(values)
        return {a for a, b in pairwise(ordered) if a == b}
    import numpy as np  # lazy: only large exports need it

    ordered_np = np.sort(np.frombuffer(values, dtype=np.int64))
    return set(ordered_np[1:][ordered_np[1:] == ordered_np[:-1]].tolist())


def _drain(rows: Iterator[Any]) -> Iterator[Record]:
    for _ in rows:
        pass
    yield from ()


class ExportChecks:
    """Checks the tables of one export against each other and the store, as they are read.

    Feed each table to :meth:`records` in the order of :data:`KINDS`, and the problems of a
    file that cannot be read to :meth:`unreadable`; then :meth:`problems` lists every problem.
    """

    def __init__(self, project: Project) -> None:
        def stored(sql: str) -> dict[str, int]:
            return dict.fromkeys((r[0] for r in project.conn.execute(sql)), 0)

        # id -> the row it was first seen on in this export; 0 when only the store has it
        self.people = stored("SELECT participant_id FROM participants")
        self.ideas = stored("SELECT idea_id FROM ideas")
        self.comments = stored("SELECT comment_id FROM comments")
        self.questions: dict[str, str] = {}
        for q in project.codebook.questions:
            self.questions.setdefault(q.id.casefold(), q.id)
            self.questions.setdefault(q.label.casefold(), q.id)
        self.question_ids = ", ".join(q.id for q in project.codebook.questions)
        self._read: list[Problem] = []  # of files that cannot be read: reported alone
        self._found: list[tuple[tuple[int, ...], Problem]] = []
        self._ok: dict[str, bool] = {}
        self._paths: dict[str, str] = {}
        self._clashed: set[str] = set()  # idea ids already reported as also a comment id
        self._idea_rows: dict[str, list[tuple[int, str]]] = {}  # repeated or padded idea ids
        self._vote_hashes = array("q")

    # --- problems ------------------------------------------------------------------------------

    def unreadable(self, problems: list[Problem]) -> None:
        """Record the problems of a file that cannot be read (they are reported alone)."""
        self._read.extend(problems)

    def _add(
        self, key: tuple[int, ...], file: str, row: int, column: str, check: str, **values: object
    ) -> None:
        found, expected, fix = MESSAGES[check]
        problem = Problem(file, row, column, found.format(**values), expected.format(**values), fix)
        self._found.append((key, problem))

    def problems(self) -> list[Problem]:
        """Every problem found; only those of unreadable files if there are any."""
        if self._read:
            return list(self._read)
        self._second_votes()
        return [p for _, p in sorted(self._found, key=lambda kp: kp[0])]

    # --- the tables ----------------------------------------------------------------------------

    def records(self, kind: str, table: TableStream, stamp: str) -> Iterator[Record]:
        """Check ``table`` row by row; yield each row's record while nothing is wrong anywhere.

        The rows are read to the end whatever is found, so that every problem is listed.
        """
        missing = [c for c in REQUIRED[kind] if c not in table.columns]
        for col in missing:
            found = "no such column (columns: " + ", ".join(table.columns) + ")"
            expected = f"the {kind} columns " + ", ".join(REQUIRED[kind])
            fix = f"add or rename a column to {col!r}"
            problem = Problem(table.path, 1, col, found, expected, fix)
            self._found.append(((0, KINDS.index(kind), REQUIRED[kind].index(col)), problem))
        self._ok[kind] = not missing
        self._paths[kind] = table.path
        check = {
            "participants": self._participants,
            "ideas": self._ideas,
            "responses": self._responses,
            "comments": self._comments,
            "votes": self._votes,
        }[kind]
        # then what a check left unread, for the file's own problems
        return chain(check(table, stamp), _drain(table.rows))

    def _unique(self, kind: str, ids: dict[str, int], t: TableStream, row: int, value: str) -> bool:
        """Note an id of the table; report it if empty or seen before. Whether it was new."""
        key, column = (1, _UNIQUE_ORDER[kind], row), REQUIRED[kind][0]
        if not value:
            self._add(key, t.path, row, column, "empty id")
            return False
        first = ids.get(value)
        if first:
            self._add(key, t.path, row, column, "repeated id", value=value, first=first)
            return False
        ids[value] = row
        return True

    def _participants(self, t: TableStream, stamp: str) -> Iterator[Record]:
        if not self._ok["participants"]:
            return
        i_id = t.columns.index("participant_id")
        extra = extra_json(t.columns, REQUIRED["participants"])
        people, found, read, unreadable = self.people, self._found, self._read, t.problems
        for row, v in t.rows:
            pid = v[i_id].strip()
            self._unique("participants", people, t, row, pid)
            if not (found or read or unreadable):
                yield pid, extra(v), stamp

    def _text_and_question(self, path: str, row: int, text: str, question: str) -> str | None:
        """Check a contribution's text and question (ideas and survey answers alike); return the
        question's id, or None when the codebook has no such question."""
        if not text.strip():
            self._add((2, 0, row), path, row, "text", "empty text")
        q = question.strip()
        qid = self.questions.get(q.casefold())
        if qid is None:
            self._add((2, 1, row, 0), path, row, "question", "question", value=q,
                      questions=self.question_ids)  # fmt: skip
        return qid

    def _ideas(self, t: TableStream, stamp: str) -> Iterator[Record]:
        if "idea_id" not in t.columns:
            return
        ok, path, cols = self._ok["ideas"], t.path, t.columns
        i_id = cols.index("idea_id")
        i_q, i_text, i_author = (cols.index(c) if c in cols else -1 for c in REQUIRED["ideas"][1:])
        extra = extra_json(cols, REQUIRED["ideas"])
        ideas, comments, people = self.ideas, self.comments, self.people
        found, read, unreadable = self._found, self._read, t.problems
        for row, v in t.rows:
            raw = v[i_id]
            iid = raw.strip()
            new = self._unique("ideas", ideas, t, row, iid)
            if iid and (not new or raw != iid):
                self._idea_rows.setdefault(iid, []).append((row, raw))
            if not ok:
                continue
            qid = self._text_and_question(path, row, v[i_text], v[i_q])
            author = v[i_author].strip()
            if not author:
                self._add((2, 1, row, 1), path, row, "author_id", "idea author")
            elif people and author not in people:
                self._add((2, 2, row), path, row, "author_id", "unknown person", role="author",
                          value=author)  # fmt: skip
            if iid in comments:  # a stored comment; those of the comments file come later
                self._add((2, 1, row, 2), path, row, "idea_id", "idea is a comment", value=raw)
                self._clashed.add(iid)
            if not (found or read or unreadable):
                yield iid, qid, v[i_text], author, extra(v), stamp

    def _responses(self, t: TableStream, stamp: str) -> Iterator[Record]:
        """Survey answers, checked and stored as ideas without votes: the respondent (optional
        column ``respondent_id``) as the author, or '' when there is none."""
        if not self._ok["responses"]:
            return
        path, cols = t.path, t.columns
        i_id, i_q, i_text = (cols.index(c) for c in REQUIRED["responses"])
        i_who = cols.index(RESPONDENT) if RESPONDENT in cols else -1
        extra = extra_json(cols, (*REQUIRED["responses"], RESPONDENT))
        ideas, comments, people = self.ideas, self.comments, self.people
        found, read, unreadable = self._found, self._read, t.problems
        for row, v in t.rows:
            raw = v[i_id]
            rid = raw.strip()
            self._unique("responses", ideas, t, row, rid)
            qid = self._text_and_question(path, row, v[i_text], v[i_q])
            who = v[i_who].strip() if i_who >= 0 else ""
            if who and people and who not in people:
                self._add((2, 2, row), path, row, RESPONDENT, "unknown person", role="respondent",
                          value=who)  # fmt: skip
            if rid in comments:
                self._add((2, 1, row, 2), path, row, "response_id", "idea is a comment", value=raw)
            if not (found or read or unreadable):
                yield rid, qid, v[i_text], who, extra(v), stamp

    def _comments(self, t: TableStream, stamp: str) -> Iterator[Record]:
        if "comment_id" not in t.columns:
            return
        ok, path, cols = self._ok["comments"], t.path, t.columns
        i_id = cols.index("comment_id")
        i_idea, i_text, i_author = (
            cols.index(c) if c in cols else -1 for c in REQUIRED["comments"][1:]
        )
        extra = extra_json(cols, REQUIRED["comments"])
        ideas, comments, people = self.ideas, self.comments, self.people
        found, read, unreadable = self._found, self._read, t.problems
        for row, v in t.rows:
            raw = v[i_id]
            cid = raw.strip()
            self._unique("comments", comments, t, row, cid)
            if cid in ideas and cid not in self._clashed and self._ok.get("ideas"):
                self._ideas_that_are_comments(cid)
            if not ok:
                continue
            if not v[i_text].strip():
                self._add((3, 0, row), path, row, "text", "empty text")
            if cid in ideas:
                self._add((3, 1, row, 0), path, row, "comment_id", "comment is an idea", value=raw)
            idea = v[i_idea].strip()
            if idea not in ideas:
                self._add((3, 1, row, 1), path, row, "idea_id", "unknown idea", value=v[i_idea])
            author = v[i_author].strip()
            if not author:
                self._add((3, 1, row, 2), path, row, "author_id", "comment author")
            elif people and author not in people:
                self._add((3, 2, row), path, row, "author_id", "unknown person", role="author",
                          value=author)  # fmt: skip
            if not (found or read or unreadable):
                yield cid, idea, v[i_text], author, extra(v), stamp

    def _ideas_that_are_comments(self, iid: str) -> None:
        """Report the rows of the ideas file with an id that a comment of this export has."""
        self._clashed.add(iid)
        first = self.ideas[iid]
        if not first:
            return  # only a stored idea has it: the comment's row says so
        rows = dict(self._idea_rows.get(iid, []))
        rows.setdefault(first, iid)
        for row, raw in rows.items():
            self._add((2, 1, row, 2), self._paths["ideas"], row, "idea_id", "idea is a comment",
                      value=raw)  # fmt: skip

    def _votes(self, t: TableStream, stamp: str) -> Iterator[Record]:
        if not self._ok["votes"]:
            return
        path = t.path
        i_voter, i_target, i_value = (t.columns.index(c) for c in REQUIRED["votes"])
        extra = extra_json(t.columns, REQUIRED["votes"])
        ideas, comments, people = self.ideas, self.comments, self.people
        found, read, unreadable = self._found, self._read, t.problems
        hashes, pair_hash = self._vote_hashes.append, PAIR_HASH
        for row, v in t.rows:
            voter, target, value = v[i_voter].strip(), v[i_target].strip(), v[i_value].strip()
            hashes(pair_hash((voter, target)))
            vote = VOTE_VALUES.get(value)
            if vote is None:
                self._add((4, 1, row, 0), path, row, "value", "vote value", value=value)
            on_comment = target in comments
            if not on_comment and target not in ideas:
                self._add((4, 1, row, 1), path, row, "target_id", "unknown target", value=target)
            if not voter:
                self._add((4, 1, row, 2), path, row, "voter_id", "empty voter")
            elif people and voter not in people:
                self._add((4, 2, row), path, row, "voter_id", "unknown person", role="voter",
                          value=voter)  # fmt: skip
            if not (found or read or unreadable):
                yield voter, target, "comment" if on_comment else "idea", vote, extra(v), stamp

    def _second_votes(self) -> None:
        """Report a second vote by a voter on a target. Equal hashes of (voter, target) find
        candidates; only then is the votes file read again, to tell them apart exactly."""
        repeated = _repeated(self._vote_hashes)
        self._vote_hashes = array("q")
        if not repeated:
            return
        path = self._paths["votes"]
        seen: dict[tuple[str, str], int] = {}
        with open_table(path) as t:
            i_voter, i_target = t.columns.index("voter_id"), t.columns.index("target_id")
            for row, v in t.rows:
                pair = (v[i_voter].strip(), v[i_target].strip())
                if PAIR_HASH(pair) in repeated and seen.setdefault(pair, row) != row:
                    self._add((4, 1, row, 3), path, row, "target_id", "second vote",
                              voter=pair[0], value=pair[1], first=seen[pair])  # fmt: skip
