// pchat-bench: an IRC load generator measuring deliveries per second and
// end-to-end latency (from the send time carried in each message).
//
// Scenarios:
//   fanout   --clients N --rooms R --senders S --rate M --duration D
//            N clients spread over R rooms; S of them post M messages/s each
//            (open loop: on a timer, whatever the server does); rate 0 = as fast
//            as possible with at most --window messages in flight per sender
//            (needs echo-message; an echo is the commit acknowledgement).
//   idle     --clients N: connect and register N clients, hold them --duration
//            seconds, report connect rate and (with --server-pid) the server's
//            resident memory per client.
// With --server-pid every scenario also reports the CPU time the server used while
// measured: its own, and with every process under it (pchatd's PostgreSQL when
// pchatd started it), as milliseconds and as microseconds per delivery.
//   history  --clients N: each client joins the room (#bench0 with --rooms 1) with
//            draft/chathistory and asks, one request at a time, CHATHISTORY
//            LATEST / BEFORE timestamp / BETWEEN timestamps, 100 messages each;
//            "delivered" counts completed requests and latency is request to end
//            of batch. Fill the room first with bench/populate_history.sh, before
//            pchatd starts.
// Every message body is "<send time ns> <sender> <seq>", so any receiver computes
// its latency; clocks are the same machine's steady clock.
//
// Works against any IRC server (pchatd, InspIRCd...): plain RFC registration, and
// echo-message only when the server offers it.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 6667;
  std::string scenario = "fanout";
  int clients = 100;
  int rooms = 1;
  int senders = 10;
  int rate = 100;  // per sender per second; 0 = as fast as possible
  int window = 32;
  double duration = 10;
  double warmup = 1;
  int server_pid = 0;
  std::string prefix = "b";
  std::string json_out;
};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

struct Stats {
  std::vector<int64_t> latencies_ns;  // measured deliveries (after warm-up)
  uint64_t sent = 0, delivered = 0, echoes = 0, errors = 0;
  int registered = 0, joined = 0, disconnected = 0, echo_clients = 0;
  bool measuring = false;
};

