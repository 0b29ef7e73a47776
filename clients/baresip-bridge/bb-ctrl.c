/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * baresip's ctrl_tcp connection, as one more source of the event loop.
 *
 * ctrl_tcp serves one client at a time and carries netstrings of JSON:
 * our commands {"command", "params", "token"}, its responses {"response":
 * true, "ok", "data", "token"} in the order of the commands, and events
 * {"event": true, "type", ...} whenever something happens. When baresip is
 * not there, or goes away, the bridge says so once and tries again, a
 * little later each time (up to RECONNECT_MAX_USEC).
 */

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bb-netstring.h"
#include "bridge.h"

#define RECONNECT_MIN_USEC (100 * 1000ULL)
#define RECONNECT_MAX_USEC (2 * 1000 * 1000ULL)

typedef struct Pending {
        char token[24];
        BbResponseHandler handler;
        void *userdata;
        struct Pending *next;
} Pending;

struct BbCtrl {
        Bridge *bridge;
        char *host;
        char *port;
        int fd;
        bool connected;
        bool outage_reported;   /* "not reachable" said once per outage */
        sd_event_source *io;
        sd_event_source *retry;
        uint64_t retry_usec;
        BbNetstringReader reader;
        char *out;              /* bytes not written yet */
        size_t out_len;
        Pending *pending;       /* oldest first */
        unsigned long next_token;
};

static void ctrl_connect(BbCtrl *c);

int bb_ctrl_parse_address(const char *address, char **ret_host, char **ret_port) {
        const char *colon;
        char *host, *port;

        if (!address || !*address)
                return -EINVAL;
        if (address[0] == '[') {
                const char *close = strchr(address, ']');

                if (!close || close[1] != ':')
                        return -EINVAL;
                host = strndup(address + 1, close - address - 1);
                colon = close + 1;
        } else {
                colon = strrchr(address, ':');
                if (!colon || colon == address)
                        return -EINVAL;
                host = strndup(address, colon - address);
        }
        if (!host)
                return -ENOMEM;
        if (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) || strlen(colon + 1) > 5 ||
            atoi(colon + 1) < 1 || atoi(colon + 1) > 65535) {
                free(host);
                return -EINVAL;
        }
        port = strdup(colon + 1);
        if (!port) {
                free(host);
                return -ENOMEM;
        }
        *ret_host = host;
        *ret_port = port;
        return 0;
}

bool bb_ctrl_is_connected(BbCtrl *c) {
        return c && c->connected;
}

static void fail_pending(BbCtrl *c, int error) {
        while (c->pending) {
                Pending *p = c->pending;

                c->pending = p->next;
                if (p->handler)
                        p->handler(c->bridge, error, NULL, p->userdata);
                free(p);
        }
}

static void close_socket(BbCtrl *c) {
        c->io = sd_event_source_disable_unref(c->io);
        if (c->fd >= 0)
                close(c->fd);
        c->fd = -1;
        bb_netstring_reader_clear(&c->reader);
        free(c->out);
        c->out = NULL;
        c->out_len = 0;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        BbCtrl *c = userdata;

        c->retry = sd_event_source_disable_unref(c->retry);
        ctrl_connect(c);
        return 0;
}

static void schedule_retry(BbCtrl *c) {
        int r;

        c->retry = sd_event_source_disable_unref(c->retry);
        r = sd_event_add_time_relative(c->bridge->event, &c->retry, CLOCK_MONOTONIC, c->retry_usec, 0,
                                       on_retry, c);
        if (r < 0)
                bb_log_error("cannot schedule a reconnection to baresip: %s", strerror(-r));
        c->retry_usec = c->retry_usec * 2 > RECONNECT_MAX_USEC ? RECONNECT_MAX_USEC : c->retry_usec * 2;
}

static void unreachable(BbCtrl *c, const char *why) {
        if (!c->outage_reported) {
                bb_log_error("baresip is not reachable at %s:%s (%s). Is baresip running with "
                             "module_app ctrl_tcp.so and ctrl_tcp_listen %s:%s? Trying again until it is.",
                             c->host, c->port, why, c->host, c->port);
                bb_event("unreachable %s:%s %s", c->host, c->port, why);
                c->outage_reported = true;
        }
        schedule_retry(c);
}

/* The connection is gone: every command waiting for a response fails, and
 * baresip's calls went with it (or will be seen again by nobody). */
