"""Makes a pchatd data directory for tests/irctest/run: starts pchatd once on it
(this runs initdb and creates the schema), waits until /healthz answers, stops it.

usage: make_template.py PCHATD DATA_DIR
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    pchatd, data_dir = sys.argv[1], sys.argv[2]
    irc, http = free_port(), free_port()
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "detect_leaks=0"))
    proc = subprocess.Popen(
        [pchatd, "--data-dir", data_dir, "--irc-listen", f"127.0.0.1:{irc}",
         "--http-listen", f"127.0.0.1:{http}", "--log-level", "warn"],
        stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    try:
        while True:
            if proc.poll() is not None:
                print(f"pchatd exited with {proc.returncode} while making the template",
                      file=sys.stderr)
                return 1
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{http}/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                print("pchatd not ready after 120 s", file=sys.stderr)
                return 1
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
