"""Times SEARCH requests (see search_latency.sh): one client, one request at a time.

Usage: search_latency.py HOST PORT REPEAT COUNT (COUNT: the ASCII messages stored)."""

import socket
import statistics
import sys
import time

host, port, repeat, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
sock = socket.create_connection((host, port))
buf = b""


def send(line):
    sock.sendall((line + "\r\n").encode())


def until(pred):
    global buf
    while True:
        while b"\r\n" in buf:
            raw, buf = buf.split(b"\r\n", 1)
            line = raw.decode()
            if line.startswith("PING"):
                send("PONG" + line[4:])
            elif pred(line):
                return line
        buf += sock.recv(65536)


send("NICK searcher")
send("USER searcher 0 * :searcher")
until(lambda l: " 001 " in l)
send("JOIN #bench0")
until(lambda l: " 366 " in l)

QUERIES = [  # (label, words)
    ("a rare word (a different one each time)", lambda k: f"{count // 2 + 1 + 10 * k}"),
    ("two words", lambda k: f"history {count // 3 + 1 + 10 * k}"),
    ("a word in 90% of the messages, newest 20", lambda k: "message"),
    ("no match", lambda k: "nothere"),
    ("CJK run inside text (10% of the messages)", lambda k: "会議資料"),
    ("CJK run + number (1 match)", lambda k: f"会議資料 {count // 20 + 10 * k}"),
    ("CJK, no match", lambda k: "議会"),
    ("one CJK character", lambda k: "料"),
]
print("| query | results | median ms | p95 ms | max ms |")
print("|---|---:|---:|---:|---:|")
for label, words in QUERIES:
    times, results = [], 0
    for k in range(repeat):
        t0 = time.perf_counter()
        send(f"SEARCH #bench0 20 * :{words(k)}")
        end = until(lambda l: " NOTE SEARCH END " in l or " FAIL SEARCH " in l)
        times.append((time.perf_counter() - t0) * 1000)
        results = int(end.split()[5]) if " NOTE " in end else -1
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"| {label} | {results} | {statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} |")
send("QUIT")
