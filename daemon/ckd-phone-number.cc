/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one C++ file of callkitd: libphonenumber behind the C API of
 * ckd-phone-number.h. */
#include "config.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include <phonenumbers/phonenumberutil.h>

#include "ckd-phone-number.h"

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

static bool
is_separator (char c)
{
  return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '\t';
}

/* "+", then digits and separators alone: E.164 as written, read without
 * libphonenumber. Anything else (letters, "(0)" trunk prefixes, no "+")
 * is left to the slow path. */
static bool
parse_e164 (const char *text, gsize length, guint64 *ret_key)
{
  gsize i = 0;
  guint n_digits = 0;
  guint64 key = 0;

  while (i < length && (text[i] == ' ' || text[i] == '\t'))
    i++;
  if (i == length || text[i] != '+')
    return false;
  for (i++; i < length; i++)
    {
      char c = text[i];

      if (c >= '0' && c <= '9')
        {
          if (n_digits == 0 && c == '0')
            return false; /* no country code starts with 0 */
          if (++n_digits > CKD_PHONE_NUMBER_MAX_DIGITS)
            return false;
          key = key * 10 + (guint64) (c - '0');
        }
      else if (c == '(' && i + 2 < length && text[i + 1] == '0' && text[i + 2] == ')')
        return false; /* "+49 (0)30 …": the 0 is not dialled, libphonenumber knows */
      else if (!is_separator (c))
        return false;
    }
  /* The shortest numbers in use have a country code and 4 digits or so. */
  if (n_digits < 5)
    return false;
  *ret_key = key;
  return true;
}

gboolean
ckd_phone_number_parse (const char *text, gsize length, const char *default_region,
                        guint64 *ret_key)
{
  PhoneNumberUtil *util;
  PhoneNumber number;
  std::string e164;
  guint64 key = 0;

  if (parse_e164 (text, length, ret_key))
    return TRUE;
  util = PhoneNumberUtil::GetInstance ();
  if (util->Parse (std::string (text, length),
                   default_region != NULL && default_region[0] != '\0' ? default_region : "ZZ",
                   &number)
        != PhoneNumberUtil::NO_PARSING_ERROR
      || !util->IsPossibleNumber (number))
    return FALSE;
  util->Format (number, PhoneNumberUtil::E164, &e164);
  if (e164.size () < 2 || e164.size () > CKD_PHONE_NUMBER_MAX_DIGITS + 1 || e164[0] != '+'
      || e164[1] == '0')
    return FALSE;
  for (gsize i = 1; i < e164.size (); i++)
    {
      if (e164[i] < '0' || e164[i] > '9')
        return FALSE;
      key = key * 10 + (guint64) (e164[i] - '0');
    }
  *ret_key = key;
  return TRUE;
}

void
ckd_phone_number_format (guint64 key, char *buffer)
{
  g_snprintf (buffer, CKD_PHONE_NUMBER_MAX_DIGITS + 2, "+%" G_GUINT64_FORMAT, key);
}

const char *
ckd_phone_number_locale_region (void)
{
  static char region[3];
  const char *names[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

  for (const char *name : names)
    {
      const char *value = getenv (name);
      const char *underscore;

      if (value == NULL || value[0] == '\0')
        continue;
      /* language[_TERRITORY][.codeset][@modifier] */
      underscore = strchr (value, '_');
      if (underscore == NULL || !g_ascii_isalpha (underscore[1])
          || !g_ascii_isalpha (underscore[2]))
        return "";
      region[0] = g_ascii_toupper (underscore[1]);
      region[1] = g_ascii_toupper (underscore[2]);
      region[2] = '\0';
      return region;
    }
  return "";
}

gboolean
ckd_phone_number_region_is_known (const char *region)
{
  return region != NULL && strlen (region) == 2
         && PhoneNumberUtil::GetInstance ()->GetCountryCodeForRegion (region) != 0;
}
