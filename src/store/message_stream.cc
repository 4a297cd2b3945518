#include "store/message_stream.h"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>

namespace pchat::store {

using namespace std::chrono_literals;

namespace {

// The integer `s` spells exactly, or -1.
int64_t id_of(std::string_view s) {
  int64_t v = -1;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() ? v : -1;
}

}  // namespace

MessageStream::MessageStream(std::shared_ptr<StoreTarget> target, Sink sink,
                             PoolStateHook pool_state_hook, MetricsRegistry& metrics)
    : target_(std::move(target)),
      sink_(std::move(sink)),
      pool_state_hook_(std::move(pool_state_hook)),
      rows_(metrics.counter("pchat_stream_rows_total",
                            "Committed messages read from the store's message stream")),
      handed_rows_(metrics.counter("pchat_stream_rows_from_writer_total",
                                   "Of those, rows this server's writer handed over (not read "
                                   "back from the store)")),
      reconnects_(metrics.counter("pchat_stream_connects_total",
                                  "Times the message stream (re)connected and caught up")) {}

MessageStream::~MessageStream() {
  stop();
}

void MessageStream::start(int64_t after_id) {
  fetched_upto_ = after_id;
  thread_ = std::thread([this] { run(); });
}

void MessageStream::stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

Status MessageStream::fetch(int64_t upto) {
  for (;;) {
    std::string sql = std::string("SELECT ") + kHistoryColumns +
                      " FROM messages WHERE id > $1 AND ($2::bigint < 0 OR id <= $2::bigint)"
                      " ORDER BY id LIMIT " +
                      std::to_string(kFetchChunk);
    auto r = conn_.exec(sql, {std::to_string(fetched_upto_), std::to_string(upto)});
    if (!r) return r.error();
    auto rows = decode_history(*r);
    if (rows.empty()) return ok_status();
    fetched_upto_ = rows.back().id;
    const size_t n = rows.size();
    rows_.inc(n);
    sink_(std::move(rows));
    if (n < static_cast<size_t>(kFetchChunk)) return ok_status();
  }
}

MessageStream::Note MessageStream::parse_note(std::string_view payload,
                                              const std::string& own_writer) {
  Note n;
  auto last_sp = payload.rfind(' ');
  if (last_sp == std::string_view::npos) return n;
  n.last = id_of(payload.substr(last_sp + 1));
  auto head = payload.substr(0, last_sp);
  auto first_sp = head.rfind(' ');
  if (first_sp == std::string_view::npos) return n;
  n.first = id_of(head.substr(first_sp + 1));
  auto writer = head.substr(0, first_sp);  // "<writer id> <commit number>" for ours
  auto number_sp = writer.rfind(' ');
  if (own_writer.empty() || number_sp == std::string_view::npos ||
      writer.substr(0, number_sp) != own_writer) {
    return n;
  }
  auto number = id_of(writer.substr(number_sp + 1));
  if (number <= 0) return n;
  n.own = true;
  n.commit = static_cast<uint64_t>(number);
  return n;
}

Status MessageStream::deliver(const std::vector<Note>& notes) {
  int64_t fetch_to = -1;  // read from the store up to here before anything else
  for (const auto& n : notes) {
    if (n.last <= fetched_upto_) continue;
    if (n.own && handoff_ != nullptr) {
      if (fetch_to > fetched_upto_) {
        if (auto st = fetch(fetch_to); !st) return st;
      }
      if (n.first == fetched_upto_ + 1) {
        if (auto rows = handoff_->take(n.commit, n.first, n.last, kHandoffWait)) {
          fetched_upto_ = n.last;
          rows_.inc(rows->size());
          handed_rows_.inc(rows->size());
          sink_(std::move(*rows));
          continue;
        }
      }
    }
    fetch_to = std::max(fetch_to, n.last);
  }
  if (fetch_to > fetched_upto_) return fetch(fetch_to);
  return ok_status();
}

Status MessageStream::listen_and_catch_up() {
  generation_ = target_->generation();
  auto c = pg::Connection::connect(target_->conninfo(), "pchatd-stream");
  if (!c) return c.error();
  conn_ = std::move(*c);
  std::string listen = "LISTEN pchat_messages; LISTEN pchat_pool_state";
  for (const auto& [channel, handler] : listeners_) listen += "; LISTEN " + channel;
  if (auto r = conn_.exec(listen); !r) return r.error();
  if (pool_state_hook_) pool_state_hook_();
  for (const auto& [channel, handler] : listeners_) {
    if (auto st = handler(conn_, nullptr); !st) return st;
  }
  auto newest = conn_.exec("SELECT coalesce(max(id), 0) FROM messages");
  if (!newest) return newest.error();
  if (fetched_upto_ < 0) {
    fetched_upto_ = newest->i64(0, 0);
  } else if (newest->i64(0, 0) < fetched_upto_) {
    // Another store (a failover) that lacks the newest messages this server saw:
    // they were not shipped. Follow the new store from its own end, or its next
    // messages (ids below ours) would be skipped.
    spdlog::warn(
        "store: {} ends at message {}, this server had seen up to {}: {} messages "
        "did not reach it",
        target_->name(), newest->i64(0, 0), fetched_upto_, fetched_upto_ - newest->i64(0, 0));
    fetched_upto_ = newest->i64(0, 0);
  }
  reconnects_.inc();
  return fetch(-1);
}

void MessageStream::run() {
  auto backoff = 100ms;
  bool warned = false;
  while (!stopping_.load()) {
    if (conn_.connected() && generation_ != target_->generation()) {
      spdlog::info("store: message stream moves to store {}", target_->name());
      conn_.reset();
    }
    if (!conn_.connected()) {
      connected_.store(false);
      auto st = listen_and_catch_up();
      if (!st) {
        if (!warned)
          spdlog::error("store: message stream cannot follow the store: {}", st.error().message);
        warned = true;
        conn_.reset();
        // A store that does not answer is retried with backoff; a move of the target
        // (the selector found the pool on another store) is followed at once.
        for (auto waited = 0ms; waited < backoff && !stopping_.load(); waited += 50ms) {
          if (generation_ != target_->generation()) break;
          std::this_thread::sleep_for(50ms);
        }
        backoff = generation_ != target_->generation()
                      ? 100ms
                      : std::min(backoff * 2, std::chrono::milliseconds(2000));
        continue;
      }
      if (warned) spdlog::info("store: message stream following the store again");
      warned = false;
      backoff = 100ms;
      connected_.store(true);
    }
    // Notifications that arrived during a fetch are already in libpq's queue and
    // will not make the socket readable again: take those before waiting.
    notes_.clear();
    bool pool_state_changed = false;
    Status handled = ok_status();
    auto take_notifications = [&] {
      while (PGnotify* note = PQnotifies(conn_.raw())) {
        std::string_view channel(note->relname);
        if (channel == "pchat_pool_state") {
          pool_state_changed = true;
        } else if (channel == "pchat_messages") {
          notes_.push_back(parse_note(note->extra, own_writer_));
        } else {
          for (const auto& [name, handler] : listeners_) {
            if (name == channel && handled) handled = handler(conn_, note->extra);
          }
        }
        PQfreemem(note);
      }
    };
    take_notifications();
    if (notes_.empty() && !pool_state_changed && handled) {
      pollfd pfd{PQsocket(conn_.raw()), POLLIN, 0};
      int n = poll(&pfd, 1, 100);
      if (n <= 0) continue;  // timeout (check stopping_) or EINTR
      if (PQconsumeInput(conn_.raw()) != 1) {
        spdlog::error("store: message stream lost its connection");
        conn_.reset();
        continue;
      }
      take_notifications();
    }
    if (!handled) {
      spdlog::error("store: message stream: {}", handled.error().message);
      conn_.reset();
      continue;
    }
    if (pool_state_changed && pool_state_hook_) pool_state_hook_();
    if (!notes_.empty()) {
      if (auto st = deliver(notes_); !st) {
        spdlog::error("store: message stream fetch failed: {}", st.error().message);
        conn_.reset();
      }
    }
  }
  connected_.store(false);
}

}  // namespace pchat::store
