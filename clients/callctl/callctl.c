/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* callctl: list, watch and control the calls that callkitd knows about.
 *
 * A client of libcallkit like any other: a CkCallObserver sees the calls
 * and providers, a CkCallController changes them. Every command is one
 * entry of the verbs table below. Read commands take --json. Exit codes
 * are part of the interface (see callctl(1)): scripts tell "no such call"
 * from "the daemon said no" from "no daemon". */

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libsmartcols.h>

#include "callkit.h"
#include "callkit-glib.h"
#include "callkit-names.h"
#include "callctl-directory.h"
#include "callctl-history.h"
#include "callctl-json.h"
#include "callctl-push.h"
#include "callctl-identity.h"

typedef enum
{
  EXIT_OK = 0,
  EXIT_ERROR = 1,
  EXIT_USAGE = 2,
  EXIT_NOT_FOUND = 3,
  EXIT_NO_DAEMON = 4,
} CallctlExit;

typedef enum
{
  JSON_OFF,
  JSON_SHORT,
  JSON_PRETTY,
} JsonMode;

struct Verb;

typedef struct
{
  /* options */
  JsonMode json;
  gboolean json_auto;
  gboolean no_legend;
  gboolean no_wait;
  gboolean video;
  gboolean verbose;
  gboolean hold_active;
  gboolean end_active;
  gboolean value_only;
  char **properties;
  char *handle_type;
  const struct Verb *verb;

  sd_bus *bus;
  GSource *bus_source;
  CkCallObserver *observer;
  CkCallController *controller;

  /* monitor */
  GMainLoop *loop;
  GHashTable *seen; /* object paths reported as added */
  int monitor_exit;

  /* waiting for a transaction */
  gboolean daemon_gone;
} Callctl;

static void
callctl_clear (Callctl *ctl)
{
  g_clear_pointer (&ctl->handle_type, g_free);
  g_clear_pointer (&ctl->properties, g_strfreev);
  g_clear_pointer (&ctl->observer, ck_call_observer_unref);
  g_clear_pointer (&ctl->controller, ck_call_controller_unref);
  if (ctl->bus_source != NULL)
    {
      g_source_destroy (ctl->bus_source);
      g_clear_pointer (&ctl->bus_source, g_source_unref);
    }
  g_clear_pointer (&ctl->bus, sd_bus_flush_close_unref);
  g_clear_pointer (&ctl->loop, g_main_loop_unref);
  g_clear_pointer (&ctl->seen, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Callctl, callctl_clear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sd_bus_message, sd_bus_message_unref)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (sd_bus_error, sd_bus_error_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkTransaction, ck_transaction_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkCall, ck_call_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CkProviderInfo, ck_provider_info_unref)
typedef struct libscols_table ScolsTable;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScolsTable, scols_unref_table)

static void
call_unref (gpointer call)
{
  ck_call_unref (call);
}

static void
provider_info_unref (gpointer provider)
{
  ck_provider_info_unref (provider);
}

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
    { CKD_ERROR_PREFIX "UnknownEntry", EXIT_NOT_FOUND },
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

static char *json_to_text (JsonMode  mode,
                           JsonNode *node);
static char *sanitize (const char *str);

/* callkitd's messages name the failing action by its index in the
 * transaction ("action 0: call ... is active, not ringing"): callctl
 * made the transaction, so the index means nothing to its user. */
static const char *
strip_action_index (const char *message)
{
  const char *p = message;

  if (!g_str_has_prefix (p, "action "))
    return message;
  p += strlen ("action ");
  if (!g_ascii_isdigit (*p))
    return message;
  while (g_ascii_isdigit (*p))
    p++;
  return g_str_has_prefix (p, ": ") ? p + 2 : message;
}

/* Prints an error as one sentence for people: "callctl: Could not answer
 * call X: call X is active, not ringing." The D-Bus error name follows
 * only with --verbose; with --json the error is a JSON object on stderr
 * ({"error": NAME, "message": SENTENCE}) for scripts. */
static void
print_error (Callctl    *ctl,
             const char *doing,
             const char *name,
             const char *reason,
             const char *hint)
{
  g_autoptr(GString) sentence = g_string_new (NULL);
  g_autofree char *clean = sanitize (strip_action_index (reason != NULL ? reason : ""));

  if (doing != NULL)
    g_string_append_printf (sentence, "Could not %s", doing);
  if (*clean != '\0')
    {
      if (sentence->len > 0)
        g_string_append (sentence, ": ");
      g_string_append (sentence, clean);
    }
  if (sentence->len > 0 && strchr (".!?", sentence->str[sentence->len - 1]) == NULL)
    g_string_append_c (sentence, '.');
  if (hint != NULL)
    g_string_append_printf (sentence, " %s", hint);

  if (ctl->json != JSON_OFF)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "error");
      if (name != NULL)
        json_builder_add_string_value (builder, name);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, sentence->str);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      text = json_to_text (JSON_SHORT, root);
      g_printerr ("%s\n", text);
    }
  else if (ctl->verbose && name != NULL)
    {
      g_printerr ("callctl: %s (%s)\n", sentence->str, name);
    }
  else
    {
      g_printerr ("callctl: %s\n", sentence->str);
    }
}

/* The error of a failed request to callkitd: doing says what callctl
 * tried ("answer call X"). Returns the exit code. */
static int
report_bus_error (Callctl            *ctl,
                  const sd_bus_error *error,
                  int                 r,
                  const char         *doing)
{
  const char *hint = NULL;

  if (error == NULL || !sd_bus_error_is_set (error))
    {
      print_error (ctl, doing, NULL, g_strerror (-r), NULL);
      return r == -ENOTCONN || r == -ECONNRESET ? EXIT_NO_DAEMON : EXIT_ERROR;
    }

  /* NoReply is what the bus sends when callkitd died while we waited; it
   * also covers a timeout, so look. */
  if (g_str_equal (error->name, "org.freedesktop.DBus.Error.NoReply") &&
      (ctl->daemon_gone || ck_call_observer_get_daemon (ctl->observer) == NULL))
    {
      print_error (ctl, doing, error->name, "callkitd left the session bus before it answered", NULL);
      return EXIT_NO_DAEMON;
    }
  /* A second call while one is active that callkitd cannot hold by itself
   * (answering holds a call that can be held): callctl can make the
   * transaction the message asks for. */
  if (g_str_equal (error->name, CKD_ERROR_PREFIX "MaximumCallGroupsReached") &&
      !ctl->hold_active && !ctl->end_active)
    hint = "Answer with --end-active to end that call first.";
  print_error (ctl, doing, error->name, error->message, hint);
  return exit_code_for_error_name (error->name);
}

int
callctl_report_bus_error (gpointer ctl, const sd_bus_error *error, int r, const char *doing)
{
  return report_bus_error (ctl, error, r, doing);
}

