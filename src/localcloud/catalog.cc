#include "localcloud/catalog.h"

#include <charconv>

#include "compute/resource_ref.h"

namespace imago::localcloud {

using compute::Json;
using compute::Status;

namespace {

// Each entry migrates the schema from version i to i+1. Never edit an entry
// that has shipped: append a new one.
const char* const kMigrations[] = {
    // 0 -> 1
    R"sql(
CREATE TABLE images(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id INTEGER NOT NULL UNIQUE,
  project TEXT NOT NULL,
  name TEXT NOT NULL,
  family TEXT,
  creation_us INTEGER NOT NULL,
  status TEXT NOT NULL,
  state TEXT NOT NULL,
  content TEXT,
  resource TEXT NOT NULL,
  UNIQUE(project, name));
CREATE INDEX images_by_family ON images(project, family, creation_us);
CREATE INDEX images_by_family_name ON images(project, family, name);
CREATE INDEX images_by_time ON images(project, creation_us, name);
CREATE INDEX images_by_content ON images(content);
CREATE TABLE blobs(
  digest TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  format TEXT NOT NULL,
  virtual_size INTEGER NOT NULL,
  created_us INTEGER NOT NULL);
CREATE TABLE blob_trash(digest TEXT PRIMARY KEY);
CREATE TABLE operations(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id INTEGER NOT NULL UNIQUE,
  project TEXT NOT NULL,
  name TEXT NOT NULL UNIQUE,
  request_id TEXT,
  status TEXT NOT NULL,
  insert_us INTEGER NOT NULL,
  work TEXT,
  resource TEXT NOT NULL,
  UNIQUE(project, request_id));
CREATE INDEX operations_unfinished ON operations(status) WHERE status != 'DONE';
)sql",
    // 1 -> 2: disks, snapshots and instances; zonal operations.
    R"sql(
ALTER TABLE operations ADD COLUMN zone TEXT NOT NULL DEFAULT '';
CREATE INDEX operations_by_zone ON operations(project, zone, seq);
CREATE TABLE resources(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id INTEGER NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  project TEXT NOT NULL,
  zone TEXT NOT NULL,
  name TEXT NOT NULL,
  creation_us INTEGER NOT NULL,
  status TEXT NOT NULL,
  content TEXT,
  source_image_id INTEGER,
  resource TEXT NOT NULL,
  local TEXT NOT NULL,
  UNIQUE(kind, project, zone, name));
CREATE INDEX resources_by_time ON resources(kind, project, zone, creation_us, name);
CREATE INDEX resources_by_content ON resources(content);
CREATE INDEX resources_by_source_image ON resources(source_image_id);
)sql",
    // 2 -> 3: a blob may be a qcow2 delta over another blob (an image baked
    // from a disk keeps only what the builder wrote); the parent stays while
    // a child needs it.
    R"sql(
ALTER TABLE blobs ADD COLUMN parent TEXT NOT NULL DEFAULT '';
CREATE INDEX blobs_by_parent ON blobs(parent);
)sql",
};

constexpr const char* kImageCols = "resource, creation_us, content";

