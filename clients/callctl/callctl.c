/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* callctl: list, watch and control the calls that callkitd knows about.
 *
 * Every command is one entry of the verbs table below. Read commands take
 * --json. Exit codes are part of the interface (see callctl(1)): scripts
 * tell "no such call" from "the daemon said no" from "no daemon". */

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "callctl-json.h"
#include "callctl-push.h"
#include "ckd-dbus-generated.h"

typedef enum
{
  EXIT_OK = 0,
  EXIT_ERROR = 1,
  EXIT_USAGE = 2,
  EXIT_NOT_FOUND = 3,
  EXIT_NO_DAEMON = 4,
} CallctlExit;

#define CKD_ERROR_PREFIX CKD_INTERFACE_PREFIX "Error."
#define CKD_PROVIDER_PREFIX CKD_OBJECT_ROOT "/provider/"

typedef struct
{
  /* options */
  gboolean json;
  gboolean no_legend;
  gboolean no_wait;
  gboolean video;
  char *handle_type;

  GDBusConnection *bus;
  GDBusObjectManager *manager;
  GMainLoop *loop;
  int monitor_exit;
} Callctl;

static void
callctl_clear (Callctl *ctl)
{
  g_clear_pointer (&ctl->handle_type, g_free);
  g_clear_object (&ctl->manager);
  g_clear_object (&ctl->bus);
  g_clear_pointer (&ctl->loop, g_main_loop_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Callctl, callctl_clear)

/* ------------------------------------------------------------------ */
/* Errors */

static int
exit_code_for_error_name (const char *name)
{
  static const struct
  {
    const char *name;
    int exit_code;
  } map[] = {
    { CKD_ERROR_PREFIX "UnknownCallUUID", EXIT_NOT_FOUND },
    { CKD_ERROR_PREFIX "UnknownCallProvider", EXIT_NOT_FOUND },
    { "org.freedesktop.DBus.Error.UnknownObject", EXIT_NOT_FOUND },
    { "org.freedesktop.DBus.Error.ServiceUnknown", EXIT_NO_DAEMON },
    { "org.freedesktop.DBus.Error.NameHasNoOwner", EXIT_NO_DAEMON },
    { "org.freedesktop.DBus.Error.Disconnected", EXIT_NO_DAEMON },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (name, map[i].name))
      return map[i].exit_code;
  return EXIT_ERROR;
}

static gboolean
daemon_has_owner (Callctl *ctl)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (ctl->bus,
                                       "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus",
                                       "NameHasOwner",
                                       g_variant_new ("(s)", CKD_BUS_NAME),
                                       G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE,
                                       -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

/* Prints "callctl: <D-Bus error name>: <message>" for errors that came over
 * the bus, "callctl: <message>" for local ones, and maps them to an exit
 * code. */
static int
report_error (Callctl *ctl,
              GError  *error)
{
  g_autofree char *name = NULL;

  if (g_dbus_error_is_remote_error (error))
    {
      int exit_code;

      name = g_dbus_error_get_remote_error (error);
      g_dbus_error_strip_remote_error (error);
      g_printerr ("callctl: %s: %s\n", name, error->message);

      exit_code = exit_code_for_error_name (name);
      /* NoReply is what the bus sends when callkitd died while we waited;
       * it also covers a bus-side timeout, so ask. */
      if (g_str_equal (name, "org.freedesktop.DBus.Error.NoReply") &&
          ctl->bus != NULL && !g_dbus_connection_is_closed (ctl->bus) &&
          !daemon_has_owner (ctl))
        exit_code = EXIT_NO_DAEMON;
      return exit_code;
    }

  g_printerr ("callctl: %s\n", error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    return EXIT_NO_DAEMON;
  return EXIT_ERROR;
}

static int
usage_error (const char *format,
             ...) G_GNUC_PRINTF (1, 2);

static int
usage_error (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("callctl: %s\nTry 'callctl --help' for more information.\n", message);
  return EXIT_USAGE;
}

/* ------------------------------------------------------------------ */
/* Text helpers */

static gboolean
is_unsafe_for_terminal (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      return TRUE;
    case G_UNICODE_FORMAT:
      /* Bidi overrides and invisible marks can disguise a name; zero-width
       * (non-)joiners are part of emoji sequences and some scripts. */
      return c != 0x200c && c != 0x200d;
    default:
      return FALSE;
    }
}

/* Names and handles come from other apps: never let them drive the
 * terminal, break a line or reorder text. Such characters are shown
 * escaped. */
static char *
sanitize (const char *str)
{
  GString *out = g_string_new (NULL);

  for (const char *p = str; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (is_unsafe_for_terminal (c))
        g_string_append_printf (out, c < 0x100 ? "\\x%02x" : "\\u%04x", c);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static const char *
yes_no (gboolean b)
{
  return b ? "yes" : "no";
}

static char *
format_time (gint64 usec)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (usec <= 0)
    return g_strdup ("n/a");
  utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  if (utc == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT, usec);
  local = g_date_time_to_local (utc);
  local = g_date_time_add (local, usec % G_USEC_PER_SEC);
  return g_date_time_format_iso8601 (local);
}

static gboolean
needs_quoting (const char *text)
{
  if (*text == '\0')
    return TRUE;
  for (const unsigned char *p = (const unsigned char *) text; *p != '\0'; p++)
    if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '\\' || *p == '=')
      return TRUE;
  return FALSE;
}

/* One value for people: yes/no, local times, "type:value" handles.
 * In key=value lines (monitor), values with spaces or quotes are quoted
 * JSON-style so that a line still splits on spaces. */
static char *
format_value (const char *property,
              GVariant   *value,
              gboolean    for_key_value)
{
  g_autofree char *text = NULL;
  g_autofree char *clean = NULL;

  if (value == NULL)
    return g_strdup ("n/a");

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return g_strdup (yes_no (g_variant_get_boolean (value)));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64) && g_str_has_suffix (property, "At"))
    return format_time (g_variant_get_int64 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE ("(ss)")))
    {
      const char *type, *handle;

      g_variant_get (value, "(&s&s)", &type, &handle);
      if (for_key_value)
        text = g_strdup_printf ("%s:%s", type, handle);
      else if (*handle == '\0')
        text = g_strdup_printf ("Unknown (%s)", type);
      else
        text = g_strdup_printf ("%s (%s)", handle, type);
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ||
           g_variant_is_of_type (value, G_VARIANT_TYPE_OBJECT_PATH))
    {
      text = g_variant_dup_string (value, NULL);
      if (!for_key_value && *text == '\0')
        return g_strdup ("n/a");
    }
  else
    {
      text = g_variant_print (value, FALSE);
    }

  if (for_key_value && needs_quoting (text))
    {
      g_autoptr(GString) quoted = g_string_new (NULL);

      callctl_json_append_string (quoted, text);
      return sanitize (quoted->str);
    }

  clean = sanitize (text);
  return g_steal_pointer (&clean);
}

