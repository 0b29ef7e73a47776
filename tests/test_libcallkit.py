# SPDX-License-Identifier: LGPL-2.1-or-later
"""libcallkit end to end: tests/test-libcallkit.c is a real provider built
on the library (LIBCALLKIT_TEST, set by meson), driven through its stdin;
it prints what the library reports. The other side is a plain client, as
the desktop shell or callctl would be. Covers registration (did_begin),
reports, actions (perform_action, fulfill, fail, timed out), call updates
sending only the fields set, the call controller, error mapping, and
recovery when callkitd restarts, stops or crashes mid-call.
"""

import errno
import fcntl
import os
import signal
import subprocess

import pytest

import harness
from crash_harness import store_path, wait_file_has
from harness import (BUS_NAME, PROVIDER_IFACE, ROOT_PATH, call_path, new_uuid,
                     raises_dbus_error, scaled, wait_until)
from test_flows_support import action_timeout_ms

from gi.repository import GLib


def program_path():
    path = os.environ.get("LIBCALLKIT_TEST")
    if not path:
        pytest.skip("test-libcallkit not built: set LIBCALLKIT_TEST "
                    "(meson test does)")
    return path


class LibcallkitApp:
    """The C provider: ``send(command)``, ``expect(kind)``, ``events``."""

    def __init__(self, path, args, log_path):
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen([path] + [str(a) for a in args],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=self._log,
                                     preexec_fn=harness.die_with_test)
        self.events = []       # every line, split, in order
        self._consumed = set()
        self._buffer = b""
        fd = self.proc.stdout.fileno()
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL)
                    | os.O_NONBLOCK)
        # Wakes the main context, so waits re-check as soon as a line comes.
        self._watch = GLib.unix_fd_add_full(
            GLib.PRIORITY_DEFAULT, fd, GLib.IOCondition.IN | GLib.IOCondition.HUP,
            self._on_output)

    def _on_output(self, fd, condition):
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return GLib.SOURCE_CONTINUE
        if not data:
            self._watch = None
            return GLib.SOURCE_REMOVE
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        self.events.extend(line.decode().split(" ") for line in lines)
        return GLib.SOURCE_CONTINUE

    def send(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def _find(self, kind, predicate):
        for i, event in enumerate(self.events):
            if i in self._consumed or event[0] != kind:
                continue
            if predicate is None or predicate(event):
                self._consumed.add(i)
                return event, i
        return None

    def expect(self, kind, predicate=None, timeout=5):
        """The first unconsumed event ``kind`` (matching ``predicate``), as
        a list of words; waits for it."""
        __tracebackhide__ = True
        event, _ = wait_until(
            lambda: self._find(kind, predicate), timeout=timeout,
            message=lambda: "event %r from test-libcallkit (got %r)" % (
                kind, self.events))
        return event

    def expect_index(self, kind, predicate=None):
        """As expect(), also returning the event's position."""
        __tracebackhide__ = True
        return wait_until(lambda: self._find(kind, predicate),
                          message=lambda: "event %r (got %r)" % (kind, self.events))

    def command(self, line):
        """Send a command and return its answer (``ok ...`` or
        ``error ...``)."""
        __tracebackhide__ = True
        name = line.split(" ")[0]
        self.send(line)
        event, _ = wait_until(
            lambda: (self._find("ok", lambda e: e[1] == name)
                     or self._find("error", lambda e: e[1] == name)),
            message=lambda: "answer to %r (got %r)" % (line, self.events))
        return event

    def ok(self, line):
        __tracebackhide__ = True
        event = self.command(line)
        assert event[0] == "ok", "%r failed: %r" % (line, event)
        return event

    def quit(self):
        if self.proc.poll() is None:
            self.send("quit")
        try:
            status = self.proc.wait(timeout=scaled(10))
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            if self._watch is not None:
                GLib.source_remove(self._watch)
                self._watch = None
            self.proc.stdout.close()
            self.proc.stdin.close()
            self._log.close()
        return status


@pytest.fixture
def start_app(bus, tmp_path):
    """Factory: start_app(timeout_ms=0, loop="poll") runs test-libcallkit on the
    private bus (the bus fixture exported its address) and returns it once
    the provider exists. Teardown quits it and asserts exit status 0."""
    path = program_path()
    apps = []

    def start(timeout_ms=0, loop="poll"):
        app = LibcallkitApp(path, [timeout_ms, loop],
                            tmp_path / ("test-libcallkit-%d.log" % len(apps)))
        apps.append(app)
        wait_until(lambda: app.events and app.events[0][0] == "ready",
                   message="test-libcallkit to start (got %r)" % app.events)
        return app

    yield start
    for app in apps:
        assert app.quit() == 0, "test-libcallkit failed: %s" % (
            app._log.name and open(app._log.name).read())


@pytest.fixture(params=["poll", "sd-event", "glib"])
def lck(request, callkitd, start_app):
    """test-libcallkit, registered: DidBegin reached did_begin. Each test
    runs with the bus in each kind of event loop an app may have: its own
    poll() on sd_bus_get_fd(), sd-event, and GLib through callkit-glib.h."""
    app = start_app(loop=request.param)
    ready = app.expect("ready")
    begin = app.expect("begin")
    assert begin[1] == ready[1]
    return app


def ring(app, client, name="Alice"):
    uuid = new_uuid()
    app.ok("incoming %s %s" % (uuid, name))
    client.wait_for_call_property(uuid, "State", "ringing")
    return uuid


def answer(app, client, uuid):
    """Answer from the client; the app fulfills; the call is active."""
    pending = client.call_method_async(uuid, "Answer")
    action = app.expect("action", lambda e: e[2] == "answer-call" and e[3] == uuid)
    app.ok("fulfill " + action[1])
    pending.result()
    client.wait_for_call_property(uuid, "State", "active")


# ---------------------------------------------------------------------------

def test_library_exports_only_ck_symbols():
    path = os.environ.get("LIBCALLKIT_LIBRARY")
    if not path:
        pytest.skip("libcallkit not built: set LIBCALLKIT_LIBRARY (meson test does)")
    dynamic = subprocess.run(["readelf", "--dyn-syms", "--wide", path],
                             check=True, capture_output=True, text=True).stdout
    exported = set()
    for line in dynamic.splitlines():
        fields = line.split()
        # Num: Value Size Type Bind Vis Ndx Name
        if len(fields) >= 8 and fields[4] == "GLOBAL" and fields[6] != "UND":
            exported.add(fields[7].split("@")[0])
    exported.discard("LIBCALLKIT_0")
    assert exported and all(name.startswith("ck_") for name in exported), sorted(
        name for name in exported if not name.startswith("ck_"))
    assert {"ck_provider_new", "ck_action_fulfill", "ck_error_from_dbus_name",
            "ck_call_controller_request_transaction",
            "ck_call_observer_new"} <= exported
    # Internal helpers share the prefix but stay hidden.
    assert not {"ck_map_bus_error", "ck_action_new_from_message",
                "ck_call_update_append"} & exported
    header = subprocess.run(["readelf", "--dynamic", path], check=True,
                            capture_output=True, text=True).stdout
    assert "Library soname: [libcallkit.so.0]" in header


def test_register_did_begin(callkitd, start_app, client):
    app = start_app()
    path = app.expect("ready")[1]
    assert path.startswith(ROOT_PATH + "/provider/")
    assert app.expect("begin") == ["begin", path]
    config = client.get_property(path, PROVIDER_IFACE, "Configuration")
    assert config["localized_name"] == "libcallkit test"
    assert sorted(config["supported_handle_types"]) == ["generic", "phone-number"]
    assert config["supports_video"] is True
    assert config["maximum_call_groups"] == 3
    assert config["maximum_calls_per_call_group"] == 5    # not set: default
    assert client.get_property(path, PROVIDER_IFACE, "Owner").startswith(":")


def test_provider_waits_for_callkitd(bus, start_daemon, start_app, make_client):
    """Created before callkitd runs: registers when it appears, as a first
    registration (no did_reset)."""
    app = start_app()
    assert app.expect("ready") == ["ready", "-"]
    start_daemon()
    client = make_client("client")
    path = app.expect("begin")[1]
    assert path.startswith(ROOT_PATH + "/provider/")
    assert not [e for e in app.events if e[0] == "reset"]
    ring(app, client)


def test_incoming_answer_fulfill(lck, client):
    uuid = ring(lck, client, "Alice")
    props = client.get_call_properties(uuid)
    assert props["LocalizedCallerName"] == "Alice"
    assert tuple(props["RemoteHandle"]) == ("phone-number", "+4930123456")
    # Only the fields set were sent: holding off, DTMF at its default.
    assert props["SupportsHolding"] is False
    assert props["SupportsDTMF"] is True
    assert props["Provider"] == lck.events[0][1]

    pending = client.call_method_async(uuid, "Answer")
    action = lck.expect("action", lambda e: e[2] == "answer-call")
    # Through the delegate's perform_answer_call, not perform_action.
    assert action[3:] == [uuid, "typed"]
    client.sync()
    assert not pending.done
    assert client.get_call_properties(uuid)["State"] == "ringing"
    lck.ok("fulfill " + action[1])
    pending.result()
    client.wait_for_call_property(uuid, "State", "active")
    assert lck.expect("activate") == ["activate", uuid]


def test_call_updated_sends_only_set_fields(lck, client):
    uuid = ring(lck, client, "Alice")
    lck.ok("updated %s Bob" % uuid)
    props = client.wait_for_call_property(uuid, "LocalizedCallerName", "Bob")
    assert tuple(props["RemoteHandle"]) == ("phone-number", "+4930123456")
    assert props["SupportsHolding"] is False


def test_fail_action(lck, client):
    uuid = ring(lck, client)
    pending = client.call_method_async(uuid, "Answer")
    action = lck.expect("action", lambda e: e[2] == "answer-call")
    lck.ok("fail %s headset-missing" % action[1])
    with raises_dbus_error("ActionFailed"):
        pending.result()
    assert client.get_call_properties(uuid)["State"] == "ringing"
    # Answered once: the daemon no longer knows it.
    assert not lck._find("timedout", None)


def test_action_timed_out(callkitd, start_app, client):
    app = start_app(action_timeout_ms(200))
    app.expect("begin")
    uuid = ring(app, client)
    pending = client.call_method_async(uuid, "Answer")
    action = app.expect("action", lambda e: e[2] == "answer-call")
    # timed_out_performing_action got the same action, now complete.
    assert app.expect("timedout") == ["timedout", action[1], "1"]
    with raises_dbus_error("ActionTimedOut"):
        pending.result()
    client.wait_for_call_property(uuid, "State", "ended")
    # Answering it now fails in the library, without a round trip.
    assert app.command("stale " + action[1]) == [
        "error", "stale", str(-errno.ESTALE), "None"]


def test_errors_map_to_ck_error(lck, client):
    uuid = ring(lck, client)
    assert lck.command("incoming %s Again" % uuid) == [
        "error", "incoming", str(-errno.EBADR), "CallUUIDAlreadyExists"]
    assert lck.command("updated %s Nobody" % new_uuid()) == [
        "error", "updated", str(-errno.EBADR), "UnknownCallUUID"]
    # A success clears it.
    lck.ok("updated %s Carol" % uuid)


def test_report_incoming_async(lck, client):
    uuid = new_uuid()
    lck.ok("incoming-async " + uuid)
    lck.ok("incoming-async " + uuid)
    assert lck.expect("replied") == ["replied", "incoming-async", "0", "None"]
    assert lck.expect("replied") == ["replied", "incoming-async",
                                     str(-errno.EBADR), "CallUUIDAlreadyExists"]
    props = client.wait_for_call_property(uuid, "State", "ringing")
    assert tuple(props["RemoteHandle"]) == ("generic", "")


def params(app, action_id):
    __tracebackhide__ = True
    event = app.expect("params", lambda e: e[1] == action_id)
    return dict(word.split("=", 1) for word in event[2:])


def test_action_accessors(lck, client):
    """What perform_action sees of each action, through its accessors."""
    uuid = ring(lck, client)
    answer(lck, client, uuid)

    tid = client.request_transaction([{"type": "set-muted", "call": uuid,
                                       "muted": True}])
    action = lck.expect("action", lambda e: e[2] == "set-muted")
    got = params(lck, action[1])
    assert got["transaction"] == tid
    assert got["deadline"] == "set"
    assert (got["muted"], got["on_hold"], got["complete"], got["provider"]) == (
        "1", "0", "0", "1")
    lck.ok("fulfill " + action[1])
    assert client.wait_for_transaction(tid)[0]["result"] == "fulfilled"

    tid = client.request_transaction([{"type": "play-dtmf", "call": uuid,
                                       "digits": "12#", "dtmf_type": "soft-pause"}])
    action = lck.expect("action", lambda e: e[2] == "play-dtmf")
    got = params(lck, action[1])
    assert (got["digits"], got["dtmf_type"]) == ("12#", "soft-pause")
    lck.ok("fail %s no-tones" % action[1])
    outcome = client.wait_for_transaction(tid)[0]
    assert (outcome["result"], outcome["reason"]) == ("failed", "no-tones")

    pending = client.call_method_async(uuid, "End")
    action = lck.expect("action", lambda e: e[2] == "end-call")
    assert params(lck, action[1])["reason"] == "hung-up"
    lck.ok("fulfill " + action[1])
    pending.result()
    client.wait_for_call_property(uuid, "EndedReason", "hung-up")


def test_outgoing_call(lck, client):
    """start-call from the app's own call controller, then the outgoing
    reports."""
    uuid = new_uuid()
    tid = lck.ok("start %s +4930999" % uuid)[2]
    action = lck.expect("action", lambda e: e[2] == "start-call")
    got = params(lck, action[1])
    assert (got["handle"], got["video"]) == ("phone-number:+4930999", "1")
    client.wait_for_call_property(uuid, "State", "dialing")
    lck.ok("fulfill " + action[1])
    assert lck.expect("completed", lambda e: e[1] == tid) == [
        "completed", tid, "start-call:fulfilled:"]
    lck.ok("connecting " + uuid)
    client.wait_for_call_property(uuid, "State", "connecting")
    lck.ok("connected " + uuid)
    props = client.wait_for_call_property(uuid, "State", "active")
    assert props["IsOutgoing"] is True and props["ConnectedAt"] > 0
    assert lck.command("connected " + uuid) == [
        "error", "connected", str(-errno.EBADR), "InvalidAction"]


def test_remote_ended(lck, client):
    uuid = ring(lck, client)
    answer(lck, client, uuid)
    assert lck.expect("activate") == ["activate", uuid]
    lck.ok("ended " + uuid)
    props = client.wait_for_call_property(uuid, "State", "ended")
    assert props["EndedReason"] == "remote-ended"
    assert lck.expect("deactivate") == ["deactivate", uuid]


def test_call_controller_transaction(lck, client):
    uuid = ring(lck, client)
    tid = lck.ok("end " + uuid)[2]
    action = lck.expect("action", lambda e: e[2] == "end-call")
    assert action[3:] == [uuid]         # perform_action: no perform_end_call
    lck.ok("fulfill " + action[1])
    assert lck.expect("completed") == ["completed", tid, "end-call:fulfilled:"]
    props = client.wait_for_call_property(uuid, "State", "ended")
    assert props["EndedReason"] == "declined"


def test_call_controller_error(lck, client):
    assert lck.command("end " + new_uuid()) == [
        "error", "end", str(-errno.EBADR), "UnknownCallUUID"]


def test_reset_requested_keeps_provider(lck, client):
    path = lck.events[0][1]
    uuid = ring(lck, client)
    client.call(path, PROVIDER_IFACE, "Reset")
    assert lck.expect("reset") == ["reset", "requested"]
    client.wait_for_call_property(uuid, "State", "ended")
    answer(lck, client, ring(lck, client))


def test_set_configuration(lck, client):
    path = lck.events[0][1]
    lck.ok("rename Renamed")
    config = client.get_property(path, PROVIDER_IFACE, "Configuration")
    assert config["localized_name"] == "Renamed"
    assert config["supported_handle_types"] == ["phone-number"]
    too_long = client.manager_property("Limits")["string_length"] + 1
    assert lck.command("rename " + "x" * too_long) == [
        "error", "rename", str(-errno.EBADR), "InvalidArgument"]
    config = client.get_property(path, PROVIDER_IFACE, "Configuration")
    assert config["localized_name"] == "Renamed"


def test_configuration_survives_restart(bus, callkitd, start_daemon, lck,
                                        client):
    lck.ok("rename Renamed")
    start_daemon("--replace", wait=False)
    assert callkitd.wait_exit() == 0
    lck.expect("reset", lambda e: e[1] == "daemon-restarted")
    path = lck.expect("begin")[1]
    config = client.get_property(path, PROVIDER_IFACE, "Configuration")
    assert config["localized_name"] == "Renamed"


def assert_restarted(app, client):
    """did_reset("daemon-restarted") then did_begin on a new registration;
    then a new call works end to end."""
    __tracebackhide__ = True
    reset, reset_index = app.expect_index(
        "reset", lambda e: e[1] == "daemon-restarted")
    begin, begin_index = app.expect_index("begin")
    assert reset_index < begin_index
    assert client.get_property(begin[1], PROVIDER_IFACE, "Owner")
    answer(app, client, ring(app, client, "After"))


def test_daemon_replaced_mid_call(bus, callkitd, start_daemon, lck, client):
    uuid = ring(lck, client)
    answer(lck, client, uuid)
    client.call_method_async(uuid, "End")
    action = lck.expect("action", lambda e: e[2] == "end-call")

    start_daemon("--replace", wait=False)
    assert callkitd.wait_exit() == 0
    assert_restarted(lck, client)
    # The new callkitd knows nothing of the old call, and the old action
    # cannot be answered any more.
    # did_reset made the app drop the action it held.
    assert lck.command("fulfill " + action[1]) == [
        "error", "fulfill", "unknown-id"]
    assert call_path(uuid) not in client.managed_objects()


def test_daemon_stopped_and_started(bus, callkitd, start_daemon, lck, client):
    uuid = ring(lck, client)
    answer(lck, client, uuid)
    assert callkitd.stop() == 0
    assert lck.expect("reset") == ["reset", "daemon-stopping"]
    bus.wait_for_name_lost(BUS_NAME)
    assert lck.command("incoming " + new_uuid()) == [
        "error", "incoming", str(-errno.ENOTCONN), "None"]
    start_daemon()
    assert_restarted(lck, client)


def test_daemon_killed(bus, callkitd, start_daemon, lck, client):
    """callkitd kept the live call: the restarted one gives it back, and
    the app gets no reset, only did_begin."""
    uuid = ring(lck, client)
    answer(lck, client, uuid)
    wait_file_has(bus, uuid)
    assert callkitd.stop(signal.SIGKILL) == -signal.SIGKILL
    start_daemon()
    begin, _ = lck.expect_index("begin")
    assert client.get_property(begin[1], PROVIDER_IFACE, "Owner")
    assert not [e for e in lck.events if e[0] == "reset"]
    assert client.get_call_properties(uuid)["State"] == "active"
    # The app's provider acts on it again.
    client.call_method_async(uuid, "End")
    lck.expect("action", lambda e: e[2] == "end-call" and e[3] == uuid)


def test_daemon_killed_and_calls_lost(bus, callkitd, start_daemon, lck, client):
    """Without the file, the restarted callkitd has no calls: the app gets
    did_reset("daemon-vanished") before did_begin."""
    uuid = ring(lck, client)
    answer(lck, client, uuid)
    wait_file_has(bus, uuid)
    assert callkitd.stop(signal.SIGKILL) == -signal.SIGKILL
    os.unlink(store_path(bus))
    start_daemon()
    _, reset_index = lck.expect_index("reset", lambda e: e[1] == "daemon-vanished")
    _, begin_index = lck.expect_index("begin")
    assert reset_index < begin_index
    assert call_path(uuid) not in client.managed_objects()


def observed(app, uuid, state, removed=False):
    __tracebackhide__ = True
    return app.expect("observed", lambda e: e[1:] == [uuid, state,
                                                      str(int(removed))])


def test_observer_sees_every_change(lck, provider, client):
    """A call of another app's provider, from ringing to gone."""
    uuid = new_uuid()
    provider.report_incoming(uuid, localized_caller_name="Dora")
    observed(lck, uuid, "ringing")
    provider.auto_fulfill = True
    client.call_method(uuid, "Answer")
    observed(lck, uuid, "active")
    provider.report_ended(uuid, "remote-ended")
    observed(lck, uuid, "ended")
    observed(lck, uuid, "ended", removed=True)
    assert lck.ok("calls") == ["ok", "calls"]


def test_observer_reads_existing_calls(callkitd, start_app, provider, client):
    uuid = new_uuid()
    provider.report_incoming(uuid)
    client.wait_for_call(uuid)
    app = start_app()
    # Known at creation, without a change to report it.
    assert app.ok("calls") == ["ok", "calls", uuid + ":ringing"]
    assert not app._find("observed", None)


def test_observer_follows_restart(bus, callkitd, start_daemon, lck, client):
    uuid = ring(lck, client)
    observed(lck, uuid, "ringing")
    start_daemon("--replace", wait=False)
    assert callkitd.wait_exit() == 0
    observed(lck, uuid, "ringing", removed=True)
    lck.expect("begin")
    after = ring(lck, client)
    observed(lck, after, "ringing")
    assert lck.ok("calls") == ["ok", "calls", after + ":ringing"]


def test_two_providers_on_one_bus(lck, client):
    """Each provider's delegate sees its own signals only."""
    first_path = lck.events[0][1]
    lck.ok("second")
    second_path = lck.expect("second-begin")[1]
    assert second_path != first_path

    mine = new_uuid()
    lck.ok("second-incoming " + mine)
    client.wait_for_call_property(mine, "State", "ringing")
    client.call_method(mine, "Answer")
    assert lck.expect("second-action") == [
        "second-action", "answer-call", mine, "0"]
    client.wait_for_call_property(mine, "State", "active")

    theirs = ring(lck, client)
    client.call_method_async(theirs, "End")
    lck.expect("action", lambda e: e[2] == "end-call" and e[3] == theirs)
    lck.ok("calls")     # a round trip through the app's loop
    assert not [e for e in lck.events if e[0] == "action" and e[3] == mine]
    assert not [e for e in lck.events if e[0] == "second-action"
                and e[2] == theirs]
    assert [e[0] for e in lck.events].count("begin") == 1


def test_provider_unref_invalidates(lck, client):
    """The last unref invalidates the provider in callkitd, though the
    app's connection stays."""
    path = lck.events[0][1]
    uuid = ring(lck, client)
    lck.ok("unref")
    props = client.wait_for_call_property(uuid, "State", "ended")
    assert props["EndedReason"] == "failed"
    client.sync()
    assert path not in client.managed_objects()
    assert lck.proc.poll() is None
