// The schema round trip: for each resource imago serves, every input field
// the schema has, sent with a value of its type (generated from the schema
// itself), is accepted or refused for what the value means, never as an
// unknown field or a wrong type; a field imago keeps without modelling it
// comes back on get as it was sent. Instances are checked at the codec
// (their insert boots a VM: the conformance suite does that).
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>

#include "base/testing.h"
#include "compute/group_codec.h"
#include "compute/json_codec.h"
#include "compute/lb_codec.h"
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

// What docs/serve.md says of `message`: under "### `Message`", the lines
// "- **Kept and returned as sent:** `a`, `b`" and "- **Refused ...:** ...",
// as label -> field names.
std::map<std::string, std::set<std::string>> DocumentedFields(const std::string& message) {
  std::ifstream in(std::string(IMAGO_SOURCE_DIR) + "/docs/serve.md");
  std::map<std::string, std::set<std::string>> out;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.starts_with("### ")) inside = line == "### `" + message + "`";
    if (!inside || !line.starts_with("- **")) continue;
    size_t end = line.find(":**");
    if (end == std::string::npos) continue;
    std::string label = line.substr(4, end - 4);
    // Names are the backquoted words up to the first " (" or " —".
    std::string names = line.substr(end + 3);
    names = names.substr(0, std::min(names.find(" ("), names.find(" —")));
    for (size_t a = names.find('`'); a != std::string::npos; a = names.find('`', a + 1)) {
      size_t b = names.find('`', a + 1);
      if (b == std::string::npos) break;
      out[label].insert(names.substr(a + 1, b - a - 1));
      a = b;
    }
  }
  return out;
}

std::string Join(const std::set<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "`" : ", `") + n + "`";
  return s;
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
  // turn. `unmodelled(body)` is what the codec keeps of `body` without
  // modelling it (the resource's `extra`).
  // `inner`, when given, names the object of `minimal` that is of
  // `message` (InstanceTemplate.properties is an InstanceProperties).
  void RoundTrip(const char* message, const std::string& insert_path, const std::string& get_path,
                 json minimal, const std::function<json(const json&)>& unmodelled,
                 const char* inner = nullptr,
                 const std::function<void(json&, int)>& prepare = nullptr) {
    std::set<std::string> kept, refused, acted, input_only;
    int n = 0;
    const json& base = inner ? minimal[inner] : minimal;
    for (const FieldDef* f : compute::FieldsOf(message)) {
      if (f->access == FieldAccess::kOutputOnly || base.contains(f->name)) continue;
      if (!inner && std::string(f->name) == "name") continue;  // Set for each insert below.
      std::string name = "rt-" + std::to_string(++n);
      json body = minimal;
      body["name"] = name;
      json& slot = inner ? body[inner] : body;
      slot[f->name] = Sample(*f, 0);
      if (prepare) prepare(body, n);  // What must differ between inserts.
      auto r = Call("POST", insert_path, body.dump());
      std::string where = std::string(message) + "." + f->name + " = " + slot[f->name].dump();
      if (r.status != 200) {
        std::string m = r.body["error"]["message"];
        EXPECT_EQ(r.status, 400) << where << ": " << m;
        EXPECT_EQ(m.find("Unknown name"), std::string::npos) << where << ": " << m;
        EXPECT_EQ(m.find("(TYPE_"), std::string::npos) << where << ": " << m;
        // Refused as a whole (a value inside it refused: the field is acted on).
        if (m.find("Not supported by the local cloud") != std::string::npos &&
            m.find("." + std::string(f->name) + "'") != std::string::npos) {
          refused.insert(f->name);
        } else {
          acted.insert(f->name);  // A value checked for what it means (the field is known).
        }
        continue;
      }
      auto got = Call("GET", get_path + name);
      ASSERT_EQ(got.status, 200) << where;
      const json got_slot = inner ? got.body.value(inner, json::object()) : got.body;
      if (f->access == FieldAccess::kInputOnly) {
        EXPECT_FALSE(got_slot.contains(f->name)) << where << " is input only";
        input_only.insert(f->name);
      } else if (unmodelled(body).contains(f->name)) {
        EXPECT_EQ(got_slot.value(f->name, json()), slot[f->name]) << where << " was not kept";
        kept.insert(f->name);
      } else {
        acted.insert(f->name);  // Taken and turned into what the resource says (a URL, ...).
      }
    }
    std::cout << message << ": " << n << " input fields: " << kept.size() << " kept as sent, "
              << refused.size() << " refused as not supported, " << acted.size() << " acted on, "
              << input_only.size() << " input-only\n";
    EXPECT_EQ(kept.size() + refused.size() + acted.size() + input_only.size(),
              static_cast<size_t>(n));
    // docs/serve.md lists both groups, exactly (a kept field the local
    // cloud also acts on is listed as acted on).
    auto doc = DocumentedFields(message);
    for (const auto& name : doc["Acted on"]) kept.erase(name);
    EXPECT_EQ(doc["Kept and returned as sent"], kept)
        << "docs/serve.md, " << message << ", kept: " << Join(kept);
    EXPECT_EQ(doc["Refused with a 400"], refused)
        << "docs/serve.md, " << message << ", refused: " << Join(refused);
    for (const auto& name : acted) {
      EXPECT_TRUE(doc["Acted on"].contains(name))
          << "docs/serve.md, " << message << ", acted on, lacks " << name;
    }
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
             {"sourceSnapshot", nullptr}},
            [](const json& b) { return compute::ImageFromJson(b)->extra; });
}

