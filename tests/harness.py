# SPDX-License-Identifier: LGPL-2.1-or-later
"""Building blocks of the integration tests: a private bus, the daemon under
test, and D-Bus clients that play apps (providers) and observers.

The fixtures in conftest.py put these together; tests import the helpers
(``vardict``, ``raises_dbus_error``, the names) from here. See README.md.

Everything runs on the default GLib main context of the test process: every
wait iterates it, so signals and replies for every client are dispatched
while a test waits for any of them. There are no sleeps: waits end as soon as
their condition holds, or fail with an assertion that says what was awaited.
"""

import collections
import contextlib
import ctypes
import json
import os
import re
import secrets
import select
import signal
import subprocess
import sys
import tempfile
import uuid as uuidlib
import time
from pathlib import Path

import gi

gi.require_version("Gio", "2.0")
gi.require_version("GLib", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

BUS_NAME = "io.github.callkitd.CallKit1"
ROOT_PATH = "/io/github/callkitd/CallKit1"
PROVIDER_PATH_PREFIX = ROOT_PATH + "/provider/"
CALL_PATH_PREFIX = ROOT_PATH + "/call/"
MANAGER_IFACE = BUS_NAME + ".Manager"
CONTROLLER_IFACE = BUS_NAME + ".CallController"
HISTORY_IFACE = BUS_NAME + ".History"
PROVIDER_IFACE = BUS_NAME + ".Provider"
CALL_IFACE = BUS_NAME + ".Call"
PUSH_IFACE = BUS_NAME + ".PushRegistry"
DIRECTORY_IFACE = BUS_NAME + ".CallDirectory"
IDENTIFICATION_SERVICE_IFACE = BUS_NAME + ".IdentificationService"
ERROR_PREFIX = BUS_NAME + ".Error."
PROPERTIES_IFACE = "org.freedesktop.DBus.Properties"
OBJECT_MANAGER_IFACE = "org.freedesktop.DBus.ObjectManager"

TESTS_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = TESTS_DIR.parent

# Lines in a daemon log that fail a test even when the daemon exited 0.
LOG_FAILURE_PATTERN = re.compile(
    r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|LeakSanitizer|"
    r"runtime error:|-CRITICAL \*\*"
)


def timeout_scale():
    """CKD_TEST_TIMEOUT_SCALE multiplies every timeout (slow machines,
    valgrind)."""
    try:
        scale = float(os.environ.get("CKD_TEST_TIMEOUT_SCALE", "1"))
    except ValueError:
        raise AssertionError("CKD_TEST_TIMEOUT_SCALE must be a number") from None
    return max(scale, 0.1)


def scaled(seconds):
    return seconds * timeout_scale()


def call_path(uuid):
    """The object path of the call with this UUID."""
    return CALL_PATH_PREFIX + uuid.lower().replace("-", "_")


def project_version():
    """The version meson passes (CKD_PROJECT_VERSION), else the one in the
    top-level meson.build, for running pytest by hand."""
    version = os.environ.get("CKD_PROJECT_VERSION")
    if version:
        return version
    text = (SOURCE_ROOT / "meson.build").read_text()
    match = re.search(r"project\([^)]*?version:\s*'([^']+)'", text, re.S)
    assert match, "no version in meson.build"
    return match.group(1)


# ---------------------------------------------------------------------------
# Waiting without sleeping

_callback_errors = []


def _record_callback_error(exc):
    # Exceptions raised inside GLib callbacks never reach the test; keep them
    # and raise them from the next wait instead.
    _callback_errors.append(exc)


def check_callback_errors():
    """Raise the first exception a signal handler or auto-responder hit."""
    __tracebackhide__ = True
    if _callback_errors:
        errors = list(_callback_errors)
        _callback_errors.clear()
        raise AssertionError(
            "a D-Bus callback failed: %s" % "; ".join(repr(e) for e in errors)
        ) from errors[0]


def drain_main_context():
    """Dispatch everything already queued on the default main context."""
    context = GLib.MainContext.default()
    while context.pending():
        context.iteration(False)
    check_callback_errors()


def wait_until(condition, timeout=5.0, message=None, poll_interval=None):
    """Iterate the default main context until condition() returns a truthy
    value, and return it. Fails with an AssertionError naming ``message``
    (a string or a callable giving one) after ``timeout`` seconds (scaled by
    CKD_TEST_TIMEOUT_SCALE).

    Conditions are re-checked whenever something is dispatched. Give
    ``poll_interval`` (seconds) when the condition depends on something that
    does not wake the main context, such as a child process exiting.
    """
    __tracebackhide__ = True
    timeout = scaled(timeout)
    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    timed_out = []

    def on_timeout():
        timed_out.append(True)
        return GLib.SOURCE_REMOVE

    timeout_id = GLib.timeout_add(max(int(timeout * 1000), 1), on_timeout)
    poll_id = None
    if poll_interval:
        poll_id = GLib.timeout_add(max(int(poll_interval * 1000), 1),
                                   lambda: GLib.SOURCE_CONTINUE)
    try:
        while True:
            check_callback_errors()
            result = condition()
            if result:
                return result
            if timed_out or time.monotonic() >= deadline:
                what = message() if callable(message) else message
                raise AssertionError(
                    "timed out after %.1f s waiting for %s"
                    % (timeout, what or "a condition"))
            context.iteration(True)
    finally:
        if not timed_out:
            GLib.source_remove(timeout_id)
        if poll_id is not None:
            GLib.source_remove(poll_id)


# ---------------------------------------------------------------------------
# Variants from Python values

# Keys whose D-Bus type cannot be told from a Python value (ints) or that
# must not be guessed. Explicit types always win over this table.
KEY_TYPES = {
    "maximum_call_groups": "u",
    "maximum_calls_per_call_group": "u",
    "action_timeout_ms": "u",
    "ringing_timeout_ms": "u",
    "cache_seconds": "u",
    "supported_handle_types": "as",
    "remote_handle": "(ss)",
    "handle": "(ss)",
    "provider": "o",
    "date": "x",
    "deadline": "x",
    "ended_at": "x",
    "at": "x",
}


def typed(type_string, value):
    """An explicitly typed value: typed('u', 3), typed('(ss)', ('generic', ''))."""
    return GLib.Variant(type_string, value)


def _is_explicit(value):
    return (isinstance(value, tuple) and len(value) == 2
            and isinstance(value[0], str)
            and GLib.VariantType.string_is_valid(value[0]))


def variant(value, key=None):
    """A GLib.Variant for a Python value.

    - a GLib.Variant is used as it is;
    - a pair (type_string, value) with a valid GVariant type string is built
      with that type: ('u', 3), ('x', 0), ('s', 42) to send a wrong type;
    - a key listed in KEY_TYPES gets that type;
    - else bool → b, str → s, float → d, list of str → as,
      tuple of str → (ss…), dict → a{sv}. Plain ints need a type.
    """
    if isinstance(value, GLib.Variant):
        return value
    if _is_explicit(value):
        type_string, inner = value
        if type_string == "a{sv}" and isinstance(inner, dict):
            return vardict(inner)
        if type_string == "aa{sv}" and isinstance(inner, list):
            return vardict_list(inner)
        return GLib.Variant(type_string, inner)
    if key in KEY_TYPES:
        return GLib.Variant(KEY_TYPES[key], value)
    if isinstance(value, bool):
        return GLib.Variant("b", value)
    if isinstance(value, str):
        return GLib.Variant("s", value)
    if isinstance(value, float):
        return GLib.Variant("d", value)
    if isinstance(value, dict):
        return vardict(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return GLib.Variant("as", value)
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return GLib.Variant("(" + "s" * len(value) + ")", value)
    raise TypeError(
        "cannot tell the D-Bus type of %r%s: pass ('u', value), ('x', value) "
        "or a GLib.Variant" % (value, " for key %r" % key if key else ""))


def vardict(mapping=None, **entries):
    """An a{sv} from a dict and/or keywords; values as for variant()."""
    items = dict(mapping or {})
    items.update(entries)
    return GLib.Variant("a{sv}", {k: variant(v, k) for k, v in items.items()})


def vardict_list(dicts):
    """An aa{sv} from a list of dicts (the actions of a transaction)."""
    return GLib.Variant("aa{sv}", [
        {k: variant(v, k) for k, v in d.items()} for d in dicts])


def _args_variant(args):
    if args is None or isinstance(args, GLib.Variant):
        return args
    if isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], str):
        return GLib.Variant(args[0], args[1])
    raise TypeError("method arguments must be None, a tuple GLib.Variant or "
                    "(signature, values), not %r" % (args,))


