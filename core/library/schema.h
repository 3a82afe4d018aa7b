#pragma once
// The library's schema, versioned with PRAGMA user_version. Migration i takes version i to i + 1; a library
// written by a newer Ripen (user_version above kSchemaVersion) is refused untouched.
#include "library/sqlite_db.h"

namespace ripen::library {

inline constexpr int kSchemaVersion = 5;

int schema_version(Db& db);
// Brings the database to kSchemaVersion (tests: to `target`) inside one transaction. Throws ripen::Error for
// newer versions.
void migrate(Db& db, const std::string& where, int target = kSchemaVersion);
// Throws when the version is newer than this build understands (used for read-only opens too).
void refuse_newer(int version, const std::string& where);

}  // namespace ripen::library
