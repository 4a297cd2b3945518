#include "server/file_request.h"

#include <sodium.h>

#include <cctype>
#include <charconv>
#include <cstdio>

#include "core/text.h"
#include "irc/casemap.h"
#include "irc/utf8.h"

namespace pchat::server {

namespace {

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

bool is_token_char(unsigned char c) {
  return std::isalnum(c) != 0 ||
         std::string_view("!#$&-^_.+").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc() && p == s.data() + i + 3) {
        out.push_back(static_cast<char>(v));
        i += 2;
      } else {
        out.push_back(s[i]);
      }
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (is_unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::optional<FilesUrl> parse_files_url(std::string_view url, std::string& error) {
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else {
    error = "the files URL '" + std::string(url) + "' is not an http:// or https:// URL";
    return std::nullopt;
  }
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f || c == ',' || c == '?' || c == '#') {
      error = "the files URL '" + std::string(url) +
              "' has a blank, a control character, ',', '?' or '#'";
      return std::nullopt;
    }
  }
  while (url.ends_with('/')) url.remove_suffix(1);
  while (rest.ends_with('/')) rest.remove_suffix(1);
  const auto slash = rest.find('/');
  if (rest.empty() || slash == 0) {
    error = "the files URL '" + std::string(url) + "' has no host";
    return std::nullopt;
  }
  FilesUrl out;
  out.url = std::string(url);
  out.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  return out;
}

FileRoute parse_file_route(std::string_view target, std::string_view prefix) {
  FileRoute r;
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (!target.starts_with(prefix)) return r;
  target.remove_prefix(prefix.size());
  if (target.empty() || target == "/") {
    r.kind = FileRoute::kRoot;
    return r;
  }
  if (target.front() != '/') return r;
  target.remove_prefix(1);
  const auto slash = target.find('/');
  if (slash == std::string_view::npos) {
    r.room = percent_decode(target, false);
    if (r.room.empty()) return r;
    if (r.room.front() != '#') r.room.insert(r.room.begin(), '#');
    r.kind = FileRoute::kRoom;
    return r;
  }
  std::string_view id = target.substr(0, slash), name = target.substr(slash + 1);
  auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), r.id);
  if (ec != std::errc() || p != id.data() + id.size() || r.id <= 0 || name.empty() ||
      name.find('/') != std::string_view::npos) {
    return r;
  }
  r.name = percent_decode(name, false);
  r.kind = FileRoute::kFile;
  return r;
}

std::optional<std::pair<std::string, std::string>> parse_basic_auth(std::string_view header) {
  header = text::trim_blanks(header);
  if (header.size() < 6 || !irc::equal_folded(header.substr(0, 6), "Basic ")) return std::nullopt;
  std::string_view b64 = text::trim_blanks(header.substr(6));
  if (b64.empty() || b64.size() > 1024) return std::nullopt;
  std::string decoded(b64.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                        b64.data(), b64.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  decoded.resize(len);
  const auto colon = decoded.find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  return std::make_pair(decoded.substr(0, colon), decoded.substr(colon + 1));
}

std::string disposition_filename(std::string_view header) {
  std::string plain, extended;
  while (!header.empty()) {
    // One parameter: up to the next ';' outside quotes.
    size_t end = 0;
    bool quoted = false;
    for (; end < header.size(); ++end) {
      const char c = header[end];
      if (c == '\\' && quoted && end + 1 < header.size()) {
        ++end;  // an escaped character
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == ';' && !quoted) {
        break;
      }
    }
    std::string_view param = text::trim_blanks(header.substr(0, std::min(end, header.size())));
    header = end < header.size() ? header.substr(end + 1) : std::string_view{};
    const auto eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = text::trim_blanks(param.substr(0, eq)),
                     value = text::trim_blanks(param.substr(eq + 1));
    if (irc::equal_folded(key, "filename*")) {
      // charset'language'percent-encoded (RFC 5987); UTF-8 only.
      const auto q1 = value.find('\''), q2 = value.find('\'', q1 + 1);
      if (q1 != std::string_view::npos && q2 != std::string_view::npos &&
          irc::equal_folded(value.substr(0, q1), "UTF-8")) {
        extended = percent_decode(value.substr(q2 + 1), false);
      }
    } else if (irc::equal_folded(key, "filename")) {
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
        plain.clear();
        for (size_t i = 0; i < value.size(); ++i) {
          if (value[i] == '\\' && i + 1 < value.size()) ++i;
          plain.push_back(value[i]);
        }
      } else {
        plain = std::string(value);
      }
    }
  }
  return extended.empty() ? plain : extended;
}

