#include "store/pg.h"

#include <spdlog/spdlog.h>

#include <charconv>

namespace pchat::pg {

std::optional<std::string> ResultSet::opt_str(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return str(row, col);
}

int64_t ResultSet::i64(int row, int col) const {
  auto v = get(row, col);
  int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

int64_t ResultSet::affected() const {
  if (!r_) return 0;
  const char* t = PQcmdTuples(r_.get());
  if (t == nullptr || *t == '\0') return 0;
  int64_t out = 0;
  std::from_chars(t, t + std::char_traits<char>::length(t), out);
  return out;
}

ErrorKind classify_sqlstate(std::string_view s) {
  if (s.size() != 5) return ErrorKind::kUnavailable;  // no SQLSTATE: connection-level failure
  auto cls = s.substr(0, 2);
  if (cls == "08" || cls == "57" || cls == "53" || s == "25006") return ErrorKind::kUnavailable;
  if (s == "23505" || s == "40001" || s == "40P01") return ErrorKind::kConflict;
  if (cls == "22" || cls == "23") return ErrorKind::kInvalidInput;
  return ErrorKind::kInternal;
}

namespace {

// Server notices (e.g. "relation ... already exists, skipping") go to the debug log
// instead of libpq's default, stderr.
void log_notice(void* /*arg*/, const char* message) {
  std::string m = message;
  while (!m.empty() && m.back() == '\n') m.pop_back();
  spdlog::debug("store notice: {}", m);
}

}  // namespace

Result<Connection> Connection::connect(const std::string& conninfo, const char* application_name) {
  // dbname is expanded as the whole conninfo; later keywords override it.
  const char* keys[] = {"dbname", application_name ? "application_name" : nullptr, nullptr};
  const char* values[] = {conninfo.c_str(), application_name, nullptr};
  PGconn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (c == nullptr) return make_error(ErrorKind::kUnavailable, "out of memory connecting");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return make_error(ErrorKind::kUnavailable, msg);
  }
  PQsetNoticeProcessor(c, log_notice, nullptr);
  return Connection(c);
}

Result<ResultSet> Connection::check(PGresult* r) {
  ResultSet rs(r);
  if (r == nullptr) {
    std::string msg = c_ ? PQerrorMessage(c_.get()) : "not connected";
    return make_error(ErrorKind::kUnavailable, msg);
  }
  auto st = PQresultStatus(r);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY ||
      st == PGRES_COPY_IN || st == PGRES_COPY_OUT) {
    return rs;
  }
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  std::string msg = PQresultErrorMessage(r);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (msg.empty() && c_) msg = PQerrorMessage(c_.get());
  ErrorKind kind = classify_sqlstate(state ? state : "");
  if (c_ && PQstatus(c_.get()) != CONNECTION_OK) kind = ErrorKind::kUnavailable;
  return make_error(kind, msg);
}

Status Connection::exec_all(const std::vector<std::string>& statements) {
  for (const auto& sql : statements) {
    if (auto r = exec(sql); !r) return r.error();
  }
  return ok_status();
}

Result<ResultSet> Connection::exec(const std::string& sql) {
  if (!c_) return make_error(ErrorKind::kUnavailable, "not connected");
  return check(PQexec(c_.get(), sql.c_str()));
}

Result<ResultSet> Connection::exec(const std::string& sql, const Params& params) {
  if (!c_) return make_error(ErrorKind::kUnavailable, "not connected");
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return check(PQexecParams(c_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0));
}

Status Connection::ensure_prepared(const std::string& name, const std::string& sql,
                                   size_t n_params) {
  if (prepared_->count(name) > 0) return ok_status();
  auto r =
      check(PQprepare(c_.get(), name.c_str(), sql.c_str(), static_cast<int>(n_params), nullptr));
  if (!r) return r.error();
  prepared_->insert(name);
  return ok_status();
}

Result<ResultSet> Connection::exec_prepared(const std::string& name, const std::string& sql,
                                            const Params& params) {
  if (!c_) return make_error(ErrorKind::kUnavailable, "not connected");
  if (auto st = ensure_prepared(name, sql, params.size()); !st) return st.error();
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return check(PQexecPrepared(c_.get(), name.c_str(), static_cast<int>(values.size()),
                              values.data(), nullptr, nullptr, 0));
}

