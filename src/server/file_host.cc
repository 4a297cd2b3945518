#include "server/file_host.h"
#include "server/msgid.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "chat/rules.h"
#include "core/time.h"
#include "irc/casemap.h"
#include "server/await.h"
#include "server/listen_address.h"
#include "server/room_policy.h"
#include "server/server.h"
#include "server/web_request.h"
#include "store/accounts.h"
#include "store/files.h"

namespace pchat::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr auto kBodyTimeout = std::chrono::minutes(5);
constexpr auto kDrainTimeout = std::chrono::seconds(5);
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr size_t kDrainMaxBytes = size_t{64} << 20;
constexpr const char* kAllow = "GET, HEAD, POST, OPTIONS";

using HttpResponse = http::response<http::string_body>;

// Beast's string_view (boost's in 1.74) as the standard one.
std::string_view sv(beast::string_view s) {
  return {s.data(), s.size()};
}
using Parser = http::request_parser<http::string_body>;

struct Reply {
  HttpResponse res;
  bool head = false;    // HEAD: headers only, Content-Length as set
  bool broken = false;  // the connection failed mid-request: close without answering
};

Reply text(http::status status, std::string body) {
  Reply r;
  r.res.result(status);
  r.res.set(http::field::content_type, "text/plain; charset=utf-8");
  r.res.body() = std::move(body) + "\n";
  return r;
}

Reply json_reply(http::status status, const json& j) {
  Reply r;
  r.res.result(status);
  r.res.set(http::field::content_type, "application/json");
  r.res.body() = j.dump(2) + "\n";
  return r;
}

// Missing, not visible and not readable all read the same (a Secret room's
// non-member learns nothing).
Reply no_such_room() {
  return text(http::status::not_found, "no such room");
}
Reply no_such_file() {
  return text(http::status::not_found, "no such file");
}

Reply unavailable(const Error& e);

// A store error about a file: gone (404, as for a file one may not read) or the
// store's trouble (503).
Reply file_error(const Error& e) {
  return e.kind == ErrorKind::kNotFound ? no_such_file() : unavailable(e);
}

Reply unauthorized(const std::string& why) {
  Reply r = text(http::status::unauthorized, why);
  r.res.set(http::field::www_authenticate, "Basic realm=\"pchat\", charset=\"UTF-8\"");
  return r;
}

Reply unavailable(const Error& e) {
  return text(http::status::service_unavailable, "the store is unavailable: " + e.message);
}

Reply too_large(int64_t max_kb) {
  return text(http::status::payload_too_large,
              "the file is larger than MaxFileSizeKB: files are limited to " +
                  std::to_string(max_kb) + " KB");
}

// The user behind the Basic credentials: the account, or the reply to send.
struct Login {
  std::string account;
  std::optional<Reply> refused;
  bool denied = false;  // the password was checked and is wrong (or the name unknown)
};

// One request: routing, the credentials, the rules, the store. `Stream`:
// beast::tcp_stream, or beast::ssl_stream over one (files_tls).
template <typename Stream>
class Exchange {
 public:
  Exchange(Server& srv, const FilesUrl& url, store::StoreTarget& target,
           const std::string& writer_id, Stream& stream, beast::flat_buffer& buf, Parser& parser)
      : srv_(srv),
        url_(url),
        target_(target),
        writer_id_(writer_id),
        stream_(stream),
        buf_(buf),
        parser_(parser) {}

  // The bytes of the file this request stored (0 unless an upload succeeded).
  uint64_t stored_bytes() const { return stored_bytes_; }

