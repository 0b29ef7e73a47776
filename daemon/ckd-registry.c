/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ckd-limits.h"
#include "ckd-recent-set.h"
#include "ckd-registry.h"

struct _CkdRegistry
{
  GObject parent_instance;
  GHashTable *providers; /* id -> CkdProvider *, owned */
  GHashTable *calls;     /* uuid -> CkdCall *, live, owned */
  CkdRecentSet *taken_uuids;
  GPtrArray *capabilities; /* char *, NULL-terminated */
  gboolean do_not_disturb;
  guint next_provider_id;
};

enum
{
  SIGNAL_PROVIDER_ADDED,
  SIGNAL_PROVIDER_CHANGED,
  SIGNAL_PROVIDER_REMOVED,
  SIGNAL_CALL_ADDED,
  SIGNAL_CALL_CHANGED,
  SIGNAL_CALL_REMOVED,
  SIGNAL_CALL_ENDED,
  SIGNAL_CAPABILITIES_CHANGED,
  SIGNAL_DO_NOT_DISTURB_CHANGED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CkdRegistry, ckd_registry, G_TYPE_OBJECT)

static void
ckd_registry_finalize (GObject *object)
{
  CkdRegistry *self = CKD_REGISTRY (object);
  GHashTableIter iter;
  CkdProvider *provider;

  /* Calls first: they point to their providers. Calls still live when
   * callkitd stops (kept in the live-calls file for the next one) go
   * with their providers, which then list none. */
  g_hash_table_destroy (self->calls);
  g_hash_table_iter_init (&iter, self->providers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &provider))
    g_ptr_array_set_size (provider->calls, 0);
  g_hash_table_destroy (self->providers);
  ckd_recent_set_free (self->taken_uuids);
  g_ptr_array_unref (self->capabilities);
  G_OBJECT_CLASS (ckd_registry_parent_class)->finalize (object);
}

/* Signals with pointer arguments and the builtin marshallers: they run on
 * every call change, for every front end, and the generic marshaller would
 * go through libffi each time. */
static guint
new_signal (GObjectClass *klass, const char *name, GSignalCMarshaller marshaller,
            GSignalCVaMarshaller va_marshaller, guint n_params)
{
  GType params[2] = { G_TYPE_POINTER, G_TYPE_UINT };
  guint id = g_signal_newv (name, G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, NULL, NULL, NULL,
                            marshaller, G_TYPE_NONE, n_params, params);

  if (va_marshaller != NULL)
    g_signal_set_va_marshaller (id, G_TYPE_FROM_CLASS (klass), va_marshaller);
  return id;
}

static void
marshal_pointer_uint (GClosure *closure, GValue *return_value, guint n_param_values,
                      const GValue *param_values, gpointer invocation_hint,
                      gpointer marshal_data)
{
  typedef void (*Func) (gpointer instance, gpointer arg1, guint arg2, gpointer data);
  GCClosure *cc = (GCClosure *) closure;
  gpointer data1, data2;
  Func callback;

  g_return_if_fail (n_param_values == 3);
  if (G_CCLOSURE_SWAP_DATA (closure))
    {
      data1 = closure->data;
      data2 = g_value_peek_pointer (param_values + 0);
    }
  else
    {
      data1 = g_value_peek_pointer (param_values + 0);
      data2 = closure->data;
    }
  callback = (Func) (marshal_data ? marshal_data : cc->callback);
  callback (data1, g_value_get_pointer (param_values + 1), g_value_get_uint (param_values + 2),
            data2);
}

static void
marshal_pointer_uintv (GClosure *closure, GValue *return_value, gpointer instance,
                       va_list args, gpointer marshal_data, int n_params, GType *param_types)
{
  typedef void (*Func) (gpointer instance, gpointer arg1, guint arg2, gpointer data);
  GCClosure *cc = (GCClosure *) closure;
  gpointer data1, data2, arg1;
  guint arg2;
  va_list args_copy;
  Func callback;

  va_copy (args_copy, args);
  arg1 = va_arg (args_copy, gpointer);
  arg2 = va_arg (args_copy, guint);
  va_end (args_copy);
  if (G_CCLOSURE_SWAP_DATA (closure))
    {
      data1 = closure->data;
      data2 = instance;
    }
  else
    {
      data1 = instance;
      data2 = closure->data;
    }
  callback = (Func) (marshal_data ? marshal_data : cc->callback);
  callback (data1, arg1, arg2, data2);
}

