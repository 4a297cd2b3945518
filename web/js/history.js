// History through draft/chathistory (server-time, msgid): the latest page of a
// conversation, the page before its first message, the gap after its last one, and
// the window around a message (a search result).
import { toMessage } from "./model.js";

export const PAGE = 50;

function messagesOf(answer, selfNick) {
  return answer.lines.filter((m) => m.command === "PRIVMSG" || m.command === "NOTICE").map((m) => toMessage(m, selfNick));
}

function ref(msg) {
  return msg.id ? `msgid=${msg.id}` : `timestamp=${msg.time}`;
}

async function ask(conn, params) {
  const answer = await conn.request("CHATHISTORY", params);
  const fail = answer.lines.find((m) => m.command === "FAIL");
  if (fail) throw new Error(fail.params[fail.params.length - 1]);
  return messagesOf(answer, conn.nick);
}

export function latest(conn, target, limit = PAGE) {
  return ask(conn, ["LATEST", target, "*", limit]);
}

export function before(conn, target, first, limit = PAGE) {
  return ask(conn, ["BEFORE", target, ref(first), limit]);
}

export function after(conn, target, last, limit = PAGE) {
  return ask(conn, ["AFTER", target, ref(last), limit]);
}

export function around(conn, target, msgid, limit = PAGE) {
  return ask(conn, ["AROUND", target, `msgid=${msgid}`, limit]);
}

// Everything after `last` (a reconnection's gap), a page at a time, at most `max`.
export async function fillGap(conn, target, last, max = 1000) {
  const out = [];
  let from = last;
  while (out.length < max) {
    const page = await after(conn, target, from, PAGE);
    out.push(...page);
    if (page.length < PAGE) break;
    from = page[page.length - 1];
  }
  return out;
}

// SEARCH (pchat's own): newest first; {results, next} where next is "*" at the end.
export async function search(conn, words, target = "*", cursor = "*", limit = 50) {
  const answer = await conn.request("SEARCH", [target, limit, cursor, words]);
  const fail = answer.lines.find((m) => m.command === "FAIL");
  if (fail) throw new Error(fail.params[fail.params.length - 1]);
  const end = answer.lines.find((m) => m.command === "NOTE" && m.params[1] === "END");
  const results = answer.lines
    .filter((m) => m.command === "PRIVMSG" || m.command === "NOTICE")
    .map((m) => ({ target: m.params[0], msg: toMessage(m, conn.nick) }));
  return { results, next: end ? end.params[4] : "*" };
}
