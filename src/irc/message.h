// IRC message lines: parsing and serialization (RFC 1459/2812 framing with
// IRCv3 message-tags). Pure code: no I/O, thread-safe, no shared state.
//
// Wire form (CR LF already removed by the transport before parse_line):
//
//   ['@' tags SPACE] [':' source SPACE] command *(SPACE param) [SPACE ':' trailing]
//
// Limits (see README.md for where each is enforced):
//   - the tag section, '@' and the trailing space included, is at most
//     kMaxTagBytes (8191); a client may send at most kMaxClientTagBytes (4094)
//     bytes of tag data ('@' and space excluded);
//   - the rest of the line is at most kMaxLineBytes (512) with CR LF, so 510
//     bytes without;
//   - at most kMaxParams (15) parameters: the 15th takes the rest of the line,
//     spaces included.
#pragma once

#include <cassert>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.h"

namespace pchat::irc {

inline constexpr std::size_t kMaxTagBytes = 8191;        // tag section incl. '@' and space
inline constexpr std::size_t kMaxClientTagBytes = 4094;  // client tag data excl. '@' and space
inline constexpr std::size_t kMaxLineBytes = 512;        // rest of the line incl. CR LF
inline constexpr std::size_t kMaxBodyBytes = kMaxLineBytes - 2;  // rest of the line, no CR LF
inline constexpr std::size_t kMaxParams = 15;
// The longest line, CR LF included, that a transport must buffer before it may
// give up on finding the end of a line (and answer ERR_INPUTTOOLONG).
inline constexpr std::size_t kMaxWireLineBytes = kMaxTagBytes + kMaxLineBytes;

// One message tag. `value` is unescaped; a tag sent without a value (or with
// an empty one, "key=") has an empty value: the spec makes the two equivalent.
struct Tag {
  std::string key;  // e.g. "time", "+draft/reply", "example.com/foo"
  std::string value;

  bool operator==(const Tag&) const = default;
};

// One parsed IRC message. Plain value; copy and compare freely.
struct Message {
  std::vector<Tag> tags;            // in wire order, keys unique
  std::string source;               // without the leading ':'; empty if none
  std::string command;              // upper case as parsed ("PRIVMSG", "001")
  std::vector<std::string> params;  // the trailing parameter, if any, is last

  // Returns the value of the tag `key` (case-sensitive), or nullptr if the
  // message has no such tag. The pointer is valid until `tags` is modified.
  const std::string* tag(std::string_view key) const;

  bool operator==(const Message&) const = default;
};

// Why a line did not parse. The server maps these to its replies.
enum class LineError {
  kEmpty,          // empty or only spaces/tabs: ignore the line silently
  kInputTooLong,   // a length limit was exceeded: ERR_INPUTTOOLONG (417)
  kInvalidUtf8,    // some byte sequence is not valid UTF-8
  kNulByte,        // a NUL byte somewhere in the line
  kCrOrLf,         // a CR or LF inside the line (the transport strips the final CR LF)
  kNoCommand,      // no command after the tags/source, or one starting with '@' or ':'
  kMalformedTags,  // '@' with no tag data, or a tag key that is empty or has bad bytes
};

// Returns a short English description, e.g. "input line too long".
const char* to_string(LineError error);

// The result of parse_line: a Message, or the LineError saying why not.
// Same shape as pchat::Result. REQUIRES: value() only when ok(), error() only
// when !ok().
class [[nodiscard]] ParsedLine {
 public:
  ParsedLine(Message message) : v_(std::in_place_index<0>, std::move(message)) {}  // NOLINT
  ParsedLine(LineError error) : v_(std::in_place_index<1>, error) {}               // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  Message& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const Message& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  Message&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  Message* operator->() { return &value(); }
  const Message* operator->() const { return &value(); }

  LineError error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

  // Converts to a Result for callers that do not need the LineError:
  // an Error of kind kInvalidInput whose message is to_string(error()).
  Result<Message> to_result() &&;

