/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * An optional bridge for GLib apps: runs an sd_bus (and so every libcallkit
 * object on it) from a GMainContext. Header only; link with glib-2.0 and
 * libsystemd. Like the rest of libcallkit it is not thread-safe: attach
 * and use the bus from the thread that runs the context.
 *
 *     GSource *s = ck_glib_bus_source_new(bus);
 *     g_source_attach(s, NULL);   // the default main context
 *     ...
 *     g_source_destroy(s);
 *     g_source_unref(s);
 */

#include <glib.h>
#include <systemd/sd-bus.h>

typedef struct CkGlibBusSource {
        GSource source;
        sd_bus *bus;
        gpointer tag;
} CkGlibBusSource;

static inline gboolean ck_glib_bus_source_prepare(GSource *s, gint *timeout) {
        CkGlibBusSource *b = (CkGlibBusSource *) s;
        uint64_t usec;
        int events = sd_bus_get_events(b->bus);

        g_source_modify_unix_fd(s, b->tag, (GIOCondition) (events < 0 ? 0 : events));
        *timeout = -1;
        if (sd_bus_get_timeout(b->bus, &usec) >= 0 && usec != UINT64_MAX) {
                int64_t now = g_get_monotonic_time();

                /* sd-bus timeouts are CLOCK_MONOTONIC, as GLib's. */
                *timeout = (int64_t) usec <= now ? 0 : (gint) MIN(((int64_t) usec - now + 999) / 1000, G_MAXINT);
        }
        return *timeout == 0;
}

static inline gboolean ck_glib_bus_source_dispatch(GSource *s, GSourceFunc callback, gpointer data) {
        CkGlibBusSource *b = (CkGlibBusSource *) s;

        (void) callback;
        (void) data;
        while (sd_bus_process(b->bus, NULL) > 0)
                ;
        return G_SOURCE_CONTINUE;
}

static inline void ck_glib_bus_source_finalize(GSource *s) {
        sd_bus_unref(((CkGlibBusSource *) s)->bus);
}

/* A new GSource (floating: attach it, then unref it when done) that
 * processes bus whenever it has work; it holds a reference on bus. NULL if
 * the bus has no file descriptor yet. */
static inline GSource *ck_glib_bus_source_new(sd_bus *bus) {
        /* Positional, so that C++ before C++20 compiles it too. */
        static GSourceFuncs funcs = {
                ck_glib_bus_source_prepare, NULL, ck_glib_bus_source_dispatch,
                ck_glib_bus_source_finalize, NULL, NULL,
        };
        CkGlibBusSource *b;
        int fd = sd_bus_get_fd(bus);

        if (fd < 0)
                return NULL;
        b = (CkGlibBusSource *) g_source_new(&funcs, sizeof(CkGlibBusSource));
        b->bus = sd_bus_ref(bus);
        b->tag = g_source_add_unix_fd(&b->source, fd, G_IO_IN);
        g_source_set_name(&b->source, "libcallkit sd-bus");
        return &b->source;
}
