/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Phone numbers as people write them, made E.164 (libphonenumber behind
 * an extern "C" door, ckd-phone-number.cc).
 *
 * An E.164 number is at most 15 digits and its country code never starts
 * with 0, so its digits read as one integer name it alone: that integer is
 * the key the call directory sorts and searches. */

#define CKD_PHONE_NUMBER_MAX_DIGITS 15

/* Normalises the @length bytes of @text ("+49 30 1234567",
 * "(030) 123-4567", "+1.555.010.9999") into *@ret_key. Input already in
 * E.164 (a "+", then digits with spaces, dashes, dots or parentheses
 * between them) takes a fast path that allocates nothing; other input goes
 * to libphonenumber with @default_region (ISO 3166 alpha-2, e.g. "DE"; NULL
 * or "" when none: then only numbers with a country code parse). Returns
 * FALSE when @text is not a possible phone number. Thread-safe. */
gboolean ckd_phone_number_parse (const char *text, gsize length, const char *default_region,
                                 guint64 *ret_key);

/* The E.164 text of @key ("+49301234567") into @buffer (at least
 * CKD_PHONE_NUMBER_MAX_DIGITS + 2 bytes). */
void ckd_phone_number_format (guint64 key, char *buffer);

/* The region for numbers without a country code when the caller names
 * none: the country of the user's locale (LC_ALL, LC_MESSAGES, LANG:
 * "de_DE.UTF-8" gives "DE"), or "" when it has none. */
const char *ckd_phone_number_locale_region (void);

/* Whether @region is a region libphonenumber knows ("DE", "US"). */
gboolean ckd_phone_number_region_is_known (const char *region);

G_END_DECLS
