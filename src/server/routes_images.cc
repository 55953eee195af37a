// images: global/images[/{image}[/deprecate|/setLabels]], global/images/family/{family}.
#include "compute/json_codec.h"
#include "compute/schema.h"
#include "server/route_util.h"

namespace imago::server {

using compute::Status;

namespace {

HttpResponse Insert(const Call& c) {
  auto body = Body(c.req);
  if (!body.ok()) return Error(body.status());
  auto im = compute::ImageFromJson(*body);
  if (!im.ok()) return Error(im.status());
  return Reply(c.svc.images().Insert(c.project, *im, Mutation(c.req)));
}

// images.patch changes family, description and deprecated. Clients send
// more: google-gax every map field empty, read-modify-write clients the whole
// image back. So a field is taken when it is output-only, empty, or equal to
// the image's value; a field that would change anything else is a 400.
HttpResponse Patch(const Call& c) {
  auto body = Body(c.req);
  if (!body.ok()) return Error(body.status());
  auto im = compute::ImageFromJson(*body);
  if (!im.ok()) return Error(im.status());
  compute::ImagePatch patch;
  std::optional<compute::Json> current;  // Read once, when first needed.
  for (const auto& [k, v] : body->items()) {
    if (k == "family") {
      patch.family = im->family;
    } else if (k == "description") {
      patch.description = im->description;
    } else if (k == "deprecated") {
      patch.deprecated = im->deprecated.value_or(compute::DeprecationStatus{});
    } else {
      const compute::FieldDef* f = compute::FindField("Image", k);
      if (k == "labelFingerprint" || compute::IsEmptyValue(v) ||
          (f != nullptr && f->access != compute::FieldAccess::kInputOutput)) {
        continue;
      }
      if (!current) {
        auto got = c.svc.images().Get(c.project, c[0]);
        if (!got.ok()) return Error(got.status());
        current = compute::ToJson(*got);
      }
      if (current->value(k, compute::Json()) != v) {
        return Error(Status::InvalidField("image." + k, v.dump(),
                                          "This field cannot be patched; images.patch "
                                          "changes family, description and deprecated."));
      }
    }
  }
  return Reply(c.svc.images().Patch(c.project, c[0], patch, Mutation(c.req)));
}

HttpResponse Deprecate(const Call& c) {
  auto body = Body(c.req, /*empty_is_object=*/true);
  if (!body.ok()) return Error(body.status());
  std::optional<compute::DeprecationStatus> d;
  if (!body->empty()) {
    auto parsed = compute::DeprecationStatusFromJson(*body);
    if (!parsed.ok()) return Error(parsed.status());
    d = *parsed;
  }
  return Reply(c.svc.images().Deprecate(c.project, c[0], d, Mutation(c.req)));
}

HttpResponse SetLabels(const Call& c) {
  auto body = Body(c.req);
  if (!body.ok()) return Error(body.status());
  compute::Labels labels;
  std::string fingerprint;
  for (const auto& [k, v] : body->items()) {
    if (k == "labels") {
      auto l = compute::LabelsFromJson(v, "labels");
      if (!l.ok()) return Error(l.status());
      labels = *l;
    } else if (k == "labelFingerprint") {
      if (!v.is_string()) {
        return Error(Status::Invalid("Invalid value at 'labelFingerprint' (TYPE_BYTES)"));
      }
      fingerprint = v.get<std::string>();
    } else {
      return Error(Status::Invalid("Invalid JSON payload received. Unknown name \"" + k +
                                   "\": Cannot find field."));
    }
  }
  return Reply(c.svc.images().SetLabels(c.project, c[0], labels, fingerprint, Mutation(c.req)));
}

}  // namespace

void AddImageRoutes(Router& r) {
  r.Add("GET", "global/images", [](const Call& c) {
    auto o = ListOpts(c.req);
    if (!o.ok()) return Error(o.status());
    return ListReply(c.svc.images().List(c.project, *o), "compute#imageList",
                     c.project_link + "global/images");
  });
  r.Add("POST", "global/images", Insert);
  r.Add("GET", "global/images/family/{family}",
        [](const Call& c) { return Reply(c.svc.images().GetFromFamily(c.project, c[0])); });
  r.Add("GET", "global/images/{image}",
        [](const Call& c) { return Reply(c.svc.images().Get(c.project, c[0])); });
  r.Add("DELETE", "global/images/{image}", [](const Call& c) {
    return Reply(c.svc.images().Delete(c.project, c[0], Mutation(c.req)));
  });
  r.Add("PATCH", "global/images/{image}", Patch);
  r.Add("POST", "global/images/{image}/deprecate", Deprecate);
  r.Add("POST", "global/images/{image}/setLabels", SetLabels);
}

}  // namespace imago::server
