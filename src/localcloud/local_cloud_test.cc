#include "localcloud/local_cloud.h"
#include "localcloud/catalog.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/testing.h"

namespace imago::localcloud {
namespace {

using base::CountFiles;
using base::TempDir;
using base::WriteFile;

using compute::Code;
using compute::DeprecationState;
using compute::DeprecationStatus;
using compute::Image;
using compute::ListOptions;

class LocalCloudTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ =
        std::make_unique<compute::ManualClock>(*compute::ParseTimestamp("2026-11-26T12:00:00Z"));
    Reopen();
  }

  void Reopen(RecoveryReport* report = nullptr) {
    cloud_.reset();
    LocalCloudOptions o;
    o.home = dir_.path() + "/home";
    o.clock = clock_.get();
    auto c = LocalCloud::Open(o, report);
    ASSERT_TRUE(c.ok()) << c.status().message();
    cloud_ = std::move(c.value());
  }

  // Imports a small raw file with distinct content as image `name`.
  compute::Result<compute::Operation> Create(const std::string& name, const std::string& family,
                                             int seed = 0) {
    std::string src = dir_.path() + "/" + name + ".raw";
    WriteFile(src, 64 * 1024, seed ? seed : static_cast<int>(std::hash<std::string>()(name)));
    Image im;
    im.name = name;
    im.family = family;
    im.raw_disk = compute::RawDisk{src, "", ""};
    clock_->Advance(60 * compute::kMicrosPerSecond);  // Distinct creation times.
    return cloud_->images().Insert("local", im, {});
  }

  std::string Head(const std::string& family) {
    auto im = cloud_->images().GetFromFamily("local", family);
    return im.ok() ? im->name : "error: " + im.status().message();
  }

  int Blobs() { return CountFiles(dir_.path() + "/home/blobs/sha256"); }

  TempDir dir_;
  std::unique_ptr<compute::ManualClock> clock_;
  std::unique_ptr<LocalCloud> cloud_;
};

TEST_F(LocalCloudTest, SeedWalkthrough) {
  ASSERT_TRUE(Create("image-v1", "my-image-family").ok());
  EXPECT_EQ(Head("my-image-family"), "image-v1");
  ASSERT_TRUE(Create("image-v2", "my-image-family").ok());
  EXPECT_EQ(Head("my-image-family"), "image-v2");
  DeprecationStatus d;
  d.state = DeprecationState::kDeprecated;
  d.replacement = "image-v1";
  auto op = cloud_->images().Deprecate("local", "image-v2", d, {});
  ASSERT_TRUE(op.ok()) << op.status().message();
  EXPECT_EQ(Head("my-image-family"), "image-v1");
  auto v2 = cloud_->images().Get("local", "image-v2");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->deprecated->replacement,
            "https://www.googleapis.com/compute/v1/projects/local/global/images/image-v1");
}

TEST_F(LocalCloudTest, ImportedImageDescribesItsContent) {
  auto op = Create("img", "");
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->status, "DONE");
  EXPECT_EQ(op->operation_type, "insert");
  EXPECT_EQ(op->progress, 100);
  auto im = cloud_->images().Get("local", "img");
  ASSERT_TRUE(im.ok());
  EXPECT_EQ(im->status, "READY");
  EXPECT_EQ(im->archive_size_bytes, 64 * 1024);
  EXPECT_EQ(im->disk_size_gb, 1);
  EXPECT_EQ(im->source_type, "RAW");
  EXPECT_EQ(im->creation_timestamp.substr(0, 10), "2026-11-26");
  EXPECT_EQ(op->target_id, im->id);
  // By numeric id too.
  auto by_id = cloud_->images().Get("local", std::to_string(im->id));
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->name, "img");
  EXPECT_EQ(Blobs(), 1);
}