static int
report_controller_error (Callctl    *ctl,
                         int         r,
                         const char *doing)
{
  return report_bus_error (ctl, ck_call_controller_get_last_bus_error (ctl->controller), r, doing);
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

static char *
json_to_text (JsonMode  mode,
              JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_pretty (generator, mode == JSON_PRETTY);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}

/* One value for people: yes/no, local times, "type:value" handles.
 * In key=value lines (monitor), values with spaces or quotes are quoted
 * JSON-style so that a line still splits on spaces. value is positioned at
 * the property's variant, or NULL when the property is not known. */
static char *
format_value (const char     *property,
              sd_bus_message *value,
              gboolean        for_key_value)
{
  g_autofree char *text = NULL;
  const char *contents = NULL;

  if (value == NULL || sd_bus_message_peek_type (value, NULL, &contents) <= 0)
    return g_strdup ("n/a");

  if (g_str_equal (contents, "b"))
    {
      int b = 0;

      (void) sd_bus_message_read (value, "v", "b", &b);
      return g_strdup (yes_no (b));
    }
  if (g_str_equal (contents, "x") && g_str_has_suffix (property, "At"))
    {
      int64_t x = 0;

      (void) sd_bus_message_read (value, "v", "x", &x);
      return format_time (x);
    }
  if (g_str_equal (contents, "(ss)"))
    {
      const char *type = "", *handle = "";

      (void) sd_bus_message_read (value, "v", "(ss)", &type, &handle);
      if (for_key_value)
        text = g_strdup_printf ("%s:%s", type, handle);
      else if (*handle == '\0')
        text = g_strdup_printf ("Unknown (%s)", type);
      else
        text = g_strdup_printf ("%s (%s)", handle, type);
    }
  else if (g_str_equal (contents, "s") || g_str_equal (contents, "o"))
    {
      const char *s = "";

      (void) sd_bus_message_read (value, "v", contents, &s);
      if (!for_key_value && *s == '\0')
        return g_strdup ("n/a");
      text = g_strdup (s);
    }
  else
    {
      g_autoptr(JsonNode) node = callctl_json_from_message (value);

      text = node != NULL ? json_to_text (JSON_SHORT, node) : g_strdup ("?");
    }

  if (for_key_value && needs_quoting (text))
    {
      g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), text);
      g_autofree char *quoted = json_to_text (JSON_SHORT, node);

      return sanitize (quoted);
    }
  return sanitize (text);
}

/* A table for people: columns as wide as their widest cell on screen
 * (libsmartcols measures display width: CJK, emoji), two spaces apart. */
static struct libscols_table *
table_new (const char * const *headers,
           gboolean             no_legend)
{
  struct libscols_table *table = scols_new_table ();

  /* Cells are sanitized already: print them as they are. */
  scols_table_enable_noencoding (table, TRUE);
  scols_table_enable_noheadings (table, no_legend);
  scols_table_set_column_separator (table, "  ");
  for (size_t i = 0; headers[i] != NULL; i++)
    scols_table_new_column (table, headers[i], 0, 0);
  return table;
}

