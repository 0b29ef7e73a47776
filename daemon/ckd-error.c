/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "callkit-names.h"
#include "ckd-error.h"

#define ERROR_PREFIX CKD_ERROR_PREFIX

static const char *const error_names[] = {
  [CKD_ERROR_INVALID_ARGUMENT] = ERROR_PREFIX "InvalidArgument",
  [CKD_ERROR_UNENTITLED] = ERROR_PREFIX "Unentitled",
  [CKD_ERROR_UNKNOWN_CALL_PROVIDER] = ERROR_PREFIX "UnknownCallProvider",
  [CKD_ERROR_EMPTY_TRANSACTION] = ERROR_PREFIX "EmptyTransaction",
  [CKD_ERROR_UNKNOWN_CALL_UUID] = ERROR_PREFIX "UnknownCallUUID",
  [CKD_ERROR_CALL_UUID_ALREADY_EXISTS] = ERROR_PREFIX "CallUUIDAlreadyExists",
  [CKD_ERROR_INVALID_ACTION] = ERROR_PREFIX "InvalidAction",
  [CKD_ERROR_MAXIMUM_CALL_GROUPS_REACHED] = ERROR_PREFIX "MaximumCallGroupsReached",
  [CKD_ERROR_FILTERED_BY_DO_NOT_DISTURB] = ERROR_PREFIX "FilteredByDoNotDisturb",
  [CKD_ERROR_FILTERED_BY_BLOCK_LIST] = ERROR_PREFIX "FilteredByBlockList",
  [CKD_ERROR_UNKNOWN_ACTION] = ERROR_PREFIX "UnknownAction",
  [CKD_ERROR_ACTION_FAILED] = ERROR_PREFIX "ActionFailed",
  [CKD_ERROR_ACTION_TIMED_OUT] = ERROR_PREFIX "ActionTimedOut",
  [CKD_ERROR_LIMIT_EXCEEDED] = ERROR_PREFIX "LimitExceeded",
  [CKD_ERROR_UNKNOWN_ENTRY] = ERROR_PREFIX "UnknownEntry",
  [CKD_ERROR_CANNOT_START_APP] = ERROR_PREFIX "CannotStartApp",
  [CKD_ERROR_UNKNOWN_PUSH_TOKEN] = ERROR_PREFIX "UnknownPushToken",
  [CKD_ERROR_TIMED_OUT] = ERROR_PREFIX "TimedOut",
  [CKD_ERROR_STORAGE_FAILED] = ERROR_PREFIX "StorageFailed",
};

G_STATIC_ASSERT (G_N_ELEMENTS (error_names) == CKD_ERROR_N_CODES);

G_DEFINE_QUARK (ckd-error-quark, ckd_error)

const char *
ckd_error_to_dbus_name (CkdError code)
{
  g_return_val_if_fail ((guint) code < G_N_ELEMENTS (error_names), ERROR_PREFIX "Failed");
  return error_names[code];
}
