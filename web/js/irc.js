// IRC lines (IRCv3 message tags) and a connection to pchatd over WebSocket
// (IRCv3 WebSocket: subprotocol text.ircv3.net, one line per message).
//
// Connection emits, through `on(name, fn)`:
//   "message"  every line from the server, parsed (see parseLine)
//   "state"    "connecting" | "registering" | "ready" | "closed", with a reason
//   "bounce"   RPL_BOUNCE's text (the pool moved this server's clients elsewhere)
// A line inside a batch carries the batch's type as `batchType` ("chathistory",
// "labeled-response", ...) once it reaches "message".
// request(line) sends a line with a label and resolves with every line of its answer
// (labeled-response): the lines of its batch, or the one line, or [] for an ACK.

export const WANTED_CAPS = [
  "message-tags", "server-time", "batch", "labeled-response", "echo-message",
  "draft/chathistory", "draft/read-marker", "account-tag", "standard-replies",
  "multi-prefix", "away-notify", "extended-join", "invite-notify", "cap-notify",
];

const TAG_ESCAPES = { ":": ";", s: " ", "\\": "\\", r: "\r", n: "\n" };

function unescapeTag(v) {
  return v.replace(/\\(.?)/g, (_, c) => (c in TAG_ESCAPES ? TAG_ESCAPES[c] : c));
}

function escapeTag(v) {
  return v.replace(/[\\; \r\n]/g, (c) => ({ "\\": "\\\\", ";": "\\:", " ": "\\s", "\r": "\\r", "\n": "\\n" })[c]);
}

// "@a=b;c :nick!u@h CMD p1 :trailing" -> {tags, prefix, nick, command, params}
export function parseLine(line) {
  const m = { tags: {}, prefix: "", nick: "", command: "", params: [] };
  let rest = line;
  if (rest.startsWith("@")) {
    const sp = rest.indexOf(" ");
    for (const t of rest.slice(1, sp < 0 ? undefined : sp).split(";")) {
      if (!t) continue;
      const eq = t.indexOf("=");
      m.tags[eq < 0 ? t : t.slice(0, eq)] = eq < 0 ? "" : unescapeTag(t.slice(eq + 1));
    }
    rest = sp < 0 ? "" : rest.slice(sp + 1).trimStart();
  }
  if (rest.startsWith(":")) {
    const sp = rest.indexOf(" ");
    m.prefix = rest.slice(1, sp < 0 ? undefined : sp);
    m.nick = m.prefix.split("!")[0];
    rest = sp < 0 ? "" : rest.slice(sp + 1).trimStart();
  }
  while (rest.length) {
    if (rest.startsWith(":")) {
      m.params.push(rest.slice(1));
      break;
    }
    const sp = rest.indexOf(" ");
    if (sp < 0) {
      m.params.push(rest);
      break;
    }
    if (!m.command) m.command = rest.slice(0, sp).toUpperCase();
    else m.params.push(rest.slice(0, sp));
    rest = rest.slice(sp + 1).trimStart();
  }
  if (!m.command && m.params.length) m.command = m.params.shift().toUpperCase();
  return m;
}

// A line from a command and its parameters; the last one becomes trailing when it
// has to. Parameters may not hold CR, LF or NUL: they are replaced by spaces.
export function buildLine(command, params = [], tags = {}) {
  const clean = (p) => String(p).replace(/[\r\n\0]/g, " ");
  const parts = [];
  const tagText = Object.entries(tags)
    .map(([k, v]) => (v === "" || v === true ? k : `${k}=${escapeTag(String(v))}`))
    .join(";");
  if (tagText) parts.push("@" + tagText);
  parts.push(command);
  params.forEach((p, i) => {
    const v = clean(p);
    const last = i === params.length - 1;
    parts.push(last && (v === "" || v.includes(" ") || v.startsWith(":")) ? ":" + v : v);
  });
  return parts.join(" ");
}

