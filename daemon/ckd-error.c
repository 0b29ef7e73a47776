/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>

#include "ckd-error.h"

#define ERROR_PREFIX "io.github.callkitd.CallKit1.Error."

static const GDBusErrorEntry ckd_error_entries[] = {
  { CKD_ERROR_INVALID_ARGUMENT, ERROR_PREFIX "InvalidArgument" },
  { CKD_ERROR_UNENTITLED, ERROR_PREFIX "Unentitled" },
  { CKD_ERROR_UNKNOWN_CALL_PROVIDER, ERROR_PREFIX "UnknownCallProvider" },
  { CKD_ERROR_EMPTY_TRANSACTION, ERROR_PREFIX "EmptyTransaction" },
  { CKD_ERROR_UNKNOWN_CALL_UUID, ERROR_PREFIX "UnknownCallUUID" },
  { CKD_ERROR_CALL_UUID_ALREADY_EXISTS, ERROR_PREFIX "CallUUIDAlreadyExists" },
  { CKD_ERROR_INVALID_ACTION, ERROR_PREFIX "InvalidAction" },
  { CKD_ERROR_MAXIMUM_CALL_GROUPS_REACHED, ERROR_PREFIX "MaximumCallGroupsReached" },
  { CKD_ERROR_FILTERED_BY_DO_NOT_DISTURB, ERROR_PREFIX "FilteredByDoNotDisturb" },
  { CKD_ERROR_FILTERED_BY_BLOCK_LIST, ERROR_PREFIX "FilteredByBlockList" },
  { CKD_ERROR_UNKNOWN_ACTION, ERROR_PREFIX "UnknownAction" },
  { CKD_ERROR_ACTION_FAILED, ERROR_PREFIX "ActionFailed" },
  { CKD_ERROR_ACTION_TIMED_OUT, ERROR_PREFIX "ActionTimedOut" },
  { CKD_ERROR_LIMIT_EXCEEDED, ERROR_PREFIX "LimitExceeded" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (ckd_error_entries) == CKD_ERROR_LIMIT_EXCEEDED + 1);

GQuark
ckd_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("ckd-error-quark", &quark, ckd_error_entries,
                                      G_N_ELEMENTS (ckd_error_entries));
  return (GQuark) quark;
}
