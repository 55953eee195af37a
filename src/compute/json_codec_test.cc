#include "compute/json_codec.h"

#include <gtest/gtest.h>

#include "compute/schema.h"

namespace imago::compute {
namespace {

TEST(JsonCodecTest, ImageUsesTheApiNames) {
  Image im;
  im.id = 4511186341357318046ULL;
  im.name = "app-v3";
  im.family = "app";
  im.status = "READY";
  im.disk_size_gb = 10;
  im.archive_size_bytes = 1319573504;
  im.labels = {{"env", "prod"}};
  im.label_fingerprint = LabelFingerprint(im.labels);
  im.deprecated = DeprecationStatus{DeprecationState::kDeprecated, "https://x/img", "", "", ""};
  Json j = ToJson(im);
  EXPECT_EQ(j["kind"], "compute#image");
  EXPECT_EQ(j["id"], "4511186341357318046");  // int64 as a JSON string.
  EXPECT_EQ(j["diskSizeGb"], "10");
  EXPECT_EQ(j["archiveSizeBytes"], "1319573504");
  EXPECT_EQ(j["deprecated"]["state"], "DEPRECATED");
  EXPECT_EQ(j["labels"]["env"], "prod");
  EXPECT_FALSE(j.contains("description"));  // Unset fields are omitted.

  auto back = ImageFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->id, im.id);
  EXPECT_EQ(back->disk_size_gb, 10);
  EXPECT_EQ(back->State(), DeprecationState::kDeprecated);
  EXPECT_EQ(back->labels, im.labels);
  EXPECT_EQ(ToJson(*back), j);
}

TEST(JsonCodecTest, AcceptsNumbersForInt64AndKeepsPassthroughFields) {
  auto im = ImageFromJson(Json::parse(
      R"({"name":"a","diskSizeGb":20,"guestOsFeatures":[{"type":"UEFI_COMPATIBLE"}],"architecture":"X86_64"})"));
  ASSERT_TRUE(im.ok()) << im.status().message();
  EXPECT_EQ(im->disk_size_gb, 20);
  Json j = ToJson(*im);
  EXPECT_EQ(j["architecture"], "X86_64");
  EXPECT_EQ(j["guestOsFeatures"][0]["type"], "UEFI_COMPATIBLE");
}

// A field of the schema that imago does not model is checked and kept as
// sent (what Google's clients serialise, empty maps included, is accepted);
// output-only and input-only ones and empty values are dropped. The local
// cloud refuses those it cannot honour (encryption keys, ...) on insert:
// see local_cloud_test.cc.
TEST(JsonCodecTest, KeepsKnownFieldsItDoesNotModel) {
  auto r = ImageFromJson(Json::parse(R"({
    "name": "a", "architecture": "X86_64", "guestOsFeatures": [{"type": "GVNIC"}],
    "shieldedInstanceInitialState": {"pk": {"content": "eA==", "fileType": "BIN"}},
    "imageEncryptionKey": {"kmsKeyName": "k"}, "licenses": [], "labels": {},
    "satisfiesPzs": true, "params": {"resourceManagerTags": {"t": "v"}}, "storageLocations": []})"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->extra["architecture"], "X86_64");
  EXPECT_EQ(r->extra["guestOsFeatures"][0]["type"], "GVNIC");
  EXPECT_EQ(r->extra["shieldedInstanceInitialState"]["pk"]["fileType"], "BIN");
  EXPECT_EQ(r->extra["imageEncryptionKey"]["kmsKeyName"], "k");
  EXPECT_FALSE(r->extra.contains("licenses"));      // Empty: unset.
  EXPECT_FALSE(r->extra.contains("satisfiesPzs"));  // Output only.
  EXPECT_FALSE(r->extra.contains("params"));        // Input only: never stored.
  Json back = ToJson(*r);
  EXPECT_EQ(back["architecture"], "X86_64");  // Returned as sent.
  EXPECT_EQ(back["guestOsFeatures"][0]["type"], "GVNIC");
}

TEST(JsonCodecTest, RejectsUnknownFieldsAndWrongTypes) {
  struct Case {
    const char* body;
    const char* expect;
  } cases[] = {
      {R"({"name":"a","colour":"red"})", "Unknown name \"colour\" at 'image'"},
      {R"({"name":5})", "Invalid value at 'image.name' (TYPE_STRING), 5"},
      {R"({"name":"a","labels":{"k":1}})", "image.labels.k"},
      {R"({"name":"a","labels":[]})", "image.labels"},
      {R"({"name":"a","diskSizeGb":"ten"})", "image.diskSizeGb"},
      {R"({"name":"a","id":-3})", "image.id"},
      {R"({"name":"a","deprecated":{"state":"GONE"}})", "image.deprecated.state"},
      {R"({"name":"a","deprecated":{"when":"now"}})", "Unknown name \"when\""},
      {R"({"name":"a","rawDisk":{"source":"/x","size":1}})", "Unknown name \"size\""},
      {R"({"name":"a","kind":"compute#disk"})", "compute#image"},
      {R"({"name":"a","imageEncryptionKey":{"rawKey":7}})", "image.imageEncryptionKey.rawKey"},
      {R"({"name":"a","imageEncryptionKey":{"colour":"x"}})", "Unknown name \"colour\""},
      {R"({"name":"a","architecture":"SPARC"})", "image.architecture' (TYPE_ENUM)"},
      {R"({"name":"a","guestOsFeatures":{"type":"GVNIC"}})", "TYPE_LIST"},
      {R"([1,2])", "TYPE_MESSAGE"},
  };
  for (const auto& c : cases) {
    auto r = ImageFromJson(Json::parse(c.body));
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), Code::kInvalid);
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos)
        << c.body << " -> " << r.status().message();
  }
}

