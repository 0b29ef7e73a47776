#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench-history: what the call history costs callkitd.

Figures, printed, never asserted (a benchmark, not a test):

1. callkitd's CPU per ended call with and without history: one provider
   whose calls are kept (includes_calls_in_recents true) and one whose
   calls are not, their report+end pairs in alternating blocks so that both
   see the same load; the difference is what the history adds (the SQLite
   commit, the entry announced on the bus and to the notifications).
2. Why commits are not fsynced: a commit of one row in WAL mode with
   synchronous=NORMAL (what callkitd does) and with FULL (an fsync per
   commit), on the file system callkitd's database is on; and what a
   checkpoint (where the fsyncs are, done when no call is live) costs.
3. GetEntries of the newest 100 out of 100,000 entries, and of 100 missed
   calls, and MissedCount, over Peer.Ping, in alternating blocks, timed by
   bench-history-reader (sd-bus, as apps and libcallkit read).
4. callkitd's start with an empty and with a 100,000-entry history, and its
   RSS with it.

It runs its own dbus-daemon and callkitd (the test harness's PrivateBus and
Daemon) in a temporary directory and removes it afterwards. The callkitd is
the first argument, else $CALLKITD, else build/daemon/callkitd.
"""

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import harness  # noqa: E402

BLOCK = 100


def cpu_ns(pid):
    """Time on CPU of every thread of @pid (schedstat, ns)."""
    total = 0
    for task in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, task)) as f:
            total += int(f.read().split()[0])
    return total


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def stats(samples_us):
    ordered = sorted(samples_us)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99


def row(name, value, unit="", note=""):
    print("%-52s %10s %-4s %s" % (name, value, unit, note))


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = Path(tempfile.mkdtemp(prefix="ckd-bench-history-"))
        self.bus = harness.PrivateBus(self.dir).start()
        os.environ.update(self.bus.env)
        conf = self.bus.home / ".config" / "callkitd" / "callkitd.conf"
        conf.parent.mkdir(parents=True)
        # Room for the entries of the run, whatever their age.
        conf.write_text("[History]\nmax-entries=1000000\nmax-age-days=0\n")
        self.db_path = Path(self.bus.env["XDG_DATA_HOME"]) / "callkitd" / "history.sqlite"
        self.daemon = None
        self.client = None
        self.starts = 0

    def start(self):
        self.starts += 1
        t0 = time.monotonic()
        self.daemon = harness.Daemon(self.args.callkitd, ["--incoming-report-rate=0"], self.bus,
                                     self.dir / ("callkitd-%d.log" % self.starts))
        self.daemon.wait_ready()
        elapsed = time.monotonic() - t0
        self.client = harness.Client(self.bus, "bench")
        return elapsed

    def stop(self):
        self.client.close()
        status = self.daemon.stop()
        if status != 0:
            print("warning: callkitd exited %d; its log:\n%s" % (status, self.daemon.log_text()))
        self.daemon.finish()

    def close(self):
        if self.daemon is not None and self.daemon.returncode is None:
            self.stop()
        self.bus.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def timed(self, fn):
        t0 = time.perf_counter_ns()
        fn()
        return (time.perf_counter_ns() - t0) / 1000.0

    # -- 1. the cost per ended call ------------------------------------------

    def cost_per_call(self):
        kept = self.client.register_provider({"localized_name": "Kept"})
        unkept = self.client.register_provider({"localized_name": "Not kept",
                                                "includes_calls_in_recents": False})
        cpu = {kept: 0, unkept: 0}
        end_us = {kept: [], unkept: []}
        pid = self.daemon.pid
        pairs = self.args.pairs

        def pair(provider):
            call = str(uuidlib.uuid4())
            provider.report_incoming(call, remote_handle=("phone-number", "+4930123456"),
                                     localized_caller_name="Ada")
            end_us[provider].append(self.timed(
                lambda: provider.report_ended(call, "remote-ended")))

        for provider in (kept, unkept):
            for _ in range(BLOCK):
                pair(provider)  # warm-up
        end_us = {kept: [], unkept: []}
        for block in range(max(pairs // BLOCK, 1)):
            order = (kept, unkept) if block % 2 == 0 else (unkept, kept)
            for provider in order:
                c0 = cpu_ns(pid)
                for _ in range(BLOCK):
                    pair(provider)
                cpu[provider] += cpu_ns(pid) - c0
        n = max(pairs // BLOCK, 1) * BLOCK
        with_us, without_us = cpu[kept] / n / 1000.0, cpu[unkept] / n / 1000.0
        print("\n1. callkitd CPU per ended call (report + end, %d pairs of each kind)" % n)
        row("kept in the history", "%.1f" % with_us, "µs")
        row("not kept (includes_calls_in_recents false)", "%.1f" % without_us, "µs")
        row("what the history adds per ended call", "%.1f" % (with_us - without_us), "µs",
            "(%.0f %% more)" % (100.0 * (with_us - without_us) / without_us))
        for provider, name in ((kept, "kept"), (unkept, "not kept")):
            median, p99 = stats(end_us[provider])
            row("ReportCallEnded latency, %s: median / p99" % name,
                "%.0f / %.0f" % (median, p99), "µs")

    # -- 2. why synchronous=NORMAL --------------------------------------------

    def commit_cost(self):
        scratch = self.db_path.parent / "bench-scratch.sqlite"
        db = sqlite3.connect(scratch, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA wal_autocheckpoint = 0")
        db.execute("CREATE TABLE t (x TEXT)")
        print("\n2. one commit of one row in WAL mode, on callkitd's file system (%d each)"
              % self.args.commits)
        for mode in ("NORMAL", "FULL"):
            db.execute("PRAGMA synchronous = %s" % mode)
            samples = [self.timed(lambda: db.execute("INSERT INTO t VALUES ('%s')" % ("x" * 200)))
                       for _ in range(self.args.commits)]
            median, p99 = stats(samples)
            row("synchronous=%s%s: median / p99" % (
                mode, " (callkitd)" if mode == "NORMAL" else " (fsync per commit)"),
                "%.0f / %.0f" % (median, p99), "µs")
        db.execute("PRAGMA synchronous = NORMAL")
        for _ in range(1000):
            db.execute("INSERT INTO t VALUES ('%s')" % ("x" * 200))
        us = self.timed(lambda: db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall())
        row("checkpoint of 1000 commits (when no call is live)", "%.1f" % (us / 1000.0), "ms")
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(scratch) + suffix).unlink(missing_ok=True)

    # -- 3. GetEntries over Peer.Ping -----------------------------------------

    def fill(self, total):
        """Copies the entries there are until there are @total, spread over
        the last year, through SQLite beside callkitd (WAL lets both)."""
        db = sqlite3.connect(self.db_path, isolation_level=None, timeout=30)
        columns = [r[1] for r in db.execute("PRAGMA table_info(entries)")]
        copied = [c for c in columns if c not in ("id", "call", "ended_at")]
        year_us = 365 * 24 * 3600 * 1000000
        count = db.execute("SELECT count(*) FROM entries").fetchone()[0]
        while count < total:
            db.execute("INSERT INTO entries (call, ended_at, %s) SELECT lower(hex(randomblob(16))),"
                       " ended_at - abs(random() %% %d), %s FROM entries LIMIT ?"
                       % (", ".join(copied), year_us, ", ".join(copied)),
                       (min(count, total - count),))
            count = db.execute("SELECT count(*) FROM entries").fetchone()[0]
        db.close()
        return count

    def get_entries(self):
        n = self.fill(self.args.entries)
        c0 = cpu_ns(self.daemon.pid)
        out = subprocess.run([self.args.reader, str(self.args.samples)], env=dict(os.environ),
                             capture_output=True, text=True, check=True).stdout
        cpu = cpu_ns(self.daemon.pid) - c0
        results = {}
        for line in out.splitlines():
            name, median, p99, entries = line.split()
            results[name] = (float(median), float(p99), int(entries))
        assert results["entries"][2] == 100, results
        ping = results["ping"][0]
        print("\n3. reading a history of %d entries (%d samples each, over Peer.Ping; "
              "sd-bus client)" % (n, self.args.samples))
        for name, label in (("ping", "Peer.Ping (baseline)"),
                            ("entries", "GetEntries, newest 100"),
                            ("missed", "GetEntries, newest 100 missed"),
                            ("count", "MissedCount (Properties.Get)")):
            median, p99, _ = results[name]
            row(label + ": median / p99", "%.0f / %.0f" % (median, p99), "µs",
                "%.2f × ping" % (median / ping))
        # Every block of every kind, each 101 reads (the first not timed).
        reads = 4 * (max(self.args.samples // BLOCK, 1) * (BLOCK + 1))
        row("  callkitd CPU per read, all four kinds", "%.1f" % (cpu / reads / 1000.0), "µs")
        row("callkitd RSS with it", "%.1f" % (rss_kib(self.daemon.pid) / 1024.0), "MiB")
        return n

    def run(self):
        print("bench-history: what the call history costs callkitd (a benchmark, not a test)")
        print("callkitd: %s; load average %s" % (self.args.callkitd,
                                                  open("/proc/loadavg").read().split()[0]))
        print("note: 2 cores shared with other jobs here: figures are noisy; run it twice.")
        first_start = self.start()
        self.cost_per_call()
        self.commit_cost()
        n = self.get_entries()
        self.stop()
        big_start = self.start()
        print("\n4. callkitd's start, to its bus name")
        row("with an empty history", "%.0f" % (first_start * 1000), "ms")
        row("with %d entries" % n, "%.0f" % (big_start * 1000), "ms")
        self.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = os.environ.get("CALLKITD") or str(HERE.parent / "build" / "daemon" / "callkitd")
    parser.add_argument("callkitd", nargs="?", default=default)
    parser.add_argument("--pairs", type=int, default=3000,
                        help="report+end pairs of each kind for the CPU figure (default 3000)")
    parser.add_argument("--commits", type=int, default=200,
                        help="commits of each kind for the fsync figure (default 200)")
    parser.add_argument("--entries", type=int, default=100000,
                        help="entries in the history read back (default 100000)")
    parser.add_argument("--samples", type=int, default=2000,
                        help="samples of each read (default 2000)")
    parser.add_argument("--reader", default=str(HERE.parent / "build" / "bench"
                                                / "bench-history-reader"),
                        help="bench-history-reader, the sd-bus client that times the reads "
                             "(default: build/bench/bench-history-reader)")
    args = parser.parse_args()
    bench = Bench(args)
    try:
        bench.run()
    finally:
        bench.close()


if __name__ == "__main__":
    main()
