// Secrets kept in files (the admin API token, server/http.h): read, or created once.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"

namespace pchat {

// The secret in `file`: its first line, surrounding whitespace removed.
// When the file is absent and `create_if_missing`, first writes 64 hex characters
// from getrandom() to a temporary file of mode 0600 beside it and links it into
// place: creation is atomic, and when two processes race the first file wins and
// both read it. Errors: kNotFound (absent, not created), kInvalidInput (empty),
// kInternal (I/O, naming the file and the reason).
Result<std::string> read_secret_file(const std::filesystem::path& file, bool create_if_missing);

// True when the file's group or others may read it (the caller warns).
bool secret_file_too_open(const std::filesystem::path& file);

}  // namespace pchat
