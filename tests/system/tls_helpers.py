"""Test certificates made with the openssl CLI, and TLS client contexts.

``make_pki(directory)`` -> Pki: a root CA, an intermediate CA, a server
certificate for localhost / 127.0.0.1 / ::1 signed by the intermediate (its
file holds the chain: leaf then intermediate), and ``client_cert(name)`` for
self-signed client certificates (as IRC clients use) with their SHA-256
fingerprints.  Everything is EC P-256, valid for a day.
"""

from __future__ import annotations

import dataclasses
import pathlib
import ssl
import subprocess


def _openssl(*args: str, cwd: pathlib.Path) -> str:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def _key(path: pathlib.Path) -> None:
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", str(path), cwd=path.parent)


def fingerprint(cert: pathlib.Path) -> str:
    """The certificate's SHA-256 fingerprint, 64 lowercase hex digits."""
    out = _openssl("x509", "-in", str(cert), "-noout", "-fingerprint", "-sha256", cwd=cert.parent)
    return out.strip().split("=", 1)[1].replace(":", "").lower()


@dataclasses.dataclass
class ClientCert:
    cert: pathlib.Path
    key: pathlib.Path
    fingerprint: str


@dataclasses.dataclass
class Pki:
    directory: pathlib.Path
    root: pathlib.Path       # trust anchor for clients
    cert: pathlib.Path       # server chain: leaf, then intermediate
    key: pathlib.Path

    def server_cert(self, name: str, cn: str) -> tuple:
        """Another server certificate (chain file, key) from the same CA: rotation."""
        return _server_cert(self.directory, name, cn)

    def client_cert(self, name: str) -> ClientCert:
        """A self-signed client certificate ``CN=name``."""
        key = self.directory / f"{name}.key"
        cert = self.directory / f"{name}.pem"
        _key(key)
        _openssl("req", "-new", "-x509", "-key", str(key), "-out", str(cert), "-days", "1",
                 "-subj", f"/CN={name}", cwd=self.directory)
        return ClientCert(cert, key, fingerprint(cert))

    def client_context(self, client: ClientCert = None) -> ssl.SSLContext:
        """A context that verifies the server against the root (host name localhost
        or 127.0.0.1), presenting ``client`` when given."""
        ctx = ssl.create_default_context(cafile=str(self.root))
        if client is not None:
            ctx.load_cert_chain(str(client.cert), str(client.key))
        return ctx


def _ca(directory: pathlib.Path, name: str, issuer=None) -> tuple:
    key = directory / f"{name}.key"
    cert = directory / f"{name}.pem"
    _key(key)
    ext = directory / f"{name}.ext"
    ext.write_text("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    if issuer is None:
        _openssl("req", "-new", "-x509", "-key", str(key), "-out", str(cert), "-days", "2",
                 "-subj", f"/CN=pchat test {name}", "-addext",
                 "basicConstraints=critical,CA:TRUE", "-addext",
                 "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)
    else:
        csr = directory / f"{name}.csr"
        _openssl("req", "-new", "-key", str(key), "-out", str(csr), "-subj",
                 f"/CN=pchat test {name}", cwd=directory)
        _openssl("x509", "-req", "-in", str(csr), "-CA", str(issuer[0]), "-CAkey", str(issuer[1]),
                 "-CAcreateserial", "-out", str(cert), "-days", "2", "-extfile", str(ext),
                 cwd=directory)
    return cert, key


def _server_cert(directory: pathlib.Path, name: str, cn: str) -> tuple:
    inter_cert, inter_key = directory / "intermediate.pem", directory / "intermediate.key"
    key = directory / f"{name}.key"
    leaf = directory / f"{name}.leaf.pem"
    chain = directory / f"{name}.pem"
    csr = directory / f"{name}.csr"
    ext = directory / f"{name}.ext"
    ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
                   "extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
    _key(key)
    _openssl("req", "-new", "-key", str(key), "-out", str(csr), "-subj", f"/CN={cn}",
             cwd=directory)
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(inter_cert), "-CAkey", str(inter_key),
             "-CAcreateserial", "-out", str(leaf), "-days", "1", "-extfile", str(ext),
             cwd=directory)
    chain.write_text(leaf.read_text() + inter_cert.read_text())
    return chain, key


def make_pki(directory: pathlib.Path) -> Pki:
    directory.mkdir(parents=True, exist_ok=True)
    root = _ca(directory, "root")
    _ca(directory, "intermediate", issuer=root)
    cert, key = _server_cert(directory, "server", "pchat test server")
    return Pki(directory, root[0], cert, key)


def peer_subject_cn(sock: ssl.SSLSocket) -> str:
    """The CN of the certificate the server presented."""
    for rdn in sock.getpeercert()["subject"]:
        for k, v in rdn:
            if k == "commonName":
                return v
    return ""