TEST_F(LocalCloudTest, FamilyHeadIsNewestReadyNotDeprecated) {
  EXPECT_EQ(Head("app"),
            "error: The resource 'projects/local/global/images/family/app' was not found");
  ASSERT_TRUE(Create("a1", "app").ok());
  ASSERT_TRUE(Create("a2", "app").ok());
  ASSERT_TRUE(Create("a3", "app").ok());
  ASSERT_TRUE(Create("other", "other").ok());
  EXPECT_EQ(Head("app"), "a3");
  for (auto s : {DeprecationState::kObsolete, DeprecationState::kDeleted}) {
    ASSERT_TRUE(cloud_->images().Deprecate("local", "a3", DeprecationStatus{s}, {}).ok());
    EXPECT_EQ(Head("app"), "a2");
  }
  // An empty body clears the deprecation; so does ACTIVE.
  ASSERT_TRUE(cloud_->images().Deprecate("local", "a3", std::nullopt, {}).ok());
  EXPECT_EQ(Head("app"), "a3");
  EXPECT_FALSE(cloud_->images().Get("local", "a3")->deprecated.has_value());
  ASSERT_TRUE(cloud_->images()
                  .Deprecate("local", "a3", DeprecationStatus{DeprecationState::kDeprecated}, {})
                  .ok());
  ASSERT_TRUE(cloud_->images()
                  .Deprecate("local", "a3", DeprecationStatus{DeprecationState::kActive}, {})
                  .ok());
  EXPECT_FALSE(cloud_->images().Get("local", "a3")->deprecated.has_value());
  // Every member deprecated: 404 naming the family.
  for (auto n : {"a1", "a2", "a3"}) {
    ASSERT_TRUE(cloud_->images()
                    .Deprecate("local", n, DeprecationStatus{DeprecationState::kDeprecated}, {})
                    .ok());
  }
  auto none = cloud_->images().GetFromFamily("local", "app");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Code::kNotFound);
  EXPECT_EQ(none.status().message(),
            "The resource 'projects/local/global/images/family/app' was not found");
}

TEST_F(LocalCloudTest, DeprecationValidation) {
  ASSERT_TRUE(Create("a1", "app").ok());
  DeprecationStatus d{DeprecationState::kDeprecated, "no-such-image", "", "", ""};
  auto op = cloud_->images().Deprecate("local", "a1", d, {});
  ASSERT_FALSE(op.ok());
  EXPECT_NE(op.status().message().find("deprecationStatus.replacement"), std::string::npos);
  d = {DeprecationState::kDeprecated, "a1", "", "", ""};
  EXPECT_FALSE(cloud_->images().Deprecate("local", "a1", d, {}).ok());  // Itself.
  d = {DeprecationState::kDeprecated, "", "", "next tuesday", ""};
  op = cloud_->images().Deprecate("local", "a1", d, {});
  ASSERT_FALSE(op.ok());
  EXPECT_NE(op.status().message().find("'deprecationStatus.obsolete': 'next tuesday'"),
            std::string::npos);
  d = {DeprecationState::kDeprecated, "", "", "2026-12-03T00:00:00Z", "2026-12-10T00:00:00Z"};
  ASSERT_TRUE(cloud_->images().Deprecate("local", "a1", d, {}).ok());
  auto im = cloud_->images().Get("local", "a1");
  EXPECT_EQ(im->deprecated->obsolete, "2026-12-03T00:00:00Z");
  EXPECT_EQ(im->deprecated->deleted, "2026-12-10T00:00:00Z");
  EXPECT_EQ(cloud_->images().Deprecate("local", "nope", d, {}).status().code(), Code::kNotFound);
}