// The command (or numeric) of a line without tags: ":src CMD ..." or "CMD ...".
std::string command_of(const std::string& line) {
  size_t start = 0;
  if (!line.empty() && line[0] == ':') {
    start = line.find(' ');
    if (start == std::string::npos) return "";
    ++start;
  }
  size_t end = line.find(' ', start);
  return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(asio::io_context& io, const Options& o, Stats& st, int index)
      : io_(io), o_(o), st_(st), index_(index), sock_(io), timer_(io) {
    nick_ = fmt::format("{}{}", o.prefix, index);
    room_ = fmt::format("#bench{}", index % std::max(1, o.rooms));
  }

  asio::awaitable<void> run(bool sender) {
    auto self = shared_from_this();
    try {
      tcp::endpoint ep(asio::ip::make_address(o_.host), o_.port);
      co_await sock_.async_connect(ep, asio::use_awaitable);
      sock_.set_option(tcp::no_delay(true));
      co_await write(fmt::format("CAP LS 302\r\nNICK {}\r\nUSER {} 0 * :bench\r\n", nick_, nick_));
      // Registration: request echo-message when offered, then wait for 001.
      bool registered = false;
      while (!registered) {
        std::string line = co_await read_line();
        if (line.find(" CAP ") != std::string::npos && line.find(" LS ") != std::string::npos) {
          bool more = line.find(" LS * ") != std::string::npos;
          if (line.find("echo-message") != std::string::npos) echo_ = true;
          if (line.find("draft/chathistory") != std::string::npos) history_cap_ = true;
          if (!more) {
            std::string req;
            if (echo_) req += "echo-message ";
            if (o_.scenario == "history" && history_cap_) req += "draft/chathistory batch ";
            if (!req.empty()) {
              req.pop_back();
              co_await write("CAP REQ :" + req + "\r\n");
            }
            co_await write("CAP END\r\n");
          }
        } else if (line.find(" 001 ") != std::string::npos) {
          registered = true;
        } else if (line.find(" 433 ") != std::string::npos || line.rfind("ERROR", 0) == 0) {
          throw std::runtime_error("registration refused: " + line);
        } else if (line.rfind("PING", 0) == 0) {
          co_await write("PONG" + line.substr(4) + "\r\n");
        }
      }
      ++st_.registered;
      if (echo_) ++st_.echo_clients;
      // Closed loop counts an echo as the acknowledgement; without echo-message a
      // sender would stall after --window messages, so refuse clearly instead.
      if (sender && o_.rate == 0 && !echo_) {
        throw std::runtime_error("--rate 0 needs echo-message, which the server does not offer");
      }
      co_await write(fmt::format("JOIN {}\r\n", room_));
      for (;;) {
        std::string line = co_await read_line();
        std::string cmd = command_of(line);
        if (cmd == "366") break;
        if (cmd == "471" || cmd == "473" || cmd == "474" || cmd == "475" || cmd == "477" ||
            cmd == "403" || cmd == "405") {
          throw std::runtime_error("join refused: " + line);
        }
      }
      ++st_.joined;
      if (o_.scenario == "history") {
        if (!history_cap_) throw std::runtime_error("the server does not offer draft/chathistory");
        asio::co_spawn(io_, history_loop(), asio::detached);
      } else if (sender) {
        asio::co_spawn(io_, send_loop(), asio::detached);
      }
      for (;;) handle(co_await read_line());
    } catch (const std::exception& e) {
      if (!stopping_) {
        ++st_.disconnected;
        if (st_.disconnected <= 3) std::cerr << nick_ << ": " << e.what() << "\n";
      }
    }
  }

  void stop() {
    stopping_ = true;
    boost::system::error_code ec;
    sock_.close(ec);
    timer_.cancel();
  }

  std::string nick_;
  bool echo_ = false;

 private:
  asio::awaitable<void> send_loop() {
    auto self = shared_from_this();
    const bool closed_loop = o_.rate == 0;
    auto interval = std::chrono::nanoseconds(closed_loop ? 0 : 1000000000LL / o_.rate);
    // Spread the senders' ticks over one interval: senders all start at about the
    // same moment, and in phase they would post in bursts of --senders messages.
    auto next =
        Clock::now() + interval * (index_ % std::max(1, o_.senders)) / std::max(1, o_.senders);
    try {
      while (!stopping_) {
        if (closed_loop) {
          if (in_flight_ >= o_.window) {
            timer_.expires_after(std::chrono::milliseconds(50));
            boost::system::error_code ec;
            co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
          }
        } else {
          next += interval;
          timer_.expires_at(next);
          boost::system::error_code ec;
          co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          if (stopping_) break;
        }
        ++in_flight_;
        ++seq_;
        if (st_.measuring) ++st_.sent;
        co_await write(fmt::format("PRIVMSG {} :{} {} {}\r\n", room_, now_ns(), nick_, seq_));
      }
    } catch (const std::exception&) {
    }
  }

  // History scenario: one CHATHISTORY request at a time per client, cycling through
  // LATEST, BEFORE and BETWEEN (100 messages each, the newest part of the room);
  // latency is from the request to the end of its batch.
  asio::awaitable<void> history_loop() {
    auto self = shared_from_this();
    try {
      while (!stopping_) {
        const auto now_s =
            std::chrono::system_clock::now().time_since_epoch() / std::chrono::seconds(1);
        std::string ts_now = iso_utc(now_s + 1), ts_old = iso_utc(now_s - 30 * 86400);
        std::string req;
        switch (seq_++ % 3) {
          case 0:
            req = fmt::format("CHATHISTORY LATEST {} * 100\r\n", room_);
            break;
          case 1:
            req = fmt::format("CHATHISTORY BEFORE {} timestamp={} 100\r\n", room_, ts_now);
            break;
          default:
            req = fmt::format("CHATHISTORY BETWEEN {} timestamp={} timestamp={} 100\r\n", room_,
                              ts_now, ts_old);
        }
        history_sent_at_ = now_ns();
        history_waiting_ = true;
        if (st_.measuring) ++st_.sent;
        co_await write(req);
        while (history_waiting_ && !stopping_) {
          timer_.expires_after(std::chrono::seconds(30));
          boost::system::error_code ec;
          co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
      }
    } catch (const std::exception&) {
    }
  }

  static std::string iso_utc(int64_t unix_s) {
    std::time_t t = static_cast<std::time_t>(unix_s);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    return buf;
  }

  void handle(const std::string& line) {
    if (history_waiting_) {
      const std::string cmd = command_of(line);
      if (cmd == "BATCH" && line.find(" -") != std::string::npos) {
        if (st_.measuring) {
          ++st_.delivered;
          st_.latencies_ns.push_back(now_ns() - history_sent_at_);
        }
        history_waiting_ = false;
        timer_.cancel();
        return;
      }
      if (cmd == "FAIL") {
        ++st_.errors;
        history_waiting_ = false;
        timer_.cancel();
        return;
      }
    }
    // History replies carry stored PRIVMSGs: they are not deliveries.
    auto p = o_.scenario == "history" ? std::string::npos : line.find(" PRIVMSG ");
    if (p == std::string::npos) {
      if (line.rfind("PING", 0) == 0) {
        asio::co_spawn(io_, write("PONG" + line.substr(4) + "\r\n"), asio::detached);
      } else if (line.find(" FAIL ") != std::string::npos || line.rfind("FAIL", 0) == 0 ||
                 line.find(" 404 ") != std::string::npos) {
        ++st_.errors;
        if (in_flight_ > 0) --in_flight_;
      }
      return;
    }
    auto colon = line.find(" :", p);
    if (colon == std::string::npos) return;
    const char* body = line.c_str() + colon + 2;
    char* end = nullptr;
    long long sent = std::strtoll(body, &end, 10);
    if (end == body) return;
    bool own = line.size() > 1 && line.compare(1, nick_.size() + 1, nick_ + "!") == 0;
    if (own) {
      if (in_flight_ > 0) --in_flight_;
      if (st_.measuring) ++st_.echoes;
      return;
    }
    if (!st_.measuring) return;
    ++st_.delivered;
    st_.latencies_ns.push_back(now_ns() - sent);
  }

  asio::awaitable<void> write(std::string data) {
    auto self = shared_from_this();
    out_queue_.push_back(std::move(data));
    if (writing_) co_return;
    writing_ = true;
    while (!out_queue_.empty()) {
      std::string chunk;
      for (auto& s : out_queue_) chunk += s;
      out_queue_.clear();
      co_await asio::async_write(sock_, asio::buffer(chunk), asio::use_awaitable);
    }
    writing_ = false;
  }

  asio::awaitable<std::string> read_line() {
    for (;;) {
      auto nl = buf_.find('\n', scan_);
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        scan_ = 0;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        // Drop tags: the bench reads sources, commands and bodies only.
        if (!line.empty() && line[0] == '@') {
          auto sp = line.find(' ');
          line = sp == std::string::npos ? std::string() : line.substr(sp + 1);
        }
        co_return line;
      }
      scan_ = buf_.size();
      char tmp[16384];
      size_t n = co_await sock_.async_read_some(asio::buffer(tmp), asio::use_awaitable);
      buf_.append(tmp, n);
    }
  }

  asio::io_context& io_;
  const Options& o_;
  Stats& st_;
  int index_;
  tcp::socket sock_;
  asio::steady_timer timer_;
  std::string room_;
  std::string buf_;
  size_t scan_ = 0;
  std::vector<std::string> out_queue_;
  bool writing_ = false;
  bool history_cap_ = false;
  bool history_waiting_ = false;
  int64_t history_sent_at_ = 0;
  bool stopping_ = false;
  int in_flight_ = 0;
  uint64_t seq_ = 0;
};

long rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      long v = 0;
      in >> v;
      return v;
    }
    std::string rest;
    std::getline(in, rest);
  }
  return -1;
}

// utime + stime of `pid` (clock ticks) and its parent's PID, from /proc/PID/stat.
struct ProcCpu {
  long ticks = 0;
  int ppid = 0;
};
std::optional<ProcCpu> proc_cpu(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  auto paren = stat.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(paren + 2));
  // Fields 3.. : state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  std::string state;
  ProcCpu c;
  long skip = 0, utime = 0, stime = 0;
  rest >> state >> c.ppid;
  for (int i = 0; i < 9; ++i) rest >> skip;
  rest >> utime >> stime;
  if (!rest) return std::nullopt;
  c.ticks = utime + stime;
  return c;
}

// CPU milliseconds used so far by `pid` alone and by `pid` with every process under it.
struct TreeCpu {
  double own_ms = 0, tree_ms = 0;
};
TreeCpu tree_cpu(int pid) {
  std::map<int, ProcCpu> all;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (auto c = proc_cpu(std::stoi(name))) all[std::stoi(name)] = *c;
  }
  const double ms_per_tick = 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  TreeCpu out;
  if (auto it = all.find(pid); it != all.end()) out.own_ms = it->second.ticks * ms_per_tick;
  for (const auto& [p, c] : all) {
    for (int up = p; up > 1;) {
      if (up == pid) {
        out.tree_ms += c.ticks * ms_per_tick;
        break;
      }
      auto it = all.find(up);
      up = it == all.end() ? 0 : it->second.ppid;
    }
  }
  return out;
}

