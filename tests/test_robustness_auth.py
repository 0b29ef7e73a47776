# SPDX-License-Identifier: LGPL-2.1-or-later
"""Who may do what (see CallController's "Who may act on which call" and the
Provider interface):

- a client running as another user gets Unentitled for everything that
  changes state;
- a provider's owner acts on its own provider and calls;
- an ordinary (unsandboxed) client of the same user may act on any call and
  Reset any provider, but may not Report*, FulfillAction, FailAction,
  Invalidate or set the Configuration of a provider it does not own;
- a sandboxed (Flatpak) client may act only on calls of providers registered
  by the same application, and Reset only those; its providers'
  ApplicationId is its Flatpak app id, whatever its configuration says.

callkitd treats a client as sandboxed when /proc/PID/root/.flatpak-info
exists. The sandbox here is bubblewrap with a tmpfs root (as Flatpak builds
it), /usr and /etc read-only, the bus's runtime dir, and a .flatpak-info of
our own; the client inside is a small Python program driven over a pipe.
Never `--dev-bind / /` with `--ro-bind FILE /.flatpak-info`: with the host
root bound read-write, bwrap creates an empty /.flatpak-info *on the host*
as the mount point, and from then on every process (callkitd included) looks
sandboxed.
"""

import json
import os
import re
import shutil
import subprocess

import pytest
from gi.repository import GLib

import harness
from harness import (
    CALL_IFACE, CONTROLLER_IFACE, MANAGER_IFACE, PROPERTIES_IFACE,
    PROVIDER_IFACE, ROOT_PATH, RemoteDBusError, call_path,
    raises_dbus_error, scaled, vardict, vardict_list, wait_until, new_uuid, snapshot, ring)

PREFIX = "io.github.callkitd.CallKit1.Error."
UNENTITLED = PREFIX + "Unentitled"
NOBODY = 65534
APP_ID = "org.example.Sandboxed"






def assert_unchanged(client, before, *providers):
    __tracebackhide__ = True
    assert snapshot(client) == before, "a refused call changed the state"
    for provider in providers:
        provider.assert_no_signal("PerformAction")
        provider.assert_no_signal("DidReset")




def make_active(provider, observer):
    uuid = ring(provider, observer)
    observer.request_transaction([{"type": "answer-call", "call": uuid}])
    provider.fulfill(provider.wait_for_action("answer-call", uuid).id)
    observer.wait_for_call_property(uuid, "State", "active")
    return uuid


def tuple_args(signature, *values):
    return GLib.Variant(signature, values)


def actions_args(actions):
    return GLib.Variant.new_tuple(vardict_list(actions))


def config_set_args(config):
    return GLib.Variant("(ssv)", (PROVIDER_IFACE, "Configuration",
                                  vardict(config)))


# ---------------------------------------------------------------------------
# Another user


def state_changing_calls(provider, ringing, active):
    """Every method that changes state, aimed at real objects, as
    (path, iface, method, args)."""
    p = provider.path
    return [
        (ROOT_PATH, MANAGER_IFACE, "RegisterProvider",
         GLib.Variant.new_tuple(vardict({"localized_name": "Intruder"}))),
        (ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
         actions_args([{"type": "answer-call", "call": ringing}])),
        (ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
         actions_args([{"type": "start-call", "call": new_uuid(),
                        "provider": ("o", p)}])),
        # Identity is checked before the request is even parsed.
        (ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
         actions_args([{"type": "bogus"}])),
        (call_path(ringing), CALL_IFACE, "Answer", None),
        (call_path(ringing), CALL_IFACE, "End", None),
        (call_path(active), CALL_IFACE, "SetHeld", tuple_args("(b)", True)),
        (call_path(active), CALL_IFACE, "SetMuted", tuple_args("(b)", True)),
        (call_path(active), CALL_IFACE, "PlayDTMF", tuple_args("(s)", "1")),
        (p, PROVIDER_IFACE, "Reset", None),
        (p, PROVIDER_IFACE, "Invalidate", None),
        (p, PROVIDER_IFACE, "ReportNewIncomingCall",
         GLib.Variant.new_tuple(GLib.Variant("s", new_uuid()), vardict({}))),
        (p, PROVIDER_IFACE, "ReportCallUpdated",
         GLib.Variant.new_tuple(GLib.Variant("s", ringing),
                                vardict({"localized_caller_name": "Eve"}))),
        (p, PROVIDER_IFACE, "ReportCallEnded",
         tuple_args("(ssx)", ringing, "remote-ended", 0)),
        (p, PROVIDER_IFACE, "ReportOutgoingCallConnected",
         tuple_args("(sx)", active, 0)),
        (p, PROVIDER_IFACE, "FulfillAction",
         GLib.Variant.new_tuple(GLib.Variant("s", "a1"), vardict({}))),
        (p, PROVIDER_IFACE, "FailAction", tuple_args("(ss)", "a1", "no")),
        (p, PROPERTIES_IFACE, "Set", config_set_args({"localized_name": "X"})),
    ]


