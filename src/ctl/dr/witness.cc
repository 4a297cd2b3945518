#include "ctl/dr/witness.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/secret_file.h"
#include "ctl/dr/job.h"
#include "ctl/pool/status.h"
#include "ctl/target/standalone.h"
#include "dr/arbiter/witness_book.h"
#include "dr/cluster/standby.h"
#include "dr/monitor/timed_conn.h"
#include "server/http.h"

namespace pchat::ctl {

namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using dr::StoreRole;
using nlohmann::json;

namespace {

constexpr int kWitnessProbeTimeoutMs = 400;
constexpr auto kProbeEvery = 200ms;
constexpr int64_t kMaxHoldS = 600;
const std::vector<std::string> kPair = {"primary", "mirror"};
constexpr const char* kProbeSql =
    "SELECT pg_is_in_recovery(), (SELECT epoch FROM pool_state WHERE id = 1)";

int64_t witness_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string witness_wall_time() {
  auto now = std::chrono::system_clock::now();
  std::time_t tt = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::string> pool_token(const dr::Topology& t, bool create) {
  return read_secret_file(t.admin_token_file, create);
}

// The witness: book, probes, state file, HTTP.
class Witness {
 public:
  Witness(const dr::Topology& t, fs::path state_file, std::string token)
      : t_(t),
        state_file_(std::move(state_file)),
        token_(std::move(token)),
        book_(kPair, int64_t{t.mirroring.auto_failover_after_s} * 1000, witness_now_ms()) {
    std::ifstream in(state_file_);
    if (in) {
      json st = json::parse(in, nullptr, false);
      if (!st.is_discarded()) book_.restore(st);
    }
  }

  void probe_loop() {
    std::vector<dr::TimedConn> conns;
    for (const auto& name : kPair)
      conns.emplace_back(dr::direct_conninfo(*t_.store(*dr::parse_store_role(name)), "mgc"));
    std::vector<std::pair<std::string, dr::TimedConn>> others;
    for (StoreRole r : {StoreRole::kBackup, StoreRole::kBackupMirror}) {
      if (const dr::Store* s = t_.store(r))
        others.emplace_back(dr::to_string(r), dr::TimedConn(dr::direct_conninfo(*s, "mgc")));
    }
    std::map<std::string, bool> last;
    while (!stop_requested()) {
      for (size_t i = 0; i < kPair.size(); ++i) {
        auto r = conns[i].query(kProbeSql, kWitnessProbeTimeoutMs);
        const bool answers = static_cast<bool>(r) || r.error().kind != ErrorKind::kUnavailable;
        const bool writable = r && r->str(0, 0) == "f";
        const int64_t epoch = r && !r->is_null(0, 1) ? r->i64(0, 1) : 0;
        {
          std::lock_guard lock(mu_);
          book_.observe(kPair[i], answers, writable, epoch, witness_now_ms());
        }
        if (last.count(kPair[i]) == 0 || last[kPair[i]] != answers) {
          spdlog::info("witness: the {} {}", kPair[i],
                       answers ? std::string("answers") + (writable ? " (writable)" : " (standby)")
                               : "does not answer: " + (r ? std::string() : r.error().message));
          last[kPair[i]] = answers;
        }
      }
      for (auto& [name, conn] : others) {
        auto r = conn.query(kProbeSql, kWitnessProbeTimeoutMs);
        std::lock_guard lock(mu_);
        book_.observe_other(name, static_cast<bool>(r), r && r->str(0, 0) == "f",
                            r && !r->is_null(0, 1) ? r->i64(0, 1) : 0);
      }
      std::this_thread::sleep_for(kProbeEvery);
    }
  }

  // SIGHUP: the admin token file read again; a file that cannot be read keeps the
  // token in use (logged).
  void reload_token() {
    auto token = pool_token(t_, /*create=*/false);
    std::lock_guard lock(mu_);
    if (!token) {
      spdlog::error("witness: SIGHUP: cannot read the admin token ({}); the old one stays",
                    token.error().message);
    } else if (*token == token_) {
      spdlog::info("witness: SIGHUP: the admin token is unchanged");
    } else {
      token_ = std::move(*token);
      spdlog::warn("witness: SIGHUP: admin token rotated");
    }
  }

  // One request: status and JSON body (or text for /metrics).
  std::pair<http::status, std::string> handle(const http::request<http::string_body>& req) {
    const std::string target(req.target());
    const bool post = req.method() == http::verb::post;
    if (target == "/metrics" && !post) return {http::status::ok, metrics()};
    auto auth = req.find(http::field::authorization);
    if (auth == req.end() || !server::bearer_matches(auth->value(), token_)) {
      return {http::status::unauthorized, json({{"error", "admin token required"}}).dump()};
    }
    json body = post ? json::parse(req.body(), nullptr, false) : json::object();
    if (post && !body.is_object())
      return {http::status::bad_request, json({{"error", "a JSON object is expected"}}).dump()};
    std::lock_guard lock(mu_);
    const int64_t now = witness_now_ms();
    if (target == "/witness" && !post) return {http::status::ok, book_.view(now).dump()};
    if (target == "/report" && post) {
      book_.report(body.value("store", std::string()), body, now);
      return {http::status::ok, book_.view(now).dump()};
    }
    if (target == "/grant" && post) return grant(body, now);
    if (target == "/hold" && post) return hold(body, now);
    if (target == "/auto" && post && body.contains("enabled") && body["enabled"].is_boolean()) {
      const bool on = body["enabled"].get<bool>();
      spdlog::warn("witness: automatic failover turned {} by {}", on ? "ON" : "OFF",
                   body.value("by", std::string("an operator")));
      book_.set_auto(on);
      save();
      return {http::status::ok, book_.view(now).dump()};
    }
    return {http::status::not_found, json({{"error", "unknown request " + target}}).dump()};
  }

 private:
  // POST /hold {"seconds": 0..kMaxHoldS, "by"}: 0 releases.
  std::pair<http::status, std::string> hold(const json& body, int64_t now) {
    const json seconds = body.value("seconds", json());
    if (!seconds.is_number_integer() || seconds.get<int64_t>() < 0 ||
        seconds.get<int64_t>() > kMaxHoldS) {
      return {http::status::bad_request,
              json({{"error", "\"seconds\": a whole number from 0 to " + std::to_string(kMaxHoldS) +
                                  " is expected"}})
                  .dump()};
    }
    const int64_t s = seconds.get<int64_t>();
    const std::string by = body.value("by", std::string("an operator"));
    book_.hold(s > 0 ? now + s * 1000 : 0, by);
    if (s > 0) {
      spdlog::warn("witness: automatic failover held for {} s by {} (an operator's failover)", s,
                   by);
    } else {
      spdlog::warn("witness: hold on automatic failover released by {}", by);
    }
    return {http::status::ok, book_.view(now).dump()};
  }

  std::pair<http::status, std::string> grant(const json& body, int64_t now) {
    const std::string from = body.value("from", std::string());
    const std::string to = body.value("to", std::string());
    const std::string why = body.value("why", std::string());
    auto g = book_.grant(from, to, why, now, witness_wall_time());
    if (g.granted) {
      spdlog::critical("witness: GRANTED the promotion of the {} (the {} is gone): {}", to, from,
                       why);
      save();
      return {http::status::ok, json({{"granted", true}, {"why", g.why}}).dump()};
    }
    spdlog::warn("witness: refused the promotion of the {}: {}", to, g.why);
    return {http::status::conflict, json({{"granted", false}, {"why", g.why}}).dump()};
  }

  void save() {
    fs::path tmp = state_file_;
    tmp += ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << book_.state().dump(2) << "\n";
      out.flush();
      if (!out) {
        spdlog::error("witness: cannot write {}", tmp.string());
        return;
      }
    }
    std::error_code ec;
    fs::rename(tmp, state_file_, ec);
    if (ec) spdlog::error("witness: cannot write {}: {}", state_file_.string(), ec.message());
  }

  std::string metrics() {
    std::lock_guard lock(mu_);
    json v = book_.view(witness_now_ms());
    std::string out =
        "# HELP pchat_witness_sees 1 when the witness's last probe of the store answered\n"
        "# TYPE pchat_witness_sees gauge\n";
    for (const auto& [name, s] : v["stores"].items())
      out += "pchat_witness_sees{store=\"" + name + "\"} " +
             (s["answers"].get<bool>() ? "1" : "0") + "\n";
    out +=
        "# HELP pchat_witness_primary 1 for the store the witness holds as the primary\n"
        "# TYPE pchat_witness_primary gauge\n";
    for (const auto& name : kPair)
      out += "pchat_witness_primary{store=\"" + name + "\"} " + (v["primary"] == name ? "1" : "0") +
             "\n";
    out +=
        "# HELP pchat_witness_auto_enabled 1 when automatic failover is on\n"
        "# TYPE pchat_witness_auto_enabled gauge\npchat_witness_auto_enabled " +
        std::string(book_.auto_enabled() ? "1" : "0") +
        "\n# HELP pchat_witness_held_seconds seconds an operator's failover still holds "
        "automatic failover\n# TYPE pchat_witness_held_seconds gauge\npchat_witness_held_seconds " +
        std::to_string(book_.held_ms(witness_now_ms()) / 1000.0) +
        "\n# HELP pchat_witness_grants_total promotions the witness granted\n"
        "# TYPE pchat_witness_grants_total counter\npchat_witness_grants_total " +
        std::to_string(book_.grants()) +
        "\n# HELP pchat_witness_refusals_total promotions the witness refused\n"
        "# TYPE pchat_witness_refusals_total counter\npchat_witness_refusals_total " +
        std::to_string(book_.refusals()) +
        "\n# HELP pchat_mirror_agent_alert 1 when a mirror agent's last decision is an "
        "alert\n# TYPE pchat_mirror_agent_alert gauge\n";
    for (const auto& [name, a] : v["agents"].items())
      out += "pchat_mirror_agent_alert{store=\"" + name + "\",state=\"" +
             a.value("state", std::string()) + "\"} " + (a.value("alert", false) ? "1" : "0") +
             "\n";
    out +=
        "# HELP pchat_mirror_agent_actions_total actions a mirror agent took\n"
        "# TYPE pchat_mirror_agent_actions_total counter\n";
    for (const auto& [name, a] : v["agents"].items()) {
      if (!a.contains("actions") || !a["actions"].is_object()) continue;
      for (const auto& [action, n] : a["actions"].items())
        out += "pchat_mirror_agent_actions_total{store=\"" + name + "\",action=\"" + action +
               "\"} " + n.dump() + "\n";
    }
    return out;
  }

  const dr::Topology& t_;
  fs::path state_file_;
  std::string token_;
  std::mutex mu_;
  dr::WitnessBook book_;
};

void serve_one(Witness& w, asio::ip::tcp::socket sock) {
  timeval tv{2, 0};
  setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  boost::beast::flat_buffer buf;
  http::request<http::string_body> req;
  boost::system::error_code ec;
  http::read(sock, buf, req, ec);
  if (ec) return;
  auto [status, body] = w.handle(req);
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::server, "pchat-witness");
  res.set(http::field::content_type,
          req.target() == "/metrics" ? "text/plain; version=0.0.4" : "application/json");
  res.keep_alive(false);
  res.body() = body + "\n";
  res.prepare_payload();
  http::write(sock, res, ec);
}

}  // namespace