/* A table for people: columns padded to the widest cell, two spaces apart. */
typedef struct
{
  guint n_columns;
  GPtrArray *cells; /* of char*, row-major */
} Table;

static Table *
table_new (guint n_columns)
{
  Table *table = g_new0 (Table, 1);

  table->n_columns = n_columns;
  table->cells = g_ptr_array_new_with_free_func (g_free);
  return table;
}

static void
table_free (Table *table)
{
  g_ptr_array_unref (table->cells);
  g_free (table);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Table, table_free)

static void
table_add (Table      *table,
           const char *cell)
{
  g_ptr_array_add (table->cells, sanitize (cell != NULL ? cell : ""));
}

static void
table_print (Table   *table,
             gboolean header)
{
  g_autofree size_t *widths = g_new0 (size_t, table->n_columns);
  guint start = header ? 0 : table->n_columns;

  for (guint i = start; i < table->cells->len; i++)
    {
      size_t width = g_utf8_strlen (table->cells->pdata[i], -1);
      guint column = i % table->n_columns;

      widths[column] = MAX (widths[column], width);
    }

  for (guint i = start; i < table->cells->len; i++)
    {
      const char *cell = table->cells->pdata[i];
      guint column = i % table->n_columns;

      fputs (cell, stdout);
      if (column + 1 == table->n_columns)
        {
          fputc ('\n', stdout);
        }
      else
        {
          for (size_t pad = g_utf8_strlen (cell, -1); pad < widths[column] + 2; pad++)
            fputc (' ', stdout);
        }
    }
}

static int
finish_output (void)
{
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      g_printerr ("callctl: cannot write to standard output\n");
      return EXIT_ERROR;
    }
  return EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* Talking to callkitd */

static int
callctl_connect (Callctl *ctl)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *owner = NULL;

  ctl->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (ctl->bus == NULL)
    {
      g_printerr ("callctl: cannot connect to the session bus: %s\n", error->message);
      return EXIT_NO_DAEMON;
    }

  /* Never start callkitd behind the user's back: "is it running?" is a
   * question callctl must answer truthfully. */
  ctl->manager = ckd_dbus_object_manager_client_new_sync (ctl->bus,
                                                          G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                                          CKD_BUS_NAME,
                                                          CKD_OBJECT_ROOT,
                                                          NULL, &error);
  if (ctl->manager == NULL)
    return report_error (ctl, error);

  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (ctl->manager));
  if (owner == NULL)
    {
      g_printerr ("callctl: callkitd is not running on the session bus (%s has no owner)\n",
                  CKD_BUS_NAME);
      return EXIT_NO_DAEMON;
    }

  return EXIT_OK;
}

static const char *
call_uuid (CkdDbusCall *call)
{
  const char *uuid = ckd_dbus_call_get_uuid (call);

  return uuid != NULL ? uuid : "";
}

static gint
compare_calls (gconstpointer a,
               gconstpointer b)
{
  CkdDbusCall *call_a = *(CkdDbusCall * const *) a;
  CkdDbusCall *call_b = *(CkdDbusCall * const *) b;

  return g_strcmp0 (g_dbus_proxy_get_object_path (G_DBUS_PROXY (call_a)),
                    g_dbus_proxy_get_object_path (G_DBUS_PROXY (call_b)));
}

/* The provider number N of provider/N, or G_MAXUINT64 for other paths. */
static guint64
provider_number (const char *path)
{
  guint64 n;

  if (!g_str_has_prefix (path, CKD_PROVIDER_PREFIX) ||
      !g_ascii_string_to_unsigned (path + strlen (CKD_PROVIDER_PREFIX), 10, 0, G_MAXUINT64 - 1, &n, NULL))
    return G_MAXUINT64;
  return n;
}

static gint
compare_providers (gconstpointer a,
                   gconstpointer b)
{
  const char *path_a = g_dbus_proxy_get_object_path (G_DBUS_PROXY (*(CkdDbusProvider * const *) a));
  const char *path_b = g_dbus_proxy_get_object_path (G_DBUS_PROXY (*(CkdDbusProvider * const *) b));
  guint64 n_a = provider_number (path_a);
  guint64 n_b = provider_number (path_b);

  if (n_a != n_b)
    return n_a < n_b ? -1 : 1;
  return g_strcmp0 (path_a, path_b);
}

/* Live calls, sorted by UUID, each a new reference. */
static GPtrArray *
list_calls (Callctl *ctl)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (ctl->manager);
  GPtrArray *calls = g_ptr_array_new_with_free_func (g_object_unref);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      CkdDbusCall *call = ckd_dbus_object_get_call (CKD_DBUS_OBJECT (l->data));

      if (call != NULL)
        g_ptr_array_add (calls, call);
    }
  g_ptr_array_sort (calls, compare_calls);
  return calls;
}

/* Providers, sorted by number, each a new reference. */
static GPtrArray *
list_providers (Callctl *ctl)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (ctl->manager);
  GPtrArray *providers = g_ptr_array_new_with_free_func (g_object_unref);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      CkdDbusProvider *provider = ckd_dbus_object_get_provider (CKD_DBUS_OBJECT (l->data));

      if (provider != NULL)
        g_ptr_array_add (providers, provider);
    }
  g_ptr_array_sort (providers, compare_providers);
  return providers;
}

static char *
provider_localized_name (CkdDbusProvider *provider)
{
  GVariant *configuration = ckd_dbus_provider_get_configuration (provider);
  const char *name = NULL;

  if (configuration != NULL &&
      g_variant_lookup (configuration, "localized_name", "&s", &name))
    return g_strdup (name);
  return g_strdup ("");
}

/* The localized name of the provider at @path, or "" if it is not known. */
static char *
provider_name_for_path (Callctl    *ctl,
                        const char *path)
{
  g_autoptr(GDBusInterface) iface = NULL;

  if (path == NULL || !g_variant_is_object_path (path))
    return g_strdup ("");
  iface = g_dbus_object_manager_get_interface (ctl->manager, path, CKD_INTERFACE_PREFIX "Provider");
  if (iface == NULL)
    return g_strdup ("");
  return provider_localized_name (CKD_DBUS_PROVIDER (iface));
}

static char *
format_call_list (GPtrArray *calls)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < calls->len && i < 5; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", call_uuid (calls->pdata[i]));
  if (calls->len > 5)
    g_string_append (text, ", ...");
  return g_string_free (text, FALSE);
}

/* CALL is a UUID (any case), a unique prefix of a live call's UUID, or the
 * call's object path. */
