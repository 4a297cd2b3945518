#include "server/web_link.h"

#include <string>
#include <string_view>
#include <vector>

#include "irc/utf8.h"

namespace pchat::server {

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;

template <typename Ws>
class WebLink final : public MessageLink {
 public:
  WebLink(Ws ws, bool text, std::shared_ptr<asio::ssl::context> context)
      : ws_(std::move(ws)), text_(text), context_(std::move(context)) {
    ws_.read_message_max(kMaxWebSocketMessage);
    ws_.auto_fragment(false);
    ws_.text(text_);
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout none{};
    none.handshake_timeout = std::chrono::seconds(10);  // the closing handshake
    none.idle_timeout = websocket::stream_base::none();
    none.keep_alive_pings = false;
    ws_.set_option(none);
  }

  asio::ip::tcp::socket& socket() override { return beast::get_lowest_layer(ws_).socket(); }
  bool is_tls() const override { return context_ != nullptr; }

  void read_some(asio::mutable_buffer into, Done done) override {
    if (taken_ < pending_.size()) {
      const size_t n = take(into);
      asio::post(ws_.get_executor(), [done = std::move(done), n] { done({}, n); });
      return;
    }
    ws_.async_read(in_, [this, into, done = std::move(done)](beast::error_code ec, size_t) {
      if (ec) {
        done(ec == websocket::error::closed ? beast::error_code(asio::error::eof) : ec, 0);
        return;
      }
      std::string_view payload(static_cast<const char*>(in_.data().data()), in_.size());
      while (!payload.empty() && (payload.back() == '\n' || payload.back() == '\r')) {
        payload.remove_suffix(1);
      }
      if (payload.find_first_of("\r\n") != std::string_view::npos) {
        in_.consume(in_.size());
        ws_.async_close({websocket::close_code::policy_error, "one IRC line per message"},
                        [](beast::error_code) {});
        done(asio::error::eof, 0);
        return;
      }
      pending_.assign(payload);
      pending_ += "\r\n";
      taken_ = 0;
      in_.consume(in_.size());
      done({}, take(into));
    });
  }

  void write(asio::const_buffer lines, Done done) override {
    lines_.clear();
    std::string_view all(static_cast<const char*>(lines.data()), lines.size());
    while (!all.empty()) {
      size_t end = all.find('\n');
      std::string_view line = all.substr(0, end);
      all.remove_prefix(end == std::string_view::npos ? all.size() : end + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) lines_.push_back(line);
    }
    next_ = 0;
    write_next(lines.size(), std::move(done));
  }

  void finish(std::shared_ptr<void> keep) override {
    ws_.async_close(websocket::close_code::normal, [this, keep](beast::error_code) {
      beast::error_code ignored;
      socket().close(ignored);
    });
  }

 private:
  size_t take(asio::mutable_buffer into) {
    const size_t n = std::min(into.size(), pending_.size() - taken_);
    std::memcpy(into.data(), pending_.data() + taken_, n);
    taken_ += n;
    return n;
  }

  void write_next(size_t total, Done done) {
    if (next_ == lines_.size()) {
      done({}, total);
      return;
    }
    std::string_view line = lines_[next_++];
    if (text_ && !irc::is_valid_utf8(line)) {
      fixed_ = irc::replace_invalid_utf8(line);
      line = fixed_;
    }
    ws_.async_write(asio::buffer(line.data(), line.size()),
                    [this, total, done = std::move(done)](beast::error_code ec, size_t) mutable {
                      if (ec) {
                        done(ec, 0);
                        return;
                      }
                      write_next(total, std::move(done));
                    });
  }

  Ws ws_;
  const bool text_;
  std::shared_ptr<asio::ssl::context> context_;
  beast::flat_buffer in_;
  std::string pending_;  // the message read, with CRLF; taken_ bytes of it given
  size_t taken_ = 0;
  std::vector<std::string_view> lines_;  // the lines of the write in flight
  size_t next_ = 0;
  std::string fixed_;  // a line made valid UTF-8
};

}  // namespace

std::unique_ptr<MessageLink> make_web_link(WsStream ws, bool text) {
  return std::make_unique<WebLink<WsStream>>(std::move(ws), text, nullptr);
}

std::unique_ptr<MessageLink> make_web_link(WssStream ws, bool text,
                                           std::shared_ptr<asio::ssl::context> context) {
  return std::make_unique<WebLink<WssStream>>(std::move(ws), text, std::move(context));
}

}  // namespace pchat::server
