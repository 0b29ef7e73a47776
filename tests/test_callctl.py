# SPDX-License-Identifier: LGPL-2.1-or-later
"""callctl against a real callkitd on a private bus.

Every command, the --json shapes (parsed with json.loads), the exit codes
(0 ok, 1 daemon error, 2 usage, 3 not found, 4 no daemon) and the error
format: one sentence, "callctl: Could not <what>: <why>.", with the D-Bus
error name only under --verbose (and in the JSON error of --json).
Providers are real clients (harness.Provider) that answer callctl's
actions.
"""

import json
import os
import re
import shlex
import signal
import subprocess
import unicodedata
import uuid

import pytest
from gi.repository import Gio

import harness
from harness import ERROR_PREFIX, call_path, wait_until, new_uuid

NOT_RUNNING = "callkitd is not running on the session bus"
CALL_PROPERTIES = [
    "UUID", "Provider", "RemoteHandle", "LocalizedCallerName", "IsOutgoing",
    "IsOnHold", "IsMuted", "HasConnected", "HasEnded", "HasVideo", "State",
    "Group", "SupportsHolding", "SupportsGrouping", "SupportsUngrouping",
    "SupportsDTMF", "ConnectedAt", "EndedAt", "EndedReason", "Identity",
]
CALL_JSON_KEYS = {
    "path", "provider_name", "uuid", "provider", "remote_handle",
    "localized_caller_name", "is_outgoing", "is_on_hold", "is_muted",
    "has_connected", "has_ended", "has_video", "state", "group",
    "supports_holding", "supports_grouping", "supports_ungrouping",
    "supports_dtmf", "connected_at", "ended_at", "ended_reason", "identity",
}
# monitor's human lines start with the local time, ISO 8601 with ms.
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d ")
# Everything a JSON escaper can get wrong, and a terminal escape.
TRICKY_NAME = ('Zoë "Z" \\ O\'Neil\ttab\nnewline \x01\x1b[31m red \u2028 \u202e'
               '\x7f \U0001F468\u200d\U0001F469 \U0001F4DE')




@pytest.fixture
def callctl_path(run_callctl):
    # run_callctl skips when callctl is not built; resolve it the same way.
    path = os.environ.get("CALLCTL") or str(
        harness.SOURCE_ROOT / "build" / "clients" / "callctl" / "callctl")
    assert os.path.exists(path)
    return path


class Background:
    """callctl running while the test goes on (monitor, or a command that
    waits for the provider). Reads its stdout line by line as it comes,
    which is only possible because callctl flushes."""

    def __init__(self, path, *args, env=None):
        self.argv = [path] + [str(a) for a in args]
        # monitor's lines without their leading timestamp (checked here),
        # and JSON lines without their "timestamp" member.
        self.raw_lines = []
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env, preexec_fn=harness.die_with_test)
        os.set_blocking(self.proc.stdout.fileno(), False)
        os.set_blocking(self.proc.stderr.fileno(), False)
        self._stderr = b""
        self._partial = b""
        self.lines = []
        self._consumed = 0

    def _read(self):
        while True:
            try:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
            except BlockingIOError:
                return
            if not chunk:
                return
            data = self._partial + chunk
            *complete, self._partial = data.split(b"\n")
            for raw in complete:
                line = raw.decode()
                self.raw_lines.append(line)
                self.lines.append(self._strip_timestamp(line))

    def _strip_timestamp(self, line):
        if "monitor" not in self.argv:
            return line
        if line.startswith("{"):
            event = json.loads(line)
            assert isinstance(event.pop("timestamp"), int), line
            return json.dumps(event)
        assert TIMESTAMP.match(line), "no timestamp: %r" % line
        return TIMESTAMP.sub("", line)

    def wait_for_line(self, predicate, timeout=5):
        """The next line (after those returned before) that satisfies
        ``predicate``; lines in between are skipped."""
        __tracebackhide__ = True

        def find():
            self._read()
            for i in range(self._consumed, len(self.lines)):
                if predicate(self.lines[i]):
                    self._consumed = i + 1
                    return self.lines[i]
            return None

        return wait_until(find, timeout=timeout, poll_interval=0.005,
                          message=lambda: "a matching line from %s (so far: %r)"
                          % (" ".join(self.argv), self.lines))

    def stderr_so_far(self):
        """What it wrote to stderr until now, without waiting."""
        try:
            chunk = os.read(self.proc.stderr.fileno(), 65536)
        except BlockingIOError:
            chunk = b""
        self._stderr += chunk
        return self._stderr.decode(errors="replace")

    @property
    def running(self):
        return self.proc.poll() is None

    def wait_exit(self, timeout=10):
        __tracebackhide__ = True
        wait_until(lambda: not self.running, timeout=timeout,
                   poll_interval=0.005,
                   message="%s to exit" % " ".join(self.argv))
        self._read()
        os.set_blocking(self.proc.stderr.fileno(), True)
        self.stderr = self.stderr_so_far() + self.proc.stderr.read().decode(errors="replace")
        return self.proc.returncode

    def kill(self):
        if self.running:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.fixture
def background(callctl_path):
    started = []

    def start(*args, env=None):
        b = Background(callctl_path, *args, env=env)
        started.append(b)
        return b

    yield start
    for b in started:
        b.kill()


def incoming(provider, client, **update):
    call = new_uuid()
    provider.report_incoming(call, **update)
    client.wait_for_call_property(call, "State", "ringing")
    return call


def assert_exit(result, code, stderr_match=None):
    __tracebackhide__ = True
    assert result.returncode == code, (
        "exit %d, wanted %d\nstdout:\n%s\nstderr:\n%s"
        % (result.returncode, code, result.stdout, result.stderr))
    if stderr_match is not None:
        assert stderr_match in result.stderr, result.stderr


# ---------------------------------------------------------------------------
# Without a daemon

