// Dates as operators type them in cmdlet parameters (`-EndDate "2024-01-31"`).
// Pure function, thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace pchat::ctl::cmdlet {

// Converts `text` (surrounding blanks ignored) to Unix seconds. Accepted forms:
//   ISO 8601:  yyyy-mm-dd [ ('T' | ' ') hh:mm [ :ss [ .fraction ] ] ] [ 'Z' | +hh:mm | -hh:mm |
//   +hhmm ] US:        M/d/yyyy [ ' ' h:mm [ :ss ] [ ' ' ] [ AM | PM ] ]   (AM/PM any case)
// A time without a zone is UTC; a missing time is midnight; the fraction is dropped.
// With AM/PM the hour is 1..12 (12 AM is midnight); without, 0..23. Years 1..9999.
// Errors (kInvalidInput): anything else, or an impossible date or time ("2023-02-29",
// "25:00"), with a message quoting `text` and listing the accepted forms.
Result<std::int64_t> parse_date(std::string_view text);

}  // namespace pchat::ctl::cmdlet
