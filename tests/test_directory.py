# SPDX-License-Identifier: LGPL-2.1-or-later
"""The CallDirectory: replacing lists from a file or a pipe (any order,
duplicates, comments, every way of writing a number), the incremental
methods, Lookup, Lists, blocking of incoming calls (FilteredByBlockList,
the history, the counter), the user's own list, and the files (kept
across restarts, corrupt ones reported and not used). The sandbox rules
are in test_directory_sandbox.py, bad input and crashes in
test_directory_robustness.py."""

import os
import socket
import tempfile

import pytest

from directory_harness import (
    add_blocking, add_identification, list_of, list_path, lists, lookup, read_list_file,
    remove_all, remove_blocking, remove_identification, replace, replace_fd)
from harness import MANAGER_IFACE, ROOT_PATH, new_uuid, raises_dbus_error
from history_harness import entry_of

SPAM = "org.example.Spam"
OTHER = "org.example.Other"

MIXED = """# a list as people have it
+49 30 1234567
+1 (555) 010-9999

+44.20.7946.0958
0049301234567
+49-30-1234567
# the same number as the first, written three more ways
+49 (0)30 1234567
   +33 1 23 45 67 89
"""


def test_replace_reads_every_format(client, bus):
    count = replace(client, "blocking", MIXED, app_id=SPAM, default_region="DE")
    # 0049… with region DE and +49 (0)30 … are the first number again.
    assert count == 4
    for number in ["+49301234567", "+15550109999", "+442079460958", "+33123456789"]:
        result = lookup(client, number)
        assert result["blocked"] is True, number
        assert result["blocked_by"] == [SPAM]
        assert result["number"] == number
    assert lookup(client, "+49301234568")["blocked"] is False
    entry = list_of(client, SPAM, "blocking")
    assert entry["count"] == 4 and entry["state"] == "ok"
    assert entry["generation"] == 1 and entry["updated_at"] > 0
    header, entries = read_list_file(list_path(bus, SPAM, "blocking"))
    assert header["count"] == 4
    assert sorted(entries) == sorted(["+49301234567", "+15550109999", "+442079460958",
                                      "+33123456789"])


