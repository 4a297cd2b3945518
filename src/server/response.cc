#include "server/response.h"

#include <algorithm>

#include "server/server.h"
#include "server/session.h"

namespace pchat::server {

namespace {

// Sends the replies of one command: unlabeled, as they are; labeled, as ACK (none),
// one labeled line, or a labeled-response BATCH (each line labeled without `batch`).
void emit(Session& s, const std::string& label, std::vector<irc::Message>& lines) {
  if (s.closing()) return;
  if (label.empty()) {
    for (auto& m : lines) s.send(m);
    return;
  }
  Server& srv = Server::of(s);
  if (lines.empty()) {
    s.send(irc::Message{{{"label", label}}, srv.name(), "ACK", {}});
    return;
  }
  if (lines.size() == 1 || !s.has_cap(kCapBatch)) {
    for (auto& m : lines) {
      m.tags.insert(m.tags.begin(), irc::Tag{"label", label});
      s.send(m);
    }
    return;
  }
  std::string ref = srv.next_batch_ref();
  s.send(irc::Message{{{"label", label}}, srv.name(), "BATCH", {"+" + ref, "labeled-response"}});
  for (auto& m : lines) {
    // A nested batch's opening line also carries the outer batch tag.
    bool has_batch = m.tag("batch") != nullptr;
    if (!has_batch) m.tags.insert(m.tags.begin(), irc::Tag{"batch", ref});
    s.send(m);
  }
  s.send(irc::Message{{}, srv.name(), "BATCH", {"-" + ref}});
}

}  // namespace

Response::Response(std::shared_ptr<Session> session, std::string label)
    : session_(std::move(session)), label_(std::move(label)) {
  session_->replies().push_back(Session::ReplySlot{this, {}, {}});
}

void Response::add(irc::Message m) {
  if (label_.empty() && session_->replies().front().live == this) {
    session_->send(m);
  } else {
    held_.push_back(std::move(m));
  }
}

void Response::add_all(std::vector<irc::Message> lines) {
  for (auto& m : lines) add(std::move(m));
}

void Response::become_first() {
  if (!label_.empty()) return;
  // Sending may close the session and so end this Response: nothing of `this` is
  // used after the lines are taken.
  std::vector<irc::Message> lines = std::move(held_);
  held_.clear();
  std::shared_ptr<Session> s = session_;
  for (auto& m : lines) s->send(m);
}

Response::~Response() {
  auto& q = session_->replies();
  auto it =
      std::find_if(q.begin(), q.end(), [this](const auto& slot) { return slot.live == this; });
  if (it == q.end()) return;
  if (it != q.begin()) {  // an earlier command is still open: wait for it
    it->live = nullptr;
    it->label = std::move(label_);
    it->lines = std::move(held_);
    return;
  }
  // Popped before sending: a send that closes the session may end other Responses,
  // which then find the queue as it is.
  q.pop_front();
  emit(*session_, label_, held_);
  while (!q.empty() && q.front().live == nullptr) {
    Session::ReplySlot slot = std::move(q.front());
    q.pop_front();
    emit(*session_, slot.label, slot.lines);
  }
  if (!q.empty()) q.front().live->become_first();
}

}  // namespace pchat::server
