"""Shared steps of the compliance system tests: read the output files, wait for
the pipeline to drain, validate against the schema."""

from __future__ import annotations

import pathlib
import subprocess
import xml.etree.ElementTree as ET

from pchat_harness import wait_until
from store_query import query

REPO = pathlib.Path(__file__).resolve().parents[2]
XSD = REPO / "src" / "compliance" / "pchat-compliance.xsd"


def output_files(directory) -> list:
    """Final output files (temporary '.name.tmp' files excluded), sorted."""
    d = pathlib.Path(directory)
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if p.suffix == ".xml" and not p.name.startswith("."))


def messages(directory) -> list:
    """Every Messages/Message across all files, as dicts (id, type, content,
    msgid, user, room, room_uri, file)."""
    out = []
    for path in output_files(directory):
        root = ET.parse(path).getroot()
        assert root.tag == "Conversations", path
        for conv in root.findall("Conversation"):
            channel = conv.find("Channel")
            for m in conv.findall("Messages/Message"):
                sender = m.find("Sender")
                out.append({
                    "id": int(m.get("id")),
                    "type": m.get("type"),
                    "content": m.get("content"),
                    "msgid": m.get("msgid", ""),
                    "user": sender.get("UserName"),
                    "user_uri": sender.get("uri"),
                    "internal": sender.get("internal"),
                    "room": channel.get("name"),
                    "room_uri": channel.get("uri"),
                    "since1970": int(m.find("DateTimeUTC").get("since1970")),
                    "file": path.name,
                })
    return out


def validate(path) -> None:
    """xmllint against the documented schema; raises with its output."""
    r = subprocess.run(["xmllint", "--noout", "--schema", str(XSD), str(path)],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, f"{path} does not validate:\n{r.stdout}{r.stderr}"


def wait_drained(count_pending, timeout: float = 30.0) -> None:
    """Waits until ``count_pending()`` (events in outbox + mgccomp) is 0."""
    wait_until(lambda: count_pending() == 0, timeout, "compliance pipeline drained", interval=0.2)


def comp_events(data_dir) -> int:
    """Events in the mgccomp database of ``data_dir``'s instance (0 before the
    service made its tables)."""
    if query(data_dir, "SELECT to_regclass('events') IS NULL", dbname="mgccomp") == [["t"]]:
        return 0
    return int(query(data_dir, "SELECT count(*) FROM events", dbname="mgccomp")[0][0])
