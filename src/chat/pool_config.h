// Pool-wide room settings (Get-/Set-CsPersistentChatConfiguration).
//
// Lync documents DefaultChatHistory 30 (1-500), ParticipantUpdateLimit 75
// and MaxFileSizeKB 20000. The upper bounds of the last two are pchat's own
// guesses (Lync states no range): wide enough for any real pool, small
// enough to catch a typo.
//
// Pure values and functions, thread-safe.
#pragma once

#include <cstdint>

#include "core/result.h"

namespace pchat::chat {

inline constexpr int kMinDefaultChatHistory = 1;
inline constexpr int kMaxDefaultChatHistory = 500;
inline constexpr int kMinParticipantUpdateLimit = 1;
inline constexpr int kMaxParticipantUpdateLimit = 100000;  // a guess, see above
inline constexpr std::int64_t kMinMaxFileSizeKB = 1;
inline constexpr std::int64_t kMaxMaxFileSizeKB = 1048576;  // 1 GiB; a guess, see above

struct PoolConfig {
  // Messages a client without draft/chathistory is sent on JOIN.
  int default_chat_history = 30;
  // Rooms with more participants than this stop sending JOIN/PART/QUIT of
  // others to clients (sends_participant_updates in rules.h).
  int participant_update_limit = 75;
  // Largest file a user may upload, in KiB.
  std::int64_t max_file_size_kb = 20000;
};

// Returns OK iff every field is within its range above. Errors: kInvalidInput
// naming the first bad field as the cmdlet does ("DefaultChatHistory must be
// between 1 and 500, not 0").
Status validate_pool_config(const PoolConfig& c);

}  // namespace pchat::chat
