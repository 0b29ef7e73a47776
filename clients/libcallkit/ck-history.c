/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "callkit-private.h"

/* ---------------------------------------------------------------------- */
/* CkHistoryEntry: one a{sv} of GetEntries, copied out of the message. */

struct CkHistoryEntry {
        unsigned n_ref;
        char *id, *call, *app_id, *provider_name, *handle_type, *handle_value;
        char *localized_caller_name, *ended_reason, *filtered, *icon_name, *desktop_entry;
        int is_outgoing, has_video, missed, seen;
        uint64_t started_at, connected_at, ended_at;
};

static CkHistoryEntry *entry_new(void) {
        CkHistoryEntry *e = calloc(1, sizeof(*e));

        if (e)
                e->n_ref = 1;
        return e;
}

_public_ CkHistoryEntry *ck_history_entry_ref(CkHistoryEntry *e) {
        if (e)
                e->n_ref++;
        return e;
}

_public_ CkHistoryEntry *ck_history_entry_unref(CkHistoryEntry *e) {
        if (!e || --e->n_ref > 0)
                return NULL;
        free(e->id);
        free(e->call);
        free(e->app_id);
        free(e->provider_name);
        free(e->handle_type);
        free(e->handle_value);
        free(e->localized_caller_name);
        free(e->ended_reason);
        free(e->filtered);
        free(e->icon_name);
        free(e->desktop_entry);
        free(e);
        return NULL;
}

#define STRING_GETTER(name)                                                     \
        _public_ const char *ck_history_entry_get_##name(CkHistoryEntry *e) {   \
                return e && e->name ? e->name : "";                              \
        }

STRING_GETTER(id)
STRING_GETTER(call)
STRING_GETTER(app_id)
STRING_GETTER(provider_name)
STRING_GETTER(localized_caller_name)
STRING_GETTER(ended_reason)
STRING_GETTER(filtered)
STRING_GETTER(icon_name)
STRING_GETTER(desktop_entry)
#undef STRING_GETTER

_public_ void ck_history_entry_get_remote_handle(CkHistoryEntry *e, const char **ret_type,
                                                 const char **ret_value) {
        if (ret_type)
                *ret_type = e && e->handle_type ? e->handle_type : "";
        if (ret_value)
                *ret_value = e && e->handle_value ? e->handle_value : "";
}

_public_ int ck_history_entry_is_outgoing(CkHistoryEntry *e) {
        return e ? e->is_outgoing : 0;
}

_public_ int ck_history_entry_has_video(CkHistoryEntry *e) {
        return e ? e->has_video : 0;
}

_public_ int ck_history_entry_is_missed(CkHistoryEntry *e) {
        return e ? e->missed : 0;
}

_public_ int ck_history_entry_is_seen(CkHistoryEntry *e) {
        return e ? e->seen : 0;
}

_public_ uint64_t ck_history_entry_get_started_at(CkHistoryEntry *e) {
        return e ? e->started_at : 0;
}

_public_ uint64_t ck_history_entry_get_connected_at(CkHistoryEntry *e) {
        return e ? e->connected_at : 0;
}

_public_ uint64_t ck_history_entry_get_ended_at(CkHistoryEntry *e) {
        return e ? e->ended_at : 0;
}

_public_ void ck_history_entries_free(CkHistoryEntry **entries) {
        if (!entries)
                return;
        for (CkHistoryEntry **e = entries; *e; e++)
                ck_history_entry_unref(*e);
        free(entries);
}

/* Where each key of an entry goes; keys this library does not know (a
 * newer callkitd) are skipped. */
typedef enum {
        FIELD_STRING,
        FIELD_BOOLEAN,
        FIELD_TIME,
} FieldKind;

static const struct {
        const char *key;
        FieldKind kind;
        size_t offset;
} entry_fields[] = {
#define F(key, kind, member) { key, kind, offsetof(CkHistoryEntry, member) }
        F("id", FIELD_STRING, id),
        F("call", FIELD_STRING, call),
        F("app_id", FIELD_STRING, app_id),
        F("provider_name", FIELD_STRING, provider_name),
        F("localized_caller_name", FIELD_STRING, localized_caller_name),
        F("ended_reason", FIELD_STRING, ended_reason),
        F("filtered", FIELD_STRING, filtered),
        F("icon_name", FIELD_STRING, icon_name),
        F("desktop_entry", FIELD_STRING, desktop_entry),
        F("is_outgoing", FIELD_BOOLEAN, is_outgoing),
        F("has_video", FIELD_BOOLEAN, has_video),
        F("missed", FIELD_BOOLEAN, missed),
        F("seen", FIELD_BOOLEAN, seen),
        F("started_at", FIELD_TIME, started_at),
        F("connected_at", FIELD_TIME, connected_at),
        F("ended_at", FIELD_TIME, ended_at),
#undef F
};