  asio::awaitable<Reply> run() {
    const auto& req = parser_.get();
    const FileRoute route = parse_file_route(sv(req.target()), url_.path);
    const http::verb method = req.method();
    if (route.kind == FileRoute::kNone) co_return text(http::status::not_found, "not found");
    if (method == http::verb::options) {
      Reply r;
      r.res.result(http::status::no_content);
      r.res.set(http::field::allow, kAllow);
      r.res.set("Accept-Post", "*/*");
      co_return r;
    }
    if (method == http::verb::post) {
      if (route.kind != FileRoute::kRoom) {
        co_return text(
            http::status::bad_request,
            "POST a file to " + url_.url + "/<room>, the room's name URL-encoded (e.g. %23legal)");
      }
    } else if (method == http::verb::get || method == http::verb::head) {
      if (route.kind != FileRoute::kFile) {
        co_return text(http::status::not_found, "pchat file host: POST " + url_.url +
                                                    "/<room>, GET " + url_.url + "/<id>/<name>");
      }
    } else {
      Reply r = text(http::status::method_not_allowed, std::string("allowed: ") + kAllow);
      r.res.set(http::field::allow, kAllow);
      co_return r;
    }
    // Each awaitable is made in a statement of its own: GCC 12 mishandles temporaries
    // (closures, std::function) that live across a co_await.
    auto creds = parse_basic_auth(sv(req[http::field::authorization]));
    asio::awaitable<Login> checking = authenticate(creds);
    Login login = co_await std::move(checking);
    if (creds) record_sign_in(creds->first, login);
    if (login.refused) co_return std::move(*login.refused);
    if (method == http::verb::post) co_return co_await upload(route, login.account);
    co_return co_await download(route, login.account, method == http::verb::head);
  }

 private:
  // The client's numeric address, or "" when the socket cannot tell.
  std::string peer_address() {
    boost::system::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    return ec ? std::string() : ep.address().to_string();
  }

  // Not a coroutine (see await.h): the awaitable that checks the credentials, on the
  // sign-in pool and behind the sign-in throttle (server/sign_in.h), as SASL does.
  asio::awaitable<Login> authenticate(
      const std::optional<std::pair<std::string, std::string>>& creds) {
    auto refuse = [this](Login refused) {
      return await_reply<Login>(srv_.io(),
                                [refused](std::function<void(Login)> reply) { reply(refused); });
    };
    if (!creds)
      return refuse({{}, unauthorized("HTTP Basic credentials of a pchat account needed")});
    if (const int64_t secs = srv_.sign_in().seconds_to_wait(creds->first, peer_address());
        secs > 0) {
      Reply r = text(http::status::too_many_requests,
                     "too many failed sign-ins: try again in " + std::to_string(secs) + " s");
      r.res.set(http::field::retry_after, std::to_string(secs));
      return refuse({{}, std::move(r)});
    }
    return on_reader<Login>(
        srv_,
        [sign_in = &srv_.sign_in(), creds = *creds](pg::Connection& conn) {
          auto r = sign_in->check(conn, creds.first, creds.second);
          if (r) return Login{*r, std::nullopt};
          if (r.error().kind == ErrorKind::kDenied) {
            return Login{{}, unauthorized("wrong account or password"), true};
          }
          return Login{{}, unavailable(r.error())};
        },
        [](const Error& e) {
          return Login{{}, unavailable(e)};
        },
        srv_.sign_in().pool(srv_.readers()));
  }

  // Feeds a checked sign-in's outcome to the throttle and the metrics. Loop.
  void record_sign_in(const std::string& name, const Login& login) {
    if (!login.refused) {
      srv_.sign_in().succeeded(name);
    } else if (login.denied) {
      srv_.sign_in().failed(name, peer_address());
    }
  }

  // The rules for `account` uploading `bytes` to `room_name`: nullopt when allowed.
  std::optional<Reply> check_upload(const std::string& account, const std::string& room_name,
                                    int64_t bytes) const {
    RoomPolicy* rooms = srv_.rooms();
    if (rooms == nullptr || !rooms->loaded()) {
      return text(http::status::service_unavailable, "rooms are not loaded");
    }
    const chat::Room* room = rooms->room(room_name);
    const chat::Category* cat = room != nullptr ? rooms->category_of(*room) : nullptr;
    if (cat == nullptr) return no_such_room();
    const chat::Standing st = rooms->standing(chat::User{account}, *room);
    if (!chat::exists_for(*room, st)) return no_such_room();
    const chat::Decision d =
        chat::may_upload_file(*cat, *room, st, (bytes + 1023) / 1024, rooms->config());
    switch (d.denial) {
      case chat::Denial::kNone:
        return std::nullopt;
      case chat::Denial::kNoSuchRoom:
        return no_such_room();
      case chat::Denial::kFileTooLarge:
        return too_large(rooms->config().max_file_size_kb);
      default:
        return text(http::status::forbidden, room->name + ": " + d.reason);
    }
  }

