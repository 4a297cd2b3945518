// Files in rooms: pchatd's user-facing HTTP file host, advertised to IRC
// clients as ISUPPORT `soju.im/FILEHOST=<url>` (docs/rooms.md "Files"). Its own
// listener (--files-listen), separate from the admin API (server/http.h).
//
//   POST <url>/<room>        upload (room name URL-encoded: %23legal); body = the
//                            file, Content-Disposition: attachment; filename="..."
//   GET|HEAD <url>/<id>/<name>  download
//   OPTIONS <url>[/...]      204, Allow and Accept-Post (the soju spec)
//
// Every request carries HTTP Basic credentials of a pchat account (401 otherwise),
// checked by store::authenticate on the reader pool (argon2id: tens of ms, never
// on the loop; nothing is cached). Then the room rules, on the loop:
//  - upload: the room must exist for the user (a Secret room's non-member gets the
//    404 of a missing room), the user may post in it, its category has file upload
//    on (chat::may_upload_file; 403 with the reason) and the size is at most
//    MaxFileSizeKB (413; a Content-Length above it is refused before the body is
//    read, a chunked body is cut off at the limit). The body is read only after
//    these checks. The file name is sanitized (file_request.h).
//    store::store_file commits, in ONE transaction, the file, the room message
//    announcing it ("<name> (<size>) <download URL>", from the uploader) and, with
//    compliance on, its FILEUPLOAD and CHAT events; the announcement then reaches
//    the room on every server through the message stream like any message. Only
//    after the commit: 201, Location = the download URL, JSON
//    {id, url, name, size, sha256, room, msgid}.
//  - download: 200 only if the user may read the file's room (chat::may_read);
//    otherwise 404, as for a missing file. With compliance on, the FILEDOWNLOAD
//    event is committed before the bytes are sent (503 when it cannot be).
// CORS, for the web client (server/web_host.h): a request whose Origin is one of
// the web client's origins (set_cors_origins: web_origins and the web listener's
// own) gets Access-Control-Allow-Origin with that origin (never "*"), and a
// preflight OPTIONS also the allowed methods and headers (Authorization,
// Content-Type, Content-Disposition); Location is exposed. Other origins get no
// CORS header, so browsers keep their pages from reading the answers.
// A refusal sent before the body was read closes the connection after a bounded
// drain (so the client reads the answer instead of a reset). Connections time out
// (30 s idle, 5 min for a body). With files_tls, HTTPS only (set_tls: the same
// certificate as the IRC TLS listener, reloaded on SIGHUP for new connections). Runs on the
// server's event loop; store work on the reader pool.
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "server/config.h"
#include "server/file_request.h"
#include "server/listener.h"
#include "server/tls.h"
#include "store/target.h"

namespace pchat::server {

class Server;

// /metrics of the file host.
struct FileMetrics {
  Counter& uploads;       // files stored
  Counter& upload_bytes;  // their bytes
  Counter& downloads;     // files sent (GET)
  Counter& refused;       // requests answered 4xx
};

class FileHost {
 public:
  FileHost(boost::asio::io_context& io, Server& server, std::shared_ptr<store::StoreTarget> target,
           std::string writer_id);
  // Binds every address of `ep` and starts serving under `url` (empty:
  // http://HOST:PORT of the listener; refused for a wildcard host, which names no
  // machine); tells the Server the URL to advertise. Throws ListenError on bind
  // failure, std::invalid_argument for a bad or missing URL.
  void listen(const Endpoint& ep, const std::string& url);
  // Serve HTTPS with these credentials (the default URL is then https://).
  // REQUIRES: before listen().
  void set_tls(TlsCredentials* tls) { tls_ = tls; }
  // The browser origins answered with CORS headers (see above). Loop.
  void set_cors_origins(std::vector<std::string> origins) { cors_origins_ = std::move(origins); }
  void stop();

 private:
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket sock);
  // The requests of one connection: beast::tcp_stream or an ssl_stream over one.
  template <typename Stream>
  boost::asio::awaitable<void> serve_on(Stream& stream);

  Server& server_;
  const std::shared_ptr<store::StoreTarget> target_;
  const std::string writer_id_;
  Listener listener_;
  FilesUrl url_;
  FileMetrics metrics_;
  TlsCredentials* tls_ = nullptr;
  std::vector<std::string> cors_origins_;
};

}  // namespace pchat::server