static void disconnected(BbCtrl *c, const char *why) {
        bool was_connected = c->connected;

        close_socket(c);
        c->connected = false;
        fail_pending(c, -ECONNRESET);
        if (was_connected) {
                bb_log_error("lost the connection to baresip at %s:%s (%s); reconnecting", c->host, c->port, why);
                bb_event("disconnected %s", why);
                bb_calls_drop_all(c->bridge, NULL, true, false);
                c->outage_reported = false;
                c->retry_usec = RECONNECT_MIN_USEC;
        }
        unreachable(c, why);
}

static int update_events(BbCtrl *c) {
        uint32_t events = EPOLLIN;

        if (c->out_len > 0)
                events |= EPOLLOUT;
        return sd_event_source_set_io_events(c->io, events);
}

static void on_reginfo(Bridge *b, int ok, const char *data, void *userdata) {
        BbCtrl *c = b->ctrl;

        if (ok < 0 || !data)
                return;
        bb_accounts_sync(b, data);
        /* A bridge that stopped while a call held the session may have left
         * baresip on the real devices: new calls start on the idle ones. */
        if (b->audio.idle_player)
                (void) bb_ctrl_command(c, "auplay", b->audio.idle_player, NULL, NULL);
        if (b->audio.idle_source)
                (void) bb_ctrl_command(c, "ausrc", b->audio.idle_source, NULL, NULL);
        /* baresip has taken the connection (it answered): from now on no
         * event is lost. */
        bb_event("ready %s:%s", c->host, c->port);
}

static void handle_message(BbCtrl *c, const char *text, size_t len) {
        __attribute__((cleanup(bb_json_object_freep))) BbJsonObject *o = NULL;
        int r;

        r = bb_json_parse_object(text, len, &o);
        if (r < 0) {
                bb_log_error("ignoring a message from baresip that is not a JSON object (%s): %.80s",
                             strerror(-r), text);
                return;
        }
        if (bb_json_get_bool(o, "response") == 1) {
                const char *token = bb_json_get_string(o, "token");
                Pending **pp = &c->pending, *p;

                /* Responses come in the order of the commands; the token
                 * is checked where there is one. */
                if (token)
                        for (; *pp && strcmp((*pp)->token, token) != 0; pp = &(*pp)->next)
                                ;
                p = *pp;
                if (!p) {
                        bb_debug(c->bridge, "response to no command of ours: %.80s", text);
                        return;
                }
                *pp = p->next;
                bb_debug(c->bridge, "<- response ok=%s %s", bb_json_get_bool(o, "ok") == 1 ? "true" : "false",
                         bb_json_get_string(o, "data") ?: "");
                if (p->handler)
                        p->handler(c->bridge, bb_json_get_bool(o, "ok") == 1,
                                   bb_json_get_string(o, "data") ?: "", p->userdata);
                free(p);
                return;
        }
        if (bb_json_get_bool(o, "event") == 1) {
                bb_calls_on_event(c->bridge, o);
                return;
        }
        bb_debug(c->bridge, "ignoring a message from baresip: %.80s", text);
}

static void on_readable(BbCtrl *c) {
        char buf[16384];
        ssize_t n;
        int r;

        n = read(c->fd, buf, sizeof(buf));
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        /* ctrl_tcp writes a response and the event that follows it as two
         * small segments, and its socket waits (Nagle) for our ACK of the
         * first before it sends the second: ACK at once instead of after
         * the delayed-ACK timer (40 ms). Linux clears the flag again, so it
         * is set after every read. */
        (void) setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &(int) { 1 }, sizeof(int));
        if (n <= 0) {
                disconnected(c, n == 0 ? "closed by baresip" : strerror(errno));
                return;
        }
        r = bb_netstring_feed(&c->reader, buf, n);
        while (r >= 0) {
                char *msg = NULL;
                size_t len;

                r = bb_netstring_next(&c->reader, &msg, &len);
                if (r <= 0)
                        break;
                handle_message(c, msg, len);
                free(msg);
                /* A handler may have dropped the connection. */
                if (c->fd < 0)
                        return;
        }
        if (r < 0)
                disconnected(c, r == -EMSGSIZE ? "message too long" :
                                r == -EBADMSG ? "malformed netstring" : strerror(-r));
}

