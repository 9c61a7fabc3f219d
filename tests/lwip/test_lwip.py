#!/usr/bin/python3
"""emhttp on the real lwIP stack: lwip_driver (NO_SYS=1) and lwip_driver_sys
(NO_SYS=0) over a tap in a throw-away network namespace, against dnsmasq and
nginx bound to 192.0.2.1.  Each scenario asserts what the client reports AND
what the servers saw (nginx's access log, dnsmasq's query log).

    test_lwip.py SCENARIO        (ctest runs each as its own test: lwip_SCENARIO)

    requests_1000       1,000 POSTs to http://api.test/api: one connection, one query
    sys_requests_1000   the same on NO_SYS=0 (tcpip thread + core lock)
    reconnect_dns_ttl   nginx restarts: new connections, one query until dns_ttl_s, then one more
    dns_errors          unknown name -> ERR_DNS, dnsmasq down -> ERR_DNS_TIMEOUT, then success
    peer_errors         reset -> ERR_RESET, early close -> ERR_CLOSED, refused -> ERR_CONNECT,
                        refused segments (ERR_MEM) with one-byte segments
    big_body            1 MiB through 2 KiB (fast, slow consumer), 200 KB POST echoed
    sys_big_body        the same on NO_SYS=0
    example             examples/lwip (board-style super-loop with the outbox)
    https_100           100 HTTPS requests over one TLS connection, certificate verified
    dead_connection     the kept-alive connection black-holed (nftables): GET re-sent once on a
                        fresh lwIP connection, POST fails with ERR_TIMEOUT_FIRST_BYTE, then success;
                        idle past --idle-reuse: replaced before use, never met
    sys_dead_connection the same on NO_SYS=0
    dead_connections_in_a_row  more black-holed connections in a row than lwIP has pcbs

Every scenario runs in its own namespace (netns.enter); without the
privileges for that it exits 77 (skipped).  EMHTTP_KEEP_FIXTURES=1 keeps
the servers' directories (logs) in TMPDIR.
"""
import os
import sys
import time

import netns
from netns import HOST_IP, Dnsmasq, Driver, fixtures

ERR_DNS = -6
ERR_CONNECT = -8
ERR_CLOSED = -12
ERR_RESET = -13
ERR_DNS_TIMEOUT = -7
ERR_TIMEOUT_FIRST_BYTE = -14
ERR_TLS_CERT_UNTRUSTED = -101
ERR_TLS_CERT_HOSTNAME = -104


class Failure(AssertionError):
    pass


def check(cond, what, *details):
    if not cond:
        raise Failure(what + "".join("\n  " + str(d) for d in details))


def nginx():
    return fixtures.Nginx(listen=HOST_IP, port=80, ipv6=False)


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def figures(st):
    """One line with the numbers the report quotes."""
    c, p, pool = st["client"], st["port"], st["lwip"]["pbuf_pool"]
    return ("requests=%d errors=%d connects=%d dns_queries=%d reuses=%d | port: rx_max_pbufs=%d"
            "/%d rx_refused=%d tx_full=%d | pbuf_pool: size=%d max_used=%d err=%d | tap: "
            "rx=%d rx_dropped=%d tx=%d tx_dropped=%d"
            % (c["requests"], c["errors"], c["connects"], c["dns_queries"], c["reuses"],
               p["rx_max_pbufs"], p["rx_max_allowed"], p["rx_refused"], p["tx_full"],
               st["pbuf_pool_size"], pool["max"], pool["err"], st["tap"]["rx_frames"],
               st["tap"]["rx_dropped"], st["tap"]["tx_frames"], st["tap"]["tx_dropped"]))