static int read_value(sd_bus_message *m, CkHistoryEntry *e, const char *key) {
        const char *contents;
        int r;

        r = sd_bus_message_peek_type(m, NULL, &contents);
        if (r < 0)
                return r;
        if (strcmp(key, "remote_handle") == 0 && streq_ptr(contents, "(ss)")) {
                const char *type, *value;

                r = sd_bus_message_read(m, "v", "(ss)", &type, &value);
                if (r < 0)
                        return r;
                if (free_and_strdup(&e->handle_type, type) < 0 ||
                    free_and_strdup(&e->handle_value, value) < 0)
                        return -ENOMEM;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(entry_fields); i++) {
                void *field = (char *) e + entry_fields[i].offset;

                if (strcmp(key, entry_fields[i].key) != 0)
                        continue;
                switch (entry_fields[i].kind) {
                case FIELD_STRING:
                        if (streq_ptr(contents, "s")) {
                                const char *s;

                                r = sd_bus_message_read(m, "v", "s", &s);
                                if (r >= 0)
                                        r = free_and_strdup(field, s);
                                return r;
                        }
                        break;
                case FIELD_BOOLEAN:
                        if (streq_ptr(contents, "b")) {
                                int b;

                                r = sd_bus_message_read(m, "v", "b", &b);
                                if (r >= 0)
                                        *(int *) field = b != 0;
                                return r;
                        }
                        break;
                case FIELD_TIME:
                        if (streq_ptr(contents, "x")) {
                                int64_t t;

                                r = sd_bus_message_read(m, "v", "x", &t);
                                if (r >= 0)
                                        *(uint64_t *) field = t > 0 ? (uint64_t) t : 0;
                                return r;
                        }
                        break;
                }
        }
        return sd_bus_message_skip(m, "v");
}

static int read_entry(sd_bus_message *m, CkHistoryEntry **ret) {
        _cleanup_(ck_history_entry_unrefp) CkHistoryEntry *e = entry_new();
        int r;

        if (!e)
                return -ENOMEM;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(m, "s", &key);
                if (r >= 0)
                        r = read_value(m, e, key);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret = e;
        e = NULL;
        return 0;
}

/* ---------------------------------------------------------------------- */
/* CkHistory */

struct CkHistory {
        unsigned n_ref;
        sd_bus *bus;
        sd_bus_slot *changed_slot;
        CkHistoryChanged changed;
        void *userdata;
        CkError last_error;
        sd_bus_error last_bus_error;
};

static int on_entries_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(ck_history_unrefp) CkHistory *h = ck_history_ref(userdata);

        if (h->changed)
                h->changed(h, h->userdata);
        return 0;
}

_public_ int ck_history_new(sd_bus *bus, CkHistoryChanged changed, void *userdata,
                            CkHistory **ret) {
        _cleanup_(ck_history_unrefp) CkHistory *h = NULL;
        int r;

        assert_return(bus, -EINVAL);
        assert_return(ret, -EINVAL);

        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->n_ref = 1;
        h->bus = sd_bus_ref(bus);
        h->changed = changed;
        h->userdata = userdata;
        if (changed) {
                r = sd_bus_match_signal(bus, &h->changed_slot, CKD_BUS_NAME, CKD_OBJECT_ROOT,
                                        CKD_HISTORY_INTERFACE, "EntriesChanged", on_entries_changed, h);
                if (r < 0)
                        return r;
        }
        *ret = h;
        h = NULL;
        return 0;
}

_public_ CkHistory *ck_history_ref(CkHistory *h) {
        if (h)
                h->n_ref++;
        return h;
}

_public_ CkHistory *ck_history_unref(CkHistory *h) {
        if (!h || --h->n_ref > 0)
                return NULL;
        sd_bus_slot_unref(h->changed_slot);
        sd_bus_unref(h->bus);
        sd_bus_error_free(&h->last_bus_error);
        free(h);
        return NULL;
}

_public_ CkError ck_history_get_last_error(CkHistory *h) {
        return h ? h->last_error : CK_ERROR_NONE;
}

_public_ const sd_bus_error *ck_history_get_last_bus_error(CkHistory *h) {
        return h && sd_bus_error_is_set(&h->last_bus_error) ? &h->last_bus_error : NULL;
}

/* Keeps what a request's error said, for the two getters above; returns
 * r, mapped. */
static int remember_error(CkHistory *h, int r, sd_bus_error *error) {
        CkError e = CK_ERROR_NONE;

        sd_bus_error_free(&h->last_bus_error);
        if (r >= 0) {
                h->last_error = CK_ERROR_NONE;
                return 0;
        }
        r = ck_map_bus_error(r, error, &e);
        h->last_error = e;
        if (sd_bus_error_is_set(error))
                sd_bus_error_move(&h->last_bus_error, error);
        return r;
}

/* Calls callkitd with @m (built by the caller); the reply in *ret_reply
 * (may be NULL). */
