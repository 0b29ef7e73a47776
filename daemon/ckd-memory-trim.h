/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ckd-registry.h"

G_BEGIN_DECLS

/* Gives memory back to the system after a flood: once the live calls and
 * providers fall far below their peak, glibc's malloc_trim() returns the
 * free pages at the top of the heap and in its arenas, which free() alone
 * keeps. */
typedef struct _CkdMemoryTrim CkdMemoryTrim;

CkdMemoryTrim *ckd_memory_trim_new (CkdRegistry *registry);
void ckd_memory_trim_free (CkdMemoryTrim *self);

G_END_DECLS