TEST_F(LocalCloudTest, NameClashesAndBadInputChangeNothing) {
  ASSERT_TRUE(Create("img", "").ok());
  auto dup = Create("img", "");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(dup.status().message(),
            "The resource 'projects/local/global/images/img' already exists");
  auto ops_before = cloud_->operations().List(compute::Scope::Global("local"), {});
  Image bad;
  bad.name = "Bad_Name";
  bad.raw_disk = compute::RawDisk{dir_.path() + "/img.raw", "", ""};
  EXPECT_EQ(cloud_->images().Insert("local", bad, {}).status().code(), Code::kInvalid);
  bad.name = "ok";
  bad.raw_disk = compute::RawDisk{dir_.path() + "/missing.raw", "", ""};
  auto missing = cloud_->images().Insert("local", bad, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("does not exist"), std::string::npos);
  bad.raw_disk.reset();
  EXPECT_FALSE(cloud_->images().Insert("local", bad, {}).ok());  // No source.
  bad.raw_disk = compute::RawDisk{dir_.path() + "/img.raw", "", ""};
  bad.source_image = "img";
  EXPECT_FALSE(cloud_->images().Insert("local", bad, {}).ok());  // Two sources.
  bad.source_image.clear();
  bad.labels = {{"Bad", "x"}};
  EXPECT_FALSE(cloud_->images().Insert("local", bad, {}).ok());
  bad.labels.clear();
  bad.family = "-bad";
  EXPECT_FALSE(cloud_->images().Insert("local", bad, {}).ok());
  EXPECT_FALSE(cloud_->images().Insert("Bad Project", bad, {}).ok());
  auto list = cloud_->images().List("local", {});
  ASSERT_EQ(list->items.size(), 1u);
  auto ops_after = cloud_->operations().List(compute::Scope::Global("local"), {});
  EXPECT_EQ(ops_after->items.size(), ops_before->items.size());
  EXPECT_EQ(Blobs(), 1);
}

TEST_F(LocalCloudTest, RequestIdReplayHasOneEffect) {
  std::string src = dir_.path() + "/r.raw";
  WriteFile(src, 4096, 3);
  Image im;
  im.name = "r1";
  im.raw_disk = compute::RawDisk{src, "", ""};
  compute::MutationOptions opts;
  opts.request_id = "123e4567-e89b-12d3-a456-426614174000";
  auto first = cloud_->images().Insert("local", im, opts);
  ASSERT_TRUE(first.ok());
  auto again = cloud_->images().Insert("local", im, opts);  // Would be a 409 without the id.
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->name, first->name);
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->client_operation_id, opts.request_id);
  // Metadata mutations too: the second call returns the first operation.
  opts.request_id = "223e4567-e89b-12d3-a456-426614174000";
  auto l1 = cloud_->images().SetLabels(
      "local", "r1", {{"a", "1"}}, cloud_->images().Get("local", "r1")->label_fingerprint, opts);
  ASSERT_TRUE(l1.ok());
  auto l2 = cloud_->images().SetLabels("local", "r1", {{"a", "2"}}, "stale", opts);
  ASSERT_TRUE(l2.ok());
  EXPECT_EQ(l2->name, l1->name);
  EXPECT_EQ(cloud_->images().Get("local", "r1")->labels.at("a"), "1");
  opts.request_id = "not-a-uuid";
  EXPECT_EQ(cloud_->images().Delete("local", "r1", opts).status().code(), Code::kInvalid);
  EXPECT_TRUE(cloud_->images().Get("local", "r1").ok());
}

TEST_F(LocalCloudTest, LabelsNeedTheCurrentFingerprint) {
  ASSERT_TRUE(Create("img", "").ok());
  auto im = cloud_->images().Get("local", "img");
  std::string fp = im->label_fingerprint;
  ASSERT_TRUE(cloud_->images().SetLabels("local", "img", {{"env", "prod"}}, fp, {}).ok());
  auto stale = cloud_->images().SetLabels("local", "img", {{"env", "dev"}}, fp, {});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), Code::kConditionNotMet);
  EXPECT_EQ(stale.status().http_code(), 412);
  auto empty = cloud_->images().SetLabels("local", "img", {{"env", "dev"}}, "", {});
  EXPECT_EQ(empty.status().code(), Code::kConditionNotMet);
  EXPECT_EQ(cloud_->images().Get("local", "img")->labels.at("env"), "prod");
  EXPECT_EQ(cloud_->images()
                .SetLabels("local", "img", {{"BAD", "x"}},
                           cloud_->images().Get("local", "img")->label_fingerprint, {})
                .status()
                .code(),
            Code::kInvalid);
}