def test_version(bus, run_callctl):
    result = run_callctl("--version")
    assert result.stdout == "callctl %s\n" % harness.project_version()


def test_help_lists_commands_options_and_exit_codes(bus, run_callctl):
    for args in (["--help"], ["help"]):
        out = run_callctl(*args).stdout
        for command in ("status", "list", "show CALL", "monitor", "providers",
                        "answer [CALL]", "end [CALL]", "hold [CALL]",
                        "unhold [CALL]", "mute [CALL]", "unmute [CALL]",
                        "dtmf CALL DIGITS", "start PROVIDER HANDLE",
                        "reset PROVIDER", "silence"):
            assert "  " + command + " " in out, command
        for option in ("--json=MODE", "-j", "--handle-type", "--video",
                       "--version", "--no-wait", "--no-legend",
                       "--hold-active", "--end-active", "--property",
                       "--value", "--verbose"):
            assert option in out
        for code in ("0  success", "1  callkitd answered with an error",
                     "2  usage error", "3  not found", "4  callkitd is not running"):
            assert code in out


@pytest.mark.parametrize("args", [
    ["bogus"],
    ["show"],
    ["show", "a", "b"],
    ["list", "extra"],
    ["dtmf", "abc"],
    ["start", "1"],
    ["--no-such-option"],
    ["start", "--handle-type=fax", "1", "+49"],
    ["list", "--video"],
    ["answer", "--handle-type=generic", "abc"],
    ["answer", "--json", "abc"],
    ["list", "--json=yaml"],
    ["end", "--hold-active"],
    ["answer", "--hold-active", "--end-active"],
    ["list", "-p", "State"],
    ["answer", "--value"],
])
def test_usage_errors_exit_2(bus, run_callctl, args):
    # Usage is checked before the bus: no daemon runs here.
    result = run_callctl(*args, check=False)
    assert_exit(result, 2, "callctl: ")
    assert "--help" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args", [
    ["list"], [], ["show", "abc"], ["status"], ["providers"],
    ["answer", "abc"], ["answer"], ["start", "1", "+49"], ["reset", "1"],
])
def test_daemon_not_running_exits_4(bus, run_callctl, args):
    # Nothing on this bus can start it (its service dir is empty).
    result = run_callctl(*args, check=False)
    assert_exit(result, 4, NOT_RUNNING + " and cannot be started")
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "org.freedesktop" not in result.stderr


def test_daemon_not_running_json_error(bus, run_callctl):
    result = run_callctl("list", "--json", check=False)
    assert_exit(result, 4)
    error = json.loads(result.stderr)
    assert error["error"] == "org.freedesktop.DBus.Error.ServiceUnknown"
    assert NOT_RUNNING in error["message"]
    assert result.stdout == ""


def reload_bus_config(bus):
    bus.connection.call_sync(
        "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "ReloadConfig", None, None, Gio.DBusCallFlags.NONE, -1, None)


def test_a_daemon_that_fails_to_start_is_named(bus, run_callctl, tmp_path):
    # A service file that starts something that exits at once: callctl
    # asks the bus to start it (the marker appears) and says it failed.
    marker = tmp_path / "activated"
    script = tmp_path / "fake-callkitd.sh"
    script.write_text("#!/bin/sh\ntouch %s\nexit 3\n" % marker)
    script.chmod(0o755)
    (bus.servicedir / "io.github.callkitd.CallKit1.service").write_text(
        "[D-BUS Service]\nName=io.github.callkitd.CallKit1\nExec=%s\n" % script)
    reload_bus_config(bus)

    result = run_callctl("list", check=False)
    assert_exit(result, 4, NOT_RUNNING + " and did not start: ")
    assert marker.exists()
    result = run_callctl("--verbose", "status", check=False)
    assert_exit(result, 4, "(org.freedesktop.DBus.Error.Spawn.ChildExited)")


@pytest.fixture
def activatable(bus, tmp_path):
    """An activation file for the callkitd under test on the private bus,
    as the installed io.github.callkitd.CallKit1.service is. Yields the log
    path; stops the activated daemon (not our child) at teardown."""
    path = harness.daemon_path()
    if path is None or not path.exists():
        pytest.skip("callkitd not built: set CALLKITD (meson test does)")
    log = tmp_path / "activated-callkitd.log"
    env = dict(bus.env)
    env.pop("DBUS_SESSION_BUS_ADDRESS")  # the bus sets it for what it starts
    env.update(DBUS_SYSTEM_BUS_ADDRESS=os.environ["DBUS_SYSTEM_BUS_ADDRESS"],
               XDG_CONFIG_DIRS=str(bus.base_dir / "xdg"), LC_ALL="C.UTF-8")
    for key in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if key in os.environ:
            env[key] = os.environ[key]
    script = tmp_path / "start-callkitd.sh"
    script.write_text("#!/bin/sh\nexec env %s %s --verbose >>%s 2>&1\n" % (
        " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in env.items()),
        shlex.quote(str(path.resolve())), shlex.quote(str(log))))
    script.chmod(0o755)
    (bus.servicedir / "io.github.callkitd.CallKit1.service").write_text(
        "[D-BUS Service]\nName=io.github.callkitd.CallKit1\nExec=%s\n" % script)
    reload_bus_config(bus)
    yield log
    owner = bus.get_name_owner(harness.BUS_NAME)
    if owner:
        pid = bus.get_connection_pid(owner)
        os.kill(pid, signal.SIGTERM)
        harness.wait_process_gone(pid, "the activated callkitd", timeout=20)
    text = log.read_text(errors="replace") if log.exists() else ""
    for problem in ("ERROR: AddressSanitizer", "LeakSanitizer", "runtime error:", "CRITICAL"):
        assert problem not in text, text


def test_status_starts_the_daemon_by_activation(bus, activatable, run_callctl):
    assert bus.get_name_owner(harness.BUS_NAME) is None
    out = run_callctl("status").stdout
    owner = bus.get_name_owner(harness.BUS_NAME)
    assert owner, "callctl status did not start callkitd"
    lines = out.splitlines()
    assert lines[0] == "      Daemon: callkitd %s (%s on the session bus)" % (
        harness.project_version(), owner)
    assert lines[1].startswith("Capabilities: ")
    assert lines[2:] == ["   Providers: 0", "       Calls: 0"]

    data = json.loads(run_callctl("status", "--json").stdout)
    assert data["version"] == harness.project_version()
    assert data["owner"] == owner
    assert data["providers"] == 0 and data["calls"]["ringing"] == 0


def test_every_command_starts_the_daemon(bus, activatable, run_callctl):
    # hostnamectl-style: a callkitd that is idle (not running) is no error.
    assert run_callctl("list", "--no-legend").stdout == ""
    assert bus.get_name_owner(harness.BUS_NAME)


def test_status_counts_calls_by_state(client, provider, run_callctl):
    incoming(provider, client)
    incoming(provider, client)
    provider.auto_fulfill = True
    run_callctl("answer", incoming(provider, client))
    out = run_callctl("status").stdout.splitlines()
    assert out[2:] == ["   Providers: 1", "       Calls: 3 (2 ringing, 1 active)"]


def test_monitor_waits_for_the_daemon(bus, start_daemon, make_client, background):
    # No daemon, nothing to start it: monitor stays and follows it.
    monitor = background("monitor")
    wait_until(lambda: "waiting for it" in monitor.stderr_so_far(),
               message="monitor to say it waits")
    assert monitor.running
    daemon = start_daemon()
    line = monitor.wait_for_line(lambda l: l.startswith("daemon-appeared "))
    assert line == "daemon-appeared " + daemon.unique_name
    provider = make_client("app").register_provider({"localized_name": "Late"})
    line = monitor.wait_for_line(lambda l: l.startswith("provider-added "))
    assert line.split()[1] == provider.path
    monitor.proc.send_signal(signal.SIGINT)
    assert monitor.wait_exit() == 0


def test_unreachable_bus_exits_4(bus, run_callctl, monkeypatch, tmp_path):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS",
                       "unix:path=%s" % (tmp_path / "no-such-socket"))
    result = run_callctl("list", check=False)
    assert_exit(result, 4, "callctl: cannot connect to the session bus")