static int
lookup_call (Callctl      *ctl,
             const char   *arg,
             CkdDbusCall **out_call)
{
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GPtrArray) matches = g_ptr_array_new ();
  g_autofree char *wanted = NULL;
  g_autofree char *clean = sanitize (arg);

  if (*arg == '\0')
    return usage_error ("CALL must not be empty");

  calls = list_calls (ctl);
  wanted = g_ascii_strdown (arg, -1);

  for (guint i = 0; i < calls->len; i++)
    {
      CkdDbusCall *call = calls->pdata[i];
      const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (call));

      if (g_str_equal (call_uuid (call), wanted) || g_str_equal (path, arg))
        {
          *out_call = g_object_ref (call);
          return EXIT_OK;
        }
      if (g_str_has_prefix (call_uuid (call), wanted))
        g_ptr_array_add (matches, call);
    }

  if (matches->len == 1)
    {
      *out_call = g_object_ref (matches->pdata[0]);
      return EXIT_OK;
    }
  if (matches->len == 0)
    {
      g_printerr ("callctl: no live call matches \"%s\"\n", clean);
      return EXIT_NOT_FOUND;
    }

  {
    g_autofree char *candidates = format_call_list (matches);
    g_printerr ("callctl: \"%s\" is ambiguous: it matches %u calls (%s)\n",
                clean, matches->len, candidates);
  }
  return EXIT_NOT_FOUND;
}

static gboolean
is_all_digits (const char *str)
{
  if (*str == '\0')
    return FALSE;
  for (; *str != '\0'; str++)
    if (!g_ascii_isdigit (*str))
      return FALSE;
  return TRUE;
}

/* PROVIDER is an object path, a number N (provider/N) or a localized name;
 * names match exactly first, then ignoring case. */
static int
lookup_provider (Callctl          *ctl,
                 const char       *arg,
                 CkdDbusProvider **out_provider)
{
  g_autoptr(GPtrArray) providers = list_providers (ctl);
  g_autoptr(GPtrArray) exact = g_ptr_array_new ();
  g_autoptr(GPtrArray) folded = g_ptr_array_new ();
  g_autofree char *wanted_path = NULL;
  g_autofree char *wanted_folded = g_utf8_casefold (arg, -1);
  g_autofree char *clean = sanitize (arg);
  GPtrArray *matches;

  if (*arg == '\0')
    return usage_error ("PROVIDER must not be empty");

  if (is_all_digits (arg))
    wanted_path = g_strconcat (CKD_PROVIDER_PREFIX, arg, NULL);
  else if (arg[0] == '/')
    wanted_path = g_strdup (arg);

  for (guint i = 0; i < providers->len; i++)
    {
      CkdDbusProvider *provider = providers->pdata[i];
      const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (provider));
      g_autofree char *name = provider_localized_name (provider);
      g_autofree char *name_folded = g_utf8_casefold (name, -1);

      if (wanted_path != NULL)
        {
          /* "07" is provider 7 too. */
          if (g_str_equal (path, wanted_path) ||
              (is_all_digits (arg) && provider_number (path) == g_ascii_strtoull (arg, NULL, 10)))
            {
              *out_provider = g_object_ref (provider);
              return EXIT_OK;
            }
          continue;
        }

      if (g_str_equal (name, arg))
        g_ptr_array_add (exact, provider);
      else if (g_str_equal (name_folded, wanted_folded))
        g_ptr_array_add (folded, provider);
    }

  matches = exact->len > 0 ? exact : folded;
  if (matches->len == 1)
    {
      *out_provider = g_object_ref (matches->pdata[0]);
      return EXIT_OK;
    }
  if (matches->len == 0)
    {
      g_printerr ("callctl: no provider matches \"%s\"\n", clean);
      return EXIT_NOT_FOUND;
    }

  g_printerr ("callctl: \"%s\" is ambiguous: %u providers have that name (",
              clean, matches->len);
  for (guint i = 0; i < matches->len; i++)
    g_printerr ("%s%s", i > 0 ? ", " : "",
                g_dbus_proxy_get_object_path (G_DBUS_PROXY (matches->pdata[i])));
  g_printerr ("); use the number or the path\n");
  return EXIT_NOT_FOUND;
}

/* ------------------------------------------------------------------ */
/* JSON shapes */

/* Every property of @proxy, in the order of its interface description,
 * under snake_case keys. */
static void
append_properties_json (GString                  *out,
                        GDBusProxy               *proxy,
                        const GDBusInterfaceInfo *info)
{
  for (guint i = 0; info->properties[i] != NULL; i++)
    {
      const GDBusPropertyInfo *property = info->properties[i];
      g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (proxy, property->name);
      g_autofree char *key = callctl_json_key_from_property (property->name);

      g_string_append_c (out, ',');
      callctl_json_append_string (out, key);
      g_string_append_c (out, ':');

      if (value == NULL)
        {
          g_string_append (out, "null");
        }
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE ("(ss)")))
        {
          const char *type, *handle;

          g_variant_get (value, "(&s&s)", &type, &handle);
          g_string_append (out, "{\"type\":");
          callctl_json_append_string (out, type);
          g_string_append (out, ",\"value\":");
          callctl_json_append_string (out, handle);
          g_string_append_c (out, '}');
        }
      else
        {
          callctl_json_append_variant (out, value);
        }
    }
}

static void
append_call_json (Callctl     *ctl,
                  GString     *out,
                  CkdDbusCall *call)
{
  g_autofree char *provider_name = provider_name_for_path (ctl, ckd_dbus_call_get_provider (call));

  g_string_append (out, "{\"path\":");
  callctl_json_append_string (out, g_dbus_proxy_get_object_path (G_DBUS_PROXY (call)));
  append_properties_json (out, G_DBUS_PROXY (call), ckd_dbus_call_interface_info ());
  g_string_append (out, ",\"provider_name\":");
  callctl_json_append_string (out, provider_name);
  g_string_append_c (out, '}');
}

static guint
count_live_calls (GPtrArray  *calls,
                  const char *provider_path)
{
  guint n = 0;

  for (guint i = 0; i < calls->len; i++)
    {
      CkdDbusCall *call = calls->pdata[i];

      if (g_strcmp0 (ckd_dbus_call_get_provider (call), provider_path) == 0 &&
          !ckd_dbus_call_get_has_ended (call))
        n++;
    }
  return n;
}

