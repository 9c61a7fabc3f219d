/*
 * emhttp_config.h for the minimal configuration: HTTP + JSON writer, no
 * TLS - what the footprint budget (tests/footprint) measures and what the
 * *_min unit tests run against.  Also an example of a hand-written
 * configuration header for a vendoring project (see README, "Options").
 *
 * What is left out, and what that means for the firmware:
 *  - chunked responses: a response with Transfer-Encoding fails with
 *    EMHTTP_ERR_UNSUPPORTED (the client stays usable);
 *  - Keep-Alive: timeout=N: ignored (an idle connection is still probed
 *    before reuse);
 *  - the re-send of a request whose reused connection turned out dead:
 *    it fails with EMHTTP_ERR_CLOSED / _RESET / _SEND, the caller may
 *    submit it again;
 *  - body lengths above 4 GiB-1: EMHTTP_ERR_BAD_LENGTH / _BAD_CHUNK;
 *  - the on_event callback and the counters of emhttp_client_stats();
 *  - a second cached address per host name, IPv6, doubles in JSON, logs;
 *  - pipelining (one request at a time on the connection);
 *  - streamed request bodies (a body is one buffer) and the wait for
 *    100 Continue (a body follows its head at once, Expect or not);
 *  - the word-at-a-time scan of header values and the JSON writer's
 *    fast paths (the same results, a byte at a time);
 *  - per-request timing (emhttp_request.timing) and redirects (a 3xx is
 *    returned as it is; no emhttp_client_set_origin()).
 */
#ifndef EMHTTP_CONFIG_H
#define EMHTTP_CONFIG_H

#define CONFIG_EMHTTP_TLS 0
#define CONFIG_EMHTTP_JSON_FLOAT 0
#define CONFIG_EMHTTP_IPV6 0
#define CONFIG_EMHTTP_LOG_LEVEL 0
#define CONFIG_EMHTTP_CHUNKED 0
#define CONFIG_EMHTTP_KEEPALIVE_HINT 0
#define CONFIG_EMHTTP_LENGTH_64 0
#define CONFIG_EMHTTP_EVENTS 0
#define CONFIG_EMHTTP_STATS 0
#define CONFIG_EMHTTP_DNS_MAX_ADDRS 1
#define CONFIG_EMHTTP_RESEND 0
#define CONFIG_EMHTTP_PIPELINING 0
#define CONFIG_EMHTTP_BODY_STREAM 0
#define CONFIG_EMHTTP_EXPECT 0
#define CONFIG_EMHTTP_FAST_SCAN 0
#define CONFIG_EMHTTP_JSON_FAST 0
#define CONFIG_EMHTTP_TIMING 0
#define CONFIG_EMHTTP_REDIRECTS 0

#endif /* EMHTTP_CONFIG_H */