# ---------------------------------------------------------------------------
# list, show, providers

def test_list_empty(client, run_callctl):
    assert run_callctl("list").stdout.endswith("\n0 calls listed.\n")
    assert run_callctl("list", "--no-legend").stdout == ""
    assert json.loads(run_callctl("list", "--json").stdout) == []


def test_list_is_the_default_command(client, provider, run_callctl):
    call = incoming(provider, client, remote_handle=("phone-number", "+4930123"))
    assert call in run_callctl().stdout


def test_list_human(client, provider, run_callctl):
    ringing = incoming(provider, client, remote_handle=("phone-number", "+4930123"),
                       localized_caller_name="Alice")
    unknown = incoming(provider, client)  # no remote handle at all
    empty = incoming(provider, client, remote_handle=("generic", ""))
    provider.auto_fulfill = True
    outgoing = run_callctl("start", provider.index, "bob@example.org").stdout.strip()

    out = run_callctl("list").stdout
    lines = out.splitlines()
    assert lines[0].split() == ["UUID", "STATE", "DIR", "HANDLE", "NAME", "PROVIDER"]
    assert lines[-1] == "4 calls listed."
    rows = {line.split()[0]: line.split() for line in lines[1:-2]}
    assert rows[ringing] == [ringing, "ringing", "in", "+4930123", "Alice", "Test", "Phone"]
    assert rows[unknown][:4] == [unknown, "ringing", "in", "Unknown"]
    assert rows[empty][:4] == [empty, "ringing", "in", "Unknown"]
    assert rows[outgoing][:4] == [outgoing, "dialing", "out", "bob@example.org"]
    # Sorted by UUID, so that the output is stable.
    assert list(rows) == sorted(rows)

    no_legend = run_callctl("list", "--no-legend").stdout.splitlines()
    assert len(no_legend) == 4 and all(line.split()[0] in rows for line in no_legend)


def test_list_json(client, provider, run_callctl):
    call = incoming(provider, client, remote_handle=("phone-number", "+4930123"),
                    localized_caller_name=TRICKY_NAME, has_video=True,
                    supports_dtmf=True)
    data = json.loads(run_callctl("list", "--json").stdout)
    assert isinstance(data, list) and len(data) == 1
    entry = data[0]
    assert set(entry) == CALL_JSON_KEYS
    assert entry["uuid"] == call
    assert entry["path"] == call_path(call)
    assert entry["state"] == "ringing"
    assert entry["is_outgoing"] is False
    assert entry["has_video"] is True
    assert entry["remote_handle"] == {"type": "phone-number", "value": "+4930123"}
    assert entry["localized_caller_name"] == TRICKY_NAME
    assert entry["provider"] == provider.path
    assert entry["provider_name"] == "Test Phone"
    assert entry["connected_at"] == 0


def test_human_output_does_not_pass_terminal_escapes(client, provider, run_callctl):
    call = incoming(provider, client, localized_caller_name=TRICKY_NAME,
                    remote_handle=("generic", "\x1b]0;title\x07"))
    for args in (["list"], ["show", call]):
        out = run_callctl(*args).stdout
        for unsafe in ("\x1b", "\x07", "\x01", "\x7f", "\u2028", "\u202e"):
            assert unsafe not in out
        assert "\\x1b" in out and "\\u202e" in out
        # Emoji (with a zero-width joiner) and accents pass.
        assert "Zoë" in out and "\U0001F468\u200d\U0001F469" in out
    # One line per call even when the name holds a newline.
    assert len(run_callctl("list", "--no-legend").stdout.splitlines()) == 1