static void
append_provider_json (GString         *out,
                      CkdDbusProvider *provider,
                      guint            n_calls)
{
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (provider));
  g_autofree char *name = provider_localized_name (provider);
  guint64 number = provider_number (path);

  g_string_append (out, "{\"path\":");
  callctl_json_append_string (out, path);
  if (number != G_MAXUINT64)
    g_string_append_printf (out, ",\"number\":%" G_GUINT64_FORMAT, number);
  g_string_append (out, ",\"localized_name\":");
  callctl_json_append_string (out, name);
  append_properties_json (out, G_DBUS_PROXY (provider), ckd_dbus_provider_interface_info ());
  g_string_append_printf (out, ",\"calls\":%u}", n_calls);
}

/* ------------------------------------------------------------------ */
/* Verbs */

static int
verb_list (Callctl *ctl,
           int      argc,
           char   **argv)
{
  g_autoptr(GPtrArray) calls = list_calls (ctl);

  if (ctl->json)
    {
      g_autoptr(GString) out = g_string_new ("[");

      for (guint i = 0; i < calls->len; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          append_call_json (ctl, out, calls->pdata[i]);
        }
      g_string_append (out, "]\n");
      fputs (out->str, stdout);
      return finish_output ();
    }

  {
    g_autoptr(Table) table = table_new (6);

    table_add (table, "UUID");
    table_add (table, "STATE");
    table_add (table, "DIR");
    table_add (table, "HANDLE");
    table_add (table, "NAME");
    table_add (table, "PROVIDER");

    for (guint i = 0; i < calls->len; i++)
      {
        CkdDbusCall *call = calls->pdata[i];
        GVariant *handle = ckd_dbus_call_get_remote_handle (call);
        const char *handle_value = "";
        const char *caller_name = ckd_dbus_call_get_localized_caller_name (call);
        g_autofree char *provider_name = provider_name_for_path (ctl, ckd_dbus_call_get_provider (call));

        if (handle != NULL)
          g_variant_get (handle, "(&s&s)", NULL, &handle_value);

        table_add (table, call_uuid (call));
        table_add (table, ckd_dbus_call_get_state (call));
        table_add (table, ckd_dbus_call_get_is_outgoing (call) ? "out" : "in");
        table_add (table, *handle_value != '\0' ? handle_value : "Unknown");
        table_add (table, caller_name != NULL && *caller_name != '\0' ? caller_name : "-");
        table_add (table, *provider_name != '\0' ? provider_name : "-");
      }

    if (calls->len > 0 || !ctl->no_legend)
      table_print (table, !ctl->no_legend);
    if (!ctl->no_legend)
      printf ("\n%u call%s listed.\n", calls->len, calls->len == 1 ? "" : "s");
  }
  return finish_output ();
}

static int
verb_show (Callctl *ctl,
           int      argc,
           char   **argv)
{
  g_autoptr(CkdDbusCall) call = NULL;
  const GDBusInterfaceInfo *info = ckd_dbus_call_interface_info ();
  g_autofree char *provider_name = NULL;
  size_t width = 0;
  int r;

  r = lookup_call (ctl, argv[1], &call);
  if (r != EXIT_OK)
    return r;

  if (ctl->json)
    {
      g_autoptr(GString) out = g_string_new (NULL);

      append_call_json (ctl, out, call);
      g_string_append_c (out, '\n');
      fputs (out->str, stdout);
      return finish_output ();
    }

  provider_name = provider_name_for_path (ctl, ckd_dbus_call_get_provider (call));
  for (guint i = 0; info->properties[i] != NULL; i++)
    width = MAX (width, strlen (info->properties[i]->name));

  for (guint i = 0; info->properties[i] != NULL; i++)
    {
      const GDBusPropertyInfo *property = info->properties[i];
      g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (call), property->name);
      g_autofree char *text = format_value (property->name, value, FALSE);

      if (g_str_equal (property->name, "Provider") && *provider_name != '\0')
        {
          g_autofree char *clean_name = sanitize (provider_name);
          printf ("%*s: %s (%s)\n", (int) width, property->name, text, clean_name);
        }
      else
        {
          printf ("%*s: %s\n", (int) width, property->name, text);
        }
    }
  return finish_output ();
}

static int
verb_providers (Callctl *ctl,
                int      argc,
                char   **argv)
{
  g_autoptr(GPtrArray) providers = list_providers (ctl);
  g_autoptr(GPtrArray) calls = list_calls (ctl);

  if (ctl->json)
    {
      g_autoptr(GString) out = g_string_new ("[");

      for (guint i = 0; i < providers->len; i++)
        {
          CkdDbusProvider *provider = providers->pdata[i];

          if (i > 0)
            g_string_append_c (out, ',');
          append_provider_json (out, provider,
                                count_live_calls (calls, g_dbus_proxy_get_object_path (G_DBUS_PROXY (provider))));
        }
      g_string_append (out, "]\n");
      fputs (out->str, stdout);
      return finish_output ();
    }

  {
    g_autoptr(Table) table = table_new (4);

    table_add (table, "PATH");
    table_add (table, "NAME");
    table_add (table, "OWNER");
    table_add (table, "CALLS");

    for (guint i = 0; i < providers->len; i++)
      {
        CkdDbusProvider *provider = providers->pdata[i];
        const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (provider));
        g_autofree char *name = provider_localized_name (provider);
        const char *owner = ckd_dbus_provider_get_owner (provider);
        g_autofree char *n_calls = g_strdup_printf ("%u", count_live_calls (calls, path));

        table_add (table, path);
        table_add (table, *name != '\0' ? name : "-");
        table_add (table, owner != NULL && *owner != '\0' ? owner : "-");
        table_add (table, n_calls);
      }

    if (providers->len > 0 || !ctl->no_legend)
      table_print (table, !ctl->no_legend);
    if (!ctl->no_legend)
      printf ("\n%u provider%s listed.\n", providers->len, providers->len == 1 ? "" : "s");
  }
  return finish_output ();
}

typedef enum
{
  CALL_ACTION_ANSWER,
  CALL_ACTION_END,
  CALL_ACTION_HOLD,
  CALL_ACTION_UNHOLD,
  CALL_ACTION_MUTE,
  CALL_ACTION_UNMUTE,
  CALL_ACTION_DTMF,
} CallAction;

static int
run_call_action (Callctl    *ctl,
                 const char *call_arg,
                 CallAction  action,
                 const char *digits)
{
  g_autoptr(CkdDbusCall) call = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;
  int r;

  r = lookup_call (ctl, call_arg, &call);
  if (r != EXIT_OK)
    return r;

  /* The methods return when the provider fulfilled the action, which may
   * take up to its action_timeout_ms (10 minutes at most); callkitd times
   * the action out itself, so callctl waits as long as it takes. */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (call), G_MAXINT);

  switch (action)
    {
    case CALL_ACTION_ANSWER:
      ok = ckd_dbus_call_call_answer_sync (call, NULL, &error);
      break;
    case CALL_ACTION_END:
      ok = ckd_dbus_call_call_end_sync (call, NULL, &error);
      break;
    case CALL_ACTION_HOLD:
    case CALL_ACTION_UNHOLD:
      ok = ckd_dbus_call_call_set_held_sync (call, action == CALL_ACTION_HOLD, NULL, &error);
      break;
    case CALL_ACTION_MUTE:
    case CALL_ACTION_UNMUTE:
      ok = ckd_dbus_call_call_set_muted_sync (call, action == CALL_ACTION_MUTE, NULL, &error);
      break;
    case CALL_ACTION_DTMF:
      ok = ckd_dbus_call_call_play_dtmf_sync (call, digits, NULL, &error);
      break;
    default:
      g_assert_not_reached ();
    }

  if (!ok)
    return report_error (ctl, error);
  return EXIT_OK;
}

