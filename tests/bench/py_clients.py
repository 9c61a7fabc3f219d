#!/usr/bin/python3
"""Python peers of the benchmark, one keep-alive connection each:

    py_clients.py aiohttp|httpclient HOST PORT PATH BODYFILE N

aiohttp: Debian's python3-aiohttp, one ClientSession with a connector
limited to one connection, the body pre-encoded (bytes), requests awaited
one after the other - the setup the seed design recommends.  httpclient:
the standard library's http.client.HTTPConnection, reused.

Prints one line: requests= ok= connects=1 secs= req_per_s= p50_us= p99_us=
"""
import sys
import time


def summary(n, ok, secs, lat):
    lat.sort()
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1e6 if lat else 0
    print("requests=%d ok=%d connects=1 secs=%.6f req_per_s=%.1f p50_us=%.1f p99_us=%.1f"
          % (n, ok, secs, n / secs, p(0.50), p(0.99)))


def run_httpclient(host, port, path, body, n):
    import http.client
    conn = http.client.HTTPConnection(host, port)
    hdrs = {"Content-Type": "application/json", "Accept": "application/json"}
    ok, lat = 0, []
    t0 = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        conn.request("POST", path, body, hdrs)
        r = conn.getresponse()
        r.read()
        ok += r.status == 200
        lat.append(time.perf_counter() - t)
    summary(n, ok, time.perf_counter() - t0, lat)


def run_aiohttp(host, port, path, body, n):
    import asyncio
    import aiohttp

    async def main():
        url = "http://%s:%d%s" % (host, port, path)
        hdrs = {"Content-Type": "application/json", "Accept": "application/json"}
        conn = aiohttp.TCPConnector(limit=1)
        ok, lat = 0, []
        async with aiohttp.ClientSession(connector=conn) as s:
            t0 = time.perf_counter()
            for _ in range(n):
                t = time.perf_counter()
                async with s.post(url, data=body, headers=hdrs) as r:
                    await r.read()
                    ok += r.status == 200
                lat.append(time.perf_counter() - t)
            summary(n, ok, time.perf_counter() - t0, lat)

    asyncio.run(main())


def main():
    kind, host, port, path, bodyfile, n = sys.argv[1:7]
    with open(bodyfile, "rb") as f:
        body = f.read()
    {"aiohttp": run_aiohttp, "httpclient": run_httpclient}[kind](host, int(port), path, body,
                                                                   int(n))


if __name__ == "__main__":
    main()
