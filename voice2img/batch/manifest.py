"""The batch manifest: one SQLite row per input, the record of what a batch made and why not.

SQLite because a run can be killed at any instant: each item's row is committed in one
transaction after its files are in place, so the manifest never claims work that is not on disk,
and a rerun knows exactly what is left. ``export`` writes CSV and JSON Lines copies for
spreadsheets and scripts.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import time
from pathlib import Path

from ..files import write_atomic

FILENAME = "voice2img-manifest.sqlite"
COLUMNS = ["input", "sha256", "status", "reason", "transcript", "prompt", "negative_prompt", "settings", "seeds",
           "outputs", "timings", "safety", "init_image", "attempts", "updated"]
JSON_COLUMNS = {"settings", "seeds", "outputs", "timings", "safety", "init_image"}

DONE, NO_SPEECH, FAILED = "done", "no speech", "failed"


class Manifest:
    def __init__(self, out_dir: str | os.PathLike):
        self.path = Path(out_dir) / FILENAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS items (input TEXT PRIMARY KEY, sha256 TEXT, status TEXT, reason TEXT, "
            "transcript TEXT, prompt TEXT, negative_prompt TEXT, settings TEXT, seeds TEXT, outputs TEXT, "
            "timings TEXT, safety TEXT, init_image TEXT, attempts INTEGER DEFAULT 0, updated REAL)")
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(items)")}
        for column in ("safety", "init_image"):  # a manifest from before the image check / starting pictures
            if column not in columns:
                self.db.execute(f"ALTER TABLE items ADD COLUMN {column} TEXT")
        self.db.commit()

    def get(self, key: str) -> dict | None:
        row = self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM items WHERE input = ?", (key,)).fetchone()
        return self._decode(row) if row else None

    def record(self, key: str, sha256: str, status: str, *, reason: str = "", transcript: str = "", prompt: str = "",
               negative_prompt: str = "", settings: dict | None = None, seeds: list | None = None,
               outputs: list | None = None, timings: dict | None = None, safety: list | None = None,
               init_image: dict | None = None) -> None:
        previous = self.get(key)
        attempts = (previous["attempts"] if previous else 0) + 1
        values = (key, sha256, status, reason, transcript, prompt, negative_prompt, json.dumps(settings or {}),
                  json.dumps(seeds or []), json.dumps(outputs or []), json.dumps(timings or {}), json.dumps(safety or []), json.dumps(init_image), attempts, time.time())
        with self.db:  # one transaction: the row appears whole or not at all
            self.db.execute(f"INSERT OR REPLACE INTO items ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                            values)

    def rows(self) -> list[dict]:
        return [self._decode(r) for r in self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM items ORDER BY input")]

    def export(self) -> tuple[Path, Path]:
        """Write manifest.csv and manifest.jsonl beside the database (atomically)."""
        rows = self.rows()
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(v) if k in JSON_COLUMNS else v for k, v in row.items()})
        csv_path, jsonl_path = self.path.with_name("manifest.csv"), self.path.with_name("manifest.jsonl")
        write_atomic(csv_path, text.getvalue())
        write_atomic(jsonl_path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        return csv_path, jsonl_path

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def _decode(row) -> dict:
        out = dict(zip(COLUMNS, row))
        for key in JSON_COLUMNS:
            out[key] = json.loads(out[key] or "null")
        return out
