#include "irc/message.h"

#include <cstring>
#include <unordered_map>

#include "irc/utf8.h"

namespace pchat::irc {

namespace {

// Bytes that may never appear in a line (the transport strips the final CR LF).
constexpr std::string_view kLineBreakers("\0\r\n", 3);
// Bytes that must be escaped in a tag value on the wire.
constexpr std::string_view kTagSpecials("; \\\r\n\0", 6);

constexpr char to_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
}

bool is_valid_tag_key(std::string_view key) {
  if (!key.empty() && key[0] == '+') key.remove_prefix(1);
  if (key.empty() || key.back() == '/') return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

std::size_t skip_spaces(std::string_view s, std::size_t pos) {
  while (pos < s.size() && s[pos] == ' ') ++pos;
  return pos;
}

// Parses the tag data (between '@' and the space) into `tags`. Keys are plain
// ASCII, so views into `data` can index them for de-duplication.
bool parse_tags(std::string_view data, std::vector<Tag>& tags) {
  if (data.empty()) return false;
  // Linear search for duplicates is fastest for the usual handful of tags; a
  // hash index bounds the cost of a line stuffed with thousands of tiny tags.
  constexpr std::size_t kLinearMax = 16;
  std::vector<std::string_view> keys;  // keys[i] is tags[i].key, viewed in `data`
  std::unordered_map<std::string_view, std::size_t> index;
  std::size_t pos = 0;
  while (pos <= data.size()) {
    std::size_t end = data.find(';', pos);
    if (end == std::string_view::npos) end = data.size();
    std::string_view item = data.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    const std::string_view raw =
        eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    if (!is_valid_tag_key(key)) return false;

    std::size_t found = keys.size();
    if (index.empty() && keys.size() < kLinearMax) {
      for (std::size_t i = 0; i < keys.size(); ++i) {
        if (keys[i] == key) found = i;
      }
    } else {
      if (index.empty()) {
        for (std::size_t i = 0; i < keys.size(); ++i) index.emplace(keys[i], i);
      }
      found = index.emplace(key, keys.size()).first->second;
    }
    if (found < keys.size()) {
      tags[found].value.clear();
      append_unescaped_tag_value(tags[found].value, raw);
    } else {
      keys.push_back(key);
      Tag& t = tags.emplace_back();
      t.key.assign(key);
      append_unescaped_tag_value(t.value, raw);
    }
  }
  return true;
}

// Appends `s` with NUL, CR and LF replaced by spaces, so a line stays one line.
void append_one_line(std::string& out, std::string_view s) {
  std::size_t bad = s.find_first_of(kLineBreakers);
  if (bad == std::string_view::npos) {
    out.append(s);
    return;
  }
  const std::size_t start = out.size();
  out.append(s);
  for (std::size_t i = start + bad; i < out.size(); ++i) {
    if (out[i] == '\0' || out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  }
}

}  // namespace

const std::string* Message::tag(std::string_view key) const {
  for (const Tag& t : tags) {
    if (t.key == key) return &t.value;
  }
  return nullptr;
}

const char* to_string(LineError error) {
  switch (error) {
    case LineError::kEmpty:
      return "empty line";
    case LineError::kInputTooLong:
      return "input line too long";
    case LineError::kInvalidUtf8:
      return "line is not valid UTF-8";
    case LineError::kNulByte:
      return "line contains a NUL byte";
    case LineError::kCrOrLf:
      return "line contains a CR or LF byte";
    case LineError::kNoCommand:
      return "line has no command";
    case LineError::kMalformedTags:
      return "malformed message tags";
  }
  return "unknown line error";
}

Result<Message> ParsedLine::to_result() && {
  if (ok()) return std::move(*this).value();
  return make_error(ErrorKind::kInvalidInput, to_string(error()));
}

ParsedLine parse_line(std::string_view line, TagLimit limit) {
  if (line.find_first_not_of(" \t") == std::string_view::npos) return LineError::kEmpty;

  // 1. Split off the tag section and check the two length limits.
  std::string_view tag_data;
  std::size_t pos = 0;
  const bool has_tags = line[0] == '@';
  if (has_tags) {
    const std::size_t space = line.find(' ');
    const std::size_t data_end = space == std::string_view::npos ? line.size() : space;
    tag_data = line.substr(1, data_end - 1);
    const std::size_t max_data =
        limit == TagLimit::kClient ? kMaxClientTagBytes : kMaxTagBytes - 2;  // '@' and ' '
    if (tag_data.size() > max_data && limit != TagLimit::kInternal) {
      return LineError::kInputTooLong;
    }
    pos = data_end;
  }
  pos = skip_spaces(line, pos);
  const std::string_view body = line.substr(pos);
  if (body.size() > kMaxBodyBytes && limit != TagLimit::kInternal) {
    return LineError::kInputTooLong;
  }

  // 2. Bytes that are never allowed, then the encoding.
  if (std::memchr(line.data(), '\0', line.size()) != nullptr) return LineError::kNulByte;
  if (line.find_first_of("\r\n") != std::string_view::npos) return LineError::kCrOrLf;
  if (!is_valid_utf8(line)) return LineError::kInvalidUtf8;

  Message m;
  if (has_tags && !parse_tags(tag_data, m.tags)) return LineError::kMalformedTags;

  // 3. Source, command, parameters.
  pos = 0;
  if (!body.empty() && body[0] == ':') {
    const std::size_t space = body.find(' ');
    if (space == std::string_view::npos) return LineError::kNoCommand;
    m.source.assign(body.substr(1, space - 1));
    pos = skip_spaces(body, space);
  }
  {
    std::size_t end = body.find(' ', pos);
    if (end == std::string_view::npos) end = body.size();
    // A command starting with '@' or ':' (possible only after leading spaces,
    // or after a source) would be re-read as tags or a source.
    if (end == pos || body[pos] == '@' || body[pos] == ':') return LineError::kNoCommand;
    m.command.assign(body.substr(pos, end - pos));
    for (char& c : m.command) c = to_upper(c);
    pos = end;
  }
  while (true) {
    pos = skip_spaces(body, pos);
    if (pos >= body.size()) break;
    if (body[pos] == ':' || m.params.size() == kMaxParams - 1) {
      std::string_view rest = body.substr(pos);
      if (rest[0] == ':') rest.remove_prefix(1);
      m.params.emplace_back(rest);
      break;
    }
    std::size_t end = body.find(' ', pos);
    if (end == std::string_view::npos) end = body.size();
    m.params.emplace_back(body.substr(pos, end - pos));
    pos = end;
  }
  return m;
}

void append_escaped_tag_value(std::string& out, std::string_view value) {
  while (!value.empty()) {
    const std::size_t special = value.find_first_of(kTagSpecials);
    if (special == std::string_view::npos) {
      out.append(value);
      return;
    }
    out.append(value.substr(0, special));
    switch (value[special]) {
      case ';':
        out.append("\\:");
        break;
      case ' ':
        out.append("\\s");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\n':
        out.append("\\n");
        break;
      default:  // NUL: not representable, dropped
        break;
    }
    value.remove_prefix(special + 1);
  }
}

void append_unescaped_tag_value(std::string& out, std::string_view raw) {
  while (!raw.empty()) {
    const std::size_t backslash = raw.find('\\');
    if (backslash == std::string_view::npos) {
      out.append(raw);
      return;
    }
    out.append(raw.substr(0, backslash));
    if (backslash + 1 == raw.size()) return;  // trailing lone backslash: dropped
    switch (const char c = raw[backslash + 1]) {
      case ':':
        out.push_back(';');
        break;
      case 's':
        out.push_back(' ');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'n':
        out.push_back('\n');
        break;
      default:  // "\\" gives '\'; an unknown escape drops the backslash
        out.push_back(c);
        break;
    }
    raw.remove_prefix(backslash + 2);
  }
}

void append_line(std::string& out, const Message& message, SerializeOptions options) {
  if (!message.tags.empty()) {
    out.push_back('@');
    bool first = true;
    for (const Tag& t : message.tags) {
      if (!first) out.push_back(';');
      first = false;
      out.append(t.key);
      if (!t.value.empty()) {
        out.push_back('=');
        append_escaped_tag_value(out, t.value);
      }
    }
    out.push_back(' ');
  }
  const std::size_t body_start = out.size();
  std::size_t last_start = std::string::npos;  // where the last parameter's bytes begin
  if (!message.source.empty()) {
    out.push_back(':');
    append_one_line(out, message.source);
    out.push_back(' ');
  }
  append_one_line(out, message.command);
  const std::size_t n = message.params.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& p = message.params[i];
    out.push_back(' ');
    const bool needs_trailing =
        p.empty() || p[0] == ':' ||
        p.find_first_of(std::string_view(" \0\r\n", 4)) != std::string::npos;
    if (i + 1 < n && needs_trailing) {
      out.push_back('*');  // see message.h: it cannot be written as a middle parameter
      continue;
    }
    if (i + 1 == n && (options.force_trailing || needs_trailing)) out.push_back(':');
    if (i + 1 == n) last_start = out.size();
    append_one_line(out, p);
  }
  if (options.fit_line && last_start != std::string::npos &&
      out.size() - body_start > kMaxBodyBytes && last_start - body_start < kMaxBodyBytes) {
    const std::size_t room = kMaxBodyBytes - (last_start - body_start);
    const std::string_view last(out.data() + last_start, out.size() - last_start);
    out.resize(last_start + truncate_utf8(last, room).size());
  }
  out.append("\r\n");
}

std::string serialize(const Message& message, SerializeOptions options) {
  std::string out;
  append_line(out, message, options);
  return out;
}

}  // namespace pchat::irc
