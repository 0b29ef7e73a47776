/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <malloc.h>

#include "ckd-memory-trim.h"

/* Trimming costs a walk over the heap: only after something worth it. A
 * peak below this many calls and providers leaves little to give back. */
#define WORTH_TRIMMING 128

struct _CkdMemoryTrim
{
  CkdRegistry *registry;
  guint peak; /* live calls + providers since the last trim */
  guint idle_id;
};

static guint
count (CkdMemoryTrim *self)
{
  return ckd_registry_get_n_calls (self->registry)
         + g_hash_table_size (ckd_registry_get_providers (self->registry));
}

static gboolean
trim (gpointer user_data)
{
  CkdMemoryTrim *self = user_data;

  self->idle_id = 0;
  g_debug ("returning free memory to the system after %u calls and providers", self->peak);
  malloc_trim (0);
  self->peak = count (self);
  return G_SOURCE_REMOVE;
}

static void
on_added (CkdMemoryTrim *self)
{
  self->peak = MAX (self->peak, count (self));
}

static void
on_removed (CkdMemoryTrim *self)
{
  /* It is no longer counted; it is freed right after this signal, the
   * trim comes later, when the loop is idle. */
  guint now = count (self);

  if (self->peak >= WORTH_TRIMMING && now <= self->peak / 4 && self->idle_id == 0)
    self->idle_id = g_idle_add_full (G_PRIORITY_LOW, trim, self, NULL);
}

CkdMemoryTrim *
ckd_memory_trim_new (CkdRegistry *registry)
{
  CkdMemoryTrim *self = g_new0 (CkdMemoryTrim, 1);

  self->registry = g_object_ref (registry);
  g_signal_connect_swapped (registry, "call-added", G_CALLBACK (on_added), self);
  g_signal_connect_swapped (registry, "provider-added", G_CALLBACK (on_added), self);
  g_signal_connect_swapped (registry, "call-removed", G_CALLBACK (on_removed), self);
  g_signal_connect_swapped (registry, "provider-removed", G_CALLBACK (on_removed), self);
  return self;
}

void
ckd_memory_trim_free (CkdMemoryTrim *self)
{
  if (self == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->registry, self);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  g_object_unref (self->registry);
  g_free (self);
}
