// From what the directory lists (ldap_client.h Snapshot) to what pchat stores
// (store::DirectoryView): the names of the users who may sign in, and the groups as
// pchat groups named by their DNs, their members as principals.
//
// Members: a value with '=' is a DN: a user of the snapshot becomes that account, a
// group of the snapshot a nested group (resolved by chat::Directory, cycles
// tolerated); any other DN (a disabled user, an entry outside the bases) is left
// out. A value without '=' (posixGroup's memberUid) is an account name, kept when
// the snapshot lists that user. DNs compare by chat::group_key (ASCII case, blanks
// around ',' and '=' ignored). Users whose name is not a valid pchat account name,
// and groups whose DN is not a valid group name, are left out and logged.
//
// Pure (but for the log lines), thread-safe.
#pragma once

#include "directory/ldap_client.h"
#include "store/directory.h"

namespace pchat::directory {

store::DirectoryView to_view(const Snapshot& snapshot);

}  // namespace pchat::directory