def check_pools(st):
    """lwIP never ran out of anything, and the port's chain stayed bounded."""
    lw = st["lwip"]
    for pool in ("pbuf_pool", "pbuf", "tcp_pcb", "tcp_seg", "heap"):
        check(lw[pool]["err"] == 0, "lwIP %s ran out" % pool, lw)
    check(st["tap"]["rx_dropped"] == 0, "frames dropped for lack of pbufs", st["tap"])
    check(st["lwip"]["pbuf_pool"]["max"] < st["pbuf_pool_size"], "pbuf pool used up", lw)


def check_keepalive(st):
    """The kept-alive connection's pcb has TCP keepalive as configured
    (CONFIG_EMHTTP_TCP_KEEPALIVE_*; LWIP_TCP_KEEPALIVE is on in
    port/lwip/config)."""
    pcb, want = st["pcb"], st["keepalive_config"]
    check(pcb["open"] == 1, "the connection is not open after the requests", pcb)
    if pcb["open"]:
        got = (pcb["keepalive"], pcb["keep_idle_ms"], pcb.get("keep_intvl_ms"), pcb.get("keep_cnt"))
        check(got == (int(want["idle_ms"] > 0), want["idle_ms"], want["intvl_ms"], want["cnt"])
              if want["idle_ms"] > 0 else got[0] == 0, "pcb keepalive", pcb, want)
        print("pcb keepalive:", pcb)


def check_api_log(ng, mark, n, method, host="api.test"):
    entries = ng.wait_log_count(n, timeout=30, since=mark)
    check(len(entries) == n, "nginx logged %d requests, want %d" % (len(entries), n))
    for e in entries:
        check((e["request_method"], e["uri"], e["status"], e["http_host"]) ==
              (method, "/api", 200, host), "unexpected request in nginx's log", e)
    return entries


# ---------------------------------------------------------------------------
# scenarios

def requests_1000(driver="lwip_driver"):
    """1,000 POSTs to http://api.test/api over one TCP connection, one DNS query."""
    with Dnsmasq() as dns, nginx() as ng:
        mark = ng.log_mark()
        with Driver(driver) as d:
            r = d.req("POST", "/api", 1000, timeout=240)
            st = d.stats()
        print("req:", r)
        print("figures:", figures(st))
        check(r["ok"] == 1000 and r["rcs"] == {"0": 1000}, "not every request succeeded", r)
        c = st["client"]
        check((c["requests"], c["errors"], c["connects"], c["dns_queries"], c["reuses"]) ==
              (1000, 0, 1, 1, 999), "client counters", c)
        check((st["port"]["connects"], st["port"]["dns_queries"]) == (1, 1), "port counters",
              st["port"])
        check_keepalive(st)
        check_pools(st)
        entries = check_api_log(ng, mark, 1000, "POST")
        check(ng.connection_count(entries) == 1, "nginx saw more than one connection",
              ng.connections(entries))
        check(entries[-1]["connection_requests"] == 1000, "requests on the connection",
              entries[-1])
        check(all(e["content_length"] not in ("", "-", "0") for e in entries), "bodies missing")
        queries = dns.wait_queries("api.test", 1)
        check(queries == [("A", "api.test")], "dnsmasq must see exactly one query", queries)
        check(dns.queries() == queries, "other queries", dns.queries())
        print("dnsmasq queries for api.test: %d; nginx: %d requests on %d connection(s) "
              "from lwIP port %d (random per run)"
              % (len(queries), len(entries), ng.connection_count(entries),
                 entries[0]["remote_port"]))


def sys_requests_1000():
    requests_1000("lwip_driver_sys")


