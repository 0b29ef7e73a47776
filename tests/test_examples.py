# SPDX-License-Identifier: LGPL-2.1-or-later
"""The examples in clients/examples run, so they cannot rot:
minimal-provider.py against a real callkitd, and every shell recipe in
clients/examples/recipes/ (one per method of every interface in
dbus-interfaces/, each with busctl and gdbus) with its result checked. A
method without a recipe, or a recipe without a check here, fails."""

import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

import harness
from harness import (DIRECTORY_IFACE, HISTORY_IFACE, PUSH_IFACE, ROOT_PATH, SOURCE_ROOT, new_uuid,
                     raises_dbus_error, run_process, vardict, wait_until)
from identification_harness import LookupService
from push_harness import PushApp

from gi.repository import GLib

EXAMPLES = SOURCE_ROOT / "clients" / "examples"
RECIPES = EXAMPLES / "recipes"
PYTHON = "/usr/bin/python3"


def api_methods():
    """Interface.Method for every method in dbus-interfaces/*.xml."""
    names = []
    for path in sorted((SOURCE_ROOT / "dbus-interfaces").glob("*.xml")):
        for iface in ET.parse(path).getroot().iter("interface"):
            short = iface.get("name").rsplit(".", 1)[1]
            names += ["%s.%s" % (short, m.get("name")) for m in iface.iter("method")]
    return names


# ---------------------------------------------------------------------------
# minimal-provider.py

class LineReader:
    """A child's stdout, line by line, while the main context runs."""

    def __init__(self, argv, log_path):
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=self._log, stdin=subprocess.DEVNULL,
                                     preexec_fn=harness.die_with_test)
        self.lines = []
        self._buffer = b""
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._watch = GLib.unix_fd_add_full(
            GLib.PRIORITY_DEFAULT, self.proc.stdout.fileno(),
            GLib.IOCondition.IN | GLib.IOCondition.HUP, self._on_output)

    def _on_output(self, fd, condition):
        data = os.read(fd, 65536)
        if not data:
            self._watch = None
            return GLib.SOURCE_REMOVE
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        self.lines += [line.decode().split(" ") for line in lines]
        return GLib.SOURCE_CONTINUE

    def expect(self, *words):
        __tracebackhide__ = True
        return wait_until(
            lambda: next((l for l in self.lines if l[:len(words)] == list(words)), None),
            message=lambda: "%r (got %r)" % (words, self.lines))

    def wait_exit(self):
        wait_until(lambda: self.proc.poll() is not None, poll_interval=0.01,
                   message="the example to exit")
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._watch is not None:
            GLib.source_remove(self._watch)
        self.proc.stdout.close()
        self._log.close()


@pytest.fixture
def minimal_provider(callkitd, tmp_path):
    reader = LineReader([PYTHON, str(EXAMPLES / "minimal-provider.py"),
                         "--caller", "+15551234567", "--caller-name", "Ada"],
                        tmp_path / "minimal-provider.log")
    yield reader
    reader.close()


def test_minimal_provider_answer_and_end(minimal_provider, client):
    uuid = minimal_provider.expect("incoming")[1]
    props = client.wait_for_call_property(uuid, "State", "ringing")
    assert props["RemoteHandle"] == ("phone-number", "+15551234567")
    assert props["LocalizedCallerName"] == "Ada"
    client.call_method(uuid, "Answer")
    minimal_provider.expect("answered", uuid)
    client.wait_for_call_property(uuid, "State", "active")
    client.call_method(uuid, "End")
    minimal_provider.expect("ended", uuid, "hung-up")
    assert minimal_provider.wait_exit() == 0
    assert client.known_call_properties(uuid)["EndedReason"] == "hung-up"


def test_minimal_provider_refuses_hold(minimal_provider, client):
    uuid = minimal_provider.expect("incoming")[1]
    client.wait_for_call_property(uuid, "State", "ringing")
    client.call_method(uuid, "Answer")
    with raises_dbus_error("ActionFailed", match="not supported"):
        client.call_method(uuid, "SetHeld", ("(b)", (True,)))
    minimal_provider.expect("refused", "set-held", uuid)
    assert client.get_call_properties(uuid)["State"] == "active"