static void
ckd_registry_class_init (CkdRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ckd_registry_finalize;
#define POINTER_SIGNAL(name)                                                                \
  new_signal (object_class, name, g_cclosure_marshal_VOID__POINTER,                        \
              g_cclosure_marshal_VOID__POINTERv, 1)
#define POINTER_UINT_SIGNAL(name)                                                           \
  new_signal (object_class, name, marshal_pointer_uint, marshal_pointer_uintv, 2)
  signals[SIGNAL_PROVIDER_ADDED] = POINTER_SIGNAL ("provider-added");
  signals[SIGNAL_PROVIDER_CHANGED] = POINTER_UINT_SIGNAL ("provider-changed");
  signals[SIGNAL_PROVIDER_REMOVED] = POINTER_SIGNAL ("provider-removed");
  signals[SIGNAL_CALL_ADDED] = POINTER_SIGNAL ("call-added");
  signals[SIGNAL_CALL_CHANGED] = POINTER_UINT_SIGNAL ("call-changed");
  signals[SIGNAL_CALL_REMOVED] = POINTER_SIGNAL ("call-removed");
  signals[SIGNAL_CALL_ENDED] = POINTER_SIGNAL ("call-ended");
#undef POINTER_SIGNAL
#undef POINTER_UINT_SIGNAL
  signals[SIGNAL_CAPABILITIES_CHANGED] =
    new_signal (object_class, "capabilities-changed", g_cclosure_marshal_VOID__VOID,
                g_cclosure_marshal_VOID__VOIDv, 0);
  signals[SIGNAL_DO_NOT_DISTURB_CHANGED] =
    new_signal (object_class, "do-not-disturb-changed", g_cclosure_marshal_VOID__VOID,
                g_cclosure_marshal_VOID__VOIDv, 0);
}

static void
ckd_registry_init (CkdRegistry *self)
{
  self->providers = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) ckd_provider_free);
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) ckd_call_free);
  self->taken_uuids = ckd_recent_set_new (CKD_REMEMBERED_ENDED_CALLS);
  self->capabilities = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->capabilities, NULL);
}

CkdRegistry *
ckd_registry_new (void)
{
  return g_object_new (CKD_TYPE_REGISTRY, NULL);
}

/* ---- providers ------------------------------------------------------ */

guint
ckd_registry_next_provider_id (CkdRegistry *self)
{
  return ++self->next_provider_id;
}

void
ckd_registry_claim_provider_id (CkdRegistry *self, guint id)
{
  self->next_provider_id = MAX (self->next_provider_id, id);
}

void
ckd_registry_add_provider (CkdRegistry *self, CkdProvider *provider)
{
  g_return_if_fail (!g_hash_table_contains (self->providers, GUINT_TO_POINTER (provider->id)));

  g_hash_table_insert (self->providers, GUINT_TO_POINTER (provider->id), provider);
  g_signal_emit (self, signals[SIGNAL_PROVIDER_ADDED], 0, provider);
}

void
ckd_registry_remove_provider (CkdRegistry *self, CkdProvider *provider)
{
  g_return_if_fail (provider->calls->len == 0);

  if (!g_hash_table_steal (self->providers, GUINT_TO_POINTER (provider->id)))
    g_return_if_reached ();
  g_signal_emit (self, signals[SIGNAL_PROVIDER_REMOVED], 0, provider);
  ckd_provider_free (provider);
}

CkdProvider *
ckd_registry_lookup_provider (CkdRegistry *self, guint id)
{
  return g_hash_table_lookup (self->providers, GUINT_TO_POINTER (id));
}

