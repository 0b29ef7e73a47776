/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckd-directory-input.h"
#include "ckd-error.h"
#include "ckd-limits.h"
#include "ckd-phone-number.h"

#define CHUNK_SIZE (1024 * 1024)
/* Of a bad line, this much goes into the error. */
#define SHOWN_LENGTH 80

/* @text as an error can show it: valid UTF-8, shortened. */
static char *
shown (const char *text, gsize length)
{
  g_autofree char *valid = g_utf8_make_valid (text, MIN (length, SHOWN_LENGTH));

  return length > SHOWN_LENGTH ? g_strconcat (valid, "…", NULL) : g_steal_pointer (&valid);
}

gboolean
ckd_directory_input_check_label (const char *label, gsize length, GError **error)
{
  if (length == 0 || length > CKD_MAX_STRING_LENGTH || !g_utf8_validate (label, length, NULL)
      || memchr (label, '\n', length) != NULL || memchr (label, '\0', length) != NULL)
    {
      g_autofree char *text = shown (label, length);
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a label (one line of UTF-8, 1 to %d bytes)", text,
                   CKD_MAX_STRING_LENGTH);
      return FALSE;
    }
  return TRUE;
}

gboolean
ckd_directory_input_parse_number (const char *text, const char *default_region,
                                  guint64 *ret_key, GError **error)
{
  gsize length = strlen (text);

  if (length > CKD_MAX_STRING_LENGTH
      || !ckd_phone_number_parse (text, length, default_region, ret_key))
    {
      g_autofree char *s = shown (text, length);
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a phone number%s", s,
                   default_region != NULL && default_region[0] != '\0'
                     ? ""
                     : " in E.164 (and no default_region is set)");
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  CkdDirectoryKind kind;
  const char *default_region;
  CkdDirectoryBuilder *builder;
  guint64 line_number;
} Parser;

static gboolean
bad_line (Parser *parser, const char *line, gsize length, const char *why, GError **error)
{
  g_autofree char *text = shown (line, length);

  g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "line %" G_GUINT64_FORMAT
               ": “%s”: %s", parser->line_number, text, why);
  return FALSE;
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

static gboolean
parse_line (Parser *parser, const char *line, gsize length, GError **error)
{
  const char *start = line, *end = line + length, *tab = NULL, *number_end;
  guint64 key;

  parser->line_number++;
  while (start < end && is_space (*start))
    start++;
  while (end > start && is_space (end[-1]))
    end--;
  if (start == end || *start == '#')
    return TRUE;
  if (ckd_directory_builder_get_size (parser->builder) >= CKD_MAX_DIRECTORY_ENTRIES)
    {
      g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                   "line %" G_GUINT64_FORMAT ": more than %d entries", parser->line_number,
                   CKD_MAX_DIRECTORY_ENTRIES);
      return FALSE;
    }
  number_end = end;
  if (parser->kind == CKD_DIRECTORY_IDENTIFICATION)
    {
      tab = memchr (start, '\t', (gsize) (end - start));
      if (tab == NULL)
        return bad_line (parser, line, length, "no tab between the number and the label",
                         error);
      number_end = tab;
    }
  if (!ckd_phone_number_parse (start, (gsize) (number_end - start), parser->default_region,
                               &key))
    return bad_line (parser, line, length, "not a phone number", error);
  if (tab != NULL)
    {
      const char *label = tab + 1;

      while (label < end && is_space (*label))
        label++;
      if (!ckd_directory_input_check_label (label, (gsize) (end - label), NULL))
        return bad_line (parser, line, length, "not a label (one line of UTF-8, not empty)",
                         error);
      ckd_directory_builder_add (parser->builder, key, label, (gsize) (end - label));
    }
  else
    ckd_directory_builder_add (parser->builder, key, NULL, 0);
  return TRUE;
}

static gboolean
check_fd (int fd, GError **error)
{
  struct stat st;
  const char *what;

  if (fstat (fd, &st) < 0)
    {
      int errsv = errno;
      g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT, "cannot read the list: %s",
                   g_strerror (errsv));
      return FALSE;
    }
  if (S_ISREG (st.st_mode) || S_ISFIFO (st.st_mode))
    return TRUE;
  what = S_ISSOCK (st.st_mode)  ? "a socket"
         : S_ISDIR (st.st_mode) ? "a directory"
         : S_ISCHR (st.st_mode) ? "a character device"
                                : "neither a file nor a pipe";
  g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
               "the list's file descriptor is %s: pass a file or a pipe", what);
  return FALSE;
}

/* Waits until @fd has something (or its end) before @deadline. */
static gboolean
wait_readable (int fd, gint64 deadline, GError **error)
{
  for (;;)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      int n;

      if (left <= 0)
        break;
      n = poll (&pfd, 1, (int) MIN ((left + 999) / 1000, G_MAXINT));
      if (n > 0)
        return TRUE;
      if (n < 0 && errno != EINTR)
        {
          int errsv = errno;
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                       "cannot read the list: %s", g_strerror (errsv));
          return FALSE;
        }
    }
  g_set_error_literal (error, CKD_ERROR, CKD_ERROR_TIMED_OUT,
                       "the list did not arrive whole in time: its writer must close its end");
  return FALSE;
}

gboolean
ckd_directory_input_read (int fd, CkdDirectoryKind kind, const char *default_region,
                          guint timeout_seconds, CkdDirectoryBuilder *builder, GError **error)
{
  Parser parser = { kind, default_region, builder, 0 };
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_seconds * G_USEC_PER_SEC;
  g_autofree char *buffer = g_malloc (CHUNK_SIZE + CKD_MAX_DIRECTORY_LINE_LENGTH);
  gsize kept = 0; /* the start of a line, from the last chunk */
  guint64 total = 0;

  if (!check_fd (fd, error))
    return FALSE;
  for (;;)
    {
      ssize_t n;
      char *line, *end, *newline;

      if (!wait_readable (fd, deadline, error))
        return FALSE;
      n = read (fd, buffer + kept, CHUNK_SIZE);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n < 0)
        {
          int errsv = errno;
          g_set_error (error, CKD_ERROR, CKD_ERROR_INVALID_ARGUMENT,
                       "cannot read the list: %s", g_strerror (errsv));
          return FALSE;
        }
      total += (guint64) n;
      if (total > CKD_MAX_DIRECTORY_INPUT_BYTES)
        {
          g_set_error (error, CKD_ERROR, CKD_ERROR_LIMIT_EXCEEDED,
                       "the list is longer than %d bytes", CKD_MAX_DIRECTORY_INPUT_BYTES);
          return FALSE;
        }
      end = buffer + kept + n;
      line = buffer;
      while ((newline = memchr (line, '\n', (gsize) (end - line))) != NULL)
        {
          if (!parse_line (&parser, line, (gsize) (newline - line), error))
            return FALSE;
          line = newline + 1;
        }
      kept = (gsize) (end - line);
      if (n == 0)
        return kept == 0 || parse_line (&parser, line, kept, error);
      if (kept > CKD_MAX_DIRECTORY_LINE_LENGTH)
        {
          parser.line_number++;
          return bad_line (&parser, line, kept, "line too long", error);
        }
      memmove (buffer, line, kept);
    }
}