def test_replace_from_a_file(client, tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("+4930111111\n+4930222222\n")
    with open(path, "rb") as f:
        assert replace_fd(client, "blocking", f.fileno(), app_id=SPAM) == 2
    assert lookup(client, "+49 30 222222")["blocked"] is True


def test_national_numbers_need_a_region(client):
    with raises_dbus_error("InvalidArgument", match="line 2"):
        replace(client, "blocking", "+4930111111\n030 1234567\n", app_id=SPAM)
    assert replace(client, "blocking", "030 1234567\n", app_id=SPAM,
                   default_region="DE") == 1
    assert lookup(client, "+49301234567")["blocked"] is True
    with raises_dbus_error("InvalidArgument", match="default_region"):
        replace(client, "blocking", "030 1234567\n", app_id=SPAM, default_region="XX")


def test_bad_entry_names_its_line_and_keeps_the_old_list(client):
    replace(client, "blocking", "+4930111111\n", app_id=SPAM)
    with raises_dbus_error("InvalidArgument", match=r"line 3: “\+49 abc”"):
        replace(client, "blocking", "+4930222222\n# fine\n+49 abc\n+4930333333\n", app_id=SPAM)
    assert lookup(client, "+4930111111")["blocked"] is True
    assert lookup(client, "+4930222222")["blocked"] is False
    assert list_of(client, SPAM, "blocking")["generation"] == 1


def test_identification_lists_label_numbers(client):
    text = "+4930111111\tSpam\n+4930222222\tPizza Express\n+4930111111\tTelemarketer\n"
    assert replace(client, "identification", text, app_id=SPAM) == 2
    result = lookup(client, "+4930111111")
    # The last line of a number wins.
    assert result["label"] == "Telemarketer" and result["label_app"] == SPAM
    assert result["blocked"] is False and result["blocked_by"] == []
    with raises_dbus_error("InvalidArgument", match="line 1.*no tab"):
        replace(client, "identification", "+4930111111 Spam\n", app_id=SPAM)


def test_label_precedence_user_first_then_app_ids(client):
    replace(client, "identification", "+4930111111\tFrom Spam\n", app_id=SPAM)
    replace(client, "identification", "+4930111111\tFrom Other\n", app_id=OTHER)
    assert lookup(client, "+4930111111")["label"] == "From Other"
    assert lookup(client, "+4930111111")["label_app"] == OTHER
    add_identification(client, [("+4930111111", "My dentist")])
    result = lookup(client, "+4930111111")
    assert result["label"] == "My dentist" and result["label_app"] == ""


def test_incremental_changes(client, bus):
    replace(client, "blocking", "+4930111111\n+4930222222\n", app_id=SPAM)
    add_blocking(client, ["+4930333333", "+49 30 111111"], app_id=SPAM)
    remove_blocking(client, ["+4930222222", "+4930999999"], app_id=SPAM)
    entry = list_of(client, SPAM, "blocking")
    assert entry["count"] == 2 and entry["generation"] == 3
    _, entries = read_list_file(list_path(bus, SPAM, "blocking"))
    assert sorted(entries) == ["+4930111111", "+4930333333"]
    with raises_dbus_error("InvalidArgument", match=r"numbers\[1\]"):
        add_blocking(client, ["+4930444444", "nonsense"], app_id=SPAM)
    assert lookup(client, "+4930444444")["blocked"] is False

    add_identification(client, [("+4930111111", "Spam"), ("+4930555555", "Ham")], app_id=SPAM)
    remove_identification(client, ["+4930555555"], app_id=SPAM)
    assert lookup(client, "+4930111111")["label"] == "Spam"
    assert lookup(client, "+4930555555")["label"] == ""
    with raises_dbus_error("InvalidArgument", match=r"entries\[0\]"):
        add_identification(client, [("+4930111111", "")], app_id=SPAM)

    remove_all(client, "blocking", app_id=SPAM)
    assert lookup(client, "+4930111111")["blocked"] is False
    assert lookup(client, "+4930111111")["label"] == "Spam"
    assert list_of(client, SPAM, "blocking")["count"] == 0
    with raises_dbus_error("InvalidArgument", match="kind"):
        remove_all(client, "everything", app_id=SPAM)


def test_the_users_own_list(client, bus):
    add_blocking(client, ["+4930111111"])
    assert lookup(client, "+4930111111")["blocked_by"] == [""]
    assert list_of(client, "", "blocking")["count"] == 1
    assert list_path(bus, "", "blocking").exists()
    replace(client, "blocking", "+4930111111\n", app_id=SPAM)
    assert lookup(client, "+4930111111")["blocked_by"] == ["", SPAM]


def test_lookup_of_other_handles(client):
    replace(client, "blocking", "+4930111111\n", app_id=SPAM)
    assert lookup(client, "+4930111111", "generic")["blocked"] is True
    result = lookup(client, "someone@example.org", "email-address")
    assert result == {"blocked": False, "blocked_by": [], "label": "", "label_app": "",
                      "number": ""}
    with raises_dbus_error("InvalidArgument", match="handle type"):
        lookup(client, "+4930111111", "pigeon")


def test_blocked_incoming_call_never_rings(client, provider):
    replace(client, "blocking", "+4930111111\n", app_id=SPAM)
    add_blocking(client, ["+4930222222"])
    blocked = new_uuid()
    with raises_dbus_error("FilteredByBlockList"):
        provider.report_incoming(blocked, remote_handle=("phone-number", "+49 30 111111"))
    with raises_dbus_error("FilteredByBlockList"):
        provider.report_incoming(new_uuid(), remote_handle=("phone-number", "+4930222222"))
    client.sync()
    assert not client.known_call_properties(blocked)
    assert entry_of(client, blocked)["filtered"] == "block-list"
    assert list_of(client, SPAM, "blocking")["blocked_calls"] == 1
    assert list_of(client, "", "blocking")["blocked_calls"] == 1
    # Not on a list, and unknown callers: they ring.
    ringing = new_uuid()
    provider.report_incoming(ringing, remote_handle=("phone-number", "+4930333333"))
    client.wait_for_call_property(ringing, "State", "ringing")
    unknown = new_uuid()
    provider.report_incoming(unknown)
    client.wait_for_call_property(unknown, "State", "ringing")


def test_lists_survive_a_restart(start_daemon, make_client):
    daemon = start_daemon()
    client = make_client()
    replace(client, "blocking", "+4930111111\n", app_id=SPAM)
    replace(client, "identification", "+4930222222\tPizza\n", app_id=SPAM)
    add_blocking(client, ["+4930333333"])
    before = lists(client)
    client.close()
    daemon.stop()
    start_daemon()
    client = make_client()
    assert lists(client) == [dict(x, blocked_calls=0) for x in before]
    assert lookup(client, "+4930111111")["blocked"] is True
    assert lookup(client, "+4930222222")["label"] == "Pizza"
    assert lookup(client, "+4930333333")["blocked_by"] == [""]


@pytest.mark.parametrize("damage", ["truncated", "flipped", "foreign", "empty", "other-kind"])
def test_corrupt_files_at_start(start_daemon, make_client, bus, damage):
    daemon = start_daemon()
    client = make_client()
    replace(client, "blocking", "+4930111111\n+4930222222\n", app_id=SPAM)
    replace(client, "blocking", "+4930333333\n", app_id=OTHER)
    client.close()
    daemon.stop()
    path = list_path(bus, SPAM, "blocking")
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[:-5]
    elif damage == "flipped":
        data[-3] ^= 0x10
    elif damage == "foreign":
        data = bytearray(b"SQLite format 3\0" + bytes(100))
    elif damage == "empty":
        data = bytearray()
    else:
        data[12] = 1  # says identification
    path.write_bytes(bytes(data))
    daemon = start_daemon()
    client = make_client()
    entry = list_of(client, SPAM, "blocking")
    assert entry["state"] == "corrupt" and entry["count"] == 0
    assert lookup(client, "+4930111111")["blocked"] is False
    # The other lists are used.
    assert list_of(client, OTHER, "blocking")["state"] == "ok"
    assert lookup(client, "+4930333333")["blocked"] is True
    assert "the blocking list of %s is corrupt" % SPAM in daemon.log_text()
    # The next replace writes a sound list.
    replace(client, "blocking", "+4930444444\n", app_id=SPAM)
    assert list_of(client, SPAM, "blocking")["state"] == "ok"
    assert lookup(client, "+4930444444")["blocked"] is True


def test_a_socket_is_refused(client):
    replace(client, "blocking", "+4930111111\n", app_id=SPAM)
    a, b = socket.socketpair()
    with a, b:
        b.sendall(b"+4930222222\n")
        b.shutdown(socket.SHUT_WR)
        with raises_dbus_error("InvalidArgument", match="socket"):
            replace_fd(client, "blocking", a.fileno(), app_id=SPAM)
    assert lookup(client, "+4930111111")["blocked"] is True


def test_leftover_temporary_files_are_removed(start_daemon, make_client, bus):
    daemon = start_daemon()
    client = make_client()
    replace(client, "blocking", "+4930111111\n", app_id=SPAM)
    client.close()
    daemon.stop()
    leftover = list_path(bus, SPAM, "blocking").with_name(SPAM + ".blocking.AbC123")
    leftover.write_bytes(b"half a list")
    orphan = list_path(bus, OTHER, "identification").with_name(OTHER + ".identification.XyZ789")
    orphan.write_bytes(b"the first list of an app, killed")
    start_daemon()
    client = make_client()
    client.sync()
    assert not leftover.exists() and not orphan.exists()
    assert lookup(client, "+4930111111")["blocked"] is True
    assert list_of(client, OTHER, "identification") is None


def test_blocked_caller_stays_blocked_while_do_not_disturb_is_on(client, provider):
    """The block list is asked before do not disturb: a blocked caller is
    kept as blocked, not as a missed call."""
    add_blocking(client, ["+4930444444"])
    client.set_property(ROOT_PATH, MANAGER_IFACE, "DoNotDisturb", ("b", True))
    blocked = new_uuid()
    with raises_dbus_error("FilteredByBlockList"):
        provider.report_incoming(blocked, remote_handle=("phone-number", "+4930444444"))
    quiet = new_uuid()
    with raises_dbus_error("FilteredByDoNotDisturb"):
        provider.report_incoming(quiet, remote_handle=("phone-number", "+4930555555"))
    client.sync()
    assert entry_of(client, blocked)["filtered"] == "block-list"
    assert entry_of(client, blocked)["missed"] is False
    assert entry_of(client, quiet)["filtered"] == "do-not-disturb"