GHashTable *
ckd_registry_get_providers (CkdRegistry *self)
{
  return self->providers;
}

void
ckd_registry_provider_changed (CkdRegistry *self, CkdProvider *provider,
                               CkdProviderChanges changes)
{
  if (changes != 0)
    g_signal_emit (self, signals[SIGNAL_PROVIDER_CHANGED], 0, provider, (guint) changes);
}

/* ---- calls ---------------------------------------------------------- */

void
ckd_registry_add_call (CkdRegistry *self, CkdCall *call)
{
  g_return_if_fail (!g_hash_table_contains (self->calls, call->uuid));

  g_hash_table_insert (self->calls, call->uuid, call);
  ckd_provider_add_call (call->provider, call);
  g_signal_emit (self, signals[SIGNAL_CALL_ADDED], 0, call);
}

void
ckd_registry_remove_call (CkdRegistry *self, CkdCall *call)
{
  if (!g_hash_table_steal (self->calls, call->uuid))
    g_return_if_reached ();
  ckd_recent_set_add (self->taken_uuids, call->uuid);
  ckd_provider_remove_call (call->provider, call);
  g_signal_emit (self, signals[SIGNAL_CALL_REMOVED], 0, call);
  ckd_call_free (call);
}

CkdCall *
ckd_registry_lookup_call (CkdRegistry *self, const char *uuid)
{
  return g_hash_table_lookup (self->calls, uuid);
}

gboolean
ckd_registry_uuid_is_taken (CkdRegistry *self, const char *uuid)
{
  return g_hash_table_contains (self->calls, uuid)
         || ckd_recent_set_contains (self->taken_uuids, uuid);
}

void
ckd_registry_remember_uuid (CkdRegistry *self, const char *uuid)
{
  ckd_recent_set_add (self->taken_uuids, uuid);
}

GHashTable *
ckd_registry_get_calls (CkdRegistry *self)
{
  return self->calls;
}

guint
ckd_registry_get_n_calls (CkdRegistry *self)
{
  return g_hash_table_size (self->calls);
}

void
ckd_registry_call_changed (CkdRegistry *self, CkdCall *call, CkdCallChanges changes)
{
  if (changes != 0)
    g_signal_emit (self, signals[SIGNAL_CALL_CHANGED], 0, call, (guint) changes);
}

void
ckd_registry_call_ended (CkdRegistry *self, CkdCall *call)
{
  g_return_if_fail (call->state == CKD_CALL_STATE_ENDED);

  g_signal_emit (self, signals[SIGNAL_CALL_ENDED], 0, call);
}

/* ---- capabilities --------------------------------------------------- */

gboolean
ckd_registry_has_capability (CkdRegistry *self, const char *name)
{
  return g_strv_contains (ckd_registry_get_capabilities (self), name);
}

void
ckd_registry_set_capability (CkdRegistry *self, const char *name, gboolean on)
{
  if (ckd_registry_has_capability (self, name) == on)
    return;
  if (on)
    g_ptr_array_insert (self->capabilities, (int) self->capabilities->len - 1, g_strdup (name));
  else
    for (guint i = 0; i + 1 < self->capabilities->len; i++)
      if (g_str_equal (g_ptr_array_index (self->capabilities, i), name))
        {
          g_ptr_array_remove_index (self->capabilities, i);
          break;
        }
  g_signal_emit (self, signals[SIGNAL_CAPABILITIES_CHANGED], 0);
}

const char *const *
ckd_registry_get_capabilities (CkdRegistry *self)
{
  return (const char *const *) self->capabilities->pdata;
}

/* ---- do not disturb ------------------------------------------------- */

void
ckd_registry_set_do_not_disturb (CkdRegistry *self, gboolean on)
{
  if (self->do_not_disturb == !!on)
    return;
  self->do_not_disturb = !!on;
  g_signal_emit (self, signals[SIGNAL_DO_NOT_DISTURB_CHANGED], 0);
}

gboolean
ckd_registry_get_do_not_disturb (CkdRegistry *self)
{
  return self->do_not_disturb;
}
