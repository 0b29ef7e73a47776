/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* callctl push: list the apps registered for VoIP pushes, and send one
 * (DeliverPush), as an app's server would through a transport. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "callkit-names.h"
#include "callctl-push.h"

static int
usage (const char *format, ...) G_GNUC_PRINTF (1, 2);

static int
usage (const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("callctl: push: %s\nTry 'callctl push --help' for more information.\n", message);
  return 2;
}

/* Prints what went wrong as the rest of callctl does, and returns its
 * exit status. */
static int
report (GError *error)
{
  static const struct
  {
    const char *name;
    int status;
  } statuses[] = {
    { CKD_INTERFACE_PREFIX "Error.UnknownPushToken", 3 },
    { "org.freedesktop.DBus.Error.ServiceUnknown", 4 },
    { "org.freedesktop.DBus.Error.NameHasNoOwner", 4 },
    { "org.freedesktop.DBus.Error.Disconnected", 4 },
  };
  g_autofree char *name = g_dbus_error_get_remote_error (error);

  if (name == NULL)
    {
      g_printerr ("callctl: %s\n", error->message);
      return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED) ? 4 : 1;
    }
  g_dbus_error_strip_remote_error (error);
  g_printerr ("callctl: %s: %s\n", name, error->message);
  for (gsize i = 0; i < G_N_ELEMENTS (statuses); i++)
    if (g_str_equal (name, statuses[i].name))
      return statuses[i].status;
  return 1;
}

/* A method of callkitd, never starting it. */
static GVariant *
call (GDBusConnection *bus, const char *interface, const char *method, GVariant *args,
      const char *reply_type, GError **error)
{
  return g_dbus_connection_call_sync (bus, CKD_BUS_NAME, CKD_OBJECT_ROOT, interface, method,
                                      args, G_VARIANT_TYPE (reply_type),
                                      G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, error);
}

static void
print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  puts (text);
}

/* ---- push list ------------------------------------------------------ */

static const char *
lookup_string (GVariant *entry, const char *key)
{
  const char *value = "";

  g_variant_lookup (entry, key, "&s", &value);
  return *value != '\0' ? value : "-";
}

static guint32
lookup_count (GVariant *entry, const char *key)
{
  guint32 value = 0;

  g_variant_lookup (entry, key, "u", &value);
  return value;
}

static int
push_list (GDBusConnection *bus, gboolean json, gboolean no_legend, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) registrations = NULL;
  gsize n;

  reply = call (bus, "org.freedesktop.DBus.Properties", "Get",
                g_variant_new ("(ss)", CKD_PUSH_REGISTRY_INTERFACE, "Registrations"), "(v)", error);
  if (reply == NULL)
    return -1;
  g_variant_get (reply, "(v)", &registrations);
  n = g_variant_n_children (registrations);

  if (json)
    {
      g_autoptr(JsonNode) node = json_gvariant_serialize (registrations);

      print_json (node);
      return 0;
    }
  if (!no_legend)
    printf ("%-28s %-32s %-9s %9s %10s %-9s %s\n", "APP ID", "TOKEN", "CONNECTED", "DELIVERED",
            "VIOLATIONS", "THROTTLED", "ENDPOINT");
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (registrations, i);
      gboolean connected = FALSE;
      gint64 throttled_until = 0;

      g_variant_lookup (entry, "connected", "b", &connected);
      g_variant_lookup (entry, "throttled_until", "x", &throttled_until);
      printf ("%-28s %-32s %-9s %9u %10u %-9s %s\n", lookup_string (entry, "app_id"),
              lookup_string (entry, "token"), connected ? "yes" : "no",
              lookup_count (entry, "delivered"), lookup_count (entry, "violations"),
              throttled_until != 0 ? "yes" : "no", lookup_string (entry, "endpoint"));
    }
  if (!no_legend)
    printf ("\n%" G_GSIZE_FORMAT " app%s registered for pushes.\n", n, n == 1 ? "" : "s");
  return 0;
}

/* ---- push send ------------------------------------------------------ */

typedef struct
{
  char *call_uuid;
  char *caller;
  char *caller_name;
  char *handle_type;
  char *push_id;
  char *sent_at;
  int sent_ago;
  int expires_in;
  char *payload;
} SendOptions;

static void
send_options_clear (SendOptions *o)
{
  g_free (o->call_uuid);
  g_free (o->caller);
  g_free (o->caller_name);
  g_free (o->handle_type);
  g_free (o->push_id);
  g_free (o->sent_at);
  g_free (o->payload);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SendOptions, send_options_clear)

static const char *
guess_handle_type (const char *handle)
{
  if (strchr (handle, '@') != NULL)
    return "email-address";
  if (*handle != '\0' && strspn (handle, "+0123456789 -()") == strlen (handle))
    return "phone-number";
  return "generic";
}

/* An ISO 8601 time ("2024-05-01T10:00:00Z") or microseconds since the epoch. */
static gboolean
parse_time (const char *text, gint64 *ret)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (text, NULL);
  guint64 us;

  if (time != NULL)
    {
      *ret = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
      return TRUE;
    }
  if (g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &us, NULL))
    {
      *ret = (gint64) us;
      return TRUE;
    }
  return FALSE;
}

