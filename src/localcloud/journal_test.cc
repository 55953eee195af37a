// The journal's records: typed, compatible with what earlier builds wrote,
// and a record that cannot be read is an error, never an exception - also
// when recovery meets one in the catalog.
#include "localcloud/journal.h"

#include <gtest/gtest.h>

#include "base/testing.h"
#include "localcloud/catalog.h"
#include "localcloud/local_cloud.h"

namespace imago::localcloud {
namespace {

TEST(WorkRecordTest, RoundTripsEveryKind) {
  WorkRecord c;
  c.kind = WorkRecord::Kind::kCreate;
  c.disks = {1000000000000000001ULL, 1000000000000000002ULL};
  c.instance = 1000000000000000003ULL;
  c.attached = {1000000000000000004ULL};
  auto back = WorkRecord::Parse(c.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->kind, WorkRecord::Kind::kCreate);
  EXPECT_EQ(back->disks, c.disks);
  EXPECT_EQ(back->instance, c.instance);
  EXPECT_EQ(back->attached, c.attached);
  WorkRecord i;
  i.kind = WorkRecord::Kind::kImport;
  i.image_id = 42;
  i.tmp = "/home/tmp/op";
  i.digest = "ab";
  back = WorkRecord::Parse(i.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->image_id, 42u);
  EXPECT_EQ(back->tmp, "/home/tmp/op");
  EXPECT_EQ(back->digest, "ab");
  EXPECT_EQ(WorkRecord::Parse("")->kind, WorkRecord::Kind::kNone);
}

TEST(WorkRecordTest, ReadsWhatEarlierBuildsWrote) {
  auto r = WorkRecord::Parse(
      R"({"kind":"pause","instance":"1000000000000000007","snapshot":"1000000000000000008",)"
      R"("tmp":"/h/tmp/x.qcow2"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, WorkRecord::Kind::kPause);
  EXPECT_EQ(r->instance, 1000000000000000007ULL);
  EXPECT_EQ(r->snapshot, 1000000000000000008ULL);
}

TEST(WorkRecordTest, CorruptRecordsAreErrorsNotExceptions) {
  for (const char* text :
       {"[]", "{", "{\"kind\":\"nope\"}", "{\"kind\":\"create\",\"instance\":\"12x\"}",
        "{\"kind\":\"create\",\"disks\":[1]}", "{\"kind\":\"vm\",\"instance\":{}}",
        "{\"kind\":\"import\",\"imageId\":\"99999999999999999999999\"}",
        "{\"kind\":\"vm\",\"instance\":[\"1\",\"2\"]}", "{\"kind\":7}"}) {
    auto r = WorkRecord::Parse(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.status().message().find("unreadable journal record"), std::string::npos)
        << r.status().message();
  }
}

TEST(WorkRecordTest, RecoveryMarksAnUnreadableRecordFailedAndGoesOn) {
  base::TempDir dir;
  std::string home = dir.path() + "/home";
  {
    LocalCloudOptions o;
    o.home = home;
    ASSERT_TRUE(LocalCloud::Open(o).ok());  // Creates the catalog.
  }
  {
    auto catalog = Catalog::Open(home + "/catalog.db");
    ASSERT_TRUE(catalog.ok());
    compute::Operation op;
    op.id = 1000000000000000099ULL;
    op.name = "operation-corrupt";
    op.status = "RUNNING";
    op.operation_type = "insert";
    op.zone = "https://www.googleapis.com/compute/v1/projects/p/zones/local-a";
    ASSERT_TRUE((*catalog)
                    ->db()
                    .WriteTxn([&] {
                      return (*catalog)->InsertOperation(
                          {op, "p", 1, R"({"kind":"create","instance":"not-an-id"})"});
                    })
                    .ok());
  }
  LocalCloudOptions o;
  o.home = home;
  RecoveryReport report;
  auto cloud = LocalCloud::Open(o, &report);
  ASSERT_TRUE(cloud.ok()) << cloud.status().message();
  EXPECT_EQ(report.unreadable_records, 1);
  auto op = (*cloud)->operations().Get({"p", "local-a"}, "operation-corrupt");
  ASSERT_TRUE(op.ok());
  EXPECT_TRUE(op->done());
  ASSERT_FALSE(op->errors.empty());
  EXPECT_EQ(op->errors[0].code, "OPERATION_JOURNAL_UNREADABLE");
  // Every later command opens cleanly.
  RecoveryReport again;
  ASSERT_TRUE(LocalCloud::Open(o, &again).ok());
  EXPECT_TRUE(again.empty());
}

}  // namespace
}  // namespace imago::localcloud