std::string sanitize_filename(std::string_view raw) {
  // The last path component, whichever separator the client's system uses.
  if (auto cut = raw.find_last_of("/\\"); cut != std::string_view::npos) {
    raw = raw.substr(cut + 1);
  }
  const bool utf8 = irc::is_valid_utf8(raw);
  std::string out;
  for (unsigned char c : raw) {
    if (c >= 0x80) {
      out.push_back(utf8 ? static_cast<char>(c) : '_');
    } else if (std::isalnum(c) != 0 ||
               std::string_view(" .-_+()[]@=~,").find(static_cast<char>(c)) !=
                   std::string_view::npos) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('_');
    }
  }
  size_t start = 0;
  while (start < out.size() && (out[start] == '.' || out[start] == ' ')) ++start;
  out.erase(0, start);
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) out.pop_back();
  if (out.size() > kMaxFileNameBytes) {
    // Keep a short extension: "very-long-name....pdf" -> "very-lo.pdf".
    std::string ext;
    if (auto dot = out.rfind('.'); dot != std::string::npos && out.size() - dot <= 10) {
      ext = out.substr(dot);
    }
    std::string stem(irc::truncate_utf8(out, kMaxFileNameBytes - ext.size()));
    out = stem + ext;
  }
  return out.empty() ? "file" : out;
}

std::string sanitize_content_type(std::string_view raw) {
  static const std::string kDefault = "application/octet-stream";
  std::string_view type = text::trim_blanks(raw.substr(0, raw.find(';')));
  const auto slash = type.find('/');
  if (type.empty() || type.size() > 100 || slash == std::string_view::npos || slash == 0 ||
      slash + 1 == type.size()) {
    return kDefault;
  }
  std::string out;
  for (size_t i = 0; i < type.size(); ++i) {
    const auto c = static_cast<unsigned char>(type[i]);
    if (i == slash) {
      out.push_back('/');
    } else if (is_token_char(c)) {
      out.push_back(static_cast<char>(std::tolower(c)));
    } else {
      return kDefault;
    }
  }
  // A charset is worth keeping for text; other parameters are dropped.
  if (auto semi = raw.find(';'); semi != std::string_view::npos) {
    std::string_view params = raw.substr(semi + 1);
    while (!params.empty()) {
      auto next = params.find(';');
      std::string_view p = text::trim_blanks(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
      auto eq = p.find('=');
      if (eq == std::string_view::npos ||
          !irc::equal_folded(text::trim_blanks(p.substr(0, eq)), "charset"))
        continue;
      std::string_view cs = text::trim_blanks(p.substr(eq + 1));
      if (cs.size() >= 2 && cs.front() == '"' && cs.back() == '"') cs = cs.substr(1, cs.size() - 2);
      bool ok = !cs.empty() && cs.size() <= 40;
      for (unsigned char c : cs) ok = ok && is_token_char(c);
      if (ok) out += "; charset=" + std::string(cs);
      break;
    }
  }
  return out;
}

std::string format_size(int64_t bytes) {
  char buf[32];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  } else if (bytes < 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(bytes) / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / (1024.0 * 1024));
  }
  return buf;
}

std::string attachment_disposition(std::string_view name) {
  std::string ascii;
  for (unsigned char c : name) {
    ascii.push_back(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? static_cast<char>(c) : '_');
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + percent_encode(name);
}

}  // namespace pchat::server