TEST_F(LocalCloudTest, PatchChangesFamilyDescriptionDeprecation) {
  ASSERT_TRUE(Create("img", "one").ok());
  compute::ImagePatch p;
  p.family = "two";
  p.description = "moved";
  ASSERT_TRUE(cloud_->images().Patch("local", "img", p, {}).ok());
  EXPECT_EQ(Head("two"), "img");
  EXPECT_FALSE(cloud_->images().GetFromFamily("local", "one").ok());
  compute::ImagePatch dep;
  dep.deprecated = DeprecationStatus{DeprecationState::kDeprecated};
  ASSERT_TRUE(cloud_->images().Patch("local", "img", dep, {}).ok());
  EXPECT_FALSE(cloud_->images().GetFromFamily("local", "two").ok());
  compute::ImagePatch clear;
  clear.family = "";
  ASSERT_TRUE(cloud_->images().Patch("local", "img", clear, {}).ok());
  EXPECT_EQ(cloud_->images().Get("local", "img")->family, "");
  compute::ImagePatch bad;
  bad.family = "Bad";
  EXPECT_FALSE(cloud_->images().Patch("local", "img", bad, {}).ok());
}

TEST_F(LocalCloudTest, SourceImageStatesAndFamilyResolution) {
  ASSERT_TRUE(Create("base-1", "base").ok());
  ASSERT_TRUE(Create("base-2", "base").ok());
  Image child;
  child.name = "app-1";
  child.family = "app";
  child.source_image = "global/images/family/base";
  auto op = cloud_->images().Insert("local", child, {});
  ASSERT_TRUE(op.ok()) << op.status().message();
  EXPECT_TRUE(op->warnings.empty());
  auto app = cloud_->images().Get("local", "app-1");
  auto base2 = cloud_->images().Get("local", "base-2");
  // The family is resolved once and the resolved image is recorded.
  EXPECT_EQ(app->source_image, base2->self_link);
  EXPECT_EQ(app->source_image_id, std::to_string(base2->id));
  EXPECT_EQ(app->archive_size_bytes, base2->archive_size_bytes);
  EXPECT_EQ(Blobs(), 2);  // Same content: shared, not copied.

  ASSERT_TRUE(cloud_->images()
                  .Deprecate("local", "base-2",
                             DeprecationStatus{DeprecationState::kDeprecated, "base-1"}, {})
                  .ok());
  child.name = "app-2";
  child.source_image = "base-2";
  op = cloud_->images().Insert("local", child, {});
  ASSERT_TRUE(op.ok());
  ASSERT_EQ(op->warnings.size(), 1u);
  EXPECT_EQ(op->warnings[0].code, "DEPRECATED_RESOURCE_USED");
  EXPECT_NE(op->warnings[0].message.find("base-1"), std::string::npos);

  for (auto s : {DeprecationState::kObsolete, DeprecationState::kDeleted}) {
    ASSERT_TRUE(cloud_->images().Deprecate("local", "base-2", DeprecationStatus{s}, {}).ok());
    child.name = "app-3";
    auto refused = cloud_->images().Insert("local", child, {});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), Code::kInvalid);
    EXPECT_NE(refused.status().message().find("New uses are not allowed"), std::string::npos);
  }
  child.source_image = "global/images/family/nothing";
  EXPECT_EQ(cloud_->images().Insert("local", child, {}).status().code(), Code::kNotFound);
  child.source_image = "ghost";
  EXPECT_EQ(cloud_->images().Insert("local", child, {}).status().code(), Code::kInvalid);
}

