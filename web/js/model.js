// The client's state: one Buffer per conversation (a room, a direct-message peer, or
// the server's own notices), its messages in time order and where its reader is.

// A message kept for display: from a PRIVMSG/NOTICE line (live or from history).
export function toMessage(m, selfNick) {
  const time = m.tags.time || new Date().toISOString();
  let text = m.params[1] || "";
  let action = false;
  if (text.startsWith("\x01ACTION ") && text.endsWith("\x01")) {
    text = text.slice(8, -1);
    action = true;
  }
  return {
    id: m.tags.msgid || "",
    time,
    nick: m.nick,
    account: m.tags.account || "",
    text,
    action,
    notice: m.command === "NOTICE",
    own: m.nick.toLowerCase() === (selfNick || "").toLowerCase(),
  };
}

export class Buffer {
  // kind: "channel", "dm" or "server".
  constructor(name, kind) {
    this.name = name;
    this.kind = kind;
    this.messages = [];
    this.ids = new Set();
    this.topic = "";
    this.members = new Map(); // nick -> prefix ("@", "+", "")
    this.joined = false;
    this.complete = false; // history read back to its start
    this.detached = false; // showing a past window (a search result), not the present
    this.marker = ""; // read marker (ISO time); "" unknown
    this.liveUnread = 0; // without read markers: messages that came while away
    this.highlight = "";
  }

  get key() {
    return this.name.toLowerCase();
  }

  // Adds messages (duplicates skipped); true if anything was added. Several messages
  // can share a millisecond, and the server's order is the only order among them,
  // so `list` comes in the server's order and `where` says where it belongs:
  // "before" (a page older than the first message) goes in front as it is; anything
  // else goes after the last message when it is not older, or is merged by time
  // keeping the given order among equals.
  add(list, where = "after") {
    const fresh = [];
    for (const msg of list) {
      if (msg.id && this.ids.has(msg.id)) continue;
      if (msg.id) this.ids.add(msg.id);
      fresh.push(msg);
    }
    if (!fresh.length) return false;
    const byTime = (a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0); // sort is stable
    fresh.sort(byTime);
    const last = this.messages[this.messages.length - 1];
    if (where === "before") this.messages.unshift(...fresh);
    else if (!last || fresh[0].time >= last.time) this.messages.push(...fresh);
    else {
      this.messages.push(...fresh);
      this.messages.sort(byTime);
    }
    return true;
  }

  // Forgets what is shown (before showing another window of the history).
  reset() {
    this.messages = [];
    this.ids.clear();
    this.complete = false;
  }

  get first() {
    return this.messages[0];
  }

  get last() {
    return this.messages[this.messages.length - 1];
  }

  // Messages from others after the read marker.
  unread(useMarkers) {
    if (!useMarkers) return this.liveUnread;
    if (!this.marker) return 0;
    let n = 0;
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const msg = this.messages[i];
      if (this.marker !== "*" && msg.time <= this.marker) break;
      if (!msg.own) n++;
    }
    return n;
  }
}

// The conversations, by folded name.
export class Buffers {
  constructor() {
    this.map = new Map();
  }

  get(name) {
    return this.map.get(name.toLowerCase());
  }

  ensure(name, kind) {
    let b = this.get(name);
    if (!b) {
      b = new Buffer(name, kind);
      this.map.set(b.key, b);
    }
    return b;
  }

  remove(name) {
    this.map.delete(name.toLowerCase());
  }

  // Rooms first, then direct messages, each by name; the server's buffer first of all.
  list() {
    const order = { server: 0, channel: 1, dm: 2 };
    return [...this.map.values()].sort((a, b) => order[a.kind] - order[b.kind] || a.key.localeCompare(b.key));
  }
}

export function isChannel(name, isupport) {
  const types = (isupport && isupport.CHANTYPES) || "#&";
  return name.length > 0 && types.includes(name[0]);
}

// `text` in pieces of at most `maxBytes` bytes of UTF-8, never inside a character.
export function splitUtf8(text, maxBytes) {
  const out = [];
  const enc = new TextEncoder();
  let chunk = "";
  let size = 0;
  for (const ch of text) {
    const n = enc.encode(ch).length;
    if (size + n > maxBytes && chunk) {
      out.push(chunk);
      chunk = "";
      size = 0;
    }
    chunk += ch;
    size += n;
  }
  if (chunk) out.push(chunk);
  return out;
}
