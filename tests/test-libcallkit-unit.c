/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libcallkit without a bus: error mapping, names, argument guards. */

#include <errno.h>
#include <glib.h>

#include "callkit.h"

static void test_error_names(void) {
        static const char *const names[] = {
                "InvalidArgument", "Unentitled", "UnknownCallProvider", "EmptyTransaction",
                "UnknownCallUUID", "CallUUIDAlreadyExists", "InvalidAction",
                "MaximumCallGroupsReached", "FilteredByDoNotDisturb", "FilteredByBlockList",
                "UnknownAction", "ActionFailed", "ActionTimedOut", "LimitExceeded",
                "UnknownEntry", "CannotStartApp",
        };

        /* Every documented error has its own CkError, and back. */
        for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
                g_autofree char *full = g_strconcat("io.github.callkitd.CallKit1.Error.", names[i], NULL);
                int e = ck_error_from_dbus_name(full);

                g_assert_cmpint(e, >, CK_ERROR_UNKNOWN);
                g_assert_cmpstr(ck_error_to_string(e), ==, names[i]);
                for (size_t j = 0; j < i; j++) {
                        g_autofree char *other = g_strconcat("io.github.callkitd.CallKit1.Error.", names[j], NULL);

                        g_assert_cmpint(ck_error_from_dbus_name(other), !=, e);
                }
        }
        g_assert_cmpint(ck_error_from_dbus_name("io.github.callkitd.CallKit1.Error.UnknownCallUUID"), ==,
                        CK_ERROR_UNKNOWN_CALL_UUID);
        g_assert_cmpint(ck_error_from_dbus_name("io.github.callkitd.CallKit1.Error.SomethingNew"), ==,
                        CK_ERROR_UNKNOWN);
        g_assert_cmpint(ck_error_from_dbus_name("org.freedesktop.DBus.Error.ServiceUnknown"), ==, -EINVAL);
        g_assert_cmpint(ck_error_from_dbus_name(NULL), ==, CK_ERROR_NONE);
        g_assert_null(ck_error_to_string(_CK_ERROR_MAX));
}

static void test_action_types(void) {
        g_assert_cmpstr(ck_action_type_to_string(CK_ACTION_START_CALL), ==, "start-call");
        g_assert_cmpstr(ck_action_type_to_string(CK_ACTION_PLAY_DTMF), ==, "play-dtmf");
        g_assert_null(ck_action_type_to_string(CK_ACTION_UNKNOWN));
        g_assert_null(ck_action_type_to_string(_CK_ACTION_TYPE_MAX));
}

static void test_guards(void) {
        __attribute__((cleanup(ck_call_update_unrefp))) CkCallUpdate *u = NULL;
        __attribute__((cleanup(ck_transaction_unrefp))) CkTransaction *t = NULL;
        CkProvider *p = NULL;

        g_assert_cmpint(ck_call_update_new(NULL), ==, -EINVAL);
        g_assert_cmpint(ck_call_update_new(&u), ==, 0);
        g_assert_cmpint(ck_call_update_set_remote_handle(u, 3, "x"), ==, -EINVAL);
        g_assert_cmpint(ck_call_update_set_remote_handle(u, CK_HANDLE_TYPE_EMAIL_ADDRESS, NULL), ==, 0);
        g_assert_cmpint(ck_call_update_set_localized_caller_name(u, NULL), ==, -EINVAL);
        g_assert_cmpint(ck_call_update_set_has_video(NULL, 1), ==, -EINVAL);

        g_assert_cmpint(ck_transaction_new(&t), ==, 0);
        g_assert_cmpint(ck_transaction_add_end_call(t, ""), ==, -EINVAL);
        g_assert_cmpint(ck_transaction_add_end_call(t, NULL), ==, -EINVAL);
        g_assert_cmpint(ck_transaction_add_play_dtmf(t, "u", NULL, NULL), ==, -EINVAL);
        g_assert_cmpint(ck_transaction_add_start_call(t, "u", 0, "x", 0), ==, -EINVAL);
        g_assert_cmpuint(ck_transaction_get_n_actions(t), ==, 0);
        g_assert_cmpint(ck_transaction_add_end_call(t, "u"), ==, 0);
        g_assert_cmpint(ck_transaction_add_set_group(t, "u", NULL), ==, 0);
        g_assert_cmpuint(ck_transaction_get_n_actions(t), ==, 2);

        g_assert_cmpint(ck_provider_new(NULL, NULL, NULL, NULL, &p), ==, -EINVAL);
        g_assert_null(p);
        g_assert_cmpint(ck_provider_report_new_incoming_call(NULL, "u", NULL), ==, -EINVAL);
        g_assert_cmpint(ck_action_fulfill(NULL), ==, -EINVAL);
        g_assert_null(ck_provider_unref(NULL));
        g_assert_null(ck_action_unref(NULL));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/libcallkit/error-names", test_error_names);
        g_test_add_func("/libcallkit/action-types", test_action_types);
        g_test_add_func("/libcallkit/guards", test_guards);
        return g_test_run();
}
