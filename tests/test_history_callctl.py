# SPDX-License-Identifier: LGPL-2.1-or-later
"""callctl history, history clear/seen/delete and call-back: what they
print (table and --json), what they change, their exit codes and usage
errors. callctl's history commands are clients of libcallkit's CkHistory,
so this is also libcallkit's history API at work."""

import json

import pytest
from gi.repository import GLib

from history_harness import answered, entry_of, get_entries, missed, missed_count
from test_callctl import NOT_RUNNING, assert_exit

PHONE = {"localized_name": "Phone", "desktop_entry": "org.example.Phone"}
ALICE = ("phone-number", "+4930123")


@pytest.fixture
def phone(app):
    return app.register_provider(PHONE)


@pytest.fixture
def scene(phone, client):
    """An answered call of Bob, a missed call of Alice, a missed call of an
    unknown caller (newest)."""
    bob = answered(phone, client, remote_handle=("phone-number", "+1555"),
                   localized_caller_name="Bob")
    alice = missed(phone, client, remote_handle=ALICE, localized_caller_name="Alice")
    unknown = missed(phone, client)
    return {name: entry_of(client, uuid)
            for name, uuid in (("bob", bob), ("alice", alice), ("unknown", unknown))}


def test_history_table(scene, run_callctl):
    lines = run_callctl("history").stdout.splitlines()
    assert lines[0].split() == ["ID", "ENDED", "KIND", "CALLER", "APP", "DURATION", "REASON"]
    rows = lines[1:4]
    assert [row.split()[0] for row in rows] == [
        scene[name]["id"] for name in ("unknown", "alice", "bob")]
    assert "missed (new)" in rows[0] and "Unknown" in rows[0]
    assert "Alice <+4930123>" in rows[1] and "remote-ended" in rows[1]
    assert "incoming" in rows[2] and "Bob <+1555>" in rows[2] and "hung-up" in rows[2]
    assert "Phone" in rows[2] and "0:00" in rows[2]
    assert lines[4:] == ["", "3 entries, 2 missed calls not seen"]

    no_legend = run_callctl("history", "--no-legend").stdout.splitlines()
    assert [line.split() for line in no_legend] == [row.split() for row in rows]


def test_history_json(scene, client, run_callctl):
    data = json.loads(run_callctl("history", "--json").stdout)
    assert [e["id"] for e in data] == [scene[n]["id"] for n in ("unknown", "alice", "bob")]
    alice = data[1]
    want = dict(scene["alice"])
    want["remote_handle"] = {"type": "phone-number", "value": "+4930123"}
    assert alice == want
    assert data[0]["remote_handle"] == {"type": "generic", "value": ""}
    assert json.loads(run_callctl("history", "--json", "--missed").stdout) == data[:2]


def test_history_since(phone, client, run_callctl):
    hour = 3600 * 1_000_000
    now = GLib.get_real_time()
    old = missed(phone, client, ended_at=now - 3 * hour, remote_handle=ALICE)
    recent = missed(phone, client, ended_at=now - 1000, remote_handle=ALICE)

    def calls(since):
        return [e["call"] for e in json.loads(
            run_callctl("history", "--json", "--since", since).stdout)]

    assert calls("2h") == [recent]
    assert calls("4h") == [recent, old]
    assert calls("1w") == [recent, old]
    assert calls("2000-01-01") == [recent, old]
    assert calls("2999-01-01T08:00") == []
    assert calls("2999-01-01 08:00:30") == []
    assert recent in calls("today") or recent in calls("yesterday")


def test_history_seen_delete_clear(scene, client, run_callctl):
    run_callctl("history", "seen", scene["alice"]["id"])
    assert entry_of(client, scene["alice"]["call"])["seen"] is True
    assert missed_count(client) == 1
    run_callctl("history", "seen")
    assert missed_count(client) == 0

    run_callctl("history", "delete", scene["bob"]["id"], "999999")
    assert {e["id"] for e in get_entries(client)} == {
        scene["alice"]["id"], scene["unknown"]["id"]}
    run_callctl("history", "clear", "--missed")
    assert get_entries(client) == []


def test_history_clear_all(scene, client, run_callctl):
    run_callctl("history", "clear")
    assert get_entries(client) == []
    assert run_callctl("history").stdout.splitlines()[-1] == "0 entries, 0 missed calls not seen"


def test_call_back(scene, phone, client, run_callctl):
    out = run_callctl("call-back", scene["alice"]["id"]).stdout
    start = phone.wait_for_action("start-call")
    assert out == start.parameters["transaction"] + "\n"
    assert tuple(start.parameters["handle"]) == ALICE
    assert entry_of(client, scene["alice"]["call"])["seen"] is True


def test_call_back_errors(scene, run_callctl):
    result = run_callctl("call-back", "999999", check=False)
    assert_exit(result, 3, "callctl: Could not call back entry 999999: there is no history "
                           "entry 999999.")
    result = run_callctl("--verbose", "call-back", scene["unknown"]["id"], check=False)
    assert_exit(result, 1, "unknown caller")
    assert "(io.github.callkitd.CallKit1.Error.InvalidAction)" in result.stderr
    result = run_callctl("--verbose", "history", "seen", "abc", check=False)
    assert_exit(result, 1, "Could not mark the missed calls seen: 'abc' is not a history "
                           "entry id. (io.github.callkitd.CallKit1.Error.InvalidArgument)")
    # For scripts: the error as JSON.
    result = run_callctl("--json", "history", "delete", "x", check=False)
    assert json.loads(result.stderr) == {
        "error": "io.github.callkitd.CallKit1.Error.InvalidArgument",
        "message": "Could not delete the entries: 'x' is not a history entry id."}


def test_terminal_escapes_are_not_printed(phone, client, run_callctl):
    missed(phone, client, localized_caller_name="Eve\x1b]0;pwned\x07",
           remote_handle=("generic", "\u202eevil"))
    out = run_callctl("history").stdout
    for unsafe in ("\x1b", "\x07", "\u202e"):
        assert unsafe not in out
    assert "Eve\\x1b]0;pwned\\x07" in out


@pytest.mark.parametrize("args", [
    ["history", "bogus"],
    ["history", "delete"],
    ["history", "clear", "extra"],
    ["history", "seen", "--missed"],
    ["history", "--since", "soon"],
    ["history", "--since", "25:99"],
    ["list", "--missed"],
    ["call-back"],
    ["call-back", "1", "--since", "2h"],
    ["call-back", "--json", "1"],
])
def test_usage_errors(bus, run_callctl, args):
    result = run_callctl(*args, check=False)
    assert_exit(result, 2, "callctl: ")
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["history"], ["history", "clear"], ["call-back", "1"]])
def test_daemon_not_running(bus, run_callctl, args):
    result = run_callctl(*args, check=False)
    assert_exit(result, 4, NOT_RUNNING)


def test_help_lists_the_history_commands(bus, run_callctl):
    out = run_callctl("--help").stdout
    for text in ("  history [SUBCOMMAND] ", "  call-back ID ", "--missed", "--since"):
        assert text in out
