#!/usr/bin/env python3
"""A device's decisions by time on SQLite: an index on Decisions (before) against the DeviceDecisions table (now).

Stores the same rows twice, with the server's pragmas and the indexes of migrations/Sqlite, from 256 devices in
transactions of 27 (the trivial model's mean batch at 256 devices), 10 rows per millisecond:
- "index":  Decisions with its old (DeviceId, ReceivedAtMs) index, kept by SQLite on every insert;
- "table":  Decisions without it, and every 1 s of rows (the indexer's interval) copied into DeviceDecisions
            (WITHOUT ROWID, key DeviceId, ReceivedAtMs, DecisionId) in one sorted INSERT ... SELECT, as DeviceHistory does.
Prints CPU per stored row (Python's own per-row work is in both alike: read the difference), then the median time of
the server's reads by device over 50 devices, in the SQL shapes EF Core and StatsSql send.
Usage: /usr/bin/python3 scripts/bench-device-history.py [rows=600000]
"""
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid

ROWS_PER_SECOND = 10_000  # ReceivedAtMs advances 1 ms every 10 rows
DEVICES = 256
SCHEMA = """
CREATE TABLE Devices(Id TEXT PRIMARY KEY, Fleet TEXT NOT NULL);
CREATE TABLE Decisions(Id INTEGER PRIMARY KEY AUTOINCREMENT, DeviceId TEXT NOT NULL REFERENCES Devices(Id),
    Fleet TEXT NOT NULL, SampleId TEXT NOT NULL, ReceivedAtMs INTEGER NOT NULL, LocalClass INTEGER NOT NULL,
    LocalConfidence REAL NOT NULL, ServerClass INTEGER NOT NULL, Probabilities BLOB NOT NULL, Agrees INTEGER NOT NULL,
    Label INTEGER, ModelName TEXT NOT NULL);
CREATE UNIQUE INDEX IX_Decisions_DeviceId_SampleId ON Decisions(DeviceId, SampleId);
CREATE INDEX IX_Decisions_ReceivedAtMs ON Decisions(ReceivedAtMs);
CREATE INDEX IX_Decisions_Fleet_ReceivedAtMs ON Decisions(Fleet, ReceivedAtMs);
"""
PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "wal_autocheckpoint=8000", "cache_size=-32768", "foreign_keys=ON")
UNIQUE = "CREATE UNIQUE INDEX IX_Decisions_DeviceId_SampleId ON Decisions(DeviceId, SampleId);\n"
OLD_INDEX = "CREATE INDEX IX_Decisions_DeviceId_ReceivedAtMs ON Decisions(DeviceId, ReceivedAtMs)"
TABLE = """CREATE TABLE DeviceDecisions(DeviceId TEXT NOT NULL, ReceivedAtMs INTEGER NOT NULL, DecisionId INTEGER NOT NULL,
    PRIMARY KEY (DeviceId, ReceivedAtMs, DecisionId)) WITHOUT ROWID"""
CATCH_UP = """INSERT OR IGNORE INTO DeviceDecisions SELECT DeviceId, ReceivedAtMs, Id FROM Decisions
    WHERE Id > ? AND Id <= ? ORDER BY DeviceId, ReceivedAtMs, Id"""


def scope(layout, window):
    """The WHERE that selects one device's rows (?1 device, ?2 from, ?3 to), as the server writes it per layout."""
    if layout == "index":
        return "DeviceId = ?1" + (" AND ReceivedAtMs >= ?2 AND ReceivedAtMs < ?3" if window else "")
    inner = "DeviceId = ?1" + (" AND ReceivedAtMs >= ?2 AND ReceivedAtMs < ?3" if window else "")
    return f"Id IN (SELECT DecisionId FROM DeviceDecisions WHERE {inner})" + (" AND ReceivedAtMs >= ?2 AND ReceivedAtMs < ?3" if window else "")