def reconnect_dns_ttl():
    """nginx restarts force new connections; the address stays cached for
    dns_ttl_s, then exactly one more query."""
    ttl = 10
    with Dnsmasq() as dns, nginx() as ng:
        mark = ng.log_mark()
        with Driver("lwip_driver", ["--dns-ttl", ttl]) as d:
            t0 = time.monotonic()
            r = d.req("GET", "/api", 2)
            check(r["ok"] == 2, "first requests", r)
            for i in range(3):
                ng.restart()
                r = d.req("GET", "/api", 2)
                st = d.stats()["client"]
                check(r["ok"] == 2, "request after restart %d" % (i + 1), r)
                check((st["connects"], st["dns_queries"]) == (i + 2, 1),
                      "restart %d: want a new connection and no new query" % (i + 1), st)
            within = time.monotonic() - t0
            check(within < ttl - 1, "the restarts took %.1fs: too slow to test a %ds TTL"
                  % (within, ttl))
            check(len(dns.queries("api.test")) == 1, "one query within the TTL", dns.queries())
            # Let the lifetime pass (a clock-based lifetime: nothing to wait on).
            time.sleep(max(0.0, t0 + ttl + 0.5 - time.monotonic()))
            for i in range(2):
                ng.restart()
                r = d.req("GET", "/api", 2)
                check(r["ok"] == 2, "request after the TTL", r)
            st = d.stats()
        print("figures:", figures(st))
        c = st["client"]
        check((c["connects"], c["dns_queries"], c["errors"]) == (6, 2, 0),
              "after the TTL: 6 connections, exactly one more query", c)
        check_pools(st)
        entries = check_api_log(ng, mark, 12, "GET")
        check(ng.connection_count(entries) == 6, "nginx connections", ng.connections(entries))
        queries = dns.wait_queries("api.test", 2)
        check(queries == [("A", "api.test")] * 2, "dnsmasq must see exactly two queries", queries)
        print("connections: client %d, nginx %d; dns queries: client %d, dnsmasq %d"
              % (c["connects"], ng.connection_count(entries), c["dns_queries"], len(queries)))


def dns_errors():
    """Unknown name -> EMHTTP_ERR_DNS, dnsmasq stopped -> EMHTTP_ERR_DNS_TIMEOUT,
    each within the configured time; then success once DNS answers."""
    with Dnsmasq(["api.test"]) as dns, nginx() as ng:
        mark = ng.log_mark()
        with Driver("lwip_driver", ["--host", "late.test", "--dns-timeout", 3000]) as d:
            r = d.req("GET", "/api")
            print("unknown name:", r)
            check(r["last_rc"] == ERR_DNS, "want EMHTTP_ERR_DNS for an unknown name", r)
            check(r["ms"] < 3000, "DNS failure took longer than the DNS timeout", r)
            dns.restart(["api.test", "late.test"])
            r = d.req("GET", "/api")
            check(r["ok"] == 1, "late.test once dnsmasq knows it", r)
            st = d.stats()["client"]
            check((st["dns_queries"], st["connects"]) == (2, 1), "failed name not cached", st)
        check_api_log(ng, mark, 1, "GET", host="late.test")
        check(len(dns.queries("late.test")) >= 2, "dnsmasq saw both queries", dns.queries())

        timeout_ms = 1500
        with Driver("lwip_driver", ["--dns-timeout", timeout_ms]) as d:
            dns.stop()
            r = d.req("GET", "/api")
            print("DNS down:", r)
            check(r["last_rc"] == ERR_DNS_TIMEOUT, "want EMHTTP_ERR_DNS_TIMEOUT", r)
            check(timeout_ms - 50 <= r["ms"] <= timeout_ms + 1000,
                  "timed out after %d ms, configured %d" % (r["ms"], timeout_ms), r)
            dns.start()
            r = d.req("GET", "/api")
            check(r["ok"] == 1, "success once dnsmasq is back", r)
            st = d.stats()
        print("figures:", figures(st))
        c = st["client"]
        check((c["requests"], c["errors"], c["dns_queries"], c["connects"]) == (2, 1, 2, 1),
              "counters after the timeout", c)
        check_pools(st)


