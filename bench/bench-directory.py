#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench-directory: what the call directory costs and how fast it is.

Figures, printed, never asserted (a benchmark, not a test):

1. ReplaceBlockingEntries of 2,000,000 generated numbers, unsorted, in
   mixed formats (E.164 with and without spaces, dashes, dots and
   parentheses, and one in ten national, "030 …", read by libphonenumber
   with default_region DE), from a file, as the app sees it (call to
   reply, the list on disk). Against it, in the same run, the same numbers
   (already E.164: SQLite is spared the parsing) inserted into SQLite in
   one transaction into one table with an index: what a careful app would
   otherwise do. Target: at least 10 times faster than SQLite.
2. Lookup in process (bench-directory-lookup, on the file callkitd
   wrote): the handle made a key and a binary search. Target: p50 at most
   1 µs with 2 M entries.
3. Lookup over D-Bus against Peer.Ping, in alternating blocks.
4. callkitd's RSS with the 2 M entries loaded (a lookup touches pages of
   the mapped file), and the file's size.
5. ReportNewIncomingCall of a blocked number (refused with
   FilteredByBlockList, into the history) against one that rings, with
   the 2 M entries loaded.

It runs its own dbus-daemon and callkitd (the test harness's PrivateBus
and Daemon) in a temporary directory and removes it afterwards.
"""

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib
from pathlib import Path

from gi.repository import Gio, GLib

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import harness  # noqa: E402
from directory_harness import list_path, replace_fd  # noqa: E402

APP = "org.example.Spam"
BLOCK = 200


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def row(name, value, unit="", note=""):
    print("%-56s %12s %-4s %s" % (name, value, unit, note))


def generate(n, seed=1):
    """n distinct numbers: (text as written, E.164)."""
    rng = random.Random(seed)
    seen = set()
    out = []
    countries = ["1", "44", "33", "39", "34", "31", "49", "81", "61", "55"]
    while len(out) < n:
        cc = rng.choice(countries)
        subscriber = "%d%08d" % (rng.randrange(2, 10), rng.randrange(10 ** 8))
        if cc == "1":
            subscriber = "%d%02d%d%06d" % (rng.randrange(2, 10), rng.randrange(100),
                                           rng.randrange(2, 10), rng.randrange(10 ** 6))
        e164 = "+" + cc + subscriber
        if e164 in seen:
            continue
        seen.add(e164)
        style = rng.randrange(10)
        if style == 0 and cc == "49":
            text = "0" + subscriber[:3] + " " + subscriber[3:]
        elif style <= 3:
            text = e164
        elif style <= 5:
            text = "+%s %s %s" % (cc, subscriber[:3], subscriber[3:])
        elif style <= 7:
            text = "+%s-%s-%s" % (cc, subscriber[:4], subscriber[4:])
        else:
            text = "+%s (%s) %s.%s" % (cc, subscriber[:3], subscriber[3:6], subscriber[6:])
        out.append((text, e164))
    return out


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = Path(tempfile.mkdtemp(prefix="ckd-bench-directory-"))
        self.bus = harness.PrivateBus(self.dir).start()
        os.environ.update(self.bus.env)
        self.daemon = harness.Daemon(args.callkitd, ["--incoming-report-rate=0"], self.bus,
                                     self.dir / "callkitd.log")
        self.daemon.wait_ready()
        self.client = harness.Client(self.bus, "bench")

    def close(self):
        self.client.close()
        self.daemon.stop()
        self.daemon.finish()
        self.bus.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def replace_vs_sqlite(self, numbers):
        text_path = self.dir / "list.txt"
        lines = [t for t, _ in numbers]
        random.Random(2).shuffle(lines)
        # Duplicates, comments and blank lines, as lists have them.
        lines += lines[:1000] + ["# comment", ""]
        text_path.write_text("\n".join(lines) + "\n")
        with open(text_path, "rb") as f:
            t0 = time.perf_counter()
            count = replace_fd(self.client, "blocking", f.fileno(), timeout=600, app_id=APP,
                               default_region="DE")
            replace_s = time.perf_counter() - t0
        e164 = [(e,) for _, e in numbers]
        random.Random(2).shuffle(e164)
        sqlite_s = {}
        # SQLite as it comes, and with a page cache that holds the index
        # (256 MiB): a careful app may well set it.
        for name, cache in (("default cache", None), ("256 MiB cache", -262144)):
            db = self.dir / ("sqlite-%d.db" % len(sqlite_s))
            conn = sqlite3.connect(db, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            if cache is not None:
                conn.execute("PRAGMA cache_size=%d" % cache)
            conn.execute("CREATE TABLE blocked (number TEXT NOT NULL)")
            conn.execute("CREATE UNIQUE INDEX blocked_number ON blocked (number)")
            t0 = time.perf_counter()
            conn.execute("BEGIN")
            conn.executemany("INSERT OR IGNORE INTO blocked (number) VALUES (?)", e164)
            conn.execute("COMMIT")
            sqlite_s[name] = time.perf_counter() - t0
            conn.close()
        row("ReplaceBlockingEntries, %d numbers (%d stored)" % (len(lines), count),
            "%.3f" % replace_s, "s")
        for name, seconds in sqlite_s.items():
            row("SQLite, one transaction, one indexed table, " + name, "%.3f" % seconds, "s")
            ratio = seconds / replace_s
            row("  callkitd faster by", "%.1f" % ratio, "x",
                "target >= 10x: %s" % ("PASS" if ratio >= 10 else "MISS"))
        size = list_path(self.bus, APP, "blocking").stat().st_size
        row("list file size", "%.1f" % (size / 1048576), "MiB",
            "(%.1f bytes a number; SQLite's: %.1f MiB)" % (size / count,
                                                           db.stat().st_size / 1048576))
        return count

    def lookup_in_process(self):
        out = subprocess.run([self.args.lookup, str(list_path(self.bus, APP, "blocking"))],
                             capture_output=True, text=True, check=True).stdout
        figures = {line.split()[0]: line.split()[1:] for line in out.splitlines()}
        p50, p99 = (int(x) for x in figures["lookup-e164"])
        row("Lookup in process (E.164), p50 / p99", "%d / %d" % (p50, p99), "ns",
            "target p50 <= 1000 ns: %s" % ("PASS" if p50 <= 1000 else "MISS"))
        p50, p99 = (int(x) for x in figures["lookup-national"])
        row("Lookup in process (national, libphonenumber), p50 / p99",
            "%d / %d" % (p50, p99), "ns")
        row("  (the clock read, p50)", figures["clock"][0], "ns")

    def call_us(self, iface, method, args):
        conn = self.client.connection
        t0 = time.perf_counter_ns()
        conn.call_sync(harness.BUS_NAME, harness.ROOT_PATH, iface, method, args, None,
                       Gio.DBusCallFlags.NONE, -1, None)
        return (time.perf_counter_ns() - t0) / 1000

    def lookup_over_dbus(self, numbers):
        rng = random.Random(3)
        ping, look = [], []
        for _ in range(10):
            for _ in range(BLOCK):
                ping.append(self.call_us("org.freedesktop.DBus.Peer", "Ping", None))
            for _ in range(BLOCK):
                look.append(self.call_us(harness.DIRECTORY_IFACE, "Lookup", GLib.Variant(
                    "(ss)", ("phone-number", rng.choice(numbers)[1]))))
        p_ping, p_look = statistics.median(ping), statistics.median(look)
        row("Peer.Ping over D-Bus, p50", "%.0f" % p_ping, "µs")
        row("Lookup over D-Bus, p50", "%.0f" % p_look, "µs",
            "(+%.0f µs over Ping)" % (p_look - p_ping))

    def blocked_call_cost(self, numbers):
        provider = self.client.register_provider({"localized_name": "Bench",
                                                  "includes_calls_in_recents": True})
        rng = random.Random(4)
        blocked, ringing = [], []
        for _ in range(10):
            for _ in range(50):
                args = GLib.Variant.new_tuple(GLib.Variant("s", str(uuidlib.uuid4())), harness.vardict(
                    remote_handle=("phone-number", rng.choice(numbers)[1])))
                t0 = time.perf_counter_ns()
                try:
                    self.client.connection.call_sync(
                        harness.BUS_NAME, provider.path, harness.PROVIDER_IFACE,
                        "ReportNewIncomingCall", args, None, Gio.DBusCallFlags.NONE, -1, None)
                except GLib.Error:
                    pass
                blocked.append((time.perf_counter_ns() - t0) / 1000)
            for _ in range(50):
                uuid = str(uuidlib.uuid4())
                args = GLib.Variant.new_tuple(GLib.Variant("s", uuid), harness.vardict(
                    remote_handle=("phone-number", "+1555%07d" % rng.randrange(10 ** 7))))
                t0 = time.perf_counter_ns()
                self.client.connection.call_sync(
                    harness.BUS_NAME, provider.path, harness.PROVIDER_IFACE,
                    "ReportNewIncomingCall", args, None, Gio.DBusCallFlags.NONE, -1, None)
                ringing.append((time.perf_counter_ns() - t0) / 1000)
                provider.report_ended(uuid, "remote-ended")
        row("ReportNewIncomingCall, blocked (refused, kept), p50",
            "%.0f" % statistics.median(blocked), "µs")
        row("ReportNewIncomingCall, not on a list (rings), p50",
            "%.0f" % statistics.median(ringing), "µs")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("callkitd", nargs="?", default=os.environ.get("CALLKITD"))
    parser.add_argument("--lookup", required=True, help="bench-directory-lookup")
    parser.add_argument("--numbers", type=int, default=2000000)
    args = parser.parse_args()
    print("generating %d numbers..." % args.numbers)
    numbers = generate(args.numbers)
    bench = Bench(args)
    try:
        bench.replace_vs_sqlite(numbers)
        bench.lookup_in_process()
        bench.lookup_over_dbus(numbers)
        row("callkitd RSS with the list loaded", "%.1f" % (rss_kib(bench.daemon.pid) / 1024),
            "MiB")
        bench.blocked_call_cost(numbers)
    finally:
        bench.close()


if __name__ == "__main__":
    main()