READS = {
    "newest 20 (device page)": (False, "SELECT * FROM Decisions WHERE {} ORDER BY Id DESC LIMIT 20"),
    "count (decisions list)": (False, "SELECT COUNT(*) FROM Decisions WHERE {}"),
    "count, index table alone (pager)": (False, None),
    "labelled newest 5,000 (advice)": (False, "SELECT LocalConfidence, Agrees FROM Decisions WHERE {} AND Label IS NOT NULL ORDER BY Id DESC LIMIT 5000"),
    "last 10 % of time (stats window)": (True, "SELECT Fleet, COUNT(*), TOTAL(Agrees) FROM Decisions WHERE {} GROUP BY Fleet"),
}


def build(directory, layout, rows, devices, data):
    db = sqlite3.connect(os.path.join(directory, f"{layout}.db"), isolation_level=None)
    for pragma in PRAGMAS:
        db.execute(f"PRAGMA {pragma}")
    db.executescript(SCHEMA)
    db.execute(OLD_INDEX if layout == "index" else TABLE)
    db.executemany("INSERT INTO Devices VALUES (?, 'bench')", [(d,) for d in devices])
    insert = ("INSERT INTO Decisions(DeviceId, Fleet, SampleId, ReceivedAtMs, LocalClass, LocalConfidence, ServerClass, "
              "Probabilities, Agrees, Label, ModelName) VALUES (?, 'bench', ?, ?, 3, ?, 3, ?, 1, ?, 'trivial') ON CONFLICT DO NOTHING")
    cpu, indexed = time.process_time(), 0
    for first in range(0, rows, 27):
        db.execute("BEGIN")
        db.executemany(insert, data[first:first + 27])
        db.execute("COMMIT")
        if layout == "table" and (first + 27) - indexed >= ROWS_PER_SECOND:
            db.execute("BEGIN IMMEDIATE")
            through = db.execute("SELECT MAX(Id) FROM Decisions").fetchone()[0]
            db.execute(CATCH_UP, (indexed, through))
            db.execute("COMMIT")
            indexed = through
    if layout == "table":
        db.execute(CATCH_UP, (indexed, rows))
    return db, (time.process_time() - cpu) / rows * 1e6


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 600_000
    devices = [uuid.uuid4().hex[:16] for _ in range(DEVICES)]
    start, probabilities = 1_764_000_000_000, os.urandom(40)
    data = [(devices[i % DEVICES], str(uuid.uuid4()), start + i // 10, (i % 97) / 97, probabilities, (i % 10) if i % 3 else None)
            for i in range(rows)]
    end = start + rows // 10
    window = (end - (rows // 100), end)
    print(f"SQLite {sqlite3.sqlite_version}, {rows:,} rows from {DEVICES} devices ({rows // DEVICES:,} each), 27 per transaction")
    with tempfile.TemporaryDirectory() as directory:
        results = {}
        for layout in ("index", "table"):
            db, write = build(directory, layout, rows, devices, data)
            times = {}
            for name, (windowed, sql) in READS.items():
                statement = sql.format(scope(layout, windowed)) if sql else (
                    "SELECT COUNT(*) FROM " + ("Decisions" if layout == "index" else "DeviceDecisions") + " WHERE DeviceId = ?1")
                samples = []
                for device in devices[:50]:
                    t = time.perf_counter()
                    db.execute(statement, (device, *window) if windowed else (device,)).fetchall()
                    samples.append((time.perf_counter() - t) * 1e3)
                times[name] = statistics.median(samples)
            results[layout] = (write, times)
            db.close()
        print(f"{'':<46} {'index on Decisions':>19} {'DeviceDecisions':>16}")
        print(f"{'CPU µs per stored row':<46} {results['index'][0]:>19.1f} {results['table'][0]:>16.1f}")
        for name in READS:
            print(f"{name + ', median ms':<46} {results['index'][1][name]:>19.2f} {results['table'][1][name]:>16.2f}")


if __name__ == "__main__":
    main()