def peer_errors():
    """tcp_err and remote close through lwIP: a reset mid-body gives
    EMHTTP_ERR_RESET, a close before any response byte EMHTTP_ERR_CLOSED,
    nothing listening EMHTTP_ERR_CONNECT; the same client goes on after
    each (a new connection every time)."""
    with Dnsmasq(), fixtures.PeerServer(host=HOST_IP) as peer:
        with Driver("lwip_driver", ["--port", peer.port]) as d:
            steps = [("GET", "/ok", 0), ("GET", "/reset-mid-body", ERR_RESET), ("GET", "/ok", 0),
                     ("POST", "/eof-before-response", ERR_CLOSED), ("GET", "/ok", 0),
                     ("GET", "/chunked?n=100000", 0)]
            results = [d.req(m, path) for m, path, _ in steps]
            # One-byte segments left unread: the port's chain fills up and
            # it refuses the next segment (ERR_MEM); lwIP offers it again.
            refused = d.command("refuse /slow-bytes?ms=0", timeout=60)
            st = d.stats()
        for (m, path, want), r in zip(steps, results):
            print("%s %s:" % (m, path), r)
            check(r["last_rc"] == want, "%s %s: want %d" % (m, path, want), r)
        check(results[1]["len"] == 1000, "the body bytes before the reset arrive", results[1])
        check((results[-1]["len"], results[-1]["fnv"]) ==
              (100000, fnv1a64(fixtures.pattern_bytes(100000))), "chunked body", results[-1])
        print("refused segments:", refused)
        check(refused["ok"] == 1 and (refused["len"], refused["fnv"]) ==
              (12, fnv1a64(b"hello, world")), "body after refused segments", refused)
        check(st["port"]["rx_refused"] >= 1, "the port refused no segment", st["port"])
        print("figures:", figures(st))
        c = st["client"]
        check((c["requests"], c["errors"], c["connects"], c["dns_queries"]) == (7, 2, 3, 1),
              "counters", c)
        check_pools(st)
        closes = [e["why"] for e in peer.events("close")]
        check("reset" in closes and "eof-before-response" in closes, "server side", closes)
    with Dnsmasq(), Driver("lwip_driver", ["--port", 81]) as d:
        r = d.req("GET", "/ok")
        print("nothing listening:", r)
        check(r["last_rc"] == ERR_CONNECT, "want EMHTTP_ERR_CONNECT", r)


def dead_connection(driver="lwip_driver"):
    """A NAT drops the idle connection's mapping silently: nftables on the
    Linux side of the tap drops every packet from or to lwIP's port of the
    kept-alive connection (no FIN, no RST either way).  A GET sent into it
    is taken for dead at its first-byte timeout and re-sent once on a
    fresh lwIP connection, where it succeeds; then the same with a POST
    (no Idempotency-Key): not re-sent, EMHTTP_ERR_TIMEOUT_FIRST_BYTE, and
    the next request succeeds on a fresh connection.  The peer server's
    log says on which connection each request arrived."""
    problem = netns.nft_problem()
    if problem:
        netns.skip(problem)
    first_byte = 2000  # short enough to wait out, long enough for a loaded VM
    with Dnsmasq(), fixtures.PeerServer(host=HOST_IP) as peer, netns.Blackhole() as bh:
        with Driver(driver, ["--port", peer.port, "--first-byte", first_byte]) as d:
            ok1 = d.req("GET", "/ok")
            print("first GET:", ok1)
            check(ok1["ok"] == 1, "first request", ok1)
            bh.drop(peer.wait_event("accept")[0]["peer_port"])
            get = d.req("GET", "/ok")
            dropped_get = bh.dropped()
            print("GET into the black hole:", get)
            print("packets dropped during the GET: %d; it took %d ms with a %d ms first-byte "
                  "timeout (recovered %d ms after it)"
                  % (dropped_get, get["ms"], first_byte, get["ms"] - first_byte))
            check(dropped_get >= 1, "nothing was dropped: the test tested nothing")
            # one fresh connection for it, sent once more, answered there
            check((get["ok"], get["last_rc"], get["connects"], get["resends"]) == (1, 0, 1, 1),
                  "GET into the dead connection: want success after one re-send on a fresh "
                  "connection", get)
            check(get["ms"] >= first_byte, "the GET did not wait for its first-byte timeout",
                  get)
            bh.drop(peer.wait_event("accept", count=2)[1]["peer_port"])
            post = d.req("POST", "/ok")
            print("POST into the black hole:", post)
            # not re-sent (it may have been processed): the definite error
            check((post["last_rc"], post["connects"], post["resends"]) ==
                  (ERR_TIMEOUT_FIRST_BYTE, 0, 0), "POST into the dead connection", post)
            after = d.req("GET", "/ok")
            print("GET after:", after)
            check((after["ok"], after["connects"], after["resends"]) == (1, 1, 0),
                  "the request after the POST: success on a fresh connection", after)
            st = d.stats()
        print("packets dropped in all: %d" % bh.dropped())
        print("figures:", figures(st), "| retries=%d" % st["client"]["retries"])
        c = st["client"]
        check((c["requests"], c["errors"], c["connects"], c["retries"]) == (4, 1, 3, 1),
              "client counters", c)
        check_pools(st)
        accepts = peer.events("accept")
        on = [[e["method"] for e in peer.requests_on(a["conn"])] for a in accepts]
        print("server: requests per connection:", on)
        # the copies sent into the black hole never arrived; the POST nowhere
        check(on == [["GET"], ["GET"], ["GET"]], "server side", on)
    idle_past_limit(driver)