def test_show_human(client, provider, run_callctl):
    call = incoming(provider, client, remote_handle=("phone-number", "+4930123"),
                    localized_caller_name="Alice", supports_holding=True)
    out = run_callctl("show", call).stdout
    fields = dict(line.strip().split(": ", 1) for line in out.splitlines())
    assert list(fields) == CALL_PROPERTIES
    assert fields["UUID"] == call
    assert fields["Provider"] == "%s (Test Phone)" % provider.path
    assert fields["RemoteHandle"] == "+4930123 (phone-number)"
    assert fields["LocalizedCallerName"] == "Alice"
    assert fields["State"] == "ringing"
    assert fields["IsOutgoing"] == "no"
    assert fields["SupportsHolding"] == "yes"
    assert fields["ConnectedAt"] == "n/a"
    assert fields["EndedReason"] == "n/a"

    # Unknown caller, and times once connected.
    provider.auto_fulfill = True
    unknown = incoming(provider, client)
    run_callctl("answer", unknown)
    fields = dict(line.strip().split(": ", 1)
                  for line in run_callctl("show", unknown).stdout.splitlines())
    assert fields["RemoteHandle"].startswith("Unknown")
    assert fields["ConnectedAt"].startswith("20")  # ISO 8601, local time


def test_show_json_matches_the_bus(client, provider, run_callctl):
    call = incoming(provider, client, remote_handle=("email-address", "a@b.c"),
                    localized_caller_name=TRICKY_NAME)
    provider.auto_fulfill = True
    run_callctl("answer", call)
    client.wait_for_call_property(call, "State", "active")
    data = json.loads(run_callctl("show", call, "--json").stdout)
    props = client.get_call_properties(call)
    assert set(data) == CALL_JSON_KEYS
    assert data["uuid"] == props["UUID"]
    assert data["remote_handle"] == {"type": "email-address", "value": "a@b.c"}
    assert data["localized_caller_name"] == TRICKY_NAME
    assert data["state"] == props["State"] == "active"
    assert data["has_connected"] is True
    assert data["connected_at"] == props["ConnectedAt"] > 0
    assert data["supports_dtmf"] == props["SupportsDTMF"]
    assert data["ended_reason"] == ""


def test_call_by_prefix_case_and_path(client, provider, run_callctl):
    call = "3f2a9c1e-8d4b-4c55-9a0e-1b7f2d6e4a10"
    other = "3f000000-0000-4000-8000-000000000001"
    provider.report_incoming(call)
    provider.report_incoming(other)
    client.wait_for_call(other)

    for arg in (call, call.upper(), "3f2", "3F2A9C", call_path(call)):
        data = json.loads(run_callctl("show", "--json", arg).stdout)
        assert data["uuid"] == call, arg

    result = run_callctl("show", "3f", check=False)
    assert_exit(result, 3, "ambiguous")
    assert call in result.stderr and other in result.stderr

    result = run_callctl("show", "", check=False)
    assert_exit(result, 2)


def test_unknown_call_exits_3(client, provider, run_callctl):
    incoming(provider, client)
    missing = new_uuid()
    for command in ("show", "answer", "end", "hold", "unhold", "mute", "unmute"):
        result = run_callctl(command, missing, check=False)
        assert_exit(result, 3, 'callctl: no live call matches "%s"' % missing)
    assert_exit(run_callctl("dtmf", missing, "1", check=False), 3)
    assert_exit(run_callctl("show", "ffffffff-", check=False), 3)


def test_providers(client, app, provider, make_client, run_callctl):
    other_app = make_client("other-app")
    other = other_app.register_provider({"localized_name": "Ünïcode \"Phone\""})
    incoming(provider, client)
    incoming(provider, client)

    lines = run_callctl("providers").stdout.splitlines()
    assert lines[0].split() == ["PATH", "NAME", "OWNER", "CALLS"]
    assert lines[-1] == "2 providers listed."
    assert lines[1].split() == [provider.path, "Test", "Phone", app.unique_name, "2"]
    assert lines[2].split() == [other.path, "Ünïcode", '"Phone"', other_app.unique_name, "0"]

    data = json.loads(run_callctl("providers", "--json").stdout)
    assert [p["path"] for p in data] == [provider.path, other.path]
    assert data[0]["number"] == provider.index
    assert data[0]["localized_name"] == "Test Phone"
    assert data[0]["owner"] == app.unique_name
    assert data[0]["calls"] == 2
    assert data[0]["configuration"]["localized_name"] == "Test Phone"
    assert data[0]["audio_session_active"] is False
    assert data[1]["localized_name"] == 'Ünïcode "Phone"'
    assert data[1]["calls"] == 0


# ---------------------------------------------------------------------------
# Call control

def test_answer_waits_for_the_provider(client, provider, background):
    call = incoming(provider, client)
    answer = background("answer", call[:8])
    action = provider.wait_for_action("answer-call", call=call)
    client.sync()
    assert answer.running  # not before the provider fulfilled
    provider.fulfill(action.id)
    assert answer.wait_exit() == 0, answer.stderr
    assert client.get_call_properties(call)["State"] == "active"


def test_end_declines_a_ringing_call(client, provider, run_callctl):
    provider.auto_fulfill = True
    call = incoming(provider, client)
    run_callctl("end", call)
    props = client.wait_for_call_property(call, "State", "ended")
    assert props["EndedReason"] == "declined"


def test_end_hangs_up_an_active_call(client, provider, run_callctl):
    provider.auto_fulfill = True
    call = incoming(provider, client)
    run_callctl("answer", call)
    run_callctl("end", call)
    props = client.wait_for_call_property(call, "State", "ended")
    assert props["EndedReason"] == "hung-up"
    provider.wait_for_action("end-call", call=call)


