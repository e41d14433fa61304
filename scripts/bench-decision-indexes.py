#!/usr/bin/env python3
"""What each index on Decisions costs per stored row, in SQLite alone (no server).

Writes 60,000 decision rows from 256 devices in transactions of 27 (the trivial model's mean batch at 256 devices), with
the server's pragmas (WAL, synchronous=NORMAL, wal_autocheckpoint=8000, a 32 MiB cache) and the schema of
migrations/Sqlite, once per variant: all four indexes, then without each one, then without any. Prints the process CPU
time per row, system calls included. Python's own per-row work is in every figure alike, so read the differences.
Usage: /usr/bin/python3 scripts/bench-decision-indexes.py [rows]
"""
import hashlib
import os
import sqlite3
import sys
import tempfile
import time
import uuid

INDEXES = {
    "(DeviceId, SampleId) unique": "CREATE UNIQUE INDEX ix_device_sample ON Decisions(DeviceId, SampleId)",
    "(DeviceId, ReceivedAtMs)": "CREATE INDEX ix_device_time ON Decisions(DeviceId, ReceivedAtMs)",
    "(Fleet, ReceivedAtMs)": "CREATE INDEX ix_fleet_time ON Decisions(Fleet, ReceivedAtMs)",
    "(ReceivedAtMs)": "CREATE INDEX ix_time ON Decisions(ReceivedAtMs)",
}
COLUMNS = ("DeviceId, Fleet, SampleId, PayloadHash, ReceivedAtMs, CapturedAtMs, LocalClass, LocalConfidence, "
           "LocalInferenceMicros, ServerClass, ServerConfidence, Probabilities, Agrees, Label, InputBytes, QueueMicros, "
           "InferenceMicros, BatchSize, ModelVersion, Exploration, ModelName")


def run(directory, rows, indexes):
    path = os.path.join(directory, f"decisions-{len(os.listdir(directory))}.db")
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "wal_autocheckpoint=8000", "cache_size=-32768", "foreign_keys=ON"):
        db.execute(f"PRAGMA {pragma}")
    db.execute('CREATE TABLE Devices(Id TEXT PRIMARY KEY, Fleet TEXT NOT NULL)')
    db.execute("""CREATE TABLE Decisions(Id INTEGER PRIMARY KEY AUTOINCREMENT,
        DeviceId TEXT NOT NULL REFERENCES Devices(Id) ON DELETE CASCADE, Fleet TEXT NOT NULL, SampleId TEXT NOT NULL,
        PayloadHash TEXT NOT NULL, ReceivedAtMs INTEGER NOT NULL, CapturedAtMs INTEGER, LocalClass INTEGER NOT NULL,
        LocalConfidence REAL NOT NULL, LocalInferenceMicros INTEGER, ServerClass INTEGER NOT NULL,
        ServerConfidence REAL NOT NULL, Probabilities BLOB NOT NULL, Agrees INTEGER NOT NULL, Label INTEGER,
        InputBytes INTEGER NOT NULL, QueueMicros INTEGER NOT NULL, InferenceMicros INTEGER NOT NULL,
        BatchSize INTEGER NOT NULL, ModelVersion TEXT NOT NULL, Exploration INTEGER NOT NULL, ModelName TEXT NOT NULL)""")
    for sql in indexes:
        db.execute(sql)
    devices = [uuid.uuid4().hex for _ in range(256)]
    db.executemany("INSERT INTO Devices VALUES (?, 'bench')", [(d,) for d in devices])
    probabilities, start = os.urandom(40), 1_764_000_000_000
    data = []
    for i in range(rows):
        sample = str(uuid.uuid4())
        data.append((devices[i % 256], "bench", sample, hashlib.sha256(sample.encode()).hexdigest(), start + i // 10, start,
                     3, 0.5, 100, 3, 0.9, probabilities, 1, None, 784, 500, 50, 27, "1.0.0", 0, "trivial"))
    insert = f"INSERT INTO Decisions({COLUMNS}) VALUES ({', '.join('?' * 21)}) ON CONFLICT DO NOTHING"
    cpu = time.process_time()
    for first in range(0, rows, 27):
        db.execute("BEGIN")
        db.executemany(insert, data[first:first + 27])
        db.execute("COMMIT")
    cpu = time.process_time() - cpu
    db.close()
    return cpu / rows * 1e6


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 60_000
    with tempfile.TemporaryDirectory() as directory:
        print(f"SQLite {sqlite3.sqlite_version}, {rows:,} rows, 256 devices, 27 rows per transaction")
        print(f"{'indexes':<40} {'CPU µs per row':>15}")
        print(f"{'all four':<40} {run(directory, rows, INDEXES.values()):>15.1f}")
        for name in INDEXES:
            print(f"{'without ' + name:<40} {run(directory, rows, [v for k, v in INDEXES.items() if k != name]):>15.1f}")
        print(f"{'none':<40} {run(directory, rows, []):>15.1f}")
        print(f"{'all four, again':<40} {run(directory, rows, INDEXES.values()):>15.1f}")


if __name__ == "__main__":
    main()