static int
verb_answer (Callctl *ctl, int argc, char **argv)
{
  return run_call_action (ctl, argv[1], CALL_ACTION_ANSWER, NULL);
}

static int
verb_end (Callctl *ctl, int argc, char **argv)
{
  return run_call_action (ctl, argv[1], CALL_ACTION_END, NULL);
}

static int
verb_hold (Callctl *ctl, int argc, char **argv)
{
  return run_call_action (ctl, argv[1], CALL_ACTION_HOLD, NULL);
}

static int
verb_unhold (Callctl *ctl, int argc, char **argv)
{
  return run_call_action (ctl, argv[1], CALL_ACTION_UNHOLD, NULL);
}

static int
verb_mute (Callctl *ctl, int argc, char **argv)
{
  return run_call_action (ctl, argv[1], CALL_ACTION_MUTE, NULL);
}

static int
verb_unmute (Callctl *ctl, int argc, char **argv)
{
  return run_call_action (ctl, argv[1], CALL_ACTION_UNMUTE, NULL);
}

static int
verb_dtmf (Callctl *ctl, int argc, char **argv)
{
  return run_call_action (ctl, argv[1], CALL_ACTION_DTMF, argv[2]);
}

static int
verb_reset (Callctl *ctl,
            int      argc,
            char   **argv)
{
  g_autoptr(CkdDbusProvider) provider = NULL;
  g_autoptr(GError) error = NULL;
  int r;

  r = lookup_provider (ctl, argv[1], &provider);
  if (r != EXIT_OK)
    return r;

  if (!ckd_dbus_provider_call_reset_sync (provider, NULL, &error))
    return report_error (ctl, error);
  return EXIT_OK;
}

static int
verb_silence (Callctl *ctl, int argc, char **argv)
{
  g_autoptr(CkdDbusManager) manager = NULL;
  g_autoptr(GError) error = NULL;
  guint silenced = 0;

  manager = ckd_dbus_manager_proxy_new_sync (ctl->bus,
                                             G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START |
                                             G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                             CKD_BUS_NAME, CKD_OBJECT_ROOT, NULL, &error);
  if (manager == NULL || !ckd_dbus_manager_call_silence_ringing_sync (manager, &silenced, NULL, &error))
    return report_error (ctl, error);
  if (ctl->json)
    g_print ("{\"silenced\": %u}\n", silenced);
  return EXIT_OK;
}

/* A guess that is right for what people type: "alice@example.org" is an
 * address, "+49 30 1234-5678" a number, anything else generic. */
static const char *
guess_handle_type (const char *handle)
{
  gboolean has_digit = FALSE;

  if (strchr (handle, '@') != NULL)
    return "email-address";
  for (const char *p = handle; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        has_digit = TRUE;
      else if (strchr ("+-() ./*#", *p) == NULL)
        return "generic";
    }
  return has_digit ? "phone-number" : "generic";
}

typedef struct
{
  GHashTable *completed; /* transaction id → outcomes */
  gboolean daemon_gone;
} StartWait;

static void
on_transaction_completed (CkdDbusCallController *controller,
                          const char            *transaction,
                          GVariant              *outcomes,
                          StartWait             *wait)
{
  g_hash_table_replace (wait->completed, g_strdup (transaction), g_variant_ref (outcomes));
}

static void
on_controller_owner_changed (GObject    *object,
                             GParamSpec *pspec,
                             StartWait  *wait)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (object));

  if (owner == NULL)
    wait->daemon_gone = TRUE;
}

static int
print_started_call (Callctl    *ctl,
                    const char *uuid,
                    const char *transaction)
{
  if (ctl->json)
    {
      g_autoptr(GString) out = g_string_new ("{\"uuid\":");

      callctl_json_append_string (out, uuid);
      g_string_append (out, ",\"transaction\":");
      callctl_json_append_string (out, transaction);
      g_string_append (out, "}\n");
      fputs (out->str, stdout);
    }
  else
    {
      printf ("%s\n", uuid);
    }
  return finish_output ();
}

static int
verb_start (Callctl *ctl,
            int      argc,
            char   **argv)
{
  g_autoptr(CkdDbusProvider) provider = NULL;
  g_autoptr(CkdDbusCallController) controller = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) completed = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *transaction = NULL;
  GVariantBuilder actions;
  GVariantBuilder action;
  const char *handle = argv[2];
  const char *handle_type;
  const char *provider_path;
  GVariant *outcomes;
  StartWait wait = { NULL, FALSE };
  int r;

  r = lookup_provider (ctl, argv[1], &provider);
  if (r != EXIT_OK)
    return r;
  provider_path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (provider));

  handle_type = ctl->handle_type != NULL ? ctl->handle_type : guess_handle_type (handle);
  uuid = g_uuid_string_random ();

  controller = ckd_dbus_call_controller_proxy_new_sync (ctl->bus,
                                                        G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START |
                                                        G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                                        CKD_BUS_NAME, CKD_OBJECT_ROOT,
                                                        NULL, &error);
  if (controller == NULL)
    return report_error (ctl, error);

  /* Listen before asking: a quick provider may complete the transaction
   * before our main loop runs again. */
  completed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
  wait.completed = completed;
  g_signal_connect (controller, "transaction-completed", G_CALLBACK (on_transaction_completed), &wait);
  g_signal_connect (controller, "notify::g-name-owner", G_CALLBACK (on_controller_owner_changed), &wait);

  g_variant_builder_init (&action, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&action, "{sv}", "type", g_variant_new_string ("start-call"));
  g_variant_builder_add (&action, "{sv}", "call", g_variant_new_string (uuid));
  g_variant_builder_add (&action, "{sv}", "handle", g_variant_new ("(ss)", handle_type, handle));
  g_variant_builder_add (&action, "{sv}", "video", g_variant_new_boolean (ctl->video));
  g_variant_builder_add (&action, "{sv}", "provider", g_variant_new_object_path (provider_path));
  g_variant_builder_init (&actions, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_builder_add_value (&actions, g_variant_builder_end (&action));

  if (!ckd_dbus_call_controller_call_request_transaction_sync (controller,
                                                               g_variant_builder_end (&actions),
                                                               &transaction,
                                                               NULL, &error))
    {
      r = report_error (ctl, error);
      g_signal_handlers_disconnect_by_data (controller, &wait);
      return r;
    }

  if (ctl->no_wait)
    {
      g_signal_handlers_disconnect_by_data (controller, &wait);
      return print_started_call (ctl, uuid, transaction);
    }

  /* The provider answers start-call within its action timeout; callkitd
   * reports "timed-out" otherwise, so this ends. */
  while ((outcomes = g_hash_table_lookup (completed, transaction)) == NULL && !wait.daemon_gone)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handlers_disconnect_by_data (controller, &wait);

  if (outcomes == NULL)
    {
      g_printerr ("callctl: callkitd left the bus before the call started\n");
      return EXIT_NO_DAEMON;
    }

  {
    g_autoptr(GVariant) outcome = NULL;
    const char *result = "";
    const char *reason = "";

    if (g_variant_n_children (outcomes) > 0)
      outcome = g_variant_get_child_value (outcomes, 0);
    if (outcome != NULL)
      {
        g_variant_lookup (outcome, "result", "&s", &result);
        g_variant_lookup (outcome, "reason", "&s", &reason);
      }

    if (g_str_equal (result, "fulfilled"))
      return print_started_call (ctl, uuid, transaction);

    {
      g_autofree char *clean_reason = sanitize (reason);

      if (g_str_equal (result, "timed-out"))
        g_printerr ("callctl: %sActionTimedOut: the provider did not start call %s in time\n",
                    CKD_ERROR_PREFIX, uuid);
      else
        g_printerr ("callctl: %sActionFailed: the provider failed to start call %s%s%s\n",
                    CKD_ERROR_PREFIX, uuid, *reason != '\0' ? ": " : "", clean_reason);
    }
    return EXIT_ERROR;
  }
}