  // How the uploader appears in the room: their session's nick!user@host when they
  // are connected to this server, else account!account@server.
  std::pair<std::string, std::string> identity(const std::string& account) const {
    const std::string key = irc::fold(account);
    for (const auto& [id, weak] : srv_.sessions()) {
      auto s = weak.lock();
      if (s && s->registered() && !s->account().empty() && irc::fold(s->account()) == key) {
        return {s->nick(), s->prefix()};
      }
    }
    return {account, account + "!" + account + "@" + srv_.name()};
  }

  asio::awaitable<Reply> upload(const FileRoute& route, const std::string& account) {
    // The rules first: nothing is read from someone who may not upload.
    if (auto refused = check_upload(account, route.room, 0)) co_return std::move(*refused);
    const int64_t max_kb = srv_.rooms()->config().max_file_size_kb;
    const uint64_t max_bytes = static_cast<uint64_t>(max_kb) * 1024;
    if (auto len = parser_.content_length(); len && *len > max_bytes) co_return too_large(max_kb);
    parser_.body_limit(max_bytes);
    beast::get_lowest_layer(stream_).expires_after(kBodyTimeout);
    boost::system::error_code ec;
    co_await http::async_read(stream_, buf_, parser_,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::body_limit) co_return too_large(max_kb);
    if (ec) {
      spdlog::info("files: the upload of {} to {} broke off: {}", account, route.room,
                   ec.message());
      Reply r;
      r.broken = true;
      co_return r;
    }
    const auto& req = parser_.get();
    std::string data = std::move(parser_.get().body());
    // Again with the size: the rules may have changed during the read.
    const chat::Room* room = srv_.rooms()->room(route.room);
    if (auto refused = check_upload(account, route.room, static_cast<int64_t>(data.size()))) {
      co_return std::move(*refused);
    }
    const std::string room_name = room->name;
    const std::pair<std::string, std::string> who = identity(account);  // nick, prefix

    store::FileUpload up;
    up.room_name = room_name;
    up.uploader = account;
    up.name = sanitize_filename(disposition_filename(sv(req[http::field::content_disposition])));
    up.content_type = sanitize_content_type(sv(req[http::field::content_type]));
    up.data = std::move(data);
    up.announce.msgid = new_msgid();
    up.announce.target = irc::fold(room_name);
    up.announce.sender = who.second;
    up.announce.account = account;
    up.announce.command = "PRIVMSG";
    up.announce.ts_us = time::now_us();
    const std::string base = url_.url;
    up.announce_body = [base](const store::StoredFile& f) {
      return f.name + " (" + format_size(f.size) + ") " + download_url(base, f);
    };
    up.capture = srv_.compliance_capture();
    up.nick = who.first;
    up.min_epoch = target_.min_epoch();
    up.writer_id = writer_id_;
    // Shared, not copied: the job is copied on its way to the reader pool.
    auto shared = std::make_shared<const store::FileUpload>(std::move(up));
    asio::awaitable<Result<store::StoredFile>> storing = reader_result<store::StoredFile>(
        srv_, [shared](pg::Connection& conn) { return store::store_file(conn, *shared); });
    Result<store::StoredFile> stored = co_await std::move(storing);
    if (!stored) {
      if (stored.error().kind == ErrorKind::kNotFound) co_return no_such_room();
      spdlog::warn("files: upload to {} by {} not stored: {}", room_name, account,
                   stored.error().message);
      co_return unavailable(stored.error());
    }
    stored_bytes_ = static_cast<uint64_t>(stored->size);
    const std::string url = download_url(base, *stored);
    spdlog::info("files: {} uploaded {} ({} bytes) to {} as file {}", account, stored->name,
                 stored->size, room_name, stored->id);
    Reply r = json_reply(http::status::created, {{"id", stored->id},
                                                 {"url", url},
                                                 {"name", stored->name},
                                                 {"size", stored->size},
                                                 {"content_type", stored->content_type},
                                                 {"sha256", stored->sha256},
                                                 {"room", room_name},
                                                 {"msgid", stored->msgid}});
    r.res.set(http::field::location, url);
    co_return r;
  }