def test_another_user_is_unentitled(bus, client, provider):
    ringing = ring(provider, client)
    active = make_active(provider, client)
    before = snapshot(client)
    for path, iface, method, args in state_changing_calls(provider, ringing,
                                                          active):
        with raises_dbus_error(UNENTITLED, match=r"\b%d\b" % NOBODY) as err:
            bus.call_as_user(path, iface, method, args, uid=NOBODY)
        assert err.message, method
    assert_unchanged(client, before, provider)
    # The provider still works for its owner.
    provider.report_ended(ringing, "remote-ended")
    client.wait_for_call_removed(ringing)


def test_another_user_cannot_register_even_first(bus, callkitd, make_client):
    """Unentitled also when the other user is the first client callkitd
    ever sees (nothing cached)."""
    with raises_dbus_error(UNENTITLED, match=r"\b%d\b" % NOBODY):
        bus.call_as_user(ROOT_PATH, MANAGER_IFACE, "RegisterProvider",
                         GLib.Variant.new_tuple(vardict({})), uid=NOBODY)
    observer = make_client("observer")
    assert not [p for p in observer.managed_objects() if "/provider/" in p]


# ---------------------------------------------------------------------------
# Ordinary clients of the same user


def test_ordinary_client_acts_on_any_call_and_resets_any_provider(client,
                                                                   provider):
    """client (think: the shell, callctl) owns no provider."""
    active = make_active(provider, client)
    ringing = ring(provider, client)
    client.request_transaction([{"type": "set-muted", "call": active,
                                 "muted": True}])
    provider.fulfill(provider.wait_for_action("set-muted", active).id)
    client.wait_for_call_property(active, "IsMuted", True)
    reply = client.call_method_async(ringing, "End")
    provider.fulfill(provider.wait_for_action("end-call", ringing).id)
    reply.result()
    client.wait_for_call_removed(ringing)

    client.call(provider.path, PROVIDER_IFACE, "Reset")
    assert provider.wait_for_signal("DidReset").args == ("requested",)
    assert client.wait_for_call_removed(active)["EndedReason"] == "failed"
    # Still valid after the reset.
    ring(provider, client)


def test_ordinary_client_cannot_drive_a_provider_it_does_not_own(client, app,
                                                                 provider):
    ringing = ring(provider, client)
    client.request_transaction([{"type": "set-muted", "call": ringing,
                                 "muted": True}])
    action = provider.wait_for_action("set-muted", ringing)
    # Same process, even another provider of the same app connection is not
    # the owner: only the connection that registered it.
    before = snapshot(client)
    p = provider.path
    for method, args in [
            ("ReportNewIncomingCall", GLib.Variant.new_tuple(
                GLib.Variant("s", new_uuid()), vardict({}))),
            ("ReportCallUpdated", GLib.Variant.new_tuple(
                GLib.Variant("s", ringing),
                vardict({"localized_caller_name": "Eve"}))),
            ("ReportCallEnded", tuple_args("(ssx)", ringing, "remote-ended", 0)),
            ("ReportOutgoingCallStartedConnecting", tuple_args("(sx)", ringing, 0)),
            ("ReportOutgoingCallConnected", tuple_args("(sx)", ringing, 0)),
            ("FulfillAction", GLib.Variant.new_tuple(
                GLib.Variant("s", action.id), vardict({}))),
            ("FailAction", tuple_args("(ss)", action.id, "hijacked")),
            ("Invalidate", None)]:
        with raises_dbus_error(UNENTITLED, match=re.escape(p)):
            client.call(p, PROVIDER_IFACE, method, args)
    with raises_dbus_error(UNENTITLED, match=re.escape(p)):
        client.call(p, PROPERTIES_IFACE, "Set",
                    config_set_args({"localized_name": "Hijacked"}))
    assert_unchanged(client, before, provider)
    # The owner's answer still counts: the action was not consumed.
    provider.fulfill(action.id)
    client.wait_for_call_property(ringing, "IsMuted", True)