static void
table_add_row (struct libscols_table *table,
               const char * const    *cells)
{
  struct libscols_line *line = scols_table_new_line (table, NULL);

  for (size_t i = 0; cells[i] != NULL; i++)
    {
      g_autofree char *clean = sanitize (cells[i]);

      scols_line_set_data (line, i, clean);
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

/* Prints JSON and a newline. */
static int
print_json (Callctl  *ctl,
            JsonNode *node)
{
  return callctl_print_json (ctl->json, node);
}

/* ---- for the history's commands (callctl-history.c) ---- */

int
callctl_print_json (int json, JsonNode *node)
{
  g_autofree char *text = json_to_text (json, node);

  fputs (text, stdout);
  fputc ('\n', stdout);
  return finish_output ();
}

char *
callctl_sanitize (const char *str)
{
  return sanitize (str);
}

int
callctl_finish_output (void)
{
  return finish_output ();
}

struct libscols_table *
callctl_table_new (const char *const *headers, gboolean no_legend)
{
  return table_new (headers, no_legend);
}

void
callctl_table_add_row (struct libscols_table *table, const char *const *cells)
{
  table_add_row (table, cells);
}

/* ------------------------------------------------------------------ */
/* Talking to callkitd */

static void
on_daemon_changed (CkCallObserver *observer,
                   const char     *daemon,
                   void           *userdata)
{
  Callctl *ctl = userdata;

  if (daemon == NULL)
    ctl->daemon_gone = TRUE;
}

static void on_call_changed (CkCallObserver *observer,
                             CkCall         *call,
                             void           *userdata);

/* Calls are followed by monitor only: the table of what was seen exists
 * while it runs. */
static void
dispatch_call_changed (CkCallObserver *observer,
                       CkCall         *call,
                       void           *userdata)
{
  Callctl *ctl = userdata;

  if (ctl->seen != NULL)
    on_call_changed (observer, call, userdata);
}

static int
callctl_connect (Callctl *ctl,
                 gboolean wait_for_daemon)
{
  g_auto(sd_bus_error) error = SD_BUS_ERROR_NULL;
  int r;

  r = sd_bus_open_user (&ctl->bus);
  if (r < 0)
    {
      g_printerr ("callctl: cannot connect to the session bus: %s\n", g_strerror (-r));
      return EXIT_NO_DAEMON;
    }

  /* As hostnamectl starts hostnamed: callkitd exits when idle and comes
   * back by D-Bus activation at the first request. */
  r = ck_call_observer_new_with_flags (ctl->bus, CK_CALL_OBSERVER_START_DAEMON, dispatch_call_changed, ctl,
                                       &error, &ctl->observer);
  if (r < 0 && wait_for_daemon)
    {
      /* monitor: follow callkitd from the moment it appears. */
      g_printerr ("callctl: callkitd is not running on the session bus and cannot be started (%s); "
                  "waiting for it\n", error.message != NULL ? error.message : g_strerror (-r));
      r = ck_call_observer_new (ctl->bus, dispatch_call_changed, ctl, &ctl->observer);
    }
  if (r < 0)
    {
      g_autofree char *reason = NULL;

      /* ServiceUnknown: nothing can start it; a Spawn error: it was
       * started and failed. */
      if (sd_bus_error_has_name (&error, SD_BUS_ERROR_SERVICE_UNKNOWN))
        reason = g_strdup ("callkitd is not running on the session bus and cannot be started: "
                           "no D-Bus activation file names " CKD_BUS_NAME);
      else if (sd_bus_error_is_set (&error))
        reason = g_strdup_printf ("callkitd is not running on the session bus and did not start: %s",
                                  error.message != NULL ? error.message : error.name);
      else
        reason = g_strdup_printf ("callkitd is not running on the session bus: %s", g_strerror (-r));
      print_error (ctl, NULL, error.name, reason, NULL);
      return EXIT_NO_DAEMON;
    }
  ck_call_observer_set_daemon_changed (ctl->observer, on_daemon_changed, ctl);

  r = ck_call_controller_new (ctl->bus, &ctl->controller);
  if (r < 0)
    {
      g_printerr ("callctl: cannot create a call controller: %s\n", g_strerror (-r));
      return EXIT_ERROR;
    }

  /* Everything that arrives on the bus is handled from GLib's main loop. */
  ctl->bus_source = ck_glib_bus_source_new (ctl->bus);
  if (ctl->bus_source == NULL)
    {
      g_printerr ("callctl: the session bus connection has no file descriptor\n");
      return EXIT_ERROR;
    }
  g_source_attach (ctl->bus_source, NULL);
  return EXIT_OK;
}

static gint
compare_calls (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (ck_call_get_object_path (*(CkCall * const *) a),
                    ck_call_get_object_path (*(CkCall * const *) b));
}

/* Live calls, sorted by object path (so by UUID), each a new reference. */
static GPtrArray *
list_calls (Callctl *ctl)
{
  GPtrArray *calls = g_ptr_array_new_with_free_func (call_unref);
  size_t n = ck_call_observer_get_n_calls (ctl->observer);

  for (size_t i = 0; i < n; i++)
    g_ptr_array_add (calls, ck_call_ref (ck_call_observer_get_call (ctl->observer, i)));
  g_ptr_array_sort (calls, compare_calls);
  return calls;
}

/* Providers, sorted by number, each a new reference. */
static GPtrArray *
list_providers (Callctl *ctl)
{
  GPtrArray *providers = g_ptr_array_new_with_free_func (provider_info_unref);
  size_t n = ck_call_observer_get_n_providers (ctl->observer);

  for (size_t i = 0; i < n; i++)
    g_ptr_array_add (providers, ck_provider_info_ref (ck_call_observer_get_provider (ctl->observer, i)));
  return providers;
}

/* The localized name of the provider at @path, or "" if it is not known. */
static const char *
provider_name_for_path (Callctl    *ctl,
                        const char *path)
{
  CkProviderInfo *provider = ck_call_observer_find_provider (ctl->observer, path);

  return provider != NULL ? ck_provider_info_get_localized_name (provider) : "";
}

static char *
format_call_list (GPtrArray *calls)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < calls->len && i < 5; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", ck_call_get_uuid (calls->pdata[i]));
  if (calls->len > 5)
    g_string_append (text, ", ...");
  return g_string_free (text, FALSE);
}

/* CALL is a UUID (any case), a unique prefix of a live call's UUID, or the
 * call's object path. */
static int
lookup_call (Callctl    *ctl,
             const char *arg,
             CkCall    **out_call)
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
      CkCall *call = calls->pdata[i];

      if (g_str_equal (ck_call_get_uuid (call), wanted) || g_str_equal (ck_call_get_object_path (call), arg))
        {
          *out_call = ck_call_ref (call);
          return EXIT_OK;
        }
      if (g_str_has_prefix (ck_call_get_uuid (call), wanted))
        g_ptr_array_add (matches, call);
    }

  if (matches->len == 1)
    {
      *out_call = ck_call_ref (matches->pdata[0]);
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
lookup_provider (Callctl         *ctl,
                 const char      *arg,
                 CkProviderInfo **out_provider)
{
  g_autoptr(GPtrArray) providers = list_providers (ctl);
  g_autoptr(GPtrArray) exact = g_ptr_array_new ();
  g_autoptr(GPtrArray) folded = g_ptr_array_new ();
  g_autofree char *wanted_folded = g_utf8_casefold (arg, -1);
  g_autofree char *clean = sanitize (arg);
  gboolean by_number = is_all_digits (arg);
  GPtrArray *matches;

  if (*arg == '\0')
    return usage_error ("PROVIDER must not be empty");

  for (guint i = 0; i < providers->len; i++)
    {
      CkProviderInfo *provider = providers->pdata[i];
      const char *path = ck_provider_info_get_object_path (provider);
      const char *name = ck_provider_info_get_localized_name (provider);
      g_autofree char *name_folded = g_utf8_casefold (name, -1);
      uint64_t number;

      if (by_number || arg[0] == '/')
        {
          /* "07" is provider 7 too. */
          if (g_str_equal (path, arg) ||
              (by_number && ck_provider_info_get_number (provider, &number) >= 0 &&
               number == g_ascii_strtoull (arg, NULL, 10)))
            {
              *out_provider = ck_provider_info_ref (provider);
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
      *out_provider = ck_provider_info_ref (matches->pdata[0]);
      return EXIT_OK;
    }
  if (matches->len == 0)
    {
      g_printerr ("callctl: no provider matches \"%s\"\n", clean);
      return EXIT_NOT_FOUND;
    }

  g_printerr ("callctl: \"%s\" is ambiguous: %u providers have that name (", clean, matches->len);
  for (guint i = 0; i < matches->len; i++)
    g_printerr ("%s%s", i > 0 ? ", " : "", ck_provider_info_get_object_path (matches->pdata[i]));
  g_printerr ("); use the number or the path\n");
  return EXIT_NOT_FOUND;
}

/* ------------------------------------------------------------------ */
/* JSON shapes */

typedef int (*GetProperty) (gpointer object, const char *name, sd_bus_message **ret);

/* Every property of an object, in the order callkitd sends them, under
 * snake_case keys. */
static void
add_properties_json (JsonBuilder *builder,
                     gpointer     object,
                     char       **names,
                     GetProperty  get)
{
  for (size_t i = 0; names[i] != NULL; i++)
    {
      g_autoptr(sd_bus_message) value = NULL;
      g_autofree char *key = callctl_json_key_from_property (names[i]);
      JsonNode *node = NULL;

      if (get (object, names[i], &value) >= 0)
        node = callctl_json_from_property (value);
      json_builder_set_member_name (builder, key);
      if (node != NULL)
        json_builder_add_value (builder, node);
      else
        json_builder_add_null_value (builder);
    }
}

static void
add_call_json (Callctl     *ctl,
               JsonBuilder *builder,
               CkCall      *call)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, ck_call_get_object_path (call));
  add_properties_json (builder, call, ck_call_get_property_names (call), (GetProperty) ck_call_get_property);
  json_builder_set_member_name (builder, "provider_name");
  json_builder_add_string_value (builder, provider_name_for_path (ctl, ck_call_get_provider (call)));
  json_builder_end_object (builder);
}

static guint
count_live_calls (Callctl    *ctl,
                  const char *provider_path)
{
  size_t n = ck_call_observer_get_n_calls (ctl->observer);
  guint live = 0;

  for (size_t i = 0; i < n; i++)
    {
      CkCall *call = ck_call_observer_get_call (ctl->observer, i);

      if (g_strcmp0 (ck_call_get_provider (call), provider_path) == 0 && !ck_call_has_ended (call))
        live++;
    }
  return live;
}

static void
add_provider_json (Callctl        *ctl,
                   JsonBuilder    *builder,
                   CkProviderInfo *provider)
{
  uint64_t number;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, ck_provider_info_get_object_path (provider));
  if (ck_provider_info_get_number (provider, &number) >= 0)
    {
      json_builder_set_member_name (builder, "number");
      json_builder_add_int_value (builder, (gint64) number);
    }
  json_builder_set_member_name (builder, "localized_name");
  json_builder_add_string_value (builder, ck_provider_info_get_localized_name (provider));
  add_properties_json (builder, provider, ck_provider_info_get_property_names (provider),
                       (GetProperty) ck_provider_info_get_property);
  json_builder_set_member_name (builder, "calls");
  json_builder_add_int_value (builder, count_live_calls (ctl, ck_provider_info_get_object_path (provider)));
  json_builder_end_object (builder);
}

/* ------------------------------------------------------------------ */
/* Verbs */

/* The name of the call's merged identity (the app's, a contact's, a
 * list's or a lookup service's), or NULL when it has none. */
static char *
call_identity_name (CkCall *call)
{
  sd_bus_message *m = NULL;
  char *name = NULL;
  const char *key, *value;
  int r;

  if (ck_call_get_property (call, "Identity", &m) < 0)
    return NULL;
  r = sd_bus_message_enter_container (m, 'v', "a{sv}");
  if (r > 0)
    r = sd_bus_message_enter_container (m, 'a', "{sv}");
  while (r > 0 && name == NULL
         && (r = sd_bus_message_enter_container (m, 'e', "sv")) > 0)
    {
      r = sd_bus_message_read (m, "s", &key);
      if (r >= 0 && g_str_equal (key, "name")
          && sd_bus_message_read (m, "v", "s", &value) > 0)
        name = g_strdup (value);
      else if (r >= 0)
        r = sd_bus_message_skip (m, "v");
      if (r >= 0)
        r = sd_bus_message_exit_container (m);
      if (r >= 0)
        r = 1;
    }
  sd_bus_message_unref (m);
  return name;
}

