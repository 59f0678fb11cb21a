"""The run store: an embedded SQLite file in OUT_DIR.

It records, per applicant, the hash of its inputs and the result, so a re-run skips what
is done and redoes what changed; and it is the corpus index for the cross-applicant checks
(same certificate image or number, same ID number under different names), so duplicates
are found across runs and across workers. Only the coordinating process writes to it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.core.stages import StoredFingerprint

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    case_id      TEXT PRIMARY KEY,
    source       TEXT NOT NULL,
    input_hash   TEXT NOT NULL,
    status       TEXT NOT NULL,          -- done | failed
    recommendation TEXT,
    n_pages      INTEGER DEFAULT 0,
    n_errors     INTEGER DEFAULT 0,
    flag_codes   TEXT DEFAULT '[]',      -- JSON list
    message      TEXT,
    inputs       TEXT DEFAULT '[]',      -- JSON list of input paths (to re-render reports)
    updated_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fingerprints (
    case_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,           -- cert_number | id_number | cert_image
    value       TEXT NOT NULL,
    holder_name TEXT,
    evidence    TEXT,                    -- JSON Evidence
    PRIMARY KEY (case_id, kind, value)
);
CREATE INDEX IF NOT EXISTS fp_kind_value ON fingerprints(kind, value);
"""


@dataclass(frozen=True)
class CaseRecord:
    case_id: str
    source: str
    input_hash: str
    status: str
    recommendation: str | None
    n_pages: int
    n_errors: int
    flag_codes: list[str]
    message: str | None
    inputs: Sequence[str] = ()


class RunStore:
    """Thin wrapper over the SQLite file; every write is its own committed transaction."""

    FILENAME = "credcase.sqlite"

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / self.FILENAME
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self.path.chmod(0o600)

    def close(self) -> None:
        self._db.close()

    # ----------------------------------------------------------------- cases
    def get(self, case_id: str) -> CaseRecord | None:
        row = self._db.execute(
            "SELECT case_id, source, input_hash, status, recommendation, n_pages, n_errors, flag_codes, message,"
            " inputs"
            " FROM cases WHERE case_id = ?", (case_id,)).fetchone()
        if not row:
            return None
        return _record(row)

    def all_cases(self) -> list[CaseRecord]:
        rows = self._db.execute(
            "SELECT case_id, source, input_hash, status, recommendation, n_pages, n_errors, flag_codes, message,"
            " inputs"
            " FROM cases ORDER BY case_id").fetchall()
        return [_record(r) for r in rows]

    def record(self, rec: CaseRecord, fingerprints: Iterable[StoredFingerprint] = ()) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._tx():
            self._db.execute(
                "INSERT OR REPLACE INTO cases VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (rec.case_id, rec.source, rec.input_hash, rec.status, rec.recommendation, rec.n_pages,
                 rec.n_errors, json.dumps(rec.flag_codes), rec.message,
                 json.dumps([str(p) for p in rec.inputs], ensure_ascii=False), now))
            self._db.execute("DELETE FROM fingerprints WHERE case_id = ?", (rec.case_id,))
            self._db.executemany(
                "INSERT OR IGNORE INTO fingerprints VALUES (?,?,?,?,?)",
                [(fp.case_id, fp.kind, fp.value, fp.holder_name,
                  json.dumps(fp.evidence, ensure_ascii=False) if fp.evidence else None) for fp in fingerprints])

    def update_flags(self, case_id: str, recommendation: str, flag_codes: list[str]) -> None:
        with self._tx():
            self._db.execute("UPDATE cases SET recommendation = ?, flag_codes = ? WHERE case_id = ?",
                             (recommendation, json.dumps(flag_codes), case_id))

    # ----------------------------------------------------------------- corpus index
    def same_value(self, kind: str, value: str, exclude_case: str) -> list[StoredFingerprint]:
        rows = self._db.execute(
            "SELECT case_id, kind, value, holder_name, evidence FROM fingerprints"
            " WHERE kind = ? AND value = ? AND case_id != ?", (kind, value, exclude_case)).fetchall()
        return [_fp(r) for r in rows]

    def all_of_kind(self, kind: str, exclude_case: str) -> list[StoredFingerprint]:
        rows = self._db.execute(
            "SELECT case_id, kind, value, holder_name, evidence FROM fingerprints WHERE kind = ? AND case_id != ?",
            (kind, exclude_case)).fetchall()
        return [_fp(r) for r in rows]

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _record(row: tuple) -> CaseRecord:
    return CaseRecord(case_id=row[0], source=row[1], input_hash=row[2], status=row[3], recommendation=row[4],
                      n_pages=row[5], n_errors=row[6], flag_codes=json.loads(row[7] or "[]"), message=row[8],
                      inputs=json.loads(row[9] or "[]"))


def _fp(row: tuple) -> StoredFingerprint:
    return StoredFingerprint(case_id=row[0], kind=row[1], value=row[2], holder_name=row[3],
                             evidence=json.loads(row[4]) if row[4] else None)
