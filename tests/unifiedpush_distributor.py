#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A UnifiedPush distributor written to the D-Bus specification of
unifiedpush.org (DBUS_0.3.0), for the tests: it owns
org.unifiedpush.Distributor.NAME on the session bus, serves
org.unifiedpush.Distributor2 (and Distributor1) at
/org/unifiedpush/Distributor, gives every registered token an endpoint,
and calls the connector (NewEndpoint, Message, Unregistered) by the
service name the connector registered with. There is no network: the push
server's side is a control interface for the tests,
org.example.TestDistributor at /Control, whose Push() stands for a POST
to an endpoint.

    unifiedpush_distributor.py [--name NAME] [--v1-only] [--string-messages]

--v1-only serves Distributor1 only; --string-messages sends Connector1
messages as strings (sss), as older distributors do."""

import argparse
import secrets
import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

DISTRIBUTOR_PATH = "/org/unifiedpush/Distributor"
CONNECTOR_PATH = "/org/unifiedpush/Connector"
SUCCEEDED = "REGISTRATION_SUCCEEDED"

DISTRIBUTOR_XML = """
<node>
  <interface name="org.unifiedpush.Distributor1">
    <method name="Register">
      <arg name="serviceName" type="s" direction="in"/>
      <arg name="token" type="s" direction="in"/>
      <arg name="description" type="s" direction="in"/>
      <arg name="registrationResult" type="s" direction="out"/>
      <arg name="registrationResultReason" type="s" direction="out"/>
    </method>
    <method name="Unregister">
      <arg name="token" type="s" direction="in"/>
    </method>
  </interface>
  <interface name="org.unifiedpush.Distributor2">
    <method name="Register">
      <arg name="args" type="a{sv}" direction="in"/>
      <arg name="res" type="a{sv}" direction="out"/>
    </method>
    <method name="Unregister">
      <arg name="args" type="a{sv}" direction="in"/>
      <arg name="res" type="a{sv}" direction="out"/>
    </method>
  </interface>
  <interface name="org.example.TestDistributor">
    <method name="Push">
      <arg name="endpoint" type="s" direction="in"/>
      <arg name="message" type="ay" direction="in"/>
      <arg name="id" type="s" direction="in"/>
      <arg name="delivered" type="b" direction="out"/>
    </method>
    <method name="ChangeEndpoint">
      <arg name="token" type="s" direction="in"/>
      <arg name="endpoint" type="s" direction="out"/>
    </method>
    <method name="Drop">
      <arg name="token" type="s" direction="in"/>
    </method>
    <method name="Clients">
      <arg name="clients" type="aa{sv}" direction="out"/>
    </method>
    <method name="Log">
      <arg name="events" type="as" direction="out"/>
    </method>
  </interface>
