# SPDX-License-Identifier: LGPL-2.1-or-later
"""callctl push: the registrations (push list) and a push for an app
(push send), as `xcrun simctl push` is for iOS apps; --json for both."""

import json

import pytest

from harness import new_uuid
from push_harness import APP_ID, registration
from test_push import callkitd, push_app, push_conf  # noqa: F401 - fixtures


def test_push_list(run_callctl, client, push_app):
    out = run_callctl("push", "list").stdout
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["APP", "ID", "TOKEN"]
    assert lines[1].split()[:3] == [APP_ID, push_app.token, "yes"]
    assert lines[-1] == "1 app registered for pushes."
    assert run_callctl("push", "list", "--no-legend").stdout.splitlines() == [lines[1]]
    listed = json.loads(run_callctl("--json", "push", "list").stdout)
    assert listed == [json.loads(json.dumps(registration(client)))]
    assert listed[0]["token"] == push_app.token
    assert listed[0]["outcomes"]["delivered"] == 0


def test_push_send(run_callctl, push_app):
    uuid = new_uuid()
    out = run_callctl("push", "send", push_app.token, "--call", uuid, "--caller", "+4930123",
                      "--caller-name", "Ada", "--push-id", "from-callctl", "--expires-in", "60",
                      "--payload", '{"kind": "incoming"}')
    assert out.stdout == "delivered\n"
    push = push_app.wait_push()
    assert push.payload == b'{"kind": "incoming"}'
    meta = push.metadata
    assert (meta["call_uuid"], meta["push_id"], meta["localized_caller_name"]) == (
        uuid, "from-callctl", "Ada")
    assert meta["remote_handle"] == ("phone-number", "+4930123")
    assert meta["must_report"] is True and meta["expires_at"] > meta["received_at"]
    # Again: a duplicate, said as JSON too.
    again = run_callctl("push", "send", push_app.token, "--push-id", "from-callctl", "--json")
    assert json.loads(again.stdout) == {"token": push_app.token, "outcome": "duplicate"}


@pytest.mark.parametrize("args,outcome,reason", [
    (["--sent-ago", "90", "--caller", "bob"], "delivered", "stale"),
    (["--sent-at", "2001-09-09T01:46:40Z"], "delivered", "stale"),
    (["--expires-in", "-1"], "expired", None),
])
def test_push_send_old_pushes(run_callctl, push_app, args, outcome, reason):
    assert run_callctl("push", "send", push_app.token, *args).stdout == outcome + "\n"
    if reason:
        assert push_app.wait_push().metadata["reason"] == reason
    push_app.assert_no_signal()


def test_push_errors(run_callctl, push_app):
    unknown = run_callctl("push", "send", "0" * 32, check=False)
    assert unknown.returncode == 3
    assert "UnknownPushToken" in unknown.stderr
    for args, message in [
        (["push"], "missing argument"),
        (["push", "send"], "missing TOKEN"),
        (["push", "list", "--caller", "x"], "go with send"),
        (["push", "send", push_app.token, "--sent-at", "yesterday"], "--sent-at"),
        (["push", "send", push_app.token, "--sent-ago", "5", "--sent-at", "1"], "say the same"),
        (["push", "fly"], "unknown command"),
        (["push", "send", push_app.token, "--colour", "red"], "Unknown option --colour"),
    ]:
        out = run_callctl(*args, check=False)
        assert out.returncode == 2, (args, out)
        assert message in out.stderr, (args, out.stderr)
    push_app.assert_no_signal()


def test_push_help_and_summary(callkitd, run_callctl):
    assert "send TOKEN" in run_callctl("push", "--help").stdout
    assert "push list|send TOKEN" in run_callctl("--help").stdout
