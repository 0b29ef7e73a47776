/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "callkit-private.h"

static const char *const error_names[_CK_ERROR_MAX] = {
        [CK_ERROR_NONE] = NULL,
        [CK_ERROR_UNKNOWN] = NULL,
        [CK_ERROR_INVALID_ARGUMENT] = "InvalidArgument",
        [CK_ERROR_UNENTITLED] = "Unentitled",
        [CK_ERROR_UNKNOWN_CALL_PROVIDER] = "UnknownCallProvider",
        [CK_ERROR_EMPTY_TRANSACTION] = "EmptyTransaction",
        [CK_ERROR_UNKNOWN_CALL_UUID] = "UnknownCallUUID",
        [CK_ERROR_CALL_UUID_ALREADY_EXISTS] = "CallUUIDAlreadyExists",
        [CK_ERROR_INVALID_ACTION] = "InvalidAction",
        [CK_ERROR_MAXIMUM_CALL_GROUPS_REACHED] = "MaximumCallGroupsReached",
        [CK_ERROR_FILTERED_BY_DO_NOT_DISTURB] = "FilteredByDoNotDisturb",
        [CK_ERROR_FILTERED_BY_BLOCK_LIST] = "FilteredByBlockList",
        [CK_ERROR_UNKNOWN_ACTION] = "UnknownAction",
        [CK_ERROR_ACTION_FAILED] = "ActionFailed",
        [CK_ERROR_ACTION_TIMED_OUT] = "ActionTimedOut",
        [CK_ERROR_LIMIT_EXCEEDED] = "LimitExceeded",
        [CK_ERROR_UNKNOWN_ENTRY] = "UnknownEntry",
        [CK_ERROR_CANNOT_START_APP] = "CannotStartApp",
        [CK_ERROR_UNKNOWN_PUSH_TOKEN] = "UnknownPushToken",
        [CK_ERROR_TIMED_OUT] = "TimedOut",
        [CK_ERROR_STORAGE_FAILED] = "StorageFailed",
};

_public_ const char *ck_error_to_string(CkError error) {
        if (error == CK_ERROR_NONE)
                return "None";
        if (error == CK_ERROR_UNKNOWN)
                return "Unknown";
        if ((unsigned) error >= _CK_ERROR_MAX)
                return NULL;
        return error_names[error];
}

_public_ int ck_error_from_dbus_name(const char *name) {
        const char *suffix;

        if (!name)
                return CK_ERROR_NONE;
        if (strncmp(name, CKD_ERROR_PREFIX, strlen(CKD_ERROR_PREFIX)) != 0)
                return -EINVAL;
        suffix = name + strlen(CKD_ERROR_PREFIX);
        for (size_t i = 0; i < ELEMENTSOF(error_names); i++)
                if (streq_ptr(error_names[i], suffix))
                        return (int) i;
        return CK_ERROR_UNKNOWN;
}

int ck_map_bus_error(int r, const sd_bus_error *error, CkError *ret_error) {
        int e = ck_error_from_dbus_name(sd_bus_error_is_set(error) ? error->name : NULL);

        if (e > 0) {
                *ret_error = e;
                return -EBADR;
        }
        return r;
}
