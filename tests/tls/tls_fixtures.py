"""TLS fixtures: certificates made with openssl at test time, nginx with
TLS, and `openssl s_server`.

    sys.path.insert(0, os.path.join(ROOT, "tests", "tls"))
    from tls_fixtures import Pki, TlsNginx, SServer

    pki = Pki()                       # CA, server certificates, in a temp dir
    with TlsNginx(pki, cert="good") as ng:
        ...ng.url("/api", host="localhost")..., ng.log_entries()
    with SServer(pki, cert="expired") as srv:
        ...srv.url("/")..., srv.output()
    pki.cleanup()

Certificates (ECDSA P-256 keys, SHA-256 signatures, each chain < 2 KB):
    good        from the CA, for localhost, 127.0.0.1 and ::1
    expired     from the CA, same names, valid 2020-01-01 .. 2020-02-01
    wronghost   from the CA, for other.example only
    selfsigned  signs itself, for localhost, 127.0.0.1 and ::1
    otherca     from a second CA the client does not trust, same names
pki.ca_pem / pki.ca_der: the trusted CA.  pki.pin(name): curl's
sha256//BASE64 pin of a certificate's public key.

Client certificates (mutual TLS), made on first use by pki.client(name),
extendedKeyUsage clientAuth, subject CN=<name>:
    client          ECDSA P-256, from the CA
    client_rsa      RSA 2048, from the CA
    client_otherca  ECDSA P-256, from the second CA (not the one nginx trusts)
pki.client(name) returns the paths (cert PEM, key PEM, cert DER, key DER).
TlsNginx(pki, client_ca=pki.ca_pem) asks for one (ssl_verify_client on).

Rules are those of tests/fixtures: 127.0.0.1 / ::1 only, ports chosen at
run time, processes in their own group and always stopped, every wait
bounded and polling for the awaited state.
"""

import base64
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "fixtures"))

import fixtures  # noqa: E402
from fixtures import Fixture, FixtureError, Nginx  # noqa: E402

OPENSSL = "/usr/bin/openssl"
NAMES = "DNS:localhost,IP:127.0.0.1,IP:::1"
ALWAYS = ("20200101000000Z", "20991231000000Z")

_CA_CNF = """
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = %(dir)s
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
[ policy_any ]
commonName = supplied
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ leaf_local ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = %(names)s
[ leaf_client ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[ leaf_other ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example
"""


def _openssl(args, cwd):
    rc, out, err = fixtures.run([OPENSSL] + args, timeout=60, cwd=cwd)
    if rc != 0:
        raise FixtureError("openssl %s failed (%s):\n%s%s" % (args[0], rc, out, err))
    return out


