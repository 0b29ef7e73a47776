# SPDX-License-Identifier: LGPL-2.1-or-later
"""Identity that fails closed (see "Who is who" in callkitd(8)).

callkitd learns a client's pid from the bus (dbus-daemon 1.14 gives no
pidfd) and reads /proc/PID/root/.flatpak-info. What it cannot pin down is
never trusted as the user:

- a connection with no pid (here: over TCP, with DBUS_COOKIE_SHA1) is a
  sandbox with no app id: it sees no app's calls and acts on none;
- a pid that now belongs to another process than the one that connected
  (the client exited and its pid was taken) is refused: here a sandboxed
  app connects from a short-lived child, and an unsandboxed process is
  made to take that pid (through /proc/sys/kernel/ns_last_pid) before the
  app's first call.
"""

import json
import os
import subprocess
import time

import pytest
from gi.repository import Gio, GLib

import harness
from harness import (CONTROLLER_IFACE, ROOT_PATH, PrivateBus, call_path,
                     drain_main_context, raises_dbus_error, ring, scaled,
                     vardict_list)
from test_robustness_auth import APP_ID, _bwrap_argv, bwrap_works  # noqa: F401

PREFIX = "io.github.callkitd.CallKit1.Error."
OBJECT_MANAGER_IFACE = "org.freedesktop.DBus.ObjectManager"
SECRET = "+4930555123"

TCP_BUS_EXTRA = """  <listen>tcp:host=127.0.0.1,port=0</listen>
  <auth>DBUS_COOKIE_SHA1</auth>
"""


@pytest.fixture
def bus(request, tmp_path, monkeypatch):
    """The harness's private bus, also listening on TCP (where the bus
    knows the uid from the cookie, and no pid). HOME is the bus's own from
    the start: the cookie keyring lives there."""
    private = PrivateBus(tmp_path)
    request.node._ckd_buses = getattr(request.node, "_ckd_buses", []) + [private]
    text = private.config_file.read_text()
    private.config_file.write_text(text.replace("  <auth>EXTERNAL</auth>\n",
                                                "  <auth>EXTERNAL</auth>\n" + TCP_BUS_EXTRA))
    monkeypatch.setenv("HOME", str(private.home))
    private.start()
    for key, value in private.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS",
                       "unix:path=%s" % (private.runtime_dir / "no-system-bus"))
    yield private
    drain_main_context()
    private.stop()


def _call(connection, path, iface, method, args=None):
    reply = connection.call_sync(harness.BUS_NAME, path, iface, method, args,
                                 None, Gio.DBusCallFlags.NONE,
                                 int(scaled(10) * 1000), None)
    return reply.unpack()[0] if reply is not None and reply.n_children() else None


