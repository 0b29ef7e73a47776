/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-directory-file.h"
#include "ckd-directory.h"

G_BEGIN_DECLS

/* Shared by ckd-directory.c (the lists and their changes) and
 * ckd-directory-service.c (CallDirectory on the bus). */

/* The app id of the user's own lists, in the API; "@user" on disk. */
#define CKD_DIRECTORY_USER ""

typedef struct _CkdDirectoryChange CkdDirectoryChange;

typedef struct
{
  char *app_id;
  CkdDirectoryKind kind;
  char *path;
  CkdDirectoryFile *file; /* in use; an empty list while there is none */
  gboolean exists;        /* on disk (or corrupt there) */
  gboolean corrupt;       /* its file failed its check at start */
  guint64 blocked_calls;  /* since callkitd started */
  GQueue changes;         /* CkdDirectoryChange *: the first one is running */
  gboolean waiting;       /* in the directory's waiting queue */
} CkdDirectoryList;

struct _CkdDirectory
{
  gint ref_count; /* and one for each change running */
  gboolean stopped;
  sd_bus *bus;
  CkdPeers *peers;
  CkdSession *session;
  char *dir;
  GHashTable *lists;   /* "kind/app_id" → CkdDirectoryList * */
  GPtrArray *sorted;   /* the lists in order (ckd_directory_get_lists()), or NULL */
  GPtrArray *slots;    /* sd_bus_slot * */
  guint64 blocked_calls;
  guint running;  /* changes running, at most CKD_MAX_DIRECTORY_RUNNING_CHANGES */
  GQueue waiting; /* CkdDirectoryList * whose next change waits for a thread */
};

/* What a change does to a list. */
typedef enum
{
  CKD_DIRECTORY_REPLACE,
  CKD_DIRECTORY_ADD,
  CKD_DIRECTORY_REMOVE,
  CKD_DIRECTORY_REMOVE_ALL,
} CkdDirectoryChangeKind;

/* Called on the main loop when a change is done: @count entries in the
 * list, or @error (the list as it was). */
typedef void (*CkdDirectoryDone) (CkdDirectory *self, sd_bus_message *m, guint64 count,
                                  const GError *error);

/* The list of @app_id ("" the user's) and @kind, made (empty) when
 * @create; NULL otherwise, or with LimitExceeded when there are too many
 * lists. */
CkdDirectoryList *ckd_directory_get_list (CkdDirectory *self, const char *app_id,
                                          CkdDirectoryKind kind, gboolean create,
                                          GError **error);
/* The lists in the order of their app ids, then kinds (a reference). */
GPtrArray *ckd_directory_get_lists (CkdDirectory *self);

/* Queues a change of @list; @done gets @m back. @fd (REPLACE) is taken.
 * @keys (guint64) and @labels (char *, identification ADD) are taken. */
gboolean ckd_directory_change (CkdDirectory *self, CkdDirectoryList *list,
                               CkdDirectoryChangeKind kind, int fd, const char *default_region,
                               GArray *keys, GPtrArray *labels, sd_bus_message *m,
                               CkdDirectoryDone done, GError **error);

/* The service (ckd-directory-service.c). */
int ckd_directory_service_init (CkdDirectory *self);
/* Lists changed: PropertiesChanged (invalidated: each caller sees its own). */
void ckd_directory_service_lists_changed (CkdDirectory *self);

G_END_DECLS