Result<ImageRow> ReadImage(Stmt& s) {
  Json j = Json::parse(s.Text(0), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Internal("catalog: corrupt image row");
  auto im = compute::ImageFromJson(j);
  if (!im.ok()) return Status::Internal("catalog: corrupt image row: " + im.status().message());
  ImageRow row;
  row.image = std::move(im.value());
  row.creation_us = s.Int(1);
  row.content = s.Text(2);
  return row;
}

constexpr const char* kResourceCols =
    "kind, project, zone, name, id, creation_us, status, content, source_image_id, resource, "
    "local";

Result<ResourceRow> ReadResource(Stmt& s) {
  ResourceRow r;
  r.kind = s.Text(0);
  r.project = s.Text(1);
  r.zone = s.Text(2);
  r.name = s.Text(3);
  r.id = static_cast<uint64_t>(s.Int(4));
  r.creation_us = s.Int(5);
  r.content = s.Text(7);
  r.source_image_id = static_cast<uint64_t>(s.Int(8));
  r.resource = Json::parse(s.Text(9), nullptr, false);
  r.local = Json::parse(s.Text(10), nullptr, false);
  if (r.resource.is_discarded() || r.local.is_discarded()) {
    return Status::Internal("catalog: corrupt " + r.kind + " row " + r.name);
  }
  return r;
}

Result<OperationRow> ReadOperation(Stmt& s) {
  // Columns: resource, project, insert_us, work, seq.
  Json j = Json::parse(s.Text(0), nullptr, false);
  if (j.is_discarded()) return Status::Internal("catalog: corrupt operation row");
  auto op = compute::OperationFromJson(j);
  if (!op.ok()) return Status::Internal("catalog: corrupt operation row");
  OperationRow row;
  row.op = std::move(op.value());
  row.project = s.Text(1);
  row.insert_us = s.Int(2);
  row.work = s.Text(3);
  row.seq = s.Int(4);
  return row;
}

int64_t AsSigned(uint64_t id) {
  return static_cast<int64_t>(id);
}

// Steps `s` and hands each row, read by `read`, to `fn` until it returns false.
template <typename Row, typename Fn>
Status ForEachRow(Stmt& s, Result<Row> (*read)(Stmt&), const Fn& fn) {
  while (true) {
    bool row = false;
    IMAGO_RETURN_IF_ERROR(s.Step(&row));
    if (!row) return Status::OK();
    auto r = read(s);
    if (!r.ok()) return r.status();
    if (!fn(std::move(r.value()))) return Status::OK();
  }
}

// The first row of `s`, or nullopt.
template <typename Row>
Result<std::optional<Row>> FirstRow(Stmt& s, Result<Row> (*read)(Stmt&)) {
  std::optional<Row> out;
  IMAGO_RETURN_IF_ERROR(ForEachRow(s, read, [&](Row&& r) {
    out = std::move(r);
    return false;
  }));
  return out;
}

}  // namespace

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::string& path) {
  auto db = Db::Open(path);
  if (!db.ok()) return db.status();
  std::unique_ptr<Catalog> c(new Catalog(std::move(db.value())));
  IMAGO_RETURN_IF_ERROR(c->Migrate());
  return c;
}

Status Catalog::Migrate() {
  return db_->WriteTxn([&]() -> Status {
    auto s = db_->Prepare("PRAGMA user_version");
    if (!s.ok()) return s.status();
    bool row = false;
    IMAGO_RETURN_IF_ERROR(s->Step(&row));
    int version = row ? static_cast<int>(s->Int(0)) : 0;
    constexpr int kCount = sizeof kMigrations / sizeof kMigrations[0];
    static_assert(kCount == kSchemaVersion);
    if (version > kCount) {
      return Status::Unavailable("the catalog was written by a newer imago (schema " +
                                 std::to_string(version) + "); upgrade imago");
    }
    for (int v = version; v < kCount; ++v) {
      IMAGO_RETURN_IF_ERROR(db_->Exec(kMigrations[v]));
      IMAGO_RETURN_IF_ERROR(db_->Exec("PRAGMA user_version = " + std::to_string(v + 1)));
    }
    return Status::OK();
  });
}

Result<std::optional<ImageRow>> Catalog::OneImage(Stmt& s) {
  return FirstRow(s, &ReadImage);
}

