// The replies to one client command, with IRCv3 labeled-response.
//
// A Response is created for every command a client sends. Handlers add their
// replies to it. Without a label, each reply goes out at once. With a label
// (client sent @label=... and negotiated labeled-response) the replies are held and
// sent when the Response is destroyed: none -> ACK; one -> that line with the
// label tag; several -> wrapped in a `labeled-response` BATCH (or, for a client
// without `batch`, each line labeled).
//
// Handlers that finish asynchronously (store commits, history queries, SASL) keep
// the shared_ptr until they are done: the acknowledgement can only follow the work.
//
// Order: the Responses of one session go out in the order they were created (the
// order of the commands). Only the oldest open one sends as it goes (unlabeled); a
// later one holds its lines, and if it ends first, its lines (and labeled wrapping)
// wait in Session::replies_ until every earlier one has ended. So the PONG of a PING
// sent after a PRIVMSG follows that PRIVMSG's echo, or its FAIL. A Response kept
// forever would hold back every later reply of its session: keep one only until the
// work it waits for ends (successfully or not).
//
// Threading: the event loop only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "irc/message.h"

namespace pchat::server {

class Session;

class Response {
 public:
  Response(std::shared_ptr<Session> session, std::string label);
  ~Response();
  Response(const Response&) = delete;
  Response& operator=(const Response&) = delete;

  // Adds a reply. For a labeled response, the label tag is added at flush time.
  // Sent at once only when unlabeled and no earlier Response of the session is open.
  void add(irc::Message m);
  // Adds several lines that must stay together in a batch of their own (e.g. a
  // chathistory batch): they are nested inside the labeled-response batch.
  void add_all(std::vector<irc::Message> lines);

  Session& session() { return *session_; }
  const std::string& label() const { return label_; }

 private:
  friend class Session;
  // Every earlier Response of the session has ended: unlabeled held lines go now.
  void become_first();

  std::shared_ptr<Session> session_;
  std::string label_;
  std::vector<irc::Message> held_;
};

using ResponsePtr = std::shared_ptr<Response>;

}  // namespace pchat::server