static void on_writable(BbCtrl *c) {
        ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);

        if (n < 0) {
                if (errno != EAGAIN && errno != EINTR)
                        disconnected(c, strerror(errno));
                return;
        }
        memmove(c->out, c->out + n, c->out_len - n);
        c->out_len -= n;
        (void) update_events(c);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        BbCtrl *c = userdata;

        if (!c->connected) {
                int error = 0;
                socklen_t len = sizeof(error);

                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
                        error = errno;
                if (error != 0) {
                        close_socket(c);
                        unreachable(c, strerror(error));
                        return 0;
                }
                c->connected = true;
                c->outage_reported = false;
                /* Commands are small and each one waits for its response. */
                (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int) { 1 }, sizeof(int));
                (void) setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &(int) { 1 }, sizeof(int));
                c->retry_usec = RECONNECT_MIN_USEC;
                bb_event("connected %s:%s", c->host, c->port);
                (void) update_events(c);
                /* The accounts, for one provider each. */
                (void) bb_ctrl_command(c, "reginfo", "", on_reginfo, NULL);
                return 0;
        }
        if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
                on_readable(c);
        if (c->fd >= 0 && (revents & EPOLLOUT) && c->out_len > 0)
                on_writable(c);
        return 0;
}

static void ctrl_connect(BbCtrl *c) {
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
        struct addrinfo *ai = NULL;
        int r, fd = -1;

        r = getaddrinfo(c->host, c->port, &hints, &ai);
        if (r != 0) {
                unreachable(c, gai_strerror(r));
                return;
        }
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                freeaddrinfo(ai);
                unreachable(c, strerror(errno));
                return;
        }
        r = connect(fd, ai->ai_addr, ai->ai_addrlen);
        freeaddrinfo(ai);
        if (r < 0 && errno != EINPROGRESS) {
                r = errno;
                close(fd);
                unreachable(c, strerror(r));
                return;
        }
        c->fd = fd;
        /* Writable once connected, or once the attempt failed. */
        r = sd_event_add_io(c->bridge->event, &c->io, fd, EPOLLOUT | EPOLLIN, on_io, c);
        if (r < 0) {
                close_socket(c);
                unreachable(c, strerror(-r));
        }
}

int bb_ctrl_new(Bridge *b, const char *address, BbCtrl **ret) {
        BbCtrl *c;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->bridge = b;
        c->fd = -1;
        c->retry_usec = RECONNECT_MIN_USEC;
        r = bb_ctrl_parse_address(address, &c->host, &c->port);
        if (r < 0) {
                free(c);
                return r;
        }
        *ret = c;
        ctrl_connect(c);
        return 0;
}

BbCtrl *bb_ctrl_free(BbCtrl *c) {
        if (!c)
                return NULL;
        /* Handlers that would send another command get -ENOTCONN. */
        c->connected = false;
        fail_pending(c, -ECANCELED);
        close_socket(c);
        sd_event_source_disable_unref(c->retry);
        free(c->host);
        free(c->port);
        free(c);
        return NULL;
}

/* {"command":COMMAND,"params":PARAMS,"token":TOKEN}, JSON-escaped. */
static int build_command(const char *command, const char *params, const char *token,
                         char **ret, size_t *ret_len) {
        const char *parts[] = { "command", command, "params", params, "token", token };
        char *json = strdup("{"), *grown;
        size_t len = 1;
        int r = json ? 0 : -ENOMEM;

        for (size_t i = 0; r >= 0 && i < 6; i++) {
                r = bb_json_append_string(&json, &len, parts[i]);
                if (r < 0)
                        break;
                grown = realloc(json, len + 2);
                if (!grown) {
                        r = -ENOMEM;
                        break;
                }
                json = grown;
                json[len++] = i % 2 == 0 ? ':' : (i == 5 ? '}' : ',');
                json[len] = '\0';
        }
        if (r < 0) {
                free(json);
                return r;
        }
        *ret = json;
        *ret_len = len;
        return 0;
}

int bb_ctrl_command(BbCtrl *c, const char *command, const char *params,
                    BbResponseHandler handler, void *userdata) {
        char *json = NULL, *frame = NULL, *grown;
        size_t json_len, frame_len;
        Pending *p, **tail;
        int r;

        if (!c || !c->connected)
                return -ENOTCONN;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        snprintf(p->token, sizeof(p->token), "bb%lu", ++c->next_token);
        p->handler = handler;
        p->userdata = userdata;

        r = build_command(command, params ? params : "", p->token, &json, &json_len);
        if (r >= 0)
                r = bb_netstring_encode(json, json_len, &frame, &frame_len);
        if (r >= 0) {
                grown = realloc(c->out, c->out_len + frame_len);
                if (!grown)
                        r = -ENOMEM;
                else {
                        memcpy(grown + c->out_len, frame, frame_len);
                        c->out = grown;
                        c->out_len += frame_len;
                }
        }
        free(json);
        free(frame);
        if (r < 0) {
                free(p);
                return r;
        }
        for (tail = &c->pending; *tail; tail = &(*tail)->next)
                ;
        *tail = p;
        bb_debug(c->bridge, "-> %s %s", command, params ? params : "");
        return update_events(c);
}