def test_client_without_a_pid_is_not_trusted(bus, callkitd, client, app):
    host = app.register_provider({"localized_name": "Host"})
    uuid = ring(host, client, remote_handle=("phone-number", SECRET))
    tcp = [a for a in bus.addresses if a.startswith("tcp:")]
    assert tcp, bus.addresses
    remote = Gio.DBusConnection.new_for_address_sync(
        tcp[0], Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    try:
        credentials = remote.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "GetConnectionCredentials", GLib.Variant("(s)", (remote.get_unique_name(),)),
            None, Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
        assert not credentials.get("ProcessID"), credentials
        objects = _call(remote, ROOT_PATH, OBJECT_MANAGER_IFACE, "GetManagedObjects")
        assert SECRET not in repr(objects)
        assert call_path(uuid) not in objects
        with raises_dbus_error(PREFIX + "Unentitled"):
            _call(remote, ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
                  GLib.Variant.new_tuple(vardict_list([{"type": "end-call", "call": uuid}])))
        # What it registers belongs to no app, whatever it claims.
        path = _call(remote, ROOT_PATH, harness.MANAGER_IFACE, "RegisterProvider",
                     GLib.Variant.new_tuple(harness.vardict({"desktop_entry": APP_ID})))
        assert client.get_property(path, harness.PROVIDER_IFACE, "ApplicationId") == ""
    finally:
        remote.close_sync(None)


# A sandboxed app whose connection was made by a child that exited at once:
# the bus knows the child's pid. It prints its unique name, waits for a
# line, then calls GetManagedObjects and prints the outcome. With
# keep-zombie, the child is not reaped: a zombie has no root directory to
# read a .flatpak-info from.
HANDED_OVER_CLIENT = r"""
import json, os, socket, sys
from gi.repository import Gio, GLib

ours, theirs = socket.socketpair()
child = os.fork()
if child == 0:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    socket.send_fds(theirs, [b"x"], [s.fileno()])
    os._exit(0)
if sys.argv[2:] != ["keep-zombie"]:
    os.waitpid(child, 0)
_, fds, _, _ = socket.recv_fds(ours, 1, 1)
stream = Gio.Socket.new_from_fd(fds[0]).connection_factory_create_connection()
conn = Gio.DBusConnection.new_sync(
    stream, None, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
    | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
print(json.dumps({"unique_name": conn.get_unique_name()}), flush=True)
sys.stdin.readline()
try:
    reply = conn.call_sync("io.github.callkitd.CallKit1", "/io/github/callkitd/CallKit1",
                           "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                           None, None, Gio.DBusCallFlags.NONE, 20000, None)
    print(json.dumps({"reply": reply.print_(True)}), flush=True)
except GLib.Error as e:
    print(json.dumps({"error": Gio.DBusError.get_remote_error(e) or e.message}), flush=True)
"""

NS_LAST_PID = "/proc/sys/kernel/ns_last_pid"


def _take_pid(pid, tries=20):
    """A new unsandboxed process with the pid @pid, or None."""
    for _ in range(tries):
        try:
            with open(NS_LAST_PID, "w") as f:
                f.write(str(pid - 1))
        except OSError:
            return None
        proc = subprocess.Popen(["sleep", "600"], preexec_fn=harness.die_with_test)
        if proc.pid == pid:
            return proc
        proc.kill()
        proc.wait()
    return None


def test_pid_taken_by_another_process_is_refused(bwrap_works, bus, callkitd, client, app,
                                                  tmp_path):
    if not os.access(NS_LAST_PID, os.W_OK):
        pytest.skip("%s is not writable here (needs root in the initial pid namespace): "
                    "cannot make another process take the client's pid" % NS_LAST_PID)
    host = app.register_provider({"localized_name": "Host"})
    uuid = ring(host, client, remote_handle=("phone-number", SECRET))
    script = tmp_path / "handed_over.py"
    script.write_text(HANDED_OVER_CLIENT)
    info = tmp_path / "flatpak-info"
    info.write_text("[Application]\nname=%s\n" % APP_ID)
    sandbox = subprocess.Popen(
        _bwrap_argv(bus, script, info) + ["/usr/bin/python3", "/app/client.py",
                                          str(bus.socket)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        preexec_fn=harness.die_with_test)
    taker = None
    try:
        name = json.loads(sandbox.stdout.readline())["unique_name"]
        connected = time.clock_gettime(time.CLOCK_BOOTTIME)
        pid = bus.get_connection_pid(name)
        assert harness._process_gone(pid), "the connecting child is still there"
        # Start times are counted in clock ticks. Outside a test, a pid is
        # taken again only once the pid counter has wrapped around, which
        # takes far longer than the few ticks waited for here.
        while time.clock_gettime(time.CLOCK_BOOTTIME) < connected + 3.0 / os.sysconf("SC_CLK_TCK"):
            time.sleep(0.005)
        taker = _take_pid(pid)
        if taker is None:
            pytest.skip("no process could be made to take pid %d (the machine forks too "
                        "much meanwhile)" % pid)
        sandbox.stdin.write("go\n")
        sandbox.stdin.flush()
        outcome = json.loads(sandbox.stdout.readline())
        assert SECRET not in repr(outcome) and call_path(uuid) not in repr(outcome), outcome
        assert outcome.get("error") == PREFIX + "Unentitled", outcome
    finally:
        if taker is not None:
            taker.kill()
            taker.wait()
        sandbox.kill()
        sandbox.wait()


def test_zombie_client_is_refused(bwrap_works, bus, callkitd, client, app, tmp_path):
    """The process that connected exited but was not reaped: its pid is
    still its own, its /proc/PID/root is gone, and that is no proof that
    it ran outside a sandbox."""
    host = app.register_provider({"localized_name": "Host"})
    uuid = ring(host, client, remote_handle=("phone-number", SECRET))
    script = tmp_path / "handed_over.py"
    script.write_text(HANDED_OVER_CLIENT)
    info = tmp_path / "flatpak-info"
    info.write_text("[Application]\nname=%s\n" % APP_ID)
    sandbox = subprocess.Popen(
        _bwrap_argv(bus, script, info) + ["/usr/bin/python3", "/app/client.py",
                                          str(bus.socket), "keep-zombie"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        preexec_fn=harness.die_with_test)
    try:
        name = json.loads(sandbox.stdout.readline())["unique_name"]
        with open("/proc/%d/stat" % bus.get_connection_pid(name)) as f:
            assert f.read().rsplit(")", 1)[1].split()[0] == "Z"
        sandbox.stdin.write("go\n")
        sandbox.stdin.flush()
        outcome = json.loads(sandbox.stdout.readline())
        assert SECRET not in repr(outcome) and call_path(uuid) not in repr(outcome), outcome
        assert outcome.get("error") == PREFIX + "Unentitled", outcome
    finally:
        sandbox.kill()
        sandbox.wait()