def test_minimal_provider_declined(minimal_provider, client):
    uuid = minimal_provider.expect("incoming")[1]
    client.wait_for_call_property(uuid, "State", "ringing")
    client.call_method(uuid, "End")
    minimal_provider.expect("ended", uuid, "declined")
    assert minimal_provider.wait_exit() == 0


# ---------------------------------------------------------------------------
# Recipes

TOOLS = ["busctl", "gdbus"]


def test_every_method_has_a_recipe():
    methods = api_methods()
    assert "Call.Answer" in methods and "Manager.RegisterProvider" in methods
    missing = [m for m in methods if not (RECIPES / (m + ".sh")).exists()]
    assert not missing, "methods without a recipe in %s: %s" % (RECIPES, missing)
    for m in methods:
        text = (RECIPES / (m + ".sh")).read_text()
        # busctl cannot pass file descriptors: a method that takes one
        # says so and has gdbus make the call for both.
        assert ("busctl --user call" in text
                or "busctl cannot pass a file descriptor" in text), m
        assert "gdbus call --session" in text, m
    unchecked = [m for m in methods if m not in CHECKS]
    assert not unchecked, "recipes that no test runs: %s" % unchecked
    stray = sorted(p.stem for p in RECIPES.glob("*.sh"))
    assert sorted(methods) == stray, "recipes for methods that do not exist"


def run_recipe(name, tool, **variables):
    env = dict(os.environ)
    env.update({k: str(v) for k, v in variables.items()})
    return run_process(["sh", str(RECIPES / (name + ".sh")), tool], env=env)


def ok(result):
    __tracebackhide__ = True
    assert result.returncode == 0, "recipe failed:\n%s%s" % (result.stdout, result.stderr)
    return result.stdout


def unentitled(result):
    """Owner-only methods from a shell: the arguments pass D-Bus's signature
    check and reach callkitd, which refuses the non-owner by name."""
    __tracebackhide__ = True
    assert result.returncode != 0, result.stdout
    # gdbus prints the error's name, busctl only its message.
    assert ("io.github.callkitd.CallKit1.Error.Unentitled" in result.stderr
            or "only the connection that registered" in result.stderr), result.stderr
    assert "InvalidArgs" not in result.stderr, result.stderr


def ringing(provider, client):
    uuid = new_uuid()
    provider.report_incoming(uuid, remote_handle=("phone-number", "+4930123"))
    client.wait_for_call_property(uuid, "State", "ringing")
    return uuid


def active(provider, client):
    uuid = ringing(provider, client)
    client.call_method(uuid, "Answer")
    client.wait_for_call_property(uuid, "State", "active")
    return uuid


def check_register(tool, provider, client):
    out = ok(run_recipe("Manager.RegisterProvider", tool, NAME="Shell Phone"))
    assert "/io/github/callkitd/CallKit1/provider/" in out


def check_transaction(tool, provider, client):
    uuid = active(provider, client)
    out = ok(run_recipe("CallController.RequestTransaction", tool, CALL=uuid))
    assert out.strip()
    client.wait_for_call_property(uuid, "State", "held")


def check_answer(tool, provider, client):
    uuid = ringing(provider, client)
    ok(run_recipe("Call.Answer", tool, CALL=uuid))
    client.wait_for_call_property(uuid, "State", "active")


def check_end(tool, provider, client):
    uuid = active(provider, client)
    ok(run_recipe("Call.End", tool, CALL=uuid))
    props = client.wait_for_call_property(uuid, "State", "ended")
    assert props["EndedReason"] == "hung-up"


def check_set_held(tool, provider, client):
    uuid = active(provider, client)
    ok(run_recipe("Call.SetHeld", tool, CALL=uuid, HELD="true"))
    client.wait_for_call_property(uuid, "State", "held")
    ok(run_recipe("Call.SetHeld", tool, CALL=uuid, HELD="false"))
    client.wait_for_call_property(uuid, "State", "active")


def check_set_muted(tool, provider, client):
    uuid = active(provider, client)
    ok(run_recipe("Call.SetMuted", tool, CALL=uuid, MUTED="true"))
    client.wait_for_call_property(uuid, "IsMuted", True)


def check_dtmf(tool, provider, client):
    uuid = active(provider, client)
    ok(run_recipe("Call.PlayDTMF", tool, CALL=uuid, DIGITS="12#"))
    action = provider.wait_for_action("play-dtmf", call=uuid)
    assert action.parameters["digits"] == "12#"


