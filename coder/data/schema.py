"""The store's schema: every migration, in order, and the audit triggers that guard codes.

The schema version is SQLite's ``user_version``; :func:`coder.data.store.open_project` applies
the migrations a store has not seen yet. :data:`AUDITED` names the tables that hold codes: a
write to them without an open audit context (:func:`coder.data.audit.changes`) is refused, and
every write with one is appended to ``audit_log``.
"""

from __future__ import annotations

# Tables holding codes, the (idea, whose) columns of an audit entry, and how a row reads in it.
AUDITED: dict[str, tuple[str, str, str]] = {
    "codings": (
        "idea_id",
        "coder_id",
        "CASE WHEN {r}.not_relevant_reason IS NULL THEN 'coded' "
        "ELSE 'not relevant: ' || {r}.not_relevant_reason END",
    ),
    "coding_codes": ("idea_id", "coder_id", "{r}.frame_id || ':' || {r}.code_id"),
    "adjudications": (
        "idea_id",
        "'adjudication'",
        "CASE WHEN {r}.not_relevant_reason IS NULL THEN 'decided by ' || {r}.adjudicator "
        "ELSE 'not relevant: ' || {r}.not_relevant_reason END",
    ),
    "adjudication_codes": ("idea_id", "'adjudication'", "{r}.frame_id || ':' || {r}.code_id"),
    "studio_reviews": (
        "item_id",
        "reviewer",
        "{r}.frame_id || ': ' || {r}.decision || ' ' || {r}.decided",
    ),
}
NO_CONTEXT = (
    "codes change only through the audited write path (coder.data.audit.changes): "
    "no audit context is open"
)


def _audit_triggers() -> str:
    """Triggers that refuse a change to a code without an audit context and log it with one."""
    out = []
    for table, (idea, whose, value) in AUDITED.items():
        for event, old, new in (
            ("INSERT", None, "NEW"),
            ("UPDATE", "OLD", "NEW"),
            ("DELETE", "OLD", None),
        ):
            row = new or old
            assert row is not None
            who = whose if whose.startswith("'") else f"{row}.{whose}"
            before = value.format(r=old) if old else "NULL"
            after = value.format(r=new) if new else "NULL"
            name = f"{table}_{event.lower()}"
            out.append(
                f"CREATE TRIGGER {name}_needs_context BEFORE {event} ON {table} "
                "WHEN NOT EXISTS (SELECT 1 FROM audit_context) "
                f"BEGIN SELECT RAISE(ABORT, '{NO_CONTEXT}'); END;"
            )
            out.append(
                f"CREATE TRIGGER {name}_audited AFTER {event} ON {table} BEGIN "
                "INSERT INTO audit_log(at, actor, action, idea_id, coder_id, before, after, "
                "reason, ref, changeset) SELECT x.at, x.actor, x.action, "
                f"{row}.{idea}, {who}, {before}, {after}, x.reason, x.ref, x.changeset "
                "FROM audit_context x; END;"
            )
    return "\n".join(out)


AUDIT_MIGRATION = """
    CREATE TABLE audit_context (                     -- one row while an audited write is open
        one INTEGER PRIMARY KEY CHECK (one = 1),
        changeset INTEGER NOT NULL,                  -- groups the entries of one change
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,                        -- import, studio pull, suggest, review, ...
        reason TEXT NOT NULL DEFAULT '',
        ref TEXT                                     -- e.g. a Label Studio annotation, a model
    );
    ALTER TABLE audit_log ADD COLUMN ref TEXT;
    ALTER TABLE audit_log ADD COLUMN changeset INTEGER;
    CREATE INDEX audit_log_changeset ON audit_log(changeset);
    CREATE TABLE studio_reviews_new (
        round_id TEXT NOT NULL REFERENCES studio_rounds(round_id),
        item_id TEXT NOT NULL REFERENCES ideas(idea_id),
        reviewer TEXT NOT NULL,
        frame_id TEXT NOT NULL,
        model_version TEXT NOT NULL,
        suggested TEXT NOT NULL,
        decided TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'edit')),
        decided_at TEXT NOT NULL,
        ls_annotation_id INTEGER,                    -- NULL: not made in Label Studio
        PRIMARY KEY (round_id, item_id, reviewer, frame_id)
    );
    INSERT INTO studio_reviews_new SELECT round_id, item_id, reviewer, frame_id, model_version,
        suggested, decided, decision, decided_at, NULLIF(ls_annotation_id, 0)
        FROM studio_reviews;
    DROP TABLE studio_reviews;
    ALTER TABLE studio_reviews_new RENAME TO studio_reviews;
    """ + _audit_triggers()