  asio::awaitable<Reply> download(const FileRoute& route, const std::string& account, bool head) {
    const int64_t id = route.id;
    asio::awaitable<Result<store::StoredFile>> looking = reader_result<store::StoredFile>(
        srv_, [id](pg::Connection& conn) { return store::file_info(conn, id); });
    Result<store::StoredFile> info = co_await std::move(looking);
    if (!info) co_return file_error(info.error());
    RoomPolicy* rooms = srv_.rooms();
    if (info->name != route.name || rooms == nullptr ||
        rooms->readable_rooms(chat::User{account}, info->room_name).empty()) {
      co_return no_such_file();
    }
    Reply r;
    r.res.result(http::status::ok);
    r.res.set(http::field::content_type, info->content_type);
    r.res.set(http::field::content_disposition, attachment_disposition(info->name));
    r.res.set("X-Content-Type-Options", "nosniff");
    r.res.set(http::field::cache_control, "private, no-store");
    r.res.set("Content-Security-Policy", "default-src 'none'; sandbox");
    r.res.set(http::field::etag, "\"" + info->sha256 + "\"");
    if (head) {
      r.head = true;
      r.res.content_length(static_cast<uint64_t>(info->size));
      co_return r;
    }
    // The download is an event: recorded before the bytes go out.
    const std::string nick = identity(account).first;
    const std::string room_name = info->room_name, name = info->name;
    asio::awaitable<Status> recording = await_reply<Status>(
        srv_.io(), [this, account, nick, room_name, name](std::function<void(Status)> reply) {
          srv_.record_room_event(account, nick, "FILEDOWNLOAD", room_name, name,
                                 [reply](const Status& st) { reply(st); });
        });
    Status recorded = co_await std::move(recording);
    if (!recorded) {
      co_return text(http::status::service_unavailable,
                     "the download could not be recorded: " + recorded.error().message);
    }
    asio::awaitable<Result<std::string>> reading = reader_result<std::string>(
        srv_, [id](pg::Connection& conn) { return store::file_data(conn, id); });
    Result<std::string> data = co_await std::move(reading);
    if (!data) co_return file_error(data.error());
    r.res.body() = std::move(*data);
    co_return r;
  }

  static std::string download_url(const std::string& base, const store::StoredFile& f) {
    return base + "/" + std::to_string(f.id) + "/" + percent_encode(f.name);
  }

  Server& srv_;
  const FilesUrl& url_;
  store::StoreTarget& target_;
  const std::string& writer_id_;
  Stream& stream_;
  beast::flat_buffer& buf_;
  Parser& parser_;
  uint64_t stored_bytes_ = 0;
};

// After a refusal sent before the body was read: stop sending, read and drop what
// the client still sends (bounded), so it sees our answer rather than a reset.
template <typename Stream>
asio::awaitable<void> drain_and_close(Stream& stream) {
  boost::system::error_code ec;
  auto& tcp_stream = beast::get_lowest_layer(stream);
  // TLS: no half-close under TLS; the client's rest is read through it.
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    tcp_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
  tcp_stream.expires_after(kDrainTimeout);
  std::array<char, 16384> sink;
  size_t total = 0;
  while (!ec && total < kDrainMaxBytes) {
    total += co_await stream.async_read_some(asio::buffer(sink),
                                             asio::redirect_error(asio::use_awaitable, ec));
  }
  tcp_stream.socket().close(ec);
}

// CORS headers for a request from one of `origins` (file_host.h).
void add_cors(HttpResponse& res, const http::request<http::string_body>& req,
              const std::vector<std::string>& origins) {
  const std::string_view origin = sv(req[http::field::origin]);
  res.set(http::field::vary, "Origin");
  if (origin.empty() || !web_origin_allowed(origin, "", origins)) return;
  res.set(http::field::access_control_allow_origin, origin);
  res.set(http::field::access_control_expose_headers, "Location");
  if (req.method() == http::verb::options) {
    res.set(http::field::access_control_allow_methods, kAllow);
    res.set(http::field::access_control_allow_headers,
            "Authorization, Content-Type, Content-Disposition");
    res.set(http::field::access_control_max_age, "600");
  }
}

}  // namespace

