#include "compliance/service/cycle.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "compliance/atomic_file.h"
#include "compliance/event.h"

namespace pchat::compliance {

namespace {

using nlohmann::json;

// mgccomp's schema. Event ids are mgccomp's own (the order of moving); (source,
// mgc_event_id) identifies an event across moves.
constexpr const char* kCompSchema = R"sql(
CREATE TABLE IF NOT EXISTS events (
  id            bigserial PRIMARY KEY,
  source        text NOT NULL,
  mgc_event_id  bigint NOT NULL,
  event_type    text NOT NULL,
  ts_us         bigint NOT NULL,
  room          text NOT NULL,
  room_uri      text NOT NULL,
  user_name     text NOT NULL,
  user_uri      text NOT NULL,
  email         text NOT NULL DEFAULT '',
  internal      boolean NOT NULL,
  content       text NOT NULL,
  msgid         text NOT NULL,
  moved_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, mgc_event_id)
);
CREATE TABLE IF NOT EXISTS sources (
  source       text PRIMARY KEY,
  moved_upto   bigint NOT NULL,  -- every outbox id <= this was moved here
  first_moved  bigint NOT NULL   -- the lowest outbox id this store ever took
);
CREATE TABLE IF NOT EXISTS runs (
  id              bigserial PRIMARY KEY,
  first_event_id  bigint NOT NULL,
  last_event_id   bigint NOT NULL,
  start_us        bigint NOT NULL,
  end_us          bigint NOT NULL,
  config          jsonb NOT NULL,
  server          text NOT NULL,
  started_at      timestamptz NOT NULL DEFAULT now(),
  completed_at    timestamptz,
  events          bigint,
  files           text[]
);
)sql";

constexpr const char* kMoveInsertSql = R"sql(
INSERT INTO events (source, mgc_event_id, event_type, ts_us, room, room_uri, user_name, user_uri,
                    internal, content, msgid)
SELECT $1, i, t, u, r, ru, un, uu, it, c, m
FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[],
            $8::text[], $9::boolean[], $10::text[], $11::text[])
     WITH ORDINALITY AS x(i, t, u, r, ru, un, uu, it, c, m, n)
WHERE i > coalesce((SELECT moved_upto FROM sources WHERE source = $1), 0)
ORDER BY n
ON CONFLICT (source, mgc_event_id) DO NOTHING
)sql";

constexpr const char* kMoveMarkSql = R"sql(
INSERT INTO sources (source, moved_upto, first_moved) VALUES ($1, $2, $3)
ON CONFLICT (source) DO UPDATE SET moved_upto = greatest(sources.moved_upto, excluded.moved_upto)
)sql";

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string room_uri(const std::string& domain, const std::string& folded_room) {
  std::string_view r = folded_room;
  if (!r.empty() && r[0] == '#') r.remove_prefix(1);
  return "ma-chan://" + domain + "/" + std::string(r);
}

json config_json(const AdapterConfig& a, const std::string& adapter_type,
                 const std::string& origin) {
  json j = {{"adapter_type", adapter_type},
            {"output_directory", a.output_directory},
            {"one_chat_room_per_output_file", a.one_chat_room_per_output_file},
            {"add_user_details", a.add_user_details},
            {"add_chat_room_details", a.add_chat_room_details}};
  if (!origin.empty()) j["origin"] = origin;  // recorded: a re-run names its files alike
  return j;
}

struct OpenRun {
  int64_t id = 0;
  RunInfo info;
  std::string adapter_type;
  AdapterConfig adapter;
};