Status mirror_witness(const MirrorArgs& args, std::ostream&) {
  auto t = load_dr_topology(args.topology_file, "mirror");
  if (!t) return t.error();
  if (!t->mirroring.witness) {
    return make_error(ErrorKind::kInvalidInput,
                      "the topology has no [mirroring] witness: nothing to be the witness of");
  }
  if (t->store(StoreRole::kPrimary) == nullptr || t->store(StoreRole::kMirror) == nullptr) {
    return make_error(ErrorKind::kInvalidInput,
                      "a witness needs [stores.primary] and [stores.mirror]");
  }
  auto token = pool_token(*t, /*create=*/true);
  if (!token) return token.error();
  fs::path state = args.state_file.empty()
                       ? fs::absolute(args.topology_file).parent_path() / "witness-state.json"
                       : fs::path(args.state_file);
  install_stop_handlers();
  install_reload_handler();
  Witness w(*t, state, *token);
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io);
  try {
    asio::ip::tcp::resolver resolver(io);
    auto results =
        resolver.resolve(t->mirroring.witness->host, std::to_string(t->mirroring.witness->port));
    auto ep = results.begin()->endpoint();
    acceptor.open(ep.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen();
  } catch (const boost::system::system_error& e) {
    return make_error(
        ErrorKind::kUnavailable,
        "witness: cannot listen on " + t->mirroring.witness->to_string() + ": " + e.what());
  }
  spdlog::info(
      "witness (pid {}): listening on {}, datacenter {}, automatic failover after {} s, "
      "state {}",
      getpid(), t->mirroring.witness->to_string(), t->mirroring.witness_datacenter,
      t->mirroring.auto_failover_after_s, state.string());
  std::thread prober([&w] { w.probe_loop(); });
  while (!stop_requested()) {
    if (take_reload_request()) w.reload_token();
    pollfd p{acceptor.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    boost::system::error_code ec;
    asio::ip::tcp::socket sock(io);
    acceptor.accept(sock, ec);
    if (!ec) serve_one(w, std::move(sock));
  }
  prober.join();
  spdlog::info("witness stopped");
  return ok_status();
}

Result<json> ask_witness(const dr::Topology& t, const std::string& method, const std::string& path,
                         const json& body, int timeout_ms) {
  if (!t.mirroring.witness)
    return make_error(ErrorKind::kNotFound, "the topology has no [mirroring] witness");
  auto token = pool_token(t, /*create=*/false);
  if (!token) return token.error();
  auto reply = http_call(method, t.mirroring.witness->host, t.mirroring.witness->port, path,
                         body.is_null() ? std::string() : body.dump(), timeout_ms, *token);
  if (!reply) return reply.error();
  json j = json::parse(reply->body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) j = json::object();
  j["status"] = reply->status;
  return j;
}

Status mirror_auto(const MirrorArgs& args, std::ostream& out) {
  auto t = load_dr_topology(args.topology_file, "mirror");
  if (!t) return t.error();
  auto r = ask_witness(*t, "POST", "/auto",
                       {{"enabled", args.auto_enabled}, {"by", operator_identity()}}, 3000);
  if (!r) {
    return make_error(r.error().kind, "the witness does not answer (" + r.error().message +
                                          "): automatic failover unchanged");
  }
  if ((*r)["status"] != 200) {
    return make_error(
        ErrorKind::kDenied,
        "the witness refused: " + r->value("error", std::string("HTTP ") + (*r)["status"].dump()));
  }
  out << "Automatic mirror failover is " << (args.auto_enabled ? "ON" : "OFF")
      << (args.auto_enabled ? ""
                            : " (maintenance: the mirror is never promoted by itself, an old "
                              "primary is not rejoined)")
      << "\n";
  return ok_status();
}

WitnessHold::WitnessHold(const dr::Topology& t, int seconds, std::ostream& out) : t_(t) {
  if (!t.mirroring.witness) return;
  auto r =
      ask_witness(t, "POST", "/hold", {{"seconds", seconds}, {"by", operator_identity()}}, 3000);
  if (r && (*r)["status"] == 200) {
    held_ = true;
    out << "  automatic failover held at the witness while this failover runs\n";
    return;
  }
  out << "  the witness did not take the hold ("
      << (r ? r->value("error", std::string("HTTP ") + (*r)["status"].dump()) : r.error().message)
      << "); it cannot grant an automatic failover without answering, so this goes on\n";
}

WitnessHold::~WitnessHold() {
  if (!held_) return;
  auto r = ask_witness(t_, "POST", "/hold", {{"seconds", 0}, {"by", operator_identity()}}, 3000);
  if (!r || (*r)["status"] != 200) {
    spdlog::warn("the witness did not take the release of the hold ({}); it ends by itself",
                 r ? (*r)["status"].dump() : r.error().message);
  }
}

json quorum_status(const dr::Topology& t) {
  auto r = ask_witness(t, "GET", "/witness", json(), 2000);
  if (!r || (*r)["status"] != 200) {
    return {{"witness", t.mirroring.witness->to_string()},
            {"answers", false},
            {"alert", true},
            {"error", r ? r->value("error", std::string("HTTP ") + (*r)["status"].dump())
                        : r.error().message}};
  }
  json q = *r;
  q.erase("status");
  bool alert = !q.value("auto", true);
  for (const auto& [name, a] : q["agents"].items()) alert = alert || a.value("alert", false);
  q["witness"] = t.mirroring.witness->to_string();
  q["answers"] = true;
  q["alert"] = alert;
  return q;
}

void print_quorum(const json& q, std::ostream& out) {
  out << "Quorum (witness " << q.value("witness", std::string()) << "):";
  if (!q.value("answers", false)) {
    out << " the witness does not answer (" << q.value("error", std::string())
        << "): ALERT, no automatic failover\n";
    return;
  }
  out << " automatic failover " << (q.value("auto", true) ? "on" : "OFF") << " (after "
      << q.value("after_ms", 0) / 1000.0 << " s), the witness holds the "
      << q.value("primary", std::string("?")) << " as primary"
      << (q.value("alert", false) ? "  ALERT" : "") << "\n";
  if (const json& h = q["hold"]; h.is_object()) {
    out << "  held by an operator's failover (" << h.value("by", std::string()) << ") for "
        << h.value("left_ms", 0) / 1000.0 << " s more\n";
  }
  for (const auto& [name, s] : q["stores"].items()) {
    out << "  witness sees " << name << ": "
        << (s.value("answers", false)
                ? "yes"
                : "no (for " + std::to_string(s.value("unseen_ms", 0)) + " ms)")
        << "\n";
  }
  for (const auto& [name, a] : q["agents"].items()) {
    out << "  agent beside " << name << ": " << a.value("state", std::string()) << ", sees "
        << (name == "primary" ? "mirror" : "primary") << " "
        << (a.value("sees_partner", false) ? "yes" : "no") << " (reported " << a.value("age_ms", 0)
        << " ms ago): " << a.value("why", std::string()) << "\n";
  }
  const json& f = q["last_failover"];
  if (f.is_object()) {
    out << "  last automatic failover: " << f.value("at", std::string()) << ", "
        << f.value("from", std::string()) << " -> " << f.value("to", std::string()) << " (epoch "
        << f.value("epoch", 0) << "): " << f.value("why", std::string()) << "\n";
  } else {
    out << "  last automatic failover: none\n";
  }
}

}  // namespace pchat::ctl
