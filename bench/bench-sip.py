#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench-sip: how long a real SIP call takes through callkitd.

A private dbus-daemon, callkitd, baresip (generated configuration) with
baresip-bridge, and sipp calling in with tests/sipp/uac.xml, on 127.0.0.1.
The bench itself is the notification server (org.freedesktop.Notifications
with actions), so it sees Notify the moment it arrives and presses Answer
by emitting ActionInvoked. Each round measures:

  (a) sipp sends the INVITE (its own timestamp, -trace_msg)
      -> callkitd's ringing Notify arrives at the notification server
  (b) ActionInvoked "answer" is emitted
      -> baresip's CALL_ESTABLISHED (the bridge's "established" line,
         printed as it reads the event)

and, for scale, the bare D-Bus round trip to callkitd (Peer.Ping, GDBus,
synchronous). It prints medians, 95th percentiles and the ratio of each
median to Peer.Ping's. A benchmark, not a test: it never judges a time.

    bench/bench-sip.py [--builddir build] [--rounds 30]
"""

import argparse
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SOURCE_ROOT / "tests"))

import gi  # noqa: E402

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

import harness  # noqa: E402
from harness import Daemon, PrivateBus, wait_until  # noqa: E402
from sip_harness import Baresip, Bridge, ProcessSet, Sipp  # noqa: E402

NOTIFICATIONS_XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
  </interface>
</node>
"""


class NotificationServer:
    """A notification server with actions, owned by the bench: Notify is
    timed on arrival."""

    def __init__(self, bus):
        self.connection = Gio.DBusConnection.new_for_address_sync(
            bus.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        self.notifies = []      # (time, id, category, sender)
        self.next_id = 1
        info = Gio.DBusNodeInfo.new_for_xml(NOTIFICATIONS_XML)
        self.connection.register_object("/org/freedesktop/Notifications",
                                        info.interfaces[0], self._call, None, None)
        self.connection.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "RequestName", GLib.Variant("(su)", ("org.freedesktop.Notifications", 4)),
            None, Gio.DBusCallFlags.NONE, -1, None)

    def _call(self, connection, sender, path, iface, method, params, invocation):
        now = time.time()
        if method == "Notify":
            args = params.unpack()
            nid = args[1] or self.next_id
            if not args[1]:
                self.next_id += 1
            self.notifies.append((now, nid, args[6].get("category"), sender, args[1]))
            invocation.return_value(GLib.Variant("(u)", (nid,)))
        elif method == "GetCapabilities":
            invocation.return_value(GLib.Variant("(as)", (["actions", "body", "persistence"],)))
        elif method == "GetServerInformation":
            invocation.return_value(GLib.Variant("(ssss)", ("bench", "callkitd", "1", "1.2")))
        else:
            invocation.return_value(None)

    def invoke(self, sender, nid, key):
        # ActionInvoked goes to the connection that sent Notify.
        self.connection.emit_signal(sender, "/org/freedesktop/Notifications",
                                    "org.freedesktop.Notifications", "ActionInvoked",
                                    GLib.Variant("(us)", (nid, key)))
        self.connection.flush_sync(None)