def _unpack_reply(reply):
    values = reply.unpack() if reply is not None else ()
    if len(values) == 0:
        return None
    if len(values) == 1:
        return values[0]
    return values


# ---------------------------------------------------------------------------
# D-Bus errors

class RemoteDBusError(Exception):
    """A D-Bus error returned to a call made from another process (see
    PrivateBus.call_as_user)."""

    def __init__(self, name, message):
        super().__init__("%s: %s" % (name, message))
        self.name = name
        self.message = message


def dbus_error_name(error):
    """The D-Bus error name of a GLib.Error or RemoteDBusError, or None."""
    if isinstance(error, RemoteDBusError):
        return error.name
    if isinstance(error, GLib.Error):
        return Gio.DBusError.get_remote_error(error)
    return None


def dbus_error_message(error):
    """The error message without GDBus's "GDBus.Error:NAME: " prefix."""
    if isinstance(error, RemoteDBusError):
        return error.message
    name = dbus_error_name(error)
    message = error.message
    prefix = "GDBus.Error:%s: " % name
    if name and message.startswith(prefix):
        return message[len(prefix):]
    return message


class DBusErrorInfo:
    """What raises_dbus_error caught: ``name``, ``message``, ``error``."""
    name = None
    message = None
    error = None


@contextlib.contextmanager
def raises_dbus_error(name, match=None):
    """Assert that the block fails with the D-Bus error ``name``.

    ``name`` may be short ("UnknownCallUUID") for our own errors. ``match``
    is a regular expression searched in the error message (the message must
    say what was wrong). Yields a DBusErrorInfo filled in after the block::

        with raises_dbus_error("InvalidArgument", match="bogus") as err:
            client.register_provider({"bogus": True})
        print(err.message)
    """
    __tracebackhide__ = True
    if "." not in name:
        name = ERROR_PREFIX + name
    info = DBusErrorInfo()
    try:
        yield info
    except (GLib.Error, RemoteDBusError) as error:
        got = dbus_error_name(error)
        if got != name:
            raise AssertionError(
                "expected D-Bus error %s, got %s: %s"
                % (name, got or "a local error", error)) from error
        info.name = got
        info.message = dbus_error_message(error)
        info.error = error
        if match is not None and not re.search(match, info.message):
            raise AssertionError(
                "D-Bus error %s has message %r, which does not match %r"
                % (name, info.message, match)) from error
    else:
        raise AssertionError("expected D-Bus error %s, but the call succeeded"
                             % name)


