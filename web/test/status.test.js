// The status page's alerts, from snapshots as pchatd's /status/events sends them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { alertsOf } from "../status/status.js";

const healthy = {
  state: "Normal",
  primary_store: "primary",
  servers: [{ name: "a1", reachable: true, listed_active: true, health: { status: "ok", stores: [{ name: "primary", reachable: true, writable: true, fenced: false, epoch: 1 }] } }],
  mirroring: { state: "synchronized", alert: false, message: "ok" },
  log_shipping: { alerts: [] },
  problems: [],
};

test("a healthy pool has no alerts", () => {
  assert.deepEqual(alertsOf(healthy), []);
});

test("a failed-over pool, an unreachable server, a fenced store and lag alerts are all told", () => {
  const s = structuredClone(healthy);
  s.state = "FailedOver";
  s.primary_store = "backup";
  s.servers.push({ name: "b1", reachable: false, problem: "Connection refused" });
  s.servers[0].health.stores[0].fenced = true;
  s.mirroring = { state: "lost", alert: true, message: "the mirror is gone" };
  s.log_shipping.alerts = ["copy lag 200 s is over its threshold of 120 s"];
  s.problems = ["pool state: timeout"];
  const a = alertsOf(s);
  assert.equal(a.length, 6, a.join("\n"));
  assert.match(a[0], /FailedOver.*backup/);
  assert.ok(a.some((x) => /b1 is unreachable \(Connection refused\)/.test(x)));
  assert.ok(a.some((x) => /primary is FENCED/.test(x)));
  assert.ok(a.some((x) => /Mirroring: lost/.test(x)));
  assert.ok(a.some((x) => /copy lag 200 s/.test(x)));
  assert.ok(a.some((x) => /Not read: pool state/.test(x)));
});
