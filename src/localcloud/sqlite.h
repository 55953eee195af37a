// A thin RAII layer over the SQLite C API that reports failures as Status.
// (SQLiteCpp exists but throws; imago keeps exceptions out of module borders.)
#ifndef IMAGO_LOCALCLOUD_SQLITE_H_
#define IMAGO_LOCALCLOUD_SQLITE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "compute/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace imago::localcloud {

using compute::Status;

/// A prepared statement. Bind with 1-based indexes; Step() until it says done.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  ~Stmt();
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, std::string_view v);
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& BindNull(int i);
  /// Binds `v` or NULL when it is empty.
  Stmt& BindOrNull(int i, std::string_view v) { return v.empty() ? BindNull(i) : Bind(i, v); }

  /// Runs one step: *row is true when a row is ready to read.
  Status Step(bool* row);
  /// Runs to completion, ignoring rows.
  Status Run();
  void Reset();

  int64_t Int(int col) const;
  std::string Text(int col) const;
  bool IsNull(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

/// A connection. Not shared between threads; one per LocalCloud.
class Db {
 public:
  /// Opens (creating) `path` in WAL mode with a busy timeout long enough for
  /// many writers; foreign keys on.
  static compute::Result<std::unique_ptr<Db>> Open(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Status Exec(const std::string& sql);
  compute::Result<Stmt> Prepare(std::string_view sql);

  /// Runs `fn` inside BEGIN IMMEDIATE ... COMMIT (one writer at a time across
  /// processes; readers go on). Rolls back when `fn` fails. Retries the whole
  /// transaction while the database stays busy, up to about a minute.
  Status WriteTxn(const std::function<Status()>& fn);
  /// Runs `fn` inside a read transaction (one consistent snapshot).
  Status ReadTxn(const std::function<Status()>& fn);

  int64_t LastInsertRowid() const;
  int Changes() const;

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  Status Error(std::string_view what) const;
  sqlite3* db_;
};

}  // namespace imago::localcloud

#endif  // IMAGO_LOCALCLOUD_SQLITE_H_