static int
verb_list (Callctl *ctl,
           int      argc,
           char   **argv)
{
  static const char * const headers[] = { "UUID", "STATE", "DIR", "HANDLE", "NAME", "PROVIDER", NULL };
  g_autoptr(GPtrArray) calls = list_calls (ctl);
  g_autoptr(ScolsTable) table = NULL;

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < calls->len; i++)
        add_call_json (ctl, builder, calls->pdata[i]);
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      return print_json (ctl, root);
    }

  table = table_new (headers, ctl->no_legend);
  for (guint i = 0; i < calls->len; i++)
    {
      CkCall *call = calls->pdata[i];
      g_autofree char *identity_name = call_identity_name (call);
      const char *handle, *caller_name = identity_name != NULL
                                           ? identity_name
                                           : ck_call_get_localized_caller_name (call);
      const char *provider_name = provider_name_for_path (ctl, ck_call_get_provider (call));

      ck_call_get_remote_handle (call, NULL, &handle);
      table_add_row (table, (const char *[]) {
        ck_call_get_uuid (call),
        ck_call_get_state (call),
        ck_call_is_outgoing (call) ? "out" : "in",
        *handle != '\0' ? handle : "Unknown",
        *caller_name != '\0' ? caller_name : "-",
        *provider_name != '\0' ? provider_name : "-",
        NULL,
      });
    }

  if (calls->len > 0 || !ctl->no_legend)
    scols_print_table (table);
  if (!ctl->no_legend)
    printf ("\n%u call%s listed.\n", calls->len, calls->len == 1 ? "" : "s");
  return finish_output ();
}

/* show -p: the properties asked for, by D-Bus name ("IsMuted") or JSON
 * key ("is_muted"), in any case, as a new array of D-Bus names in the
 * order asked. */
static int
select_properties (Callctl  *ctl,
                   char    **names,
                   GStrv    *ret_selected)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (size_t i = 0; ctl->properties[i] != NULL; i++)
    {
      g_auto(GStrv) wanted = g_strsplit (ctl->properties[i], ",", -1);

      for (size_t j = 0; wanted[j] != NULL; j++)
        {
          const char *found = NULL;

          if (*wanted[j] == '\0')
            continue;
          for (size_t k = 0; names[k] != NULL && found == NULL; k++)
            {
              g_autofree char *key = callctl_json_key_from_property (names[k]);

              if (g_ascii_strcasecmp (names[k], wanted[j]) == 0 || g_ascii_strcasecmp (key, wanted[j]) == 0)
                found = names[k];
            }
          if (found == NULL)
            {
              g_autofree char *clean = sanitize (wanted[j]);

              g_printerr ("callctl: A call has no property \"%s\"; 'callctl show CALL' lists them.\n", clean);
              return EXIT_NOT_FOUND;
            }
          g_strv_builder_add (builder, found);
        }
    }
  *ret_selected = g_strv_builder_end (builder);
  return EXIT_OK;
}

static int
verb_show (Callctl *ctl,
           int      argc,
           char   **argv)
{
  g_auto(GStrv) selected = NULL;
  g_autoptr(CkCall) call = NULL;
  const char *provider_name;
  char **names;
  size_t width = 0;
  int r;

  r = lookup_call (ctl, argv[1], &call);
  if (r != EXIT_OK)
    return r;

  if (ctl->properties != NULL)
    {
      r = select_properties (ctl, ck_call_get_property_names (call), &selected);
      if (r != EXIT_OK)
        return r;
    }

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      if (selected != NULL)
        {
          json_builder_begin_object (builder);
          add_properties_json (builder, call, selected, (GetProperty) ck_call_get_property);
          json_builder_end_object (builder);
        }
      else
        {
          add_call_json (ctl, builder, call);
        }
      root = json_builder_get_root (builder);
      return print_json (ctl, root);
    }

  provider_name = provider_name_for_path (ctl, ck_call_get_provider (call));
  names = selected != NULL ? selected : ck_call_get_property_names (call);
  for (size_t i = 0; names[i] != NULL; i++)
    width = MAX (width, strlen (names[i]));

  for (size_t i = 0; names[i] != NULL; i++)
    {
      g_autoptr(sd_bus_message) value = NULL;
      g_autofree char *text = NULL;

      (void) ck_call_get_property (call, names[i], &value);
      text = format_value (names[i], value, FALSE);
      if (ctl->value_only)
        printf ("%s\n", text);
      else if (g_str_equal (names[i], "Provider") && *provider_name != '\0')
        {
          g_autofree char *clean_name = sanitize (provider_name);
          printf ("%*s: %s (%s)\n", (int) width, names[i], text, clean_name);
        }
      else
        {
          printf ("%*s: %s\n", (int) width, names[i], text);
        }
    }
  return finish_output ();
}

static int
verb_providers (Callctl *ctl,
                int      argc,
                char   **argv)
{
  static const char * const headers[] = { "PATH", "NAME", "OWNER", "CALLS", NULL };
  g_autoptr(GPtrArray) providers = list_providers (ctl);
  g_autoptr(ScolsTable) table = NULL;

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < providers->len; i++)
        add_provider_json (ctl, builder, providers->pdata[i]);
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      return print_json (ctl, root);
    }

  table = table_new (headers, ctl->no_legend);
  for (guint i = 0; i < providers->len; i++)
    {
      CkProviderInfo *provider = providers->pdata[i];
      const char *path = ck_provider_info_get_object_path (provider);
      const char *name = ck_provider_info_get_localized_name (provider);
      const char *owner = ck_provider_info_get_owner (provider);
      g_autofree char *n_calls = g_strdup_printf ("%u", count_live_calls (ctl, path));

      table_add_row (table, (const char *[]) {
        path, *name != '\0' ? name : "-", *owner != '\0' ? owner : "-", n_calls, NULL,
      });
    }

  if (providers->len > 0 || !ctl->no_legend)
    scols_print_table (table);
  if (!ctl->no_legend)
    printf ("\n%u provider%s listed.\n", providers->len, providers->len == 1 ? "" : "s");
  return finish_output ();
}

static gboolean
state_is (CkCall     *call,
          const char *state)
{
  return g_str_equal (ck_call_get_state (call), state);
}

/* As hostnamectl status: what runs, and what it holds now. Being the
 * first request, it starts callkitd when it was idle. */
static int
verb_status (Callctl *ctl,
             int      argc,
             char   **argv)
{
  static const char * const states[] = { "ringing", "dialing", "connecting", "active", "held", "ended" };
  g_autofree char *version = NULL;
  g_auto(GStrv) capabilities = NULL;
  g_autofree char *joined = NULL;
  g_autoptr(GString) by_state = g_string_new (NULL);
  size_t n_calls = ck_call_observer_get_n_calls (ctl->observer);
  size_t n_providers = ck_call_observer_get_n_providers (ctl->observer);
  const char *daemon = ck_call_observer_get_daemon (ctl->observer);
  guint counts[G_N_ELEMENTS (states)] = { 0 };
  int r;

  r = ck_call_observer_get_daemon_info (ctl->observer, &version, &capabilities);
  if (r < 0)
    {
      print_error (ctl, "read the status of callkitd", NULL, g_strerror (-r), NULL);
      return EXIT_ERROR;
    }
  for (size_t i = 0; i < n_calls; i++)
    for (size_t j = 0; j < G_N_ELEMENTS (states); j++)
      if (state_is (ck_call_observer_get_call (ctl->observer, i), states[j]))
        counts[j]++;

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "version");
      json_builder_add_string_value (builder, version);
      json_builder_set_member_name (builder, "owner");
      json_builder_add_string_value (builder, daemon != NULL ? daemon : "");
      json_builder_set_member_name (builder, "capabilities");
      json_builder_begin_array (builder);
      for (size_t i = 0; capabilities[i] != NULL; i++)
        json_builder_add_string_value (builder, capabilities[i]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "providers");
      json_builder_add_int_value (builder, n_providers);
      json_builder_set_member_name (builder, "calls");
      json_builder_begin_object (builder);
      for (size_t j = 0; j < G_N_ELEMENTS (states); j++)
        {
          json_builder_set_member_name (builder, states[j]);
          json_builder_add_int_value (builder, counts[j]);
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      return print_json (ctl, root);
    }

  for (size_t j = 0; j < G_N_ELEMENTS (states); j++)
    if (counts[j] > 0)
      g_string_append_printf (by_state, "%s%u %s", by_state->len > 0 ? ", " : " (", counts[j], states[j]);
  if (by_state->len > 0)
    g_string_append_c (by_state, ')');
  joined = g_strjoinv (" ", capabilities);
  {
    g_autofree char *clean_version = sanitize (version);
    g_autofree char *clean_capabilities = sanitize (*joined != '\0' ? joined : "none");

    printf ("      Daemon: callkitd %s (%s on the session bus)\n", clean_version, daemon != NULL ? daemon : "?");
    printf ("Capabilities: %s\n", clean_capabilities);
    printf ("   Providers: %zu\n", n_providers);
    printf ("       Calls: %zu%s\n", n_calls, by_state->str);
  }
  return finish_output ();
}