def test_hold_unhold_mute_unmute_dtmf(client, provider, run_callctl):
    provider.auto_fulfill = True
    call = incoming(provider, client, supports_holding=True, supports_dtmf=True)
    run_callctl("answer", call)

    run_callctl("hold", call)
    assert provider.wait_for_action("set-held", call=call).parameters["on_hold"] is True
    assert client.get_call_properties(call)["IsOnHold"] is True
    run_callctl("unhold", call)
    assert provider.wait_for_action("set-held", call=call).parameters["on_hold"] is False
    assert client.get_call_properties(call)["State"] == "active"

    run_callctl("mute", call)
    assert provider.wait_for_action("set-muted", call=call).parameters["muted"] is True
    assert client.get_call_properties(call)["IsMuted"] is True
    run_callctl("unmute", call)
    assert provider.wait_for_action("set-muted", call=call).parameters["muted"] is False
    assert client.get_call_properties(call)["IsMuted"] is False

    run_callctl("dtmf", call, "12*#A")
    action = provider.wait_for_action("play-dtmf", call=call)
    assert action.parameters["digits"] == "12*#A"


def test_daemon_error_exits_1_as_a_sentence(client, provider, run_callctl):
    call = incoming(provider, client, supports_holding=False)
    provider.auto_fulfill = True
    run_callctl("answer", call)
    # Answering an active call, holding a call that cannot be held.
    for args, sentence in (
            (["answer", call], "callctl: Could not answer call %s: call %s is active, not ringing.\n"
             % (call, call)),
            (["hold", call], "callctl: Could not hold call %s: call %s does not support holding.\n"
             % (call, call))):
        result = run_callctl(*args, check=False)
        assert_exit(result, 1)
        assert result.stderr == sentence
        # The D-Bus error name with --verbose only.
        result = run_callctl("--verbose", *args, check=False)
        assert_exit(result, 1)
        assert result.stderr == sentence.replace(
            ".\n", ". (%sInvalidAction)\n" % ERROR_PREFIX)


def test_bad_dtmf_digits_exit_1(client, provider, run_callctl):
    call = incoming(provider, client, supports_dtmf=True)
    provider.auto_fulfill = True
    run_callctl("answer", call)
    result = run_callctl("dtmf", call, "12x", check=False)
    assert_exit(result, 1, "callctl: Could not send DTMF to call %s: " % call)
    assert "action 0" not in result.stderr and ERROR_PREFIX not in result.stderr
    result = run_callctl("-v", "dtmf", call, "12x", check=False)
    assert_exit(result, 1, "(%sInvalidArgument)" % ERROR_PREFIX)


def test_action_failed_by_the_provider_exits_1(client, provider, run_callctl):
    call = incoming(provider, client)
    provider.auto_fail = "no microphone"
    result = run_callctl("answer", call, check=False)
    assert_exit(result, 1)
    assert result.stderr == (
        "callctl: Could not answer call %s: the provider failed answer-call on "
        "call %s: no microphone.\n" % (call, call))
    result = run_callctl("--verbose", "answer", check=False)
    assert_exit(result, 1, "no microphone. (%sActionFailed)" % ERROR_PREFIX)


# ---------------------------------------------------------------------------
# start

def test_start_by_number_name_and_path(client, provider, run_callctl):
    provider.auto_fulfill = True
    for selector in (str(provider.index), "Test Phone", "test phone", provider.path):
        out = run_callctl("start", selector, "+4930123").stdout
        call = out.strip()
        assert out == call + "\n" and uuid.UUID(call)
        action = provider.wait_for_action("start-call", call=call)
        assert action.parameters["handle"] == ("phone-number", "+4930123")
        assert action.parameters["video"] is False
        props = client.wait_for_call(call)
        assert props["IsOutgoing"] is True
        assert props["Provider"] == provider.path
        # One active call at a time in the session.
        run_callctl("end", call)
        client.wait_for_call_removed(call)


@pytest.mark.parametrize("handle,args,expected", [
    ("+49 (30) 123-45", [], "phone-number"),
    ("alice@example.org", [], "email-address"),
    ("sip-user", [], "generic"),
    ("", [], "generic"),
    ("12345", ["--handle-type=generic"], "generic"),
    ("alice", ["--handle-type=email-address"], "email-address"),
    ("555", ["--handle-type", "phone-number"], "phone-number"),
])
def test_start_handle_type(client, provider, run_callctl, handle, args, expected):
    provider.auto_fulfill = True
    call = run_callctl("start", *args, provider.index, handle).stdout.strip()
    action = provider.wait_for_action("start-call", call=call)
    assert action.parameters["handle"] == (expected, handle)


def test_start_video_and_json(client, app, run_callctl):
    provider = app.register_provider({"localized_name": "Video", "supports_video": True})
    provider.auto_fulfill = True
    data = json.loads(run_callctl("start", "--video", "--json", provider.index, "x").stdout)
    assert set(data) == {"uuid", "transaction"}
    action = provider.wait_for_action("start-call", call=data["uuid"])
    assert action.parameters["video"] is True
    assert action.parameters["transaction"] == data["transaction"]


def test_start_waits_for_the_provider(client, provider, background):
    start = background("start", provider.index, "+4930123")
    action = provider.wait_for_action("start-call")
    client.sync()
    assert start.running and start.lines == []
    provider.fulfill(action.id)
    assert start.wait_exit() == 0, start.stderr
    assert start.lines == [action.call]


def test_start_no_wait(client, provider, run_callctl):
    # Nobody answers the action, yet callctl returns at once.
    call = run_callctl("start", "--no-wait", provider.index, "+4930123").stdout.strip()
    assert provider.wait_for_action("start-call").call == call
    assert client.wait_for_call(call)["State"] == "dialing"


def test_start_failed_by_the_provider_exits_1(client, provider, run_callctl):
    provider.auto_fail = "no network"
    result = run_callctl("start", provider.index, "+4930123", check=False)
    assert_exit(result, 1, "callctl: Could not start a call to +4930123 through "
                "provider %s: the provider failed start-call on call " % provider.path)
    assert result.stderr.endswith(": no network.\n")
    assert result.stdout == ""


