#include "directory/ldap_client.h"

#include <ldap.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <memory>

#include "core/secret_file.h"

namespace pchat::directory {

namespace {

std::string ldap_error_text(int rc) {
  return ldap_err2string(rc);
}

// An open, service-bound connection to one server.
struct Handle {
  LDAP* ld = nullptr;
  std::string url;
  ~Handle() {
    if (ld != nullptr) ldap_unbind_ext_s(ld, nullptr, nullptr);
  }
};

void set_options(LDAP* ld, const Config& c) {
  const int v3 = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  timeval tv{c.timeout_seconds, 0};
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
  const int demand = LDAP_OPT_X_TLS_DEMAND;
  ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
  if (!c.ca_file.empty()) ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, c.ca_file.c_str());
  const int server_side = 0;
  ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &server_side);  // apply the TLS options above
}

// A simple bind: LDAP_SUCCESS, LDAP_INVALID_CREDENTIALS or another code.
int simple_bind(LDAP* ld, const std::string& dn, const std::string& password) {
  berval cred{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
  return ldap_sasl_bind_s(ld, dn.empty() ? nullptr : dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr,
                          nullptr, nullptr);
}

// Opens, secures and service-binds a connection to `url`; the reason when it cannot.
Result<std::unique_ptr<Handle>> open_one(const Config& c, const std::string& url) {
  auto h = std::make_unique<Handle>();
  h->url = url;
  int rc = ldap_initialize(&h->ld, url.c_str());
  if (rc != LDAP_SUCCESS) return make_error(ErrorKind::kUnavailable, ldap_error_text(rc));
  set_options(h->ld, c);
  if (url.starts_with("ldap://")) {
    rc = ldap_start_tls_s(h->ld, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) {
      return make_error(ErrorKind::kUnavailable, "StartTLS: " + ldap_error_text(rc));
    }
  }
  std::string password;
  if (!c.bind_dn.empty()) {
    auto pw = read_secret_file(c.bind_password_file, /*create_if_missing=*/false);
    if (!pw)
      return make_error(ErrorKind::kUnavailable, "bind_password_file: " + pw.error().message);
    password = std::move(*pw);
  }
  rc = simple_bind(h->ld, c.bind_dn, password);
  if (rc != LDAP_SUCCESS) {
    return make_error(ErrorKind::kUnavailable,
                      "service bind as '" + c.bind_dn + "': " + ldap_error_text(rc));
  }
  return h;
}

// The first server that answers, starting at `first`; `first` is moved to it.
Result<std::unique_ptr<Handle>> open(const Config& c, std::atomic<size_t>& first) {
  std::string why;
  const size_t n = c.urls.size();
  const size_t start = first.load() % n;
  for (size_t i = 0; i < n; ++i) {
    const size_t k = (start + i) % n;
    auto h = open_one(c, c.urls[k]);
    if (h) {
      if (k != start) spdlog::info("directory: using {}", c.urls[k]);
      first.store(k);
      return h;
    }
    spdlog::warn("directory: {}: {}", c.urls[k], h.error().message);
    why += (why.empty() ? "" : "; ") + c.urls[k] + ": " + h.error().message;
  }
  return make_error(ErrorKind::kUnavailable, "the directory is unavailable: " + why);
}

Error search_failed(const Handle& h, const char* what, int rc) {
  return make_error(ErrorKind::kUnavailable, "the directory is unavailable: " + h.url + ": " +
                                                 what + ": " + ldap_error_text(rc));
}

std::vector<std::string> values(LDAP* ld, LDAPMessage* entry, const std::string& attr) {
  std::vector<std::string> out;
  berval** vals = ldap_get_values_len(ld, entry, attr.c_str());
  if (vals == nullptr) return out;
  for (int i = 0; vals[i] != nullptr; ++i) out.emplace_back(vals[i]->bv_val, vals[i]->bv_len);
  ldap_value_free_len(vals);
  return out;
}

std::string dn_of(LDAP* ld, LDAPMessage* entry) {
  char* dn = ldap_get_dn(ld, entry);
  std::string out = dn != nullptr ? dn : "";
  ldap_memfree(dn);
  return out;
}

using EntryFn = std::function<void(LDAP*, LDAPMessage*)>;

// A subtree search in pages of 500 (RFC 2696), `fn` called for each entry.
Status paged_search(const Handle& h, const Config& c, const std::string& base,
                    const std::string& filter, const std::string& attr, const EntryFn& fn) {
  char* attrs[] = {const_cast<char*>(attr.c_str()), nullptr};
  berval cookie{0, nullptr};
  timeval tv{c.timeout_seconds, 0};
  for (;;) {
    LDAPControl* page = nullptr;
    int rc = ldap_create_page_control(h.ld, 500, &cookie, 0, &page);
    ber_memfree(cookie.bv_val);
    cookie = {0, nullptr};
    if (rc != LDAP_SUCCESS) return search_failed(h, "paged results", rc);
    LDAPControl* ctrls[] = {page, nullptr};
    LDAPMessage* res = nullptr;
    rc = ldap_search_ext_s(h.ld, base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(), attrs, 0, ctrls,
                           nullptr, &tv, 0, &res);
    ldap_control_free(page);
    if (rc != LDAP_SUCCESS) {
      ldap_msgfree(res);
      return search_failed(h, ("search of '" + base + "'").c_str(), rc);
    }
    for (LDAPMessage* e = ldap_first_entry(h.ld, res); e != nullptr; e = ldap_next_entry(h.ld, e)) {
      fn(h.ld, e);
    }
    LDAPControl** rctrls = nullptr;
    int err = LDAP_SUCCESS;
    ldap_parse_result(h.ld, res, &err, nullptr, nullptr, nullptr, &rctrls, 0);
    ldap_msgfree(res);
    LDAPControl* resp = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, nullptr);
    ber_int_t estimate = 0;
    if (resp != nullptr) ldap_parse_pageresponse_control(h.ld, resp, &estimate, &cookie);
    ldap_controls_free(rctrls);
    if (cookie.bv_len == 0) break;
  }
  ber_memfree(cookie.bv_val);
  return ok_status();
}

}  // namespace

