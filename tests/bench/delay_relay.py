#!/usr/bin/python3
"""A TCP relay that holds every byte for a fixed delay in each direction:
the latency run's stand-in for `tc netem` on kernels without sch_netem.

    delay_relay.py LISTEN_HOST LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT DELAY_MS

Each accepted connection gets its own upstream connection (so nginx still
sees one connection per client connection).  Bytes read from one side at
time t are written to the other at t + DELAY_MS, in order; an end of
stream is passed on (shutdown) after the same delay.  Prints "ready" on
stdout once it listens.  One thread, non-blocking sockets, stdlib only.
"""
import collections
import heapq
import selectors
import socket
import sys
import time


def main():
    lhost, lport, uhost, uport, delay_ms = sys.argv[1:6]
    delay = float(delay_ms) / 1000.0
    sel = selectors.DefaultSelector()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((lhost, int(lport)))
    ls.listen(64)
    ls.setblocking(False)
    sel.register(ls, selectors.EVENT_READ, None)
    peer = {}                               # socket -> the other end
    outq = collections.defaultdict(collections.deque)   # dst -> deque of [due, bytes|None]
    timers = []                             # heap of (due, seq, dst)
    eof = set()                             # sockets that ended their stream
    registered = set()
    seq = 0
    print("ready", flush=True)

    def update(x, writing):
        """Watch x for reading (until its end of stream) and writing (while
        bytes wait); close the pair when both ends are done."""
        ev = (0 if x in eof else selectors.EVENT_READ) | (selectors.EVENT_WRITE if writing else 0)
        if ev == 0:
            if x in registered:
                sel.unregister(x)
                registered.discard(x)
            other = peer.get(x)
            if other is not None and other in eof and not outq.get(other) and not outq.get(x):
                close_pair(x)
        elif x in registered:
            sel.modify(x, ev, None)
        else:
            sel.register(x, ev, None)
            registered.add(x)

    def close_pair(s):
        for x in (s, peer.get(s)):
            if x is None:
                continue
            if x in registered:
                sel.unregister(x)
                registered.discard(x)
            eof.discard(x)
            x.close()
            peer.pop(x, None)
            outq.pop(x, None)

    def flush(dst, now):
        q = outq.get(dst)
        while q and q[0][0] <= now:
            data = q[0][1]
            if data is None:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                q.popleft()
                continue
            try:
                n = dst.send(data)
            except BlockingIOError:
                n = 0
            except OSError:
                close_pair(dst)
                return
            if n < len(data):
                q[0][1] = data[n:]
                update(dst, True)
                return
            q.popleft()
        update(dst, False)

    while True:
        now = time.monotonic()
        timeout = max(0.0, timers[0][0] - now) if timers else None
        for key, ev in sel.select(timeout):
            s = key.fileobj
            if s is ls:
                try:
                    c, _ = ls.accept()
                except OSError:
                    continue
                u = socket.create_connection((uhost, int(uport)), timeout=5)
                for x in (c, u):
                    x.setblocking(False)
                    x.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                peer[c], peer[u] = u, c
                for x in (c, u):
                    update(x, False)
                continue
            if s not in peer:
                continue
            if ev & selectors.EVENT_WRITE:
                flush(s, time.monotonic())
            if ev & selectors.EVENT_READ and s in peer:
                try:
                    data = s.recv(262144)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                dst = peer[s]
                due = time.monotonic() + delay
                outq[dst].append([due, data if data else None])
                seq += 1
                heapq.heappush(timers, (due, seq, dst))
                if not data:
                    eof.add(s)
                    update(s, bool(outq.get(s)))
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            _, _, dst = heapq.heappop(timers)
            if dst in peer or dst in outq:
                flush(dst, now)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