def test_start_timed_out_exits_1(client, app, run_callctl):
    slow = app.register_provider({"localized_name": "Slow", "action_timeout_ms": ("u", 200)})
    result = run_callctl("-v", "start", slow.index, "+4930123", check=False)
    assert_exit(result, 1, "the provider did not carry out start-call on call ")
    assert result.stderr.endswith(" in time. (%sActionTimedOut)\n" % ERROR_PREFIX)


def test_start_unknown_or_ambiguous_provider_exits_3(client, app, provider,
                                                     make_client, run_callctl):
    for selector in ("99", "/io/github/callkitd/CallKit1/provider/99", "Nobody"):
        result = run_callctl("start", selector, "+49", check=False)
        assert_exit(result, 3, "callctl: no provider matches")
    make_client("twin").register_provider({"localized_name": "Test Phone"})
    result = run_callctl("start", "Test Phone", "+49", check=False)
    assert_exit(result, 3, "ambiguous")
    # The number still picks one.
    provider.auto_fulfill = True
    run_callctl("start", provider.index, "+49")


# ---------------------------------------------------------------------------
# reset

def test_reset(client, provider, run_callctl):
    calls = [incoming(provider, client), incoming(provider, client)]
    run_callctl("reset", "Test Phone")
    assert provider.wait_for_signal("DidReset").args == ("requested",)
    for call in calls:
        assert client.wait_for_call_property(call, "State", "ended")["EndedReason"] == "failed"
    # The provider stays valid.
    assert run_callctl("providers", "--no-legend").stdout.split()[0] == provider.path


def test_reset_unknown_provider_exits_3(client, provider, run_callctl):
    assert_exit(run_callctl("reset", "7", check=False), 3, "no provider matches")


# ---------------------------------------------------------------------------
# monitor

def test_monitor_lines(client, make_client, background, run_callctl):
    monitor = background("monitor")
    other_app = make_client("other-app")
    provider = other_app.register_provider({"localized_name": "Mon Phone"})
    # Printed whether it came before monitor listened (then as part of the
    # initial state) or after.
    line = monitor.wait_for_line(lambda l: l.startswith("provider-added "))
    assert line.split()[1] == provider.path
    assert 'LocalizedName="Mon Phone"' in line
    assert "Owner=%s" % other_app.unique_name in line

    provider.auto_fulfill = True
    call = new_uuid()
    provider.report_incoming(call, remote_handle=("phone-number", "+4930123"),
                             localized_caller_name="Alice")
    line = monitor.wait_for_line(lambda l: l.startswith("call-added "))
    words = line.split()
    assert words[1] == call
    assert "State=ringing" in words and "IsOutgoing=no" in words
    assert "RemoteHandle=phone-number:+4930123" in words
    assert "LocalizedCallerName=Alice" in words
    assert "Provider=%s" % provider.path in words

    run_callctl("answer", call)
    line = monitor.wait_for_line(lambda l: l.startswith("call-changed "))
    words = line.split()
    assert words[1] == call and "State=active" in words and "HasConnected=yes" in words
    assert not any(w.startswith("UUID=") for w in words)  # only what changed

    run_callctl("mute", call)
    line = monitor.wait_for_line(lambda l: l.startswith("call-changed "))
    assert line.split()[2:] == ["IsMuted=yes"]

    provider.report_updated(call, localized_caller_name="Alice Smith")
    line = monitor.wait_for_line(lambda l: l.startswith("call-changed "))
    # The name is the provider's part of the identity too.
    assert line.split(" ", 2)[2] == (
        'LocalizedCallerName="Alice Smith" '
        'Identity="{\\"name\\":\\"Alice Smith\\",\\"sources\\":{\\"name\\":\\"provider\\"}}"')

    run_callctl("end", call)
    line = monitor.wait_for_line(lambda l: "State=ended" in l)
    assert line.startswith("call-changed %s " % call) and "EndedReason=hung-up" in line
    assert monitor.wait_for_line(lambda l: l.startswith("call-removed ")) == "call-removed " + call

    provider.invalidate()
    assert monitor.wait_for_line(lambda l: l.startswith("provider-removed ")) == \
        "provider-removed " + provider.path

    monitor.proc.send_signal(signal.SIGINT)
    assert monitor.wait_exit() == 0, monitor.stderr


def test_monitor_starts_with_the_current_state(client, provider, background):
    call = incoming(provider, client, remote_handle=("phone-number", "+4930123"))
    monitor = background("monitor")
    assert monitor.wait_for_line(lambda l: True).startswith(
        "provider-added %s " % provider.path)
    assert monitor.wait_for_line(lambda l: True).startswith("call-added %s " % call)


def test_monitor_json_lines(client, app, provider, background, run_callctl):
    monitor = background("monitor", "--json")
    event = json.loads(monitor.wait_for_line(lambda l: '"provider-added"' in l))
    assert event["event"] == "provider-added" and event["path"] == provider.path
    assert event["provider"]["localized_name"] == "Test Phone"
    assert event["provider"]["owner"] == app.unique_name

    provider.auto_fulfill = True
    call = new_uuid()
    provider.report_incoming(call, localized_caller_name=TRICKY_NAME)
    event = json.loads(monitor.wait_for_line(lambda l: '"call-added"' in l))
    assert event["uuid"] == call
    assert event["call"]["localized_caller_name"] == TRICKY_NAME
    assert event["call"]["state"] == "ringing"
    assert set(event["call"]) == CALL_JSON_KEYS

    run_callctl("answer", call)
    event = json.loads(monitor.wait_for_line(lambda l: '"call-changed"' in l))
    assert event["uuid"] == call and event["path"] == call_path(call)
    assert event["changed"]["state"] == "active"
    assert event["changed"]["has_connected"] is True
    assert event["changed"]["connected_at"] > 0
    assert event["invalidated"] == []

    provider.report_ended(call, "remote-ended")
    event = json.loads(monitor.wait_for_line(lambda l: '"ended"' in l))
    assert event["event"] == "call-changed"
    assert event["changed"]["ended_reason"] == "remote-ended"
    event = json.loads(monitor.wait_for_line(lambda l: '"call-removed"' in l))
    assert event == {"event": "call-removed", "uuid": call, "path": call_path(call)}

    provider.invalidate()
    event = json.loads(monitor.wait_for_line(lambda l: '"provider-removed"' in l))
    assert event == {"event": "provider-removed", "path": provider.path}

    monitor._read()
    for line in monitor.lines:
        json.loads(line)  # every line, not only those looked at

    monitor.proc.send_signal(signal.SIGTERM)
    assert monitor.wait_exit() == 0, monitor.stderr