 private:
  std::variant<Message, LineError> v_;
};

// Which tag limit parse_line applies. The tag section (with '@' and space) is
// never allowed beyond kMaxTagBytes, and the rest of the line never beyond
// kMaxBodyBytes, except with kInternal.
enum class TagLimit {
  kClient,    // tag data at most kMaxClientTagBytes: lines a client sent us
  kServer,    // tag section at most kMaxTagBytes: lines from servers, tests
  kInternal,  // no length limit at all: event lines pchat servers exchange through the
              // store (server/pool_presence.h), which carry a client's whole fields
};

// Parses one line whose CR LF (or LF) has been stripped by the transport.
//
// On success: the command is upper-cased (ASCII); tag values are unescaped
// (\: -> ';', \s -> ' ', \\ -> '\', \r -> CR, \n -> LF, a backslash before any
// other byte is dropped, a trailing lone backslash is dropped); when a key
// appears twice the last value wins (kept at the first key's position); empty
// items between ';' are skipped. Runs of spaces separate fields; leading spaces
// before the command and spaces at the end of the line are ignored; a
// parameter after a 14th one takes the rest of the line. The source is not
// validated (servers ignore a client's source).
//
// The command is the first word after the tags and source; it may not start
// with '@' or ':' (e.g. "  @x" or ":src :x" has no command).
//
// Errors, checked in this order: kEmpty; kInputTooLong (tag section or rest of
// the line too long for `limit`); kNulByte; kCrOrLf; kInvalidUtf8 (anywhere,
// tag values included); kMalformedTags; kNoCommand.
//
// Tag keys must match  ['+'] *(ALPHA / DIGIT / '-' / '.' / '/')  with at least
// one byte after the '+' and not ending in '/'.
ParsedLine parse_line(std::string_view line, TagLimit limit = TagLimit::kClient);

// Appends `value` escaped for the wire (';' -> \:, ' ' -> \s, '\' -> \\,
// CR -> \r, LF -> \n). NUL bytes are dropped.
void append_escaped_tag_value(std::string& out, std::string_view value);

// Appends the unescaped form of a raw (wire) tag value, per parse_line's rules.
void append_unescaped_tag_value(std::string& out, std::string_view raw);

struct SerializeOptions {
  // Prefix the last parameter with ':' even when it does not need it. Some
  // clients expect it on the text of PRIVMSG/NOTICE and on numerics' trailing.
  bool force_trailing = false;
  // Cut the last parameter (at a UTF-8 boundary) so that the line without its tag
  // section fits kMaxLineBytes with CR LF, as IRC requires of every line a client
  // receives. Off only for the event lines pchat servers exchange through the store
  // (TagLimit::kInternal).
  bool fit_line = true;
};

// Appends `message` to `out` as one wire line ending in "\r\n".
//
// Tags are written in order with escaped values ("key" alone when the value is
// empty); the source is prefixed with ':' when non-empty; the last parameter
// is prefixed with ':' when it is empty, starts with ':' or contains a space
// (or always, with force_trailing).
//
// Always produces exactly one line: NUL, CR and LF in the source, command and
// parameters are replaced by spaces. A parameter but the last that is empty,
// starts with ':' or contains a space (or NUL, CR, LF) is written as "*": it can
// only be a client's input echoed back (a bad nick in 432, a bad CHATHISTORY
// argument), and written as is it would shift the receiver's parameters.
// REQUIRES: the command is non-empty; tag keys are valid. With fit_line (the default)
// the last parameter is cut so the line without tags fits kMaxLineBytes; callers
// still cut text they store or show in full (see truncate_utf8) before building.
void append_line(std::string& out, const Message& message, SerializeOptions options = {});

// Returns append_line's output for `message` in a new string.
std::string serialize(const Message& message, SerializeOptions options = {});

}  // namespace pchat::irc
