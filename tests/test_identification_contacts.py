# SPDX-License-Identifier: LGPL-2.1-or-later
"""The user's contacts as a source of caller identification, with a real
Evolution Data Server (evolution-source-registry and
evolution-addressbook-factory, D-Bus activated on the private bus) and a
contact written into its system address book through libebook."""

import os
import subprocess
import sys

import pytest

from harness import (MANAGER_IFACE, ROOT_PATH, call_path, new_uuid, raises_dbus_error, ring,
                     scaled, wait_until)
from identification_harness import LookupService, stats, write_identification_conf

SOURCE_REGISTRY = "/usr/libexec/evolution-source-registry"
ADDRESSBOOK_FACTORY = "/usr/libexec/evolution-addressbook-factory"
EDS_ENV = {"GSETTINGS_BACKEND": "memory"}
CALL_IFACE = "io.github.callkitd.CallKit1.Call"

pytestmark = pytest.mark.skipif(
    not (os.path.exists(SOURCE_REGISTRY) and os.path.exists(ADDRESSBOOK_FACTORY)),
    reason="Evolution Data Server is not installed (package evolution-data-server)")


# Written in a process of its own: libebook talks to EDS over GDBus's
# session bus of the process, which outlives a test's private bus.
ADD_CONTACT = """
import gi, sys
gi.require_version("EDataServer", "1.2")
gi.require_version("EBook", "1.2")
gi.require_version("EBookContacts", "1.2")
from gi.repository import EBook, EBookContacts, EDataServer
registry = EDataServer.SourceRegistry.new_sync(None)
book = EBook.BookClient.connect_sync(registry.ref_builtin_address_book(), 1, None)
book.add_contact_sync(EBookContacts.Contact.new_from_vcard(sys.argv[1]), 0, None)
"""
ADA = ("BEGIN:VCARD\nVERSION:3.0\nFN:Ada Lovelace\nTEL;TYPE=CELL:+44 20 7946 0018\n"
       "EMAIL:ada@example.org\nEND:VCARD")


@pytest.fixture
def address_book(bus):
    """The system address book of a private EDS, with Ada in it."""
    bus.add_service("org.gnome.evolution.dataserver.Sources5", [SOURCE_REGISTRY], EDS_ENV)
    bus.add_service("org.gnome.evolution.dataserver.AddressBook10", [ADDRESSBOOK_FACTORY],
                    EDS_ENV)
    env = dict(os.environ)
    env.update(bus.env)
    env.update(EDS_ENV)
    subprocess.run([sys.executable, "-c", ADD_CONTACT, ADA], env=env, check=True,
                   timeout=scaled(60))


@pytest.fixture
def callkitd(bus, address_book, start_daemon):
    write_identification_conf(bus, deadline_ms=5000)
    daemon = start_daemon(env=EDS_ENV)
    return daemon


@pytest.fixture
def contacts_read(callkitd, client):
    wait_until(lambda: stats(client)["contacts"] >= 1,
               message="callkitd read Ada from the address book")


@pytest.fixture
def service(callkitd, make_client):
    return LookupService(make_client("service"), "org.example.Lookup", {
        "+442079460018": {"name": "Not Ada"}, "+15551230001": {"name": "Pizza Place"},
    }).register()


def identity(client, uuid):
    return client.get_property(call_path(uuid), CALL_IFACE, "Identity")


def test_a_contact_is_named_and_never_sent_to_services(client, provider, service,
                                                       contacts_read):
    # Written without spaces, unlike the address book: numbers match as numbers.
    uuid = ring(provider, client, remote_handle=("phone-number", "+442079460018"))
    assert identity(client, uuid) == {"name": "Ada Lovelace",
                                      "sources": {"name": "contacts"}}
    ring(provider, client, remote_handle=("phone-number", "+15551230001"))
    service.wait_for_lookup()
    assert [handle for _, handle, _ in service.lookups()] == ["+15551230001"]
    assert stats(client)["skipped"] == 1


def test_an_address_is_matched_too(client, provider, contacts_read):
    uuid = ring(provider, client, remote_handle=("email-address", "Ada@Example.org"))
    assert identity(client, uuid)["name"] == "Ada Lovelace"


def test_the_provider_wins_over_the_contacts(client, provider, contacts_read):
    uuid = ring(provider, client, remote_handle=("phone-number", "+442079460018"),
                localized_caller_name="Countess")
    assert identity(client, uuid) == {"name": "Countess", "sources": {"name": "provider"}}


def test_do_not_disturb_lets_contacts_ring(client, provider, contacts_read):
    """[DoNotDisturb] allow-contacts (on by default): the user's contacts
    ring through do not disturb; other callers are kept from the user."""
    client.set_property(ROOT_PATH, MANAGER_IFACE, "DoNotDisturb", ("b", True))
    uuid = ring(provider, client, remote_handle=("phone-number", "+44 20 7946 0018"))
    assert identity(client, uuid)["name"] == "Ada Lovelace"
    with raises_dbus_error("FilteredByDoNotDisturb"):
        provider.report_incoming(new_uuid(), remote_handle=("phone-number", "+15551230001"))