Result<ResultSet> Connection::exec_binary(const std::string& sql, const Params& params,
                                          const std::vector<bool>& binary, bool binary_results) {
  if (!c_) return make_error(ErrorKind::kUnavailable, "not connected");
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    values.push_back(p ? p->data() : nullptr);
    lengths.push_back(p ? static_cast<int>(p->size()) : 0);
    formats.push_back(i < binary.size() && binary[i] ? 1 : 0);
  }
  return check(PQexecParams(c_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), lengths.data(), formats.data(), binary_results ? 1 : 0));
}

Result<std::vector<ResultSet>> Connection::exec_pipeline(const std::vector<Statement>& statements) {
  if (!c_) return make_error(ErrorKind::kUnavailable, "not connected");
  PGconn* c = c_.get();
  auto broken = [&](const char* what) {
    std::string msg = std::string(what) + ": " + PQerrorMessage(c);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return make_error(ErrorKind::kUnavailable, msg);
  };
  for (const auto& st : statements) {
    if (st.name.empty()) continue;
    if (auto s = ensure_prepared(st.name, st.sql, st.params.size()); !s) return s.error();
  }
  if (PQenterPipelineMode(c) != 1) return broken("cannot enter pipeline mode");
  for (const auto& st : statements) {
    std::vector<const char*> values;
    values.reserve(st.params.size());
    for (const auto& p : st.params) values.push_back(p ? p->c_str() : nullptr);
    const int n = static_cast<int>(values.size());
    const int sent =
        st.name.empty()
            ? PQsendQueryParams(c, st.sql.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0)
            : PQsendQueryPrepared(c, st.name.c_str(), n, values.data(), nullptr, nullptr, 0);
    if (sent != 1) {
      Error e = broken("cannot send a pipelined statement");
      PQexitPipelineMode(c);
      return e;
    }
  }
  if (PQpipelineSync(c) != 1) return broken("cannot send the pipeline sync");
  std::vector<ResultSet> out;
  std::optional<Error> first_error;
  // Each statement yields its result(s) then a NULL; the sync yields PIPELINE_SYNC.
  for (size_t i = 0; i < statements.size(); ++i) {
    while (PGresult* r = PQgetResult(c)) {
      auto st = PQresultStatus(r);
      if (st == PGRES_PIPELINE_ABORTED) {
        PQclear(r);
        continue;
      }
      auto checked = check(r);
      if (!checked) {
        if (!first_error) first_error = checked.error();
      } else {
        out.push_back(std::move(*checked));
      }
    }
    if (PQstatus(c) != CONNECTION_OK) return broken("connection lost in a pipeline");
  }
  // The sync point commits; a failed commit reports its error before the sync.
  bool synced = false;
  for (int tries = 0; tries < 4 && !synced; ++tries) {
    PGresult* r = PQgetResult(c);
    if (r == nullptr) {
      if (PQstatus(c) != CONNECTION_OK) break;
      continue;
    }
    if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
      PQclear(r);
      synced = true;
      break;
    }
    auto checked = check(r);
    if (!checked && !first_error) first_error = checked.error();
  }
  if (!synced) return broken("pipeline ended without its sync");
  if (PQexitPipelineMode(c) != 1) return broken("cannot leave pipeline mode");
  if (first_error) return *first_error;
  return out;
}

std::string Connection::quote_ident(std::string_view ident) const {
  char* q = PQescapeIdentifier(c_.get(), ident.data(), ident.size());
  std::string out = q ? q : "";
  PQfreemem(q);
  return out;
}

std::string Connection::quote_literal(std::string_view value) const {
  char* q = PQescapeLiteral(c_.get(), value.data(), value.size());
  std::string out = q ? q : "";
  PQfreemem(q);
  return out;
}

void append_array_element(std::string& out, const std::optional<std::string>& value) {
  if (out.size() > 1) out.push_back(',');
  if (!value) {
    out += "NULL";
    return;
  }
  out.push_back('"');
  for (char ch : *value) {
    if (ch == '"' || ch == '\\') out.push_back('\\');
    out.push_back(ch);
  }
  out.push_back('"');
}

std::string make_text_array(const std::vector<std::optional<std::string>>& values) {
  std::string out = "{";
  for (const auto& v : values) append_array_element(out, v);
  out.push_back('}');
  return out;
}

}  // namespace pchat::pg