/* A transaction that was requested, until callkitd reports its outcome. */
typedef struct
{
  gboolean completed;
  char *failed_type;    /* the first action that did not succeed, or NULL */
  char *failed_call;
  char *failed_reason;
  gboolean timed_out;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->failed_type, g_free);
  g_clear_pointer (&outcome->failed_call, g_free);
  g_clear_pointer (&outcome->failed_reason, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static void
on_transaction_completed (CkCallController       *controller,
                          const char             *transaction,
                          const CkActionOutcome  *outcomes,
                          size_t                  n_outcomes,
                          void                   *userdata)
{
  Outcome *outcome = userdata;

  outcome->completed = TRUE;
  for (size_t i = 0; i < n_outcomes; i++)
    if (outcomes[i].result != CK_ACTION_RESULT_FULFILLED)
      {
        outcome->failed_type = g_strdup (ck_action_type_to_string (outcomes[i].type) ?: "action");
        outcome->failed_call = g_strdup (outcomes[i].call);
        outcome->failed_reason = g_strdup (outcomes[i].reason);
        outcome->timed_out = outcomes[i].result == CK_ACTION_RESULT_TIMED_OUT;
        return;
      }
}

/* Requests @transaction and, unless no_wait, waits until callkitd reports
 * what the providers did. doing says what for, in error messages ("answer
 * call X"). Returns an exit code; errors are printed. */
static int
run_transaction (Callctl       *ctl,
                 CkTransaction *transaction,
                 const char    *doing,
                 gboolean       no_wait,
                 char         **ret_transaction_id)
{
  g_auto(Outcome) outcome = { 0 };
  g_autofree char *id = NULL;
  int r;

  /* The provider answers within its action_timeout_ms (10 minutes at
   * most); callkitd times the action out itself, so this waits as long as
   * it takes. */
  r = ck_call_controller_request_transaction (ctl->controller, transaction,
                                              no_wait ? NULL : on_transaction_completed,
                                              &outcome, &id);
  if (r < 0)
    return report_controller_error (ctl, r, doing);

  while (!no_wait && !outcome.completed && !ctl->daemon_gone)
    g_main_context_iteration (NULL, TRUE);

  if (!no_wait && !outcome.completed)
    {
      print_error (ctl, doing, NULL, "callkitd left the session bus before the provider answered", NULL);
      return EXIT_NO_DAEMON;
    }

  if (outcome.failed_type != NULL)
    {
      g_autofree char *reason = NULL;

      if (outcome.timed_out)
        reason = g_strdup_printf ("the provider did not carry out %s on call %s in time",
                                  outcome.failed_type, outcome.failed_call);
      else
        reason = g_strdup_printf ("the provider failed %s on call %s: %s", outcome.failed_type,
                                  outcome.failed_call,
                                  *outcome.failed_reason != '\0' ? outcome.failed_reason : "no reason given");
      print_error (ctl, doing, outcome.timed_out ? CKD_ERROR_PREFIX "ActionTimedOut" : CKD_ERROR_PREFIX "ActionFailed",
                   reason, NULL);
      return EXIT_ERROR;
    }

  if (ret_transaction_id != NULL)
    *ret_transaction_id = g_steal_pointer (&id);
  return EXIT_OK;
}

/* The calls of the session's active group: the ones that hold the audio
 * session, or are about to (dialing, connecting). */
static gboolean
is_active_like (CkCall *call)
{
  return state_is (call, "active") || state_is (call, "dialing") || state_is (call, "connecting");
}

typedef struct
{
  const char *verb;
  const char *base;       /* infinitive for messages: "answer" */
  const char *which;      /* the calls that fit, for messages */
  gboolean (*fits) (CkCall *call);
} CallActionInfo;

static gboolean
fits_answer (CkCall *call)
{
  return state_is (call, "ringing") && !ck_call_is_outgoing (call);
}

static gboolean
fits_end (CkCall *call)
{
  return !ck_call_has_ended (call);
}

static gboolean
fits_hold (CkCall *call)
{
  return state_is (call, "active");
}

static gboolean
fits_unhold (CkCall *call)
{
  return state_is (call, "held");
}

static gboolean
fits_mute (CkCall *call)
{
  return !ck_call_has_ended (call) && !state_is (call, "ringing") && !ck_call_is_muted (call);
}

static gboolean
fits_unmute (CkCall *call)
{
  return !ck_call_has_ended (call) && ck_call_is_muted (call);
}

static const CallActionInfo call_actions[] = {
  { "answer", "answer", "ringing incoming call", fits_answer },
  { "end", "end", "live call", fits_end },
  { "hold", "hold", "active call", fits_hold },
  { "unhold", "resume", "held call", fits_unhold },
  { "mute", "mute", "unmuted connected call", fits_mute },
  { "unmute", "unmute", "muted call", fits_unmute },
  { "dtmf", "send DTMF to", NULL, NULL },
};

static const CallActionInfo *
call_action_info (const char *verb)
{
  for (size_t i = 0; i < G_N_ELEMENTS (call_actions); i++)
    if (g_str_equal (call_actions[i].verb, verb))
      return &call_actions[i];
  g_assert_not_reached ();
}

/* Without a CALL argument: the one call the command fits, as "answer"
 * picks the one ringing call. None or several is an error that says
 * which calls were looked at. */
static int
pick_call (Callctl               *ctl,
           const CallActionInfo  *info,
           CkCall               **out_call)
{
  g_autoptr(GPtrArray) calls = list_calls (ctl);
  g_autoptr(GPtrArray) fitting = g_ptr_array_new ();

  for (guint i = 0; i < calls->len; i++)
    if (info->fits (calls->pdata[i]))
      g_ptr_array_add (fitting, calls->pdata[i]);

  if (fitting->len == 1)
    {
      *out_call = ck_call_ref (fitting->pdata[0]);
      return EXIT_OK;
    }
  if (fitting->len == 0)
    {
      g_printerr ("callctl: There is no %s to %s.\n", info->which, info->base);
      return EXIT_NOT_FOUND;
    }

  {
    g_autofree char *candidates = format_call_list (fitting);
    g_printerr ("callctl: There are %u calls to %s (%s): name one, e.g. 'callctl %s %.8s'.\n",
                fitting->len, info->base, candidates, info->verb,
                ck_call_get_uuid (fitting->pdata[0]));
  }
  return EXIT_NOT_FOUND;
}

/* answer --hold-active / --end-active: what the phone's "hold & answer"
 * and "end & answer" buttons do, in one transaction. */
static int
add_active_group_actions (Callctl       *ctl,
                          CkTransaction *transaction,
                          CkCall        *answered)
{
  g_autoptr(GPtrArray) calls = list_calls (ctl);
  CkCall *active = NULL;
  int r = 0;

  for (guint i = 0; i < calls->len && active == NULL; i++)
    if (calls->pdata[i] != answered && is_active_like (calls->pdata[i]))
      active = calls->pdata[i];
  if (active == NULL)
    return 0;

  /* Holding one call of a group holds the group. */
  if (ctl->hold_active)
    return ck_transaction_add_set_held (transaction, ck_call_get_uuid (active), TRUE);

  /* Ending ends the conversation the user is in: the active call and the
   * calls grouped with it. */
  for (guint i = 0; i < calls->len && r >= 0; i++)
    {
      CkCall *call = calls->pdata[i];
      const char *group = ck_call_get_group (active);

      if (call == active ||
          (*group != '\0' && g_str_equal (ck_call_get_group (call), group) &&
           g_str_equal (ck_call_get_provider (call), ck_call_get_provider (active)) &&
           !ck_call_has_ended (call)))
        r = ck_transaction_add_end_call (transaction, ck_call_get_uuid (call));
    }
  return r;
}

static int
run_call_action (Callctl    *ctl,
                 const char *verb,
                 const char *call_arg,
                 const char *digits)
{
  const CallActionInfo *info = call_action_info (verb);
  g_autoptr(CkCall) call = NULL;
  g_autoptr(CkTransaction) transaction = NULL;
  g_autofree char *doing = NULL;
  const char *uuid;
  int r;

  r = call_arg != NULL ? lookup_call (ctl, call_arg, &call) : pick_call (ctl, info, &call);
  if (r != EXIT_OK)
    return r;
  uuid = ck_call_get_uuid (call);
  doing = g_strdup_printf ("%s call %s", info->base, uuid);

  r = ck_transaction_new (&transaction);
  if (r >= 0 && (ctl->hold_active || ctl->end_active))
    r = add_active_group_actions (ctl, transaction, call);
  if (r >= 0)
    {
      if (g_str_equal (verb, "answer"))
        r = ck_transaction_add_answer_call (transaction, uuid);
      else if (g_str_equal (verb, "end"))
        r = ck_transaction_add_end_call (transaction, uuid);
      else if (g_str_equal (verb, "hold") || g_str_equal (verb, "unhold"))
        r = ck_transaction_add_set_held (transaction, uuid, g_str_equal (verb, "hold"));
      else if (g_str_equal (verb, "mute") || g_str_equal (verb, "unmute"))
        r = ck_transaction_add_set_muted (transaction, uuid, g_str_equal (verb, "mute"));
      else
        r = ck_transaction_add_play_dtmf (transaction, uuid, digits, NULL);
    }
  if (r < 0)
    {
      print_error (ctl, doing, NULL, g_strerror (-r), NULL);
      return EXIT_ERROR;
    }
  return run_transaction (ctl, transaction, doing, FALSE, NULL);
}

static int
verb_call_action (Callctl *ctl,
                  int      argc,
                  char   **argv)
{
  return run_call_action (ctl, argv[0], argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL);
}

static int
verb_reset (Callctl *ctl,
            int      argc,
            char   **argv)
{
  g_autoptr(CkProviderInfo) provider = NULL;
  int r;

  r = lookup_provider (ctl, argv[1], &provider);
  if (r != EXIT_OK)
    return r;

  r = ck_call_controller_reset_provider (ctl->controller, ck_provider_info_get_object_path (provider));
  if (r < 0)
    {
      g_autofree char *doing = g_strdup_printf ("reset provider %s", ck_provider_info_get_object_path (provider));
      return report_controller_error (ctl, r, doing);
    }
  return EXIT_OK;
}

static int
verb_silence (Callctl *ctl,
              int      argc,
              char   **argv)
{
  unsigned silenced = 0;
  int r;

  r = ck_call_controller_silence_ringing (ctl->controller, &silenced);
  if (r < 0)
    return report_controller_error (ctl, r, "silence the ringing");
  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "silenced");
      json_builder_add_int_value (builder, silenced);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      return print_json (ctl, root);
    }
  return finish_output ();
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

