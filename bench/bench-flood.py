#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench-flood: a quiet client during the flood of issue "Hardening", and
the memory callkitd keeps after it.

Figures, printed, never asserted (a benchmark, not a test):

1. Peer.Ping of a quiet client (bench-history-reader, sd-bus, as apps
   call), median and p99, on an idle callkitd, and while 50 clients keep
   opening 20 providers each and reporting calls as fast as the bus lets
   them (every client keeps 50 calls in flight), sampled again and again
   during the flood, the worst sample counting; the ratio of the two is
   the figure the issue asks for.
2. callkitd's RSS idle (after start), at the peak of the flood, and once
   every flood client has gone and its calls have ended; the ratio of
   the last to the first is the memory callkitd keeps after a flood.

It runs its own dbus-daemon and callkitd (the test harness's PrivateBus and
Daemon) in a temporary directory and removes it afterwards. The callkitd is
the first argument, else $CALLKITD, else build/daemon/callkitd.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import harness  # noqa: E402
from gi.repository import Gio, GLib  # noqa: E402

CLIENTS = 50
PROVIDERS_EACH = 20
IN_FLIGHT = 50


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def row(name, value, unit="", note=""):
    print("%-52s %10s %-4s %s" % (name, value, unit, note))


def flood(address, seconds):
    """The flood, in its own process: 50 connections, each registering 20
    providers and then reporting calls with IN_FLIGHT in flight, for
    @seconds."""
    loop = GLib.MainLoop()
    deadline = time.monotonic() + seconds
    flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
             | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
    counts = {"ok": 0, "refused": 0}
    clients = []

    class Client:
        def __init__(self, index):
            self.conn = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)
            self.paths = []
            self.in_flight = 0
            for j in range(PROVIDERS_EACH):
                self.call(harness.ROOT_PATH, harness.MANAGER_IFACE, "RegisterProvider",
                          GLib.Variant.new_tuple(harness.vardict(
                              localized_name="Flood %d.%d" % (index, j))), self.registered)

        def call(self, path, iface, method, args, done):
            self.in_flight += 1
            self.conn.call(harness.BUS_NAME, path, iface, method, args, None,
                           Gio.DBusCallFlags.NONE, 25000, None, done, None)

        def registered(self, conn, res, data):
            self.in_flight -= 1
            try:
                self.paths.append(conn.call_finish(res).unpack()[0])
            except GLib.Error:
                pass
            self.pump()

        def reported(self, conn, res, data):
            self.in_flight -= 1
            try:
                conn.call_finish(res)
                counts["ok"] += 1
            except GLib.Error:
                counts["refused"] += 1
            self.pump()

        def pump(self):
            if time.monotonic() >= deadline:
                if all(c.in_flight == 0 for c in clients):
                    loop.quit()
                return
            while self.paths and self.in_flight < IN_FLIGHT:
                path = self.paths[(counts["ok"] + counts["refused"] + self.in_flight)
                                  % len(self.paths)]
                self.call(path, harness.PROVIDER_IFACE, "ReportNewIncomingCall",
                          GLib.Variant("(sa{sv})", (harness.new_uuid(), {})), self.reported)

    for i in range(CLIENTS):
        clients.append(Client(i))
    GLib.timeout_add(int(seconds * 1000) + 30000, loop.quit)
    loop.run()
    print("flood: %d reports accepted, %d refused" % (counts["ok"], counts["refused"]),
          file=sys.stderr)


def reader_ping(reader, samples):
    out = subprocess.run([reader, str(samples)], env=dict(os.environ), check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        words = line.split()
        if words and words[0] == "ping":
            return float(words[1]), float(words[2])
    raise RuntimeError("no ping figure from %s: %r" % (reader, out))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("callkitd", nargs="?",
                        default=os.environ.get("CALLKITD",
                                               str(HERE.parent / "build" / "daemon" / "callkitd")))
    parser.add_argument("--reader", default=str(HERE.parent / "build" / "bench"
                                                / "bench-history-reader"),
                        help="bench-history-reader, the sd-bus client that times Peer.Ping")
    parser.add_argument("--samples", type=int, default=500,
                        help="pings per sample (the reader also reads the history)")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--flood", metavar="ADDRESS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.flood:
        flood(args.flood, args.seconds)
        return 0

    directory = Path(tempfile.mkdtemp(prefix="ckd-bench-flood-"))
    bus = harness.PrivateBus(directory).start()
    os.environ.update(bus.env)
    daemon = harness.Daemon(args.callkitd, ["--incoming-report-rate=0"], bus,
                            directory / "callkitd.log")
    try:
        daemon.wait_ready()
        observer = harness.Client(bus, "bench")
        observer.get_property(harness.ROOT_PATH, harness.MANAGER_IFACE, "Version")
        rss_idle = rss_kib(daemon.pid)
        quiet = reader_ping(args.reader, args.samples)

        flooder = subprocess.Popen([sys.executable, __file__, "--flood", bus.address,
                                    "--seconds", str(args.seconds)], env=dict(os.environ))
        # Sampled again and again while the flood goes on, from when the
        # providers are registered: the worst sample of each figure counts
        # (a callkitd without limits slows as its calls pile up).
        time.sleep(min(3.0, args.seconds / 5))
        flooded, rss_peak = (0.0, 0.0), 0
        while flooder.poll() is None:
            median, p99 = reader_ping(args.reader, args.samples)
            flooded = (max(flooded[0], median), max(flooded[1], p99))
            rss_peak = max(rss_peak, rss_kib(daemon.pid))
        harness.wait_until(lambda: observer.managed_objects() == {}, timeout=120,
                           message="the flood's calls to end")
        time.sleep(1.0)  # the trim runs when the main loop is idle
        rss_after = rss_kib(daemon.pid)

        print("callkitd %s, %d clients x %d providers, %d calls in flight each, %.0f s"
              % (args.callkitd, CLIENTS, PROVIDERS_EACH, IN_FLIGHT, args.seconds))
        row("quiet Ping, idle callkitd: median / p99", "%.0f / %.0f" % quiet, "us")
        row("quiet Ping during the flood: worst median / p99", "%.0f / %.0f" % flooded, "us")
        row("  ratio flood / idle: median / p99",
            "%.1f / %.1f" % (flooded[0] / quiet[0], flooded[1] / quiet[1]), "x")
        row("RSS idle", rss_idle, "KiB")
        row("RSS at the flood's peak", rss_peak, "KiB")
        row("RSS after the flood (every client gone)", rss_after, "KiB")
        row("  ratio after / idle", "%.2f" % (rss_after / rss_idle), "x")
        observer.close()
        return 0
    finally:
        if daemon.returncode is None:
            daemon.stop()
        bus.stop()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
