/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One callkitd provider per baresip account. The accounts come from
 * baresip's `reginfo` at every (re)connection, and from the `accountaor`
 * of events; a provider stays while its account is there, so a restart of
 * baresip with the same accounts keeps the same providers.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

BbAccount *bb_account_by_provider(Bridge *b, CkProvider *p) {
        for (BbAccount *a = b->accounts; a; a = a->next)
                if (a->provider == p)
                        return a;
        return NULL;
}

BbAccount *bb_account_get(Bridge *b, const char *aor) {
        _cleanup_free_ char *name = NULL;
        BbAccount *a;
        int r;

        if (!aor || !*aor)
                return NULL;
        for (a = b->accounts; a; a = a->next)
                if (strcmp(a->aor, aor) == 0)
                        return a;

        a = calloc(1, sizeof(*a));
        if (!a)
                return NULL;
        a->bridge = b;
        a->aor = strdup(aor);
        if (!a->aor || asprintf(&name, "baresip %s", aor) < 0) {
                free(a->aor);
                free(a);
                return NULL;
        }
        {
                CkProviderConfiguration config = {
                        .localized_name = name,
                        .icon_name = "call-start",
                        .supported_handle_types = CK_HANDLE_TYPE_GENERIC | CK_HANDLE_TYPE_PHONE_NUMBER,
                };

                /* Registers now, or as soon as callkitd appears. */
                r = ck_provider_new(b->bus, &config, &bb_delegate, a, &a->provider);
        }
        if (r < 0) {
                bb_log_error("cannot create the provider of %s: %s", aor, strerror(-r));
                free(a->aor);
                free(a);
                return NULL;
        }
        a->next = b->accounts;
        b->accounts = a;
        bb_event("account %s", aor);
        if (!ck_provider_is_registered(a->provider))
                bb_event("waiting-for-callkitd %s", aor);
        return a;
}

static void account_free(Bridge *b, BbAccount *a) {
        for (BbAccount **p = &b->accounts; *p; p = &(*p)->next)
                if (*p == a) {
                        *p = a->next;
                        break;
                }
        bb_calls_drop_all(b, a, true, false);
        bb_event("account-gone %s", a->aor);
        /* Invalidates it in callkitd. */
        ck_provider_unref(a->provider);
        free(a->aor);
        free(a);
}

/* reginfo prints one line per user agent, its AOR first ("> " marks the
 * current one):
 *
 *   --- User Agents (2) ---
 *   > sip:alice@example.org   OK
 *     sip:bob@example.org
 */
void bb_accounts_sync(Bridge *b, const char *reginfo) {
        const char *line = reginfo;
        BbAccount *a, *next;

        for (a = b->accounts; a; a = a->next)
                a->seen = false;
        while (line && *line) {
                const char *end = strchrnul(line, '\n');
                const char *s = line;

                while (s < end && (*s == ' ' || *s == '>'))
                        s++;
                if ((end - s > 4 && strncmp(s, "sip:", 4) == 0) ||
                    (end - s > 5 && strncmp(s, "sips:", 5) == 0)) {
                        size_t n = strcspn(s, " \t\n");
                        _cleanup_free_ char *aor = strndup(s, n);

                        if (aor && (a = bb_account_get(b, aor)))
                                a->seen = true;
                }
                line = *end ? end + 1 : end;
        }
        for (a = b->accounts; a; a = next) {
                next = a->next;
                if (!a->seen)
                        account_free(b, a);
        }
}

void bb_accounts_free(Bridge *b) {
        while (b->accounts)
                account_free(b, b->accounts);
}