def idle_past_limit(driver):
    """The idle-reuse limit on lwIP: black-holed, then idle past the limit,
    the connection is replaced before use - the request never meets it
    (no first-byte wait, no re-send)."""
    limit_ms, idle_s = 300, 0.8
    with Dnsmasq(), fixtures.PeerServer(host=HOST_IP) as peer, netns.Blackhole() as bh:
        with Driver(driver, ["--port", peer.port, "--first-byte", 2000,
                             "--idle-reuse", limit_ms]) as d:
            ok1 = d.req("GET", "/ok")
            check(ok1["ok"] == 1, "first request", ok1)
            bh.drop(peer.wait_event("accept")[0]["peer_port"])
            time.sleep(idle_s)  # the idleness is what is tested
            r = d.req("GET", "/ok")
            st = d.stats()
        print("black-holed and idle %.1f s past a %d ms limit:" % (idle_s, limit_ms), r)
        check((r["ok"], r["connects"], r["resends"]) == (1, 1, 0),
              "want a fresh connection before use, no re-send", r)
        c = st["client"]
        check((c["connects"], c["ka_expired"], c["retries"]) == (2, 1, 0), "client counters", c)
        on = [[e["method"] for e in peer.requests_on(a["conn"])] for a in peer.events("accept")]
        check(on == [["GET"], ["GET"]], "server side", on)


def dead_connections_in_a_row():
    """More black-holed connections in a row than lwIP has TCP pcbs
    (MEMP_NUM_TCP_PCB): each one the client gives up on still holds its
    request unacknowledged.  Every GET is re-sent on a fresh connection and
    answered, and lwIP's pcb pool never runs out: a pcb whose data the
    peer never acknowledged is not left retransmitting a FIN for minutes
    after the client closed it."""
    problem = netns.nft_problem()
    if problem:
        netns.skip(problem)
    rounds = 6  # > MEMP_NUM_TCP_PCB (4, port/lwip/config/lwipopts_common.h)
    with Dnsmasq(), fixtures.PeerServer(host=HOST_IP) as peer, netns.Blackhole() as bh:
        with Driver("lwip_driver", ["--port", peer.port, "--first-byte", 2000]) as d:
            first = d.req("GET", "/ok")
            check(first["ok"] == 1, "first request", first)
            for i in range(rounds):
                bh.drop(peer.wait_event("accept", count=i + 1)[i]["peer_port"])
                r = d.req("GET", "/ok")
                print("black hole %d:" % (i + 1), r)
                check((r["ok"], r["last_rc"], r["connects"], r["resends"]) == (1, 0, 1, 1),
                      "GET %d into a dead connection: want success after one re-send" % (i + 1),
                      r)
            st = d.stats()
        print("packets dropped: %d; tcp_pcb pool: %s" % (bh.dropped(), st["lwip"]["tcp_pcb"]))
        check_pools(st)
        on = [[e["method"] for e in peer.requests_on(a["conn"])] for a in peer.events("accept")]
        check(on == [["GET"]] * (rounds + 1), "server side", on)