def test_owner_may_set_configuration(provider):
    provider.set_configuration({"localized_name": "Renamed"})
    assert provider.configuration["localized_name"] == "Renamed"


# ---------------------------------------------------------------------------
# Sandboxed (Flatpak) clients

SANDBOX_CLIENT = r"""
import json, sys
from gi.repository import Gio, GLib

BUS = "io.github.callkitd.CallKit1"
conn = Gio.DBusConnection.new_for_address_sync(
    sys.argv[1], Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
    | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
ctx = GLib.MainContext.default()
signals = []
consumed = set()
pending = {}


def on_signal(c, sender, path, iface, member, params):
    signals.append({"path": path, "iface": iface, "member": member,
                    "args": params.print_(True)})


conn.signal_subscribe(None, None, None, None, None, Gio.DBusSignalFlags.NONE,
                      on_signal)


def answer(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def outcome(fn):
    try:
        reply = fn()
        return {"reply": reply.print_(True) if reply is not None else None}
    except GLib.Error as e:
        name = Gio.DBusError.get_remote_error(e)
        msg = e.message
        if name and msg.startswith("GDBus.Error:%s: " % name):
            msg = msg[len("GDBus.Error:%s: " % name):]
        return {"error": name or "local:" + msg, "message": msg}


def iterate_until(cond, timeout_ms):
    expired = []
    source = GLib.timeout_add(timeout_ms, lambda: expired.append(1) or False)
    while not cond() and not expired:
        ctx.iteration(True)
    if not expired:
        GLib.source_remove(source)
    return cond()


def parse(text):
    return GLib.Variant.parse(None, text, None, None) if text else None


for line in sys.stdin:
    req = json.loads(line)
    op = req["op"]
    if op == "hello":
        answer({"unique_name": conn.get_unique_name()})
    elif op == "call":
        answer(outcome(lambda: conn.call_sync(
            BUS, req["path"], req["iface"], req["method"], parse(req["args"]),
            None, Gio.DBusCallFlags.NONE, req["timeout"], None)))
    elif op == "call_async":
        n = len(pending)
        pending[n] = None

        def done(c, res, data, n=n):
            pending[n] = outcome(lambda: c.call_finish(res))

        conn.call(BUS, req["path"], req["iface"], req["method"],
                  parse(req["args"]), None, Gio.DBusCallFlags.NONE,
                  req["timeout"], None, done, None)
        answer({"id": n})
    elif op == "result":
        n = req["id"]
        if iterate_until(lambda: pending[n] is not None, req["timeout"]):
            answer(pending[n])
        else:
            answer({"error": "local:timeout", "message": "no reply"})
    elif op == "wait_signal":
        def find():
            for i, s in enumerate(signals):
                if i not in consumed and s["member"] == req["member"]:
                    return i
            return None
        if iterate_until(lambda: find() is not None, req["timeout"]):
            i = find()
            consumed.add(i)
            answer(signals[i])
        else:
            answer({"timeout": [s["member"] for s in signals]})
    elif op == "signals":
        # Every signal received so far, consumed or not.
        while ctx.iteration(False):
            pass
        answer({"signals": signals})
    else:
        answer({"error": "local:bad op", "message": op})
"""