static int
push_send (GDBusConnection *bus, gboolean json, const char *token, const SendOptions *o,
           GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder metadata;
  const char *payload = o->payload != NULL ? o->payload : "{}";
  const char *outcome;
  gint64 sent_at = 0;

  if (o->sent_at != NULL && !parse_time (o->sent_at, &sent_at))
    return usage ("--sent-at \"%s\" is neither an ISO 8601 time nor microseconds since 1970",
                  o->sent_at);
  if (o->handle_type != NULL && o->caller == NULL)
    return usage ("--caller-type goes with --caller");
  g_variant_builder_init (&metadata, G_VARIANT_TYPE_VARDICT);
  if (o->push_id != NULL)
    g_variant_builder_add (&metadata, "{sv}", "push_id", g_variant_new_string (o->push_id));
  if (o->sent_ago > 0)
    sent_at = g_get_real_time () - (gint64) o->sent_ago * G_USEC_PER_SEC;
  if (sent_at != 0)
    g_variant_builder_add (&metadata, "{sv}", "sent_at", g_variant_new_int64 (sent_at));
  if (o->expires_in != 0)
    g_variant_builder_add (&metadata, "{sv}", "expires_at",
                           g_variant_new_int64 (g_get_real_time ()
                                                + (gint64) o->expires_in * G_USEC_PER_SEC));
  if (o->call_uuid != NULL)
    g_variant_builder_add (&metadata, "{sv}", "call_uuid", g_variant_new_string (o->call_uuid));
  if (o->caller != NULL)
    g_variant_builder_add (&metadata, "{sv}", "remote_handle",
                           g_variant_new ("(ss)", o->handle_type ?: guess_handle_type (o->caller),
                                          o->caller));
  if (o->caller_name != NULL)
    g_variant_builder_add (&metadata, "{sv}", "localized_caller_name",
                           g_variant_new_string (o->caller_name));

  reply = call (bus, CKD_PUSH_REGISTRY_INTERFACE, "DeliverPush",
                g_variant_new ("(s@aya{sv})", token,
                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, payload,
                                                          strlen (payload), 1),
                               &metadata),
                "(s)", error);
  if (reply == NULL)
    return -1;
  g_variant_get (reply, "(&s)", &outcome);
  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "token");
      json_builder_add_string_value (builder, token);
      json_builder_set_member_name (builder, "outcome");
      json_builder_add_string_value (builder, outcome);
      json_builder_end_object (builder);
      node = json_builder_get_root (builder);
      print_json (node);
    }
  else
    puts (outcome);
  return 0;
}

static int
run (gboolean json, gboolean no_legend, int argc, char **argv, GError **error);

int
callctl_push (gboolean json, gboolean no_legend, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status = run (json, no_legend, argc, argv, &error);

  if (status < 0)
    return report (error);
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      g_printerr ("callctl: cannot write to standard output\n");
      return 1;
    }
  return status;
}

static GDBusConnection *
connect_bus (GError **error)
{
  GDBusConnection *bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);

  if (bus == NULL)
    g_prefix_error (error, "cannot connect to the session bus: ");
  return bus;
}

static int
run (gboolean json, gboolean no_legend, int argc, char **argv, GError **error)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_auto (SendOptions) o = { 0 };
  const GOptionEntry entries[] = {
    { "call", 0, 0, G_OPTION_ARG_STRING, &o.call_uuid, "The call the push is about", "UUID" },
    { "caller", 0, 0, G_OPTION_ARG_STRING, &o.caller, "The caller's handle", "HANDLE" },
    { "caller-type", 0, 0, G_OPTION_ARG_STRING, &o.handle_type,
      "phone-number, email-address or generic (default: guessed)", "TYPE" },
    { "caller-name", 0, 0, G_OPTION_ARG_STRING, &o.caller_name, "The caller's name", "NAME" },
    { "push-id", 0, 0, G_OPTION_ARG_STRING, &o.push_id, "The push's id (duplicates are dropped)",
      "ID" },
    { "sent-at", 0, 0, G_OPTION_ARG_STRING, &o.sent_at,
      "When the server sent it: ISO 8601, or microseconds since 1970", "TIME" },
    { "sent-ago", 0, 0, G_OPTION_ARG_INT, &o.sent_ago, "Sent that many seconds ago", "SECONDS" },
    { "expires-in", 0, 0, G_OPTION_ARG_INT, &o.expires_in,
      "It expires that many seconds from now (negative: expired)", "SECONDS" },
    { "payload", 0, 0, G_OPTION_ARG_STRING, &o.payload, "What the app gets (default {})",
      "TEXT" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("list | send TOKEN [OPTION...]");
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) args = g_strdupv (argv);

  g_option_context_set_summary (context,
                                "The apps registered for VoIP pushes, and a push for one of "
                                "them, as its server would send it.");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_help_enabled (context, TRUE);
  if (!g_option_context_parse_strv (context, &args, &local_error))
    return usage ("%s", local_error->message);
  if (args[1] == NULL)
    return usage ("missing command: list or send");
  if (g_str_equal (args[1], "list"))
    {
      if (args[2] != NULL)
        return usage ("list takes no arguments");
      if (o.call_uuid || o.caller || o.caller_name || o.push_id || o.sent_at || o.sent_ago
          || o.expires_in || o.payload || o.handle_type)
        return usage ("the push options go with send");
      bus = connect_bus (error);
      return bus != NULL ? push_list (bus, json, no_legend, error) : -1;
    }
  if (g_str_equal (args[1], "send"))
    {
      if (args[2] == NULL)
        return usage ("send: missing TOKEN");
      if (args[3] != NULL)
        return usage ("send: too many arguments");
      if (o.sent_at != NULL && o.sent_ago != 0)
        return usage ("--sent-at and --sent-ago say the same");
      if (o.sent_ago < 0)
        return usage ("--sent-ago takes seconds before now");
      bus = connect_bus (error);
      return bus != NULL ? push_send (bus, json, args[2], &o, error) : -1;
    }
  return usage ("unknown command \"%s\": list or send", args[1]);
}
