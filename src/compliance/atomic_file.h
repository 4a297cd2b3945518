// Crash-safe, never-overwriting file creation. The only code in pchat_compliance
// that touches the file system.
//
// write_file_atomically(dir, name, bytes):
//   1. writes `bytes` to the temporary file dir/.<name>.tmp (created or truncated,
//      mode 0640), fsyncs it;
//   2. renames it to dir/<name> without replacing an existing file
//      (core/durable_file.h rename_no_replace);
//   3. fsyncs `dir`, so the new name survives a power loss.
// If dir/<name> already exists with exactly `bytes`, nothing is written; the file
// and `dir` are fsynced all the same (a crashed writer may have renamed it without
// syncing) and the result is kAlreadyPresent: a re-run after a crash is a no-op.
// If it exists with other bytes, the result is kConflict naming the file, and the
// existing file is left as it was. A failed write leaves at most the temporary
// file, which the next attempt for the same name truncates and reuses.
//
// Thread-safety: concurrent calls for the same dir/name are not supported.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace pchat::compliance {

enum class WriteOutcome { kWritten, kAlreadyPresent };

// REQUIRES nothing of the caller beyond: `dir` exists. `name` must be a plain file
// name: not empty, no '/', no NUL, not starting with '.' (kInvalidInput otherwise).
// Errors: kInvalidInput (name), kNotFound (dir missing), kConflict (different
// content), kDenied (permissions), kUnavailable (another I/O error); the message
// names the file and the system's error text.
Result<WriteOutcome> write_file_atomically(const std::string& dir, std::string_view name,
                                           std::string_view bytes);

// The temporary name used for `name` (".<name>.tmp").
std::string temporary_name(std::string_view name);

}  // namespace pchat::compliance
