#include "localcloud/sqlite.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

namespace imago::localcloud {

Stmt::~Stmt() {
  if (s_) sqlite3_finalize(s_);
}

Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

Stmt& Stmt::Bind(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

Status Stmt::Step(bool* row) {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) {
    *row = true;
    return Status::OK();
  }
  *row = false;
  if (rc == SQLITE_DONE) return Status::OK();
  if (rc == SQLITE_CONSTRAINT) {
    return Status::AlreadyExists(std::string("constraint: ") + sqlite3_errmsg(db_));
  }
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    return Status::Unavailable(std::string("catalog busy: ") + sqlite3_errmsg(db_));
  }
  return Status::Internal(std::string("catalog: ") + sqlite3_errmsg(db_));
}

Status Stmt::Run() {
  bool row = true;
  while (row) IMAGO_RETURN_IF_ERROR(Step(&row));
  return Status::OK();
}

void Stmt::Reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

int64_t Stmt::Int(int col) const {
  return sqlite3_column_int64(s_, col);
}

std::string Stmt::Text(int col) const {
  const unsigned char* t = sqlite3_column_text(s_, col);
  if (!t) return std::string();
  return std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(s_, col));
}

bool Stmt::IsNull(int col) const {
  return sqlite3_column_type(s_, col) == SQLITE_NULL;
}

compute::Result<std::unique_ptr<Db>> Db::Open(const std::string& path) {
  // Made 0600 whatever the umask (SQLite gives its -wal and -shm files the
  // database's mode).
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::Unavailable("cannot open catalog " + path + ": " + strerror(errno));
  }
  close(fd);
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    return Status::Unavailable("cannot open catalog " + path + ": " + msg);
  }
  std::unique_ptr<Db> db(new Db(raw));
  sqlite3_busy_timeout(raw, 60000);
  // WAL: readers never block the writer; NORMAL sync is durable across
  // process crashes (kill -9), which is the failure imago guards against.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                             "PRAGMA foreign_keys=ON", "PRAGMA temp_store=MEMORY"}) {
    Status st = db->Exec(pragma);
    if (!st.ok()) return st;
  }
  return db;
}

Db::~Db() {
  sqlite3_close_v2(db_);
}

Status Db::Error(std::string_view what) const {
  int rc = sqlite3_errcode(db_);
  std::string msg = std::string(what) + ": " + sqlite3_errmsg(db_);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Status::Unavailable(msg);
  return Status::Internal(msg);
}

Status Db::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::OK();
  std::string msg = err ? err : "unknown";
  sqlite3_free(err);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Status::Unavailable("catalog busy: " + msg);
  return Status::Internal("catalog: " + msg + " (in: " + sql.substr(0, 60) + ")");
}

compute::Result<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) return Error("prepare");
  return Stmt(db_, s);
}

Status Db::WriteTxn(const std::function<Status()>& fn) {
  thread_local std::minstd_rand rng(std::random_device{}() ^ static_cast<unsigned>(getpid()));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    Status st = Exec("BEGIN IMMEDIATE");
    if (st.ok()) {
      st = fn();
      if (st.ok()) {
        st = Exec("COMMIT");
        if (st.ok()) return st;
      }
      Exec("ROLLBACK");  // Best effort: the transaction may already be gone.
      if (st.code() != compute::Code::kUnavailable) return st;
    }
    if (st.code() != compute::Code::kUnavailable || std::chrono::steady_clock::now() > deadline) {
      return st;
    }
    // Busy despite the busy handler (it cannot wait in every case): back off.
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + rng() % 20));
  }
}

Status Db::ReadTxn(const std::function<Status()>& fn) {
  IMAGO_RETURN_IF_ERROR(Exec("BEGIN"));
  Status st = fn();
  Status end = Exec(st.ok() ? "COMMIT" : "ROLLBACK");
  return st.ok() ? end : st;
}

int64_t Db::LastInsertRowid() const {
  return sqlite3_last_insert_rowid(db_);
}
int Db::Changes() const {
  return sqlite3_changes(db_);
}

}  // namespace imago::localcloud