TEST_F(SchemaRoundTrip, Disks) {
  RoundTrip("Disk", "zones/local-a/disks", "zones/local-a/disks/",
            {{"sizeGb", "1"}, {"sourceImage", nullptr}, {"sourceSnapshot", nullptr}},
            [](const json& b) { return compute::DiskFromJson(b)->extra; });
}

TEST_F(SchemaRoundTrip, Snapshots) {
  RoundTrip("Snapshot", "zones/local-a/disks/snapme/createSnapshot", "global/snapshots/",
            {{"sourceDisk", nullptr}},
            [](const json& b) { return compute::SnapshotFromJson(b)->extra; });
}

TEST_F(SchemaRoundTrip, HealthChecks) {
  RoundTrip("HealthCheck", "global/healthChecks", "global/healthChecks/", {{"type", "HTTP"}},
            [](const json& b) { return compute::HealthCheckFromJson(b)->extra; });
}

const json kTemplateProperties = {
    {"machineType", "e2-micro"},
    {"disks",
     {{{"boot", true},
       {"autoDelete", true},
       {"initializeParams", {{"sourceImage", "global/images/seed"}}}}}}};

TEST_F(SchemaRoundTrip, InstanceTemplates) {
  RoundTrip("InstanceTemplate", "global/instanceTemplates", "global/instanceTemplates/",
            {{"properties", kTemplateProperties}},
            [](const json& b) { return compute::InstanceTemplateFromJson(b)->extra; });
}

TEST_F(SchemaRoundTrip, InstanceTemplateProperties) {
  RoundTrip(
      "InstanceProperties", "global/instanceTemplates", "global/instanceTemplates/",
      {{"properties", kTemplateProperties}},
      [](const json& b) { return compute::InstancePropertiesFromJson(b["properties"])->extra; },
      "properties");
}

TEST_F(SchemaRoundTrip, InstanceGroupManagers) {
  ASSERT_EQ(Call("POST", "global/instanceTemplates",
                 json{{"name", "tmpl"}, {"properties", kTemplateProperties}}.dump())
                .status,
            200);
  RoundTrip("InstanceGroupManager", "zones/local-a/instanceGroupManagers",
            "zones/local-a/instanceGroupManagers/",
            {{"instanceTemplate", "global/instanceTemplates/tmpl"}, {"targetSize", 0}},
            [](const json& b) { return compute::InstanceGroupManagerFromJson(b)->extra; });
}

TEST_F(SchemaRoundTrip, LoadBalancer) {
  ASSERT_EQ(Call("POST", "global/healthChecks", R"({"name":"hc","type":"HTTP"})").status, 200);
  RoundTrip("BackendService", "global/backendServices", "global/backendServices/",
            {{"healthChecks", {"global/healthChecks/hc"}}},
            [](const json& b) { return compute::BackendServiceFromJson(b)->extra; });
  ASSERT_EQ(Call("POST", "global/backendServices", R"({"name":"bs","healthChecks":["hc"]})").status,
            200);
  RoundTrip("UrlMap", "global/urlMaps", "global/urlMaps/",
            {{"defaultService", "global/backendServices/bs"}},
            [](const json& b) { return compute::UrlMapFromJson(b)->extra; });
  ASSERT_EQ(Call("POST", "global/urlMaps", R"({"name":"map","defaultService":"bs"})").status, 200);
  RoundTrip("TargetHttpProxy", "global/targetHttpProxies", "global/targetHttpProxies/",
            {{"urlMap", "global/urlMaps/map"}},
            [](const json& b) { return compute::TargetHttpProxyFromJson(b)->extra; });
}

