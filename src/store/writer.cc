#include "store/writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace pchat::store {

using namespace std::chrono_literals;

namespace {

// Pool-wide: every writer takes this lock before its INSERT, so ids are allocated
// in commit order and each batch's ids are contiguous (see message_stream.h).
// The pool-wide message lock, and the fence: the commit fails (25006, read-only)
// when the store carries a lower pool-state epoch than this server has seen.
constexpr const char* kLockSql =
    "SELECT pg_advisory_xact_lock($2::bigint), pchat_fence_check($1::bigint)";

// One batch: insert in submission order, notify listeners of the id range in the
// same transaction (NOTIFY is delivered at commit, in commit order).
constexpr const char* kInsertSql = R"sql(
WITH ins AS (
  INSERT INTO messages (msgid, target, sender, account, command, tags, body, ts)
  SELECT m, t, s, a, c, g, b, timestamptz 'epoch' + u * interval '1 microsecond'
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
              $7::text[], $8::bigint[]) WITH ORDINALITY AS x(m, t, s, a, c, g, b, u, n)
  ORDER BY n
  RETURNING id, msgid
), note AS (
  SELECT pg_notify('pchat_messages', $9 || ' ' || min(id) || ' ' || max(id)) FROM ins
)
SELECT ins.id, ins.msgid FROM ins CROSS JOIN note ORDER BY ins.id
)sql";

// The batch's compliance events, in submission order (ids in commit order: the
// message lock is held). CHAT rows reference their message by msgid.
constexpr const char* kOutboxSql = R"sql(
INSERT INTO compliance_outbox (event_type, room, room_name, account, nick, content, msgid, ts)
SELECT e, r, rn, a, k, c, m, timestamptz 'epoch' + u * interval '1 microsecond'
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
            $7::text[], $8::bigint[]) WITH ORDINALITY AS x(e, r, rn, a, k, c, m, u, n)
ORDER BY n
)sql";

// Appends the outbox statement for `batch`'s events, if any. Returns their count.
size_t add_outbox_statement(const std::vector<PendingWrite>& batch,
                            std::vector<pg::Connection::Statement>& out) {
  std::string a_type = "{", a_room = "{", a_name = "{", a_account = "{", a_nick = "{",
              a_content = "{", a_msgid = "{", a_ts = "{";
  size_t n = 0;
  for (const auto& w : batch) {
    if (!w.event) continue;
    const OutboxEvent& e = *w.event;
    const bool chat = !w.event_only;
    pg::append_array_element(a_type, e.type);
    pg::append_array_element(a_room, e.room);
    pg::append_array_element(a_name, e.room_name);
    pg::append_array_element(a_account, e.account);
    pg::append_array_element(a_nick, e.nick);
    pg::append_array_element(a_content, chat ? w.row.body : e.content);
    pg::append_array_element(a_msgid, chat ? w.row.msgid : e.msgid);
    if (a_ts.size() > 1) a_ts.push_back(',');
    a_ts += std::to_string(chat ? w.row.ts_us : e.ts_us);
    ++n;
  }
  if (n == 0) return 0;
  for (auto* s : {&a_type, &a_room, &a_name, &a_account, &a_nick, &a_content, &a_msgid, &a_ts}) {
    s->push_back('}');
  }
  out.push_back({kOutboxSql,
                 {a_type, a_room, a_name, a_account, a_nick, a_content, a_msgid, a_ts},
                 "pchat_writer_outbox"});
  return n;
}

}  // namespace

Writer::Writer(std::shared_ptr<StoreTarget> target, std::string writer_id, Sink sink,
               MetricsRegistry& metrics)
    : target_(std::move(target)),
      writer_id_(std::move(writer_id)),
      sink_(std::move(sink)),
      committed_(metrics.counter("pchat_messages_committed_total",
                                 "Messages durably committed to the store")),
      failed_(metrics.counter("pchat_messages_not_stored_total",
                              "Messages refused because the store could not commit them")),
      batches_(metrics.counter("pchat_commit_batches_total", "Group commits performed")),
      events_(metrics.counter("pchat_compliance_events_recorded_total",
                              "Compliance events committed to the outbox")),
      batch_size_(metrics.histogram("pchat_commit_batch_size", "Messages per group commit",
                                    {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096})),
      commit_seconds_(metrics.histogram("pchat_commit_seconds", "Latency of one group commit",
                                        latency_buckets_seconds())),
      queue_depth_(metrics.gauge("pchat_commit_queue_depth", "Messages waiting to be committed")) {}

Writer::~Writer() {
  stop();
}

void Writer::start() {
  thread_ = std::thread([this] { run(); });
}

void Writer::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Writer::submit(PendingWrite write) {
  {
    std::lock_guard lk(mu_);
    if (stopping_ || queue_.size() >= kMaxQueue) return false;
    queue_.push_back(std::move(write));
    queue_depth_.set(static_cast<int64_t>(queue_.size()));
  }
  cv_.notify_one();
  return true;
}

void Writer::ensure_connected() {
  auto now = std::chrono::steady_clock::now();
  if (conn_.connected()) return;
  // The pool moved to another store since the last try: try it now, not after the
  // backoff built up against the store that is gone.
  if (target_->generation() != generation_) {
    next_connect_ = now;
    backoff_ = 100ms;
  }
  if (now < next_connect_) return;
  generation_ = target_->generation();
  auto c = pg::Connection::connect(target_->conninfo(), "pchatd-writer");
  if (c) {
    conn_ = std::move(*c);
    backoff_ = 100ms;
    if (!available_.exchange(true)) spdlog::info("store: writer connected");
    return;
  }
  if (available_.exchange(false) || !warned_) {
    spdlog::error("store: writer cannot reach the store: {}", c.error().message);
    warned_ = true;
  }
  next_connect_ = now + backoff_;
  backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(2000));
}

