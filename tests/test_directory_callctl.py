# SPDX-License-Identifier: LGPL-2.1-or-later
"""callctl block, unblock, blocked and lookup: the user's own call
directory list from the command line (through libcallkit's
CkCallDirectory), what it prints and its JSON, and that a blocked number
no longer rings."""

import json

from directory_harness import list_of, lookup, replace
from harness import new_uuid, raises_dbus_error

SPAM = "org.example.Spam"


def test_block_unblock_blocked(client, provider, run_callctl):
    run_callctl("block", "+49 30 111111", "+1 555 010 9999")
    assert list_of(client, "", "blocking")["count"] == 2
    # In the order of the numbers' values.
    assert run_callctl("blocked").stdout.split() == ["+4930111111", "+15550109999"]
    assert json.loads(run_callctl("blocked", "--json").stdout) == [
        "+4930111111", "+15550109999"]
    with raises_dbus_error("FilteredByBlockList"):
        provider.report_incoming(new_uuid(), remote_handle=("phone-number", "+4930111111"))
    run_callctl("unblock", "+4930111111", "+4930999999")
    assert run_callctl("blocked").stdout.split() == ["+15550109999"]
    assert lookup(client, "+4930111111")["blocked"] is False
    ringing = new_uuid()
    provider.report_incoming(ringing, remote_handle=("phone-number", "+4930111111"))
    client.wait_for_call_property(ringing, "State", "ringing")


def test_block_refuses_what_is_not_a_number(client, run_callctl):
    done = run_callctl("block", "+4930111111", "call me maybe", check=False)
    assert done.returncode == 1
    assert "numbers[1]: “call me maybe” is not a phone number" in done.stderr
    assert list_of(client, "", "blocking") is None


def test_lookup(client, run_callctl):
    replace(client, "blocking", "+4930111111\n", app_id=SPAM)
    replace(client, "identification", "+4930111111\tTelemarketer\n", app_id=SPAM)
    run_callctl("block", "+4930111111")
    out = run_callctl("lookup", "+49 30 111111").stdout
    assert "Number: +4930111111" in out
    assert "Blocked: yes (by you, %s)" % SPAM in out
    assert "Label: Telemarketer (from %s)" % SPAM in out
    data = json.loads(run_callctl("lookup", "--json", "+4930111111").stdout)
    assert data == {"number": "+4930111111", "blocked": True, "blocked_by": ["", SPAM],
                    "label": "Telemarketer", "label_app": SPAM}
    out = run_callctl("lookup", "+4930222222").stdout
    assert "Blocked: no" in out and "Label" not in out