def _bwrap_argv(bus, script, info):
    argv = ["bwrap", "--die-with-parent", "--unshare-pid",
            "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
            "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = "/" + name
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
    argv += ["--bind", str(bus.runtime_dir), str(bus.runtime_dir),
             "--ro-bind", str(script), "/app/client.py",
             "--ro-bind", str(info), "/.flatpak-info",
             "--chdir", "/"]
    return argv


@pytest.fixture(scope="module")
def bwrap_works(tmp_path_factory):
    """Whether bubblewrap can build a sandbox here; skip with the reason
    otherwise."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed: apt-get install "
                    "bubblewrap to run the sandboxed-client tests")
    d = tmp_path_factory.mktemp("bwrap-probe")
    info = d / "flatpak-info"
    info.write_text("[Application]\nname=org.example.Probe\n")
    script = d / "probe.py"
    script.write_text("print(open('/.flatpak-info').read())\n")

    class FakeBus:
        runtime_dir = d

    argv = _bwrap_argv(FakeBus, script, info) + [
        "/usr/bin/python3", "/app/client.py"]
    out = subprocess.run(argv, capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=scaled(30))
    if out.returncode != 0 or "org.example.Probe" not in out.stdout:
        pytest.skip("bwrap cannot create a sandbox here (exit %d): %s"
                    % (out.returncode, out.stderr.strip()))
    assert not os.path.exists("/.flatpak-info"), (
        "the host has a /.flatpak-info: every process looks sandboxed")
    return True


class SandboxedApp:
    """A Python D-Bus client inside a bubblewrap sandbox that callkitd sees
    as the Flatpak ``app_id``; driven over a pipe. Its method calls raise
    RemoteDBusError like PrivateBus.call_as_user."""

    def __init__(self, bus, directory, app_id, name, info_text=None):
        directory.mkdir(parents=True, exist_ok=True)
        self.name = name
        info = directory / ("flatpak-info-" + name)
        info.write_text(info_text if info_text is not None else
                        "[Application]\n" + ("name=%s\n" % app_id if app_id else ""))
        script = directory / "sandbox_client.py"
        script.write_text(SANDBOX_CLIENT)
        self.stderr_path = directory / ("sandbox-%s.stderr" % name)
        self._stderr = open(self.stderr_path, "wb")
        argv = _bwrap_argv(bus, script, info) + [
            "/usr/bin/python3", "/app/client.py", bus.address]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=self._stderr,
                                     preexec_fn=harness.die_with_test)
        self._buffer = b""
        self._lines = []
        self._eof = False
        self._watch = GLib.io_add_watch(
            self.proc.stdout.fileno(), GLib.PRIORITY_DEFAULT,
            GLib.IOCondition.IN | GLib.IOCondition.HUP, self._on_output)
        self.unique_name = self._request(op="hello")["unique_name"]

    def _on_output(self, fd, condition):
        data = os.read(fd, 1 << 16)
        if not data:
            self._eof = True
            return GLib.SOURCE_REMOVE
        self._buffer += data
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            self._lines.append(json.loads(line))
        return GLib.SOURCE_CONTINUE

    def _request(self, **request):
        __tracebackhide__ = True
        wait = request.get("timeout", 25000) / 1000.0 + 5
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        self.proc.stdin.flush()
        wait_until(lambda: self._lines or self._eof, timeout=wait,
                   message="the sandboxed client %s to answer %s"
                   % (self.name, request["op"]))
        if not self._lines:
            raise AssertionError("the sandboxed client %s died: %s" % (
                self.name, self.stderr_path.read_text(errors="replace")))
        return self._lines.pop(0)

    @staticmethod
    def _unpack(answer):
        if "error" in answer:
            raise RemoteDBusError(answer["error"], answer["message"])
        if answer.get("reply") is None:
            return None
        values = GLib.Variant.parse(None, answer["reply"], None, None).unpack()
        return values[0] if len(values) == 1 else (values or None)

    def call(self, path, iface, method, args=None, timeout=25):
        return self._unpack(self._request(
            op="call", path=path, iface=iface, method=method,
            args=args.print_(True) if args is not None else None,
            timeout=int(scaled(timeout) * 1000)))

    def call_async(self, path, iface, method, args=None, timeout=25):
        return self._request(
            op="call_async", path=path, iface=iface, method=method,
            args=args.print_(True) if args is not None else None,
            timeout=int(scaled(timeout) * 1000))["id"]

    def result(self, call_id, timeout=10):
        return self._unpack(self._request(op="result", id=call_id,
                                          timeout=int(scaled(timeout) * 1000)))

    def wait_signal(self, member, timeout=5):
        answer = self._request(op="wait_signal", member=member,
                               timeout=int(scaled(timeout) * 1000))
        assert "timeout" not in answer, (
            "%s got no %s (got: %s)" % (self.name, member, answer["timeout"]))
        args = GLib.Variant.parse(None, answer["args"], None, None).unpack()
        return answer["path"], args

    def signals(self):
        """Every signal the client has received so far, as dicts of path,
        iface, member and args (the text form of the arguments)."""
        return self._request(op="signals")["signals"]

    # -- the API, as an app would use it

    def register_provider(self, config=None):
        path = self.call(ROOT_PATH, MANAGER_IFACE, "RegisterProvider",
                         GLib.Variant.new_tuple(vardict(config or {})))
        got, _ = self.wait_signal("DidBegin")
        assert got == path
        return path

    def report_incoming(self, provider, uuid, **update):
        self.call(provider, PROVIDER_IFACE, "ReportNewIncomingCall",
                  GLib.Variant.new_tuple(GLib.Variant("s", uuid),
                                         vardict(update)))

    def request_transaction(self, actions):
        return self.call(ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
                         actions_args(actions))

    def wait_for_action(self, type_=None):
        while True:
            path, (action, atype, call, params) = self.wait_signal(
                "PerformAction")
            if type_ is None or atype == type_:
                return path, action, call, params

    def fulfill(self, provider, action):
        self.call(provider, PROVIDER_IFACE, "FulfillAction",
                  GLib.Variant.new_tuple(GLib.Variant("s", action),
                                         vardict({})))

    def close(self):
        if self._watch:
            GLib.source_remove(self._watch)
            self._watch = None
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=scaled(10))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdout, self._stderr):
            f.close()
        if not self.proc.stdin.closed:
            self.proc.stdin.close()


@pytest.fixture
def sandboxed(bwrap_works, bus, callkitd, tmp_path):
    """Factory: sandboxed(app_id, name) → SandboxedApp; app_id None gives a
    .flatpak-info without an app id."""
    apps = []

    def make(app_id=APP_ID, name=None, info_text=None):
        app = SandboxedApp(bus, tmp_path / "sandbox", app_id,
                           name or "app%d" % len(apps), info_text)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


def test_sandboxed_provider_has_the_flatpak_app_id(sandboxed, client):
    sandbox = sandboxed()
    # The configuration claims another app: the sandbox's identity wins.
    path = sandbox.register_provider({"localized_name": "Sandboxed Phone",
                                      "desktop_entry": "org.example.Spoof"})
    props = client.get_all_properties(path, PROVIDER_IFACE)
    assert props["Owner"] == sandbox.unique_name
    assert props["ApplicationId"] == APP_ID
    assert props["Configuration"]["desktop_entry"] == "org.example.Spoof"
    # Positive control: an unsandboxed provider's ApplicationId is its
    # desktop_entry.
    host = client.register_provider({"desktop_entry": "org.example.Host"})
    assert host.properties()["ApplicationId"] == "org.example.Host"


@pytest.mark.parametrize("info_text", [
    "this is not a key file\n\x01\x02",
    "[Application]\nname=\n",
    "[Instance]\ninstance-id=1\n",
    "[Application]\nname=not an app id\n",
    # Larger than callkitd reads (CKD_MAX_FLATPAK_INFO_SIZE).
    pytest.param("[Application]\nname=org.example.Spoof\n" + "#" * 70000 + "\n",
                 id="oversized"),
])
def test_unreadable_flatpak_info_fails_closed(sandboxed, client, app, info_text):
    """A .flatpak-info that cannot be parsed, or names no app, makes a
    sandboxed client with no app id: never trusted as the user, never
    able to claim an app through its configuration."""
    sandbox = sandboxed(None, name="garbled", info_text=info_text)
    path = sandbox.register_provider({"desktop_entry": "org.example.Spoof"})
    assert client.get_all_properties(path, PROVIDER_IFACE)["ApplicationId"] == ""
    other = app.register_provider({"desktop_entry": "org.example.Spoof"})
    uuid = ring(other, client)
    before = snapshot(client)
    with pytest.raises(RemoteDBusError) as err:
        sandbox.call(ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
                     actions_args([{"type": "end-call", "call": uuid}]))
    assert err.value.name == UNENTITLED
    assert_unchanged(client, before, other)


def test_sandboxed_app_acts_on_its_own_calls(sandboxed, client):
    sandbox = sandboxed()
    provider = sandbox.register_provider({"localized_name": "Sandboxed",
                                          "action_timeout_ms": ("u", 600000)})
    uuid = new_uuid()
    sandbox.report_incoming(provider, uuid, remote_handle=("generic", "alice"))
    client.wait_for_call_property(uuid, "State", "ringing")

    sandbox.request_transaction([{"type": "answer-call", "call": uuid}])
    path, action, call, _ = sandbox.wait_for_action("answer-call")
    assert (path, call) == (provider, uuid)
    sandbox.fulfill(provider, action)
    client.wait_for_call_property(uuid, "State", "active")

    # A Call method returns once the provider (itself) fulfils.
    pending = sandbox.call_async(call_path(uuid), CALL_IFACE, "SetMuted",
                                 tuple_args("(b)", True))
    _, action, _, _ = sandbox.wait_for_action("set-muted")
    sandbox.fulfill(provider, action)
    sandbox.result(pending)
    client.wait_for_call_property(uuid, "IsMuted", True)

    # Hold & start a call on its own provider (the one it owns).
    out = new_uuid()
    sandbox.request_transaction([{"type": "set-held", "call": uuid,
                                  "on_hold": True},
                                 {"type": "start-call", "call": out,
                                  "handle": ("generic", "bob")}])
    _, action, call, _ = sandbox.wait_for_action("set-held")
    sandbox.fulfill(provider, action)
    client.wait_for_call_property(uuid, "State", "held")
    _, action, call, _ = sandbox.wait_for_action("start-call")
    assert call == out
    sandbox.call(provider, PROVIDER_IFACE, "FailAction",
                 tuple_args("(ss)", action, "no line"))

    # Reset of its own provider.
    sandbox.call(provider, PROVIDER_IFACE, "Reset")
    assert sandbox.wait_signal("DidReset") == (provider, ("requested",))
    assert client.wait_for_call_removed(uuid)["EndedReason"] == "failed"


def test_same_app_in_another_sandbox_may_act(sandboxed, client):
    """Calls belong to the application, not to one connection: a second
    process of the same Flatpak app acts on them (but only the owner
    answers actions)."""
    owner = sandboxed(name="owner")
    sibling = sandboxed(name="sibling")
    provider = owner.register_provider({"localized_name": "Sandboxed"})
    uuid = new_uuid()
    owner.report_incoming(provider, uuid)
    client.wait_for_call(uuid)
    sibling.request_transaction([{"type": "end-call", "call": uuid}])
    _, action, call, params = owner.wait_for_action("end-call")
    assert call == uuid and params["reason"] == "declined"
    before = snapshot(client)
    with raises_dbus_error(UNENTITLED):
        sibling.fulfill(provider, action)
    with raises_dbus_error(UNENTITLED):
        sibling.report_incoming(provider, new_uuid())
    assert snapshot(client) == before
    owner.fulfill(provider, action)
    assert client.wait_for_call_removed(uuid)["EndedReason"] == "declined"


def test_sandboxed_app_cannot_touch_other_apps(sandboxed, client, app):
    sandbox = sandboxed()
    own = sandbox.register_provider({"localized_name": "Sandboxed"})
    # A host app, even one that claims the sandbox's app id as its
    # desktop entry, is another application.
    for desktop_entry in ("org.example.Host", APP_ID):
        host = app.register_provider({"localized_name": "Host",
                                      "desktop_entry": desktop_entry})
        ringing = ring(host, client)
        active = make_active(host, client)
        before = snapshot(client)
        for path, iface, method, args in [
                (ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
                 actions_args([{"type": "answer-call", "call": ringing}])),
                (ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
                 actions_args([{"type": "set-muted", "call": active,
                                "muted": True}])),
                # Mixed with an action on its own provider: still refused,
                # and nothing of it is dispatched.
                (ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
                 actions_args([{"type": "start-call", "call": new_uuid(),
                                "provider": ("o", own)},
                               {"type": "end-call", "call": active}])),
                (ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
                 actions_args([{"type": "start-call", "call": new_uuid(),
                                "provider": ("o", host.path)}])),
                (call_path(ringing), CALL_IFACE, "Answer", None),
                (call_path(ringing), CALL_IFACE, "End", None),
                (call_path(active), CALL_IFACE, "End", None),
                (call_path(active), CALL_IFACE, "SetHeld", tuple_args("(b)", True)),
                (call_path(active), CALL_IFACE, "SetMuted", tuple_args("(b)", True)),
                (call_path(active), CALL_IFACE, "PlayDTMF", tuple_args("(s)", "1")),
                (host.path, PROVIDER_IFACE, "Reset", None),
                (host.path, PROVIDER_IFACE, "Invalidate", None),
                (host.path, PROVIDER_IFACE, "ReportNewIncomingCall",
                 GLib.Variant.new_tuple(GLib.Variant("s", new_uuid()), vardict({}))),
                (host.path, PROVIDER_IFACE, "ReportCallEnded",
                 tuple_args("(ssx)", ringing, "remote-ended", 0)),
                (host.path, PROPERTIES_IFACE, "Set",
                 config_set_args({"localized_name": "Mine"}))]:
            with raises_dbus_error(UNENTITLED) as err:
                sandbox.call(path, iface, method, args)
            assert err.message, (method, path)
        assert_unchanged(client, before, host)
        assert re.search(r"sandboxed app %s may act only on its own calls"
                         % re.escape(APP_ID), _end_message(sandbox, ringing))
        host.invalidate()
        client.wait_for_call_removed(active)


def _end_message(sandbox, uuid):
    try:
        sandbox.call(call_path(uuid), CALL_IFACE, "End")
    except RemoteDBusError as e:
        return e.message
    raise AssertionError("Call.End succeeded")


def test_sandboxed_apps_are_isolated_from_each_other(sandboxed, client):
    first = sandboxed(APP_ID, name="first")
    other = sandboxed("org.example.Other", name="other")
    nameless = sandboxed(None, name="nameless")
    nameless2 = sandboxed(None, name="nameless2")
    provider = first.register_provider({"localized_name": "First"})
    uuid = new_uuid()
    first.report_incoming(provider, uuid)
    nameless_provider = nameless.register_provider({"desktop_entry": APP_ID})
    nameless_call = new_uuid()
    nameless.report_incoming(nameless_provider, nameless_call)
    client.wait_for_call(uuid)
    client.wait_for_call(nameless_call)
    before = snapshot(client)
    for intruder in (other, nameless):
        with raises_dbus_error(UNENTITLED):
            intruder.request_transaction([{"type": "end-call", "call": uuid}])
        with raises_dbus_error(UNENTITLED):
            intruder.call(provider, PROVIDER_IFACE, "Reset")
    # Two sandboxes without an app id are not "the same app", and a
    # desktop_entry claiming one does not make a nameless sandbox that app.
    for intruder in (nameless2, first):
        with raises_dbus_error(UNENTITLED):
            intruder.request_transaction([{"type": "end-call",
                                           "call": nameless_call}])
    assert snapshot(client) == before
    # The nameless sandbox still owns its provider.
    nameless.request_transaction([{"type": "end-call", "call": nameless_call}])
    _, action, call, _ = nameless.wait_for_action("end-call")
    assert call == nameless_call
    nameless.fulfill(nameless_provider, action)
    client.wait_for_call_removed(nameless_call)


def test_ordinary_client_acts_on_sandboxed_calls(sandboxed, client):
    """The shell is not sandboxed: it acts on a Flatpak app's calls and may
    reset its provider, but cannot report for it."""
    sandbox = sandboxed()
    provider = sandbox.register_provider({"localized_name": "Sandboxed"})
    uuid = new_uuid()
    sandbox.report_incoming(provider, uuid)
    client.wait_for_call(uuid)
    client.request_transaction([{"type": "set-muted", "call": uuid,
                                 "muted": True}])
    _, action, call, _ = sandbox.wait_for_action("set-muted")
    assert call == uuid
    before = snapshot(client)
    with raises_dbus_error(UNENTITLED):
        client.call(provider, PROVIDER_IFACE, "FulfillAction",
                    GLib.Variant.new_tuple(GLib.Variant("s", action),
                                           vardict({})))
    with raises_dbus_error(UNENTITLED):
        client.call(provider, PROVIDER_IFACE, "ReportCallEnded",
                    tuple_args("(ssx)", uuid, "remote-ended", 0))
    with raises_dbus_error(UNENTITLED):
        client.call(provider, PROVIDER_IFACE, "Invalidate")
    assert snapshot(client) == before
    sandbox.fulfill(provider, action)
    client.wait_for_call_property(uuid, "IsMuted", True)
    client.call(provider, PROVIDER_IFACE, "Reset")
    assert sandbox.wait_signal("DidReset") == (provider, ("requested",))
    client.wait_for_call_removed(uuid)