MIGRATIONS: list[str] = [
    # 1: contributions, codings and their bookkeeping
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE participants (
        participant_id TEXT PRIMARY KEY,
        answers TEXT NOT NULL DEFAULT '{}',          -- questionnaire columns, JSON object
        updated_at TEXT NOT NULL
    );
    CREATE TABLE ideas (
        idea_id TEXT PRIMARY KEY,
        question TEXT NOT NULL,                      -- the question it was posted under
        analysis_question TEXT,                      -- set when analysts moved it
        move_reason TEXT,
        text TEXT NOT NULL,
        author_id TEXT NOT NULL,
        extra TEXT NOT NULL DEFAULT '{}',            -- other columns of the export, JSON object
        updated_at TEXT NOT NULL
    );
    CREATE TABLE comments (
        comment_id TEXT PRIMARY KEY,
        idea_id TEXT NOT NULL REFERENCES ideas(idea_id),
        text TEXT NOT NULL,
        author_id TEXT NOT NULL,
        extra TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL
    );
    CREATE INDEX comments_idea ON comments(idea_id);
    CREATE TABLE votes (
        voter_id TEXT NOT NULL,
        target_id TEXT NOT NULL,
        target_kind TEXT NOT NULL CHECK (target_kind IN ('idea', 'comment')),
        value INTEGER NOT NULL CHECK (value IN (1, -1)),
        extra TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (voter_id, target_id)
    );
    CREATE INDEX votes_target ON votes(target_id);
    CREATE TABLE coders (
        coder_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('human', 'model', 'reference', 'final')),
        created_at TEXT NOT NULL
    );
    -- A coding: coder C looked at idea I; its codes are the rows of coding_codes.
    CREATE TABLE codings (
        idea_id TEXT NOT NULL REFERENCES ideas(idea_id),
        coder_id TEXT NOT NULL REFERENCES coders(coder_id),
        not_relevant_reason TEXT,                    -- set when the coder excluded the idea
        updated_at TEXT NOT NULL,
        PRIMARY KEY (idea_id, coder_id)
    );
    CREATE TABLE coding_codes (
        idea_id TEXT NOT NULL,
        coder_id TEXT NOT NULL,
        frame_id TEXT NOT NULL,
        code_id TEXT NOT NULL,
        PRIMARY KEY (idea_id, coder_id, frame_id, code_id),
        FOREIGN KEY (idea_id, coder_id) REFERENCES codings(idea_id, coder_id) ON DELETE CASCADE
    );
    CREATE TABLE ingests (
        ingest_id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        inserted INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        unchanged INTEGER NOT NULL
    );
    """,
    # 2: Label Studio (coder.studio): rounds and who codes what, Label Studio projects and
    #    the task <-> item mapping, pulled annotations' metadata, suggestions sent for review and
    #    reviewers' decisions; the redaction cache (coder.data.redact)
    """
    CREATE TABLE studio_rounds (
        round_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('coding', 'review')),
        settings TEXT NOT NULL DEFAULT '{}',         -- JSON: how the sample was drawn, model
        created_at TEXT NOT NULL
    );
    CREATE TABLE studio_assignments (
        round_id TEXT NOT NULL REFERENCES studio_rounds(round_id),
        coder_id TEXT NOT NULL,                      -- a coder's email; '*' = any reviewer
        item_id TEXT NOT NULL REFERENCES ideas(idea_id),
        position INTEGER NOT NULL,                   -- order of the coder's tasks
        shared INTEGER NOT NULL DEFAULT 0,           -- 1: every coder of the round codes it
        PRIMARY KEY (round_id, coder_id, item_id)
    );
    CREATE TABLE studio_projects (
        round_id TEXT NOT NULL REFERENCES studio_rounds(round_id),
        coder_id TEXT NOT NULL,
        view TEXT NOT NULL,                          -- the config's frames, ids joined by '+'
        ls_project_id INTEGER NOT NULL UNIQUE,
        config_sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (round_id, coder_id, view)
    );
    CREATE TABLE studio_tasks (
        ls_project_id INTEGER NOT NULL
            REFERENCES studio_projects(ls_project_id) ON DELETE CASCADE,
        item_id TEXT NOT NULL REFERENCES ideas(idea_id),
        ls_task_id INTEGER NOT NULL,
        pushed_at TEXT NOT NULL,
        PRIMARY KEY (ls_project_id, item_id)
    );
    CREATE INDEX studio_tasks_task ON studio_tasks(ls_task_id);
    CREATE TABLE studio_annotations (
        idea_id TEXT NOT NULL,
        coder_id TEXT NOT NULL,
        ls_annotation_id INTEGER NOT NULL,
        ls_project_id INTEGER NOT NULL,
        ls_task_id INTEGER NOT NULL,
        created_at TEXT NOT NULL,                    -- as Label Studio recorded them
        updated_at TEXT NOT NULL,
        lead_time REAL,                              -- seconds the coder spent on the task
        comment TEXT,
        PRIMARY KEY (idea_id, coder_id),
        FOREIGN KEY (idea_id, coder_id) REFERENCES codings(idea_id, coder_id) ON DELETE CASCADE
    );
    CREATE TABLE studio_suggestions (
        round_id TEXT NOT NULL REFERENCES studio_rounds(round_id),
        item_id TEXT NOT NULL REFERENCES ideas(idea_id),
        frame_id TEXT NOT NULL,
        code_id TEXT NOT NULL,
        score REAL NOT NULL,
        PRIMARY KEY (round_id, item_id, frame_id, code_id)
    );
    CREATE TABLE studio_reviews (
        round_id TEXT NOT NULL REFERENCES studio_rounds(round_id),
        item_id TEXT NOT NULL REFERENCES ideas(idea_id),
        reviewer TEXT NOT NULL,
        frame_id TEXT NOT NULL,
        model_version TEXT NOT NULL,
        suggested TEXT NOT NULL,                     -- JSON list: codes the model proposed
        decided TEXT NOT NULL,                       -- JSON list: codes the reviewer submitted
        decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'edit')),
        decided_at TEXT NOT NULL,                    -- the annotation's last update
        ls_annotation_id INTEGER NOT NULL,
        PRIMARY KEY (round_id, item_id, reviewer, frame_id)
    );
    CREATE TABLE redactions (
        text_sha256 TEXT NOT NULL,
        redactor TEXT NOT NULL,                      -- redactor version: a new one redoes it
        redacted TEXT NOT NULL,
        kinds TEXT NOT NULL DEFAULT '{}',            -- JSON: placeholders inserted, by kind
        PRIMARY KEY (text_sha256, redactor)
    );
    """,
    # 3: trained suggestion models and their suggestions (never mixed with human codings)
    """
    CREATE TABLE models (
        model_id TEXT PRIMARY KEY,                   -- digest of the model folder's content
        path TEXT NOT NULL,                          -- the model folder, relative to the project
        codebook_hash TEXT NOT NULL,
        embedding_model TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE suggestions (
        idea_id TEXT NOT NULL REFERENCES ideas(idea_id),
        model_id TEXT NOT NULL REFERENCES models(model_id),
        frame_id TEXT NOT NULL,
        code_id TEXT NOT NULL,
        score REAL,                                  -- calibrated probability; NULL: not trained
        threshold REAL,
        suggested INTEGER NOT NULL CHECK (suggested IN (0, 1)),
        status TEXT NOT NULL,                        -- 'trained' or 'not enough examples'
        created_at TEXT NOT NULL,
        PRIMARY KEY (idea_id, model_id, frame_id, code_id)
    );
    CREATE TABLE suggestion_items (
        idea_id TEXT NOT NULL REFERENCES ideas(idea_id),
        model_id TEXT NOT NULL REFERENCES models(model_id),
        confidence REAL NOT NULL,                    -- lowest per-code decision probability
        abstained INTEGER NOT NULL CHECK (abstained IN (0, 1)),  -- routed to a human
        created_at TEXT NOT NULL,
        PRIMARY KEY (idea_id, model_id)
    );
    """,
    # 4: reconciliation (coder.reconcile.rules): adjudicators' decisions, where each final code came
    #    from, items not yet final; and the append-only audit log of every change to any code
    """
    CREATE TABLE adjudications (
        idea_id TEXT PRIMARY KEY REFERENCES ideas(idea_id),
        adjudicator TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        not_relevant_reason TEXT,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE adjudication_codes (
        idea_id TEXT NOT NULL REFERENCES adjudications(idea_id) ON DELETE CASCADE,
        frame_id TEXT NOT NULL,
        code_id TEXT NOT NULL,
        PRIMARY KEY (idea_id, frame_id, code_id)
    );
    CREATE TABLE final_status (
        idea_id TEXT PRIMARY KEY REFERENCES ideas(idea_id),
        status TEXT NOT NULL CHECK (status IN ('final', 'excluded', 'queued', 'uncoded')),
        reason TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    );
    CREATE TABLE final_provenance (
        idea_id TEXT NOT NULL REFERENCES ideas(idea_id),
        frame_id TEXT NOT NULL,                      -- '' for an exclusion
        code_id TEXT NOT NULL,                       -- 'not_relevant' for an exclusion
        rule TEXT NOT NULL,
        coders TEXT NOT NULL DEFAULT '[]',           -- JSON list of the humans behind it
        model_version TEXT,
        score REAL,
        reviewer TEXT,
        decided_at TEXT,
        unreviewed INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (idea_id, frame_id, code_id)
    );
    CREATE TABLE audit_log (
        entry_id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,                         -- who made the change
        action TEXT NOT NULL,                        -- e.g. coding, adjudication, final, migrate
        idea_id TEXT,
        coder_id TEXT,
        before TEXT,                                 -- JSON: codes per frame (or exclusion)
        after TEXT,
        reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_log_idea ON audit_log(idea_id);
    CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    """,
    # 5: one audited write path. A change to a code (a coding, an adjudication, a review
    #    decision) is refused unless the writer opened an audit context; with one, triggers
    #    append every inserted, updated and deleted row to the audit log. Simulated reviews
    #    carry no Label Studio annotation (NULL), not a made-up id.
    AUDIT_MIGRATION,
]
SCHEMA_VERSION = len(MIGRATIONS)