void Writer::lost_connection(const std::string& why) {
  available_.store(false);
  conn_.reset();
  spdlog::error("store: writer lost its connection: {}", why);
}

void Writer::run() {
  ensure_connected();
  std::vector<PendingWrite> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lk(mu_);
      bool woken = cv_.wait_for(lk, kIdleCheck, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) break;
      if (woken) {
        size_t n = std::min(queue_.size(), kMaxBatch);
        batch.reserve(n);
        for (size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        queue_depth_.set(static_cast<int64_t>(queue_.size()));
      }
    }
    if (conn_.connected() && generation_ != target_->generation()) {
      lost_connection("the pool moved to store " + target_->name());
    }
    ensure_connected();
    if (batch.empty()) {
      // Idle: keep /healthz truthful by probing the link.
      if (conn_.connected()) {
        auto r = conn_.exec("SELECT 1");
        if (!r) lost_connection(r.error().message);
      }
      continue;
    }
    Status st = ok_status();
    if (!conn_.connected()) {
      st = make_error(ErrorKind::kUnavailable, "the message store is unavailable");
    } else {
      st = commit(batch);
      if (!st && !conn_.connected()) lost_connection(st.error().message);
    }
    if (!st) {
      failed_.inc(static_cast<uint64_t>(
          std::count_if(batch.begin(), batch.end(), [](const auto& w) { return !w.event_only; })));
    }
    sink_(std::move(batch), st);
    batch = {};
  }
}

BatchStatements batch_statements(const std::vector<PendingWrite>& batch, int64_t min_epoch,
                                 const std::string& writer_id, bool capture) {
  std::string a_msgid = "{", a_target = "{", a_sender = "{", a_account = "{", a_cmd = "{",
              a_tags = "{", a_body = "{", a_ts = "{";
  BatchStatements out;
  for (const auto& w : batch) {
    if (w.event_only) continue;
    const auto& r = w.row;
    pg::append_array_element(a_msgid, r.msgid);
    pg::append_array_element(a_target, r.target);
    pg::append_array_element(a_sender, r.sender);
    pg::append_array_element(a_account, r.account);
    pg::append_array_element(a_cmd, r.command);
    pg::append_array_element(a_tags, r.tags);
    pg::append_array_element(a_body, r.body);
    if (a_ts.size() > 1) a_ts.push_back(',');
    a_ts += std::to_string(r.ts_us);
    ++out.messages;
  }
  for (auto* s : {&a_msgid, &a_target, &a_sender, &a_account, &a_cmd, &a_tags, &a_body, &a_ts}) {
    s->push_back('}');
  }
  // Prepared on the writer's session: parsed and planned once, not per batch.
  out.statements.push_back({kLockSql,
                            {std::to_string(min_epoch), std::to_string(kMessageLockKey)},
                            "pchat_writer_lock"});
  if (out.messages > 0) {
    out.statements.push_back(
        {kInsertSql,
         {a_msgid, a_target, a_sender, a_account, a_cmd, a_tags, a_body, a_ts, writer_id},
         "pchat_writer_insert"});
  }
  out.events = capture ? add_outbox_statement(batch, out.statements) : 0;
  return out;
}

Status Writer::commit(std::vector<PendingWrite>& batch) {
  // The notification names this commit, so the stream can take exactly its rows
  // from the handoff (store/commit_handoff.h).
  const uint64_t number = ++commits_;
  BatchStatements planned = batch_statements(batch, target_->min_epoch(),
                                             writer_id_ + " " + std::to_string(number), capture_);
  const std::vector<pg::Connection::Statement>& statements = planned.statements;
  const size_t messages = planned.messages, events = planned.events;
  if (statements.size() == 1) return ok_status();  // event-only writes, capture off
  auto t0 = std::chrono::steady_clock::now();
  auto results = conn_.exec_pipeline(statements);
  auto dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!results) return results.error();
  // Committed: count it now. The message stream got the NOTIFY at commit and may
  // deliver (and acknowledge) a moment before this thread reads the results, so
  // /metrics can trail the acknowledgements briefly.
  committed_.inc(messages);
  if (results->size() != statements.size()) {
    return make_error(ErrorKind::kInternal, "commit returned an unexpected result count");
  }
  if (events > 0 && results->back().affected() != static_cast<int64_t>(events)) {
    return make_error(ErrorKind::kInternal, "commit recorded an unexpected event count");
  }
  if (messages > 0) {
    const pg::ResultSet* r = &(*results)[1];
    if (r->rows() != static_cast<int>(messages)) {
      return make_error(ErrorKind::kInternal, "commit returned an unexpected row count");
    }
    int i = 0;
    for (auto& w : batch) {
      if (w.event_only) continue;
      // RETURNING follows insertion order (ORDER BY n); check rather than trust.
      if (r->get(i, 1) != w.row.msgid) {
        return make_error(ErrorKind::kInternal, "commit returned rows out of order");
      }
      w.id = r->i64(i, 0);
      ++i;
    }
    if (handoff_ != nullptr) {
      std::vector<HistoryRow> rows;
      rows.reserve(messages);
      for (const auto& w : batch) {
        if (w.event_only) continue;
        const MessageRow& m = w.row;
        rows.push_back(HistoryRow{w.id, m.msgid, m.target, m.sender, m.account, m.command, m.tags,
                                  m.body, m.ts_us});
      }
      handoff_->publish(number, std::move(rows));
    }
  }
  events_.inc(events);
  batches_.inc();
  batch_size_.observe(static_cast<double>(batch.size()));
  commit_seconds_.observe(dt);
  return ok_status();
}

}  // namespace pchat::store