/* monitor */

static void
print_event (Callctl *ctl,
             GString *line)
{
  g_string_append_c (line, '\n');
  fputs (line->str, stdout);
  /* One event, one line, now: monitor feeds pipes and scripts. */
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      ctl->monitor_exit = EXIT_ERROR;
      g_main_loop_quit (ctl->loop);
    }
}

static char *
uuid_from_call_path (const char *path)
{
  const char *base = strrchr (path, '/');
  char *uuid = g_strdup (base != NULL ? base + 1 : path);

  g_strdelimit (uuid, "_", '-');
  return uuid;
}

static void
append_key_values (GString                  *line,
                   GDBusProxy               *proxy,
                   const char * const       *names)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (proxy, names[i]);
      g_autofree char *text = format_value (names[i], value, TRUE);

      g_string_append_printf (line, " %s=%s", names[i], text);
    }
}

static void
on_object_added (GDBusObjectManager *manager,
                 GDBusObject        *object,
                 Callctl            *ctl)
{
  g_autoptr(CkdDbusCall) call = ckd_dbus_object_get_call (CKD_DBUS_OBJECT (object));
  g_autoptr(CkdDbusProvider) provider = ckd_dbus_object_get_provider (CKD_DBUS_OBJECT (object));
  const char *path = g_dbus_object_get_object_path (object);
  g_autoptr(GString) line = g_string_new (NULL);

  if (call != NULL)
    {
      static const char * const shown[] = {
        "Provider", "State", "IsOutgoing", "RemoteHandle", "LocalizedCallerName", "HasVideo", NULL
      };

      if (ctl->json)
        {
          g_string_append (line, "{\"event\":\"call-added\",\"uuid\":");
          callctl_json_append_string (line, call_uuid (call));
          g_string_append (line, ",\"call\":");
          append_call_json (ctl, line, call);
          g_string_append_c (line, '}');
        }
      else
        {
          g_string_append_printf (line, "call-added %s", call_uuid (call));
          append_key_values (line, G_DBUS_PROXY (call), shown);
        }
      print_event (ctl, line);
    }
  else if (provider != NULL)
    {
      g_autofree char *name = provider_localized_name (provider);

      if (ctl->json)
        {
          g_autoptr(GPtrArray) calls = list_calls (ctl);

          g_string_append (line, "{\"event\":\"provider-added\",\"path\":");
          callctl_json_append_string (line, path);
          g_string_append (line, ",\"provider\":");
          append_provider_json (line, provider, count_live_calls (calls, path));
          g_string_append_c (line, '}');
        }
      else
        {
          static const char * const shown[] = { "Owner", "ApplicationId", NULL };
          g_autoptr(GVariant) name_value = g_variant_ref_sink (g_variant_new_string (name));
          g_autofree char *name_text = format_value ("LocalizedName", name_value, TRUE);

          g_string_append_printf (line, "provider-added %s LocalizedName=%s", path, name_text);
          append_key_values (line, G_DBUS_PROXY (provider), shown);
        }
      print_event (ctl, line);
    }
}

static void
on_object_removed (GDBusObjectManager *manager,
                   GDBusObject        *object,
                   Callctl            *ctl)
{
  g_autoptr(CkdDbusCall) call = ckd_dbus_object_get_call (CKD_DBUS_OBJECT (object));
  g_autoptr(CkdDbusProvider) provider = ckd_dbus_object_get_provider (CKD_DBUS_OBJECT (object));
  const char *path = g_dbus_object_get_object_path (object);
  g_autoptr(GString) line = g_string_new (NULL);

  if (call != NULL)
    {
      g_autofree char *uuid = ckd_dbus_call_dup_uuid (call);

      if (uuid == NULL)
        uuid = uuid_from_call_path (path);
      if (ctl->json)
        {
          g_string_append (line, "{\"event\":\"call-removed\",\"uuid\":");
          callctl_json_append_string (line, uuid);
          g_string_append (line, ",\"path\":");
          callctl_json_append_string (line, path);
          g_string_append_c (line, '}');
        }
      else
        {
          g_string_append_printf (line, "call-removed %s", uuid);
        }
      print_event (ctl, line);
    }
  else if (provider != NULL)
    {
      if (ctl->json)
        {
          g_string_append (line, "{\"event\":\"provider-removed\",\"path\":");
          callctl_json_append_string (line, path);
          g_string_append_c (line, '}');
        }
      else
        {
          g_string_append_printf (line, "provider-removed %s", path);
        }
      print_event (ctl, line);
    }
}