TEST(JsonCodecTest, DeprecationStatusEmptyBodyIsAllowed) {
  auto d = DeprecationStatusFromJson(Json::object());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->state, DeprecationState::kActive);
}

TEST(JsonCodecTest, OperationRoundTrip) {
  Operation op;
  op.id = 7311906313870716131ULL;
  op.name = "operation-1";
  op.operation_type = "insert";
  op.status = "DONE";
  op.progress = 100;
  op.target_id = 42;
  op.errors.push_back({"RESOURCE_NOT_FOUND", "gone", ""});
  op.http_error_status_code = 404;
  op.http_error_message = "NOT FOUND";
  op.warnings.push_back({"DEPRECATED_RESOURCE_USED", "old", {{"resource_name", "x"}}});
  Json j = ToJson(op);
  EXPECT_EQ(j["kind"], "compute#operation");
  EXPECT_EQ(j["id"], "7311906313870716131");
  EXPECT_EQ(j["targetId"], "42");
  EXPECT_EQ(j["progress"], 100);  // int32: a number.
  EXPECT_EQ(j["error"]["errors"][0]["code"], "RESOURCE_NOT_FOUND");
  EXPECT_EQ(j["warnings"][0]["data"][0]["key"], "resource_name");
  auto back = OperationFromJson(j);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(ToJson(*back), j);
}

TEST(JsonCodecTest, LabelFingerprintFollowsContent) {
  EXPECT_EQ(LabelFingerprint({{"a", "1"}}), LabelFingerprint({{"a", "1"}}));
  EXPECT_NE(LabelFingerprint({{"a", "1"}}), LabelFingerprint({{"a", "2"}}));
  EXPECT_NE(LabelFingerprint({{"a", "1"}}), LabelFingerprint({}));
  EXPECT_NE(LabelFingerprint({{"ab", ""}}), LabelFingerprint({{"a", "b"}}));
  EXPECT_EQ(LabelFingerprint({}).size(), 12u);  // base64 of 8 bytes.
}

// Google's protos list some enum values only in the enum's comment
// ("Additional supported values ..."): the table has them too, so that
// updatePolicy.type PROACTIVE or minimalAction REPLACE is never refused.
TEST(SchemaTest, EveryEnumHasItsValues) {
  for (size_t i = 0; i < schema_data::kEnumCount; ++i) {
    EXPECT_FALSE(std::string(schema_data::kEnums[i].values).empty()) << schema_data::kEnums[i].name;
  }
  EXPECT_TRUE(EnumHas("InstanceGroupManagerUpdatePolicy.Type", "PROACTIVE"));
  EXPECT_TRUE(EnumHas("InstanceGroupManagerUpdatePolicy.Type", "OPPORTUNISTIC"));
  EXPECT_TRUE(EnumHas("InstanceGroupManagerUpdatePolicy.MinimalAction", "REPLACE"));
  EXPECT_FALSE(EnumHas("InstanceGroupManagerUpdatePolicy.Type", "SOMETIMES"));
}

TEST(StatusTest, ErrorJsonHasTheGceShape) {
  Json j = ErrorJson(Status::ResourceNotFound("projects/p/global/images/x"));
  EXPECT_EQ(j["error"]["code"], 404);
  EXPECT_EQ(j["error"]["message"], "The resource 'projects/p/global/images/x' was not found");
  ASSERT_EQ(j["error"]["errors"].size(), 1u);
  EXPECT_EQ(j["error"]["errors"][0]["reason"], "notFound");
  EXPECT_EQ(j["error"]["errors"][0]["domain"], "global");
  Status fp = Status::ConditionNotMet("stale");
  fp.WithLocation("If-Match");
  Json k = ErrorJson(fp);
  EXPECT_EQ(k["error"]["errors"][0]["location"], "If-Match");
  EXPECT_EQ(k["error"]["errors"][0]["locationType"], "header");
}

TEST(StatusTest, ErrorJsonRoundTrips) {
  for (Status st : {Status::ResourceNotFound("a"), Status::ResourceExists("b"),
                    Status::Invalid("c"), Status::ConditionNotMet("d")}) {
    Status back = StatusFromErrorJson(st.http_code(), ErrorJson(st));
    EXPECT_EQ(back.code(), st.code()) << st.ToString();
    EXPECT_EQ(back.message(), st.message());
  }
}

}  // namespace
}  // namespace imago::compute