# ---------------------------------------------------------------------------
# Child processes

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def die_with_test():
    """preexec_fn for every process a test starts: the kernel kills it when
    the test process dies, however that happens. meson kills a test's
    process group when it times out, which is where the children stay (no
    --fork, no setsid); this covers the test process being killed alone."""
    if _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        os._exit(127)
    # The parent may have died before prctl(): then nobody will kill us.
    if os.getppid() == 1:
        os._exit(127)


def run_process(argv, env=None, uid=None, gid=None, cwd=None, timeout=30):
    """Run a command to completion while the main context keeps running, so
    that providers of this test can answer what the command asks of them
    (``callctl answer`` returns only once the provider fulfills). Returns a
    subprocess.CompletedProcess with text stdout and stderr. ``uid`` runs it
    as that user (needs root)."""
    __tracebackhide__ = True
    preexec = die_with_test
    if uid is not None:
        if os.geteuid() != 0:
            import pytest
            pytest.skip("running as uid %d needs root (setuid)" % uid)
        gid = uid if gid is None else gid

        def preexec():
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            # After: a change of user clears the parent-death signal.
            die_with_test()

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, preexec_fn=preexec)
        try:
            wait_until(lambda: proc.poll() is not None, timeout=timeout,
                       poll_interval=0.005,
                       message="%s to exit" % " ".join(map(str, argv)))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(
            argv, proc.returncode, out.read().decode(errors="replace"),
            err.read().decode(errors="replace"))


# ---------------------------------------------------------------------------
# The private bus

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>{type}</type>
  <listen>unix:path={socket}</listen>
  <!-- For clients of other uids, which cannot enter the 0700 runtime dir. -->
  <listen>unix:abstract={abstract}</listen>
  <auth>EXTERNAL</auth>
  <!-- Our own, empty: nothing on the machine gets activated. -->
  <servicedir>{servicedir}</servicedir>
  <policy context="default">
    <!-- Any uid may connect, so that tests can act as another user. -->
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

_UNIX_PATH_MAX = 107


def _process_gone(pid):
    # Processes we do not reap (dbus-daemon forks away from us; PID 1 may
    # not reap either) count as gone once they are zombies.
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True
    return state in ("Z", "X")


def wait_process_gone(pid, what="process", timeout=10):
    """Wait until process ``pid`` (not necessarily our child) is gone."""
    __tracebackhide__ = True
    wait_until(lambda: _process_gone(pid), timeout=timeout, poll_interval=0.01,
               message="%s %d to be gone" % (what, pid))