FileHost::FileHost(asio::io_context& io, Server& server, std::shared_ptr<store::StoreTarget> target,
                   std::string writer_id)
    : server_(server),
      target_(std::move(target)),
      writer_id_(std::move(writer_id)),
      listener_(io, "files",
                [this, &io](tcp::socket sock) {
                  asio::co_spawn(io, serve(std::move(sock)), asio::detached);
                }),
      metrics_{
          server.metrics().counter("pchat_files_uploaded_total", "Files stored by the file host"),
          server.metrics().counter("pchat_files_uploaded_bytes_total",
                                   "Bytes of the files stored by the file host"),
          server.metrics().counter("pchat_files_downloaded_total",
                                   "Files sent by the file host (GET)"),
          server.metrics().counter("pchat_files_refused_total",
                                   "File host requests answered with a 4xx status")} {}

void FileHost::listen(const Endpoint& ep, const std::string& url) {
  const auto bound = listener_.listen(ep);
  std::string given = url;
  if (given.empty()) {
    // A wildcard names no machine a client could reach: the URL must then be given.
    if (ep.host == "*" || ep.host == "0.0.0.0" || ep.host == "::") {
      listener_.stop();
      throw std::invalid_argument("--files-listen " + ep.to_string() +
                                  " binds every address: give --files-url (files_url), the "
                                  "address clients reach the file host by");
    }
    given = std::string(tls_ != nullptr ? "https://" : "http://") +
            Endpoint{ep.host, listener_.port()}.to_string();
  }
  std::string error;
  auto parsed = parse_files_url(given, error);
  if (!parsed) {
    listener_.stop();
    throw std::invalid_argument("--files-url: " + error);
  }
  url_ = std::move(*parsed);
  server_.set_files_url(url_.url);
  spdlog::info("files: file host on {}{}, advertised as {}", format_addresses(bound),
               tls_ != nullptr ? " (HTTPS)" : "", url_.url);
}

void FileHost::stop() {
  listener_.stop();
}

asio::awaitable<void> FileHost::serve(tcp::socket sock) {
  if (tls_ == nullptr) {
    beast::tcp_stream stream(std::move(sock));
    co_await serve_on(stream);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return;
  }
  auto context = tls_->current();  // kept for this connection (a reload makes a new one)
  beast::ssl_stream<beast::tcp_stream> stream(std::move(sock), *context);
  beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
  boost::system::error_code ec;
  co_await stream.async_handshake(asio::ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    spdlog::debug("files: TLS handshake failed: {}", ec.message());
    co_return;
  }
  co_await serve_on(stream);
  beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
  co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
}

template <typename Stream>
asio::awaitable<void> FileHost::serve_on(Stream& stream) {
  beast::flat_buffer buf;
  for (;;) {
    Parser parser;
    parser.header_limit(16 * 1024);
    // No body limit yet (Beast checks Content-Length against it with the header):
    // an upload's limit is set once its rules are checked (Exchange::upload). Not
    // boost::none: Boost 1.74 compares a Content-Length with it as "greater".
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    boost::system::error_code ec;
    beast::get_lowest_layer(stream).expires_after(kIdleTimeout);
    co_await http::async_read_header(stream, buf, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec != http::error::end_of_stream && ec != asio::error::eof) {
        spdlog::info("files: a request's header could not be read: {}", ec.message());
      }
      break;
    }
    Exchange<Stream> exchange(server_, url_, *target_, writer_id_, stream, buf, parser);
    Reply reply = co_await exchange.run();
    if (reply.broken) break;
    const unsigned status = reply.res.result_int();
    if (status >= 400 && status < 500) metrics_.refused.inc();
    if (status == 201) {
      metrics_.uploads.inc();
      metrics_.upload_bytes.inc(exchange.stored_bytes());
    }
    if (status == 200 && parser.get().method() == http::verb::get) metrics_.downloads.inc();
    // A body left unread (a refusal before reading it) ends the connection.
    const bool unread = !parser.is_done();
    HttpResponse& res = reply.res;
    res.version(parser.get().version());
    res.keep_alive(parser.get().keep_alive() && !unread);
    res.set(http::field::server, "pchatd/" PCHAT_VERSION);
    add_cors(res, parser.get(), cors_origins_);
    if (!reply.head) res.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(kBodyTimeout);
    if (reply.head) {
      http::response_serializer<http::string_body> sr(res);
      co_await http::async_write_header(stream, sr, asio::redirect_error(asio::use_awaitable, ec));
    } else {
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) break;
    if (unread) {
      co_await drain_and_close(stream);
      co_return;
    }
    if (!res.keep_alive()) break;
  }
}

}  // namespace pchat::server