static int
verb_start (Callctl *ctl,
            int      argc,
            char   **argv)
{
  g_autoptr(CkProviderInfo) provider = NULL;
  g_autoptr(CkTransaction) transaction = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *id = NULL;
  g_autofree char *doing = NULL;
  const char *handle = argv[2];
  const char *handle_type;
  int r;

  r = lookup_provider (ctl, argv[1], &provider);
  if (r != EXIT_OK)
    return r;

  handle_type = ctl->handle_type != NULL ? ctl->handle_type : guess_handle_type (handle);
  r = ck_transaction_new (&transaction);
  if (r >= 0)
    r = ck_transaction_add_start_call_on_provider (transaction, uuid,
                                                   ck_provider_info_get_object_path (provider),
                                                   ck_handle_type_from_string (handle_type),
                                                   handle, ctl->video);
  doing = g_strdup_printf ("start a call to %s through provider %s", handle,
                           ck_provider_info_get_object_path (provider));
  if (r < 0)
    {
      print_error (ctl, doing, NULL, g_strerror (-r), NULL);
      return EXIT_ERROR;
    }

  r = run_transaction (ctl, transaction, doing, ctl->no_wait, &id);
  if (r != EXIT_OK)
    return r;

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "uuid");
      json_builder_add_string_value (builder, uuid);
      json_builder_set_member_name (builder, "transaction");
      json_builder_add_string_value (builder, id);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      return print_json (ctl, root);
    }
  printf ("%s\n", uuid);
  return finish_output ();
}

/* ------------------------------------------------------------------ */
/* monitor */

static void
print_event (Callctl  *ctl,
             GString  *line,
             JsonNode *json)
{
  gint64 now = g_get_real_time ();

  /* When it happened (when callctl saw it): microseconds since the epoch
   * in JSON as everywhere in the API, local time for people. */
  if (json != NULL)
    {
      g_autofree char *text = NULL;

      json_object_set_int_member (json_node_get_object (json), "timestamp", now);
      text = json_to_text (ctl->json, json);
      fputs (text, stdout);
    }
  else
    {
      g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (now / G_USEC_PER_SEC);
      g_autofree char *seconds = g_date_time_format (time, "%FT%T");
      g_autofree char *zone = g_date_time_format (time, "%:z");

      printf ("%s.%03d%s %s", seconds, (int) (now % G_USEC_PER_SEC / 1000), zone, line->str);
    }
  fputc ('\n', stdout);
  /* One event, one line, now: monitor feeds pipes and scripts. */
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      ctl->monitor_exit = EXIT_ERROR;
      g_main_loop_quit (ctl->loop);
    }
}

typedef char **(*GetPropertyNames) (gpointer object);

static void
append_key_values (GString            *line,
                   gpointer            object,
                   GetProperty         get,
                   const char * const *names)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(sd_bus_message) value = NULL;
      g_autofree char *text = NULL;

      (void) get (object, names[i], &value);
      text = format_value (names[i], value, TRUE);
      g_string_append_printf (line, " %s=%s", names[i], text);
    }
}

/* A monitor event in JSON, left open for more members: {"event": EVENT,
 * "uuid": UUID (calls only), "path": PATH, ...}. */
static JsonBuilder *
begin_event_json (const char *event,
                  const char *uuid,
                  const char *path)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, event);
  if (uuid != NULL)
    {
      json_builder_set_member_name (builder, "uuid");
      json_builder_add_string_value (builder, uuid);
    }
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, path);
  return builder;
}