// The open run, or a new one over the oldest events; nullopt when nothing waits.
Result<std::optional<OpenRun>> open_run(pg::Connection& comp, const ComplianceConfig& config,
                                        const CycleContext& ctx) {
  auto r = comp.exec(
      "SELECT id, first_event_id, last_event_id, start_us, end_us, config::text FROM runs "
      "WHERE completed_at IS NULL ORDER BY id LIMIT 1");
  if (!r) return r.error();
  OpenRun run;
  if (r->rows() == 1) {
    run.id = r->i64(0, 0);
    run.info = {r->i64(0, 3), r->i64(0, 4), r->i64(0, 1), r->i64(0, 2), {}};
    json j = json::parse(r->str(0, 5), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return make_error(ErrorKind::kInternal,
                        "run " + std::to_string(run.id) + " has an unreadable configuration");
    }
    run.adapter_type = j.value("adapter_type", "");
    run.adapter.output_directory = j.value("output_directory", "");
    run.adapter.one_chat_room_per_output_file = j.value("one_chat_room_per_output_file", false);
    run.adapter.add_user_details = j.value("add_user_details", false);
    run.adapter.add_chat_room_details = j.value("add_chat_room_details", false);
    run.info.origin = j.value("origin", "");
    spdlog::info("compliance: finishing open run {} (events {} .. {})", run.id,
                 run.info.first_event_id, run.info.last_event_id);
    return std::optional<OpenRun>(std::move(run));
  }
  auto w = comp.exec(
      "SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0), coalesce(min(ts_us), 0) "
      "FROM (SELECT id, ts_us FROM events ORDER BY id LIMIT " +
      std::to_string(kRunBatch) + ") e");
  if (!w) return w.error();
  if (w->i64(0, 0) == 0) return std::optional<OpenRun>();
  run.adapter_type = config.adapter_type;
  run.adapter = config.adapter_config();
  if (run.adapter.output_directory.empty()) {
    run.adapter.output_directory = ctx.default_output_directory;
  }
  if (run.adapter.output_directory.empty()) {
    return make_error(
        ErrorKind::kInvalidInput,
        "AdapterOutputDirectory is not set (Set-CsPersistentChatComplianceConfiguration "
        "-AdapterOutputDirectory DIR); events wait in mgccomp");
  }
  const int64_t end = now_us();
  run.info = {std::min(w->i64(0, 3), end), end, w->i64(0, 1), w->i64(0, 2), ctx.origin};
  auto ins = comp.exec(
      "INSERT INTO runs (first_event_id, last_event_id, start_us, end_us, config, server) "
      "VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING id",
      {std::to_string(run.info.first_event_id), std::to_string(run.info.last_event_id),
       std::to_string(run.info.start_us), std::to_string(run.info.end_us),
       config_json(run.adapter, run.adapter_type, run.info.origin).dump(), ctx.server});
  if (!ins) return ins.error();
  run.id = ins->i64(0, 0);
  return std::optional<OpenRun>(std::move(run));
}

