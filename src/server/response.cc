#include "server/response.h"

#include "server/server.h"
#include "server/session.h"

namespace pchat::server {

Response::Response(std::shared_ptr<Session> session, std::string label)
    : session_(std::move(session)), label_(std::move(label)) {}

void Response::add(irc::Message m) {
  if (label_.empty()) {
    session_->send(m);
  } else {
    held_.push_back(std::move(m));
  }
}

void Response::add_all(std::vector<irc::Message> lines) {
  for (auto& m : lines) add(std::move(m));
}

Response::~Response() {
  if (label_.empty() || session_->closing()) return;
  Server& srv = Server::of(*session_);
  if (held_.empty()) {
    irc::Message ack{{{"label", label_}}, srv.name(), "ACK", {}};
    session_->send(ack);
    return;
  }
  if (held_.size() == 1 || !session_->has_cap(kCapBatch)) {
    for (auto& m : held_) {
      m.tags.insert(m.tags.begin(), irc::Tag{"label", label_});
      session_->send(m);
    }
    return;
  }
  std::string ref = srv.next_batch_ref();
  session_->send(
      irc::Message{{{"label", label_}}, srv.name(), "BATCH", {"+" + ref, "labeled-response"}});
  for (auto& m : held_) {
    // A nested batch's opening line also carries the outer batch tag.
    bool has_batch = m.tag("batch") != nullptr;
    if (!has_batch) m.tags.insert(m.tags.begin(), irc::Tag{"batch", ref});
    session_->send(m);
  }
  session_->send(irc::Message{{}, srv.name(), "BATCH", {"-" + ref}});
}

}  // namespace pchat::server
