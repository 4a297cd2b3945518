// Drawing: the conversation list, the messages of one conversation, search results
// and the room directory. Text from the network only ever becomes DOM text
// (textContent), never markup.

export const $ = (id) => document.getElementById(id);

export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function clock(iso) {
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  const hm = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return today ? hm : `${d.toLocaleDateString()} ${hm}`;
}

// Whether `url` is a download of the file host at `fileHost` (its origin, and a path
// under the file host's): only those get the account's credentials.
export function isFileHostUrl(url, fileHost) {
  if (!fileHost) return false;
  try {
    const u = new URL(url);
    const f = new URL(fileHost);
    const base = f.pathname.endsWith("/") ? f.pathname : `${f.pathname}/`;
    return u.origin === f.origin && u.pathname.startsWith(base) && !u.username && !u.password;
  } catch {
    return false;
  }
}

// Text with its http(s) links made links; a link to the file host is a download
// (it needs the account's credentials: `onFile`).
export function linkify(text, fileHost, onFile) {
  const out = document.createDocumentFragment();
  const re = /https?:\/\/[^\s<>"]+/g;
  let at = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > at) out.append(text.slice(at, m.index));
    const url = m[0];
    if (onFile && isFileHostUrl(url, fileHost)) {
      out.append(el("a", { href: url, class: "file", onclick: (e) => (e.preventDefault(), onFile(url)) }, "download"));
    } else {
      out.append(el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, url));
    }
    at = m.index + url.length;
  }
  if (at < text.length) out.append(text.slice(at));
  return out;
}

export function messageItem(msg, ctx) {
  const who = msg.action ? `* ${msg.nick}` : msg.nick;
  return el(
    "li",
    {
      class: ["msg", msg.own ? "own" : "", msg.notice ? "notice" : "", msg.action ? "action" : "", ctx.highlight === msg.id ? "hl" : ""].join(" ").trim(),
      dataset: { id: msg.id, time: msg.time },
      id: msg.id ? `m-${msg.id}` : null,
    },
    el("time", { datetime: msg.time, title: msg.time }, clock(msg.time)),
    el("span", { class: "nick", title: msg.account ? `account ${msg.account}` : "guest" }, who),
    el("span", { class: "text" }, linkify(msg.text, ctx.fileHost, ctx.onFile)),
  );
}

// Redraws the messages of `buf`; the read marker's line goes before the first
// message after it.
export function drawMessages(list, buf, ctx) {
  // Redrawn whole: a link that had the keyboard's focus gets it back.
  const a = document.activeElement;
  const focus = list.contains(a) && a.closest("li") ? { id: a.closest("li").dataset.id, n: [...a.closest("li").querySelectorAll("a")].indexOf(a) } : null;
  const items = [];
  let markerShown = false;
  for (const msg of buf.messages) {
    if (!markerShown && ctx.marker && ctx.marker !== "*" && msg.time > ctx.marker && !msg.own && buf.messages[0] !== msg) {
      items.push(el("li", { class: "marker", id: "read-marker" }, "new"));
      markerShown = true;
    }
    items.push(messageItem(msg, ctx));
  }
  list.replaceChildren(...items);
  if (focus && focus.id) {
    const li = [...list.children].find((e) => e.dataset.id === focus.id);
    const link = li && li.querySelectorAll("a")[focus.n];
    if (link) link.focus();
  }
}

export function drawBuffers(ul, buffers, current, unreadOf, onPick) {
  // Redrawn whole: the button that had the keyboard's focus gets it back.
  const focused = ul.contains(document.activeElement) ? document.activeElement.dataset.name : null;
  ul.replaceChildren(
    ...buffers.map((b) => {
      const n = unreadOf(b);
      const label = b.kind === "server" ? "Server" : b.name;
      return el(
        "li",
        {},
        el(
          "button",
          {
            type: "button",
            class: ["buffer", b === current ? "current" : "", b.kind, b.kind === "channel" && !b.joined ? "parted" : ""].join(" "),
            "aria-current": b === current ? "true" : null,
            dataset: { name: b.name },
            onclick: () => onPick(b),
          },
          el("span", { class: "name" }, label),
          n > 0 ? el("span", { class: "unread" }, String(n), el("span", { class: "sr-only" }, " unread")) : null,
        ),
      );
    }),
  );
  if (focused !== null) {
    const again = [...ul.querySelectorAll("button")].find((b) => b.dataset.name === focused);
    if (again) again.focus();
  }
}

// The rooms one may find, by category (pchat's RPL_LIST tag), then by name.
export function drawRooms(tbody, rooms, filter, onJoin) {
  const f = filter.trim().toLowerCase();
  const shown = rooms
    .filter((r) => !f || [r.name, r.topic, r.category].some((t) => t.toLowerCase().includes(f)))
    .sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name));
  const rows = [];
  let category = null;
  for (const r of shown) {
    if (r.category !== category) {
      category = r.category;
      rows.push(el("tr", { class: "category" }, el("th", { colspan: "4", scope: "colgroup" }, category || "Other rooms")));
    }
    rows.push(
      el(
        "tr",
        {},
        el("td", {}, r.name),
        el("td", { class: "num" }, String(r.users)),
        el("td", {}, r.topic),
        el("td", {}, el("button", { type: "button", dataset: { room: r.name }, onclick: () => onJoin(r.name) }, r.joined ? "Open" : "Join")),
      ),
    );
  }
  tbody.replaceChildren(...rows);
}

export function drawResults(ol, results, ctx, onOpen, append) {
  const items = results.map(({ target, msg }) =>
    el(
      "li",
      {},
      el(
        "button",
        { type: "button", class: "result", onclick: () => onOpen(target, msg) },
        el("span", { class: "where" }, target),
        el("time", { datetime: msg.time }, clock(msg.time)),
        el("span", { class: "nick" }, msg.nick),
        el("span", { class: "text" }, msg.text),
      ),
    ),
  );
  if (append) ol.append(...items);
  else ol.replaceChildren(...items);
  if (!ol.children.length) ol.append(el("li", { class: "hint" }, ctx.none || "Nothing found"));
}
