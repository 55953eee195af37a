#include "localcloud/sources.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "compute/names.h"

namespace imago::localcloud {

using compute::DeprecationState;
using compute::ImageRef;
using compute::Result;
using compute::Status;

Result<ImageRow> LoadImageRef(LocalStore& s, const std::string& project, const ImageRef& ref) {
  const std::string& p = ref.project.empty() ? project : ref.project;
  Catalog& c = s.catalog();
  Result<std::optional<ImageRow>> row = std::optional<ImageRow>();
  std::string path;
  if (ref.is_family()) {
    row = c.FamilyHead(p, ref.name);
    path = compute::FamilyPath(p, ref.name);
  } else if (ref.id) {
    row = c.FindImageById(p, ref.id);
    path = compute::ImagePath(p, std::to_string(ref.id));
  } else {
    row = c.FindImage(p, ref.name);
    path = compute::ImagePath(p, ref.name);
  }
  if (!row.ok()) return row.status();
  if (!row->has_value()) return Status::ResourceNotFound(path);
  return std::move(**row);
}

Result<ImageRow> LoadImage(LocalStore& s, const std::string& project, const std::string& image) {
  ImageRef ref;
  if (base::IsAllDigits(image)) {
    if (!base::ParseUint64(image, &ref.id)) {
      return Status::ResourceNotFound(compute::ImagePath(project, image));
    }
  } else {
    IMAGO_RETURN_IF_ERROR(compute::ValidateName("image", image));
    ref.name = image;
  }
  return LoadImageRef(s, project, ref);
}

Result<ImageRow> ResolveSourceImage(LocalStore& s, const std::string& project,
                                    const std::string& field, const std::string& text,
                                    compute::Operation* op) {
  auto ref = compute::ParseImageRef(field, text);
  if (!ref.ok()) return ref.status();
  auto row = LoadImageRef(s, project, *ref);
  if (!row.ok()) {
    if (row.status().code() == compute::Code::kNotFound && !ref->is_family()) {
      return Status::InvalidField(field, text, "The referenced image resource cannot be found.");
    }
    return row.status();
  }
  const compute::Image& src = row->image;
  std::string path = compute::ImagePath(ref->project.empty() ? project : ref->project, src.name);
  if (src.status != "READY") {
    return Status::NotReady(
        fmt::format("The resource '{}' is not ready (status {}).", path, src.status));
  }
  DeprecationState state = src.State();
  std::string replacement = src.deprecated ? src.deprecated->replacement : "";
  if (state == DeprecationState::kObsolete || state == DeprecationState::kDeleted) {
    std::string what = state == DeprecationState::kObsolete ? "obsolete" : "deleted";
    return Status::Invalid(
        fmt::format("The resource '{}' is {}.  New uses are not allowed.  {}", path, what,
                    replacement.empty() ? std::string("No replacement was specified.")
                                        : "Use the replacement '" + replacement + "'."));
  }
  if (state == DeprecationState::kDeprecated && op) {
    compute::Warning w;
    w.code = "DEPRECATED_RESOURCE_USED";
    w.message =
        fmt::format("The resource '{}' is deprecated. {}", path,
                    replacement.empty() ? std::string("No replacement was specified.")
                                        : "A suggested replacement is '" + replacement + "'.");
    w.data.emplace_back("resource_name", path);
    if (!replacement.empty()) w.data.emplace_back("replacement", replacement);
    op->warnings.push_back(std::move(w));
  }
  return row;
}

Result<ResourceRow> ResolveSnapshot(LocalStore& s, const std::string& project,
                                    const std::string& field, const std::string& text) {
  auto ref = compute::ParseResourceRef(field, text, "snapshots", false);
  if (!ref.ok()) return ref.status();
  const std::string& p = ref->project.empty() ? project : ref->project;
  auto row = s.LoadRow(kSnapshotKind, "snapshots", p, "", ref->name);
  if (!row.ok()) {
    if (row.status().code() == compute::Code::kNotFound) {
      return Status::InvalidField(field, text, "The referenced snapshot resource cannot be found.");
    }
    return row.status();
  }
  if (row->status() != "READY") {
    return Status::NotReady(fmt::format("The resource '{}' is not ready (status {}).",
                                        compute::GlobalPath(p, "snapshots", row->name),
                                        row->status()));
  }
  return row;
}

}  // namespace imago::localcloud
