#include "server/rest_api.h"

#include <charconv>
#include <vector>

#include "compute/json_codec.h"
#include "compute/names.h"
#include "compute/resource_ref.h"
#include "compute/vm_codec.h"

namespace imago::server {

using compute::Json;
using compute::ListOptions;
using compute::MutationOptions;
using compute::Result;
using compute::Status;

namespace {

HttpResponse Error(const Status& st) {
  return {st.http_code(), compute::ErrorJson(st)};
}

template <typename T>
HttpResponse Reply(const Result<T>& r) {
  if (!r.ok()) return Error(r.status());
  return {200, compute::ToJson(*r)};
}

Status NoSuchPath(const HttpRequest& req) {
  return Status::NotFound("The requested URL " + req.path + " (" + req.method +
                          ") is not a method of the Compute Engine API served here.");
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

Result<Json> Body(const HttpRequest& req, bool empty_is_object = false) {
  if (req.body.empty()) {
    if (empty_is_object) return Json::object();
    return Status::Required("Required request body is missing; send the resource as JSON.");
  }
  Json j = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Invalid("Invalid JSON payload received. Unexpected token or end of input.");
  }
  if (!j.is_object()) return Status::Invalid("Invalid JSON payload received. Expected an object.");
  return j;
}

std::string Query(const HttpRequest& req, const char* key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? "" : it->second;
}

Result<ListOptions> ListOpts(const HttpRequest& req) {
  ListOptions o;
  o.filter = Query(req, "filter");
  o.order_by = Query(req, "orderBy");
  o.page_token = Query(req, "pageToken");
  std::string max = Query(req, "maxResults");
  if (!max.empty()) {
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(max.data(), max.data() + max.size(), v);
    if (ec != std::errc() || p != max.data() + max.size()) {
      return Status::InvalidField("maxResults", max, "Must be a number from 0 to 500.");
    }
    o.max_results = v;
  }
  return o;
}

MutationOptions Mutation(const HttpRequest& req) {
  MutationOptions o;
  o.request_id = Query(req, "requestId");
  return o;
}

Json WarningJson(const compute::Warning& w) {
  return compute::ToJson(w);
}

template <typename T>
HttpResponse ListReply(const Result<compute::ListPage<T>>& page, const char* kind,
                       const std::string& self_link) {
  if (!page.ok()) return Error(page.status());
  Json items = Json::array();
  for (const auto& x : page->items) items.push_back(compute::ToJson(x));
  Json j = {{"kind", kind},
            {"id", self_link.substr(self_link.find("projects/"))},
            {"items", items},
            {"selfLink", self_link}};
  if (!page->next_page_token.empty()) j["nextPageToken"] = page->next_page_token;
  if (page->warning) j["warning"] = WarningJson(*page->warning);
  if (page->items.empty() && !page->warning) {
    j.erase("items");  // GCE leaves out an empty items list.
  }
  return {200, j};
}

bool Is(const HttpRequest& req, const char* method) {
  return req.method == method;
}

}  // namespace

RestApi::RestApi(compute::Service& service, std::string self_link_base)
    : svc_(service), base_(std::move(self_link_base)) {
  if (!base_.empty() && base_.back() != '/') base_ += '/';
}

namespace {

// The local cloud writes GCE's own selfLink prefix; a served resource links
// to the server that serves it.
void RewriteLinks(Json* j, const std::string& from, const std::string& to) {
  if (j->is_string()) {
    const std::string& s = j->get_ref<const std::string&>();
    if (s.starts_with(from)) *j = to + s.substr(from.size());
  } else if (j->is_object() || j->is_array()) {
    for (auto& v : *j) RewriteLinks(&v, from, to);
  }
}

}  // namespace

HttpResponse RestApi::Handle(const HttpRequest& req) const {
  try {
    HttpResponse r = Route(req);
    if (base_ != compute::kDefaultSelfLinkBase)
      RewriteLinks(&r.body, compute::kDefaultSelfLinkBase, base_);
    return r;
  } catch (const std::exception& e) {
    // A bug, not the client's fault; but never a crash.
    return Error(Status::Internal(std::string("internal error: ") + e.what()));
  }
}

HttpResponse RestApi::Route(const HttpRequest& req) const {
  constexpr std::string_view kPrefix = "/compute/v1/projects/";
  if (!req.path.starts_with(kPrefix)) return Error(NoSuchPath(req));
  std::vector<std::string> s = Split(req.path.substr(kPrefix.size()));
  if (!s.empty() && s.back().empty() && s.size() > 1) s.pop_back();  // A trailing slash.
  if (s.size() < 2) return Error(NoSuchPath(req));
  const std::string& p = s[0];
  if (Status st = compute::ValidateProject(p); !st.ok()) return Error(st);
  const std::string collection_link = base_ + "projects/" + p + "/";
  size_t n = s.size() - 1;  // Segments after the project.
  auto at = [&](size_t i) -> const std::string& { return s[i + 1]; };

  // ---- global
  if (at(0) == "global" && n >= 2) {
    const std::string& what = at(1);
    if (what == "images") {
      if (n == 2 && Is(req, "GET")) {
        auto o = ListOpts(req);
        if (!o.ok()) return Error(o.status());
        return ListReply(svc_.ListImages(p, *o), "compute#imageList",
                         collection_link + "global/images");
      }
      if (n == 2 && Is(req, "POST")) {
        auto body = Body(req);
        if (!body.ok()) return Error(body.status());
        auto im = compute::ImageFromJson(*body);
        if (!im.ok()) return Error(im.status());
        return Reply(svc_.InsertImage(p, *im, Mutation(req)));
      }
      if (n == 4 && at(2) == "family" && Is(req, "GET")) {
        return Reply(svc_.GetImageFromFamily(p, at(3)));
      }
      if (n == 3 && Is(req, "GET")) return Reply(svc_.GetImage(p, at(2)));
      if (n == 3 && Is(req, "DELETE")) return Reply(svc_.DeleteImage(p, at(2), Mutation(req)));
      if (n == 3 && Is(req, "PATCH")) {
        auto body = Body(req);
        if (!body.ok()) return Error(body.status());
        auto im = compute::ImageFromJson(*body);
        if (!im.ok()) return Error(im.status());
        compute::ImagePatch patch;
        for (const auto& [k, v] : body->items()) {
          if (k == "family") {
            patch.family = im->family;
          } else if (k == "description") {
            patch.description = im->description;
          } else if (k == "deprecated") {
            patch.deprecated = im->deprecated.value_or(compute::DeprecationStatus{});
          } else if (k != "name" && k != "kind" && k != "labelFingerprint") {
            return Error(Status::InvalidField("image." + k, v.dump(),
                                              "This field cannot be patched; images.patch "
                                              "changes family, description and deprecated."));
          }
        }
        return Reply(svc_.PatchImage(p, at(2), patch, Mutation(req)));
      }
      if (n == 4 && at(3) == "deprecate" && Is(req, "POST")) {
        auto body = Body(req, true);
        if (!body.ok()) return Error(body.status());
        std::optional<compute::DeprecationStatus> d;
        if (!body->empty()) {
          auto parsed = compute::DeprecationStatusFromJson(*body);
          if (!parsed.ok()) return Error(parsed.status());
          d = *parsed;
        }
        return Reply(svc_.DeprecateImage(p, at(2), d, Mutation(req)));
      }
      if (n == 4 && at(3) == "setLabels" && Is(req, "POST")) {
        auto body = Body(req);
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
        return Reply(svc_.SetImageLabels(p, at(2), labels, fingerprint, Mutation(req)));
      }
    } else if (what == "operations") {
      if (n == 2 && Is(req, "GET")) {
        auto o = ListOpts(req);
        if (!o.ok()) return Error(o.status());
        return ListReply(svc_.ListGlobalOperations(p, *o), "compute#operationList",
                         collection_link + "global/operations");
      }
      if (n == 3 && Is(req, "GET")) return Reply(svc_.GetGlobalOperation(p, at(2)));
      if (n == 3 && Is(req, "DELETE")) {
        Status st = svc_.DeleteGlobalOperation(p, at(2));
        return st.ok() ? HttpResponse{200, nullptr} : Error(st);
      }
      if (n == 4 && at(3) == "wait" && Is(req, "POST")) {
        return Reply(svc_.WaitGlobalOperation(p, at(2)));
      }
    } else if (what == "snapshots") {
      if (n == 2 && Is(req, "GET")) {
        auto o = ListOpts(req);
        if (!o.ok()) return Error(o.status());
        return ListReply(svc_.ListSnapshots(p, *o), "compute#snapshotList",
                         collection_link + "global/snapshots");
      }
      if (n == 3 && Is(req, "GET")) return Reply(svc_.GetSnapshot(p, at(2)));
      if (n == 3 && Is(req, "DELETE")) return Reply(svc_.DeleteSnapshot(p, at(2), Mutation(req)));
    }
    return Error(NoSuchPath(req));
  }

  // ---- zones
  if (at(0) != "zones") return Error(NoSuchPath(req));
  if (n == 1 && Is(req, "GET")) {
    auto zones = svc_.ListZones(p);
    if (!zones.ok()) return Error(zones.status());
    Json items = Json::array();
    for (const auto& z : *zones) items.push_back(compute::ToJson(z));
    return {200,
            {{"kind", "compute#zoneList"},
             {"id", "projects/" + p + "/zones"},
             {"items", items},
             {"selfLink", collection_link + "zones"}}};
  }
  const std::string& zone = at(1);
  if (n == 2 && Is(req, "GET")) {
    auto zones = svc_.ListZones(p);
    if (!zones.ok()) return Error(zones.status());
    for (const auto& z : *zones) {
      if (z.name == zone) return {200, compute::ToJson(z)};
    }
    return Error(Status::ResourceNotFound("projects/" + p + "/zones/" + zone));
  }
  if (n < 3) return Error(NoSuchPath(req));
  const std::string& what = at(2);
  const std::string zone_link = collection_link + "zones/" + zone + "/";
  if (what == "operations") {
    if (n == 3 && Is(req, "GET")) {
      auto o = ListOpts(req);
      if (!o.ok()) return Error(o.status());
      return ListReply(svc_.ListZoneOperations(p, zone, *o), "compute#operationList",
                       zone_link + "operations");
    }
    if (n == 4 && Is(req, "GET")) return Reply(svc_.GetZoneOperation(p, zone, at(3)));
    if (n == 4 && Is(req, "DELETE")) {
      Status st = svc_.DeleteZoneOperation(p, zone, at(3));
      return st.ok() ? HttpResponse{200, nullptr} : Error(st);
    }
    if (n == 5 && at(4) == "wait" && Is(req, "POST")) {
      return Reply(svc_.WaitZoneOperation(p, zone, at(3)));
    }
  } else if (what == "disks") {
    if (n == 3 && Is(req, "GET")) {
      auto o = ListOpts(req);
      if (!o.ok()) return Error(o.status());
      return ListReply(svc_.ListDisks(p, zone, *o), "compute#diskList", zone_link + "disks");
    }
    if (n == 3 && Is(req, "POST")) {
      auto body = Body(req);
      if (!body.ok()) return Error(body.status());
      auto d = compute::DiskFromJson(*body);
      if (!d.ok()) return Error(d.status());
      if (d->source_image.empty()) d->source_image = Query(req, "sourceImage");
      return Reply(svc_.InsertDisk(p, zone, *d, Mutation(req)));
    }
    if (n == 4 && Is(req, "GET")) return Reply(svc_.GetDisk(p, zone, at(3)));
    if (n == 4 && Is(req, "DELETE")) return Reply(svc_.DeleteDisk(p, zone, at(3), Mutation(req)));
    if (n == 5 && at(4) == "createSnapshot" && Is(req, "POST")) {
      auto body = Body(req);
      if (!body.ok()) return Error(body.status());
      auto snap = compute::SnapshotFromJson(*body);
      if (!snap.ok()) return Error(snap.status());
      return Reply(svc_.CreateSnapshot(p, zone, at(3), *snap, Mutation(req)));
    }
  } else if (what == "instances") {
    if (n == 3 && Is(req, "GET")) {
      auto o = ListOpts(req);
      if (!o.ok()) return Error(o.status());
      return ListReply(svc_.ListInstances(p, zone, *o), "compute#instanceList",
                       zone_link + "instances");
    }
    if (n == 3 && Is(req, "POST")) {
      auto body = Body(req);
      if (!body.ok()) return Error(body.status());
      auto in = compute::InstanceFromJson(*body);
      if (!in.ok()) return Error(in.status());
      return Reply(svc_.InsertInstance(p, zone, *in, Mutation(req)));
    }
    if (n == 4 && Is(req, "GET")) return Reply(svc_.GetInstance(p, zone, at(3)));
    if (n == 4 && Is(req, "DELETE")) {
      return Reply(svc_.DeleteInstance(p, zone, at(3), Mutation(req)));
    }
    if (n == 5) {
      const std::string& verb = at(4);
      const std::string& name = at(3);
      if (verb == "serialPort" && Is(req, "GET")) {
        int port = 1;
        int64_t start = 0;
        std::string ps = Query(req, "port"), ss = Query(req, "start");
        if (!ps.empty() &&
            (std::from_chars(ps.data(), ps.data() + ps.size(), port).ec != std::errc())) {
          return Error(Status::InvalidField("port", ps, "Must be a number from 1 to 4."));
        }
        if (!ss.empty() &&
            (std::from_chars(ss.data(), ss.data() + ss.size(), start).ec != std::errc())) {
          return Error(Status::InvalidField("start", ss, "Must be a byte offset."));
        }
        auto out = svc_.GetSerialPortOutput(p, zone, name, port, start);
        if (!out.ok()) return Error(out.status());
        Json j = compute::ToJson(*out);
        j["selfLink"] = zone_link + "instances/" + name + "/serialPort";
        return {200, j};
      }
      if (Is(req, "POST")) {
        if (verb == "start") return Reply(svc_.StartInstance(p, zone, name, Mutation(req)));
        if (verb == "stop") return Reply(svc_.StopInstance(p, zone, name, Mutation(req)));
        if (verb == "reset") return Reply(svc_.ResetInstance(p, zone, name, Mutation(req)));
        if (verb == "detachDisk") {
          std::string device = Query(req, "deviceName");
          if (device.empty()) {
            return Error(Status::Required("Required parameter 'deviceName' not specified."));
          }
          return Reply(svc_.DetachDisk(p, zone, name, device, Mutation(req)));
        }
        if (verb == "attachDisk" || verb == "setMetadata") {
          auto body = Body(req);
          if (!body.ok()) return Error(body.status());
          if (verb == "attachDisk") {
            auto d = compute::AttachedDiskFromJson(*body);
            if (!d.ok()) return Error(d.status());
            return Reply(svc_.AttachDisk(p, zone, name, *d, Mutation(req)));
          }
          auto m = compute::MetadataFromJson(*body);
          if (!m.ok()) return Error(m.status());
          return Reply(svc_.SetInstanceMetadata(p, zone, name, *m, Mutation(req)));
        }
      }
    }
  }
  return Error(NoSuchPath(req));
}

}  // namespace imago::server
