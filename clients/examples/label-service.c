/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* label-service: a caller lookup service that labels numbers from a file,
 * on libcallkit's CkIdentificationService.
 *
 *   label-service [--app-id ID] [--spam-label TEXT] FILE
 *
 * FILE has one number a line, a tab, and its label ("+15551230001\tPizza
 * Place"); '#' starts a comment. A label equal to --spam-label (default
 * "spam") marks the caller as suspected spam instead. Numbers are
 * compared as written; callkitd caches every answer for ten minutes.
 * It prints "ready" once registered, and "lookup HANDLE" for every
 * question callkitd asks. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "callkit.h"

typedef struct {
        char **numbers;
        char **labels;
        size_t n;
        const char *spam_label;
} Labels;

static int read_labels(const char *path, Labels *labels) {
        FILE *f = fopen(path, "re");
        char *line = NULL;
        size_t size = 0;

        if (!f)
                return -errno;
        while (getline(&line, &size, f) >= 0) {
                char *tab;

                line[strcspn(line, "\r\n")] = '\0';
                tab = strchr(line, '\t');
                if (line[0] == '#' || !tab)
                        continue;
                *tab = '\0';
                labels->numbers = realloc(labels->numbers, (labels->n + 1) * sizeof(char *));
                labels->labels = realloc(labels->labels, (labels->n + 1) * sizeof(char *));
                if (!labels->numbers || !labels->labels)
                        abort();
                labels->numbers[labels->n] = strdup(line);
                labels->labels[labels->n] = strdup(tab + 1);
                labels->n++;
        }
        free(line);
        fclose(f);
        return 0;
}

static void on_lookup(CkIdentificationService *s, CkIdentificationLookup *lookup,
                      const char *handle_type, const char *handle, void *userdata) {
        Labels *labels = userdata;

        printf("lookup %s\n", handle);
        fflush(stdout);
        for (size_t i = 0; i < labels->n; i++) {
                if (strcmp(labels->numbers[i], handle) != 0)
                        continue;
                if (strcmp(labels->labels[i], labels->spam_label) == 0)
                        ck_identification_lookup_set_suspected_spam(lookup, 1);
                else
                        ck_identification_lookup_set_label(lookup, labels->labels[i]);
                break;
        }
        /* Not in the file: an empty answer, which callkitd caches too. */
        ck_identification_lookup_reply(lookup);
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "app-id", required_argument, NULL, 'a' },
                { "spam-label", required_argument, NULL, 's' },
                {}
        };
        const char *app_id = "org.example.LabelService";
        Labels labels = { .spam_label = "spam" };
        CkIdentificationService *service = NULL;
        sd_event *event = NULL;
        sd_bus *bus = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'a':
                        app_id = optarg;
                        break;
                case 's':
                        labels.spam_label = optarg;
                        break;
                default:
                        return 2;
                }
        if (optind != argc - 1) {
                fprintf(stderr, "usage: label-service [--app-id ID] [--spam-label TEXT] FILE\n");
                return 2;
        }
        r = read_labels(argv[optind], &labels);
        if (r < 0) {
                fprintf(stderr, "label-service: %s: %s\n", argv[optind], strerror(-r));
                return 1;
        }
        r = sd_event_default(&event);
        if (r >= 0)
                r = sd_bus_open_user(&bus);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, 0);
        if (r >= 0)
                r = ck_identification_service_new(bus, "/org/example/LabelService", app_id, 600,
                                                  on_lookup, &labels, &service);
        if (r < 0) {
                fprintf(stderr, "label-service: cannot register: %s\n", strerror(-r));
                return 1;
        }
        printf("ready\n");
        fflush(stdout);
        r = sd_event_loop(event);
        ck_identification_service_unref(service);
        sd_bus_flush_close_unref(bus);
        sd_event_unref(event);
        for (size_t i = 0; i < labels.n; i++) {
                free(labels.numbers[i]);
                free(labels.labels[i]);
        }
        free(labels.numbers);
        free(labels.labels);
        return r < 0 ? 1 : 0;
}
