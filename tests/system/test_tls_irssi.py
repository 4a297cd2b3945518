"""irssi over TLS: it verifies pchatd's certificate chain against the test root,
signs in with SASL EXTERNAL using a client certificate registered by
``pchatctl user cert add``, joins and posts (guests may not post: the stored
message with the account proves the sign-in)."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from pchat_harness import free_port, pchatctl, wait_until
from store_query import query
from test_irssi import IRSSI_CONFIG, Tmux, _start_irssi
from tls_helpers import make_pki

pytestmark = pytest.mark.skipif(
    shutil.which("irssi") is None or shutil.which("tmux") is None,
    reason="irssi and tmux are needed (scripts/deps.sh installs them)")


def irssi_tls_config(port, cafile, cert, key, nick):
    """test_irssi's configuration, over TLS to localhost (the name the certificate
    carries), verifying the chain, with a client certificate and SASL EXTERNAL."""
    plain = IRSSI_CONFIG.format(port=port, account="", password="", nick=nick,
                                mechanism="EXTERNAL")
    tls = (f'use_tls = "yes";\n    tls_verify = "yes";\n    tls_cafile = "{cafile}";\n'
           f'    tls_cert = "{cert}";\n    tls_pkey = "{key}";')
    out = plain.replace('use_tls = "no";\n    tls_verify = "no";', tls)
    out = out.replace('address = "127.0.0.1";', 'address = "localhost";')
    assert 'use_tls = "yes"' in out and 'address = "localhost"' in out
    return out


@pytest.fixture
def tmux(unique):
    t = Tmux(f"pchat-test-{os.getpid()}-{unique('tm')}")
    yield t
    t.cleanup()


def test_irssi_tls_sasl_external(server_factory, account, tmux, unique, base_dir):
    pki = make_pki(base_dir / unique("pki"))
    tls_port = free_port()
    server = server_factory(extra_args=["--irc-tls-listen", f"localhost:{tls_port}",
                                        "--tls-cert", str(pki.cert), "--tls-key", str(pki.key)])
    acct, _ = account(unique("irt"), server=server)
    cert = pki.client_cert(unique("irc"))
    assert pchatctl(server.data_dir, "user", "cert", "add", acct,
                    cert.fingerprint).returncode == 0
    nick = unique("irn")
    home = base_dir / unique("irssi")
    home.mkdir()
    (home / "config").write_text(irssi_tls_config(tls_port, pki.root, cert.cert, cert.key, nick))
    channel = "#" + unique("irtls")
    marker = f"hello over tls {unique('mk')}"
    session = unique("ir")
    _start_irssi(tmux, session, home, nick)
    try:
        # irssi checks the host name (not an address) against the certificate.
        wait_until(lambda: re.search(rf"registered as {nick} from \S+ \(account {acct}\)",
                                     server.log_tail(400)), 20, "irssi's SASL EXTERNAL login in the server log")
    except TimeoutError:
        raise AssertionError(f"irssi did not sign in; screen:\n{tmux.capture(session)}\n"
                             f"server log:\n{server.log_tail(30)}") from None
    tmux.type(session, f"/join {channel}")
    tmux.wait_for_text(session, f"has joined {channel}")
    tmux.type(session, marker)
    rows = wait_until(lambda: query(server.data_dir, "select account from messages where body = '"
                                    + marker + "'"), 15, "irssi's message in the store")
    assert rows[0][0].lower() == acct.lower(), rows
    tmux.type(session, f"/whois {nick}")
    tmux.type(session, "/window 1")  # irssi shows WHOIS in the status window
    tmux.wait_for_text(session, cert.fingerprint)  # 276, shown to its owner
    tmux.type(session, "/quit")
    wait_until(lambda: not tmux.has_session(session), 15, "irssi to quit")