// SASL PLAIN's payload: base64 of "\0account\0password", UTF-8.
export function saslPlain(account, password) {
  const bytes = new TextEncoder().encode(`\0${account}\0${password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export class Connection {
  // url: ws(s)://host:port/irc. login: {nick, account?, password?}.
  constructor(url, login) {
    this.url = url;
    this.login = login;
    this.handlers = {};
    this.caps = new Set();
    this.isupport = {};
    this.nick = login.nick;
    this.account = "";
    this.pending = new Map(); // label -> {resolve, reject, lines, batch}
    this.batches = new Map(); // ref -> {type, params, lines, label}
    this.nextLabel = 1;
    this.ws = null;
  }

  on(name, fn) {
    (this.handlers[name] ||= []).push(fn);
  }

  emit(name, ...args) {
    for (const fn of this.handlers[name] || []) fn(...args);
  }

  // Resolves once registered (001 and the ISUPPORT lines), rejects on a refusal.
  open() {
    return new Promise((resolve, reject) => {
      this.emit("state", "connecting");
      const ws = new WebSocket(this.url, ["text.ircv3.net"]);
      this.ws = ws;
      let registered = false;
      this.readyWaiter = { resolve, reject };
      ws.onopen = () => {
        this.emit("state", "registering");
        this.send("CAP", ["LS", "302"]);
        this.send("NICK", [this.login.nick]);
        this.send("USER", [this.login.nick.replace(/[^A-Za-z0-9]/g, "") || "web", "0", "*", this.login.nick]);
      };
      ws.onmessage = (ev) => {
        if (typeof ev.data !== "string") return;
        const m = parseLine(ev.data);
        this.handleCore(m, {
          capsDone: (offered) => {
            const want = WANTED_CAPS.filter((c) => offered.has(c));
            if (this.login.account) want.push("sasl");
            if (want.length) this.send("CAP", ["REQ", want.join(" ")]);
            else this.send("CAP", ["END"]);
          },
          ack: () => {
            if (this.login.account && this.caps.has("sasl")) this.send("AUTHENTICATE", ["PLAIN"]);
            else if (this.login.account) this.fail("the server does not offer SASL sign-in");
            else this.send("CAP", ["END"]);
          },
          saslPlus: () => this.send("AUTHENTICATE", [saslPlain(this.login.account, this.login.password)]),
          saslOk: () => this.send("CAP", ["END"]),
          welcome: () => {
            registered = true;
          },
        });
        // The end of the MOTD (or its absence) ends the welcome burst.
        if (registered && (m.command === "376" || m.command === "422")) {
          if (this.readyWaiter) {
            this.readyWaiter.resolve();
            this.readyWaiter = null;
            this.emit("state", "ready");
          }
        }
        this.emit("message", m);
      };
      ws.onclose = (ev) => {
        const why = this.closeReason || ev.reason || (registered ? "the connection was closed" : "could not connect");
        for (const p of this.pending.values()) p.reject(new Error(why));
        this.pending.clear();
        if (this.readyWaiter) {
          this.readyWaiter.reject(new Error(why));
          this.readyWaiter = null;
        }
        this.emit("state", "closed", why);
      };
    });
  }

  fail(reason) {
    this.closeReason = reason;
    if (this.readyWaiter) {
      this.readyWaiter.reject(new Error(reason));
      this.readyWaiter = null;
    }
    this.close();
  }

  // Registration, PING, CAP, SASL, ISUPPORT, batches and labels.
  handleCore(m, reg) {
    const p = m.params;
    switch (m.command) {
      case "PING":
        this.send("PONG", p);
        return;
      case "CAP": {
        const sub = (p[1] || "").toUpperCase();
        if (sub === "LS") {
          const more = p[2] === "*";
          this.offered ||= new Set();
          for (const c of (more ? p[3] : p[2]).split(" ")) if (c) this.offered.add(c.split("=")[0]);
          if (!more) reg.capsDone(this.offered);
        } else if (sub === "ACK") {
          for (const c of p[2].split(" ")) if (c) this.caps.add(c.replace(/^-/, ""));
          if (!this.acked) {
            this.acked = true;
            reg.ack();
          }
        } else if (sub === "NAK") {
          this.send("CAP", ["END"]);
        }
        return;
      }
      case "AUTHENTICATE":
        if (p[0] === "+") reg.saslPlus();
        return;
      case "903":
        reg.saslOk();
        return;
      case "900":
        this.account = p[2] || "";
        return;
      case "902":
      case "904":
      case "905":
      case "906":
        this.fail(p[p.length - 1] || "sign-in refused");
        return;
      case "433":
        // In use (another session of the same person, say): a variant, three times.
        if (!this.readyWaiter) return;
        this.nickTries = (this.nickTries || 0) + 1;
        if (this.nickTries > 3) this.fail(`the nick ${p[1]} is in use`);
        else this.send("NICK", [`${this.login.nick}${"_".repeat(this.nickTries)}`]);
        return;
      case "432":
        if (this.readyWaiter) this.fail(`${p[1]}: ${p[2] || "not a valid nick"}`);
        return;
      case "001":
        this.nick = p[0];
        reg.welcome();
        return;
      case "005":
        for (const t of p.slice(1, -1)) {
          const eq = t.indexOf("=");
          this.isupport[eq < 0 ? t : t.slice(0, eq)] = eq < 0 ? "" : t.slice(eq + 1);
        }
        return;
      case "010":
        this.emit("bounce", p[p.length - 1]);
        return;
      case "ERROR":
        this.closeReason = p[0] || "closed by the server";
        return;
      case "NICK":
        if (m.nick === this.nick) this.nick = p[0];
        break;
      default:
        break;
    }
    this.trackLabels(m);
  }

  trackLabels(m) {
    const inBatch = m.tags.batch && this.batches.get(m.tags.batch);
    if (m.command === "BATCH") {
      const ref = m.params[0].slice(1);
      if (m.params[0].startsWith("+")) {
        const b = { type: m.params[1], params: m.params.slice(2), lines: [], label: m.tags.label };
        if (!b.label && inBatch) b.label = inBatch.label;
        this.batches.set(ref, b);
      } else {
        const b = this.batches.get(ref);
        this.batches.delete(ref);
        if (b && b.label && m.tags.batch === undefined) this.finish(b.label, b.lines, b);
        else if (b && inBatch) inBatch.lines.push(...b.lines);
        if (b) this.emit("batch", b);
      }
      return;
    }
    if (inBatch) {
      m.batchType = inBatch.type;
      inBatch.lines.push(m);
      return;
    }
    if (m.tags.label && this.pending.has(m.tags.label)) {
      this.finish(m.tags.label, m.command === "ACK" ? [] : [m]);
    }
  }

  finish(label, lines, batch) {
    const p = this.pending.get(label);
    if (!p) return;
    this.pending.delete(label);
    p.resolve({ lines, batch });
  }

  send(command, params = [], tags = {}) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(buildLine(command, params, tags));
    return true;
  }

  // Sends with a label; resolves with {lines, batch} (labeled-response). Without the
  // capability, resolves at once with no lines.
  request(command, params = [], timeoutMs = 20000) {
    if (!this.caps.has("labeled-response")) {
      this.send(command, params);
      return Promise.resolve({ lines: [] });
    }
    const label = "w" + this.nextLabel++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending.delete(label)) reject(new Error(`${command}: no answer from the server`));
      }, timeoutMs);
      this.pending.set(label, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      if (!this.send(command, params, { label })) {
        this.pending.delete(label);
        clearTimeout(timer);
        reject(new Error("not connected"));
      }
    });
  }

  close() {
    if (this.ws) this.ws.close();
  }
}