TEST_F(SchemaRoundTrip, Autoscalers) {
  ASSERT_EQ(Call("POST", "global/instanceTemplates",
                 json{{"name", "tmpl"}, {"properties", kTemplateProperties}}.dump())
                .status,
            200);
  // One autoscaler per group: each insert of the round trip gets a group.
  for (int i = 1; i <= 20; ++i) {
    ASSERT_EQ(Call("POST", "zones/local-a/instanceGroupManagers",
                   json{{"name", "g" + std::to_string(i)},
                        {"instanceTemplate", "global/instanceTemplates/tmpl"},
                        {"targetSize", 0}}
                       .dump())
                  .status,
              200);
  }
  RoundTrip(
      "AutoscalingPolicy", "zones/local-a/autoscalers", "zones/local-a/autoscalers/",
      {{"target", "zones/local-a/instanceGroupManagers/g1"},
       {"autoscalingPolicy", {{"maxNumReplicas", 2}}}},
      [](const json& b) { return compute::AutoscalerFromJson(b)->policy.extra; },
      "autoscalingPolicy",
      [](json& body, int n) {
        body["target"] = "zones/local-a/instanceGroupManagers/g" + std::to_string(n);
      });
}

// Instances: an insert passes every check before its VM boots, and this
// cloud's images have no kernel. So a field is accepted when the insert
// fails only at the boot ("The boot disk has no kernel"), leaving nothing
// behind; the conformance suite boots an instance with the kept fields and
// reads them back.
TEST_F(SchemaRoundTrip, Instances) {
  const json minimal = {{"machineType", "zones/local-a/machineTypes/e2-micro"},
                        {"disks",
                         {{{"boot", true},
                           {"autoDelete", true},
                           {"initializeParams", {{"sourceImage", "global/images/seed"}}}}}}};
  std::set<std::string> kept, refused, acted;
  for (const FieldDef* f : compute::FieldsOf("Instance")) {
    if (f->access == FieldAccess::kOutputOnly || minimal.contains(f->name)) continue;
    if (std::string(f->name) == "name") continue;
    json body = minimal;
    body["name"] = "rt";
    body[f->name] = Sample(*f, 0);
    std::string where = std::string("Instance.") + f->name + " = " + body[f->name].dump();
    auto r = Call("POST", "zones/local-a/instances", body.dump());
    ASSERT_NE(r.status, 200) << where;
    std::string m = r.body["error"]["message"];
    EXPECT_EQ(m.find("Unknown name"), std::string::npos) << where << ": " << m;
    EXPECT_EQ(m.find("(TYPE_"), std::string::npos) << where << ": " << m;
    EXPECT_EQ(Call("GET", "zones/local-a/instances/rt").status, 404) << where;
    EXPECT_EQ(Call("GET", "zones/local-a/disks/rt").status, 404) << where << " left its disk";
    // Refused as a whole (a value inside it refused: the field is acted on).
    if (m.find("Not supported by the local cloud") != std::string::npos &&
        m.find("'instance." + std::string(f->name) + "'") != std::string::npos) {
      refused.insert(f->name);
    } else if (m.find("has no kernel") == std::string::npos) {
      acted.insert(f->name);  // Refused for its value (the field is known).
    } else if (compute::InstanceFromJson(body)->extra.contains(f->name)) {
      kept.insert(f->name);
    } else {
      acted.insert(f->name);
    }
  }
  std::cout << "Instance: " << kept.size() << " kept as sent, " << refused.size()
            << " refused as not supported, " << acted.size() << " acted on\n";
  auto doc = DocumentedFields("Instance");
  for (const auto& name : doc["Acted on"]) kept.erase(name);
  EXPECT_EQ(doc["Kept and returned as sent"], kept)
      << "docs/serve.md, Instance, kept: " << Join(kept);
  EXPECT_EQ(doc["Refused with a 400"], refused)
      << "docs/serve.md, Instance, refused: " << Join(refused);
  for (const auto& name : acted) {
    EXPECT_TRUE(doc["Acted on"].contains(name))
        << "docs/serve.md, Instance, acted on, lacks " << name;
  }
}

}  // namespace
}  // namespace imago::server