TEST_F(LocalCloudTest, ParentContentOutlivesTheParent) {
  ASSERT_TRUE(Create("base-1", "base").ok());
  Image child;
  child.name = "app-1";
  child.source_image = "base-1";
  ASSERT_TRUE(cloud_->images().Insert("local", child, {}).ok());
  auto path = cloud_->ImageContentPath("local", "app-1");
  ASSERT_TRUE(path.ok());
  ASSERT_TRUE(cloud_->images().Delete("local", "base-1", {}).ok());
  EXPECT_EQ(cloud_->images().Get("local", "base-1").status().code(), Code::kNotFound);
  EXPECT_EQ(access(path->c_str(), R_OK), 0);  // The child still needs it.
  ASSERT_TRUE(cloud_->images().Delete("local", "app-1", {}).ok());
  EXPECT_NE(access(path->c_str(), F_OK), 0);  // Now nothing does.
  EXPECT_EQ(Blobs(), 0);
}

TEST_F(LocalCloudTest, ListFiltersOrdersAndPages) {
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(Create(fmt::format("img-{:02d}", i), i % 2 ? "odd" : "even").ok());
  }
  ListOptions o;
  o.max_results = 10;
  std::vector<std::string> names;
  int pages = 0;
  while (true) {
    auto page = cloud_->images().List("local", o);
    ASSERT_TRUE(page.ok()) << page.status().message();
    ++pages;
    for (auto& im : page->items) names.push_back(im.name);
    if (page->next_page_token.empty()) break;
    o.page_token = page->next_page_token;
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(names.size(), 25u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));

  o = {};
  o.filter = "family = odd";
  o.order_by = "creationTimestamp desc";
  auto odd = cloud_->images().List("local", o);
  ASSERT_EQ(odd->items.size(), 12u);
  EXPECT_EQ(odd->items.front().name, "img-23");
  EXPECT_EQ(odd->items.back().name, "img-01");

  // Exactly a full page: no empty extra page.
  o = {};
  o.filter = "family = odd";
  o.max_results = 12;
  EXPECT_TRUE(cloud_->images().List("local", o)->next_page_token.empty());

  o = {};
  o.order_by = "family";
  EXPECT_EQ(cloud_->images().List("local", o).status().code(), Code::kInvalid);
  o = {};
  o.max_results = 501;
  EXPECT_EQ(cloud_->images().List("local", o).status().code(), Code::kInvalid);
  o = {};
  o.page_token = "garbage";
  EXPECT_EQ(cloud_->images().List("local", o).status().code(), Code::kInvalid);
  o = {};
  o.filter = "colour = red";
  EXPECT_EQ(cloud_->images().List("local", o).status().code(), Code::kInvalid);
}

TEST_F(LocalCloudTest, PageTokensStayCorrectWhileTheCatalogChanges) {
  for (int i = 0; i < 20; i += 2) ASSERT_TRUE(Create(fmt::format("img-{:02d}", i), "f").ok());
  ListOptions o;
  o.max_results = 4;
  auto first = cloud_->images().List("local", o);
  ASSERT_EQ(first->items.size(), 4u);  // img-00 .. img-06
  // Meanwhile: one image before the cursor and one after it appear, one after it goes.
  ASSERT_TRUE(Create("img-01", "f").ok());
  ASSERT_TRUE(Create("img-15", "f").ok());
  ASSERT_TRUE(cloud_->images().Delete("local", "img-10", {}).ok());
  std::vector<std::string> rest;
  o.page_token = first->next_page_token;
  while (true) {
    auto page = cloud_->images().List("local", o);
    ASSERT_TRUE(page.ok());
    for (auto& im : page->items) rest.push_back(im.name);
    if (page->next_page_token.empty()) break;
    o.page_token = page->next_page_token;
  }
  // Nothing repeated, nothing that was there all along skipped.
  std::vector<std::string> want = {"img-08", "img-12", "img-14", "img-15", "img-16", "img-18"};
  EXPECT_EQ(rest, want);
  // A token is bound to its listing.
  o.filter = "family = f";
  o.page_token = first->next_page_token;
  EXPECT_EQ(cloud_->images().List("local", o).status().code(), Code::kInvalid);
}

