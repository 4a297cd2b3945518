// XmlAdapter: the built-in adapter, writing Lync's compliance XML.
//
// Format (README.md has an example and the exact element list):
//   Conversations/Conversation, one per room of the run, each with Channel (uri,
//   name), FirstMessage (a copy of the room's first Message), Messages/Message
//   (type, content, id, with Sender and DateTimeUTC), StartTimeUTC, EndTimeUTC;
//   then, per option, ChatRoomDetails (AddChatRoomDetails) and
//   Participants/Participant (AddUserDetails).
// One file per run, or one per room with one_chat_room_per_output_file. UTF-8,
// with an XML declaration, indented by two spaces, "\n" line ends. Output is
// deterministic: conversations in order of their first event id, messages by
// event id, participants by uri. Built with pugixml; text goes through
// xml_safe_text (forbidden code points become U+FFFD).
#pragma once

#include <string>
#include <vector>

#include "compliance/adapter.h"

namespace pchat::compliance {

class XmlAdapter : public Adapter {
 public:
  static constexpr const char* kName = "XmlAdapter";

  std::string name() const override { return kName; }
  Status configure(const AdapterConfig& config) override;
  Result<std::vector<OutputFile>> translate(const std::vector<ComplianceEvent>& batch,
                                            const RunInfo& run) override;

 private:
  bool configured_ = false;
  AdapterConfig config_;
};

}  // namespace pchat::compliance
