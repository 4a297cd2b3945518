// pchat's web client: sign-in, conversations, history, search, files, reconnection.
// It talks IRC to pchatd over WebSocket (/irc on the origin that served it).
import { Connection } from "./irc.js";
import { Buffers, toMessage, isChannel, splitUtf8, commaLines } from "./model.js";
import * as history from "./history.js";
import * as files from "./files.js";
import { $, drawMessages, drawBuffers, drawRooms, drawResults } from "./view.js";

const SERVER = "*server*";
const MAX_LINE_BYTES = 400; // a message's text per IRC line (the line limit is 512)

const app = {
  conn: null,
  login: null,
  buffers: new Buffers(),
  current: null,
  fileHost: "",
  signingOut: false,
  retry: 0,
  retryTimer: null,
  loading: false,
  searchWords: "",
  searchNext: "*",
  rooms: [],
};

function wsUrl() {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/irc`;
}

function markers() {
  return !!app.conn && app.conn.caps.has("draft/read-marker");
}

// ---------------------------------------------------------------------------
// Remembered conversations (per account, in this browser)

function memoryKey() {
  return `pchat.conversations.${app.login.account || "guest"}`;
}

function remember() {
  const names = app.buffers.list().filter((b) => (b.kind === "channel" && b.joined) || b.kind === "dm").map((b) => b.name);
  localStorage.setItem(memoryKey(), JSON.stringify(names));
}

function remembered() {
  try {
    const v = JSON.parse(localStorage.getItem(memoryKey()) || "[]");
    return Array.isArray(v) ? v.filter((n) => typeof n === "string") : [];
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------
// Drawing

function banner(text, kind = "info") {
  const b = $("banner");
  b.textContent = text;
  b.className = kind;
  b.hidden = !text;
}

function ctx(buf) {
  return {
    fileHost: app.fileHost,
    onFile: app.login.account ? (url) => files.download(url, app.login).catch((e) => banner(`Download failed: ${e.message}`, "error")) : null,
    highlight: buf.highlight,
    marker: markers() ? (buf.dividerAt !== undefined ? buf.dividerAt : buf.marker) : "",
  };
}

function atBottom() {
  const s = $("scroller");
  return s.scrollHeight - s.scrollTop - s.clientHeight < 40;
}

function drawSidebar() {
  const unreadOf = (b) => (b === app.current && atBottom() && document.hasFocus() ? 0 : b.unread(markers()));
  drawBuffers($("buffers"), app.buffers.list(), app.current, unreadOf, (b) => show(b));
  const total = app.buffers.list().reduce((n, b) => n + unreadOf(b), 0);
  document.title = total ? `(${total}) pchat` : "pchat";
}

function drawCurrent(keepBottom = true) {
  const buf = app.current;
  if (!buf) return;
  const s = $("scroller");
  const stick = keepBottom && atBottom();
  $("title").textContent = buf.kind === "server" ? "Server" : buf.name;
  $("topic").textContent = buf.kind === "channel" ? buf.topic + (buf.joined ? "" : " (not joined)") : "";
  $("history-state").textContent = buf.kind === "server" ? "" : buf.complete ? "The start of this conversation." : "Scroll up for older messages.";
  drawMessages($("messages"), buf, ctx(buf));
  $("jump").hidden = !buf.detached;
  $("attach").hidden = !app.fileHost || !app.login.account || buf.kind !== "channel";
  if (stick) s.scrollTop = s.scrollHeight;
}

function redraw() {
  drawCurrent();
  drawSidebar();
  markRead();
}

// ---------------------------------------------------------------------------
// Conversations

function show(buf) {
  if (app.current && app.current !== buf) app.current.dividerAt = undefined;
  // The "new" line stays where the reader left off while the conversation is open,
  // even as the marker moves on.
  if (app.current !== buf) buf.dividerAt = buf.marker;
  app.current = buf;
  $("sidebar").classList.remove("open");
  $("menu").setAttribute("aria-expanded", "false");
  drawCurrent(false);
  if (buf.highlight) {
    const hl = document.getElementById(`m-${buf.highlight}`);
    if (hl) hl.scrollIntoView({ block: "center" });
  } else {
    const s = $("scroller");
    s.scrollTop = s.scrollHeight;
  }
  drawSidebar();
  markRead();
  $("input").focus();
}

// The read marker moves to the last message once it is seen: the conversation is
// shown, scrolled to its end, in a focused window.
function markRead() {
  const buf = app.current;
  if (!buf || buf.kind === "server" || !buf.last || buf.detached) return;
  if (!atBottom() || !document.hasFocus() || document.hidden) return;
  buf.liveUnread = 0;
  if (!markers() || buf.markTimer) return;
  // At most one MARKREAD a second per conversation (each is a store write and a
  // notification to the account's other sessions), with the newest time then.
  buf.markTimer = setTimeout(() => {
    buf.markTimer = null;
    const last = buf.last;
    if (!last || buf.detached || !app.conn) return;
    if ((buf.marker === "*" || !buf.marker || last.time > buf.marker) && buf.lastMarkSent !== last.time) {
      buf.lastMarkSent = last.time;
      app.conn.send("MARKREAD", [buf.name, `timestamp=${last.time}`]);
    }
  }, buf.lastMarkSent ? 1000 : 0);
}

// The latest page, or what came since the last message shown (a reconnection).
async function catchUp(buf) {
  try {
    const gap = buf.last && !buf.detached ? await history.fillGap(app.conn, buf.name, buf.last) : null;
    if (gap && gap.length < history.GAP_MAX) {
      buf.add(gap);
    } else {
      // Away for longer than a gap is worth filling: start again from the present
      // (scrolling back reaches the rest), never with a hole in the middle.
      buf.reset();
      buf.detached = false;
      const page = await history.latest(app.conn, buf.name);
      buf.add(page);
      buf.complete = page.length < history.PAGE;
    }
  } catch (e) {
    if (buf.kind === "channel" && !buf.joined) return;
    banner(`History of ${buf.name}: ${e.message}`, "error");
  }
  if (buf === app.current) redraw();
  else drawSidebar();
}

async function older() {
  const buf = app.current;
  if (!buf || buf.kind === "server" || buf.complete || app.loading || !buf.first) return;
  app.loading = true;
  const s = $("scroller");
  const fromBottom = s.scrollHeight - s.scrollTop;
  try {
    const page = await history.before(app.conn, buf.name, buf.first);
    buf.add(page, "before");
    if (page.length < history.PAGE) buf.complete = true;
    drawCurrent(false);
    s.scrollTop = s.scrollHeight - fromBottom;
  } catch (e) {
    banner(`Older messages: ${e.message}`, "error");
  } finally {
    app.loading = false;
  }
}

// A past window shown (a search result): the pages after it, until the present.
async function newer() {
  const buf = app.current;
  if (!buf || !buf.detached || app.loading || !buf.last) return;
  app.loading = true;
  try {
    const page = await history.after(app.conn, buf.name, buf.last);
    buf.add(page);
    if (page.length < history.PAGE) {
      buf.detached = false;
      buf.highlight = "";
    }
    drawCurrent(false);
  } finally {
    app.loading = false;
  }
}

async function jumpToPresent() {
  const buf = app.current;
  buf.detached = false;
  buf.highlight = "";
  buf.reset();
  await catchUp(buf);
  show(buf);
}

function openDm(nick) {
  const buf = app.buffers.ensure(nick, "dm");
  remember();
  if (!buf.last) catchUp(buf);
  show(buf);
}

function join(name) {
  const buf = app.buffers.get(name);
  if (buf && buf.joined) return show(buf);
  app.pendingShow = name.toLowerCase();
  app.conn.send("JOIN", [name]);
}

// ---------------------------------------------------------------------------
// Lines from the server

const handlers = {
  JOIN(m) {
    const buf = app.buffers.ensure(m.params[0], "channel");
    if (m.nick === app.conn.nick) {
      buf.joined = true;
      buf.members.clear();
      remember();
      catchUp(buf);
      if (app.pendingShow === buf.key) {
        app.pendingShow = "";
        show(buf);
      }
    } else {
      buf.members.set(m.nick, "");
    }
    drawSidebar();
  },
  PART(m) {
    const buf = app.buffers.get(m.params[0]);
    if (!buf) return;
    if (m.nick === app.conn.nick) {
      buf.joined = false;
      remember();
      if (buf === app.current) drawCurrent();
    } else buf.members.delete(m.nick);
    drawSidebar();
  },
  KICK(m) {
    const buf = app.buffers.get(m.params[0]);
    if (!buf) return;
    if (m.params[1] === app.conn.nick) {
      buf.joined = false;
      banner(`Removed from ${buf.name} by ${m.nick}: ${m.params[2] || ""}`, "error");
      remember();
      if (buf === app.current) drawCurrent();
    } else buf.members.delete(m.params[1]);
  },
  QUIT(m) {
    for (const b of app.buffers.list()) b.members.delete(m.nick);
  },
  NICK(m) {
    for (const b of app.buffers.list()) {
      if (b.members.has(m.nick)) {
        b.members.set(m.params[0], b.members.get(m.nick));
        b.members.delete(m.nick);
      }
    }
  },
  TOPIC(m) {
    const buf = app.buffers.get(m.params[0]);
    if (buf) buf.topic = m.params[1] || "";
    if (buf === app.current) drawCurrent();
  },
  332(m) {
    handlers.TOPIC({ params: [m.params[1], m.params[2]] });
  },
  353(m) {
    const buf = app.buffers.get(m.params[2]);
    if (!buf) return;
    for (const n of (m.params[3] || "").split(" ")) {
      if (!n) continue;
      const prefix = n.match(/^[~&@%+]*/)[0];
      buf.members.set(n.slice(prefix.length).split("!")[0], prefix);
    }
  },
  PRIVMSG(m) {
    message(m);
  },
  NOTICE(m) {
    message(m);
  },
  MARKREAD(m) {
    const buf = app.buffers.get(m.params[0]);
    const ts = (m.params[1] || "").replace(/^timestamp=/, "");
    if (!buf || !ts) return;
    buf.marker = ts;
    if (buf === app.current) drawCurrent();
    drawSidebar();
  },
  FAIL(m) {
    if (!m.tags.label) banner(m.params[m.params.length - 1], "error");
  },
};

function message(m) {
  const target = m.params[0];
  let buf;
  if (!m.nick || m.nick.includes(".") || target === "*") {
    buf = app.buffers.ensure(SERVER, "server");
  } else if (isChannel(target, app.conn.isupport)) {
    buf = app.buffers.ensure(target, "channel");
  } else {
    const own = m.nick === app.conn.nick;
    buf = app.buffers.ensure(own ? target : m.nick, "dm");
    remember();
  }
  if (buf.detached) return; // seen when the reader comes back to the present
  const msg = toMessage(m, app.conn.nick);
  if (!buf.add([msg])) return;
  if (!msg.own && (buf !== app.current || !atBottom() || !document.hasFocus())) buf.liveUnread++;
  if (buf === app.current) redraw();
  else drawSidebar();
}

function onLine(m) {
  if (m.command === "BATCH" || (m.batchType && m.batchType !== "labeled-response")) return;
  const h = handlers[m.command];
  if (h) return h(m);
  // Refusals not tied to a request of ours (numerics 400-599).
  if (/^[45]\d\d$/.test(m.command) && !m.tags.label && app.conn.readyWaiter === null) {
    banner(m.params.slice(1).join(" "), "error");
  }
}

// ---------------------------------------------------------------------------
// Connection and reconnection

function setState(text) {
  $("conn-state").textContent = text;
}

async function connect() {
  const conn = new Connection(wsUrl(), app.login);
  app.conn = conn;
  conn.on("message", onLine);
  conn.on("bounce", (text) => banner(`This server is leaving the pool (${text}); reconnecting when it closes`, "warn"));
  conn.on("state", (state, why, refused) => {
    if (conn !== app.conn) return;
    if (state === "ready") setState("connected");
    else if (state === "closed") onClosed(why, refused);
    else setState(`${state}…`);
  });
  await conn.open();
  app.everReady = true;
  app.retry = 0;
  app.fileHost = conn.isupport["soju.im/FILEHOST"] || "";
  $("whoami").textContent = app.login.account ? `${conn.nick} (account ${conn.account || app.login.account})` : `${conn.nick} (guest)`;
  banner("");
  const channels = [];
  for (const name of new Set([...remembered(), ...app.buffers.list().filter((b) => b.kind === "channel" && b.joined).map((b) => b.name)])) {
    if (isChannel(name, conn.isupport)) channels.push(name);
    else app.buffers.ensure(name, "dm");
  }
  for (const b of app.buffers.list()) if (b.kind === "channel") b.joined = false;
  for (const line of commaLines(channels, MAX_LINE_BYTES)) conn.send("JOIN", [line]);
  for (const b of app.buffers.list()) if (b.kind === "dm") catchUp(b);
  newConversations(conn).catch(() => {});
  if (!app.current) show(app.buffers.ensure(SERVER, "server"));
  drawSidebar();
}

// People who wrote while this browser was away (or before it ever signed in): the
// server's list of conversations with activity since the newest message seen here.
async function newConversations(conn) {
  if (!conn.caps.has("draft/chathistory")) return;
  const seen = app.buffers.list().map((b) => b.last && b.last.time).filter(Boolean).sort().pop();
  const since = seen || new Date(Date.now() - 30 * 86400000).toISOString();
  const answer = await conn.request("CHATHISTORY", ["TARGETS", `timestamp=${since}`, `timestamp=${new Date(Date.now() + 60000).toISOString()}`, 50]);
  for (const m of answer.lines) {
    if (m.command !== "CHATHISTORY" || m.params[0] !== "TARGETS") continue;
    const target = m.params[1];
    if (!target || isChannel(target, conn.isupport) || app.buffers.get(target)) continue;
    catchUp(app.buffers.ensure(target, "dm"));
  }
  remember();
  drawSidebar();
}

function onClosed(why, refused) {
  if (app.signingOut) return;
  if (refused || !app.everReady) {
    // A wrong password is not tried again and again (each try counts against the
    // account's sign-in throttle): back to the sign-in form.
    if (app.everReady) backToSignIn(`Signed out: ${why}. Sign in again.`);
    return;
  }
  const wait = Math.min(15, 2 ** app.retry) * (0.75 + Math.random() / 2);
  app.retry++;
  setState("disconnected");
  banner(`Disconnected (${why}). Reconnecting in ${wait.toFixed(0)} s…`, "warn");
  clearTimeout(app.retryTimer);
  app.retryTimer = setTimeout(() => {
    connect().catch((e) => {
      if (e.refused) backToSignIn(`Signed out: ${e.message}. Sign in again.`);
    });
  }, wait * 1000);
}

async function signIn(e) {
  e.preventDefault();
  const guest = $("guest").checked;
  const account = $("account").value.trim();
  const nick = guest ? $("nick").value.trim() : account;
  if (!nick) return ($("signin-error").textContent = guest ? "Give a nick." : "Give your account name.");
  app.login = { nick, account: guest ? "" : account, password: guest ? "" : $("password").value };
  app.signingOut = false;
  $("signin-button").disabled = true;
  $("signin-error").textContent = "";
  try {
    await connect();
    if (!guest) localStorage.setItem("pchat.account", account);
    $("password").value = "";
    $("signin").hidden = true;
    $("app").hidden = false;
    $("input").focus();
  } catch (err) {
    app.signingOut = true;
    clearTimeout(app.retryTimer);
    app.conn.close();
    $("signin-error").textContent = `Sign-in failed: ${err.message}`;
  } finally {
    $("signin-button").disabled = false;
  }
}

// Leaves the chat for the sign-in form, saying why.
function backToSignIn(why) {
  signOut();
  $("signin-error").textContent = why;
}

function signOut() {
  app.signingOut = true;
  app.everReady = false;
  clearTimeout(app.retryTimer);
  app.conn.send("QUIT", ["Signed out"]);
  app.conn.close();
  app.buffers = new Buffers();
  app.current = null;
  app.login = null;
  $("app").hidden = true;
  $("signin").hidden = false;
}

// ---------------------------------------------------------------------------
// Composer: text, and a few commands (/join, /part, /msg, /me, /topic, /quote)

async function say(target, text, action = false) {
  for (const part of splitUtf8(text, MAX_LINE_BYTES)) {
    const body = action ? `\x01ACTION ${part}\x01` : part;
    const answer = await app.conn.request("PRIVMSG", [target, body]);
    const fail = answer.lines.find((l) => l.command === "FAIL" || /^[45]\d\d$/.test(l.command));
    if (fail) throw new Error(fail.params[fail.params.length - 1]);
  }
}

async function submit(e) {
  e.preventDefault();
  const input = $("input");
  const text = input.value;
  const buf = app.current;
  if (!text.trim() || !buf) return;
  input.value = "";
  const [cmd, ...rest] = text.startsWith("/") && !text.startsWith("//") ? text.slice(1).split(" ") : [null];
  try {
    if (cmd === null) {
      if (buf.kind === "server") throw new Error("Pick a room or a person first");
      for (const line of text.replace(/^\//, "").split("\n")) if (line) await say(buf.name, line);
    } else if (cmd === "join") join(rest[0]);
    else if (cmd === "part") app.conn.send("PART", [rest[0] || buf.name, rest.slice(1).join(" ")]);
    else if (cmd === "msg") {
      openDm(rest[0]);
      await say(rest[0], rest.slice(1).join(" "));
    } else if (cmd === "me") await say(buf.name, rest.join(" "), true);
    else if (cmd === "topic") app.conn.send("TOPIC", rest.length ? [buf.name, rest.join(" ")] : [buf.name]);
    else if (cmd === "quote") app.conn.ws.send(rest.join(" "));
    else throw new Error(`Unknown command /${cmd} (try /join, /part, /msg, /me, /topic, /quote)`);
  } catch (err) {
    banner(`Not sent: ${err.message}`, "error");
    if (!input.value) input.value = text;
  }
}

async function uploadFiles(list) {
  const buf = app.current;
  if (!app.login.account) return banner("Guests cannot upload files: sign in with an account", "error");
  if (!app.fileHost) return banner("This server has no file host", "error");
  if (!buf || buf.kind !== "channel") return banner("Files go into rooms: open a room first", "error");
  for (const file of list) {
    banner(`Uploading ${file.name}…`);
    try {
      await files.upload(app.fileHost, buf.name, file, app.login);
      banner("");
    } catch (err) {
      banner(`Upload failed: ${err.message}`, "error");
    }
  }
}

// ---------------------------------------------------------------------------
// Room directory and search

async function browse() {
  const answer = await app.conn.request("LIST");
  app.rooms = answer.lines
    .filter((m) => m.command === "322")
    .map((m) => ({
      name: m.params[1],
      users: Number(m.params[2]) || 0,
      topic: m.params[3] || "",
      category: m.tags["pchat/category"] || "",
      joined: !!app.buffers.get(m.params[1])?.joined,
    }));
  drawRooms($("rooms"), app.rooms, $("room-filter").value, (name) => {
    $("directory").close();
    join(name);
  });
  if (!$("directory").open) $("directory").showModal();
  $("room-filter").focus();
}

async function runSearch(more) {
  const words = more ? app.searchWords : $("search").value.trim();
  if (!words) return;
  app.searchWords = words;
  try {
    const page = await history.search(app.conn, words, "*", more ? app.searchNext : "*");
    app.searchNext = page.next;
    $("results-title").textContent = `Search: ${words}`;
    drawResults($("result-list"), page.results, { none: more ? "No more results" : "Nothing found" }, openResult, more);
    $("more-results").hidden = page.next === "*";
    if (!$("results").open) $("results").showModal();
  } catch (err) {
    banner(`Search: ${err.message}`, "error");
  }
}

// A search result in its conversation, with the messages around it.
async function openResult(target, msg) {
  $("results").close();
  const channel = isChannel(target, app.conn.isupport);
  const peer = channel ? target : msg.own ? target : msg.nick;
  let buf = app.buffers.get(peer);
  if (channel && !(buf && buf.joined)) {
    app.conn.send("JOIN", [target]);
    for (let i = 0; i < 50 && !app.buffers.get(target)?.joined; i++) await new Promise((r) => setTimeout(r, 100));
    buf = app.buffers.get(target);
  }
  buf ||= app.buffers.ensure(peer, channel ? "channel" : "dm");
  try {
    const page = await history.around(app.conn, buf.name, msg.id);
    buf.reset();
    buf.detached = true;
    buf.highlight = msg.id;
    buf.add(page);
    show(buf);
  } catch (err) {
    banner(`Cannot open the result: ${err.message}`, "error");
  }
}

// ---------------------------------------------------------------------------
// Wiring

function keys(e) {
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
    e.preventDefault();
    $("search").focus();
  } else if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
    e.preventDefault();
    const list = app.buffers.list();
    const i = list.indexOf(app.current);
    const next = list[(i + (e.key === "ArrowUp" ? -1 : 1) + list.length) % list.length];
    if (next) show(next);
  } else if (e.key === "Escape") {
    $("sidebar").classList.remove("open");
  }
}

function wire() {
  $("guest").addEventListener("change", () => {
    const g = $("guest").checked;
    $("guest-fields").hidden = !g;
    $("account-fields").hidden = g;
    (g ? $("nick") : $("account")).focus();
  });
  $("account").value = localStorage.getItem("pchat.account") || "";
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", signOut);
  $("composer").addEventListener("submit", submit);
  $("attach").addEventListener("click", () => $("file").click());
  $("file").addEventListener("change", () => uploadFiles([...$("file").files]).finally(() => ($("file").value = "")));
  $("browse").addEventListener("click", () => browse().catch((e) => banner(e.message, "error")));
  $("room-filter").addEventListener("input", () => drawRooms($("rooms"), app.rooms, $("room-filter").value, (n) => ($("directory").close(), join(n))));
  $("join-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const name = $("join-name").value.trim();
    if (!name) return;
    $("directory").close();
    join(isChannel(name, app.conn.isupport) ? name : `#${name}`);
  });
  $("dm-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const nick = $("dm-nick").value.trim();
    if (nick) openDm(nick);
    $("dm-nick").value = "";
  });
  $("search-form").addEventListener("submit", (e) => (e.preventDefault(), runSearch(false)));
  $("more-results").addEventListener("click", () => runSearch(true));
  $("jump").addEventListener("click", jumpToPresent);
  $("menu").addEventListener("click", () => {
    const open = $("sidebar").classList.toggle("open");
    $("menu").setAttribute("aria-expanded", String(open));
  });
  $("scroller").addEventListener("scroll", () => {
    if ($("scroller").scrollTop < 80) older();
    if (atBottom()) {
      newer();
      markRead();
      drawSidebar();
    }
  });
  window.addEventListener("focus", () => (markRead(), drawSidebar()));
  document.addEventListener("keydown", keys);
  const pane = $("pane");
  pane.addEventListener("dragover", (e) => {
    e.preventDefault();
    $("drop-hint").hidden = false;
  });
  pane.addEventListener("dragleave", () => ($("drop-hint").hidden = true));
  pane.addEventListener("drop", (e) => {
    e.preventDefault();
    $("drop-hint").hidden = true;
    uploadFiles([...e.dataTransfer.files]);
  });
}

wire();
// For tests and curious people: the client's state.
window.pchat = app;
