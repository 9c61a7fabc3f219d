#!/usr/bin/python3
"""A body delimited by the connection close, over TLS: complete only when
the server ends with close_notify.  A bare TCP FIN can be forged by anyone
on the path (RFC 8446 6.1), so it must fail the request, not truncate it.

The peer is a tiny Python TLS server (stdlib ssl, Debian's python3) on
127.0.0.1 with the test PKI's certificate.
"""
import socket
import ssl
import threading
import unittest

from tls_common import PkiTestCase, cli, fixtures

BODY = b"x" * 5000


class ClosePeer:
    """One TLS connection: read the request head, answer with a body
    delimited by the close, then close with or without close_notify."""

    def __init__(self, pki, notify):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(pki.chain("good"), pki.key("good"))
        self.notify = notify
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(30)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        try:
            conn, _ = self.sock.accept()
            conn.settimeout(30)
            tls = self.ctx.wrap_socket(conn, server_side=True)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = tls.recv(4096)
                if not chunk:
                    return
                head += chunk
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + BODY)
            if self.notify:
                tls.unwrap().close()  # close_notify, then FIN
            else:
                tls.shutdown(socket.SHUT_RDWR)  # drops the TLS layer: a bare FIN
                tls.close()
        except (OSError, ssl.SSLError):
            pass

    def close(self):
        self.thread.join(timeout=30)
        self.sock.close()


class Truncation(PkiTestCase):

    def fetch(self, notify):
        peer = ClosePeer(self.pki, notify)
        try:
            return cli(["--cacert", self.pki.ca_pem, "https://localhost:%d/" % peer.port],
                       timeout=60)
        finally:
            peer.close()

    def test_close_notify_completes_the_body(self):
        rc, out, err = self.fetch(notify=True)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, BODY)

    def test_bare_fin_is_an_error_not_a_short_body(self):
        rc, out, err = self.fetch(notify=False)
        self.assertEqual(rc, 56, err)  # curl's receive error
        self.assertIn("reset", err)


if __name__ == "__main__":
    fixtures.main()  # exit 77 on a skip, 1 under CI=true
