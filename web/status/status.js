// pchat status page: reads pchatd's /status/events (the admin API, with the admin
// token) and draws the pool: state, servers, stores, mirroring, log shipping over the
// last hour, the runbook's step, alerts. The data is `pchatctl status --json`'s.

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const TOKEN_KEY = "pchat.status.token";

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function yesNo(v, goodWhenTrue = true) {
  return el("span", { class: v === goodWhenTrue ? "ok" : "bad" }, v ? "yes" : "no");
}

function row(cells) {
  return el("tr", {}, ...cells.map((c) => el("td", {}, c instanceof Node ? c : String(c ?? "-"))));
}

// Every alert the snapshot holds, as sentences.
export function alertsOf(s) {
  const out = [];
  if (s.state && s.state !== "Normal") out.push(`The pool is ${s.state}: it serves from the ${s.primary_store} store`);
  for (const srv of s.servers || []) {
    if (!srv.reachable) out.push(`Server ${srv.name} is unreachable (${srv.problem})`);
    else if (srv.listed_active && srv.health && srv.health.status !== "ok") out.push(`Server ${srv.name} is listed active but ${srv.health.status}`);
  }
  for (const st of storesOf(s)) if (st.fenced) out.push(`Store ${st.name} is FENCED (a lower epoch than the pool's)`);
  if (s.mirroring && s.mirroring.alert) out.push(`Mirroring: ${s.mirroring.state}: ${s.mirroring.message}`);
  for (const a of (s.log_shipping && s.log_shipping.alerts) || []) out.push(`Log shipping: ${a}`);
  for (const p of s.problems || []) out.push(`Not read: ${p}`);
  return out;
}

// The stores as the servers see them (the first reachable server's probes).
function storesOf(s) {
  for (const srv of s.servers || []) if (srv.health && Array.isArray(srv.health.stores)) return srv.health.stores;
  return [];
}

function drawChart(history) {
  const svg = $("chart");
  const W = 600, H = 160, L = 40, B = 20;
  const points = history.filter((h) => Array.isArray(h));
  const max = Math.max(1, ...points.flatMap((h) => h.slice(1).filter((v) => typeof v === "number")));
  const now = Date.now() / 1000;
  const x = (t) => L + ((t - (now - 3600)) / 3600) * (W - L - 5);
  const y = (v) => H - B - (v / max) * (H - B - 10);
  svg.replaceChildren();
  const line = (x1, y1, x2, y2) => {
    const l = document.createElementNS(SVG, "line");
    for (const [k, v] of Object.entries({ x1, y1, x2, y2, class: "axis" })) l.setAttribute(k, v);
    svg.append(l);
  };
  const text = (tx, ty, s) => {
    const t = document.createElementNS(SVG, "text");
    t.setAttribute("x", tx);
    t.setAttribute("y", ty);
    t.textContent = s;
    svg.append(t);
  };
  line(L, H - B, W - 5, H - B);
  line(L, 10, L, H - B);
  text(2, 14, `${max.toFixed(1)} s`);
  text(2, H - B, "0");
  text(L, H - 5, "-60 min");
  text(W - 40, H - 5, "now");
  ["backup", "copy", "restore"].forEach((stage, i) => {
    const pts = points.filter((h) => typeof h[i + 1] === "number").map((h) => `${x(h[0]).toFixed(1)},${y(h[i + 1]).toFixed(1)}`);
    if (!pts.length) return;
    const p = document.createElementNS(SVG, "polyline");
    p.setAttribute("points", pts.join(" "));
    p.setAttribute("class", stage);
    svg.append(p);
  });
}

