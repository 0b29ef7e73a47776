#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench-identification: what caller lookup services add to an incoming call.

Figures, printed, never asserted (a benchmark, not a test). For 0, 1 and
3 registered lookup services, on a cache miss (a new number each call) and
on a cache hit (the same number, answered before):

1. ReportNewIncomingCall's round trip, over Peer.Ping's in the same run:
   what the lookups cost the app that reports (callkitd sends them and
   replies without waiting for them);
2. report → identified: from the report until the call's Identity holds
   every service's answer (InterfacesAdded already has it on a hit; on a
   miss, PropertiesChanged brings it), over Peer.Ping. This is how long the
   call waits before it rings, when the services answer at once.

The services are clients/examples/label-service (libcallkit's
CkIdentificationService), each a process of its own answering at once
from a file of labels, so the figures are callkitd's, libcallkit's and
the bus's, not a slow service's. Each configuration runs in
blocks alternating with Peer.Ping so that both see the same load. It runs
its own dbus-daemon and callkitd (the test harness's PrivateBus and Daemon)
in a temporary directory and removes it afterwards. The callkitd is the
first argument, else $CALLKITD, else build/daemon/callkitd.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import harness  # noqa: E402
from harness import ROOT_PATH, call_path, new_uuid, wait_until  # noqa: E402
from identification_harness import service_stats, write_identification_conf  # noqa: E402

BLOCK = 20


def median_us(samples):
    return statistics.median(samples) * 1e6


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = Path(tempfile.mkdtemp(prefix="ckd-bench-identification-"))
        self.bus = harness.PrivateBus(self.dir).start()
        os.environ.update(self.bus.env)
        write_identification_conf(self.bus, deadline_ms=5000)
        self.daemon = harness.Daemon(Path(args.callkitd), ["--incoming-report-rate=0"],
                                     self.bus, self.dir / "callkitd.log")
        self.daemon.wait_ready()
        self.client = harness.Client(self.bus, "bench")
        self.app = harness.Client(self.bus, "app")
        self.provider = self.app.register_provider(
            {"localized_name": "Bench", "ringing_timeout_ms": ("u", 3600000)})
        self.services = []
        self.number = 0
        self.labels = self.dir / "labels"
        self.labels.write_text("".join("+1555%07d\tBench\n" % n for n in range(1, 20000)))

    def close(self):
        for process in self.services:
            process.terminate()
            process.wait()
        for c in [self.client, self.app]:
            c.close()
        self.daemon.stop()
        self.bus.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def add_service(self, index):
        app_id = "org.example.Bench%d" % index
        self.services.append(subprocess.Popen(
            [self.args.label_service, "--app-id", app_id, str(self.labels)],
            stdout=subprocess.DEVNULL, preexec_fn=harness.die_with_test))
        wait_until(lambda: service_stats(self.client, app_id) is not None,
                   message="%s registered" % app_id)

    def next_number(self, hit):
        if not hit:
            self.number += 1
        return "+1555%07d" % self.number

    def identified(self, uuid, number):
        """Every service's answer is in the call's Identity."""
        props = self.client.call_properties.get(call_path(uuid), {})
        sources = props.get("Identity", {}).get("sources", {})
        return len(self.services) == 0 or "label" in sources

    def one_call(self, hit):
        number = self.next_number(hit)
        uuid = new_uuid()
        t0 = time.perf_counter()
        self.provider.report_incoming(uuid, remote_handle=("phone-number", number))
        t1 = time.perf_counter()
        wait_until(lambda: self.identified(uuid, number), poll_interval=0.0005,
                   message="the call identified")
        t2 = time.perf_counter()
        self.provider.report_ended(uuid, "remote-ended")
        self.client.call_properties.pop(call_path(uuid), None)
        return t1 - t0, t2 - t0

    def ping(self):
        t0 = time.perf_counter()
        self.client.call(ROOT_PATH, "org.freedesktop.DBus.Peer", "Ping")
        return time.perf_counter() - t0

    def measure(self, hit):
        reports, identified, pings = [], [], []
        if hit:
            self.one_call(False)  # the answer every later call hits
        for _ in range(self.args.samples // BLOCK):
            for _ in range(BLOCK):
                r, i = self.one_call(hit)
                reports.append(r)
                identified.append(i)
            for _ in range(BLOCK):
                pings.append(self.ping())
        return median_us(reports), median_us(identified), median_us(pings)

    def run(self):
        print("caller identification: %d samples per figure, medians, over Peer.Ping "
              "(GDBus client, services answering at once)" % self.args.samples)
        print("%-10s %-5s %14s %8s %16s %8s %10s" % (
            "services", "cache", "report (µs)", "× ping", "identified (µs)", "× ping",
            "ping (µs)"))
        for count in (0, 1, 3):
            while len(self.services) < count:
                self.add_service(len(self.services))
            for hit in (False, True):
                if count == 0 and hit:
                    continue
                report, identified, ping = self.measure(hit)
                print("%-10d %-5s %14.0f %8.2f %16.0f %8.2f %10.0f" % (
                    count, "hit" if hit else "miss", report, report / ping, identified,
                    identified / ping, ping))
        lookups = [service_stats(self.client, "org.example.Bench%d" % i)["lookups"]
                   for i in range(len(self.services))]
        print("lookups sent to each service: %s (a hit sends none)" % lookups)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("callkitd", nargs="?",
                        default=os.environ.get("CALLKITD",
                                               str(HERE.parent / "build/daemon/callkitd")))
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--label-service",
                        default=os.environ.get(
                            "LABEL_SERVICE",
                            str(HERE.parent / "build/clients/examples/label-service")))
    args = parser.parse_args()
    bench = Bench(args)
    try:
        bench.run()
    finally:
        bench.close()


if __name__ == "__main__":
    main()