class PrivateBus:
    """A dbus-daemon of our own, with its own config, runtime dir and HOME.

    ``address`` is for processes of this uid (unix:path=RUNTIME/bus);
    ``other_user_address`` (an abstract socket) for processes of other uids.
    ``env`` holds the variables children need to live in this sandbox.
    ``connection`` is a connection of the harness itself (name queries).
    """

    def __init__(self, base_dir, bus_type="session"):
        self.base_dir = Path(base_dir)
        self.bus_type = bus_type
        self.runtime_dir = self.base_dir / "runtime"
        self.home = self.base_dir / "home"
        self.servicedir = self.base_dir / "dbus-services"
        self.config_file = self.base_dir / ("%s-bus.conf" % bus_type)
        self.log_path = self.base_dir / ("%s-bus.log" % bus_type)
        self.pid = None
        self.proc = None
        self.address = None
        self.connection = None
        self.services = []
        self.other_user_address = "unix:abstract=/callkitd-test/%s" % (
            secrets.token_hex(8))

        for d in (self.runtime_dir, self.home, self.servicedir):
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(self.runtime_dir, 0o700)
        socket = self.runtime_dir / ("bus" if bus_type == "session"
                                     else "system_bus_socket")
        if len(str(socket)) > _UNIX_PATH_MAX:
            raise AssertionError("socket path too long for AF_UNIX: %s "
                                 "(use a shorter --basetemp)" % socket)
        self.socket = socket
        self.config_file.write_text(BUS_CONFIG.format(
            type=bus_type, socket=socket, servicedir=self.servicedir,
            abstract=self.other_user_address[len("unix:abstract="):]))

    @property
    def env(self):
        """Environment variables for a child process on this bus."""
        home = self.home
        env = {
            "XDG_RUNTIME_DIR": str(self.runtime_dir),
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "XDG_CACHE_HOME": str(home / ".cache"),
        }
        if self.bus_type == "session":
            env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        else:
            env["DBUS_SYSTEM_BUS_ADDRESS"] = self.address
        return env

    def start(self):
        # --nofork: the bus stays our child, in the test's process group,
        # so that it dies with the test run however that ends (a forked
        # dbus-daemon leaves the group and would outlive a timed-out test).
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                ["dbus-daemon", "--config-file=%s" % self.config_file,
                 "--nofork", "--print-address=1", "--print-pid=1",
                 "--nopidfile"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                preexec_fn=die_with_test)
        finally:
            log.close()
        # Two lines: the address, then the pid.
        output = b""
        deadline = time.monotonic() + scaled(30)
        with self.proc.stdout:
            fd = self.proc.stdout.fileno()
            while output.count(b"\n") < 2 and time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [],
                                            max(deadline - time.monotonic(), 0))
                chunk = os.read(fd, 4096) if ready else b""
                if not chunk:
                    break
                output += chunk
        lines = output.decode().split()
        if len(lines) < 2:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("dbus-daemon failed (exit %s): %s"
                                 % (self.proc.returncode, self.log_text()))
        self.pid = int(lines[1])
        # Every address it listens on (a test may add a TCP one).
        self.addresses = lines[0].split(";")
        # It prints every address it listens on; use the path socket.
        for address in lines[0].split(";"):
            if address.startswith("unix:path="):
                self.address = address
        assert self.address, "no unix:path address in %r" % lines[0]
        self.connection = Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        return self

    def add_service(self, name, argv, env=None):
        """Make ``name`` D-Bus activatable on this bus: a service file in
        the bus's own service dir that runs ``argv``. Activated processes
        get ``env`` on top of the bus's sandbox environment (``self.env``,
        through UpdateActivationEnvironment). They are stopped when the
        bus stops."""
        import shlex
        path = self.servicedir / ("%s.service" % name)
        path.write_text("[D-BUS Service]\nName=%s\nExec=%s\n"
                        % (name, " ".join(shlex.quote(str(a)) for a in argv)))
        activation_env = dict(self.env)
        activation_env.update(env or {})
        self._bus_call("UpdateActivationEnvironment",
                       GLib.Variant("(a{ss})", (activation_env,)))
        self.services.append(name)
        return path

    def _stop_activated(self):
        """Services the bus started are its children, not ours: end them
        by the process id the bus knows."""
        pids = []
        for name in self.services:
            owner = self.get_name_owner(name)
            pid = self.get_connection_pid(owner) if owner else None
            if pid is not None:
                pids.append(pid)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            wait_until(lambda: _process_gone(pid), timeout=10, poll_interval=0.01,
                       message="activated process %d to exit" % pid)

    def stop(self):
        if self.connection is not None:
            self._stop_activated()
            self.connection.close_sync(None)
            self.connection = None
            drain_main_context()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=scaled(10))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("dbus-daemon %d did not exit on SIGTERM"
                                     % self.pid)
            finally:
                self.proc = None
                self.pid = None

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _bus_call(self, method, args, timeout=5):
        reply = self.connection.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus", method, args, None,
            Gio.DBusCallFlags.NONE, int(scaled(timeout) * 1000), None)
        return _unpack_reply(reply)

    def get_name_owner(self, name):
        """The unique name owning ``name``, or None."""
        try:
            return self._bus_call("GetNameOwner", GLib.Variant("(s)", (name,)))
        except GLib.Error as e:
            if dbus_error_name(e) == "org.freedesktop.DBus.Error.NameHasNoOwner":
                return None
            raise

    def get_connection_pid(self, unique_name):
        """The process id of a connection, or None once it has left the
        bus (a name's owner may leave between two questions)."""
        try:
            return self._bus_call("GetConnectionUnixProcessID",
                                  GLib.Variant("(s)", (unique_name,)))
        except GLib.Error as e:
            if dbus_error_name(e) == "org.freedesktop.DBus.Error.NameHasNoOwner":
                return None
            raise

    def wait_for_name_owner(self, name, timeout=10, process=None, pid=None):
        """Wait until ``name`` has an owner (with process id ``pid`` if
        given) and return the owner's unique name. Fails at once if
        ``process`` (a Popen) exits meanwhile."""
        __tracebackhide__ = True

        def ready():
            if process is not None and process.poll() is not None:
                raise AssertionError(
                    "%s exited with %s before owning %s"
                    % (process.args[0], process.returncode, name))
            owner = self.get_name_owner(name)
            if owner and pid is not None and self.get_connection_pid(owner) != pid:
                return None
            return owner

        # Name changes wake the main context; the poll interval catches a
        # process that dies without touching the bus.
        sub = self.connection.signal_subscribe(
            "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
            "/org/freedesktop/DBus", name, Gio.DBusSignalFlags.NONE,
            lambda *args: None)
        try:
            return wait_until(ready, timeout=timeout, poll_interval=0.02,
                              message="%s to get an owner" % name)
        finally:
            self.connection.signal_unsubscribe(sub)

    def wait_for_name_lost(self, name, timeout=10):
        __tracebackhide__ = True
        wait_until(lambda: self.get_name_owner(name) is None, timeout=timeout,
                   poll_interval=0.02, message="%s to lose its owner" % name)

    def call_as_user(self, path, iface, method, args=None, uid=65534,
                     gid=None, dest=BUS_NAME, timeout=10):
        """Call a method from a separate process running as another user
        (default: nobody), connected through ``other_user_address``. Returns
        the unpacked reply or raises RemoteDBusError. Needs root."""
        args = _args_variant(args)
        request = json.dumps({
            "address": self.other_user_address, "dest": dest, "path": path,
            "iface": iface, "method": method,
            "args": args.print_(True) if args is not None else None,
            "timeout": int(scaled(timeout) * 1000)})
        out = run_process(
            [sys.executable, "-c", _CALL_AS_USER_SCRIPT, request],
            env={"HOME": "/", "PATH": os.environ.get("PATH", "")}, cwd="/",
            uid=uid, gid=gid, timeout=timeout + 10)
        if out.returncode != 0:
            raise AssertionError("call as uid %d failed: %s"
                                 % (uid, out.stderr))
        answer = json.loads(out.stdout)
        if "error" in answer:
            raise RemoteDBusError(answer["error"], answer["message"])
        reply = GLib.Variant.parse(None, answer["reply"], None, None)
        return _unpack_reply(reply)


_CALL_AS_USER_SCRIPT = r"""
import json, sys
from gi.repository import Gio, GLib
r = json.loads(sys.argv[1])
conn = Gio.DBusConnection.new_for_address_sync(
    r["address"], Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
    | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
args = GLib.Variant.parse(None, r["args"], None, None) if r["args"] else None
try:
    reply = conn.call_sync(r["dest"], r["path"], r["iface"], r["method"], args,
                           None, Gio.DBusCallFlags.NONE, r["timeout"], None)
    print(json.dumps({"reply": reply.print_(True)}))
except GLib.Error as e:
    name = Gio.DBusError.get_remote_error(e)
    msg = e.message
    if name and msg.startswith("GDBus.Error:%s: " % name):
        msg = msg[len("GDBus.Error:%s: " % name):]
    print(json.dumps({"error": name or "local:" + e.message, "message": msg}))
"""