TEST_F(LocalCloudTest, OperationsAreJournaled) {
  ASSERT_TRUE(Create("img", "f").ok());
  ASSERT_TRUE(cloud_->images()
                  .Deprecate("local", "img", DeprecationStatus{DeprecationState::kDeprecated}, {})
                  .ok());
  ASSERT_TRUE(cloud_->images().Delete("local", "img", {}).ok());
  ListOptions o;
  o.order_by = "creationTimestamp desc";
  auto ops = cloud_->operations().List(compute::Scope::Global("local"), o);
  ASSERT_EQ(ops->items.size(), 3u);
  EXPECT_EQ(ops->items[0].operation_type, "delete");
  EXPECT_EQ(ops->items[2].operation_type, "insert");
  // One per page, newest first, resumes after the right row.
  ListOptions one = o;
  one.max_results = 1;
  std::vector<std::string> types;
  while (true) {
    auto page = cloud_->operations().List(compute::Scope::Global("local"), one);
    ASSERT_TRUE(page.ok()) << page.status().message();
    for (auto& op : page->items) types.push_back(op.operation_type);
    if (page->next_page_token.empty()) break;
    one.page_token = page->next_page_token;
  }
  EXPECT_EQ(types, (std::vector<std::string>{"delete", "deprecate", "insert"}));
  o.filter = "operationType = deprecate";
  EXPECT_EQ(cloud_->operations().List(compute::Scope::Global("local"), o)->items.size(), 1u);
  auto got = cloud_->operations().Get(compute::Scope::Global("local"), ops->items[0].name);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, "DONE");
  auto by_id = cloud_->operations().Wait(compute::Scope::Global("local"), std::to_string(got->id));
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->name, got->name);
  ASSERT_TRUE(cloud_->operations().Delete(compute::Scope::Global("local"), got->name).ok());
  EXPECT_EQ(cloud_->operations().Get(compute::Scope::Global("local"), got->name).status().code(),
            Code::kNotFound);
}

// The project's common metadata: a compare-and-set on its fingerprint, kept
// per project, served to every instance under project/attributes/.
TEST_F(LocalCloudTest, CommonInstanceMetadataNeedsTheCurrentFingerprint) {
  auto p = cloud_->projects().Get("local");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_TRUE(p->common_instance_metadata.items.empty());
  const std::string fp0 = p->common_instance_metadata.fingerprint;
  compute::Metadata m;
  m.fingerprint = fp0;
  m.items = {{"team", "web"}, {"imago-releases-web-dev", "[]"}};
  auto op = cloud_->projects().SetCommonInstanceMetadata("local", m, {});
  ASSERT_TRUE(op.ok()) << op.status().message();
  EXPECT_TRUE(op->done());
  auto again = cloud_->projects().Get("local");
  EXPECT_EQ(again->common_instance_metadata.items, m.items);
  EXPECT_NE(again->common_instance_metadata.fingerprint, fp0);
  // A writer that read before: refused, nothing changes.
  m.items = {{"team", "db"}};
  auto stale = cloud_->projects().SetCommonInstanceMetadata("local", m, {});
  EXPECT_EQ(stale.status().code(), Code::kConditionNotMet);
  EXPECT_EQ(cloud_->projects().Get("local")->common_instance_metadata.items.size(), 2u);
  // Another project is another store.
  EXPECT_TRUE(cloud_->projects().Get("other")->common_instance_metadata.items.empty());
  // Bad keys and values are refused by field.
  m.fingerprint = again->common_instance_metadata.fingerprint;
  m.items = {{"bad key", "x"}};
  EXPECT_EQ(cloud_->projects().SetCommonInstanceMetadata("local", m, {}).status().code(),
            Code::kInvalid);
  m.items = {{"big", std::string(256 * 1024 + 1, 'x')}};
  EXPECT_EQ(cloud_->projects().SetCommonInstanceMetadata("local", m, {}).status().code(),
            Code::kInvalid);
  Reopen();
  EXPECT_EQ(cloud_->projects().Get("local")->common_instance_metadata.items.size(), 2u);
  // Emptied: no items, and the fingerprint of none again.
  m.items = {};
  ASSERT_TRUE(cloud_->projects().SetCommonInstanceMetadata("local", m, {}).ok());
  auto empty = cloud_->projects().Get("local");
  EXPECT_TRUE(empty->common_instance_metadata.items.empty());
  EXPECT_EQ(empty->common_instance_metadata.fingerprint, fp0);
}