</node>
"""


class Distributor:
    def __init__(self, connection, args):
        self.connection = connection
        self.v1_only = args.v1_only
        self.string_messages = args.string_messages
        self.clients = {}   # token -> {"service", "description", "endpoint", "version"}
        self.log = []       # what happened, for the tests: "register TOKEN v2", "ack ID", ...
        node = Gio.DBusNodeInfo.new_for_xml(DISTRIBUTOR_XML)
        for iface in node.interfaces:
            if self.v1_only and iface.name == "org.unifiedpush.Distributor2":
                continue
            path = "/Control" if iface.name == "org.example.TestDistributor" else DISTRIBUTOR_PATH
            connection.register_object(path, iface, self.on_call)

    # -- calling the connector: by its service name, never waiting -----------

    def call_connector(self, client, method, v1_args, v2_args, on_reply=None):
        if client["version"] == 2:
            args = GLib.Variant("(a{sv})", (v2_args,))
            iface = "org.unifiedpush.Connector2"
        else:
            args = v1_args
            iface = "org.unifiedpush.Connector1"

        def done(connection, result, data):
            try:
                reply = connection.call_finish(result)
            except GLib.Error as e:
                self.log.append("error %s %s" % (method, e.message))
                return
            if on_reply is not None:
                on_reply(reply)

        self.connection.call(client["service"], CONNECTOR_PATH, iface, method, args,
                             None, Gio.DBusCallFlags.NONE, -1, None,
                             done if client["version"] == 2 else None, None)

    def new_endpoint(self, token):
        client = self.clients[token]
        client["endpoint"] = "https://push.example.org/up/" + secrets.token_hex(8)
        self.call_connector(client, "NewEndpoint",
                            GLib.Variant("(ss)", (token, client["endpoint"])),
                            {"token": GLib.Variant("s", token),
                             "endpoint": GLib.Variant("s", client["endpoint"])})
        return client["endpoint"]

    def message(self, client, token, body, message_id):
        if client["version"] == 1 and self.string_messages:
            v1 = GLib.Variant("(sss)", (token, bytes(body).decode(errors="replace"), message_id))
        else:
            v1 = GLib.Variant("(says)", (token, bytes(body), message_id))
        v2 = {"token": GLib.Variant("s", token), "message": GLib.Variant("ay", bytes(body))}
        if message_id:
            v2["id"] = GLib.Variant("s", message_id)

        def acked(reply):
            self.log.append("ack %s" % reply.unpack()[0].get("id", ""))

        self.call_connector(client, "Message", v1, v2, acked)

    # -- the interfaces --------------------------------------------------------

    def register(self, version, service, token, description):
        if not token or len(token.encode()) > 100 or not service:
            return False
        known = token in self.clients
        self.clients[token] = {"service": service, "description": description,
                               "endpoint": self.clients.get(token, {}).get("endpoint"),
                               "version": version}
        self.log.append("register %s v%d %s" % (token, version, description))
        # A known client gets its endpoint again; a new one a new endpoint.
        if known and self.clients[token]["endpoint"]:
            client = self.clients[token]
            self.call_connector(client, "NewEndpoint",
                                GLib.Variant("(ss)", (token, client["endpoint"])),
                                {"token": GLib.Variant("s", token),
                                 "endpoint": GLib.Variant("s", client["endpoint"])})
        else:
            # After the reply, as a distributor that talks to its server first.
            GLib.idle_add(lambda: self.new_endpoint(token) and False)
        return True

    def unregister(self, token):
        client = self.clients.pop(token, None)
        self.log.append("unregister %s" % token)
        if client is not None:
            # Confirming: empty token for Connector1, the token for Connector2.
            self.call_connector(client, "Unregistered", GLib.Variant("(s)", ("",)),
                                {"token": GLib.Variant("s", token)})

    def on_call(self, connection, sender, path, iface, method, params, invocation):
        args = params.unpack()
        if iface == "org.unifiedpush.Distributor1" and method == "Register":
            service, token, description = args
            ok = self.register(1, service, token, description)
            invocation.return_value(GLib.Variant("(ss)", (
                SUCCEEDED if ok else "REGISTRATION_FAILED", "" if ok else "bad arguments")))
        elif iface == "org.unifiedpush.Distributor1" and method == "Unregister":
            self.unregister(args[0])
            invocation.return_value(None)
        elif iface == "org.unifiedpush.Distributor2" and method == "Register":
            d = args[0]
            ok = self.register(2, d.get("service", ""), d.get("token", ""),
                               d.get("description", ""))
            res = {"success": GLib.Variant("s", SUCCEEDED if ok else "REGISTRATION_FAILED")}
            if not ok:
                res["reason"] = GLib.Variant("s", "INTERNAL_ERROR")
            invocation.return_value(GLib.Variant("(a{sv})", (res,)))
        elif iface == "org.unifiedpush.Distributor2" and method == "Unregister":
            self.unregister(args[0].get("token", ""))
            invocation.return_value(GLib.Variant("(a{sv})", ({},)))
        elif method == "Push":
            endpoint, body, message_id = args
            for token, client in self.clients.items():
                if client["endpoint"] == endpoint:
                    self.message(client, token, body, message_id)
                    invocation.return_value(GLib.Variant("(b)", (True,)))
                    return
            invocation.return_value(GLib.Variant("(b)", (False,)))
        elif method == "ChangeEndpoint":
            invocation.return_value(GLib.Variant("(s)", (self.new_endpoint(args[0]),)))
        elif method == "Drop":
            client = self.clients.pop(args[0])
            self.call_connector(client, "Unregistered", GLib.Variant("(s)", (args[0],)),
                                {"token": GLib.Variant("s", args[0])})
            invocation.return_value(None)
        elif method == "Clients":
            invocation.return_value(GLib.Variant("(aa{sv})", ([
                {"token": GLib.Variant("s", t), "service": GLib.Variant("s", c["service"]),
                 "description": GLib.Variant("s", c["description"]),
                 "endpoint": GLib.Variant("s", c["endpoint"] or ""),
                 "version": GLib.Variant("u", c["version"])}
                for t, c in sorted(self.clients.items())],)))
        elif method == "Log":
            invocation.return_value(GLib.Variant("(as)", (self.log,)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", default="test")
    parser.add_argument("--v1-only", action="store_true")
    parser.add_argument("--string-messages", action="store_true")
    args = parser.parse_args()
    connection = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    distributor = Distributor(connection, args)
    loop = GLib.MainLoop()

    def on_lost(connection, name):
        print("lost the name %s" % name, file=sys.stderr)
        loop.quit()

    # The objects first: a connector that sees the name finds them.
    Gio.bus_own_name_on_connection(connection, "org.unifiedpush.Distributor." + args.name,
                                   Gio.BusNameOwnerFlags.NONE, None, on_lost)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 15, lambda: loop.quit() or False)
    loop.run()
    del distributor


if __name__ == "__main__":
    main()