Result<std::vector<ComplianceEvent>> load_events(pg::Connection& comp, const RunInfo& info) {
  auto r = comp.exec(
      "SELECT id, event_type, ts_us, room, room_uri, user_name, user_uri, email, internal, "
      "content, msgid FROM events WHERE id BETWEEN $1 AND $2 ORDER BY id",
      {std::to_string(info.first_event_id), std::to_string(info.last_event_id)});
  if (!r) return r.error();
  std::vector<ComplianceEvent> out;
  out.reserve(static_cast<size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) {
    ComplianceEvent e;
    e.id = r->i64(i, 0);
    auto type = parse_event_type(r->get(i, 1));
    if (!type) {
      return make_error(ErrorKind::kInternal,
                        "event " + std::to_string(e.id) + " has an unknown type " + r->str(i, 1));
    }
    e.type = *type;
    e.ts_us = r->i64(i, 2);
    e.room = r->str(i, 3);
    e.room_uri = r->str(i, 4);
    e.user = r->str(i, 5);
    e.user_uri = r->str(i, 6);
    e.email = r->str(i, 7);
    e.internal = r->get(i, 8) == "t";
    e.content = r->str(i, 9);
    e.msgid = r->str(i, 10);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

Status ensure_comp_schema(pg::Connection& comp) {
  // Key "pchat-mgccomp-schema"; the transaction-scoped lock ends with the script.
  auto r = comp.exec(std::string("BEGIN; SELECT pg_advisory_xact_lock(7305692320);\n") +
                     kCompSchema + "\nCOMMIT;");
  if (!r) {
    (void)comp.exec("ROLLBACK");
    return make_error(r.error().kind, "cannot prepare mgccomp: " + r.error().message);
  }
  return ok_status();
}

Result<int64_t> move_outbox(pg::Connection& mgc, pg::Connection& comp, const std::string& domain) {
  auto src = mgc.exec("SELECT source_id FROM compliance_status WHERE id = 1");
  if (!src) return src.error();
  if (src->rows() != 1) return make_error(ErrorKind::kInternal, "no compliance_status row in mgc");
  const std::string source = src->str(0, 0);
  int64_t moved = 0;
  for (;;) {
    auto r = mgc.exec(
        "SELECT id, event_type, (extract(epoch FROM ts) * 1000000)::bigint, room, room_name, "
        "account, nick, content, msgid FROM compliance_outbox ORDER BY id LIMIT " +
        std::to_string(kMoveBatch));
    if (!r) return r.error();
    if (r->rows() == 0) break;
    std::string ids = "{", types = "{", ts = "{", rooms = "{", uris = "{", users = "{",
                user_uris = "{", internal = "{", content = "{", msgids = "{";
    for (int i = 0; i < r->rows(); ++i) {
      const bool guest = r->is_null(i, 5);
      const std::string user = guest ? r->str(i, 6) : r->str(i, 5);
      if (i > 0) {
        ids += ',';
        ts += ',';
      }
      ids += r->str(i, 0);
      ts += r->str(i, 2);
      pg::append_array_element(types, r->str(i, 1));
      pg::append_array_element(rooms, r->str(i, 4));
      pg::append_array_element(uris, room_uri(domain, r->str(i, 3)));
      pg::append_array_element(users, user);
      pg::append_array_element(user_uris, guest ? "irc:" + user : "sip:" + user + "@" + domain);
      pg::append_array_element(internal, std::string(guest ? "f" : "t"));
      pg::append_array_element(content, r->str(i, 7));
      pg::append_array_element(msgids, r->str(i, 8));
    }
    for (auto* s :
         {&ids, &types, &ts, &rooms, &uris, &users, &user_uris, &internal, &content, &msgids}) {
      s->push_back('}');
    }
    const std::string upto = r->str(r->rows() - 1, 0);
    auto ins = comp.exec_pipeline(
        {{kMoveInsertSql,
          {source, ids, types, ts, rooms, uris, users, user_uris, internal, content, msgids}},
         {kMoveMarkSql, {source, upto, r->str(0, 0)}}});
    if (!ins) return make_error(ins.error().kind, "mgccomp: " + ins.error().message);
    auto del = mgc.exec("DELETE FROM compliance_outbox WHERE id = ANY($1::bigint[])", {ids});
    if (!del) return del.error();
    moved += (*ins)[0].affected();
    if (r->rows() < kMoveBatch) break;
  }
  return moved;
}

Status process_events(pg::Connection& comp, const ComplianceConfig& config, const CycleContext& ctx,
                      CycleReport& report) {
  for (;;) {
    auto run = open_run(comp, config, ctx);
    if (!run) return run.error();
    if (!*run) return ok_status();
    OpenRun& o = **run;
    auto events = load_events(comp, o.info);
    if (!events) return events.error();
    auto adapter = make_adapter(o.adapter_type);
    if (!adapter) return adapter.error();
    if (auto st = (*adapter)->configure(o.adapter); !st) return st;
    auto files = (*adapter)->translate(*events, o.info);
    if (!files) return files.error();
    std::error_code ec;
    std::filesystem::create_directories(o.adapter.output_directory, ec);
    if (ec) {
      return make_error(ErrorKind::kUnavailable, "cannot create AdapterOutputDirectory " +
                                                     o.adapter.output_directory + ": " +
                                                     ec.message());
    }
    std::string names = "{";
    for (const auto& f : *files) {
      auto w = write_file_atomically(o.adapter.output_directory, f.name, f.bytes);
      if (!w) return w.error();
      pg::append_array_element(names, f.name);
      report.files.push_back((std::filesystem::path(o.adapter.output_directory) / f.name).string());
    }
    names.push_back('}');
    if (ctx.test_pause_before_purge_ms > 0) {
      spdlog::warn("compliance: test pause of {} ms before purging run {}",
                   ctx.test_pause_before_purge_ms, o.id);
      std::this_thread::sleep_for(std::chrono::milliseconds(ctx.test_pause_before_purge_ms));
    }
    // Every file is durable: purge the run's events and close it, in one transaction.
    auto purge = comp.exec_pipeline(
        {{"DELETE FROM events WHERE id BETWEEN $1 AND $2",
          {std::to_string(o.info.first_event_id), std::to_string(o.info.last_event_id)}},
         {"UPDATE runs SET completed_at = now(), events = $2, files = $3::text[] WHERE id = $1",
          {std::to_string(o.id), std::to_string(events->size()), names}}});
    if (!purge) return purge.error();
    report.written += static_cast<int64_t>(events->size());
    ++report.runs;
    spdlog::info("compliance: run {} wrote {} events in {} file(s)", o.id, events->size(),
                 files->size());
  }
}

Result<CycleReport> run_cycle(pg::Connection& mgc, pg::Connection& comp, const CycleContext& ctx) {
  CycleReport report;
  auto config = load_config(mgc);
  if (!config) return config.error();
  auto moved = move_outbox(mgc, comp, ctx.domain);
  if (!moved) return moved.error();
  report.moved = *moved;
  if (auto st = process_events(comp, *config, ctx, report); !st) return st.error();
  auto r = mgc.exec(
      "UPDATE compliance_status SET holder = $1, last_run_at = now(), last_run_events = $2, "
      "last_file = CASE WHEN $3 = '' THEN last_file ELSE $3 END, last_error = '', "
      "updated_at = now() WHERE id = 1",
      {ctx.server, std::to_string(report.written),
       report.files.empty() ? std::string() : report.files.back()});
  if (!r) return r.error();
  return report;
}

void record_error(pg::Connection& mgc, const std::string& error) {
  if (!mgc.connected()) return;
  (void)mgc.exec(
      "UPDATE compliance_status SET last_error = $1, last_error_at = now(), updated_at = now() "
      "WHERE id = 1",
      {error});
}

}  // namespace pchat::compliance
