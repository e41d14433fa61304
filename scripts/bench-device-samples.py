#!/usr/bin/env python3
"""A device's sample ids on SQLite: the unique (DeviceId, SampleId) index on Decisions (before) against DeviceSamples (now).

Stores the same rows three times, with the server's pragmas and the indexes of migrations/Sqlite, from 256 devices in
transactions of 27 (the trivial model's mean batch at 256 devices), 10,000 rows a second as the indexer sees them:
- "unique":  Decisions with the unique index, INSERT ... ON CONFLICT DO NOTHING (before);
- "table":   no unique index; the INSERT runs WHERE NOT EXISTS the key in DeviceSamples, and every second of rows is
             copied into DeviceSamples in one sorted INSERT ... SELECT, beside DeviceDecisions, as DeviceHistory does (now);
- "none":    neither (the floor: what no idempotency at all would cost).
Each layout fills DeviceDecisions each second, as the server does either way. Prints CPU per stored row per layout and
round (Python's own per-row work is in all alike: read the differences).
Usage: /usr/bin/python3 scripts/bench-device-samples.py [rows=300000] [counter|uuid] [rounds=2]
"""
import importlib.util
import os
import sqlite3
import sys
import tempfile
import time
import uuid

# The schema, pragmas and the DeviceDecisions pass are those of bench-device-history.py (the server's, at 01dec34).
_spec = importlib.util.spec_from_file_location("bench_device_history", os.path.join(os.path.dirname(__file__), "bench-device-history.py"))
history = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(history)

DEVICES = history.DEVICES
ROWS_PER_SECOND = history.ROWS_PER_SECOND
# Decisions without the unique index (added per layout), and both tables kept apart.
SCHEMA = history.SCHEMA.replace(history.UNIQUE, "") + history.TABLE + """;
CREATE TABLE DeviceSamples(DeviceId TEXT NOT NULL, SampleId TEXT NOT NULL, DecisionId INTEGER NOT NULL,
    PRIMARY KEY (DeviceId, SampleId)) WITHOUT ROWID;
"""
COLUMNS = ("(DeviceId, Fleet, SampleId, ReceivedAtMs, LocalClass, LocalConfidence, ServerClass, Probabilities, Agrees, "
           "Label, ModelName)")
VALUES = "?1, 'bench', ?2, ?3, 3, ?4, 3, ?5, 1, ?6, 'trivial'"
INSERT = {
    "unique": f"INSERT INTO Decisions{COLUMNS} VALUES ({VALUES}) ON CONFLICT DO NOTHING",
    "table": f"INSERT INTO Decisions{COLUMNS} SELECT {VALUES} "
             "WHERE NOT EXISTS (SELECT 1 FROM DeviceSamples WHERE DeviceId = ?1 AND SampleId = ?2)",
    "none": f"INSERT INTO Decisions{COLUMNS} VALUES ({VALUES})",
}
BY_TIME = history.CATCH_UP
BY_SAMPLE = """INSERT OR IGNORE INTO DeviceSamples SELECT DeviceId, SampleId, Id FROM Decisions
    WHERE Id > ? AND Id <= ? ORDER BY DeviceId, SampleId"""


def store(path, layout, devices, data):
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in history.PRAGMAS:
        db.execute(f"PRAGMA {pragma}")
    db.executescript(SCHEMA)
    if layout == "unique":
        db.execute(history.UNIQUE)
    db.executemany("INSERT INTO Devices VALUES (?, 'bench')", [(d,) for d in devices])
    passes = [BY_TIME, BY_SAMPLE] if layout == "table" else [BY_TIME]
    cpu, indexed = time.process_time(), 0
    for first in range(0, len(data), 27):
        db.execute("BEGIN")
        db.executemany(INSERT[layout], data[first:first + 27])
        db.execute("COMMIT")
        if first + 27 - indexed >= ROWS_PER_SECOND:
            db.execute("BEGIN IMMEDIATE")
            through = db.execute("SELECT MAX(Id) FROM Decisions").fetchone()[0]
            for sql in passes:
                db.execute(sql, (indexed, through))
            db.execute("COMMIT")
            indexed = through
    db.close()
    return (time.process_time() - cpu) / len(data) * 1e6


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    ids = sys.argv[2] if len(sys.argv) > 2 else "counter"
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    devices = [uuid.uuid4().hex[:16] for _ in range(DEVICES)]
    start, probabilities = 1_764_000_000_000, os.urandom(40)
    # "counter": the SDK's ids (a prefix per device and a counter); "uuid": ids with no order at all.
    sample = (lambda i: f"{devices[i % DEVICES]}-{i // DEVICES + 1}") if ids == "counter" else (lambda i: str(uuid.uuid4()))
    data = [(devices[i % DEVICES], sample(i), start + i // 10, (i % 97) / 97, probabilities, (i % 10) if i % 3 else None)
            for i in range(rows)]
    print(f"SQLite {sqlite3.sqlite_version}, {rows:,} rows from {DEVICES} devices, 27 per transaction, {ids} sample ids")
    print(f"{'round':>5} {'unique index':>13} {'DeviceSamples':>14} {'none':>8}   (CPU µs per stored row)")
    with tempfile.TemporaryDirectory() as directory:
        for r in range(rounds):
            cost = {layout: store(os.path.join(directory, f"{layout}-{r}.db"), layout, devices, data) for layout in INSERT}
            print(f"{r + 1:>5} {cost['unique']:>13.1f} {cost['table']:>14.1f} {cost['none']:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
