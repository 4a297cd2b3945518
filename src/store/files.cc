#include "store/files.h"

#include <sodium.h>

#include <vector>

#include "irc/casemap.h"
#include "store/transaction.h"

namespace pchat::store {

const char* const kFilesMigrationSql = R"sql(
CREATE TABLE files (
  id            bigserial PRIMARY KEY,
  room_id       bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  uploader      text NOT NULL,                 -- account
  name          text NOT NULL,                 -- sanitized by the file host
  content_type  text NOT NULL,
  size          bigint NOT NULL CHECK (size >= 0),
  sha256        text NOT NULL,                 -- lower-case hex
  data          bytea NOT NULL,
  msgid         text NOT NULL UNIQUE,          -- the room message announcing it
  ts            timestamptz NOT NULL
);
CREATE INDEX files_room ON files (room_id);
)sql";

namespace {

constexpr const char* kInsertFileSql = R"sql(
INSERT INTO files (room_id, uploader, name, content_type, size, sha256, data, msgid, ts)
SELECT r.id, $2, $3, $4, $5::bigint, $6, $7::bytea, $8,
       timestamptz 'epoch' + $9::bigint * interval '1 microsecond'
FROM rooms r WHERE r.name_key = $1
RETURNING id
)sql";

constexpr const char* kFileInfoSql = R"sql(
SELECT f.id, r.name_key, r.name, f.uploader, f.name, f.content_type, f.size, f.sha256, f.msgid,
       (extract(epoch FROM f.ts) * 1000000)::bigint
FROM files f JOIN rooms r ON r.id = f.room_id WHERE f.id = $1
)sql";

}  // namespace

std::string sha256_hex(const std::string& data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

Result<StoredFile> store_file(pg::Connection& conn, const FileUpload& up) {
  StoredFile f;
  f.room_key = irc::fold(up.room_name);
  f.room_name = up.room_name;
  f.uploader = up.uploader;
  f.name = up.name;
  f.content_type = up.content_type;
  f.size = static_cast<int64_t>(up.data.size());
  f.sha256 = sha256_hex(up.data);
  f.msgid = up.announce.msgid;
  f.ts_us = up.announce.ts_us;

  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st.error();
  auto ins =
      conn.exec_binary(kInsertFileSql,
                       {f.room_key, f.uploader, f.name, f.content_type, std::to_string(f.size),
                        f.sha256, up.data, f.msgid, std::to_string(f.ts_us)},
                       {false, false, false, false, false, false, true}, false);
  if (!ins) return ins.error();
  if (ins->rows() != 1) return make_error(ErrorKind::kNotFound, "no room '" + up.room_name + "'");
  f.id = ins->i64(0, 0);

  // The announcement and the events, as the writer would commit them.
  std::vector<PendingWrite> batch(2);
  batch[0].event_only = true;
  OutboxEvent& e = batch[0].event.emplace();
  e.type = "FILEUPLOAD";
  e.room = f.room_key;
  e.room_name = f.room_name;
  e.account = up.uploader;
  e.nick = up.nick;
  e.content = f.name;
  e.msgid = f.msgid;
  e.ts_us = f.ts_us;
  batch[1].row = up.announce;
  batch[1].row.body = up.announce_body(f);
  OutboxEvent& chat = batch[1].event.emplace(e);
  chat.type = "CHAT";  // content, msgid and time come from the message row
  BatchStatements planned = batch_statements(batch, up.min_epoch, up.writer_id, up.capture);
  for (size_t i = 0; i < planned.statements.size(); ++i) {
    const auto& s = planned.statements[i];
    auto r = conn.exec(s.sql, s.params);
    if (!r) return r.error();
    if (i == 1 && r->rows() != 1) {
      return make_error(ErrorKind::kInternal, "the announcement was not stored");
    }
  }
  if (auto st = tx.commit(); !st) return st.error();
  return f;
}

Result<StoredFile> file_info(pg::Connection& conn, int64_t id) {
  auto r = conn.exec(kFileInfoSql, {std::to_string(id)});
  if (!r) return r.error();
  if (r->rows() == 0) return make_error(ErrorKind::kNotFound, "no such file");
  StoredFile f;
  f.id = r->i64(0, 0);
  f.room_key = r->str(0, 1);
  f.room_name = r->str(0, 2);
  f.uploader = r->str(0, 3);
  f.name = r->str(0, 4);
  f.content_type = r->str(0, 5);
  f.size = r->i64(0, 6);
  f.sha256 = r->str(0, 7);
  f.msgid = r->str(0, 8);
  f.ts_us = r->i64(0, 9);
  return f;
}

Result<std::string> file_data(pg::Connection& conn, int64_t id) {
  auto r = conn.exec_binary("SELECT data FROM files WHERE id = $1", {std::to_string(id)}, {},
                            /*binary_results=*/true);
  if (!r) return r.error();
  if (r->rows() == 0) return make_error(ErrorKind::kNotFound, "no such file");
  return r->str(0, 0);
}

}  // namespace pchat::store