TEST_F(LocalCloudTest, StateSurvivesReopen) {
  ASSERT_TRUE(Create("img", "f").ok());
  Reopen();
  EXPECT_EQ(Head("f"), "img");
}

// kill -9 in the middle of an import: the next open undoes it completely.
// Fields the local cloud cannot honour are refused with the field named,
// not accepted in silence (the codec keeps them: GCE's answers have them).
TEST_F(LocalCloudTest, RefusesCustomerSuppliedEncryptionKeys) {
  std::string src = dir_.path() + "/k.raw";
  WriteFile(src, 64 * 1024, 5);
  for (const char* field : {"imageEncryptionKey", "sourceDiskEncryptionKey",
                            "sourceImageEncryptionKey", "sourceSnapshotEncryptionKey"}) {
    Image im;
    im.name = "keyed";
    im.raw_disk = compute::RawDisk{src, "", ""};
    im.extra[field] = {{"rawKey", "SGVsbG8gZnJvbSBHb29nbGUgQ2xvdWQgUGxhdGZvcm0="}};
    auto op = cloud_->images().Insert("local", im, {});
    ASSERT_FALSE(op.ok()) << field;
    EXPECT_EQ(op.status().code(), Code::kInvalid);
    EXPECT_NE(op.status().message().find(std::string("image.") + field), std::string::npos)
        << op.status().message();
    EXPECT_NE(op.status().message().find("does not encrypt"), std::string::npos);
  }
  EXPECT_EQ(Blobs(), 0);
  EXPECT_FALSE(cloud_->images().Get("local", "keyed").ok());
}

TEST_F(LocalCloudTest, DiskTypesAreGcesOfTheDisksZone) {
  struct Case {
    const char* type;
    bool ok;
  };
  for (const Case& c : std::vector<Case>{
           {"pd-ssd", true},
           {"zones/local-a/diskTypes/pd-balanced", true},
           {"projects/local/zones/local-a/diskTypes/hyperdisk-balanced", true},
           {"https://compute.googleapis.com/compute/v1/projects/local/zones/local-a/diskTypes/"
            "pd-standard",
            true},
           {"pd-turbo", false},
           {"zones/local-a/diskTypes/no-such-type", false},
           {"zones/local-b/diskTypes/pd-ssd", false},  // Another zone's type.
           {"projects/other/zones/local-a/diskTypes/pd-ssd", false},
           {"zones/local-a/diskTypes/", false},
       }) {
    compute::Disk d;
    d.name = "typed";
    d.size_gb = 1;
    d.type = c.type;
    auto op = cloud_->disks().Insert("local", "local-a", d, {});
    EXPECT_EQ(op.ok(), c.ok) << c.type << ": " << op.status().message();
    if (op.ok()) {
      auto got = cloud_->disks().Get("local", "local-a", "typed");
      ASSERT_TRUE(got.ok());
      EXPECT_TRUE(got->type.ends_with("/zones/local-a/diskTypes/" +
                                      std::string(compute::LastSegment(c.type))))
          << got->type;
      ASSERT_TRUE(cloud_->disks().Delete("local", "local-a", "typed", {}).ok());
    } else {
      EXPECT_NE(op.status().message().find("disk.type"), std::string::npos)
          << op.status().message();
      EXPECT_FALSE(cloud_->disks().Get("local", "local-a", "typed").ok());
    }
  }
}