def check_reset(tool, provider, client):
    uuid = ringing(provider, client)
    ok(run_recipe("Provider.Reset", tool, PROVIDER=provider.path))
    provider.wait_for_signal("DidReset", lambda s: s.args[0] == "requested")
    props = client.wait_for_call_property(uuid, "State", "ended")
    assert props["EndedReason"] == "failed"


def check_silence(tool, provider, client):
    uuid = ringing(provider, client)
    out = ok(run_recipe("Manager.SilenceRinging", tool))
    # busctl prints "u 1", gdbus "(uint32 1,)".
    assert out.split() in (["u", "1"], ["(uint32", "1,)"]), out
    assert client.get_call_properties(uuid)["State"] == "ringing"


def missed(provider, client, number="+4930123"):
    """A call that rang and was missed; returns its history entry."""
    uuid = new_uuid()
    provider.report_incoming(uuid, remote_handle=("phone-number", number))
    client.wait_for_call_property(uuid, "State", "ringing")
    provider.report_ended(uuid, "remote-ended")
    client.wait_for_call_removed(uuid)
    return history(client, call=uuid)[0]


def history(client, **match):
    """The entries of GetEntries (all of them) that have the values of
    ``match``."""
    entries = client.call(ROOT_PATH, HISTORY_IFACE, "GetEntries",
                          GLib.Variant.new_tuple(vardict()))
    return [e for e in entries if all(e[k] == v for k, v in match.items())]


def check_get_entries(tool, provider, client):
    entry = missed(provider, client)
    out = ok(run_recipe("History.GetEntries", tool))
    assert "'%s'" % entry["id"] in out or '"%s"' % entry["id"] in out, out
    assert entry["call"] in out


def check_mark_seen(tool, provider, client):
    first, second = missed(provider, client), missed(provider, client)
    ok(run_recipe("History.MarkSeen", tool, ENTRY=first["id"]))
    assert history(client, id=first["id"])[0]["seen"] is True
    assert history(client, id=second["id"])[0]["seen"] is False
    ok(run_recipe("History.MarkSeen", tool))
    assert history(client, id=second["id"])[0]["seen"] is True


def check_delete_entries(tool, provider, client):
    entry = missed(provider, client)
    ok(run_recipe("History.DeleteEntries", tool, ENTRY=entry["id"]))
    assert history(client, id=entry["id"]) == []


def check_clear(tool, provider, client):
    gone, kept = missed(provider, client, "+111"), missed(provider, client, "+222")
    ok(run_recipe("History.Clear", tool, HANDLE="+111"))
    assert history(client, id=gone["id"]) == []
    assert history(client, id=kept["id"]) != []


def check_call_back(tool, provider, client):
    entry = missed(provider, client)
    out = ok(run_recipe("History.CallBack", tool, ENTRY=entry["id"]))
    start = provider.wait_for_action("start-call")
    assert tuple(start.parameters["handle"]) == ("phone-number", "+4930123")
    assert start.parameters["transaction"] in out, out


def owner_only(name, **variables):
    def check(tool, provider, client):
        uuid = ringing(provider, client)
        values = {"PROVIDER": provider.path, "CALL": uuid,
                  "HANDLE": "+15551234567", "CALLER_NAME": "Ada Lovelace",
                  "REASON": "remote-ended", "ACTION": "1"}
        values.update(variables)
        unentitled(run_recipe(name, tool, **values))
        # Refused whole: the call is as it was.
        props = client.get_call_properties(uuid)
        assert props["State"] == "ringing"
        assert props["LocalizedCallerName"] == ""
    return check


def push_app(client, app_id="org.example.ShellApp"):
    app = PushApp(client, app_id)
    app.register()
    return app


def check_push_register(tool, provider, client):
    out = ok(run_recipe("PushRegistry.Register", tool, APP_ID="org.example.ShellApp"))
    token = client.get_property(ROOT_PATH, PUSH_IFACE, "Registrations")[0]["token"]
    # busctl prints 's "TOKEN"', gdbus "('TOKEN',)".
    assert token in out


def check_push_unregister(tool, provider, client):
    app = push_app(client)
    ok(run_recipe("PushRegistry.Unregister", tool, TOKEN=app.token))
    assert client.get_property(ROOT_PATH, PUSH_IFACE, "Registrations") == []