static JsonNode *
end_event_json (JsonBuilder *builder)
{
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* "call-changed" and "provider-changed": only what changed. */
static JsonNode *
changed_json (const char  *event,
              const char  *uuid,
              const char  *path,
              gpointer     object,
              GetProperty  get,
              char       **changed)
{
  g_autoptr(JsonBuilder) builder = begin_event_json (event, uuid, path);

  json_builder_set_member_name (builder, "changed");
  json_builder_begin_object (builder);
  add_properties_json (builder, object, changed, get);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "invalidated");
  json_builder_begin_array (builder);
  json_builder_end_array (builder);
  return end_event_json (builder);
}

static void
on_call_changed (CkCallObserver *observer,
                 CkCall         *call,
                 void           *userdata)
{
  Callctl *ctl = userdata;
  const char *path = ck_call_get_object_path (call);
  const char *uuid = ck_call_get_uuid (call);
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(JsonNode) json = NULL;

  if (ck_call_is_removed (call))
    {
      if (!g_hash_table_remove (ctl->seen, path))
        return;
      if (ctl->json)
        {
          g_autoptr(JsonBuilder) builder = begin_event_json ("call-removed", uuid, path);
          json = end_event_json (builder);
        }
      else
        {
          g_string_append_printf (line, "call-removed %s", uuid);
        }
    }
  else if (!g_hash_table_contains (ctl->seen, path))
    {
      static const char * const shown[] = {
        "Provider", "State", "IsOutgoing", "RemoteHandle", "LocalizedCallerName", "HasVideo", NULL
      };

      g_hash_table_add (ctl->seen, g_strdup (path));
      if (ctl->json)
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();

          /* No "path" here: it is in the call. */
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "event");
          json_builder_add_string_value (builder, "call-added");
          json_builder_set_member_name (builder, "uuid");
          json_builder_add_string_value (builder, uuid);
          json_builder_set_member_name (builder, "call");
          add_call_json (ctl, builder, call);
          json = end_event_json (builder);
        }
      else
        {
          g_string_append_printf (line, "call-added %s", uuid);
          append_key_values (line, call, (GetProperty) ck_call_get_property, shown);
        }
    }
  else
    {
      char **changed = ck_call_get_changed_properties (call);

      if (changed[0] == NULL)
        return;
      if (ctl->json)
        {
          json = changed_json ("call-changed", uuid, path, call, (GetProperty) ck_call_get_property, changed);
        }
      else
        {
          g_string_append_printf (line, "call-changed %s", uuid);
          append_key_values (line, call, (GetProperty) ck_call_get_property, (const char * const *) changed);
        }
    }
  print_event (ctl, line, json);
}

static void
on_provider_changed (CkCallObserver *observer,
                     CkProviderInfo *provider,
                     void           *userdata)
{
  Callctl *ctl = userdata;
  const char *path = ck_provider_info_get_object_path (provider);
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(JsonNode) json = NULL;

  if (ck_provider_info_is_removed (provider))
    {
      if (!g_hash_table_remove (ctl->seen, path))
        return;
      if (ctl->json)
        {
          g_autoptr(JsonBuilder) builder = begin_event_json ("provider-removed", NULL, path);
          json = end_event_json (builder);
        }
      else
        {
          g_string_append_printf (line, "provider-removed %s", path);
        }
    }
  else if (!g_hash_table_contains (ctl->seen, path))
    {
      g_hash_table_add (ctl->seen, g_strdup (path));
      if (ctl->json)
        {
          g_autoptr(JsonBuilder) builder = begin_event_json ("provider-added", NULL, path);

          json_builder_set_member_name (builder, "provider");
          add_provider_json (ctl, builder, provider);
          json = end_event_json (builder);
        }
      else
        {
          static const char * const shown[] = { "Owner", "ApplicationId", NULL };
          g_autoptr(JsonNode) name = json_node_init_string (json_node_alloc (),
                                                            ck_provider_info_get_localized_name (provider));
          g_autofree char *name_text = NULL;

          if (needs_quoting (ck_provider_info_get_localized_name (provider)))
            {
              g_autofree char *quoted = json_to_text (JSON_SHORT, name);
              name_text = sanitize (quoted);
            }
          else
            {
              name_text = sanitize (ck_provider_info_get_localized_name (provider));
            }
          g_string_append_printf (line, "provider-added %s LocalizedName=%s", path, name_text);
          append_key_values (line, provider, (GetProperty) ck_provider_info_get_property, shown);
        }
    }
  else
    {
      char **changed = ck_provider_info_get_changed_properties (provider);

      if (changed[0] == NULL)
        return;
      if (ctl->json)
        {
          json = changed_json ("provider-changed", NULL, path, provider,
                               (GetProperty) ck_provider_info_get_property, changed);
        }
      else
        {
          g_string_append_printf (line, "provider-changed %s", path);
          append_key_values (line, provider, (GetProperty) ck_provider_info_get_property,
                             (const char * const *) changed);
        }
    }
  print_event (ctl, line, json);
}