def test_monitor_follows_a_daemon_restart(bus, start_daemon, make_client, background):
    first = start_daemon()
    app = make_client("app")
    provider = app.register_provider({"localized_name": "Before"})
    monitor = background("monitor", "--json")
    json.loads(monitor.wait_for_line(lambda l: '"provider-added"' in l))

    assert first.stop() == 0
    events = [json.loads(monitor.wait_for_line(lambda l: True)) for _ in range(2)]
    assert {"event": "daemon-vanished"} in events
    assert {"event": "provider-removed", "path": provider.path} in events

    second = start_daemon()
    event = json.loads(monitor.wait_for_line(lambda l: '"daemon-appeared"' in l))
    assert event["owner"] == second.unique_name
    after = make_client("app2").register_provider({"localized_name": "After"})
    event = json.loads(monitor.wait_for_line(lambda l: '"provider-added"' in l))
    assert event["path"] == after.path
    assert event["provider"]["localized_name"] == "After"
    assert monitor.running


def test_monitor_ends_when_its_reader_leaves(client, provider, callctl_path):
    # `callctl monitor | head -1`: once the reader is gone, the next event
    # ends monitor instead of leaving it running forever.
    monitor = Background(callctl_path, "monitor")
    try:
        monitor.wait_for_line(lambda l: l.startswith("provider-added "))
        monitor.proc.stdout.close()
        call = new_uuid()
        provider.report_incoming(call)
        wait_until(lambda: monitor.proc.poll() is not None, poll_interval=0.005,
                   message="monitor to exit after its reader left")
        assert monitor.proc.returncode != 0
    finally:
        if monitor.proc.poll() is None:
            monitor.proc.kill()
            monitor.proc.wait()
        monitor.proc.stderr.close()


# ---------------------------------------------------------------------------
# Commands without a call id, and "hold & answer" / "end & answer"

def test_commands_without_a_call_id_take_the_one_that_fits(client, provider, run_callctl):
    provider.auto_fulfill = True
    call = incoming(provider, client, supports_holding=True)
    run_callctl("answer")
    assert client.wait_for_call_property(call, "State", "active")
    run_callctl("mute")
    assert client.wait_for_call_property(call, "IsMuted", True)
    run_callctl("unmute")
    assert client.wait_for_call_property(call, "IsMuted", False)
    run_callctl("hold")
    assert client.wait_for_call_property(call, "State", "held")
    run_callctl("unhold")
    assert client.wait_for_call_property(call, "State", "active")
    run_callctl("end")
    assert client.wait_for_call_property(call, "State", "ended")["EndedReason"] == "hung-up"


def test_without_a_call_id_none_or_several_is_refused(client, provider, run_callctl):
    result = run_callctl("answer", check=False)
    assert_exit(result, 3)
    assert result.stderr == "callctl: There is no ringing incoming call to answer.\n"
    assert_exit(run_callctl("hold", check=False), 3, "There is no active call to hold.")

    first = incoming(provider, client)
    second = incoming(provider, client)
    result = run_callctl("answer", check=False)
    assert_exit(result, 3, "There are 2 calls to answer (")
    assert first in result.stderr and second in result.stderr
    assert "callctl answer " in result.stderr  # how to name one
    # One of them ringing is still one to end, but there are two.
    assert_exit(run_callctl("end", check=False), 3, "There are 2 calls to end")


def test_answer_holds_the_active_call(client, provider, run_callctl):
    """A plain answer next to an active call holds that call in the same
    transaction (callkitd does it, as a phone does)."""
    provider.auto_fulfill = True
    active = incoming(provider, client, supports_holding=True)
    run_callctl("answer", active)
    ringing = incoming(provider, client)
    run_callctl("answer", ringing)
    assert client.wait_for_call_property(ringing, "State", "active")
    assert client.get_call_properties(active)["State"] == "held"
    held = provider.wait_for_action("set-held", call=active)
    answer = provider.wait_for_action("answer-call", call=ringing)
    assert held.parameters["transaction"] == answer.parameters["transaction"]


def test_answer_next_to_an_unholdable_call(client, provider, run_callctl):
    """Where the active call cannot be held, the plain answer is refused
    and the message says what to do."""
    provider.auto_fulfill = True
    active = incoming(provider, client, supports_holding=False)
    run_callctl("answer", active)
    ringing = incoming(provider, client)
    result = run_callctl("answer", ringing, check=False)
    assert_exit(result, 1, "is active")
    assert "--end-active" in result.stderr
    run_callctl("answer", "--end-active", ringing)
    assert client.wait_for_call_property(ringing, "State", "active")


def test_answer_hold_active(client, provider, run_callctl):
    provider.auto_fulfill = True
    active = incoming(provider, client, supports_holding=True)
    run_callctl("answer", active)
    ringing = incoming(provider, client)
    run_callctl("answer", "--hold-active")
    assert client.wait_for_call_property(ringing, "State", "active")
    assert client.get_call_properties(active)["State"] == "held"
    held = provider.wait_for_action("set-held", call=active)
    assert held.parameters["on_hold"] is True
    # One transaction: the hold and the answer went out together.
    answer = provider.wait_for_action("answer-call", call=ringing)
    assert held.parameters["transaction"] == answer.parameters["transaction"]


