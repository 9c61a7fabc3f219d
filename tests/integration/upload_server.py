#!/usr/bin/python3
"""Fixture server for request bodies: hashes what it receives.

Usage: upload_server.py PORT LOGFILE [CERTCHAIN KEY]

HTTP/1.1 on 127.0.0.1:PORT, one thread per connection, requests in turn;
with CERTCHAIN and KEY (PEM), over TLS (Python's ssl module: TLS 1.2 and
1.3, the handshake in the connection's thread).
Bodies are read strictly (Content-Length, or chunked down to the last
chunk and the empty trailer) and hashed (SHA-256) as they arrive, never
kept.  Every request is logged to LOGFILE as one JSON line:
  conn, method, path, expect (Expect: 100-continue sent), chunked, cl,
  complete (the whole request arrived), len, sha256,
  early (a body byte arrived before this server sent 100 Continue),
  after_final (body bytes that arrived after a final status sent
  without reading the body, up to the client's close).
A connection that ends inside a request logs it with complete false.

Paths:
  /hash...      200 with {"len", "sha256", "chunked", "expect"} (100 Continue
                first when the request asks for it)
  /expect/100   asks for Expect: 100-continue; before sending 100 it lets
                0.3 s pass and looks whether any body byte came (early)
  /expect/417   417 at once, body not read (connection left open)
  /expect/413   413 with Connection: close at once, body not read
  /expect/none  never sends 100: reads the body when it comes
"""
import hashlib
import json
import select
import socket
import sys
import threading
import time

LOCK = threading.Lock()


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def _more(self):
        d = self.sock.recv(262144)
        if not d:
            raise EOFError
        self.buf += d

    def readline(self, limit=65536):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            if len(self.buf) > limit:
                raise ValueError("line too long")
            self._more()

    def read_into(self, n, sink):
        """n bytes to sink(bytes), as they arrive."""
        while n > 0:
            if not self.buf:
                self._more()
            k = min(n, len(self.buf))
            sink(bytes(self.buf[:k]))
            del self.buf[:k]
            n -= k

    def pending(self):
        """Bytes already here, without waiting."""
        if self.buf or getattr(self.sock, "pending", lambda: 0)():
            return True  # (under TLS: decrypted bytes inside the ssl object too)
        readable, _, _ = select.select([self.sock], [], [], 0)  # (recv would wait: a timeout is set)
        return bool(readable)

    def send(self, data):
        self.sock.sendall(data)


def log(path, rec):
    with LOCK:
        with open(path, "a") as f:
            f.write(json.dumps(rec) + "\n")


def read_body(c, rec, chunked, cl, h):
    def sink(d):
        h.update(d)
        rec["len"] += len(d)
    if chunked:
        while True:
            size = int(c.readline(), 16)
            if size == 0:
                if c.readline() != b"":
                    raise ValueError("trailer")
                break
            c.read_into(size, sink)
            if c.readline() != b"":
                raise ValueError("chunk CRLF")
    else:
        c.read_into(cl, sink)


def respond(c, status, reason, body=b"", close=False):
    head = "HTTP/1.1 %d %s\r\nContent-Length: %d\r\n%s\r\n" % (
        status, reason, len(body), "Connection: close\r\n" if close else "")
    c.send(head.encode() + body)


def handle(c, conn_id, logpath):
    while True:
        try:
            line = c.readline()
        except EOFError:
            return
        method, path, _ = line.decode().split(" ", 2)
        hdrs = {}
        while True:
            l = c.readline()
            if not l:
                break
            k, _, v = l.decode().partition(":")
            hdrs[k.strip().lower()] = v.strip()
        chunked = hdrs.get("transfer-encoding", "").lower() == "chunked"
        cl = int(hdrs.get("content-length", "0"))
        expect = hdrs.get("expect", "").lower() == "100-continue"
        rec = {"conn": conn_id, "method": method, "path": path, "expect": expect,
               "chunked": chunked, "cl": hdrs.get("content-length"), "complete": False,
               "len": 0, "sha256": None, "early": False, "after_final": 0}
        h = hashlib.sha256()
        try:
            if path in ("/expect/417", "/expect/413"):
                code = 417 if path.endswith("417") else 413
                respond(c, code, "Expectation Failed" if code == 417 else "Content Too Large",
                        close=code == 413)
                rec["complete"] = not (chunked or cl)
                try:
                    while True:  # what comes after, up to the client's close
                        c._more()
                        rec["after_final"] += len(c.buf)
                        c.buf.clear()
                except (EOFError, OSError):
                    pass
                log(logpath, rec)
                return
            if expect and path == "/expect/100":
                time.sleep(0.3)  # room for a client that would not wait
                rec["early"] = c.pending()
            if expect and path != "/expect/none":
                c.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            read_body(c, rec, chunked, cl, h)
        except (EOFError, ValueError, OSError):
            log(logpath, rec)  # ended inside the request: never complete
            return
        rec["complete"] = True
        rec["sha256"] = h.hexdigest()
        log(logpath, rec)
        out = {"len": rec["len"], "sha256": rec["sha256"], "chunked": chunked, "expect": expect,
               "early": rec["early"], "path": path, "method": method}
        respond(c, 200, "OK", json.dumps(out).encode() + b"\n")


def run(sock, conn_id, logpath, tls):
    try:
        if tls is not None:
            sock = tls.wrap_socket(sock, server_side=True)
        handle(Conn(sock), conn_id, logpath)
    except OSError:
        pass  # a failed handshake: no request to log
    finally:
        sock.close()


def serve(port, logpath, tls=None):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    n = 0
    while True:
        sock, _ = s.accept()
        sock.settimeout(60)
        n += 1
        threading.Thread(target=run, args=(sock, n, logpath, tls), daemon=True).start()


if __name__ == "__main__":
    context = None
    if len(sys.argv) > 4:
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[3], sys.argv[4])
    serve(int(sys.argv[1]), sys.argv[2], context)
