#include "chat/pool_config.h"

#include <string>

namespace pchat::chat {
namespace {

Status check_range(const char* field, std::int64_t value, std::int64_t lo, std::int64_t hi) {
  if (value >= lo && value <= hi) return ok_status();
  return make_error(ErrorKind::kInvalidInput,
                    std::string(field) + " must be between " + std::to_string(lo) + " and " +
                        std::to_string(hi) + ", not " + std::to_string(value));
}

}  // namespace

Status validate_pool_config(const PoolConfig& c) {
  if (Status s = check_range("DefaultChatHistory", c.default_chat_history, kMinDefaultChatHistory,
                             kMaxDefaultChatHistory);
      !s) {
    return s;
  }
  if (Status s = check_range("ParticipantUpdateLimit", c.participant_update_limit,
                             kMinParticipantUpdateLimit, kMaxParticipantUpdateLimit);
      !s) {
    return s;
  }
  return check_range("MaxFileSizeKB", c.max_file_size_kb, kMinMaxFileSizeKB, kMaxMaxFileSizeKB);
}

}  // namespace pchat::chat
