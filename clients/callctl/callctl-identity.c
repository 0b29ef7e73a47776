/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* callctl identity stats: what caller identification did since callkitd
 * started (CallDirectory.GetIdentificationStats). */

#include "config.h"

#include <stdio.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "callkit-names.h"
#include "callctl-identity.h"

static const char *const counters[] = { "lookups", "hits", "answers", "late", "timeouts",
                                        "failures" };

static int
report (GError *error)
{
  g_autofree char *name = g_dbus_error_get_remote_error (error);

  if (name == NULL)
    {
      g_printerr ("callctl: %s\n", error->message);
      return 4;
    }
  g_dbus_error_strip_remote_error (error);
  g_printerr ("callctl: %s: %s\n", name, error->message);
  if (g_str_equal (name, "org.freedesktop.DBus.Error.ServiceUnknown")
      || g_str_equal (name, "org.freedesktop.DBus.Error.NameHasNoOwner"))
    return 4;
  return 1;
}

static guint64
counter (GVariant *dict, const char *key)
{
  guint64 value = 0;

  g_variant_lookup (dict, key, "t", &value);
  return value;
}

static void
print_counters (GVariant *dict)
{
  for (gsize i = 0; i < G_N_ELEMENTS (counters); i++)
    printf ("  %s %" G_GUINT64_FORMAT, counters[i], counter (dict, counters[i]));
}

static void
print_stats (GVariant *stats, gboolean no_legend)
{
  g_autoptr (GVariant) services = g_variant_lookup_value (stats, "services",
                                                          G_VARIANT_TYPE ("aa{sv}"));
  gsize n = services != NULL ? g_variant_n_children (services) : 0;
  guint64 lookups;

  /* A sandboxed caller gets no totals. */
  if (g_variant_lookup (stats, "lookups", "t", &lookups))
    {
      printf ("%-32s", "total");
      print_counters (stats);
      printf ("  skipped %" G_GUINT64_FORMAT "  anonymous %" G_GUINT64_FORMAT "\n",
              counter (stats, "skipped"), counter (stats, "anonymous"));
    }
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) service = g_variant_get_child_value (services, i);
      const char *app_id = "", *bus_name = "", *object = "";
      guint32 cache_seconds = 0, cache_entries = 0;

      g_variant_lookup (service, "app_id", "&s", &app_id);
      g_variant_lookup (service, "bus_name", "&s", &bus_name);
      g_variant_lookup (service, "object", "&o", &object);
      g_variant_lookup (service, "cache_seconds", "u", &cache_seconds);
      g_variant_lookup (service, "cache_entries", "u", &cache_entries);
      printf ("%-32s", app_id);
      print_counters (service);
      printf ("  cached %u (for %u s)  %s %s\n", cache_entries, cache_seconds, bus_name, object);
    }
  if (!no_legend)
    printf ("\n%zu identification service(s)\n", n);
}

int
callctl_identity (gboolean json, gboolean no_legend, int argc, char **argv)
{
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) stats = NULL;
  g_autoptr (GError) error = NULL;

  if (argc != 2 || !g_str_equal (argv[1], "stats"))
    {
      g_printerr ("callctl: identity: expected 'stats'\n");
      return 2;
    }
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    return report (error);
  reply = g_dbus_connection_call_sync (bus, CKD_BUS_NAME, CKD_OBJECT_ROOT,
                                       CKD_CALL_DIRECTORY_INTERFACE, "GetIdentificationStats",
                                       NULL, G_VARIANT_TYPE ("(a{sv})"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, &error);
  if (reply == NULL)
    return report (error);
  g_variant_get (reply, "(@a{sv})", &stats);
  if (json)
    {
      g_autoptr (JsonNode) node = json_gvariant_serialize (stats);
      g_autoptr (JsonGenerator) generator = json_generator_new ();
      g_autofree char *text = NULL;

      json_generator_set_root (generator, node);
      text = json_generator_to_data (generator, NULL);
      puts (text);
    }
  else
    print_stats (stats, no_legend);
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      g_printerr ("callctl: cannot write to standard output\n");
      return 1;
    }
  return 0;
}
