// Files shared in rooms (migration 8): the bytes and their metadata in
// `mgc`, table `files`, one row per upload, removed with its room (ON DELETE
// CASCADE on the room's id, so a renamed room keeps its files).
//
// An upload is ONE transaction: the file row, then the statements the group-commit
// writer would run for the room message announcing it (store/writer.h
// batch_statements: the pool-wide message lock with the epoch fence, the message
// INSERT with its NOTIFY, the compliance outbox rows FILEUPLOAD and CHAT when
// capture is on). So the file, its announcement and its events commit together or
// not at all, and the announcement reaches every server through the message stream
// like any message (docs/design.md#invariant-1-acknowledged-means-committed). Uploads are rare and
// large: one transaction each is fine (the hot path stays batched). The message lock is taken after
// the big INSERT, so other writers wait only for the small statements and the commit.
//
// Blocking (store and CPU for the hash): call off the event loop.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/result.h"
#include "store/pg.h"
#include "store/writer.h"

namespace pchat::store {

// Migration 8's SQL (the list is in migrations.cc).
extern const char* const kFilesMigrationSql;

struct StoredFile {
  int64_t id = 0;
  std::string room_key;   // irc::fold(room name): the messages' target
  std::string room_name;  // display name
  std::string uploader;   // account
  std::string name;       // sanitized file name
  std::string content_type;
  int64_t size = 0;    // bytes
  std::string sha256;  // lower-case hex
  std::string msgid;   // of the announcing message
  int64_t ts_us = 0;
};

struct FileUpload {
  std::string room_name;  // the room (any case); must exist
  std::string uploader;   // account
  std::string name;
  std::string content_type;
  std::string data;
  // The announcing message: everything but its body, which announce_body makes
  // from the stored file (its id is known only inside the transaction). msgid and
  // target must be set.
  MessageRow announce;
  std::function<std::string(const StoredFile&)> announce_body;
  // Compliance: when true, FILEUPLOAD (content: the file name) and CHAT (the
  // announcement) go to the outbox in the same transaction.
  bool capture = false;
  std::string nick;       // the uploader's nick in the events
  int64_t min_epoch = 0;  // the fence (store/target.h)
  std::string writer_id;  // names this server in the NOTIFY
};

// Stores `up` and its announcement. kNotFound when the room does not exist (any
// more); kUnavailable when the store cannot commit (nothing is stored).
Result<StoredFile> store_file(pg::Connection& conn, const FileUpload& up);

// The file's metadata (no bytes); kNotFound if there is no such file.
Result<StoredFile> file_info(pg::Connection& conn, int64_t id);
// The file's bytes; kNotFound if there is no such file (any more).
Result<std::string> file_data(pg::Connection& conn, int64_t id);

// Lower-case hex SHA-256 of `data` (libsodium).
std::string sha256_hex(const std::string& data);

}  // namespace pchat::store
