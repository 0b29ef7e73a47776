# SPDX-License-Identifier: LGPL-2.1-or-later
"""libpipewire-module-callkit in a headless PipeWire server."""

import json

from pipewire_harness import wait_for

METADATA = "callkit"


def entry(server, subject, key):
    for e in server.metadata(METADATA) or []:
        if e.get("subject") == subject and e.get("key") == key:
            return e
    return None


def test_module_creates_callkit_metadata(pipewire):
    policy = wait_for(lambda: entry(pipewire, 0, "callkit.policy"),
                      "the module's policy entry")
    assert policy["type"] == "Spa:String:JSON"
    value = policy["value"]
    if isinstance(value, str):
        value = json.loads(value)
    assert value["session"] is False
    assert value["mode"] == "duck"