std::string escape_filter_value(std::string_view value) {
  berval in{static_cast<ber_len_t>(value.size()), const_cast<char*>(value.data())};
  berval out{0, nullptr};
  if (ldap_bv2escaped_filter_value(&in, &out) != 0) return {};
  std::string s(out.bv_val, out.bv_len);
  ber_memfree(out.bv_val);
  return s;
}

Result<Check> Client::verify(const std::string& name, const std::string& password) const {
  auto h = open(config_, first_url_);
  if (!h) return h.error();
  LDAP* ld = (*h)->ld;
  const std::string filter = "(&" + config_.user_filter + "(" + config_.name_attribute + "=" +
                             escape_filter_value(name) + "))";
  char* attrs[] = {const_cast<char*>(config_.name_attribute.c_str()), nullptr};
  timeval tv{config_.timeout_seconds, 0};
  LDAPMessage* res = nullptr;
  int rc = ldap_search_ext_s(ld, config_.user_base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(),
                             attrs, 0, nullptr, nullptr, &tv, 2, &res);
  std::unique_ptr<LDAPMessage, int (*)(LDAPMessage*)> hold(res, ldap_msgfree);
  if (rc == LDAP_SIZELIMIT_EXCEEDED || (rc == LDAP_SUCCESS && ldap_count_entries(ld, res) > 1)) {
    spdlog::warn("directory: more than one entry matches {}: nobody signs in by that name", filter);
    return Check{};
  }
  if (rc != LDAP_SUCCESS) return search_failed(**h, "user search", rc);
  LDAPMessage* e = ldap_first_entry(ld, res);
  if (e == nullptr) return Check{};
  Check out{Check::kWrongPassword, {}, dn_of(ld, e)};
  const auto names = values(ld, e, config_.name_attribute);
  if (names.empty()) return Check{};
  if (password.empty()) return out;  // never an unauthenticated bind
  rc = simple_bind(ld, out.dn, password);
  if (rc == LDAP_INVALID_CREDENTIALS) return out;
  if (rc != LDAP_SUCCESS) return search_failed(**h, "bind as the user", rc);
  out.verdict = Check::kOk;
  out.name = names.front();
  return out;
}

Result<Snapshot> Client::snapshot() const {
  auto h = open(config_, first_url_);
  if (!h) return h.error();
  Snapshot s;
  s.url = (*h)->url;
  auto st = paged_search(**h, config_, config_.user_base, config_.user_filter,
                         config_.name_attribute, [&](LDAP* ld, LDAPMessage* e) {
                           auto names = values(ld, e, config_.name_attribute);
                           if (!names.empty()) s.users.push_back({dn_of(ld, e), names.front()});
                         });
  if (!st) return st.error();
  if (config_.group_base.empty()) return s;
  st = paged_search(**h, config_, config_.group_base, config_.group_filter,
                    config_.member_attribute, [&](LDAP* ld, LDAPMessage* e) {
                      s.groups.push_back({dn_of(ld, e), values(ld, e, config_.member_attribute)});
                    });
  if (!st) return st.error();
  return s;
}

Result<std::string> Client::probe() const {
  auto h = open(config_, first_url_);
  if (!h) return h.error();
  return (*h)->url;
}

}  // namespace pchat::directory
