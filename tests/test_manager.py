# SPDX-License-Identifier: LGPL-2.1-or-later
"""Manager: the daemon starts, owns its name, registers providers and stops
cleanly. The smoke test of the harness with the real daemon."""

import re
import signal
import subprocess

import pytest

from harness import (
    BUS_NAME, MANAGER_IFACE, OBJECT_MANAGER_IFACE, PROVIDER_IFACE,
    PROVIDER_PATH_PREFIX, ROOT_PATH, SOURCE_ROOT, project_version,
    raises_dbus_error)


def test_daemon_owns_the_bus_name(bus, callkitd):
    owner = bus.get_name_owner(BUS_NAME)
    assert owner == callkitd.unique_name
    assert bus.get_connection_pid(owner) == callkitd.pid


def test_version(client):
    assert client.manager_property("Version") == project_version()


def test_version_option(callkitd):
    out = subprocess.run([str(callkitd.path), "--version"], capture_output=True,
                         text=True, timeout=30, check=False)
    assert out.returncode == 0
    assert project_version() in out.stdout


def test_root_interfaces(client):
    xml = client.call(ROOT_PATH, "org.freedesktop.DBus.Introspectable",
                      "Introspect")
    for iface in (MANAGER_IFACE, BUS_NAME + ".CallController",
                  OBJECT_MANAGER_IFACE):
        assert '<interface name="%s">' % iface in xml


def test_register_provider(client):
    provider = client.register_provider({"localized_name": "Demo"},
                                        wait_for_begin=False)
    assert provider.path.startswith(PROVIDER_PATH_PREFIX)
    assert re.fullmatch(r"\d+", provider.path[len(PROVIDER_PATH_PREFIX):])
    provider.wait_for_signal("DidBegin")
    provider.assert_no_signal("DidBegin")

    props = provider.properties()
    assert props["Owner"] == client.unique_name
    assert props["Configuration"]["localized_name"] == "Demo"
    assert PROVIDER_IFACE in client.managed_objects()[provider.path]


def test_register_provider_rejects_unknown_keys(client):
    with raises_dbus_error("InvalidArgument", match="no_such_key"):
        client.register_provider({"no_such_key": True})
    assert not any(path.startswith(PROVIDER_PATH_PREFIX)
                   for path in client.managed_objects())


def test_limits_match_the_man_page(client):
    """ckd-limits.h, Manager.Limits and callkitd(8) must agree."""
    text = (SOURCE_ROOT / "doc" / "callkitd.rst").read_text()
    documented = {key: int(value) for key, value in
                  re.findall(r"^\*\*([a-z_]+)\*\* \((\d+)\)$", text, re.M)}
    assert documented, "no limits table in doc/callkitd.rst"
    assert client.manager_property("Limits") == documented


@pytest.mark.callkitd_args("--ringing-timeout=7", "--incoming-report-rate=0")
def test_limits_follow_options(client):
    limits = client.manager_property("Limits")
    assert limits["ringing_timeout_ms"] == 7000
    assert limits["incoming_reports_per_second"] == 0


def test_sigterm_exits_0(bus, callkitd):
    assert callkitd.stop(signal.SIGTERM) == 0
    assert bus.get_name_owner(BUS_NAME) is None
    assert not callkitd.log_problems()