def sys_dead_connection():
    dead_connection("lwip_driver_sys")


def padded_json(n):
    """The driver's large POST body: {"pad":"xx...x"} of n bytes."""
    return b'{"pad":"' + b"x" * (n - 10) + b'"}'


def big_body(driver="lwip_driver"):
    """1 MiB through a 2 KiB receive buffer, fast and slow consumer: intact,
    and lwIP's pbuf pool never runs out.  Then a 200 KB POST, far over the
    send buffer (tcp_sndbuf back-pressure, tcp_sent wake-ups), echoed back
    intact by the peer server."""
    with Dnsmasq(), nginx() as ng:
        want_len, want_fnv = fixtures.BIG_SIZE, fnv1a64(ng.big_bytes())
        with Driver(driver, ["--rx", 2048]) as d:
            fast = d.req("GET", "/big", 1, timeout=120)
            slow = d.req("GET", "/big", 1, delay_us=300, timeout=240)
            st = d.stats()
        for name, r in (("fast", fast), ("slow", slow)):
            print(name, "consumer:", r)
            check(r["ok"] == 1 and r["status"] == 200, "%s: request failed" % name, r)
            check((r["len"], r["fnv"]) == (want_len, want_fnv), "%s: body differs" % name, r,
                  "want len %d fnv %s" % (want_len, want_fnv))
        print("figures:", figures(st))
        check(st["client"]["connects"] == 1, "both over one connection", st["client"])
        check_pools(st)
    post_len = 200000
    with Dnsmasq(), fixtures.PeerServer(host=HOST_IP) as peer:
        with Driver(driver, ["--rx", 2048, "--port", peer.port]) as d:
            echo = d.req("POST", "/echo", 1, body=post_len, timeout=120)
            st = d.stats()
        print("200 KB POST echoed:", echo)
        check((echo["ok"], echo["len"], echo["fnv"]) ==
              (1, post_len, fnv1a64(padded_json(post_len))), "echoed body differs", echo)
        print("figures:", figures(st))
        check(st["port"]["tx_full"] >= 1, "the send buffer never filled", st["port"])
        check_pools(st)


def sys_big_body():
    big_body("lwip_driver_sys")


def example():
    """examples/lwip (the board-style super-loop) posts its readings over one
    connection after one DNS query."""
    exe = os.environ.get("EMHTTP_LWIP_EXAMPLE")
    check(exe and os.path.exists(exe), "no example binary (EMHTTP_LWIP_EXAMPLE)", exe)
    with Dnsmasq() as dns, nginx() as ng:
        mark = ng.log_mark()
        rc, out, err = fixtures.run([exe], timeout=120, env=dict(os.environ, EMHTTP_TAP=netns.TAP))
        print(out.strip())
        check(rc == 0, "example failed rc=%s" % rc, out, err)
        check("stats: requests=20 ok=20 errors=0 connects=1 dns_queries=1" in out, "stats", out)
        entries = check_api_log(ng, mark, 20, "POST")
        check(ng.connection_count(entries) == 1, "one connection", ng.connections(entries))
        check(dns.wait_queries("api.test", 1) == [("A", "api.test")], "one query", dns.queries())


