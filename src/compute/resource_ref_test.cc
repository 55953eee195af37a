#include "compute/resource_ref.h"

#include <gtest/gtest.h>

namespace imago::compute {
namespace {

TEST(ResourceRefTest, EveryAcceptedForm) {
  struct Case {
    const char* text;
    bool family;
    const char* project;
    const char* name;
    uint64_t id;
  } cases[] = {
      {"image-v1", false, "", "image-v1", 0},
      {"global/images/image-v1", false, "", "image-v1", 0},
      {"projects/p1/global/images/image-v1", false, "p1", "image-v1", 0},
      {"https://www.googleapis.com/compute/v1/projects/p1/global/images/image-v1", false, "p1",
       "image-v1", 0},
      {"https://compute.googleapis.com/compute/v1/projects/debian-cloud/global/images/family/"
       "debian-12",
       true, "debian-cloud", "debian-12", 0},
      {"http://127.0.0.1:8080/compute/v1/projects/local/global/images/x", false, "local", "x", 0},
      {"projects/p/global/images/family/app", true, "p", "app", 0},
      {"global/images/family/app", true, "", "app", 0},
      {"4511186341357318046", false, "", "", 4511186341357318046ULL},
  };
  for (const auto& c : cases) {
    auto r = ParseImageRef("sourceImage", c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().message();
    EXPECT_EQ(r->is_family(), c.family) << c.text;
    EXPECT_EQ(r->project, c.project) << c.text;
    EXPECT_EQ(r->name, c.name) << c.text;
    EXPECT_EQ(r->id, c.id) << c.text;
  }
}

TEST(ResourceRefTest, RejectsMalformedReferences) {
  for (const char* bad :
       {"", "Image", "global/images/", "global/disks/x", "projects/p/global/images/a/b",
        "https://example.com/x", "https://h/compute/v9/projects/p/global/images/x",
        "projects/Bad/global/images/x", "global/images/family/", "family/x", "/global/images/x",
        "99999999999999999999999"}) {
    auto r = ParseImageRef("sourceImage", bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("'sourceImage'"), std::string::npos);
    }
  }
}

TEST(ResourceRefTest, Paths) {
  EXPECT_EQ(ImagePath("p", "x"), "projects/p/global/images/x");
  EXPECT_EQ(FamilyPath("p", "f"), "projects/p/global/images/family/f");
  EXPECT_EQ(Link(kDefaultSelfLinkBase, ImagePath("p", "x")),
            "https://www.googleapis.com/compute/v1/projects/p/global/images/x");
}

}  // namespace
}  // namespace imago::compute