def test_answer_end_active(client, provider, run_callctl):
    provider.auto_fulfill = True
    active = incoming(provider, client)
    run_callctl("answer", active)
    ringing = incoming(provider, client)
    run_callctl("answer", "--end-active", ringing[:8])
    assert client.wait_for_call_property(ringing, "State", "active")
    ended = provider.wait_for_action("end-call", call=active)
    answer = provider.wait_for_action("answer-call", call=ringing)
    assert ended.parameters["transaction"] == answer.parameters["transaction"]


# ---------------------------------------------------------------------------
# Output: JSON modes, show -p, tables, monitor timestamps

def test_json_modes(client, provider, run_callctl, callctl_path):
    call = incoming(provider, client, localized_caller_name="Alice")
    short = run_callctl("show", "--json=short", call).stdout
    assert short.count("\n") == 1 and json.loads(short)["uuid"] == call
    assert run_callctl("show", "--json", call).stdout == short
    pretty = run_callctl("show", "--json=pretty", call).stdout
    assert pretty.count("\n") > 10 and pretty.startswith("{\n  \"")
    assert json.loads(pretty) == json.loads(short)
    assert run_callctl("show", "--json=off", call).stdout == run_callctl("show", call).stdout
    # -j: pretty on a terminal, short otherwise (here: a file).
    assert run_callctl("show", "-j", call).stdout == short
    assert json.loads(run_callctl("list", "-j").stdout)[0]["uuid"] == call


def test_j_is_pretty_on_a_terminal(client, provider, callctl_path):
    import pty
    call = incoming(provider, client)
    out = []

    def read(fd):
        data = os.read(fd, 65536)
        out.append(data)
        return data

    status = pty.spawn([callctl_path, "show", "-j", call], read)
    text = b"".join(out).decode().replace("\r\n", "\n")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert text.startswith("{\n  \"") and json.loads(text)["uuid"] == call


def test_show_property_and_value(client, provider, run_callctl):
    call = incoming(provider, client, localized_caller_name="Alice",
                    remote_handle=("phone-number", "+4930123"))
    assert run_callctl("show", "-p", "State", call).stdout == "State: ringing\n"
    assert run_callctl("show", "-p", "State", "--value", call).stdout == "ringing\n"
    # Several, in the order asked, by D-Bus name or JSON key, any case.
    out = run_callctl("show", "--property=localized_caller_name,state",
                      "-p", "remotehandle", "--value", call).stdout
    assert out == "Alice\nringing\n+4930123 (phone-number)\n"
    data = json.loads(run_callctl("show", "-p", "State", "-p", "IsMuted", "--json", call).stdout)
    assert data == {"state": "ringing", "is_muted": False}
    result = run_callctl("show", "-p", "Colour", call, check=False)
    assert_exit(result, 3, 'A call has no property "Colour"')


def display_width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else
               0 if unicodedata.category(c) in ("Mn", "Cf") else 1 for c in text)


def test_tables_measure_display_width(client, provider, run_callctl):
    names = ["山田太郎", "Bob", "\U0001F4DE Zoë"]
    calls = [incoming(provider, client, localized_caller_name=n) for n in names]
    lines = run_callctl("list").stdout.splitlines()
    rows = [line for line in lines if line.split(" ")[0] in calls]
    assert len(rows) == 3
    # The PROVIDER column starts at the same place on screen in every row.
    starts = {display_width(row[:row.index("Test Phone")]) for row in rows}
    header = lines[0]
    assert starts == {display_width(header[:header.index("PROVIDER")])}, lines


def test_monitor_timestamps(client, provider, background):
    before = time_now_usec()
    monitor = background("monitor")
    line = monitor.wait_for_line(lambda l: l.startswith("provider-added "))
    raw = monitor.raw_lines[monitor.lines.index(line)]
    assert TIMESTAMP.match(raw), raw
    monitor_json = background("monitor", "--json")
    monitor_json.wait_for_line(lambda l: '"provider-added"' in l)
    stamp = json.loads(monitor_json.raw_lines[0])["timestamp"]
    assert before <= stamp <= time_now_usec()


def time_now_usec():
    import time
    return time.time_ns() // 1000


# ---------------------------------------------------------------------------
# bash completion

COMPLETION = harness.SOURCE_ROOT / "clients" / "callctl" / "callctl.bash"


def complete(words, env=None):
    """What bash completes for the command line ``words`` (the last word is
    the one being completed)."""
    script = ('source %s\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\n'
              'COMP_LINE="${COMP_WORDS[*]}"\nCOMP_POINT=${#COMP_LINE}\n'
              '_callctl callctl "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"\n'
              'printf "%%s\\n" "${COMPREPLY[@]}"\n'
              % (COMPLETION, " ".join("'%s'" % w for w in words), len(words) - 1))
    out = subprocess.run(["bash", "--norc", "-c", script], capture_output=True,
                         text=True, env=env, check=True)
    return sorted(filter(None, out.stdout.splitlines()))


def test_bash_completion(client, provider, callctl_path):
    call = incoming(provider, client)
    env = dict(os.environ, PATH="%s:%s" % (os.path.dirname(callctl_path), os.environ["PATH"]))
    assert complete(["callctl", "an"], env) == ["answer"]
    assert "status" in complete(["callctl", ""], env)
    assert complete(["callctl", "answer", ""], env) == [call]
    assert complete(["callctl", "--verbose", "show", call[:4]], env) == [call]
    assert complete(["callctl", "reset", ""], env) == [str(provider.index)]
    assert complete(["callctl", "--hold"], env) == ["--hold-active"]
    assert complete(["callctl", "--handle-type", "e"], env) == ["email-address"]
    assert complete(["callctl", "show", "-p", "IsM"], env) == ["IsMuted"]