static void
on_monitor_daemon_changed (CkCallObserver *observer,
                           const char     *daemon,
                           void           *userdata)
{
  Callctl *ctl = userdata;
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(JsonNode) json = NULL;

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, daemon != NULL ? "daemon-appeared" : "daemon-vanished");
      if (daemon != NULL)
        {
          json_builder_set_member_name (builder, "owner");
          json_builder_add_string_value (builder, daemon);
        }
      json_builder_end_object (builder);
      json = json_builder_get_root (builder);
    }
  else if (daemon != NULL)
    {
      g_string_append_printf (line, "daemon-appeared %s", daemon);
    }
  else
    {
      g_string_append (line, "daemon-vanished");
    }
  print_event (ctl, line, json);
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
  ctl->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ctl->monitor_exit = EXIT_OK;

  /* Ctrl-C is how monitor ends: that is success. */
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, ctl);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, ctl);

  /* What exists already comes first, as if it had just been added: a
   * reader gets the whole state and then every change, with no window in
   * which something is missed. The observer has been listening since it
   * was created, and nothing is dispatched before the loop runs. */
  {
    g_autoptr(GPtrArray) providers = list_providers (ctl);
    g_autoptr(GPtrArray) calls = list_calls (ctl);

    for (guint i = 0; i < providers->len && ctl->monitor_exit == EXIT_OK; i++)
      on_provider_changed (ctl->observer, providers->pdata[i], ctl);
    for (guint i = 0; i < calls->len && ctl->monitor_exit == EXIT_OK; i++)
      on_call_changed (ctl->observer, calls->pdata[i], ctl);
  }

  ck_call_observer_set_daemon_changed (ctl->observer, on_monitor_daemon_changed, ctl);
  ck_call_observer_set_provider_changed (ctl->observer, on_provider_changed, ctl);

  if (ctl->monitor_exit == EXIT_OK)
    g_main_loop_run (ctl->loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
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

/* identity: callctl-identity.c */

static int
verb_identity (Callctl *ctl, int argc, char **argv)
{
  return callctl_identity (ctl->json, ctl->no_legend, argc, argv);
}

/* ------------------------------------------------------------------ */
/* main */

typedef int (*VerbFunc) (Callctl *ctl,
                         int      argc,
                         char   **argv);

/* The history's commands live in callctl-history.c. */
static int
verb_history (Callctl *ctl, int argc, char **argv)
{
  CallctlHistoryRun run = { ctl, ctl->bus, ctl->json, ctl->no_legend };

  return callctl_history_verb_history (&run, argc, argv);
}

static int
verb_call_back (Callctl *ctl, int argc, char **argv)
{
  CallctlHistoryRun run = { ctl, ctl->bus, ctl->json, ctl->no_legend };

  return callctl_history_verb_call_back (&run, argc, argv);
}

/* The call directory's commands live in callctl-directory.c. */
#define DIRECTORY_VERB(name)                                                       \
  static int verb_##name (Callctl *ctl, int argc, char **argv)                    \
  {                                                                                \
    CallctlHistoryRun run = { ctl, ctl->bus, ctl->json, ctl->no_legend };          \
    return callctl_directory_verb_##name (&run, argc, argv);                      \
  }
DIRECTORY_VERB (block)
DIRECTORY_VERB (blocked)
DIRECTORY_VERB (lookup)
#undef DIRECTORY_VERB

typedef struct Verb
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
  { "status", "", 0, 0, TRUE, verb_status, "Show callkitd's version and what it holds" },
  { "answer", "[CALL]", 0, 1, FALSE, verb_call_action, "Answer a ringing call" },
  { "end", "[CALL]", 0, 1, FALSE, verb_call_action, "End a call, or decline it while it rings" },
  { "hold", "[CALL]", 0, 1, FALSE, verb_call_action, "Hold a call (and its group)" },
  { "unhold", "[CALL]", 0, 1, FALSE, verb_call_action, "Resume a held call" },
  { "mute", "[CALL]", 0, 1, FALSE, verb_call_action, "Mute the microphone for a call" },
  { "unmute", "[CALL]", 0, 1, FALSE, verb_call_action, "Unmute the microphone for a call" },
  { "dtmf", "CALL DIGITS", 2, 2, FALSE, verb_call_action, "Send DTMF digits (0-9 * # A-D)" },
  { "start", "PROVIDER HANDLE", 2, 2, FALSE, verb_start, "Start an outgoing call; prints its UUID" },
  { "reset", "PROVIDER", 1, 1, FALSE, verb_reset, "Reset a provider: end its calls" },
  { "silence", "", 0, 0, TRUE, verb_silence, "Stop the ringing of the calls ringing now" },
  { "history", "[SUBCOMMAND]", 0, G_MAXINT, TRUE, verb_history,
    "List the recents (--missed, --since); or clear, seen [ID...], delete ID..." },
  { "call-back", "ID", 1, 1, FALSE, verb_call_back, "Call back a history entry's caller" },
  { "block", "NUMBER...", 1, G_MAXINT, FALSE, verb_block, "Block calls from phone numbers" },
  { "unblock", "NUMBER...", 1, G_MAXINT, FALSE, verb_block, "Unblock phone numbers you blocked" },
  { "blocked", "", 0, 0, TRUE, verb_blocked, "List the phone numbers you block" },
  { "lookup", "NUMBER", 1, 1, TRUE, verb_lookup,
    "What the call directory says of a number (blocked, label)" },
  { "push", "list|send TOKEN", 1, G_MAXINT, TRUE, verb_push,
    "VoIP pushes: registered apps; send one (push --help)" },
  { "identity", "stats", 1, 1, TRUE, verb_identity,
    "Caller identification: lookups, cache hits, timeouts per service" },
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
                   "CALL is a call's UUID, a unique prefix of it, or its object path;\n"
                   "without it, answer, end, hold, unhold, mute and unmute act on the one\n"
                   "call that fits (the one ringing call for answer).\n"
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
  "and starts it by D-Bus activation when it is not running; monitor waits\n"
  "for it when it cannot be started. See callctl(1).";

static gboolean
parse_json_mode (const char *option_name,
                 const char *value,
                 gpointer    data,
                 GError    **error)
{
  Callctl *ctl = data;

  /* A bare --json is the compact form, as it always was. */
  if (value == NULL || g_str_equal (value, "short"))
    ctl->json = JSON_SHORT;
  else if (g_str_equal (value, "pretty"))
    ctl->json = JSON_PRETTY;
  else if (g_str_equal (value, "off"))
    ctl->json = JSON_OFF;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Invalid --json \"%s\": use pretty, short or off", value);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_handle_type (const char *option_name,
                   const char *value,
                   gpointer    data,
                   GError    **error)
{
  Callctl *ctl = data;

  if (ck_handle_type_from_string (value) < 0)
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
    { "json", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, (gpointer) parse_json_mode,
      "Print JSON (status, list, show, providers, start, silence, monitor): pretty, short (the default) "
      "or off", "MODE" },
    { "json-auto", 'j', 0, G_OPTION_ARG_NONE, &ctl.json_auto,
      "Same as --json=pretty on a terminal, --json=short otherwise", NULL },
    { "no-legend", 0, 0, G_OPTION_ARG_NONE, &ctl.no_legend,
      "Print no column headers and no footer", NULL },
    { "handle-type", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer) check_handle_type,
      "For start: phone-number, email-address or generic (default: guessed)", "TYPE" },
    { "video", 0, 0, G_OPTION_ARG_NONE, &ctl.video,
      "For start: a video call", NULL },
    { "no-wait", 0, 0, G_OPTION_ARG_NONE, &ctl.no_wait,
      "For start: return once callkitd dispatched the call, without waiting for the provider", NULL },
    { "hold-active", 0, 0, G_OPTION_ARG_NONE, &ctl.hold_active,
      "For answer: hold the active call in the same transaction (\"hold & answer\")", NULL },
    { "end-active", 0, 0, G_OPTION_ARG_NONE, &ctl.end_active,
      "For answer: end the active call in the same transaction (\"end & answer\")", NULL },
    { "property", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &ctl.properties,
      "For show: only this property (repeat it, or separate names with commas)", "NAME" },
    { "value", 0, 0, G_OPTION_ARG_NONE, &ctl.value_only,
      "For show: print the values only, without the property names", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &ctl.verbose,
      "Name the D-Bus error after each error message", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      "Print the version and exit", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");

  /* g_option_context_parse_strv frees what it removes: work on a copy.
   * GOption would take the word after a bare --json as its value
   * ("--json show" as --json=show): a bare --json is --json=short. */
  args = g_strdupv (argv);
  for (size_t i = 1; args[i] != NULL && !g_str_equal (args[i], "--"); i++)
    if (g_str_equal (args[i], "--json"))
      {
        g_free (args[i]);
        args[i] = g_strdup ("--json=short");
      }

  context = g_option_context_new ("[COMMAND [ARGUMENTS...]]");
  summary = build_summary ();
  g_option_context_set_summary (context, summary);
  g_option_context_set_description (context, description);
  group = g_option_group_new ("callctl", "callctl options", "Show callctl options", &ctl, NULL);
  g_option_group_add_entries (group, entries);
  g_option_group_add_entries (group, callctl_history_option_entries ());
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
  if (ctl.json_auto)
    ctl.json = isatty (STDOUT_FILENO) ? JSON_PRETTY : JSON_SHORT;
  if (ctl.json && !verb->reads && verb->func != verb_start)
    return usage_error ("%s: --json applies to status, list, show, providers, monitor, silence, "
                        "history and start",
                        verb->name);
  if ((ctl.handle_type != NULL || ctl.video || ctl.no_wait) && verb->func != verb_start)
    return usage_error ("%s: --handle-type, --video and --no-wait apply to start only", verb->name);
  if ((ctl.hold_active || ctl.end_active) && !g_str_equal (verb->name, "answer"))
    return usage_error ("%s: --hold-active and --end-active apply to answer only", verb->name);
  if (ctl.hold_active && ctl.end_active)
    return usage_error ("answer: use either --hold-active or --end-active");
  if ((ctl.properties != NULL || ctl.value_only) && verb->func != verb_show)
    return usage_error ("%s: --property and --value apply to show only", verb->name);
  if (!callctl_history_check_usage (verb->name, n_args, args + 2, &error))
    return usage_error ("%s", error->message);
  ctl.verb = verb;

  r = callctl_connect (&ctl, verb->func == verb_monitor);
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
