"""A real OpenLDAP ``slapd`` for directory sign-in tests: a test directory (mdb) in a
temporary folder, a test CA and server certificate made with the openssl CLI, served
on two free loopback ports (ldap:// with StartTLS, and ldaps://) by an unprivileged
process (the ``openldap`` user the Debian package creates; never root).

The directory (suffix ``dc=example,dc=com``):
  ou=people     users, objectClass inetOrgPerson, ``uid`` = account name; a user with
                ``employeeType: disabled`` is disabled (USER_FILTER leaves them out)
  ou=groups     groupOfNames, ``member`` = DNs of users and of other groups
  ou=services   cn=pchat: the service account pchat searches with
``ldapmodify`` as the root DN changes it while pchat runs.
"""

from __future__ import annotations

import os
import pathlib
import pwd
import signal
import subprocess
import textwrap

from pchat_harness import free_port, kill_pid, wait_until

SUFFIX = "dc=example,dc=com"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PW = "rootsecret"
SERVICE_DN = f"cn=pchat,ou=services,{SUFFIX}"
SERVICE_PW = "service-secret"
USER_BASE = f"ou=people,{SUFFIX}"
GROUP_BASE = f"ou=groups,{SUFFIX}"
USER_FILTER = "(&(objectClass=inetOrgPerson)(!(employeeType=disabled)))"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")


def user_dn(uid: str) -> str:
    return f"uid={uid},{USER_BASE}"


def group_dn(cn: str) -> str:
    return f"cn={cn},{GROUP_BASE}"


def _run(*cmd, **kw):
    r = subprocess.run(list(map(str, cmd)), capture_output=True, text=True, timeout=60, **kw)
    if r.returncode != 0:
        raise AssertionError(f"{cmd[0]} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r


def make_ca(d: pathlib.Path) -> None:
    """ca.pem (a test CA) and server.pem/server.key for 127.0.0.1, with the openssl CLI."""
    _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", d / "ca.key", "-out", d / "ca.pem", "-subj", "/CN=pchat test CA")
    _run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", d / "server.key",
         "-out", d / "server.csr", "-subj", "/CN=127.0.0.1")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _run("openssl", "x509", "-req", "-in", d / "server.csr", "-CA", d / "ca.pem",
         "-CAkey", d / "ca.key", "-CAcreateserial", "-days", "2", "-out", d / "server.pem",
         "-extfile", d / "san.ext")


def person(uid: str, password: str, disabled: bool = False) -> str:
    return textwrap.dedent(f"""\
        dn: {user_dn(uid)}
        objectClass: inetOrgPerson
        uid: {uid}
        cn: {uid}
        sn: {uid}
        userPassword: {password}
        employeeType: {"disabled" if disabled else "staff"}
        """)


def group(cn: str, *members: str) -> str:
    lines = [f"dn: {group_dn(cn)}", "objectClass: groupOfNames", f"cn: {cn}"]
    lines += [f"member: {m}" for m in members]
    return "\n".join(lines) + "\n"


class Slapd:
    """slapd in ``root`` (a fresh folder); start() loads ``entries`` (LDIF texts)."""

    def __init__(self, root: pathlib.Path):
        self.root = pathlib.Path(root)
        self.ldap_port = free_port()
        self.ldaps_port = free_port()
        self.proc = None
        self.user = pwd.getpwnam("openldap")

    @property
    def ldap_url(self) -> str:
        return f"ldap://127.0.0.1:{self.ldap_port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://127.0.0.1:{self.ldaps_port}"

    @property
    def ca_file(self) -> pathlib.Path:
        return self.root / "ca.pem"

    def _as_openldap(self) -> dict:
        return {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}

    def setup(self, entries) -> None:
        d = self.root
        (d / "db").mkdir(parents=True)
        make_ca(d)
        lines = [f"include /etc/ldap/schema/{s}.schema" for s in SCHEMAS] + [
            "modulepath /usr/lib/ldap",
            "moduleload back_mdb",
            f"pidfile {d}/slapd.pid",
            f"TLSCACertificateFile {d}/ca.pem",
            f"TLSCertificateFile {d}/server.pem",
            f"TLSCertificateKeyFile {d}/server.key",
            "sizelimit 1000",
            "database mdb",
            f'suffix "{SUFFIX}"',
            f'rootdn "{ROOT_DN}"',
            f"rootpw {ROOT_PW}",
            f"directory {d}/db",
            "maxsize 16777216",
            "index objectClass,uid eq",
            "access to attrs=userPassword by self write by anonymous auth by * none",
            "access to * by * read",
        ]
        (d / "slapd.conf").write_text("\n".join(lines) + "\n")
        base = textwrap.dedent(f"""\
            dn: {SUFFIX}
            objectClass: dcObject
            objectClass: organization
            o: Example
            dc: example

            dn: {USER_BASE}
            objectClass: organizationalUnit
            ou: people

            dn: {GROUP_BASE}
            objectClass: organizationalUnit
            ou: groups

            dn: ou=services,{SUFFIX}
            objectClass: organizationalUnit
            ou: services

            dn: {SERVICE_DN}
            objectClass: person
            cn: pchat
            sn: pchat
            userPassword: {SERVICE_PW}
            """)
        (d / "data.ldif").write_text("\n".join([base, *entries]))
        for p in [d, *d.rglob("*")]:
            os.chown(p, self.user.pw_uid, self.user.pw_gid)
        _run("slapadd", "-f", d / "slapd.conf", "-l", d / "data.ldif", **self._as_openldap())
        (d / "service-password").write_text(SERVICE_PW + "\n")
        (d / "service-password").chmod(0o600)

    def start(self) -> "Slapd":
        log = open(self.root / "slapd.log", "ab")
        urls = f"{self.ldap_url}/ {self.ldaps_url}/"
        self.proc = subprocess.Popen(
            ["slapd", "-d", "0", "-f", str(self.root / "slapd.conf"), "-h", urls],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, **self._as_openldap())
        log.close()
        wait_until(lambda: self.search("(uid=nobody-at-all)") is not None, 20, "slapd answers")
        return self

    def search(self, flt: str, *attrs: str):
        """ldapsearch over StartTLS as the service account; None while slapd does not answer."""
        r = subprocess.run(
            ["ldapsearch", "-LLL", "-ZZ", "-H", self.ldap_url, "-x", "-D", SERVICE_DN,
             "-w", SERVICE_PW, "-b", SUFFIX, flt, *attrs],
            capture_output=True, text=True, timeout=30, env=self.client_env())
        return r.stdout if r.returncode == 0 else None

    def client_env(self) -> dict:
        return {**os.environ, "LDAPTLS_CACERT": str(self.ca_file), "LDAPTLS_REQCERT": "demand"}

    def modify(self, ldif: str) -> None:
        """ldapmodify (StartTLS) as the root DN."""
        _run("ldapmodify", "-ZZ", "-H", self.ldap_url, "-x", "-D", ROOT_DN, "-w", ROOT_PW,
             input=ldif, env=self.client_env())

    def pause(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.resume()
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                kill_pid(self.proc.pid)
                self.proc.wait(timeout=10)
        self.proc = None