static void
on_properties_changed (GDBusObjectManagerClient *manager,
                       GDBusObjectProxy         *object,
                       GDBusProxy               *proxy,
                       GVariant                 *changed,
                       const char * const       *invalidated,
                       Callctl                  *ctl)
{
  const char *path = g_dbus_proxy_get_object_path (proxy);
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree char *uuid = NULL;
  const char *event;
  GVariantIter iter;
  const char *name;
  GVariant *value;

  if (CKD_DBUS_IS_CALL (proxy))
    {
      event = "call-changed";
      uuid = g_strdup (call_uuid (CKD_DBUS_CALL (proxy)));
      if (*uuid == '\0')
        {
          g_free (uuid);
          uuid = uuid_from_call_path (path);
        }
    }
  else if (CKD_DBUS_IS_PROVIDER (proxy))
    {
      event = "provider-changed";
    }
  else
    {
      return;
    }

  if (ctl->json)
    {
      gboolean first = TRUE;

      g_string_append_printf (line, "{\"event\":\"%s\"", event);
      if (uuid != NULL)
        {
          g_string_append (line, ",\"uuid\":");
          callctl_json_append_string (line, uuid);
        }
      g_string_append (line, ",\"path\":");
      callctl_json_append_string (line, path);
      g_string_append (line, ",\"changed\":{");
      g_variant_iter_init (&iter, changed);
      while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
        {
          g_autofree char *key = callctl_json_key_from_property (name);

          if (!first)
            g_string_append_c (line, ',');
          first = FALSE;
          callctl_json_append_string (line, key);
          g_string_append_c (line, ':');
          if (g_variant_is_of_type (value, G_VARIANT_TYPE ("(ss)")))
            {
              const char *type, *handle;

              g_variant_get (value, "(&s&s)", &type, &handle);
              g_string_append (line, "{\"type\":");
              callctl_json_append_string (line, type);
              g_string_append (line, ",\"value\":");
              callctl_json_append_string (line, handle);
              g_string_append_c (line, '}');
            }
          else
            {
              callctl_json_append_variant (line, value);
            }
          g_variant_unref (value);
        }
      g_string_append (line, "},\"invalidated\":[");
      for (guint i = 0; invalidated != NULL && invalidated[i] != NULL; i++)
        {
          g_autofree char *key = callctl_json_key_from_property (invalidated[i]);

          if (i > 0)
            g_string_append_c (line, ',');
          callctl_json_append_string (line, key);
        }
      g_string_append (line, "]}");
    }
  else
    {
      g_string_append_printf (line, "%s %s", event, uuid != NULL ? uuid : path);
      g_variant_iter_init (&iter, changed);
      while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
        {
          g_autofree char *text = format_value (name, value, TRUE);

          g_string_append_printf (line, " %s=%s", name, text);
          g_variant_unref (value);
        }
      for (guint i = 0; invalidated != NULL && invalidated[i] != NULL; i++)
        g_string_append_printf (line, " %s=?", invalidated[i]);
    }
  print_event (ctl, line);
}

static void
on_name_owner_changed (GObject    *object,
                       GParamSpec *pspec,
                       Callctl    *ctl)
{
  g_autofree char *owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (object));
  g_autoptr(GString) line = g_string_new (NULL);

  if (ctl->json)
    {
      g_string_append_printf (line, "{\"event\":\"%s\"", owner != NULL ? "daemon-appeared" : "daemon-vanished");
      if (owner != NULL)
        {
          g_string_append (line, ",\"owner\":");
          callctl_json_append_string (line, owner);
        }
      g_string_append_c (line, '}');
    }
  else if (owner != NULL)
    {
      g_string_append_printf (line, "daemon-appeared %s", owner);
    }
  else
    {
      g_string_append (line, "daemon-vanished");
    }
  print_event (ctl, line);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Callctl *ctl = user_data;

  g_main_loop_quit (ctl->loop);
  return G_SOURCE_CONTINUE;
}

static int
verb_monitor (Callctl *ctl,
              int      argc,
              char   **argv)
{
  guint sigint_id, sigterm_id;

  ctl->loop = g_main_loop_new (NULL, FALSE);
  ctl->monitor_exit = EXIT_OK;

  g_signal_connect (ctl->manager, "object-added", G_CALLBACK (on_object_added), ctl);
  g_signal_connect (ctl->manager, "object-removed", G_CALLBACK (on_object_removed), ctl);
  g_signal_connect (ctl->manager, "interface-proxy-properties-changed",
                    G_CALLBACK (on_properties_changed), ctl);
  g_signal_connect (ctl->manager, "notify::name-owner", G_CALLBACK (on_name_owner_changed), ctl);
  /* Ctrl-C is how monitor ends: that is success. */
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, ctl);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, ctl);

  /* What exists already comes first, as if it had just been added: a
   * reader gets the whole state and then every change, with no window in
   * which something is missed. The manager has been listening since it was
   * created, so nothing falls between this and the first event. */
  {
    g_autoptr(GPtrArray) providers = list_providers (ctl);
    g_autoptr(GPtrArray) calls = list_calls (ctl);

    for (guint i = 0; i < providers->len && ctl->monitor_exit == EXIT_OK; i++)
      {
        g_autoptr(GDBusObject) object = g_dbus_interface_dup_object (G_DBUS_INTERFACE (providers->pdata[i]));
        on_object_added (ctl->manager, object, ctl);
      }
    for (guint i = 0; i < calls->len && ctl->monitor_exit == EXIT_OK; i++)
      {
        g_autoptr(GDBusObject) object = g_dbus_interface_dup_object (G_DBUS_INTERFACE (calls->pdata[i]));
        on_object_added (ctl->manager, object, ctl);
      }
  }

  if (ctl->monitor_exit == EXIT_OK)
    g_main_loop_run (ctl->loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_signal_handlers_disconnect_by_data (ctl->manager, ctl);
  return ctl->monitor_exit;
}

/* ------------------------------------------------------------------ */
/* push: callctl-push.c */

static int
verb_push (Callctl *ctl,
           int      argc,
           char   **argv)
{
  return callctl_push (ctl->json, ctl->no_legend, argc, argv);
}

/* ------------------------------------------------------------------ */
/* main */

typedef int (*VerbFunc) (Callctl *ctl,
                         int      argc,
                         char   **argv);

typedef struct
{
  const char *name;
  const char *args;
  int min_args; /* not counting the verb */
  int max_args;
  gboolean reads; /* takes --json */
  VerbFunc func;
  const char *help;
} Verb;

