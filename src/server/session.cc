#include "server/session.h"

#include <spdlog/spdlog.h>

#include "irc/numerics.h"
#include "server/server.h"

namespace pchat::server {

const std::string Session::kStar = "*";

namespace {

// How long a closing session's pending output may take to drain.
constexpr auto kCloseGrace = std::chrono::seconds(5);

}  // namespace

Session::Session(Server& server, Link link, uint64_t id)
    : id_(id),
      server_(server),
      link_(std::move(link)),
      ping_timer_(server.io()),
      resume_(server.io()) {
  boost::system::error_code ec;
  auto ep = link_.socket().remote_endpoint(ec);
  host_ = ec ? "unknown" : ep.address().to_string();
  link_.socket().set_option(tcp::no_delay(true), ec);
  signon_ = std::chrono::system_clock::now();
  last_active_ = last_input_ = flood_refill_at_ = std::chrono::steady_clock::now();
  flood_tokens_ = server.config().flood_burst;
}

Session::~Session() = default;

void Session::set_user(std::string user, std::string realname) {
  user_ = std::move(user);
  realname_ = std::move(realname);
  got_user_ = true;
}

void Session::start() {
  asio::co_spawn(
      server_.io(), [self = shared_from_this()] { return self->read_loop(); }, asio::detached);
  arm_ping_timer();
}

void Session::send_line(std::string_view line) {
  if (closing_) return;
  if (out_.size() + line.size() > server_.config().sendq_bytes) {
    spdlog::warn("client {} ({}) dropped: SendQ exceeded", id_, nick_or_star());
    close("SendQ exceeded");
    return;
  }
  out_.append(line);
  if (!write_in_flight_ && !server_.delivery().defer_flush(*this)) flush();
}

void Session::send(const irc::Message& m) {
  if (closing_) return;
  send_line(line_of(m));
}

void Session::send_after_held(const std::vector<Channel*>& shared, const irc::Message& m) {
  if (closing_) return;
  for (Channel* c : shared) {
    if (auto held = held_.find(c); held != held_.end()) {
      held->second.lines.push_back(line_of(m));
      return;
    }
  }
  send_line(line_of(m));
}

std::string Session::line_of(const irc::Message& m) const {
  bool strip = false;
  for (const auto& t : m.tags) {
    if (!tag_allowed(t.key, caps_)) {
      strip = true;
      break;
    }
  }
  std::string line;
  if (!strip) {
    irc::append_line(line, m);
  } else {
    irc::Message copy = m;
    std::erase_if(copy.tags, [this](const irc::Tag& t) { return !tag_allowed(t.key, caps_); });
    irc::append_line(line, copy);
  }
  return line;
}

void Session::flush() {
  if (write_in_flight_ || out_.empty() || !link_.socket().is_open()) return;
  write_in_flight_ = true;
  server_.delivery().count_socket_write();
  writing_.swap(out_);
  out_.clear();
  link_.async_write(asio::buffer(writing_),
                    [self = shared_from_this()](boost::system::error_code ec, size_t) {
                      self->write_in_flight_ = false;
                      self->writing_.clear();
                      if (ec) {
                        if (!self->closing_) self->close("Write error: " + ec.message());
                        self->link_.close();
                        return;
                      }
                      if (!self->out_.empty()) {
                        self->flush();
                      } else if (self->closing_) {
                        self->link_.finish(self);
                      }
                    });
}

void Session::close(const std::string& reason) {
  if (closing_) return;
  // The ERROR line goes out before we stop accepting output.
  std::string line = "ERROR :Closing link: (" + (user_.empty() ? std::string("*") : user_) + "@" +
                     host_ + ") [" + reason + "]\r\n";
  out_.append(line);
  closing_ = true;
  ping_timer_.cancel();
  queued_.clear();
  resume_.cancel();
  if (!quit_handled_) {
    quit_handled_ = true;
    server_.on_session_closed(*this, reason);
  }
  if (!write_in_flight_) {
    if (out_.empty() || !link_.socket().is_open()) {
      link_.close();
      return;
    }
    flush();
  }
  // A peer that stopped reading (SendQ exceeded) would keep the pending write, and
  // with it this socket, forever: give the output kCloseGrace to drain, then close.
  ping_timer_.expires_after(kCloseGrace);
  ping_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    self->link_.close();
  });
}

bool Session::take_flood_token() {
  const auto& cfg = server_.config();
  if (cfg.flood_burst <= 0 || cfg.flood_rate <= 0) return true;
  auto now = std::chrono::steady_clock::now();
  double dt = std::chrono::duration<double>(now - flood_refill_at_).count();
  flood_refill_at_ = now;
  flood_tokens_ = std::min<double>(cfg.flood_burst, flood_tokens_ + dt * cfg.flood_rate);
  flood_tokens_ -= 1;
  return flood_tokens_ >= 0;
}

