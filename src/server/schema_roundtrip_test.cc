// The schema round trip: for each resource imago serves, every input field
// the schema has, sent with a value of its type (generated from the schema
// itself), is accepted or refused for what the value means, never as an
// unknown field or a wrong type; a field imago keeps without modelling it
// comes back on get as it was sent. Instances are checked at the codec
// (their insert boots a VM: the conformance suite does that).
#include <gtest/gtest.h>

#include <iostream>

#include "base/testing.h"
#include "compute/schema.h"
#include "compute/vm_codec.h"
#include "server/rest_api.h"
#include "testenv/test_cloud.h"

namespace imago::server {
namespace {

using compute::FieldAccess;
using compute::FieldDef;
using compute::FieldKind;
using compute::FieldShape;
using nlohmann::json;

// A value of the field's type: every input field of a message, to depth 3.
json Sample(const FieldDef& f, int depth);

json SampleMessage(const char* message, int depth) {
  json m = json::object();
  if (depth > 3) return m;
  for (const FieldDef* g : compute::FieldsOf(message)) {
    if (g->access == FieldAccess::kOutputOnly) continue;
    m[g->name] = Sample(*g, depth + 1);
  }
  return m;
}

json Sample(const FieldDef& f, int depth) {
  json one;
  switch (f.kind) {
    case FieldKind::kString:
      one = "sample-1";
      break;
    case FieldKind::kBool:
      one = true;
      break;
    case FieldKind::kInt32:
    case FieldKind::kUint32:
      one = 7;
      break;
    case FieldKind::kInt64:
    case FieldKind::kUint64:
      one = "7";
      break;
    case FieldKind::kDouble:
      one = 1.5;
      break;
    case FieldKind::kEnum: {
      auto values = compute::EnumValues(f.type);
      one = values.empty() ? "" : std::string(values.front());
      break;
    }
    case FieldKind::kMessage:
      one = SampleMessage(f.type, depth);
      break;
  }
  if (f.shape == FieldShape::kRepeated) return json::array({one});
  if (f.shape == FieldShape::kMap) return json::object({{"key-1", one}});
  return one;
}

class SchemaRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    cloud_ = testenv::OpenTestCloud({dir_.path() + "/home"});
    api_ = std::make_unique<RestApi>(*cloud_, "http://127.0.0.1:9/compute/v1/");
    std::string raw = dir_.path() + "/seed.raw";
    base::WriteFile(raw, 1 << 20, 1);
    ASSERT_EQ(
        Call("POST", "global/images", json{{"name", "seed"}, {"rawDisk", {{"source", raw}}}}.dump())
            .status,
        200);
    ASSERT_EQ(Call("POST", "zones/local-a/disks", R"({"name":"snapme","sizeGb":"1"})").status, 200);
  }

  HttpResponse Call(const std::string& method, const std::string& path, std::string body = "") {
    HttpRequest req;
    req.method = method;
    req.path = "/compute/v1/projects/p/" + path;
    req.body = std::move(body);
    return api_->Handle(req);
  }

  // Inserts `minimal` with each other input field of `message` added in
  // turn; `name` is the field that names the resource.
  void RoundTrip(const char* message, const std::string& insert_path, const std::string& get_path,
                 json minimal) {
    int kept = 0, refused = 0, semantic = 0, modelled = 0;
    int n = 0;
    for (const FieldDef* f : compute::FieldsOf(message)) {
      if (f->access == FieldAccess::kOutputOnly || minimal.contains(f->name)) continue;
      if (std::string(f->name) == "name") continue;  // Set for each insert below.
      std::string name = "rt-" + std::to_string(++n);
      json body = minimal;
      body["name"] = name;
      body[f->name] = Sample(*f, 0);
      auto r = Call("POST", insert_path, body.dump());
      std::string where = std::string(message) + "." + f->name + " = " + body[f->name].dump();
      if (r.status != 200) {
        std::string m = r.body["error"]["message"];
        EXPECT_EQ(r.status, 400) << where << ": " << m;
        EXPECT_EQ(m.find("Unknown name"), std::string::npos) << where << ": " << m;
        EXPECT_EQ(m.find("(TYPE_"), std::string::npos) << where << ": " << m;
        if (m.find("Not supported by the local cloud") != std::string::npos) {
          ++refused;
        } else {
          ++semantic;  // A value that names nothing, ... (the field is known).
        }
        continue;
      }
      auto got = Call("GET", get_path + name);
      ASSERT_EQ(got.status, 200) << where;
      if (f->access == FieldAccess::kInputOnly) {
        EXPECT_FALSE(got.body.contains(f->name)) << where << " is input only";
      } else if (got.body.contains(f->name) && got.body[f->name] == body[f->name]) {
        ++kept;
      } else {
        ++modelled;  // Taken and turned into what the resource says (a URL, ...).
      }
    }
    std::cout << message << ": " << n << " input fields: " << kept << " kept as sent, " << modelled
              << " taken as modelled, " << refused << " refused as not supported, " << semantic
              << " refused for their value\n";
    EXPECT_GT(kept, 0);
  }

  base::TempDir dir_;
  std::unique_ptr<compute::Service> cloud_;
  std::unique_ptr<RestApi> api_;
};

TEST_F(SchemaRoundTrip, Images) {
  RoundTrip("Image", "global/images", "global/images/",
            {{"sourceImage", "global/images/seed"},
             {"rawDisk", nullptr},
             {"sourceDisk", nullptr},
             {"sourceSnapshot", nullptr}});
}

TEST_F(SchemaRoundTrip, Disks) {
  RoundTrip("Disk", "zones/local-a/disks", "zones/local-a/disks/",
            {{"sizeGb", "1"}, {"sourceImage", nullptr}, {"sourceSnapshot", nullptr}});
}

TEST_F(SchemaRoundTrip, Snapshots) {
  RoundTrip("Snapshot", "zones/local-a/disks/snapme/createSnapshot", "global/snapshots/",
            {{"sourceDisk", nullptr}});
}

// Every input field of Instance and of what it holds reads without an
// "unknown name" and, when imago does not model it, is kept for the get.
TEST(SchemaRoundTripCodec, Instances) {
  for (const FieldDef* f : compute::FieldsOf("Instance")) {
    if (f->access == FieldAccess::kOutputOnly) continue;
    json body = {{"name", "vm"}, {f->name, Sample(*f, 0)}};
    auto in = compute::InstanceFromJson(body);
    ASSERT_TRUE(in.ok()) << f->name << ": " << in.status().message();
    json back = compute::ToJson(*in);
    if (f->access == FieldAccess::kInputOutput) {
      EXPECT_TRUE(back.contains(f->name)) << f->name << " was dropped";
    }
  }
}

}  // namespace
}  // namespace imago::server