static const Verb verbs[] = {
  { "list", "", 0, 0, TRUE, verb_list, "List live calls (the default)" },
  { "show", "CALL", 1, 1, TRUE, verb_show, "Show every property of a call" },
  { "monitor", "", 0, 0, TRUE, verb_monitor, "Print calls and providers as they change" },
  { "providers", "", 0, 0, TRUE, verb_providers, "List call providers" },
  { "answer", "CALL", 1, 1, FALSE, verb_answer, "Answer a ringing call" },
  { "end", "CALL", 1, 1, FALSE, verb_end, "End a call, or decline it while it rings" },
  { "hold", "CALL", 1, 1, FALSE, verb_hold, "Hold a call (and its group)" },
  { "unhold", "CALL", 1, 1, FALSE, verb_unhold, "Resume a held call" },
  { "mute", "CALL", 1, 1, FALSE, verb_mute, "Mute the microphone for a call" },
  { "unmute", "CALL", 1, 1, FALSE, verb_unmute, "Unmute the microphone for a call" },
  { "dtmf", "CALL DIGITS", 2, 2, FALSE, verb_dtmf, "Send DTMF digits (0-9 * # A-D)" },
  { "start", "PROVIDER HANDLE", 2, 2, FALSE, verb_start, "Start an outgoing call; prints its UUID" },
  { "reset", "PROVIDER", 1, 1, FALSE, verb_reset, "Reset a provider: end its calls" },
  { "silence", "", 0, 0, TRUE, verb_silence, "Stop the ringing of the calls ringing now" },
  { "push", "list|send TOKEN", 1, G_MAXINT, TRUE, verb_push,
    "VoIP pushes: registered apps; send one (push --help)" },
};

static char *
build_summary (void)
{
  GString *summary = g_string_new ("Commands:\n");

  for (size_t i = 0; i < G_N_ELEMENTS (verbs); i++)
    {
      g_autofree char *usage = g_strdup_printf ("%s %s", verbs[i].name, verbs[i].args);
      g_string_append_printf (summary, "  %-26s%s\n", usage, verbs[i].help);
    }
  g_string_append (summary,
                   "\n"
                   "CALL is a call's UUID, a unique prefix of it, or its object path.\n"
                   "PROVIDER is a provider's number N, object path or localized name.");
  return g_string_free (summary, FALSE);
}

static const char description[] =
  "Exit status:\n"
  "  0  success\n"
  "  1  callkitd answered with an error, or another failure\n"
  "  2  usage error\n"
  "  3  not found: no such call or provider, or an ambiguous CALL/PROVIDER\n"
  "  4  callkitd is not running, or the session bus cannot be reached\n"
  "\n"
  "callctl talks to callkitd on the session bus (DBUS_SESSION_BUS_ADDRESS)\n"
  "and never starts it. See callctl(1).";

static gboolean
check_handle_type (const char *option_name,
                   const char *value,
                   gpointer    data,
                   GError    **error)
{
  Callctl *ctl = data;

  if (!g_str_equal (value, "phone-number") && !g_str_equal (value, "email-address") &&
      !g_str_equal (value, "generic"))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Invalid --handle-type \"%s\": use phone-number, email-address or generic",
                   value);
      return FALSE;
    }
  g_free (ctl->handle_type);
  ctl->handle_type = g_strdup (value);
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_auto(Callctl) ctl = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GOptionGroup) group = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  g_auto(GStrv) args = NULL;
  gboolean version = FALSE;
  const Verb *verb = NULL;
  const char *verb_name;
  int n_args;
  int r;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &ctl.json,
      "Print JSON (list, show, providers, start; monitor prints one JSON object per line)", NULL },
    { "no-legend", 0, 0, G_OPTION_ARG_NONE, &ctl.no_legend,
      "Print no column headers and no footer", NULL },
    { "handle-type", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer) check_handle_type,
      "For start: phone-number, email-address or generic (default: guessed)", "TYPE" },
    { "video", 0, 0, G_OPTION_ARG_NONE, &ctl.video,
      "For start: a video call", NULL },
    { "no-wait", 0, 0, G_OPTION_ARG_NONE, &ctl.no_wait,
      "For start: return once callkitd dispatched the call, without waiting for the provider", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      "Print the version and exit", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");

  /* g_option_context_parse_strv frees what it removes: work on a copy. */
  args = g_strdupv (argv);

  context = g_option_context_new ("[COMMAND [ARGUMENTS...]]");
  summary = build_summary ();
  g_option_context_set_summary (context, summary);
  g_option_context_set_description (context, description);
  group = g_option_group_new ("callctl", "callctl options", "Show callctl options", &ctl, NULL);
  g_option_group_add_entries (group, entries);
  g_option_context_set_main_group (context, g_steal_pointer (&group));

  /* push has options of its own (callctl-push.c): they go to it. */
  for (int i = 1; args[i] != NULL; i++)
    if (args[i][0] != '-')
      {
        g_option_context_set_ignore_unknown_options (context, g_str_equal (args[i], "push"));
        /* ...and so does --help after it. */
        if (g_str_equal (args[i], "push"))
          g_option_context_set_help_enabled (context, FALSE);
        break;
      }
  if (!g_option_context_parse_strv (context, &args, &error))
    return usage_error ("%s", error->message);

  if (version)
    {
      printf ("callctl %s\n", PACKAGE_VERSION);
      return finish_output ();
    }

  verb_name = args[1] != NULL ? args[1] : "list";
  if (g_str_equal (verb_name, "help"))
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      fputs (help, stdout);
      return finish_output ();
    }

  for (size_t i = 0; i < G_N_ELEMENTS (verbs); i++)
    if (g_str_equal (verbs[i].name, verb_name))
      verb = &verbs[i];
  if (verb == NULL)
    {
      g_autofree char *clean = sanitize (verb_name);
      return usage_error ("unknown command \"%s\"", clean);
    }

  /* Arguments after the verb. */
  n_args = args[1] != NULL ? (int) g_strv_length (args) - 2 : 0;
  if (n_args < verb->min_args)
    return usage_error ("%s: missing argument: usage: callctl %s %s", verb->name, verb->name, verb->args);
  if (n_args > verb->max_args)
    return usage_error ("%s: too many arguments: usage: callctl %s%s%s", verb->name, verb->name,
                        *verb->args != '\0' ? " " : "", verb->args);
  if (ctl.json && !verb->reads && verb->func != verb_start)
    return usage_error ("%s: --json applies to list, show, providers, monitor and start", verb->name);
  if ((ctl.handle_type != NULL || ctl.video || ctl.no_wait) && verb->func != verb_start)
    return usage_error ("%s: --handle-type, --video and --no-wait apply to start only", verb->name);

  r = callctl_connect (&ctl);
  if (r != EXIT_OK)
    return r;

  {
    /* A synthetic argv, verb first, even when the default verb was used. */
    g_autofree char **verb_argv = g_new0 (char *, n_args + 2);

    verb_argv[0] = (char *) verb->name;
    for (int i = 0; i < n_args; i++)
      verb_argv[i + 1] = args[i + 2];
    return verb->func (&ctl, n_args + 1, verb_argv);
  }
}