def https_100():
    """100 HTTPS requests over one TLS connection to nginx through lwIP, the
    certificate verified (a certificate for another name is refused)."""
    if os.environ.get("EMHTTP_LWIP_TLS") != "1":
        netns.skip("TLS is not built in (EMHTTP_TLS=OFF): nothing to test")
    sys.path.insert(0, os.path.join(netns.SOURCE, "tests", "tls"))
    from tls_fixtures import Pki
    pki = Pki(names="DNS:api.test,IP:" + HOST_IP)
    try:
        with Dnsmasq() as dns:
            https_good(pki, dns)
            https_refused(pki)
    finally:
        pki.cleanup()


def https_good(pki, dns):
    from tls_fixtures import TlsNginx
    with TlsNginx(pki, cert="good", listen=HOST_IP, port=443, ipv6=False) as ng:
        mark = ng.log_mark()
        with Driver("lwip_driver", ["--port", 443, "--cacert", pki.ca_pem]) as d:
            r = d.req("POST", "/api", 100, timeout=120)
            st = d.stats()
        print("req:", r)
        print("figures:", figures(st), "| tls_handshakes=%d" % st["client"]["tls_handshakes"])
        check(r["ok"] == 100 and r["rcs"] == {"0": 100}, "not every HTTPS request succeeded", r)
        c = st["client"]
        check((c["requests"], c["connects"], c["dns_queries"], c["tls_handshakes"]) ==
              (100, 1, 1, 1), "one connection, one handshake, one query", c)
        check_pools(st)
        entries = check_api_log(ng, mark, 100, "POST")
        check(ng.connection_count(entries) == 1, "nginx connections", ng.connections(entries))
        e = entries[-1]
        check(e["ssl_protocol"].startswith("TLS") and e["ssl_server_name"] == "api.test",
              "TLS with SNI api.test", e)
        check(e["connection_requests"] == 100, "requests on the connection", e)
        check(dns.wait_queries("api.test", 1) == [("A", "api.test")], "one query", dns.queries())
        print("nginx: %d requests on %d connection(s), %s %s, SNI %s"
              % (len(entries), ng.connection_count(entries), e["ssl_protocol"], e["ssl_cipher"],
                 e["ssl_server_name"]))


def https_refused(pki):
    """Certificates that must not pass: another name, another CA."""
    from tls_fixtures import TlsNginx
    for cert, want in (("wronghost", ERR_TLS_CERT_HOSTNAME), ("otherca", ERR_TLS_CERT_UNTRUSTED)):
        with TlsNginx(pki, cert=cert, listen=HOST_IP, port=443, ipv6=False) as ng:
            with Driver("lwip_driver", ["--port", 443, "--cacert", pki.ca_pem]) as d:
                r = d.req("GET", "/api")
            print("certificate %s:" % cert, r)
            check(r["last_rc"] == want, "%s: want %d" % (cert, want), r)
            check(ng.log_entries() == [], "no request may reach nginx", ng.log_entries())


SCENARIOS = {f.__name__: f for f in (
    requests_1000, sys_requests_1000, reconnect_dns_ttl, dns_errors, peer_errors, big_body,
    sys_big_body, example, https_100, dead_connection, sys_dead_connection,
    dead_connections_in_a_row)}


def main(argv):
    if len(argv) != 2 or argv[1] not in SCENARIOS:
        print("usage: test_lwip.py {%s}" % ",".join(SCENARIOS), file=sys.stderr)
        return 2
    netns.enter(argv)
    netns.private_tmp()
    netns.setup_tap()
    t0 = time.monotonic()
    try:
        SCENARIOS[argv[1]]()
    except (Failure, netns.NetnsError, fixtures.FixtureError) as e:
        print("FAIL %s: %s" % (argv[1], e), flush=True)
        return 1
    print("PASS %s (%.1fs)" % (argv[1], time.monotonic() - t0), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