TEST_F(LocalCloudTest, KilledImportIsUndoneOnNextOpen) {
  std::string src = dir_.path() + "/big.raw";
  WriteFile(src, 64 << 20, 9);
  cloud_.reset();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    LocalCloudOptions o;
    o.home = dir_.path() + "/home";
    auto c = LocalCloud::Open(o);
    if (!c.ok()) _exit(3);
    Image im;
    im.name = "half";
    im.family = "f";
    im.raw_disk = compute::RawDisk{src, "", ""};
    compute::MutationOptions opts;
    opts.progress = [](uint64_t done, uint64_t total) {
      if (done * 2 >= total) raise(SIGKILL);  // Die half way through the copy.
    };
    (void)(*c)->images().Insert("local", im, opts);
    _exit(4);  // Not reached.
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  EXPECT_EQ(CountFiles(dir_.path() + "/home/tmp"), 1);  // The half-written copy.

  RecoveryReport report;
  Reopen(&report);
  EXPECT_EQ(report.operations_undone, 1);
  EXPECT_EQ(report.temp_files_removed, 1);
  EXPECT_EQ(CountFiles(dir_.path() + "/home/tmp"), 0);
  EXPECT_EQ(Blobs(), 0);
  EXPECT_EQ(cloud_->images().Get("local", "half").status().code(), Code::kNotFound);
  auto ops = cloud_->operations().List(compute::Scope::Global("local"), {});
  ASSERT_EQ(ops->items.size(), 1u);
  EXPECT_EQ(ops->items[0].status, "DONE");
  ASSERT_EQ(ops->items[0].errors.size(), 1u);
  EXPECT_EQ(ops->items[0].errors[0].code, "OPERATION_INTERRUPTED");
  // The name is free again and the import works.
  Image im;
  im.name = "half";
  im.raw_disk = compute::RawDisk{src, "", ""};
  ASSERT_TRUE(cloud_->images().Insert("local", im, {}).ok());
  EXPECT_EQ(Blobs(), 1);
}

// A delete that died between its commit and the unlink leaves a trash entry
// that the next open finishes.
TEST_F(LocalCloudTest, ContentOfADeletedImageIsRemovedEvenAfterACrash) {
  ASSERT_TRUE(Create("img", "").ok());
  auto path = cloud_->ImageContentPath("local", "img");
  ASSERT_TRUE(path.ok());
  std::string saved = dir_.path() + "/saved";
  ASSERT_EQ(link(path->c_str(), saved.c_str()), 0);
  ASSERT_TRUE(cloud_->images().Delete("local", "img", {}).ok());
  // Simulate the crash: put the file back as if the unlink never happened,
  // and the trash row as if it was never cleared.
  ASSERT_EQ(link(saved.c_str(), path->c_str()), 0);
  {
    auto cat = Catalog::Open(dir_.path() + "/home/catalog.db");
    ASSERT_TRUE(cat.ok());
    std::string digest = path->substr(path->rfind('/') + 1);
    ASSERT_TRUE((*cat)->db().WriteTxn([&] { return (*cat)->AddTrash(digest); }).ok());
  }
  RecoveryReport report;
  Reopen(&report);
  EXPECT_EQ(report.content_files_removed, 1);
  EXPECT_EQ(Blobs(), 0);
}

}  // namespace
}  // namespace imago::localcloud
