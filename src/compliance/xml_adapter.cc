#include "compliance/xml_adapter.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <pugixml.hpp>
#include <set>
#include <utility>

#include "compliance/file_naming.h"
#include "compliance/time_format.h"
#include "compliance/xml_text.h"

namespace pchat::compliance {

namespace {

using EventList = std::vector<const ComplianceEvent*>;

class StringWriter : public pugi::xml_writer {
 public:
  void write(const void* data, size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
  std::string out;
};

void set_attr(pugi::xml_node node, const char* name, std::string_view value) {
  node.append_attribute(name).set_value(xml_safe_text(value).c_str());
}

void set_attr(pugi::xml_node node, const char* name, int64_t value) {
  node.append_attribute(name).set_value(fmt::format("{}", value).c_str());
}

void append_time(pugi::xml_node parent, const char* name, int64_t ts_us) {
  UtcForms f = utc_forms(ts_us);
  pugi::xml_node t = parent.append_child(name);
  set_attr(t, "since1970", f.since1970);
  set_attr(t, "string", f.string);
  set_attr(t, "long", f.ticks);
}

// Sender attributes, in Lync's order: UserName, id, email, internal, uri.
void set_user_attrs(pugi::xml_node node, const ComplianceEvent& e) {
  set_attr(node, "UserName", e.user);
  set_attr(node, "id", e.user);
  set_attr(node, "email", e.email);
  set_attr(node, "internal", e.internal ? "true" : "false");
  set_attr(node, "uri", e.user_uri);
}

void append_message(pugi::xml_node parent, const char* name, const ComplianceEvent& e) {
  pugi::xml_node m = parent.append_child(name);
  set_attr(m, "type", to_string(e.type));
  set_attr(m, "content", e.content);
  set_attr(m, "id", e.id);
  if (!e.msgid.empty()) set_attr(m, "msgid", e.msgid);
  set_user_attrs(m.append_child("Sender"), e);
  append_time(m, "DateTimeUTC", e.ts_us);
}

void append_room_details(pugi::xml_node conv, const EventList& events) {
  std::array<int64_t, 6> counts{};
  std::set<std::string_view> users;
  for (const ComplianceEvent* e : events) {
    ++counts[static_cast<size_t>(e->type)];
    users.insert(e->user_uri);
  }
  const ComplianceEvent& last = *events.back();
  pugi::xml_node d = conv.append_child("ChatRoomDetails");
  set_attr(d, "name", last.room);
  set_attr(d, "uri", last.room_uri);
  set_attr(d, "events", static_cast<int64_t>(events.size()));
  set_attr(d, "participants", static_cast<int64_t>(users.size()));
  set_attr(d, "joins", counts[ComplianceEvent::kJoin]);
  set_attr(d, "parts", counts[ComplianceEvent::kPart]);
  set_attr(d, "chats", counts[ComplianceEvent::kChat]);
  set_attr(d, "backchats", counts[ComplianceEvent::kBackchat]);
  set_attr(d, "fileUploads", counts[ComplianceEvent::kFileUpload]);
  set_attr(d, "fileDownloads", counts[ComplianceEvent::kFileDownload]);
  set_attr(d, "firstEventId", events.front()->id);
  set_attr(d, "lastEventId", last.id);
}

void append_participants(pugi::xml_node conv, const EventList& events) {
  struct Seen {
    const ComplianceEvent* latest = nullptr;
    const ComplianceEvent* first = nullptr;
    int64_t count = 0;
  };
  std::map<std::string_view, Seen> by_uri;  // events are in id order
  for (const ComplianceEvent* e : events) {
    Seen& s = by_uri[e->user_uri];
    if (s.first == nullptr) s.first = e;
    s.latest = e;
    ++s.count;
  }
  pugi::xml_node list = conv.append_child("Participants");
  for (const auto& [uri, s] : by_uri) {
    pugi::xml_node p = list.append_child("Participant");
    set_user_attrs(p, *s.latest);
    set_attr(p, "events", s.count);
    set_attr(p, "firstEventId", s.first->id);
    set_attr(p, "lastEventId", s.latest->id);
  }
}

void append_conversation(pugi::xml_node root, const EventList& events, const AdapterConfig& cfg) {
  const ComplianceEvent& first = *events.front();
  const ComplianceEvent& last = *events.back();
  pugi::xml_node conv = root.append_child("Conversation");
  pugi::xml_node channel = conv.append_child("Channel");
  set_attr(channel, "uri", last.room_uri);
  set_attr(channel, "name", last.room);
  append_message(conv, "FirstMessage", first);
  pugi::xml_node messages = conv.append_child("Messages");
  int64_t start = first.ts_us, end = first.ts_us;
  for (const ComplianceEvent* e : events) {
    append_message(messages, "Message", *e);
    start = std::min(start, e->ts_us);
    end = std::max(end, e->ts_us);
  }
  append_time(conv, "StartTimeUTC", start);
  append_time(conv, "EndTimeUTC", end);
  if (cfg.add_chat_room_details) append_room_details(conv, events);
  if (cfg.add_user_details) append_participants(conv, events);
}

std::string render(const std::vector<const EventList*>& conversations, const AdapterConfig& cfg) {
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version").set_value("1.0");
  decl.append_attribute("encoding").set_value("utf-8");
  pugi::xml_node root = doc.append_child("Conversations");
  root.append_attribute("xmlns:xsi").set_value("http://www.w3.org/2001/XMLSchema-instance");
  root.append_attribute("xmlns:xsd").set_value("http://www.w3.org/2001/XMLSchema");
  for (const EventList* events : conversations) append_conversation(root, *events, cfg);
  StringWriter w;
  doc.save(w, "  ", pugi::format_indent, pugi::encoding_utf8);
  return std::move(w.out);
}

Status check_run(const RunInfo& run) {
  if (run.start_us < 0 || run.end_us > kMaxTimestampUs || run.start_us > run.end_us) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("run times out of order or range: start {} end {} (us)",
                                  run.start_us, run.end_us));
  }
  if (run.first_event_id < 0 || run.first_event_id > run.last_event_id) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("run event ids out of order or range: first {} last {}",
                                  run.first_event_id, run.last_event_id));
  }
  return ok_status();
}

