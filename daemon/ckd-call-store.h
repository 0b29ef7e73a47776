/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include "ckd-session.h"

G_BEGIN_DECLS

/* Live calls that survive a crash of callkitd: every provider's live calls
 * are kept in a file in $XDG_RUNTIME_DIR/callkitd/ (replaced atomically),
 * and restored from it at start (ckd_session_restore_provider()). */
typedef struct _CkdCallStore CkdCallStore;

/* Restores what @path holds (an unreadable or damaged file is ignored with
 * a line in the log), then keeps it up to date. @replaced_pid: the
 * callkitd this one replaced (--replace), or 0; its calls are not
 * restored, whether it still runs or has exited already. */
CkdCallStore *ckd_call_store_new (CkdSession *session, const char *path, pid_t replaced_pid);
/* callkitd stops on purpose, or was replaced: providers were told
 * (DidReset "daemon-stopping") and drop their calls, so the file goes,
 * unless another callkitd wrote it since. Nothing is written after. */
void ckd_call_store_stop (CkdCallStore *self);
void ckd_call_store_free (CkdCallStore *self);
/* The default file: $XDG_RUNTIME_DIR/callkitd/live-calls. */
char *ckd_call_store_default_path (void);

G_END_DECLS
