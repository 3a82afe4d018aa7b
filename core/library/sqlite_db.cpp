#include "library/sqlite_db.h"

#include <chrono>
#include <thread>

#include "imageio/file_util.h"
#include "tensors/error.h"

namespace ripen::library {

bool busy_should_retry(int rc, int& waited_ms) {
  int primary = rc & 0xff;
  if (primary != SQLITE_BUSY && primary != SQLITE_LOCKED) return false;
  if (waited_ms >= kBusyGiveUpMs) return false;
  int nap = waited_ms < 100 ? 2 : 20;
  std::this_thread::sleep_for(std::chrono::milliseconds(nap));
  waited_ms += nap;
  return true;
}

Db::Db(const std::string& path, int flags) : path_(path) {
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(path + ": cannot open library database: " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);
}

Db::~Db() { sqlite3_close_v2(db_); }

void Db::fail(int rc, std::string_view what) const {
  int primary = rc & 0xff;
  std::string detail = sqlite3_errmsg(db_);
  if (primary == SQLITE_FULL) detail = "no space left on device (" + detail + ")";
  if (primary == SQLITE_IOERR && (errno == ENOSPC || errno == EFBIG)) detail = imageio::describe_write_errno(errno) + " (" + detail + ")";
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    detail = "another program kept the library busy for more than " + std::to_string(kBusyGiveUpMs / 1000) + " s";
  if (primary == SQLITE_READONLY) detail = "the library is read-only (" + detail + ")";
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) detail = "the library database is damaged (" + detail + ")";
  throw Error(path_ + ": " + std::string(what) + ": " + detail);
}

void Db::exec(std::string_view sql) {
  std::string s(sql);
  int waited = 0;
  while (true) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc == SQLITE_OK) return;
    if (busy_should_retry(rc, waited)) continue;
    fail(rc, "cannot run '" + s.substr(0, 40) + "'");
  }
}

Stmt::Stmt(Db& db, std::string_view sql) : db_(db) {
  int waited = 0;
  while (true) {
    int rc = sqlite3_prepare_v2(db.raw(), sql.data(), static_cast<int>(sql.size()), &st_, nullptr);
    if (rc == SQLITE_OK) return;
    if (busy_should_retry(rc, waited)) continue;
    db.fail(rc, "cannot prepare query");
  }
}
Stmt::~Stmt() { sqlite3_finalize(st_); }

Stmt& Stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(st_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  sqlite3_bind_double(st_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, const std::string& v) {
  sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(st_, i);
  return *this;
}

bool Stmt::step() {
  int waited = 0;
  while (true) {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3_reset(st_);
    if (busy_should_retry(rc, waited)) continue;
    db_.fail(rc, "query failed");
  }
}
void Stmt::run() {
  while (step()) {
  }
}
void Stmt::reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

int64_t Stmt::i64(int c) const { return sqlite3_column_int64(st_, c); }
double Stmt::f64(int c) const { return sqlite3_column_double(st_, c); }
std::string Stmt::text(int c) const {
  auto p = reinterpret_cast<const char*>(sqlite3_column_text(st_, c));
  return p ? std::string(p, sqlite3_column_bytes(st_, c)) : std::string();
}
bool Stmt::is_null(int c) const { return sqlite3_column_type(st_, c) == SQLITE_NULL; }

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_.raw(), "ROLLBACK", nullptr, nullptr, nullptr);
}
void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace ripen::library
