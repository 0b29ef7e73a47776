# SPDX-License-Identifier: LGPL-2.1-or-later
"""What callkitd serves is what dbus-interfaces/*.xml says, member by
member: every method with its arguments (names, types, directions), every
signal, every property (type, access) and every annotation, at each kind
of object path. The XML is the single source of the API and its docs; the
daemon's vtables are written by hand, so this test keeps the two from
drifting apart in either direction."""

import xml.etree.ElementTree as ET

import pytest

from harness import (
    CALL_IFACE, CONTROLLER_IFACE, DIRECTORY_IFACE, HISTORY_IFACE, IDENTIFICATION_SERVICE_IFACE,
    MANAGER_IFACE, OBJECT_MANAGER_IFACE, PROVIDER_IFACE, PROVIDER_PATH_PREFIX, PUSH_IFACE,
    ROOT_PATH, SOURCE_ROOT, call_path)
from test_flows_support import ring

INTERFACES_DIR = SOURCE_ROOT / "dbus-interfaces"
STANDARD = {"org.freedesktop.DBus.Peer", "org.freedesktop.DBus.Introspectable",
            "org.freedesktop.DBus.Properties", OBJECT_MANAGER_IFACE}
# Interfaces apps implement and callkitd calls.
IMPLEMENTED_BY_CLIENTS = {IDENTIFICATION_SERVICE_IFACE}


def annotations(element):
    return sorted((a.get("name"), a.get("value")) for a in element.findall("annotation"))


def describe(interface, default_signal_direction="out"):
    """A comparable description of an <interface> element: members by
    kind and name, arguments in order."""
    def args(member, default_direction):
        return [(a.get("name"), a.get("type"), a.get("direction", default_direction),
                 annotations(a)) for a in member.findall("arg")]

    return {
        "annotations": annotations(interface),
        "methods": {m.get("name"): (args(m, "in"), annotations(m))
                    for m in interface.findall("method")},
        "signals": {s.get("name"): (args(s, default_signal_direction), annotations(s))
                    for s in interface.findall("signal")},
        "properties": {p.get("name"): (p.get("type"), p.get("access"), annotations(p))
                       for p in interface.findall("property")},
    }


def documented(name):
    root = ET.parse(INTERFACES_DIR / (name + ".xml")).getroot()
    interfaces = root.findall("interface")
    assert [i.get("name") for i in interfaces] == [name]
    return describe(interfaces[0])


def served(client, path):
    """{interface name: description} of what callkitd introspects at
    ``path``."""
    xml = client.call(path, "org.freedesktop.DBus.Introspectable", "Introspect")
    root = ET.fromstring(xml)
    return {i.get("name"): describe(i) for i in root.findall("interface")}


def assert_same(name, got, want):
    for kind in ("methods", "signals", "properties"):
        missing = sorted(set(want[kind]) - set(got[kind]))
        extra = sorted(set(got[kind]) - set(want[kind]))
        assert not missing, "%s: the XML's %s %s are not served" % (name, kind, missing)
        assert not extra, "%s: %s %s are served but not in the XML" % (name, kind, extra)
        for member in want[kind]:
            assert got[kind][member] == want[kind][member], (
                "%s.%s differs:\n served: %r\n XML:    %r"
                % (name, member, got[kind][member], want[kind][member]))
    assert got["annotations"] == want["annotations"], name


def test_every_interface_file_is_served(client, provider):
    """Each XML file is served at some path, and nothing else of ours."""
    uuid = ring(provider)
    ours = set()
    for path in (ROOT_PATH, provider.path, call_path(uuid)):
        ours |= {name for name in served(client, path) if name not in STANDARD}
    files = {f.name[:-len(".xml")] for f in INTERFACES_DIR.glob("*.xml")}
    assert ours == files - IMPLEMENTED_BY_CLIENTS


@pytest.mark.parametrize("where,interfaces", [
    ("root", [MANAGER_IFACE, CONTROLLER_IFACE, HISTORY_IFACE, PUSH_IFACE,
              DIRECTORY_IFACE]),
    ("provider", [PROVIDER_IFACE]),
    ("call", [CALL_IFACE]),
])
def test_served_matches_the_xml(client, provider, where, interfaces):
    path = {"root": ROOT_PATH, "provider": provider.path,
            "call": call_path(ring(provider))}[where]
    got = served(client, path)
    assert sorted(set(got) - STANDARD) == sorted(interfaces)
    if where == "root":
        assert OBJECT_MANAGER_IFACE in got
    for name in interfaces:
        assert_same(name, got[name], documented(name))


def test_ended_and_removed_objects_introspect_the_same(client, provider):
    """A call that ended and a provider that left keep answering with
    their interface (and named errors), not a bare UnknownObject."""
    uuid = ring(provider)
    provider.report_ended(uuid, "remote-ended")
    got = served(client, call_path(uuid))
    assert_same(CALL_IFACE, got[CALL_IFACE], documented(CALL_IFACE))
    got = served(client, PROVIDER_PATH_PREFIX + "999")
    assert_same(PROVIDER_IFACE, got[PROVIDER_IFACE], documented(PROVIDER_IFACE))


def test_a_difference_is_caught():
    """The comparison itself fails on a changed argument, a missing
    annotation and an extra member (so that a broken comparison cannot
    pass silently)."""
    want = documented(CALL_IFACE)
    changed = documented(CALL_IFACE)
    changed["methods"]["SetHeld"] = ([("on_hold", "s", "in", [])], [])
    with pytest.raises(AssertionError, match="SetHeld"):
        assert_same(CALL_IFACE, changed, want)
    changed = documented(CALL_IFACE)
    changed["properties"]["UUID"] = ("s", "read", [])
    with pytest.raises(AssertionError, match="UUID"):
        assert_same(CALL_IFACE, changed, want)
    changed = documented(CALL_IFACE)
    changed["signals"]["Extra"] = ([], [])
    with pytest.raises(AssertionError, match="Extra"):
        assert_same(CALL_IFACE, changed, want)