function draw(s) {
  const pool = s.pool_fqdn || (s.state ? "standalone server" : "pool state unknown");
  const from = s.state_from && s.state_from !== s.store_in_use ? `, pool state from the ${s.state_from} store` : "";
  $("pool").textContent = `${pool} · answered by ${s.server || "?"} (store ${s.store_in_use || "?"}${from})`;
  const state = $("state");
  state.textContent = s.state || "unknown";
  state.className = `badge ${s.state || ""}`;
  $("epoch").textContent = s.epoch ?? "-";
  $("primary").textContent = s.primary_store || "-";
  $("backlog").textContent = s.compliance ? String(s.compliance.backlog) : "-";
  $("at").textContent = s.at ? new Date(s.at).toLocaleTimeString() : "-";

  const alerts = alertsOf(s);
  $("alerts").replaceChildren(...(alerts.length ? alerts.map((a) => el("li", {}, a)) : [el("li", { class: "none" }, "None")]));

  $("servers").replaceChildren(
    ...(s.servers || []).map((srv) => {
      const h = srv.health || {};
      return row([
        srv.name,
        srv.datacenter,
        srv.listed_active ? "active" : "-",
        srv.reachable ? h.role : el("span", { class: "bad" }, "unreachable"),
        h.connections,
        h.store_in_use ?? h.store,
        h.epoch,
      ]);
    }),
  );
  $("stores").replaceChildren(
    ...storesOf(s).map((st) => row([st.name, yesNo(st.reachable), st.reachable ? (st.writable ? "yes" : "no (standby)") : "-", yesNo(st.fenced, false), st.epoch])),
  );

  $("mirroring-section").hidden = !s.mirroring;
  if (s.mirroring) {
    $("mirroring").textContent = `${s.mirroring.state}: ${s.mirroring.message}`;
    $("mirroring").className = s.mirroring.alert ? "bad" : "ok";
  }
  $("logship-section").hidden = !s.log_shipping;
  if (s.log_shipping) {
    $("stages").replaceChildren(
      ...(s.log_shipping.stages || []).map((st) =>
        row([st.stage, (st.last_file && st.last_file.name) || "-", el("span", { class: st.alert ? "bad" : "ok" }, `${Number(st.lag_s).toFixed(1)} s`), `${st.threshold_s} s`]),
      ),
    );
    drawChart(s.lag_history || []);
  }

  const runs = Object.entries(s.runbook || {}).filter(([, j]) => !j.completed_at);
  $("runbook").hidden = !runs.length;
  $("runbook-list").replaceChildren(
    ...runs.map(([name, j]) => {
      const done = Object.keys(j.steps || {}).length;
      const cur = j.current ? `step ${j.current.step}: ${j.current.title} (since ${new Date(j.current.since).toLocaleTimeString()})` : "between steps";
      const started = j.started_at ? new Date(j.started_at).toLocaleString() : "?";
      return el("li", {}, el("strong", {}, `${name}`), ` started ${started}: ${done} step(s) done; ${cur}`);
    }),
  );
}

// Reads the event stream with the token (EventSource cannot send a header).
async function follow(token) {
  const res = await fetch("/status/events", { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
  if (res.status === 401) throw Object.assign(new Error("the admin token was refused"), { refused: true });
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
  $("live").textContent = "live";
  $("live").className = "ok";
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the server closed the stream");
    buf += value;
    let cut;
    while ((cut = buf.indexOf("\n\n")) >= 0) {
      const event = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (data) {
        draw(JSON.parse(data));
        $("status").hidden = false;
      }
    }
  }
}

async function run(token) {
  let wait = 1;
  for (;;) {
    try {
      await follow(token);
    } catch (e) {
      if (e.refused) {
        sessionStorage.removeItem(TOKEN_KEY);
        $("token-error").textContent = e.message;
        $("token-form").hidden = false;
        $("status").hidden = true;
        $("live").textContent = "not connected";
        return;
      }
      $("live").textContent = `disconnected (${e.message}); retrying in ${wait} s`;
      $("live").className = "bad";
      await new Promise((r) => setTimeout(r, wait * 1000));
      wait = Math.min(wait * 2, 15);
      continue;
    }
  }
}

function start() {
  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const token = $("token").value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    $("token").value = "";
    $("token-error").textContent = "";
    $("token-form").hidden = true;
    run(token);
  });
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) run(token);
  else {
    $("token-form").hidden = false;
    $("token").focus();
  }
}

if (typeof document !== "undefined") start();