# ---------------------------------------------------------------------------
# The daemon under test

def daemon_path():
    """CALLKITD (set by meson test), else build/daemon/callkitd next to the
    source tree. None when neither exists."""
    path = os.environ.get("CALLKITD")
    if path:
        return Path(path)
    fallback = SOURCE_ROOT / "build" / "daemon" / "callkitd"
    return fallback if fallback.exists() else None


# Variables from the caller's session that must not leak into the daemon.
_SCRUBBED_ENV = (
    "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM",
    "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "INVOCATION_ID",
    "DBUS_STARTER_ADDRESS", "DBUS_STARTER_BUS_TYPE", "PIPEWIRE_REMOTE",
    "PIPEWIRE_RUNTIME_DIR", "DBUS_SESSION_BUS_PID",
)


class Daemon:
    """One callkitd process. Created by the ``start_daemon`` fixture."""

    def __init__(self, path, args, bus, log_path, env=None, wrapper=None):
        self.path = Path(path)
        self.args = list(args)
        self.bus = bus
        self.log_path = Path(log_path)
        self.exit_checked = False
        child_env = {k: v for k, v in os.environ.items()
                     if k not in _SCRUBBED_ENV}
        child_env.update(bus.env)
        # Criticals are bugs: make them abort so the exit status shows them.
        child_env.setdefault("G_DEBUG", "fatal-criticals,gc-friendly")
        child_env.setdefault("G_SLICE", "always-malloc")
        if env:
            child_env.update(env)
        self.env = child_env
        self.argv = list(wrapper or []) + [str(self.path)] + self.args
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.argv, env=child_env, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT,
            preexec_fn=die_with_test)
        self.wrapped = bool(wrapper)

    @property
    def pid(self):
        return self.proc.pid

    @property
    def returncode(self):
        return self.proc.poll()

    def wait_ready(self, timeout=20):
        """Wait until this process owns the bus name; return its unique
        name."""
        self.unique_name = self.bus.wait_for_name_owner(
            BUS_NAME, timeout=timeout, process=self.proc,
            pid=None if self.wrapped else self.pid)
        return self.unique_name

    def wait_exit(self, timeout=20):
        """Wait for the process to exit by itself; return its exit status
        (negative: killed by that signal). The test then owns the check."""
        wait_until(lambda: self.proc.poll() is not None, timeout=timeout,
                   poll_interval=0.01,
                   message="callkitd (pid %d) to exit" % self.pid)
        self.exit_checked = True
        return self.proc.returncode

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Send ``sig`` (default SIGTERM) and return the exit status. The
        test then owns the check; teardown does not assert it again."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=scaled(timeout))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("callkitd did not exit within %d s of %s"
                                 % (timeout, signal.Signals(sig).name))
        self.exit_checked = True
        # The bus sees the connection close a moment later (at once after a
        # clean exit, not after SIGKILL): until then a callkitd started now
        # would find the name still taken.
        unique_name = getattr(self, "unique_name", None)
        if unique_name and self.bus.connection is not None:
            wait_until(lambda: self.bus.get_name_owner(unique_name) is None,
                       poll_interval=0.01, message="the bus to drop %s" % unique_name)
        return self.proc.returncode

    def log_text(self):
        if not self._log.closed:
            self._log.flush()
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_problems(self):
        """Lines of the log that show a sanitizer report or a critical."""
        return [line for line in self.log_text().splitlines()
                if LOG_FAILURE_PATTERN.search(line)]

    def finish(self):
        """Teardown: stop with SIGTERM unless stopped, assert exit status 0
        (unless the test checked it) and a clean log."""
        try:
            if self.proc.poll() is None:
                status = self.stop()
                assert status == 0, (
                    "callkitd exited with status %d on SIGTERM, not 0" % status)
            elif not self.exit_checked:
                raise AssertionError(
                    "callkitd exited during the test with status %d"
                    % self.proc.returncode)
            problems = self.log_problems()
            assert not problems, ("callkitd log shows problems:\n"
                                  + "\n".join(problems))
        finally:
            self._log.close()


# ---------------------------------------------------------------------------
# Clients

Signal = collections.namedtuple("Signal", "name args path")
Signal.__doc__ = """A received signal: name, unpacked args (a tuple), path."""

Action = collections.namedtuple("Action", "id type call parameters")
Action.__doc__ = """A PerformAction: action id, type, call UUID, parameters."""


