#include "gce/gce_images.h"

namespace imago::gce {

using compute::Image;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;

namespace {

std::string ImagesPath(const std::string& project) {
  return ProjectPath(project) + "global/images";
}
std::string One(const std::string& project, const std::string& image) {
  return ImagesPath(project) + "/" + UrlEncode(image);
}
Result<Image> AsImage(const Result<Json>& j) {
  if (!j.ok()) return j.status();
  return ReadAnswer<Image>(*j, [](const Json& x) { return compute::ImageFromJson(x); });
}

}  // namespace

Result<Operation> GceImages::Insert(const std::string& project, const Image& image,
                                    const MutationOptions& opts) {
  Json body = compute::ToJson(image);
  return c_.Mutate("POST", ImagesPath(project), {}, &body, opts);
}

Result<Image> GceImages::Get(const std::string& project, const std::string& image) {
  return AsImage(c_.Get(One(project, image)));
}

Result<Image> GceImages::GetFromFamily(const std::string& project, const std::string& family) {
  return AsImage(c_.Get(ImagesPath(project) + "/family/" + UrlEncode(family)));
}

Result<ListPage<Image>> GceImages::List(const std::string& project, const ListOptions& opts) {
  auto j = c_.Get(ImagesPath(project), ListQuery(opts));
  if (!j.ok()) return j.status();
  return ReadPage<Image>(*j, [](const Json& x) { return compute::ImageFromJson(x); });
}

Result<Operation> GceImages::Delete(const std::string& project, const std::string& image,
                                    const MutationOptions& opts) {
  return c_.Mutate("DELETE", One(project, image), {}, nullptr, opts);
}

Result<Operation> GceImages::Deprecate(const std::string& project, const std::string& image,
                                       const std::optional<compute::DeprecationStatus>& status,
                                       const MutationOptions& opts) {
  Json body = status ? compute::ToJson(*status) : Json::object();
  return c_.Mutate("POST", One(project, image) + "/deprecate", {}, &body, opts);
}

Result<Operation> GceImages::SetLabels(const std::string& project, const std::string& image,
                                       const compute::Labels& labels,
                                       const std::string& fingerprint,
                                       const MutationOptions& opts) {
  Json body = {{"labels", labels.empty() ? Json::object() : Json(labels)},
               {"labelFingerprint", fingerprint}};
  return c_.Mutate("POST", One(project, image) + "/setLabels", {}, &body, opts);
}

Result<Operation> GceImages::Patch(const std::string& project, const std::string& image,
                                   const compute::ImagePatch& patch, const MutationOptions& opts) {
  Json body = Json::object();
  if (patch.family) body["family"] = *patch.family;
  if (patch.description) body["description"] = *patch.description;
  if (patch.deprecated) body["deprecated"] = compute::ToJson(*patch.deprecated);
  return c_.Mutate("PATCH", One(project, image), {}, &body, opts);
}

}  // namespace imago::gce