static int call(CkHistory *h, sd_bus_message *m, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;

        return remember_error(h, sd_bus_call(h->bus, m, 0, &error, ret_reply), &error);
}

static int new_call(CkHistory *h, const char *method, sd_bus_message **ret) {
        return sd_bus_message_new_method_call(h->bus, ret, CKD_BUS_NAME, CKD_OBJECT_ROOT,
                                              CKD_HISTORY_INTERFACE, method);
}

static int append_filter(sd_bus_message *m, const CkHistoryFilter *f) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0 || !f)
                return r < 0 ? r : sd_bus_message_close_container(m);
        if (f->since > 0)
                r = sd_bus_message_append(m, "{sv}", "since", "x", (int64_t) f->since);
        if (r >= 0 && f->before > 0)
                r = sd_bus_message_append(m, "{sv}", "before", "x", (int64_t) f->before);
        if (r >= 0 && f->limit > 0)
                r = sd_bus_message_append(m, "{sv}", "limit", "u", (uint32_t) f->limit);
        if (r >= 0 && f->missed_only)
                r = sd_bus_message_append(m, "{sv}", "missed_only", "b", 1);
        if (r >= 0 && f->app_id)
                r = sd_bus_message_append(m, "{sv}", "app_id", "s", f->app_id);
        if (r >= 0 && f->handle_value)
                r = sd_bus_message_append(m, "{sv}", "handle", "(ss)", f->handle_type ?: "generic",
                                          f->handle_value);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

_public_ int ck_history_get_entries(CkHistory *h, const CkHistoryFilter *filter,
                                    CkHistoryEntry ***ret_entries, size_t *ret_n_entries) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        CkHistoryEntry **entries = NULL, **more;
        size_t n = 0;
        int r;

        assert_return(h, -EINVAL);
        assert_return(ret_entries, -EINVAL);

        r = new_call(h, "GetEntries", &m);
        if (r >= 0)
                r = append_filter(m, filter);
        if (r >= 0)
                r = call(h, m, &reply);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "a{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'a', "{sv}")) > 0) {
                more = realloc(entries, (n + 2) * sizeof(*entries));
                if (!more) {
                        r = -ENOMEM;
                        break;
                }
                entries = more;
                entries[n + 1] = NULL;
                r = read_entry(reply, &entries[n]);
                if (r < 0)
                        break;
                n++;
                r = sd_bus_message_exit_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r >= 0 && !entries) {
                entries = calloc(1, sizeof(*entries));
                if (!entries)
                        r = -ENOMEM;
        }
        if (r < 0) {
                if (entries)
                        entries[n] = NULL;
                ck_history_entries_free(entries);
                return r;
        }
        *ret_entries = entries;
        if (ret_n_entries)
                *ret_n_entries = n;
        return 0;
}

_public_ int ck_history_get_missed_count(CkHistory *h, unsigned *ret) {
        _cleanup_(sd_bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t count;
        int r;

        assert_return(h, -EINVAL);
        assert_return(ret, -EINVAL);

        r = sd_bus_get_property_trivial(h->bus, CKD_BUS_NAME, CKD_OBJECT_ROOT, CKD_HISTORY_INTERFACE,
                                        "MissedCount", &error, 'u', &count);
        r = remember_error(h, r, &error);
        if (r < 0)
                return r;
        *ret = count;
        return 0;
}

static int change_ids(CkHistory *h, const char *method, const char *const *ids) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        assert_return(h, -EINVAL);

        r = new_call(h, method, &m);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, (char **) ids);
        if (r >= 0)
                r = call(h, m, NULL);
        return r;
}

_public_ int ck_history_mark_seen(CkHistory *h, const char *const *ids) {
        return change_ids(h, "MarkSeen", ids);
}

_public_ int ck_history_delete_entries(CkHistory *h, const char *const *ids) {
        assert_return(ids, -EINVAL);
        return change_ids(h, "DeleteEntries", ids);
}

_public_ int ck_history_clear(CkHistory *h, const CkHistoryFilter *filter) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        assert_return(h, -EINVAL);
        assert_return(!filter || filter->limit == 0, -EINVAL);

        r = new_call(h, "Clear", &m);
        if (r >= 0)
                r = append_filter(m, filter);
        if (r >= 0)
                r = call(h, m, NULL);
        return r;
}

_public_ int ck_history_call_back(CkHistory *h, const char *id, char **ret_transaction) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        const char *transaction;
        char *copy;
        int r;

        assert_return(h, -EINVAL);
        assert_return(id, -EINVAL);

        r = new_call(h, "CallBack", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", id);
        if (r >= 0)
                r = call(h, m, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "s", &transaction);
        if (r < 0)
                return r;
        if (ret_transaction) {
                copy = strdup(transaction);
                if (!copy)
                        return -ENOMEM;
                *ret_transaction = copy;
        }
        return 0;
}