class Client:
    """One connection to the private bus: a separate bus client, as an app,
    the shell or callctl would be. Created by the ``make_client`` fixture.

    It records what the daemon sends it: provider signals (routed to its
    Provider objects), TransactionCompleted, and the properties of every
    call object it has seen (from InterfacesAdded, PropertiesChanged and
    GetAll), so tests can wait for a state even after the object is gone.
    """

    def __init__(self, bus, name="client"):
        self.bus = bus
        self.name = name
        self.connection = Gio.DBusConnection.new_for_address_sync(
            bus.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        self.unique_name = self.connection.get_unique_name()
        self.providers = {}
        self._early_provider_signals = collections.defaultdict(list)
        self.transactions = {}
        self.call_properties = {}
        self.removed_calls = set()
        self._subscriptions = []
        # Subscribe before anything can be sent to us: provider signals are
        # routed by path, so none is lost between RegisterProvider's reply
        # and the creation of the Provider object.
        self._subscribe(PROVIDER_IFACE, None, None, self._on_provider_signal)
        self._subscribe(CONTROLLER_IFACE, "TransactionCompleted", ROOT_PATH,
                        self._on_transaction_completed)
        self._subscribe(PROPERTIES_IFACE, "PropertiesChanged", None,
                        self._on_properties_changed, arg0=CALL_IFACE)
        self._subscribe(OBJECT_MANAGER_IFACE, None, ROOT_PATH,
                        self._on_object_manager_signal)
        # The subscriptions' AddMatch, and the GetNameOwner with which GDBus
        # learns who owns the sender name (until then it drops the
        # signals), are in flight: a round trip to the bus completes them
        # before the test makes callkitd send anything.
        self.connection.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus", "GetId", None, None,
            Gio.DBusCallFlags.NONE, -1, None)
        # callkitd addresses its signals about calls and providers to the
        # connections that have called it (never a broadcast: see "Read
        # privacy" in callkitd(8)); an ObjectManager client's first call,
        # GetManagedObjects, makes this one of them. Without starting
        # callkitd: a test that starts it later is served at its first
        # call.
        with contextlib.suppress(GLib.Error):
            self.connection.call_sync(
                BUS_NAME, ROOT_PATH, OBJECT_MANAGER_IFACE, "GetManagedObjects",
                None, None, Gio.DBusCallFlags.NO_AUTO_START, -1, None)
        # And again whenever callkitd (re)starts, as GDBusObjectManagerClient
        # and libcallkit's observer do. (A test that needs the signals of a
        # new callkitd right away calls managed_objects() itself.)
        self._subscriptions.append(self.connection.signal_subscribe(
            "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
            "/org/freedesktop/DBus", BUS_NAME, Gio.DBusSignalFlags.NONE,
            self._on_callkitd_owner))

    def _on_callkitd_owner(self, connection, sender, path, iface, member,
                           params):
        if params.unpack()[2]:
            connection.call(BUS_NAME, ROOT_PATH, OBJECT_MANAGER_IFACE,
                            "GetManagedObjects", None, None,
                            Gio.DBusCallFlags.NO_AUTO_START, -1, None,
                            self._on_followed, None)

    @staticmethod
    def _on_followed(connection, result, data):
        with contextlib.suppress(GLib.Error):
            connection.call_finish(result)

    def __repr__(self):
        return "<Client %s %s>" % (self.name, self.unique_name)

    def _subscribe(self, iface, member, path, handler, arg0=None):
        def callback(connection, sender, path, iface, member, params):
            try:
                handler(member, path, params.unpack())
            except Exception as e:  # noqa: BLE001 - reported by the next wait
                _record_callback_error(e)

        self._subscriptions.append(self.connection.signal_subscribe(
            BUS_NAME, iface, member, path, arg0, Gio.DBusSignalFlags.NONE,
            callback))

    def close(self):
        if self.connection is None:
            return
        for sub in self._subscriptions:
            self.connection.signal_unsubscribe(sub)
        self._subscriptions = []
        self.connection.close_sync(None)
        self.connection = None

    # -- signal bookkeeping ------------------------------------------------

    def _on_provider_signal(self, member, path, args):
        signal_ = Signal(member, args, path)
        provider = self.providers.get(path)
        if provider is None:
            self._early_provider_signals[path].append(signal_)
        else:
            provider._receive(signal_)

    def _on_transaction_completed(self, member, path, args):
        transaction, outcomes = args
        self.transactions[transaction] = outcomes

    def _on_properties_changed(self, member, path, args):
        iface, changed, invalidated = args
        self.call_properties.setdefault(path, {}).update(changed)

    def _on_object_manager_signal(self, member, path, args):
        if member == "InterfacesAdded":
            obj, ifaces = args
            if CALL_IFACE in ifaces:
                self.call_properties.setdefault(obj, {}).update(
                    ifaces[CALL_IFACE])
                self.removed_calls.discard(obj)
        elif member == "InterfacesRemoved":
            obj, ifaces = args
            if CALL_IFACE in ifaces:
                self.removed_calls.add(obj)

    # -- method calls ------------------------------------------------------

    def call_async(self, path, iface, method, args=None, timeout=25,
                   dest=BUS_NAME):
        """Start a method call; returns a PendingCall. Use it for calls
        that return only after something else happens (Call.Answer returns
        once the provider fulfills the action)."""
        return PendingCall(self, dest, path, iface, method,
                           _args_variant(args), timeout)

    def call(self, path, iface, method, args=None, timeout=25, dest=BUS_NAME):
        """Call a method and wait for the reply, dispatching signals to
        every client meanwhile (so auto-responders can act). ``args`` is
        None, a tuple GLib.Variant or (signature, values). Returns None, the
        one out value, or a tuple of them; raises GLib.Error on an error."""
        return self.call_async(path, iface, method, args, timeout,
                               dest).result()

    def sync(self):
        """Round trip to the daemon, then dispatch what arrived: every signal
        the daemon sent us before that point has been handled afterwards."""
        self.call(ROOT_PATH, "org.freedesktop.DBus.Peer", "Ping")
        drain_main_context()

    def get_property(self, path, iface, name):
        return self.call(path, PROPERTIES_IFACE, "Get",
                         GLib.Variant("(ss)", (iface, name)))

    def get_all_properties(self, path, iface):
        return self.call(path, PROPERTIES_IFACE, "GetAll",
                         GLib.Variant("(s)", (iface,)))

    def set_property(self, path, iface, name, value):
        """``value`` as for variant(): set_property(p, i, 'X', ('u', 3))."""
        self.call(path, PROPERTIES_IFACE, "Set",
                  GLib.Variant("(ssv)", (iface, name, variant(value, name))))

    def manager_property(self, name):
        return self.get_property(ROOT_PATH, MANAGER_IFACE, name)

    def managed_objects(self):
        """GetManagedObjects at the root: {path: {iface: {prop: value}}}."""
        return self.call(ROOT_PATH, OBJECT_MANAGER_IFACE, "GetManagedObjects")

    # -- providers ---------------------------------------------------------

    def register_provider(self, config=None, wait_for_begin=True):
        """RegisterProvider with ``config`` (a dict, values as for
        variant(), or a GLib.Variant a{sv}); returns a Provider. By default
        waits for (and consumes) DidBegin."""
        if not isinstance(config, GLib.Variant):
            config = vardict(config or {})
        path = self.call(ROOT_PATH, MANAGER_IFACE, "RegisterProvider",
                         GLib.Variant.new_tuple(config))
        provider = Provider(self, path)
        if wait_for_begin:
            provider.wait_for_signal("DidBegin")
        return provider

    # -- calls and transactions ----------------------------------------------

    def request_transaction(self, actions):
        """RequestTransaction with a list of action dicts (or a GLib.Variant
        aa{sv}); returns the transaction id."""
        if not isinstance(actions, GLib.Variant):
            actions = vardict_list(actions)
        return self.call(ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
                         GLib.Variant.new_tuple(actions))

    def wait_for_transaction(self, transaction, timeout=5):
        """Wait for TransactionCompleted and return its outcomes (a list of
        dicts, in request order)."""
        __tracebackhide__ = True
        return wait_until(
            lambda: self.transactions.get(transaction), timeout=timeout,
            message="TransactionCompleted for %s on %s" % (transaction, self))

    def call_method(self, uuid, method, args=None, timeout=25):
        """A method of the Call interface (Answer, End, SetHeld, ...). Its
        reply waits for the provider: auto-responders must be on, or use
        call_method_async."""
        return self.call(call_path(uuid), CALL_IFACE, method, args, timeout)

    def call_method_async(self, uuid, method, args=None, timeout=25):
        return self.call_async(call_path(uuid), CALL_IFACE, method, args,
                               timeout)

    def get_call_properties(self, uuid):
        """GetAll on the live call object (fails once it is gone)."""
        props = self.get_all_properties(call_path(uuid), CALL_IFACE)
        self.call_properties.setdefault(call_path(uuid), {}).update(props)
        return props

    def known_call_properties(self, uuid):
        """The last properties seen for the call, live or gone."""
        return dict(self.call_properties.get(call_path(uuid), {}))

    def wait_for_call(self, uuid, timeout=5):
        """Wait until the call object appears; return its properties."""
        __tracebackhide__ = True
        path = call_path(uuid)
        return wait_until(lambda: self.call_properties.get(path),
                          timeout=timeout, message="call %s to appear" % uuid)

    def wait_for_call_property(self, uuid, name, value, timeout=5):
        """Wait until the call's property ``name`` equals ``value`` (as seen
        in signals, so this works for the final state of an ended call).
        Returns all known properties."""
        __tracebackhide__ = True
        path = call_path(uuid)
        if path not in self.call_properties and path not in self.removed_calls:
            with contextlib.suppress(GLib.Error):
                self.get_call_properties(uuid)

        def reached():
            props = self.call_properties.get(path, {})
            return dict(props) if name in props and props[name] == value else None

        return wait_until(
            reached, timeout=timeout,
            message=lambda: "call %s property %s == %r (last seen: %r)" % (
                uuid, name, value,
                self.call_properties.get(path, {}).get(name, "<none>")))

    def wait_for_call_removed(self, uuid, timeout=5):
        __tracebackhide__ = True
        path = call_path(uuid)
        wait_until(lambda: path in self.removed_calls, timeout=timeout,
                   message="call %s to leave the bus" % uuid)
        return self.known_call_properties(uuid)