class Pki:
    """A throw-away PKI in a temporary directory.

    names: the subjectAltName of the localhost-style certificates (good,
    expired, selfsigned, otherca); the lwIP tests pass
    "DNS:api.test,IP:192.0.2.1"."""

    CERTS = ("good", "expired", "wronghost", "selfsigned", "otherca")

    def __init__(self, names=NAMES):
        self.dir = tempfile.mkdtemp(prefix="emhttp-pki-")
        try:
            os.makedirs(self.path("newcerts"))
            open(self.path("index.txt"), "w").close()
            with open(self.path("serial"), "w") as f:
                f.write("1000\n")
            with open(self.path("ca.cnf"), "w") as f:
                f.write(_CA_CNF % {"dir": self.dir, "names": names})
            self._make_all()
        except BaseException:
            self.cleanup()
            raise

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def cleanup(self):
        if self.dir and not fixtures._keep_dirs():
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    # -- generation -------------------------------------------------------
    def _key(self, name, rsa=False):
        if rsa:
            _openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                      "-out", name + ".key"], self.dir)
            return
        _openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                  "-pkeyopt", "ec_param_enc:named_curve", "-out", name + ".key"], self.dir)

    def _csr(self, name, cn, rsa=False):
        self._key(name, rsa)
        _openssl(["req", "-new", "-key", name + ".key", "-subj", "/CN=" + cn,
                  "-out", name + ".csr"], self.dir)

    def _sign(self, name, issuer, ext, dates=ALWAYS):
        args = ["ca", "-batch", "-notext", "-config", "ca.cnf", "-in", name + ".csr",
                "-out", name + ".crt", "-startdate", dates[0], "-enddate", dates[1],
                "-extensions", ext]
        if issuer is None:
            args += ["-selfsign", "-keyfile", name + ".key"]
        else:
            args += ["-cert", issuer + ".crt", "-keyfile", issuer + ".key"]
        _openssl(args, self.dir)

    def _chain(self, name, issuer):
        """nginx's certificate file: the server certificate, then its CA."""
        with open(self.path(name + ".crt"), "rb") as f:
            data = f.read()
        if issuer is not None:
            with open(self.path(issuer + ".crt"), "rb") as f:
                data += f.read()
        with open(self.path(name + ".chain.pem"), "wb") as f:
            f.write(data)

    def _make_all(self):
        for ca, cn in (("ca", "emhttp test CA"), ("ca2", "emhttp other CA")):
            self._csr(ca, cn)
            self._sign(ca, None, "v3_ca")
        plan = [("good", "ca", "leaf_local", ALWAYS),
                ("expired", "ca", "leaf_local", ("20200101000000Z", "20200201000000Z")),
                ("wronghost", "ca", "leaf_other", ALWAYS),
                ("selfsigned", None, "leaf_local", ALWAYS),
                ("otherca", "ca2", "leaf_local", ALWAYS)]
        for name, issuer, ext, dates in plan:
            self._csr(name, "localhost" if ext == "leaf_local" else "other.example")
            self._sign(name, issuer, ext, dates)
            self._chain(name, issuer)
        _openssl(["x509", "-in", "ca.crt", "-outform", "DER", "-out", "ca.der"], self.dir)

    CLIENTS = {"client": ("ca", False), "client_rsa": ("ca", True),
               "client_otherca": ("ca2", False)}

    def client(self, name):
        """A client certificate (made on first use): paths of
        (cert PEM, key PEM, cert DER, key DER)."""
        issuer, rsa = self.CLIENTS[name]
        if not os.path.exists(self.path(name + ".crt")):
            self._csr(name, name, rsa)
            self._sign(name, issuer, "leaf_client")
            _openssl(["x509", "-in", name + ".crt", "-outform", "DER", "-out", name + ".crt.der"],
                     self.dir)
            _openssl(["pkey", "-in", name + ".key", "-outform", "DER", "-out", name + ".key.der"],
                     self.dir)
        return (self.path(name + ".crt"), self.path(name + ".key"),
                self.path(name + ".crt.der"), self.path(name + ".key.der"))

    # -- what tests use -----------------------------------------------------
    @property
    def ca_pem(self):
        return self.path("ca.crt")

    @property
    def ca_der(self):
        return self.path("ca.der")

    def cert(self, name):
        return self.path(name + ".crt")

    def key(self, name):
        return self.path(name + ".key")

    def chain(self, name):
        return self.path(name + ".chain.pem")

    def chain_der_size(self, name):
        """Bytes of the DER certificates nginx sends for name."""
        total = 0
        for crt in [name] + (["ca"] if name in ("good", "expired", "wronghost") else
                             ["ca2"] if name == "otherca" else []):
            der = _openssl_bytes(["x509", "-in", self.cert(crt), "-outform", "DER"], self.dir)
            total += len(der)
        return total

    def pin(self, name):
        """curl's --pinnedpubkey form: sha256// + base64(SHA-256(SPKI DER))."""
        pem = _openssl(["x509", "-in", self.cert(name), "-pubkey", "-noout"], self.dir)
        der = _openssl_bytes(["pkey", "-pubin", "-outform", "DER"], self.dir, pem.encode())
        return "sha256//" + base64.b64encode(hashlib.sha256(der).digest()).decode()


def _openssl_bytes(args, cwd, input=None):
    rc, out, err = fixtures.run([OPENSSL] + args, timeout=60, cwd=cwd, input=input, text=False)
    if rc != 0:
        raise FixtureError("openssl %s failed (%s): %r" % (args[0], rc, err))
    return out


# ---------------------------------------------------------------------------
# nginx with TLS

