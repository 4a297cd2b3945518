#include "directory/config.h"

#include <set>

namespace pchat::directory {

const char* to_string(Precedence p) {
  return p == Precedence::kLocalFirst ? "local-first" : "directory-first";
}

namespace {

class Parser {
 public:
  Parser(const toml::table& t, std::filesystem::path base, std::string_view where)
      : t_(t), base_(std::move(base)), where_(where) {}

  Result<Config> run() {
    static const std::set<std::string, std::less<>> known = {
        "urls",           "ca_file",          "bind_dn",        "bind_password_file",
        "user_base",      "user_filter",      "name_attribute", "group_base",
        "group_filter",   "member_attribute", "precedence",     "refresh_seconds",
        "timeout_seconds"};
    for (auto&& [k, v] : t_) {
      if (known.count(k.str()) == 0) return bad(std::string(k.str()), "unknown key");
    }
    Config c;
    if (auto st = urls(c.urls); !st) return st.error();
    std::string ca, pw, prec;
    for (auto [key, out] : std::initializer_list<std::pair<const char*, std::string*>>{
             {"ca_file", &ca},
             {"bind_dn", &c.bind_dn},
             {"bind_password_file", &pw},
             {"user_base", &c.user_base},
             {"user_filter", &c.user_filter},
             {"name_attribute", &c.name_attribute},
             {"group_base", &c.group_base},
             {"group_filter", &c.group_filter},
             {"member_attribute", &c.member_attribute},
             {"precedence", &prec}}) {
      if (auto st = text(key, *out); !st) return st.error();
    }
    if (!ca.empty()) c.ca_file = base_ / ca;
    if (!pw.empty()) c.bind_password_file = base_ / pw;
    if (auto st = integer("refresh_seconds", 10, 86400, c.refresh_seconds); !st) return st.error();
    if (auto st = integer("timeout_seconds", 1, 60, c.timeout_seconds); !st) return st.error();
    if (!prec.empty() && prec != "local-first" && prec != "directory-first") {
      return bad("precedence", "'" + prec + "' is not local-first or directory-first");
    }
    if (prec == "directory-first") c.precedence = Precedence::kDirectoryFirst;
    return check(std::move(c));
  }

 private:
  Error bad(const std::string& key, const std::string& why) const {
    return invalid_input(std::string(where_) + "." + key + ": " + why);
  }

  Status text(const char* key, std::string& out) const {
    const toml::node* n = t_.get(key);
    if (n == nullptr) return ok_status();
    auto v = n->value_exact<std::string>();
    if (!v) return bad(key, "must be a string");
    out = *v;
    return ok_status();
  }

  Status integer(const char* key, int lo, int hi, int& out) const {
    const toml::node* n = t_.get(key);
    if (n == nullptr) return ok_status();
    auto v = n->value_exact<int64_t>();
    if (!v || *v < lo || *v > hi) {
      return bad(key,
                 "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
    out = static_cast<int>(*v);
    return ok_status();
  }

  Status urls(std::vector<std::string>& out) const {
    const toml::node* n = t_.get("urls");
    const toml::array* arr = n != nullptr ? n->as_array() : nullptr;
    if (arr == nullptr || arr->empty()) {
      return bad("urls", "a list of one or more ldap:// or ldaps:// URLs is needed");
    }
    for (const auto& e : *arr) {
      auto v = e.value_exact<std::string>();
      if (!v || !(v->starts_with("ldap://") || v->starts_with("ldaps://")) ||
          v->find_first_of(" \t") != std::string::npos) {
        return bad("urls", "each entry must be an ldap:// or ldaps:// URL");
      }
      out.push_back(*v);
    }
    return ok_status();
  }

  Result<Config> check(Config c) const {
    if (c.user_base.empty()) return bad("user_base", "needed: where users are searched");
    for (auto [key, f] :
         {std::pair{"user_filter", &c.user_filter}, std::pair{"group_filter", &c.group_filter}}) {
      if (f->size() < 2 || f->front() != '(' || f->back() != ')') {
        return bad(key, "an LDAP filter in parentheses, e.g. (objectClass=person)");
      }
    }
    if (c.name_attribute.empty()) return bad("name_attribute", "must not be empty");
    if (c.member_attribute.empty()) return bad("member_attribute", "must not be empty");
    if (!c.bind_dn.empty() && c.bind_password_file.empty()) {
      return bad("bind_password_file", "needed with bind_dn (the password is never in the file)");
    }
    return c;
  }

  const toml::table& t_;
  const std::filesystem::path base_;
  const std::string_view where_;
};

}  // namespace

Result<Config> parse_config(const toml::table& table, const std::filesystem::path& base_dir,
                            std::string_view where) {
  return Parser(table, base_dir, where).run();
}

std::string describe(const Config& c) {
  std::string urls;
  for (const auto& u : c.urls) urls += (urls.empty() ? "" : " ") + u;
  return "urls [" + urls + "], users under '" + c.user_base + "' " + c.user_filter + " named by " +
         c.name_attribute +
         (c.group_base.empty() ? ", no groups"
                               : ", groups under '" + c.group_base + "' " + c.group_filter) +
         ", " + to_string(c.precedence);
}

}  // namespace pchat::directory