def check_push_set_foreground(tool, provider, client):
    app = push_app(client)
    ok(run_recipe("PushRegistry.SetForeground", tool, TOKEN=app.token, FOREGROUND="true"))
    assert client.get_property(ROOT_PATH, PUSH_IFACE, "Registrations")[0]["foreground"]


def check_push_deliver(tool, provider, client):
    app = push_app(client)
    uuid = new_uuid()
    out = ok(run_recipe("PushRegistry.DeliverPush", tool, TOKEN=app.token, CALL=uuid,
                        HANDLE="+15551234567"))
    assert "delivered" in out
    push = app.wait_push()
    assert push.payload == b"{}"
    assert push.metadata["call_uuid"] == uuid
    assert push.metadata["remote_handle"] == ("phone-number", "+15551234567")


def directory_lookup(client, number):
    return client.call(ROOT_PATH, DIRECTORY_IFACE, "Lookup",
                       GLib.Variant("(ss)", ("phone-number", number)))


def check_directory_replace(kind):
    def check(tool, provider, client, tmp_path):
        path = tmp_path / "list.txt"
        if kind == "blocking":
            path.write_text("# spam\n+1 555 010 9999\n030 1234567\n")
        else:
            path.write_text("+15550109999\tSpam\n")
        method = "Replace%sEntries" % kind.capitalize()
        out = ok(run_recipe("CallDirectory." + method, tool, APP_ID="org.example.Spam",
                            LIST=path))
        count = 2 if kind == "blocking" else 1
        # busctl prints "u 2", gdbus "(uint32 2,)".
        assert ("u %d" % count) in out or ("uint32 %d" % count) in out, out
        result = directory_lookup(client, "+15550109999")
        if kind == "blocking":
            assert result["blocked_by"] == ["org.example.Spam"]
            assert directory_lookup(client, "+49301234567")["blocked"] is True
        else:
            assert result["label"] == "Spam"
    return check


def check_directory_blocking(tool, provider, client, tmp_path):
    ok(run_recipe("CallDirectory.AddBlockingEntries", tool, NUMBER="+4930123456"))
    assert directory_lookup(client, "+4930123456")["blocked_by"] == [""]
    out = ok(run_recipe("CallDirectory.GetEntries", tool))
    assert "+4930123456" in out
    ok(run_recipe("CallDirectory.RemoveBlockingEntries", tool, NUMBER="+4930123456"))
    assert directory_lookup(client, "+4930123456")["blocked"] is False


def check_directory_identification(tool, provider, client, tmp_path):
    ok(run_recipe("CallDirectory.AddIdentificationEntries", tool, NUMBER="+4930123456",
                  LABEL="My dentist"))
    assert directory_lookup(client, "+4930123456")["label"] == "My dentist"
    ok(run_recipe("CallDirectory.RemoveIdentificationEntries", tool, NUMBER="+4930123456"))
    assert directory_lookup(client, "+4930123456")["label"] == ""


def check_directory_remove_all(tool, provider, client, tmp_path):
    client.call(ROOT_PATH, DIRECTORY_IFACE, "AddBlockingEntries", GLib.Variant.new_tuple(
        GLib.Variant("as", ["+4930123456"]), vardict(app_id="org.example.Spam")))
    ok(run_recipe("CallDirectory.RemoveAllEntries", tool, APP_ID="org.example.Spam"))
    assert directory_lookup(client, "+4930123456")["blocked"] is False


def check_directory_lookup(tool, provider, client, tmp_path):
    client.call(ROOT_PATH, DIRECTORY_IFACE, "AddBlockingEntries", GLib.Variant.new_tuple(
        GLib.Variant("as", ["+4930123456"]), vardict()))
    out = ok(run_recipe("CallDirectory.Lookup", tool, NUMBER="+49 30 123456"))
    assert "+4930123456" in out and "true" in out


def with_tmp_path(check):
    """The directory checks want a scratch directory of their own."""
    def run(tool, provider, client):
        import tempfile
        from pathlib import Path
        with tempfile.TemporaryDirectory() as d:
            check(tool, provider, client, Path(d))
    return run