class TlsNginx(Nginx):
    """The fixtures' nginx, listening with TLS (same locations and log).

    cert: which Pki certificate it serves (with its CA in the chain).
    tickets: session tickets (with a ticket key file, so they survive a
             reload); cache: a shared session cache (session IDs).
    keepalive_requests: close the connection after that many requests
             (1 forces a reconnect for every request).
    protocols: nginx's ssl_protocols; ecdh_curve: nginx's ssl_ecdh_curve
             (None = its default, which follows the client's preference).
    ciphers: nginx's ssl_ciphers for TLS 1.2, with the server's order
             preferred (None = its default, which follows the client's).
    client_ca: a CA file: ask for a client certificate issued by it
             (ssl_verify_client on; logged as ssl_client_verify SUCCESS /
             NONE / FAILED:reason and ssl_client_s_dn).
    The access log has the TLS fields below (ssl_session_reused "r" on a
    resumed connection, "." otherwise; ssl_server_name is the SNI).
    """

    LOG_FIELDS = Nginx.LOG_FIELDS + [
        ("ssl_protocol", "$ssl_protocol", str),
        ("ssl_cipher", "$ssl_cipher", str),
        ("ssl_curve", "$ssl_curve", str),
        ("ssl_session_reused", "$ssl_session_reused", str),
        ("ssl_server_name", "$ssl_server_name", str),
        ("ssl_client_verify", "$ssl_client_verify", str),
        ("ssl_client_s_dn", "$ssl_client_s_dn", str),
    ]

    def __init__(self, pki, cert="good", tickets=True, cache=False, keepalive_requests=None,
                 protocols="TLSv1.2 TLSv1.3", ecdh_curve=None, client_ca=None, ciphers=None,
                 **kw):
        super().__init__(**kw)
        self.pki = pki
        self.cert = cert
        self.tickets = tickets
        self.cache = cache
        self.keepalive_requests = keepalive_requests
        self.protocols = protocols
        self.ecdh_curve = ecdh_curve
        self.client_ca = client_ca
        self.ciphers = ciphers
        self.scheme = "https"

    def _prepare_dir(self):
        super()._prepare_dir()
        with open(self._path("ticket.key"), "wb") as f:
            f.write(os.urandom(80))

    def _listen_params(self):
        return " ssl"

    def _server_extra(self):
        lines = ["ssl_certificate %s;" % self.pki.chain(self.cert),
                 "ssl_certificate_key %s;" % self.pki.key(self.cert),
                 "ssl_protocols %s;" % self.protocols,
                 "ssl_session_timeout 10m;"]
        if self.tickets:
            lines += ["ssl_session_tickets on;",
                      "ssl_session_ticket_key %s;" % self._path("ticket.key")]
        else:
            lines.append("ssl_session_tickets off;")
        lines.append("ssl_session_cache %s;" % ("shared:EMHTTP:1m" if self.cache else "off"))
        if self.ecdh_curve is not None:
            lines.append("ssl_ecdh_curve %s;" % self.ecdh_curve)
        if self.ciphers is not None:
            lines += ["ssl_ciphers %s;" % self.ciphers, "ssl_prefer_server_ciphers on;"]
        if self.keepalive_requests is not None:
            lines.append("keepalive_requests %d;" % self.keepalive_requests)
        if self.client_ca is not None:
            lines += ["ssl_client_certificate %s;" % self.client_ca, "ssl_verify_client on;"]
        return "\n        ".join(lines)

    def handshake_failures(self):
        """nginx's error-log lines about failed TLS handshakes."""
        return [line for line in self.error_log_text().splitlines()
                if "SSL_do_handshake() failed" in line or "SSL alert" in line]


# ---------------------------------------------------------------------------
# openssl s_server

class SServer(Fixture):
    """`openssl s_server` on 127.0.0.1 with a Pki certificate.

    mode "echo" (default): the decrypted bytes the client sends are written
    to the output (so a test sees whether any request byte arrived);
    "www": answers every request with an HTTP/1.0 status page and closes.
    extra: more s_server arguments (e.g. ["-no_ticket"]).
    output(): everything s_server printed so far (stdout and stderr).
    """

    def __init__(self, pki, cert="good", mode="echo", extra=(), start_timeout=10.0):
        self.pki = pki
        self.cert = cert
        self.mode = mode
        self.extra = list(extra)
        self.start_timeout = start_timeout
        self.scheme = "https"
        self.port = None
        self.proc = None
        self._out = b""
        self._lock = threading.Lock()
        self._reader = None

    def _command(self):
        cmd = [OPENSSL, "s_server", "-accept", "127.0.0.1:%d" % self.port,
               "-cert", self.pki.cert(self.cert), "-key", self.pki.key(self.cert),
               "-tls1_2", "-ign_eof"]
        issuer = {"good": "ca", "expired": "ca", "wronghost": "ca", "otherca": "ca2"}.get(self.cert)
        if issuer:
            cmd += ["-cert_chain", self.pki.cert(issuer)]
        if self.mode == "www":
            cmd.remove("-ign_eof")
            cmd.append("-www")
        return cmd + self.extra

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self._out += chunk

    def output(self):
        with self._lock:
            return self._out.decode("utf-8", "replace")

    def wait_output(self, text, timeout=10.0):
        """Wait until text appears in the output; True when it did."""
        return bool(fixtures._wait_until(lambda: text in self.output(), timeout))

    def start(self):
        try:
            for _ in range(5):
                self.port = fixtures.free_port()
                self._out = b""
                self.proc = subprocess.Popen(self._command(), stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                             start_new_session=True)
                fixtures._register(self)
                self._reader = threading.Thread(target=self._read, daemon=True)
                self._reader.start()
                state = fixtures._wait_until(
                    lambda: "ACCEPT" in self.output() or self.proc.poll() is not None,
                    self.start_timeout)
                if state and self.proc.poll() is None:
                    return self
                out = self.output()
                self._kill()
                if "Address already in use" not in out:
                    raise FixtureError("s_server did not start:\n" + out)
            raise FixtureError("s_server: no free port after 5 attempts")
        except BaseException:
            self.stop()
            raise

    def _kill(self):
        fixtures._stop_process(self.proc, signal.SIGTERM, grace=2.0)
        if self._reader is not None:
            self._reader.join(timeout=5.0)
        if self.proc is not None and self.proc.stdin:
            self.proc.stdin.close()
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None

    def stop(self):
        self._kill()
        fixtures._unregister(self)

    def url(self, path, host="127.0.0.1"):
        return fixtures._url("https", host, self.port, path)


__all__ = ["Pki", "TlsNginx", "SServer", "FixtureError"]
