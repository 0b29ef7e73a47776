/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The errors of the API. A GError in this domain travels on the bus under
 * its documented name, io.github.callkitd.CallKit1.Error.* (the bus front
 * end maps it with ckd_error_to_dbus_name()). */
#define CKD_ERROR (ckd_error_quark ())

typedef enum
{
  CKD_ERROR_INVALID_ARGUMENT,
  CKD_ERROR_UNENTITLED,
  CKD_ERROR_UNKNOWN_CALL_PROVIDER,
  CKD_ERROR_EMPTY_TRANSACTION,
  CKD_ERROR_UNKNOWN_CALL_UUID,
  CKD_ERROR_CALL_UUID_ALREADY_EXISTS,
  CKD_ERROR_INVALID_ACTION,
  CKD_ERROR_MAXIMUM_CALL_GROUPS_REACHED,
  CKD_ERROR_FILTERED_BY_DO_NOT_DISTURB,
  CKD_ERROR_FILTERED_BY_BLOCK_LIST,
  CKD_ERROR_UNKNOWN_ACTION,
  CKD_ERROR_ACTION_FAILED,
  CKD_ERROR_ACTION_TIMED_OUT,
  CKD_ERROR_LIMIT_EXCEEDED,
  /* Added to the pinned list. */
  CKD_ERROR_UNKNOWN_ENTRY,    /* no history entry with this id (for this caller) */
  CKD_ERROR_CANNOT_START_APP, /* no live provider, and the app cannot be started */
  CKD_ERROR_UNKNOWN_PUSH_TOKEN, /* no push registration with this token */
  CKD_ERROR_TIMED_OUT,          /* what callkitd read did not arrive in time */
  CKD_ERROR_STORAGE_FAILED,     /* callkitd could not write its files (a full disk) */
} CkdError;

#define CKD_ERROR_N_CODES (CKD_ERROR_STORAGE_FAILED + 1)

GQuark ckd_error_quark (void);
/* The D-Bus error name of @code. */
const char *ckd_error_to_dbus_name (CkdError code);

G_END_DECLS