void Session::arm_ping_timer() {
  if (closing_) return;
  ping_timer_.expires_after(std::chrono::seconds(server_.config().ping_interval));
  ping_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closing_) return;
    auto idle = std::chrono::steady_clock::now() - self->last_input_;
    // While lines wait for a message to settle, reading may be paused: the client's
    // PONG would not be read, so that is not idleness.
    if (idle >= std::chrono::seconds(self->server_.config().ping_interval) &&
        self->queued_.empty()) {
      if (self->ping_outstanding_) {
        self->close("Ping timeout: " + std::to_string(self->server_.config().ping_interval * 2) +
                    " seconds");
        return;
      }
      self->ping_outstanding_ = true;
      self->send_line("PING :" + self->server_.name() + "\r\n");
    }
    self->arm_ping_timer();
  });
}

asio::awaitable<void> Session::read_loop() {
  auto self = shared_from_this();
  std::string buf;
  buf.reserve(1024);
  char chunk[4096];
  bool skipping = false;  // inside an overlong line, discarding until its LF
  try {
    while (!closing_) {
      size_t n = co_await link_.async_read_some(asio::buffer(chunk), asio::use_awaitable);
      last_input_ = std::chrono::steady_clock::now();
      ping_outstanding_ = false;
      size_t start = 0;
      for (size_t i = 0; i < n && !closing_; ++i) {
        if (chunk[i] != '\n') continue;
        if (skipping) {
          skipping = false;
          start = i + 1;
          continue;
        }
        buf.append(chunk + start, i - start);
        start = i + 1;
        if (!buf.empty() && buf.back() == '\r') buf.pop_back();
        if (!take_flood_token()) {
          close("Excess Flood");
          break;
        }
        auto parsed = irc::parse_line(buf);
        buf.clear();
        if (parsed) {
          take_line({std::move(parsed).value(), irc::LineError::kEmpty});
        } else {
          take_line({std::nullopt, parsed.error()});
        }
      }
      if (closing_) break;
      if (start < n) {
        if (!skipping) buf.append(chunk + start, n - start);
        if (buf.size() > irc::kMaxWireLineBytes) {
          take_line({std::nullopt, irc::LineError::kInputTooLong});
          buf.clear();
          skipping = true;
        }
      }
      while (queued_.size() >= kMaxQueuedLines && !closing_) {  // paused: see session.h
        resume_.expires_at(asio::steady_timer::time_point::max());
        boost::system::error_code ec;
        co_await resume_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
    }
  } catch (const boost::system::system_error& e) {
    if (!closing_) {
      bool eof = e.code() == asio::error::eof || e.code() == asio::error::connection_reset;
      if (eof && !queued_.empty()) {
        input_ended_ = true;  // drain_input closes once the queued lines ran
      } else {
        close(eof ? "Connection closed" : "Read error: " + e.code().message());
      }
    }
  }
  co_return;
}

namespace {

bool is_chat_command(const std::string& command) {
  return command == "PRIVMSG" || command == "NOTICE" || command == "TAGMSG";
}

}  // namespace

void Session::take_line(InputLine&& line) {
  const bool chat = line.message && is_chat_command(line.message->command);
  if (!queued_.empty() || (unsettled_ > 0 && !chat)) {
    queued_.push_back(std::move(line));
    return;
  }
  run_line(std::move(line));
}

void Session::run_line(InputLine&& line) {
  if (line.message) {
    server_.dispatch(*this, std::move(*line.message));
  } else {
    server_.on_line_error(*this, line.error);
  }
}

void Session::message_settled() {
  if (unsettled_ > 0) --unsettled_;
  if (unsettled_ > 0 || drain_posted_ || (queued_.empty() && !input_ended_)) return;
  // Posted: the settling delivery finishes (and releases its Response) first.
  drain_posted_ = true;
  asio::post(server_.io(), [self = shared_from_this()] {
    self->drain_posted_ = false;
    self->drain_input();
  });
}

void Session::drain_input() {
  while (!queued_.empty() && !closing_) {
    InputLine& front = queued_.front();
    if (unsettled_ > 0 && !(front.message && is_chat_command(front.message->command))) break;
    InputLine line = std::move(front);
    queued_.pop_front();
    run_line(std::move(line));
  }
  if (queued_.size() < kMaxQueuedLines) resume_.cancel();
  if (queued_.empty() && input_ended_ && !closing_) close("Connection closed");
}

}  // namespace pchat::server