Status check_event(const ComplianceEvent& e, const RunInfo& run) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::kInvalidInput, fmt::format("compliance event {}: {}", e.id, why));
  };
  if (e.id < run.first_event_id || e.id > run.last_event_id) {
    return bad(
        fmt::format("id outside the run's range {}..{}", run.first_event_id, run.last_event_id));
  }
  if (static_cast<unsigned>(e.type) > ComplianceEvent::kFileDownload) return bad("unknown type");
  if (e.ts_us < 0 || e.ts_us > kMaxTimestampUs) {
    return bad(fmt::format("time {} us out of range", e.ts_us));
  }
  if (e.room_uri.empty()) return bad("empty room uri");
  return ok_status();
}

}  // namespace

Status XmlAdapter::configure(const AdapterConfig& config) {
  if (config.output_directory.empty() || config.output_directory.front() != '/') {
    return make_error(
        ErrorKind::kInvalidInput,
        "AdapterOutputDirectory must be an absolute path, got '" + config.output_directory + "'");
  }
  config_ = config;
  configured_ = true;
  return ok_status();
}

Result<std::vector<OutputFile>> XmlAdapter::translate(const std::vector<ComplianceEvent>& batch,
                                                      const RunInfo& run) {
  if (!configured_) return make_error(ErrorKind::kInvalidInput, "XmlAdapter: not configured");
  std::vector<OutputFile> files;
  if (batch.empty()) return files;
  if (Status s = check_run(run); !s) return s.error();

  // Group by room, each room's events by id; rooms by their first event id.
  std::vector<const ComplianceEvent*> sorted;
  sorted.reserve(batch.size());
  for (const ComplianceEvent& e : batch) {
    if (Status s = check_event(e, run); !s) return s.error();
    sorted.push_back(&e);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const ComplianceEvent* a, const ComplianceEvent* b) { return a->id < b->id; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i]->id == sorted[i - 1]->id) {
      return make_error(ErrorKind::kInvalidInput,
                        fmt::format("compliance event {}: duplicate id in batch", sorted[i]->id));
    }
  }
  std::map<std::string_view, EventList> by_room;
  std::vector<const EventList*> rooms;  // in order of first event id
  for (const ComplianceEvent* e : sorted) {
    auto [it, inserted] = by_room.try_emplace(e->room_uri);
    if (inserted) rooms.push_back(&it->second);
    it->second.push_back(e);
  }

  if (!config_.one_chat_room_per_output_file) {
    files.push_back(OutputFile{run_file_name(run, "xml"), render(rooms, config_)});
    return files;
  }
  std::set<std::string> names;
  for (const EventList* events : rooms) {
    const ComplianceEvent& last = *events->back();
    std::string name = room_file_name(run, last.room, last.room_uri, "xml");
    if (!names.insert(name).second) {
      return make_error(ErrorKind::kInternal, "two rooms map to the same output file name " + name);
    }
    files.push_back(OutputFile{std::move(name), render({events}, config_)});
  }
  return files;
}

}  // namespace pchat::compliance
