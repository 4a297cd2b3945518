// The client's pure logic, run with Node's own test runner: `node --test web/test/`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseLine, buildLine, saslPlain } from "../js/irc.js";
import { Buffer, toMessage, splitUtf8 } from "../js/model.js";

test("parseLine reads tags, prefix, command and parameters", () => {
  const m = parseLine("@time=2026-01-02T03:04:05.678Z;msgid=abc;x=a\\sb\\:c\\\\ :alice!a@h PRIVMSG #room :hello  there");
  assert.equal(m.tags.time, "2026-01-02T03:04:05.678Z");
  assert.equal(m.tags.msgid, "abc");
  assert.equal(m.tags.x, "a b;c\\");
  assert.equal(m.nick, "alice");
  assert.equal(m.command, "PRIVMSG");
  assert.deepEqual(m.params, ["#room", "hello  there"]);
});

test("parseLine without tags or prefix, and a valueless tag", () => {
  assert.deepEqual(parseLine("PING :x y").params, ["x y"]);
  assert.equal(parseLine("@draft/bot :s 001 me :Welcome").tags["draft/bot"], "");
  assert.equal(parseLine("ping x").command, "PING");
});

test("buildLine makes a trailing parameter only when needed and escapes tags", () => {
  assert.equal(buildLine("PRIVMSG", ["#r", "hi"]), "PRIVMSG #r hi");
  assert.equal(buildLine("PRIVMSG", ["#r", "hi there"]), "PRIVMSG #r :hi there");
  assert.equal(buildLine("PRIVMSG", ["#r", ":)"]), "PRIVMSG #r ::)");
  assert.equal(buildLine("PRIVMSG", ["#r", ""]), "PRIVMSG #r :");
  assert.equal(buildLine("TAGMSG", ["#r"], { label: "a b;c" }), "@label=a\\sb\\:c TAGMSG #r");
});

test("buildLine never lets a parameter carry a line break", () => {
  assert.equal(buildLine("PRIVMSG", ["#r", "a\r\nQUIT :x"]), "PRIVMSG #r :a  QUIT :x");
});

test("a line built and parsed again is the same", () => {
  const tags = { label: "w1", "+draft/reply": "x;y z\\" };
  const m = parseLine(buildLine("PRIVMSG", ["#room", "text: with ; and \\"], tags));
  assert.deepEqual(m.tags, tags);
  assert.deepEqual(m.params, ["#room", "text: with ; and \\"]);
});

test("saslPlain is base64 of NUL account NUL password, in UTF-8", () => {
  assert.equal(saslPlain("jörg", "pw"), Buffer_from("\0jörg\0pw"));
});

function Buffer_from(s) {
  return globalThis.Buffer.from(s, "utf8").toString("base64");
}

test("a conversation keeps messages in time order without duplicates", () => {
  const b = new Buffer("#r", "channel");
  const line = (id, time, nick = "bob") => toMessage(parseLine(`@msgid=${id};time=${time} :${nick}!u@h PRIVMSG #r :m${id}`), "me");
  assert.equal(b.add([line("2", "2026-01-01T00:00:02.000Z"), line("1", "2026-01-01T00:00:01.000Z")]), true);
  assert.equal(b.add([line("1", "2026-01-01T00:00:01.000Z")]), false);
  assert.deepEqual(b.messages.map((m) => m.id), ["1", "2"]);
  b.add([line("3", "2026-01-01T00:00:03.000Z", "me")]);
  b.marker = "2026-01-01T00:00:01.000Z";
  assert.equal(b.unread(true), 1, "own messages are never unread");
  b.marker = "*";
  assert.equal(b.unread(true), 2);
});

test("an ACTION is shown as an action", () => {
  const m = toMessage(parseLine(":bob!u@h PRIVMSG #r :\x01ACTION waves\x01"), "me");
  assert.equal(m.action, true);
  assert.equal(m.text, "waves");
});

test("splitUtf8 cuts long text at the byte limit, between characters", () => {
  assert.deepEqual(splitUtf8("abcdef", 4), ["abcd", "ef"]);
  const parts = splitUtf8("é".repeat(5), 4); // 2 bytes each
  assert.deepEqual(parts, ["éé", "éé", "é"]);
  assert.deepEqual(splitUtf8("😀x", 3), ["😀", "x"], "a character longer than the limit stays whole");
  assert.deepEqual(splitUtf8("", 4), []);
});

test("messages of one millisecond keep the server's order, pages before and after", () => {
  const b = new Buffer("#r", "channel");
  const at = "2026-01-01T00:00:01.000Z";
  const line = (id, time = at) => toMessage(parseLine(`@msgid=${id};time=${time} :bob!u@h PRIVMSG #r :${id}`), "me");
  b.add([line("z5"), line("a6")]); // the latest page
  b.add([line("q3"), line("b4")], "before"); // the page before: same millisecond
  b.add([line("k7"), line("c8", "2026-01-01T00:00:02.000Z")]); // live
  assert.deepEqual(b.messages.map((m) => m.id), ["q3", "b4", "z5", "a6", "k7", "c8"]);
});