class PendingCall:
    """A method call in flight; ``done``, ``result()``."""

    def __init__(self, client, dest, path, iface, method, args, timeout):
        self.description = "%s.%s on %s" % (iface, method, path)
        self.done = False
        self._reply = None
        self._error = None
        client.connection.call(
            dest, path, iface, method, args, None, Gio.DBusCallFlags.NONE,
            int(scaled(timeout) * 1000), None, self._on_reply, None)
        self._timeout = timeout

    def _on_reply(self, connection, res, data):
        try:
            self._reply = connection.call_finish(res)
        except GLib.Error as e:
            self._error = e
        self.done = True

    def result(self, timeout=None):
        """Wait for the reply; return it unpacked or raise its error."""
        __tracebackhide__ = True
        # The D-Bus timeout ends the call; our wait only guards against it.
        wait_until(lambda: self.done, timeout=(timeout or self._timeout) + 5,
                   message="the reply to " + self.description)
        if self._error is not None:
            raise self._error
        return _unpack_reply(self._reply)


class Provider:
    """A registered provider, seen from its owner's connection.

    ``signals`` lists every signal it received, in order. Waits consume the
    signal they return, so two waits for PerformAction return two actions.
    Set ``auto_fulfill = True`` (or a predicate on an Action) to fulfill
    every PerformAction as it arrives, or ``auto_fail = "reason"`` to fail
    them; ``auto_result`` is the result dict for auto-fulfilled actions.
    """

    def __init__(self, client, path):
        self.client = client
        self.path = path
        self.signals = []
        self._consumed = set()
        self.auto_fulfill = False
        self.auto_fail = None
        self.auto_result = {}
        client.providers[path] = self
        for signal_ in client._early_provider_signals.pop(path, []):
            self._receive(signal_)

    def __repr__(self):
        return "<Provider %s of %s>" % (self.path, self.client)

    @property
    def index(self):
        """N of provider/N."""
        return int(self.path.rsplit("/", 1)[1])

    def _receive(self, signal_):
        self.signals.append(signal_)
        if signal_.name != "PerformAction":
            return
        action = Action(*signal_.args)
        if self.auto_fail is not None:
            self._respond_async("FailAction",
                                GLib.Variant("(ss)", (action.id, self.auto_fail)))
        elif self.auto_fulfill and (self.auto_fulfill is True
                                    or self.auto_fulfill(action)):
            self._respond_async("FulfillAction", GLib.Variant.new_tuple(
                GLib.Variant("s", action.id), vardict(self.auto_result)))

    def _respond_async(self, method, args):
        # Not waited for here: we may be inside another wait. Errors surface
        # at the next wait.
        def done(connection, res, data):
            try:
                connection.call_finish(res)
            except GLib.Error as e:
                # The test ended and closed the connection while the answer
                # to an automatic reply was still on its way: not a failure.
                if e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CLOSED):
                    return
                _record_callback_error(AssertionError(
                    "auto %s on %s failed: %s" % (method, self.path, e.message)))

        self.client.connection.call(
            BUS_NAME, self.path, PROVIDER_IFACE, method, args, None,
            Gio.DBusCallFlags.NONE, int(scaled(25) * 1000), None, done, None)

    # -- waiting for signals -----------------------------------------------

    def _find(self, name, predicate):
        for i, signal_ in enumerate(self.signals):
            if i in self._consumed or signal_.name != name:
                continue
            if predicate is None or predicate(signal_):
                self._consumed.add(i)
                return signal_
        return None

    def wait_for_signal(self, name, predicate=None, timeout=5):
        """Wait for a signal ``name`` not returned before (optionally one
        for which ``predicate(signal)`` is true) and return it."""
        __tracebackhide__ = True
        return wait_until(
            lambda: self._find(name, predicate), timeout=timeout,
            message=lambda: "signal %s on %s (received so far: %s)" % (
                name, self.path,
                ", ".join(s.name for s in self.signals) or "nothing"))

    def wait_for_action(self, type=None, call=None, timeout=5):
        """Wait for a PerformAction (of ``type``, for ``call``) and return
        it as an Action(id, type, call, parameters)."""
        __tracebackhide__ = True
        def matches(signal_):
            action = Action(*signal_.args)
            return ((type is None or action.type == type)
                    and (call is None or action.call == call.lower()))

        signal_ = self.wait_for_signal("PerformAction", matches, timeout)
        return Action(*signal_.args)

    def assert_no_signal(self, name, predicate=None):
        """Assert that no unconsumed signal ``name`` arrived, after a round
        trip that flushes everything the daemon sent so far."""
        __tracebackhide__ = True
        self.client.sync()
        found = self._find(name, predicate)
        assert found is None, "unexpected signal on %s: %r" % (self.path, found)

    def clear_signals(self):
        self.signals.clear()
        self._consumed.clear()

    # -- methods -----------------------------------------------------------

    def call(self, method, args=None, timeout=25):
        return self.client.call(self.path, PROVIDER_IFACE, method, args,
                                timeout)

    def report_incoming(self, uuid, **update):
        """ReportNewIncomingCall(uuid, update); values as for variant(),
        e.g. remote_handle=("phone-number", "+4930123")."""
        self.call("ReportNewIncomingCall", GLib.Variant.new_tuple(
            GLib.Variant("s", uuid), vardict(update)))

    def report_updated(self, uuid, **update):
        self.call("ReportCallUpdated", GLib.Variant.new_tuple(
            GLib.Variant("s", uuid), vardict(update)))

    def report_ended(self, uuid, reason, ended_at=0):
        self.call("ReportCallEnded",
                  GLib.Variant("(ssx)", (uuid, reason, ended_at)))

    def report_outgoing_connecting(self, uuid, at=0):
        self.call("ReportOutgoingCallStartedConnecting",
                  GLib.Variant("(sx)", (uuid, at)))

    def report_outgoing_connected(self, uuid, at=0):
        self.call("ReportOutgoingCallConnected",
                  GLib.Variant("(sx)", (uuid, at)))

    def fulfill(self, action_id, **result):
        """FulfillAction(action_id, result), e.g. fulfill(a.id, date=('x', t))."""
        self.call("FulfillAction", GLib.Variant.new_tuple(
            GLib.Variant("s", action_id), vardict(result)))

    def fail(self, action_id, reason=""):
        self.call("FailAction", GLib.Variant("(ss)", (action_id, reason)))

    def reset(self):
        self.call("Reset")

    def invalidate(self):
        self.call("Invalidate")

    def properties(self):
        return self.client.get_all_properties(self.path, PROVIDER_IFACE)

    @property
    def configuration(self):
        return self.client.get_property(self.path, PROVIDER_IFACE,
                                        "Configuration")

    def set_configuration(self, config):
        value = config if isinstance(config, GLib.Variant) else vardict(config)
        self.client.set_property(self.path, PROVIDER_IFACE, "Configuration",
                                 value)


# ---------------------------------------------------------------------------
# Small helpers the test files share

def new_uuid():
    """A fresh call UUID, as an app would choose it."""
    return str(uuidlib.uuid4())


def snapshot(client):
    """Everything an observer can see: every object with every property."""
    client.sync()
    return client.managed_objects()


def ring(provider, observer, uuid=None, **update):
    """Report an incoming call and wait until ``observer`` sees it."""
    uuid = uuid or new_uuid()
    provider.report_incoming(uuid, **update)
    observer.wait_for_call(uuid)
    return uuid