def check_register_identification(tool, provider, client):
    ok(run_recipe("CallDirectory.RegisterIdentificationService", tool,
                  APP_ID="org.example.ShellLookup"))
    # The shell's connection, and with it the service, is gone.
    wait_until(lambda: client.call(ROOT_PATH, DIRECTORY_IFACE,
                                   "GetIdentificationStats")["services"] == [],
               message="the shell's service gone with its connection")


def check_unregister_identification(tool, provider, client):
    result = run_recipe("CallDirectory.UnregisterIdentificationService", tool)
    assert result.returncode != 0, result.stdout
    assert "no identification service" in result.stderr, result.stderr


def check_identification_stats(tool, provider, client):
    out = ok(run_recipe("CallDirectory.GetIdentificationStats", tool))
    assert "lookups" in out and "skipped" in out


def check_lookup(tool, provider, client):
    service = LookupService(client, "org.example.Lookup",
                            {"+15551234567": {"name": "Ada Lovelace"}})
    out = ok(run_recipe("IdentificationService.Lookup", tool, SERVICE=client.unique_name,
                        HANDLE="+15551234567"))
    assert "Ada Lovelace" in out
    assert service.lookups() == [("phone-number", "+15551234567", {"provider_name": "Shell"})]


CHECKS = {
    "CallDirectory.ReplaceBlockingEntries": with_tmp_path(check_directory_replace("blocking")),
    "CallDirectory.ReplaceIdentificationEntries":
        with_tmp_path(check_directory_replace("identification")),
    "CallDirectory.AddBlockingEntries": with_tmp_path(check_directory_blocking),
    "CallDirectory.RemoveBlockingEntries": with_tmp_path(check_directory_blocking),
    "CallDirectory.GetEntries": with_tmp_path(check_directory_blocking),
    "CallDirectory.AddIdentificationEntries": with_tmp_path(check_directory_identification),
    "CallDirectory.RemoveIdentificationEntries": with_tmp_path(check_directory_identification),
    "CallDirectory.RemoveAllEntries": with_tmp_path(check_directory_remove_all),
    "CallDirectory.Lookup": with_tmp_path(check_directory_lookup),
    "CallDirectory.RegisterIdentificationService": check_register_identification,
    "CallDirectory.UnregisterIdentificationService": check_unregister_identification,
    "CallDirectory.GetIdentificationStats": check_identification_stats,
    "IdentificationService.Lookup": check_lookup,
    "PushRegistry.Register": check_push_register,
    "PushRegistry.Unregister": check_push_unregister,
    "PushRegistry.SetForeground": check_push_set_foreground,
    "PushRegistry.DeliverPush": check_push_deliver,
    "Manager.RegisterProvider": check_register,
    "CallController.RequestTransaction": check_transaction,
    "Call.Answer": check_answer,
    "Call.End": check_end,
    "Call.SetHeld": check_set_held,
    "Call.SetMuted": check_set_muted,
    "Call.PlayDTMF": check_dtmf,
    "Provider.Reset": check_reset,
    "Manager.SilenceRinging": check_silence,
    "Provider.ReportNewIncomingCall": owner_only("Provider.ReportNewIncomingCall",
                                                 CALL="5b2ec2a5-6d5e-4bcd-9e55-55a4c24c8b4c"),
    "Provider.ReportCallUpdated": owner_only("Provider.ReportCallUpdated"),
    "Provider.ReportCallEnded": owner_only("Provider.ReportCallEnded"),
    "Provider.ReportOutgoingCallStartedConnecting":
        owner_only("Provider.ReportOutgoingCallStartedConnecting"),
    "Provider.ReportOutgoingCallConnected": owner_only("Provider.ReportOutgoingCallConnected"),
    "Provider.FulfillAction": owner_only("Provider.FulfillAction"),
    "Provider.FailAction": owner_only("Provider.FailAction"),
    "Provider.Invalidate": owner_only("Provider.Invalidate"),
    "History.GetEntries": check_get_entries,
    "History.MarkSeen": check_mark_seen,
    "History.DeleteEntries": check_delete_entries,
    "History.Clear": check_clear,
    "History.CallBack": check_call_back,
}


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("method", api_methods())
def test_recipe(method, tool, provider, client):
    if method not in CHECKS:
        pytest.fail("no check for the recipe of %s: add one to CHECKS" % method)
    provider.auto_fulfill = True
    CHECKS[method](tool, provider, client)