double pct(std::vector<int64_t>& v, double p) {
  if (v.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return static_cast<double>(v[i]) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"pchat-bench: IRC load generator (deliveries/s, end-to-end latency)"};
  app.add_option("--host", o.host, "Server address (loopback only)");
  app.add_option("--port", o.port, "Server IRC port");
  app.add_option("--scenario", o.scenario, "fanout or idle")
      ->check(CLI::IsMember({"fanout", "idle", "history"}));
  app.add_option("--clients", o.clients, "Connections to open")->check(CLI::PositiveNumber);
  app.add_option("--rooms", o.rooms, "Rooms the clients are spread over")
      ->check(CLI::PositiveNumber);
  app.add_option("--senders", o.senders, "How many clients post (fanout)");
  app.add_option("--rate", o.rate, "Messages/s per sender; 0 = as fast as possible (closed loop)");
  app.add_option("--window", o.window, "In-flight messages per sender when --rate 0");
  app.add_option("--duration", o.duration, "Seconds of measurement");
  app.add_option("--warmup", o.warmup, "Seconds of traffic before measuring");
  app.add_option("--server-pid", o.server_pid,
                 "Server PID, to report its resident memory and CPU time");
  app.add_option("--nick-prefix", o.prefix, "Prefix of the clients' nicks");
  app.add_option("--json", o.json_out, "Also write the results as JSON to this file");
  CLI11_PARSE(app, argc, argv);

  asio::io_context io(1);
  Stats st;
  st.latencies_ns.reserve(1 << 22);
  std::vector<std::shared_ptr<Client>> clients;
  long rss_before = o.server_pid ? rss_kib(o.server_pid) : -1;
  auto t_connect = Clock::now();
  for (int i = 0; i < o.clients; ++i) {
    auto c = std::make_shared<Client>(io, o, st, i);
    clients.push_back(c);
    bool sender = o.scenario == "fanout" && i < o.senders;
    asio::co_spawn(io, c->run(sender), asio::detached);
  }
  // Phases: wait for everyone to join, warm up, measure, stop.
  asio::steady_timer phase(io);
  double connect_s = 0;
  long rss_after = -1;
  TreeCpu cpu_before, cpu_after;
  std::function<void()> wait_joined = [&] {
    if (st.joined + st.disconnected < o.clients) {
      phase.expires_after(std::chrono::milliseconds(20));
      phase.async_wait([&](auto) { wait_joined(); });
      return;
    }
    connect_s = std::chrono::duration<double>(Clock::now() - t_connect).count();
    phase.expires_after(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup)));
    phase.async_wait([&](auto) {
      st.measuring = true;
      if (o.server_pid) {
        rss_after = rss_kib(o.server_pid);
        cpu_before = tree_cpu(o.server_pid);
      }
      phase.expires_after(
          std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration)));
      phase.async_wait([&](auto) {
        st.measuring = false;
        if (o.server_pid) cpu_after = tree_cpu(o.server_pid);
        for (auto& c : clients) c->stop();
        io.stop();
      });
    });
  };
  wait_joined();
  io.run();

  double rate = static_cast<double>(st.delivered) / o.duration;
  double p50 = pct(st.latencies_ns, 0.50), p99 = pct(st.latencies_ns, 0.99);
  double maxv =
      st.latencies_ns.empty()
          ? 0
          : static_cast<double>(*std::max_element(st.latencies_ns.begin(), st.latencies_ns.end())) /
                1e6;
  fmt::print("scenario={} clients={} rooms={} senders={} rate={} duration={}s\n", o.scenario,
             o.clients, o.rooms, o.senders, o.rate, o.duration);
  fmt::print("joined={} disconnected={} connect_time={:.2f}s\n", st.joined, st.disconnected,
             connect_s);
  fmt::print("sent={} echoes={} errors={} delivered={} deliveries_per_s={:.0f}\n", st.sent,
             st.echoes, st.errors, st.delivered, rate);
  fmt::print("latency_ms p50={:.3f} p99={:.3f} max={:.3f}\n", p50, p99, maxv);
  double per_client_kib = rss_after > 0 && rss_before > 0 && st.joined > 0
                              ? static_cast<double>(rss_after - rss_before) / st.joined
                              : -1;
  if (o.server_pid && rss_after > 0) {
    fmt::print("server_rss_kib before={} after={} per_client_kib={:.2f}\n", rss_before, rss_after,
               per_client_kib);
  }
  const double cpu_ms = cpu_after.own_ms - cpu_before.own_ms;
  const double tree_ms = cpu_after.tree_ms - cpu_before.tree_ms;
  const auto per_delivery_us = [&](double ms) {
    return st.delivered > 0 ? ms * 1000.0 / static_cast<double>(st.delivered) : 0.0;
  };
  if (o.server_pid) {
    fmt::print(
        "server_cpu_ms own={:.0f} with_children={:.0f} us_per_delivery own={:.3f} "
        "with_children={:.3f}\n",
        cpu_ms, tree_ms, per_delivery_us(cpu_ms), per_delivery_us(tree_ms));
  }
  if (!o.json_out.empty()) {
    std::ofstream out(o.json_out);
    out << fmt::format(
        "{{\"scenario\":\"{}\",\"clients\":{},\"rooms\":{},\"senders\":{},\"rate\":{},"
        "\"joined\":{},\"disconnected\":{},\"sent\":{},\"delivered\":{},\"errors\":{},"
        "\"deliveries_per_s\":{:.1f},\"p50_ms\":{:.3f},\"p99_ms\":{:.3f},\"max_ms\":{:.3f},"
        "\"rss_before_kib\":{},\"rss_after_kib\":{},\"per_client_kib\":{:.2f},"
        "\"duration_s\":{},\"window\":{},\"echoes\":{},\"echo_clients\":{},"
        "\"connect_s\":{:.3f},\"server_cpu_ms\":{:.1f},\"server_tree_cpu_ms\":{:.1f},"
        "\"server_cpu_us_per_delivery\":{:.4f},\"server_tree_cpu_us_per_delivery\":{:.4f}}}\n",
        o.scenario, o.clients, o.rooms, o.senders, o.rate, st.joined, st.disconnected, st.sent,
        st.delivered, st.errors, rate, p50, p99, maxv, rss_before, rss_after, per_client_kib,
        o.duration, o.window, st.echoes, st.echo_clients, connect_s, cpu_ms, tree_ms,
        per_delivery_us(cpu_ms), per_delivery_us(tree_ms));
  }
  return st.joined == o.clients ? 0 : 1;
}
