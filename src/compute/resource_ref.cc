#include "compute/resource_ref.h"

#include <vector>

#include "compute/names.h"

namespace imago::compute {
namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    parts.push_back(s.substr(start, p == std::string_view::npos ? s.npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return parts;
}

bool IsNumericId(std::string_view s) {
  if (s.empty() || s.size() > 20 || s.front() == '0') return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return s.size() < 20 || s <= "18446744073709551615";
}

Status Bad(std::string_view field, std::string_view text, const char* why) {
  return Status::InvalidField(std::string(field), std::string(text), why);
}

constexpr const char* kForms =
    "Expected an image name, 'global/images/NAME', 'projects/PROJECT/global/images/NAME', "
    "a family as '.../images/family/FAMILY', a full URL or a numeric id.";

// Strips scheme://host/[prefix/]compute/VERSION/ from a full URL, which must
// then go on with projects/. Other text is left as it is. False when the URL
// is not a compute API URL.
bool StripUrlPrefix(std::string_view* rest) {
  if (!rest->starts_with("https://") && !rest->starts_with("http://")) return true;
  size_t host_start = rest->find("//") + 2;
  size_t path_start = rest->find('/', host_start);
  if (path_start == std::string_view::npos) return false;
  *rest = rest->substr(path_start + 1);
  // Any prefix up to "compute/VERSION/" (a server may sit under a path).
  size_t c = rest->find("compute/");
  if (c == std::string_view::npos) return false;
  *rest = rest->substr(c + 8);
  size_t slash = rest->find('/');
  std::string_view version = rest->substr(0, slash);
  if (slash == std::string_view::npos ||
      (version != "v1" && version != "beta" && version != "alpha")) {
    return false;
  }
  *rest = rest->substr(slash + 1);
  return rest->starts_with("projects/");
}

}  // namespace

Result<ImageRef> ParseImageRef(std::string_view field, std::string_view text) {
  if (text.empty()) return Bad(field, text, "An image reference must not be empty.");
  std::string_view rest = text;
  if (!StripUrlPrefix(&rest)) return Bad(field, text, kForms);
  ImageRef ref;
  auto parts = Split(rest, '/');
  size_t i = 0;
  if (parts.size() >= 2 && parts[0] == "projects") {
    ref.project = std::string(parts[1]);
    Status st = ValidateProject(ref.project);
    if (!st.ok()) return Bad(field, text, "The project in the reference is not a valid id.");
    i = 2;
  }
  size_t n = parts.size() - i;
  if (i == 0 && n == 1) {
    // A bare name or numeric id.
  } else if (n >= 3 && parts[i] == "global" && parts[i + 1] == "images") {
    i += 2;
    n -= 2;
  } else {
    return Bad(field, text, kForms);
  }
  if (n == 2 && parts[i] == "family") {
    ref.kind = ImageRef::Kind::kFamily;
    ref.name = std::string(parts[i + 1]);
    if (!IsValidName(ref.name)) {
      return Bad(field, text,
                 "The family name must be a match of '[a-z]([-a-z0-9]{0,61}[a-z0-9])?'.");
    }
    return ref;
  }
  if (n != 1) return Bad(field, text, kForms);
  std::string_view last = parts[i];
  if (IsNumericId(last)) {
    ref.id = std::stoull(std::string(last));
    return ref;
  }
  if (!IsValidName(last)) {
    return Bad(field, text, "The image name must be a match of '[a-z]([-a-z0-9]{0,61}[a-z0-9])?'.");
  }
  ref.name = std::string(last);
  return ref;
}

std::string ImagePath(std::string_view project, std::string_view name) {
  return "projects/" + std::string(project) + "/global/images/" + std::string(name);
}

std::string FamilyPath(std::string_view project, std::string_view family) {
  return "projects/" + std::string(project) + "/global/images/family/" + std::string(family);
}

std::string GlobalOperationPath(std::string_view project, std::string_view name) {
  return "projects/" + std::string(project) + "/global/operations/" + std::string(name);
}

Result<ResourceRef> ParseResourceRef(std::string_view field, std::string_view text,
                                     std::string_view collection, bool zonal) {
  std::string forms = zonal ? "Expected a name, 'zones/ZONE/" + std::string(collection) +
                                  "/NAME', 'projects/PROJECT/zones/ZONE/" +
                                  std::string(collection) + "/NAME' or a full URL."
                            : "Expected a name, 'global/" + std::string(collection) +
                                  "/NAME', 'projects/PROJECT/global/" + std::string(collection) +
                                  "/NAME' or a full URL.";
  if (text.empty()) return Bad(field, text, "A reference must not be empty.");
  std::string_view rest = text;
  if (!StripUrlPrefix(&rest))
    return Status::InvalidField(std::string(field), std::string(text), forms);
  ResourceRef ref;
  auto parts = Split(rest, '/');
  size_t i = 0;
  if (parts.size() >= 2 && parts[0] == "projects") {
    ref.project = std::string(parts[1]);
    if (!ValidateProject(ref.project).ok()) {
      return Bad(field, text, "The project in the reference is not a valid id.");
    }
    i = 2;
  }
  size_t n = parts.size() - i;
  if (i == 0 && n == 1) {
    // A bare name or numeric id.
  } else if (zonal && n == 4 && parts[i] == "zones" && parts[i + 2] == collection) {
    ref.zone = std::string(parts[i + 1]);
    if (!IsValidName(ref.zone)) return Bad(field, text, "The zone in the reference is not valid.");
    i += 3;
  } else if (!zonal && n == 3 && parts[i] == "global" && parts[i + 1] == collection) {
    i += 2;
  } else {
    return Status::InvalidField(std::string(field), std::string(text), forms);
  }
  std::string_view last = parts[i];
  if (IsNumericId(last)) {
    ref.id = std::stoull(std::string(last));
    ref.name = std::string(last);
    return ref;
  }
  if (!IsValidName(last)) {
    return Bad(field, text, "The name must be a match of '[a-z]([-a-z0-9]{0,61}[a-z0-9])?'.");
  }
  ref.name = std::string(last);
  return ref;
}

std::string ZonalPath(std::string_view project, std::string_view zone, std::string_view collection,
                      std::string_view name) {
  return "projects/" + std::string(project) + "/zones/" + std::string(zone) + "/" +
         std::string(collection) + "/" + std::string(name);
}

std::string GlobalPath(std::string_view project, std::string_view collection,
                       std::string_view name) {
  return "projects/" + std::string(project) + "/global/" + std::string(collection) + "/" +
         std::string(name);
}

std::string ZonePath(std::string_view project, std::string_view zone) {
  return "projects/" + std::string(project) + "/zones/" + std::string(zone);
}

std::string LastSegment(std::string_view url) {
  size_t p = url.rfind('/');
  return std::string(p == std::string_view::npos ? url : url.substr(p + 1));
}

std::string Link(std::string_view base, std::string_view path) {
  std::string out(base);
  if (!out.empty() && out.back() != '/') out += '/';
  out += path;
  return out;
}

}  // namespace imago::compute
