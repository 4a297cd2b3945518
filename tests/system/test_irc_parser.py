"""Self-test of the harness's IRCv3 line parser (no server needed)."""

import pytest

from irc_client import escape_tag_value, format_tags, parse_message, unescape_tag_value


@pytest.mark.parametrize(
    "line, tags, source, command, params",
    [
        ("PING", {}, None, "PING", []),
        ("ping :a b  c", {}, None, "PING", ["a b  c"]),
        (":irc.example.com 001 nick :Welcome", {}, "irc.example.com", "001", ["nick", "Welcome"]),
        (":n!u@h PRIVMSG #c :", {}, "n!u@h", "PRIVMSG", ["#c", ""]),
        ("foo bar baz ::asdf", {}, None, "FOO", ["bar", "baz", ":asdf"]),
        (":src JOIN   #chan", {}, "src", "JOIN", ["#chan"]),
        ("@a=b;c=32;k;rt=ql7 foo", {"a": "b", "c": "32", "k": "", "rt": "ql7"}, None, "FOO", []),
        ("@a=b\\\\and\\nk;d=gh\\:764 foo", {"a": "b\\and\nk", "d": "gh;764"}, None, "FOO", []),
        ("@c;h=;a=b :quux ab cd", {"c": "", "h": "", "a": "b"}, "quux", "AB", ["cd"]),
        ("@tag1=value\\\\ntest COMMAND", {"tag1": "value\\ntest"}, None, "COMMAND", []),
        ("@tag1=value\\1 COMMAND", {"tag1": "value1"}, None, "COMMAND", []),
        ("@tag1=value1\\ COMMAND", {"tag1": "value1"}, None, "COMMAND", []),
        ("@tag1=1;tag2=3;tag1=2 COMMAND", {"tag1": "2", "tag2": "3"}, None, "COMMAND", []),
        ("@label=x :s BATCH +r labeled-response\r\n", {"label": "x"}, "s", "BATCH", ["+r", "labeled-response"]),
    ],
)
def test_parse(line, tags, source, command, params):
    msg = parse_message(line)
    assert (msg.tags, msg.source, msg.command, msg.params) == (tags, source, command, params)


def test_nick_and_last():
    msg = parse_message(":nick!user@host PRIVMSG #c :hi there")
    assert msg.nick == "nick"
    assert msg.last == "hi there"


def test_tag_escape_roundtrip():
    value = "a;b c\\d\r\ne"
    assert unescape_tag_value(escape_tag_value(value)) == value
    assert format_tags({"label": "a b", "flag": ""}) == "label=a\\sb;flag"


def test_empty_line_rejected():
    with pytest.raises(ValueError):
        parse_message("   ")