Result<std::optional<ImageRow>> Catalog::FindImage(const std::string& project,
                                                   const std::string& name) {
  auto s = db_->Prepare(std::string("SELECT ") + kImageCols +
                        " FROM images WHERE project = ?1 AND name = ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, project).Bind(2, name);
  return OneImage(*s);
}

Result<std::optional<ImageRow>> Catalog::FindImageById(const std::string& project, uint64_t id) {
  auto s = db_->Prepare(std::string("SELECT ") + kImageCols +
                        " FROM images WHERE project = ?1 AND id = ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, project).Bind(2, AsSigned(id));
  return OneImage(*s);
}

Result<std::optional<ImageRow>> Catalog::FamilyHead(const std::string& project,
                                                    const std::string& family) {
  auto s = db_->Prepare(std::string("SELECT ") + kImageCols +
                        " FROM images WHERE project = ?1 AND family = ?2 AND status = 'READY'"
                        " AND state = 'ACTIVE' ORDER BY creation_us DESC, seq DESC LIMIT 1");
  if (!s.ok()) return s.status();
  s->Bind(1, project).Bind(2, family);
  return OneImage(*s);
}

Status Catalog::InsertImage(const std::string& project, const ImageRow& row) {
  auto s = db_->Prepare(
      "INSERT INTO images(id, project, name, family, creation_us, status, state, content, "
      "resource) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!s.ok()) return s.status();
  const compute::Image& im = row.image;
  s->Bind(1, AsSigned(im.id))
      .Bind(2, project)
      .Bind(3, im.name)
      .BindOrNull(4, im.family)
      .Bind(5, row.creation_us)
      .Bind(6, im.status)
      .Bind(7, compute::DeprecationStateName(im.State()))
      .BindOrNull(8, row.content)
      .Bind(9, compute::ToJson(im).dump());
  return s->Run();
}

Status Catalog::UpdateImage(const std::string& project, const ImageRow& row) {
  auto s = db_->Prepare(
      "UPDATE images SET family = ?3, status = ?4, state = ?5, content = ?6, resource = ?7 "
      "WHERE project = ?1 AND id = ?2");
  if (!s.ok()) return s.status();
  const compute::Image& im = row.image;
  s->Bind(1, project)
      .Bind(2, AsSigned(im.id))
      .BindOrNull(3, im.family)
      .Bind(4, im.status)
      .Bind(5, compute::DeprecationStateName(im.State()))
      .BindOrNull(6, row.content)
      .Bind(7, compute::ToJson(im).dump());
  IMAGO_RETURN_IF_ERROR(s->Run());
  if (db_->Changes() != 1) return Status::Internal("catalog: image row vanished during update");
  return Status::OK();
}

Status Catalog::DeleteImage(const std::string& project, uint64_t id) {
  auto s = db_->Prepare("DELETE FROM images WHERE project = ?1 AND id = ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, project).Bind(2, AsSigned(id));
  return s->Run();
}

Status Catalog::ScanImages(const std::string& project, const ScanSpec& scan,
                           const std::function<bool(ImageRow&&)>& fn) {
  std::string sql = std::string("SELECT ") + kImageCols + " FROM images WHERE project = ?1";
  if (scan.family) sql += " AND family = ?2";
  if (scan.name) sql += " AND name = ?3";
  if (scan.after_set) {
    sql += scan.by_time_desc ? " AND (creation_us < ?4 OR (creation_us = ?4 AND name < ?5))"
                             : " AND name > ?5";
  }
  sql += scan.by_time_desc ? " ORDER BY creation_us DESC, name DESC" : " ORDER BY name";
  auto s = db_->Prepare(sql);
  if (!s.ok()) return s.status();
  s->Bind(1, project);
  if (scan.family) s->Bind(2, *scan.family);
  if (scan.name) s->Bind(3, *scan.name);
  if (scan.after_set) s->Bind(4, scan.after_time).Bind(5, scan.after_name);
  return ForEachRow(*s, &ReadImage, fn);
}

Result<int64_t> Catalog::CountContentUsers(const std::string& digest) {
  auto s = db_->Prepare(
      "SELECT (SELECT count(*) FROM images WHERE content = ?1) + "
      "(SELECT count(*) FROM resources WHERE content = ?1) + "
      "(SELECT count(*) FROM blobs WHERE parent = ?1)");
  if (!s.ok()) return s.status();
  s->Bind(1, digest);
  bool row = false;
  IMAGO_RETURN_IF_ERROR(s->Step(&row));
  return s->Int(0);
}

Status Catalog::InsertBlob(const BlobInfo& b, int64_t now_us) {
  auto s = db_->Prepare(
      "INSERT OR IGNORE INTO blobs(digest, size, format, virtual_size, created_us, parent) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  if (!s.ok()) return s.status();
  s->Bind(1, b.digest)
      .Bind(2, static_cast<int64_t>(b.size))
      .Bind(3, b.disk.format)
      .Bind(4, static_cast<int64_t>(b.disk.virtual_size))
      .Bind(5, now_us)
      .Bind(6, b.parent);
  return s->Run();
}

Status Catalog::DeleteBlob(const std::string& digest) {
  auto s = db_->Prepare("DELETE FROM blobs WHERE digest = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, digest);
  return s->Run();
}

Result<std::optional<BlobInfo>> Catalog::FindBlob(const std::string& digest) {
  auto s = db_->Prepare("SELECT size, format, virtual_size, parent FROM blobs WHERE digest = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, digest);
  bool row = false;
  IMAGO_RETURN_IF_ERROR(s->Step(&row));
  if (!row) return std::optional<BlobInfo>();
  BlobInfo b;
  b.digest = digest;
  b.size = static_cast<uint64_t>(s->Int(0));
  b.disk.format = s->Text(1);
  b.disk.virtual_size = static_cast<uint64_t>(s->Int(2));
  b.parent = s->Text(3);
  return std::optional<BlobInfo>(b);
}

Result<bool> Catalog::BlobExists(const std::string& digest) {
  auto s = db_->Prepare("SELECT 1 FROM blobs WHERE digest = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, digest);
  bool row = false;
  IMAGO_RETURN_IF_ERROR(s->Step(&row));
  return row;
}

Status Catalog::AddTrash(const std::string& digest) {
  auto s = db_->Prepare("INSERT OR IGNORE INTO blob_trash(digest) VALUES(?1)");
  if (!s.ok()) return s.status();
  s->Bind(1, digest);
  return s->Run();
}

Status Catalog::RemoveTrash(const std::string& digest) {
  auto s = db_->Prepare("DELETE FROM blob_trash WHERE digest = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, digest);
  return s->Run();
}

Result<std::vector<std::string>> Catalog::ListTrash() {
  auto s = db_->Prepare("SELECT digest FROM blob_trash");
  if (!s.ok()) return s.status();
  std::vector<std::string> out;
  while (true) {
    bool row = false;
    IMAGO_RETURN_IF_ERROR(s->Step(&row));
    if (!row) break;
    out.push_back(s->Text(0));
  }
  return out;
}

Result<std::optional<OperationRow>> Catalog::FindOperation(const std::string& project,
                                                           const std::string& name_or_id) {
  uint64_t id = 0;
  auto [p, ec] = std::from_chars(name_or_id.data(), name_or_id.data() + name_or_id.size(), id);
  bool numeric = ec == std::errc() && p == name_or_id.data() + name_or_id.size();
  auto s = db_->Prepare(numeric ? "SELECT resource, project, insert_us, work, seq FROM operations "
                                  "WHERE project = ?1 AND id = ?2"
                                : "SELECT resource, project, insert_us, work, seq FROM operations "
                                  "WHERE project = ?1 AND name = ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, project);
  if (numeric) {
    s->Bind(2, AsSigned(id));
  } else {
    s->Bind(2, name_or_id);
  }
  return FirstRow(*s, &ReadOperation);
}

Result<std::optional<OperationRow>> Catalog::FindOperationByRequestId(
    const std::string& project, const std::string& request_id) {
  auto s = db_->Prepare(
      "SELECT resource, project, insert_us, work, seq FROM operations "
      "WHERE project = ?1 AND request_id = ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, project).Bind(2, request_id);
  return FirstRow(*s, &ReadOperation);
}

Status Catalog::InsertOperation(const OperationRow& row) {
  auto s = db_->Prepare(
      "INSERT INTO operations(id, project, name, request_id, status, insert_us, work, resource, "
      "zone) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!s.ok()) return s.status();
  s->Bind(1, AsSigned(row.op.id))
      .Bind(2, row.project)
      .Bind(3, row.op.name)
      .BindOrNull(4, row.op.client_operation_id)
      .Bind(5, row.op.status)
      .Bind(6, row.insert_us)
      .BindOrNull(7, row.work)
      .Bind(8, compute::ToJson(row.op).dump())
      .Bind(9, compute::LastSegment(row.op.zone));
  return s->Run();
}

Status Catalog::UpdateOperation(const OperationRow& row) {
  auto s =
      db_->Prepare("UPDATE operations SET status = ?2, work = ?3, resource = ?4 WHERE id = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, AsSigned(row.op.id))
      .Bind(2, row.op.status)
      .BindOrNull(3, row.work)
      .Bind(4, compute::ToJson(row.op).dump());
  return s->Run();
}

Status Catalog::DeleteOperation(const std::string& project, uint64_t id) {
  auto s = db_->Prepare("DELETE FROM operations WHERE project = ?1 AND id = ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, project).Bind(2, AsSigned(id));
  return s->Run();
}

Result<std::vector<OperationRow>> Catalog::UnfinishedOperations() {
  auto s = db_->Prepare(
      "SELECT resource, project, insert_us, work, seq FROM operations WHERE status != 'DONE'");
  if (!s.ok()) return s.status();
  std::vector<OperationRow> out;
  IMAGO_RETURN_IF_ERROR(ForEachRow(*s, &ReadOperation, [&](OperationRow&& r) {
    out.push_back(std::move(r));
    return true;
  }));
  return out;
}

Status Catalog::ScanOperations(const std::string& project, const ScanSpec& scan,
                               const std::function<bool(OperationRow&&)>& fn) {
  std::string sql =
      "SELECT resource, project, insert_us, work, seq FROM operations WHERE project = ?1"
      " AND zone = ?4";
  if (scan.after_set) sql += scan.by_time_desc ? " AND seq < ?2" : " AND name > ?3";
  sql += scan.by_time_desc ? " ORDER BY seq DESC" : " ORDER BY name";
  auto s = db_->Prepare(sql);
  if (!s.ok()) return s.status();
  s->Bind(1, project).Bind(4, scan.zone);
  if (scan.after_set) s->Bind(2, scan.after_time).Bind(3, scan.after_name);
  return ForEachRow(*s, &ReadOperation, fn);
}

// ---------------------------------------------------------------- resources

Result<std::optional<ResourceRow>> Catalog::FindResource(const std::string& kind,
                                                         const std::string& project,
                                                         const std::string& zone,
                                                         const std::string& name_or_id) {
  uint64_t id = 0;
  auto [p, ec] = std::from_chars(name_or_id.data(), name_or_id.data() + name_or_id.size(), id);
  bool numeric = ec == std::errc() && p == name_or_id.data() + name_or_id.size();
  auto s = db_->Prepare(std::string("SELECT ") + kResourceCols +
                        " FROM resources WHERE kind = ?1 AND project = ?2 AND zone = ?3 AND " +
                        (numeric ? "id = ?4" : "name = ?4"));
  if (!s.ok()) return s.status();
  s->Bind(1, kind).Bind(2, project).Bind(3, zone);
  if (numeric) {
    s->Bind(4, AsSigned(id));
  } else {
    s->Bind(4, name_or_id);
  }
  return FirstRow(*s, &ReadResource);
}

Result<std::optional<ResourceRow>> Catalog::FindResourceById(uint64_t id) {
  auto s = db_->Prepare(std::string("SELECT ") + kResourceCols + " FROM resources WHERE id = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, AsSigned(id));
  return FirstRow(*s, &ReadResource);
}

Status Catalog::InsertResource(const ResourceRow& r) {
  auto s = db_->Prepare(
      "INSERT INTO resources(kind, project, zone, name, id, creation_us, status, content, "
      "source_image_id, resource, local) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  if (!s.ok()) return s.status();
  s->Bind(1, r.kind)
      .Bind(2, r.project)
      .Bind(3, r.zone)
      .Bind(4, r.name)
      .Bind(5, AsSigned(r.id))
      .Bind(6, r.creation_us)
      .Bind(7, r.status())
      .BindOrNull(8, r.content)
      .Bind(9, AsSigned(r.source_image_id))
      .Bind(10, r.resource.dump())
      .Bind(11, r.local.dump());
  return s->Run();
}

Status Catalog::UpdateResource(const ResourceRow& r) {
  auto s = db_->Prepare(
      "UPDATE resources SET status = ?2, content = ?3, resource = ?4, local = ?5 WHERE id = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, AsSigned(r.id))
      .Bind(2, r.status())
      .BindOrNull(3, r.content)
      .Bind(4, r.resource.dump())
      .Bind(5, r.local.dump());
  IMAGO_RETURN_IF_ERROR(s->Run());
  if (db_->Changes() != 1) return Status::Internal("catalog: " + r.kind + " row vanished");
  return Status::OK();
}

Status Catalog::DeleteResource(uint64_t id) {
  auto s = db_->Prepare("DELETE FROM resources WHERE id = ?1");
  if (!s.ok()) return s.status();
  s->Bind(1, AsSigned(id));
  return s->Run();
}

Status Catalog::ScanResources(const std::string& kind, const std::string& project,
                              const std::string& zone, const ScanSpec& scan,
                              const std::function<bool(ResourceRow&&)>& fn) {
  std::string sql = std::string("SELECT ") + kResourceCols +
                    " FROM resources WHERE kind = ?1 AND project = ?2 AND zone = ?3";
  if (scan.name) sql += " AND name = ?6";
  if (scan.after_set) {
    sql += scan.by_time_desc ? " AND (creation_us < ?4 OR (creation_us = ?4 AND name < ?5))"
                             : " AND name > ?5";
  }
  sql += scan.by_time_desc ? " ORDER BY creation_us DESC, name DESC" : " ORDER BY name";
  auto s = db_->Prepare(sql);
  if (!s.ok()) return s.status();
  s->Bind(1, kind).Bind(2, project).Bind(3, zone);
  if (scan.name) s->Bind(6, *scan.name);
  if (scan.after_set) s->Bind(4, scan.after_time).Bind(5, scan.after_name);
  return ForEachRow(*s, &ReadResource, fn);
}

Result<std::vector<ResourceRow>> Catalog::AllResources(const std::string& kind) {
  auto s = db_->Prepare(std::string("SELECT ") + kResourceCols +
                        " FROM resources WHERE kind = ?1 ORDER BY seq");
  if (!s.ok()) return s.status();
  s->Bind(1, kind);
  std::vector<ResourceRow> out;
  IMAGO_RETURN_IF_ERROR(ForEachRow(*s, &ReadResource, [&](ResourceRow&& r) {
    out.push_back(std::move(r));
    return true;
  }));
  return out;
}

}  // namespace imago::localcloud