def sipp_invite_time(sipp):
    """When sipp sent its first INVITE, from its message trace."""
    path = next(sipp.directory.glob(sipp.stdout_path.stem + "-messages.log"))
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("-----") and i + 3 < len(lines) and "message sent" in lines[i + 1] \
                and lines[i + 3].startswith("INVITE "):
            stamp = line.strip("- ").replace("\t", " ")
            return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp()
    raise AssertionError("no INVITE in %s" % path)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--builddir", default=str(SOURCE_ROOT / "build"))
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--pings", type=int, default=2000)
    opts = parser.parse_args()
    builddir = Path(opts.builddir).resolve()
    callkitd = builddir / "daemon" / "callkitd"
    os.environ["BARESIP_BRIDGE"] = str(builddir / "clients" / "baresip-bridge" / "baresip-bridge")

    base = Path(os.environ.get("TMPDIR", "/tmp")) / ("ckd-bench-sip-%d" % os.getpid())
    base.mkdir(mode=0o700)
    bus = PrivateBus(base)
    bus.start()
    os.environ.update(bus.env)
    procs = ProcessSet()
    daemon = None
    try:
        server = NotificationServer(bus)
        daemon = Daemon(callkitd, [], bus, base / "callkitd.log")
        daemon.wait_ready()
        env = dict(os.environ)
        baresip = procs.add(Baresip(base / "baresip" / "config", env))
        baresip.start()
        bridge = procs.add(Bridge(["--ctrl", baresip.ctrl, "--no-audio-switch"], base / "bridge.log", env))
        bridge.expect("ready", baresip.ctrl)
        bridge.expect("provider", baresip.aor)

        ping_conn = Gio.DBusConnection.new_for_address_sync(
            bus.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        pings = []
        for _ in range(opts.pings):
            t = time.perf_counter()
            ping_conn.call_sync(daemon.unique_name, harness.ROOT_PATH, "org.freedesktop.DBus.Peer",
                                "Ping", None, None, Gio.DBusCallFlags.NONE, -1, None)
            pings.append((time.perf_counter() - t) * 1000)

        ring, answer = [], []
        for n in range(opts.rounds):
            count = len(server.notifies)
            sipp = procs.add(Sipp(base / "sipp", "uac.xml", baresip.sip_address, env,
                                  caller_user="+4930%06d" % n, caller_name="Bench %d" % n))
            uuid = bridge.expect("incoming", timeout=20)[1]
            wait_until(lambda: any(c == "call.incoming" and not r for (_, _, c, _, r) in server.notifies[count:]),
                       timeout=20, message="the ringing Notify")
            t_notify, nid, _, sender, _ = next(x for x in server.notifies[count:]
                                                if x[2] == "call.incoming" and not x[4])
            ring.append((t_notify - sipp_invite_time(sipp)) * 1000)

            t_answer = time.time()
            server.invoke(sender, nid, "answer")
            bridge.expect("established", uuid, timeout=20)
            answer.append((time.time() - t_answer) * 1000)
            sipp.trigger()
            bridge.expect("ended", uuid, timeout=20)
            sipp.wait(timeout=20)
            sys.stderr.write("\rround %d/%d" % (n + 1, opts.rounds))
        sys.stderr.write("\n")

        ping_median = statistics.median(pings)
        load = os.getloadavg()[0]
        print("bench-sip: a real SIP call through callkitd (a benchmark, not a test)")
        print("machine: %d CPUs online, load average %.2f" % (os.cpu_count(), load))
        print("build: %s; baresip 1.0.0 (ctrl_tcp) + baresip-bridge; sipp uac.xml over UDP on 127.0.0.1"
              % builddir)
        print("rounds: %d calls; %d pings\n" % (opts.rounds, opts.pings))
        print("%-58s %10s %10s %9s" % ("figure", "median ms", "p95 ms", "ratio"))
        print("-" * 90)
        print("%-58s %10.3f %10.3f %8.2fx" % ("Peer.Ping to callkitd (GDBus, synchronous)",
                                             ping_median, percentile(pings, 95), 1.0))
        for label, values in (("(a) sipp's INVITE -> ringing Notify", ring),
                              ("(b) Answer (ActionInvoked) -> baresip's CALL_ESTABLISHED", answer)):
            median = statistics.median(values)
            print("%-58s %10.3f %10.3f %8.1fx" % (label, median, percentile(values, 95),
                                                  median / ping_median))
        print("\nratio = median / median of Peer.Ping. (a) is timed from sipp's own clock to the"
              "\nbench's (both CLOCK_REALTIME on this machine); (b) from the bench's ActionInvoked"
              "\nto the bridge's line for the event.")
    finally:
        for error in procs.stop_all():
            print(error, file=sys.stderr)
        if daemon is not None:
            daemon.stop()
        bus.stop()
        import shutil
        if os.environ.get("BENCH_KEEP_DIR"):
            print("kept %s" % base, file=sys.stderr)
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
