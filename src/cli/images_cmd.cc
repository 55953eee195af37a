// imago images ...: the image catalog, shaped like `gcloud compute images`.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/resource_cmd.h"
#include "compute/json_codec.h"
#include "compute/names.h"
#include "lifecycle/naming.h"

namespace imago::cli {

using compute::Image;
using compute::Status;

namespace {

std::string ProjectOf(const Json& j) {
  std::string link = Field(j, "selfLink");
  size_t p = link.find("/projects/");
  if (p == std::string::npos) return "";
  size_t s = p + 10;
  return link.substr(s, link.find('/', s) - s);
}

std::vector<Column> ImageColumns() {
  return {
      {"NAME", [](const Json& j) { return Field(j, "name"); }},
      {"PROJECT", ProjectOf},
      {"FAMILY", [](const Json& j) { return Field(j, "family"); }},
      {"DEPRECATED", [](const Json& j) { return Field(j, "deprecated.state"); }},
      {"STATUS", [](const Json& j) { return Field(j, "status"); }},
      {"CREATED", [](const Json& j) { return Field(j, "creationTimestamp").substr(0, 19); }},
  };
}

// A freshly created or changed image: a table row for people, the resource for scripts.
void PrintImage(Context& ctx, const Image& im) {
  Json j = compute::ToJson(im);
  Format f = ctx.OutputFormat(Format::kTable);
  if (f == Format::kTable) {
    PrintTable(std::cout, {j}, ImageColumns());
  } else {
    PrintResource(std::cout, f, j);
  }
}

// Reads the labels, applies `change` and writes them back, retrying when
// another writer changed them meanwhile (412).
Status ModifyLabels(compute::Service& svc, const std::string& project, const std::string& name,
                    const std::function<void(compute::Labels*)>& change, Image* out) {
  Status st;
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto im = svc.images().Get(project, name);
    if (!im.ok()) return im.status();
    compute::Labels labels = im->labels;
    change(&labels);
    auto op = svc.images().SetLabels(project, name, labels, im->label_fingerprint, {});
    if (op.ok()) {
      auto now = svc.images().Get(project, name);
      if (!now.ok()) return now.status();
      *out = std::move(now.value());
      return Status::OK();
    }
    st = op.status();
    if (st.code() != compute::Code::kConditionNotMet) return st;
  }
  return st;
}

struct CreateFlags {
  std::string name, source_file, source_image, source_image_family, family, labels, description;
  std::string source_disk, source_disk_zone, source_snapshot;
  std::string request_id;
  bool from_convention = false;
  lifecycle::NameParts parts;
};

int RunCreate(Context& ctx, CreateFlags& f) {
  const char* cmd = "images.create";
  int sources = !f.source_file.empty() + !f.source_image.empty() + !f.source_image_family.empty() +
                !f.source_disk.empty() + !f.source_snapshot.empty();
  if (sources != 1) {
    return ctx.Usage(cmd,
                     "give exactly one of --source-file, --source-image, --source-image-family, "
                     "--source-disk, --source-snapshot");
  }
  if (f.from_convention == !f.name.empty()) {
    return ctx.Usage(cmd, "give either a NAME or --name-from-convention");
  }
  auto labels = ParseKeyValues("--labels", f.labels);
  if (!labels.ok()) return ctx.Fail(cmd, labels.status());
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  if (f.from_convention) {
    if (f.family.empty()) return ctx.Usage(cmd, "--name-from-convention needs --family");
    lifecycle::NamingStore store(ctx.Home() + "/naming.json");
    auto tmpl = store.Get(f.family);
    if (!tmpl.ok()) return ctx.Fail(cmd, tmpl.status());
    f.parts.family = f.family;
    f.parts.when = ctx.Clock().Now();
    auto name = lifecycle::RenderName(tmpl->value_or(lifecycle::kDefaultTemplate), f.parts);
    if (!name.ok()) return ctx.Fail(cmd, name.status());
    f.name = *name;
    std::cerr << "Name from the convention of family " << f.family << ": " << f.name << "\n";
  }
  Image im;
  im.name = f.name;
  im.family = f.family;
  im.description = f.description;
  im.labels = *labels;
  bool remote_file = f.source_file.rfind("gs://", 0) == 0 ||
                     f.source_file.rfind("https://storage.googleapis.com/", 0) == 0;
  if (remote_file) {
    // Compute Engine imports a tar.gz archive from Cloud Storage; gcloud's
    // --source-uri takes gs:// and sends the https form.
    std::string url = f.source_file;
    if (url.rfind("gs://", 0) == 0) url = "https://storage.googleapis.com/" + url.substr(5);
    im.raw_disk = compute::RawDisk{url, "", ""};
  } else if (!f.source_file.empty()) {
    if (ctx.g.cloud == "gce" && !IsLoopbackEndpoint(ctx.g.endpoint)) {
      return ctx.Usage(cmd,
                       "--source-file " + f.source_file +
                           " is a local file, which Compute Engine cannot read: upload it as a "
                           "disk.raw in a tar.gz to Cloud Storage and pass gs://BUCKET/OBJECT");
    }
    std::error_code ec;
    auto abs = std::filesystem::absolute(f.source_file, ec);
    im.raw_disk = compute::RawDisk{ec ? f.source_file : abs.string(), "", ""};
  } else if (!f.source_image.empty()) {
    im.source_image = f.source_image;
  } else if (!f.source_disk.empty()) {
    // A name, in --source-disk-zone (default: the zone); or a zones/Z/disks/D path or URL.
    im.source_disk = f.source_disk.find('/') != std::string::npos
                         ? f.source_disk
                         : "zones/" +
                               (f.source_disk_zone.empty() ? ctx.g.zone : f.source_disk_zone) +
                               "/disks/" + f.source_disk;
  } else if (!f.source_snapshot.empty()) {
    im.source_snapshot = f.source_snapshot;
  } else {
    auto ref = compute::ValidateName("--source-image-family", f.source_image_family);
    if (!ref.ok()) return ctx.Fail(cmd, ref);
    im.source_image = "global/images/family/" + f.source_image_family;
  }
  Progress progress("Importing " + f.source_file);
  compute::MutationOptions opts;
  opts.request_id = f.request_id;
  if (!f.source_file.empty()) {
    opts.progress = [&](uint64_t d, uint64_t t) { progress.Update(d, t); };
  }
  auto op = svc->images().Insert(ctx.g.project, im, opts);
  progress.Finish();
  if (!op.ok()) return ctx.Fail(cmd, op.status());
  if (op->failed()) {
    return ctx.Fail(cmd, Status(compute::StatusFromErrorJson(op->http_error_status_code, {}).code(),
                                op->errors.front().message));
  }
  ctx.WarnAbout(*op);
  auto created = svc->images().Get(ctx.g.project, f.name);
  if (!created.ok()) return ctx.Fail(cmd, created.status());
  if (!f.source_image_family.empty()) {
    std::cerr << "Resolved family " << f.source_image_family << " to image "
              << created->source_image.substr(created->source_image.rfind('/') + 1) << "\n";
  }
  std::cerr << "Created [" << created->self_link << "].\n";
  PrintImage(ctx, *created);
  return kExitOk;
}

int RunDescribe(Context& ctx, const std::string& name) {
  const char* cmd = "images.describe";
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  auto im = svc->images().Get(ctx.g.project, name);
  if (!im.ok()) return ctx.Fail(cmd, im.status());
  PrintResource(std::cout, ctx.OutputFormat(Format::kYaml), compute::ToJson(*im));
  return kExitOk;
}

int RunDescribeFromFamily(Context& ctx, const std::string& family) {
  const char* cmd = "images.describe-from-family";
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  auto im = svc->images().GetFromFamily(ctx.g.project, family);
  if (!im.ok()) return ctx.Fail(cmd, im.status());
  PrintResource(std::cout, ctx.OutputFormat(Format::kYaml), compute::ToJson(*im));
  return kExitOk;
}

struct ImageListFlags {
  ListFlags list;
  bool show_deprecated = false;
};

int RunImageList(Context& ctx, const ImageListFlags& flags) {
  const char* cmd = "images.list";
  const ListFlags& f = flags.list;
  if (Status st = CheckPageSize(f.page_size); !st.ok()) return ctx.Fail(cmd, st);
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  ListFilter filter = SplitFilter(f.filter);
  compute::ListOptions opts;
  opts.filter = filter.api;
  opts.max_results = f.page_size;
  auto listed = compute::ListAllImages(svc->images(), ctx.g.project, opts);
  if (!listed.ok()) return ctx.Fail(cmd, listed.status());
  std::vector<Json> rows;
  for (const Image& im : *listed) {
    if (!flags.show_deprecated && im.IsDeprecated()) continue;
    rows.push_back(compute::ToJson(im));
  }
  if (Status st = SortRows(f.sort_by, &rows); !st.ok()) return ctx.Fail(cmd, st);
  if (filter.client) {
    if (std::string w = ApplyClientFilter(*filter.client, &rows); !w.empty()) ctx.Warn(w);
  }
  if (f.limit >= 0 && rows.size() > static_cast<size_t>(f.limit)) rows.resize(f.limit);
  PrintList(std::cout, ctx.OutputFormat(Format::kTable), rows, ImageColumns());
  return kExitOk;
}

struct DeprecateFlags {
  std::string name, state, replacement, request_id;
  std::string deprecate_on, obsolete_on, delete_on, deprecate_in, obsolete_in, delete_in;
};

// Turns --X-on / --X-in into an RFC 3339 date ("" when neither is given).
compute::Result<std::string> DateFlag(Context& ctx, const std::string& on_flag,
                                      const std::string& on, const std::string& in_flag,
                                      const std::string& in) {
  if (!on.empty()) {
    auto t = compute::ParseTimestamp(on);
    if (!t) {
      return Status::InvalidField(on_flag, on,
                                  "Expected an RFC 3339 timestamp or a date, e.g. 2026-12-01 or "
                                  "2026-12-01T00:00:00Z.");
    }
    return compute::FormatRfc3339(*t);
  }
  if (!in.empty()) {
    auto d = compute::ParseDuration(in);
    if (!d) {
      return Status::InvalidField(in_flag, in,
                                  "Expected a duration such as 30d, 12h, 2w or 1d12h.");
    }
    return compute::FormatRfc3339(ctx.Clock().Now() + *d);
  }
  return std::string();
}

int RunDeprecate(Context& ctx, const DeprecateFlags& f) {
  const char* cmd = "images.deprecate";
  auto state = compute::ParseDeprecationState(f.state);
  if (!state) {
    return ctx.Fail(cmd, Status::InvalidField("--state", f.state,
                                              "Must be one of ACTIVE, DEPRECATED, OBSOLETE, "
                                              "DELETED."));
  }
  compute::DeprecationStatus d;
  d.state = *state;
  d.replacement = f.replacement;
  auto dep = DateFlag(ctx, "--deprecate-on", f.deprecate_on, "--deprecate-in", f.deprecate_in);
  if (!dep.ok()) return ctx.Fail(cmd, dep.status());
  auto obs = DateFlag(ctx, "--obsolete-on", f.obsolete_on, "--obsolete-in", f.obsolete_in);
  if (!obs.ok()) return ctx.Fail(cmd, obs.status());
  auto del = DateFlag(ctx, "--delete-on", f.delete_on, "--delete-in", f.delete_in);
  if (!del.ok()) return ctx.Fail(cmd, del.status());
  d.deprecated = *dep;
  d.obsolete = *obs;
  d.deleted = *del;
  if (*state == compute::DeprecationState::kActive &&
      !(d.replacement.empty() && d.deprecated.empty() && d.obsolete.empty() && d.deleted.empty())) {
    return ctx.Usage(cmd,
                     "--state ACTIVE clears the deprecation: it takes no --replacement or dates");
  }
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  compute::MutationOptions opts;
  opts.request_id = f.request_id;
  auto op = svc->images().Deprecate(ctx.g.project, f.name, d, opts);
  if (!op.ok()) return ctx.Fail(cmd, op.status());
  auto im = svc->images().Get(ctx.g.project, f.name);
  if (!im.ok()) return ctx.Fail(cmd, im.status());
  std::cerr << "Updated [" << im->self_link << "].\n";
  if (ctx.OutputFormat(Format::kTable) != Format::kTable) PrintImage(ctx, *im);
  return kExitOk;
}

int RunDelete(Context& ctx, const std::vector<std::string>& names) {
  const char* cmd = "images.delete";
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  std::string list;
  for (const auto& n : names) list += "\n - [" + n + "]";
  if (!ctx.Confirm("The following images will be deleted:" + list)) {
    return ctx.Fail(cmd, Status::Invalid("Aborted by the user."));
  }
  int rc = kExitOk;
  for (const auto& n : names) {
    auto op = svc->images().Delete(ctx.g.project, n, {});
    if (!op.ok()) {
      int code = ctx.Fail(cmd, op.status());
      if (rc == kExitOk) rc = code;
      continue;
    }
    std::cerr << "Deleted [" << op->target_link << "].\n";
  }
  ctx.exit_code = rc;
  return rc;
}

int RunAddLabels(Context& ctx, const std::string& name, const std::string& text) {
  const char* cmd = "images.add-labels";
  auto labels = ParseKeyValues("--labels", text);
  if (!labels.ok()) return ctx.Fail(cmd, labels.status());
  Status st = compute::ValidateLabels("--labels", *labels);
  if (!st.ok()) return ctx.Fail(cmd, st);
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  Image im;
  st = ModifyLabels(
      *svc, ctx.g.project, name,
      [&](compute::Labels* l) {
        for (const auto& [k, v] : *labels) (*l)[k] = v;
      },
      &im);
  if (!st.ok()) return ctx.Fail(cmd, st);
  std::cerr << "Updated [" << im.self_link << "].\n";
  if (ctx.OutputFormat(Format::kTable) != Format::kTable) PrintImage(ctx, im);
  return kExitOk;
}

int RunRemoveLabels(Context& ctx, const std::string& name, const std::vector<std::string>& keys,
                    bool all) {
  const char* cmd = "images.remove-labels";
  if (keys.empty() == !all) return ctx.Usage(cmd, "give either --labels KEY,... or --all");
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  Image im;
  Status st = ModifyLabels(
      *svc, ctx.g.project, name,
      [&](compute::Labels* l) {
        if (all) l->clear();
        for (const auto& k : keys) l->erase(k);
      },
      &im);
  if (!st.ok()) return ctx.Fail(cmd, st);
  std::cerr << "Updated [" << im.self_link << "].\n";
  if (ctx.OutputFormat(Format::kTable) != Format::kTable) PrintImage(ctx, im);
  return kExitOk;
}

struct UpdateFlags {
  std::string name, family, description, update_labels;
  std::vector<std::string> remove_labels;
  bool clear_family = false, clear_labels = false;
  bool family_set = false, description_set = false;
};

int RunUpdate(Context& ctx, const UpdateFlags& f) {
  const char* cmd = "images.update";
  auto add = ParseKeyValues("--update-labels", f.update_labels);
  if (!add.ok()) return ctx.Fail(cmd, add.status());
  Status st = compute::ValidateLabels("--update-labels", *add);
  if (!st.ok()) return ctx.Fail(cmd, st);
  bool labels = !add->empty() || !f.remove_labels.empty() || f.clear_labels;
  compute::ImagePatch patch;
  if (f.family_set) patch.family = f.family;
  if (f.clear_family) patch.family = "";
  if (f.description_set) patch.description = f.description;
  if (!patch.family && !patch.description && !labels) {
    return ctx.Usage(cmd,
                     "nothing to update: give --family, --clear-family, --description or a "
                     "labels flag");
  }
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  if (patch.family || patch.description) {
    auto op = svc->images().Patch(ctx.g.project, f.name, patch, {});
    if (!op.ok()) return ctx.Fail(cmd, op.status());
  }
  Image im;
  if (labels) {
    st = ModifyLabels(
        *svc, ctx.g.project, f.name,
        [&](compute::Labels* l) {
          if (f.clear_labels) l->clear();
          for (const auto& k : f.remove_labels) l->erase(k);
          for (const auto& [k, v] : *add) (*l)[k] = v;
        },
        &im);
    if (!st.ok()) return ctx.Fail(cmd, st);
  } else {
    auto got = svc->images().Get(ctx.g.project, f.name);
    if (!got.ok()) return ctx.Fail(cmd, got.status());
    im = std::move(got.value());
  }
  std::cerr << "Updated [" << im.self_link << "].\n";
  if (ctx.OutputFormat(Format::kTable) != Format::kTable) PrintImage(ctx, im);
  return kExitOk;
}

}  // namespace

void AddImagesCommands(CLI::App& root, Context& ctx) {
  CLI::App* images = root.add_subcommand("images", "The image catalog: create, list, deprecate");
  images->require_subcommand(1);

  {
    auto f = std::make_shared<CreateFlags>();
    CLI::App* c = images->add_subcommand("create", "Create an image from a file or another image");
    c->add_option("NAME", f->name, "Name of the new image");
    c->add_option("--source-file", f->source_file,
                  "A qcow2 or raw disk file to import (with --cloud gce: a gs:// URL of a "
                  "tar.gz holding disk.raw)");
    c->add_option("--source-image", f->source_image, "An image to copy (name or URL)");
    c->add_option("--source-image-family", f->source_image_family,
                  "Copy the newest usable image of this family (resolved now)");
    c->add_option("--source-disk", f->source_disk,
                  "A disk to image (name, or zones/ZONE/disks/NAME); stop its VM first");
    c->add_option("--source-disk-zone", f->source_disk_zone,
                  "The zone of --source-disk (default: --zone)");
    c->add_option("--source-snapshot", f->source_snapshot, "A snapshot to image (name or URL)");
    c->add_option("--family", f->family, "Family the image joins");
    c->add_option("--labels", f->labels, "Labels: KEY=VALUE,...");
    c->add_option("--description", f->description, "Free text");
    c->add_option("--request-id", f->request_id, "A UUID: retrying with it has one effect");
    c->add_flag("--name-from-convention", f->from_convention,
                "Name the image by the family's naming template");
    c->add_option("--os", f->parts.os, "For --name-from-convention: the OS, e.g. debian-12");
    c->add_option("--role", f->parts.role, "For --name-from-convention: base, app, product...");
    c->add_option("--software", f->parts.software, "For --name-from-convention: e.g. nginx");
    c->add_option("--version", f->parts.version, "For --name-from-convention: e.g. 1.24.0");
    c->footer(
        "Examples:\n"
        "  imago images create image-v1 --source-file v1.qcow2 --family my-image-family\n"
        "  imago images create app-v2 --source-image-family base --labels team=web\n"
        "  imago images create --name-from-convention --family web --os debian-12 \\\n"
        "      --role app --software nginx --version 1.24.0 --source-file web.qcow2");
    c->callback([&ctx, f] { RunCreate(ctx, *f); });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = images->add_subcommand("describe", "Show one image");
    c->add_option("NAME", *name, "Image name or numeric id")->required();
    c->footer("Example:\n  imago images describe image-v1 --format json");
    c->callback([&ctx, name] { RunDescribe(ctx, *name); });
  }
  {
    auto family = std::make_shared<std::string>();
    CLI::App* c = images->add_subcommand("describe-from-family",
                                         "Show the newest READY, not deprecated image of a family");
    c->add_option("FAMILY", *family, "Family name")->required();
    c->footer("Example:\n  imago images describe-from-family my-image-family");
    c->callback([&ctx, family] { RunDescribeFromFamily(ctx, *family); });
  }
  {
    auto f = std::make_shared<ImageListFlags>();
    CLI::App* c = images->add_subcommand("list", "List images (deprecated ones hidden by default)");
    AddListFlags(c, &f->list, "family = app");
    c->add_flag("--show-deprecated", f->show_deprecated,
                "Also list DEPRECATED, OBSOLETE and DELETED images");
    c->footer(
        "Examples:\n"
        "  imago images list --filter 'family = app' --sort-by ~creationTimestamp\n"
        "  imago images list --show-deprecated --filter 'labels.team:*' --format json");
    c->callback([&ctx, f] { RunImageList(ctx, *f); });
  }
  {
    auto f = std::make_shared<DeprecateFlags>();
    CLI::App* c = images->add_subcommand("deprecate", "Set the deprecation state of an image");
    c->add_option("NAME", f->name, "Image name")->required();
    c->add_option("--state", f->state, "ACTIVE, DEPRECATED, OBSOLETE or DELETED")->required();
    c->add_option("--replacement", f->replacement, "The image to use instead");
    auto* don = c->add_option("--deprecate-on", f->deprecate_on, "Date to become DEPRECATED");
    auto* oon = c->add_option("--obsolete-on", f->obsolete_on, "Date to become OBSOLETE");
    auto* xon = c->add_option("--delete-on", f->delete_on, "Date to become DELETED");
    c->add_option("--deprecate-in", f->deprecate_in, "Duration until DEPRECATED, e.g. 7d")
        ->excludes(don);
    c->add_option("--obsolete-in", f->obsolete_in, "Duration until OBSOLETE, e.g. 30d")
        ->excludes(oon);
    c->add_option("--delete-in", f->delete_in, "Duration until DELETED, e.g. 90d")->excludes(xon);
    c->add_option("--request-id", f->request_id, "A UUID: retrying with it has one effect");
    c->footer(
        "Examples:\n"
        "  imago images deprecate image-v2 --state DEPRECATED --replacement image-v1\n"
        "  imago images deprecate image-v1 --state DEPRECATED --obsolete-in 7d --delete-in 30d\n"
        "  imago images deprecate image-v2 --state ACTIVE      # un-deprecate");
    c->callback([&ctx, f] { RunDeprecate(ctx, *f); });
  }
  {
    auto names = std::make_shared<std::vector<std::string>>();
    CLI::App* c =
        images->add_subcommand("delete", "Delete images (their content goes when unused)");
    c->add_option("NAME", *names, "Image names")->required();
    c->footer("Example:\n  imago images delete image-v1 image-v2 --quiet");
    c->callback([&ctx, names] { RunDelete(ctx, *names); });
  }
  {
    auto name = std::make_shared<std::string>();
    auto labels = std::make_shared<std::string>();
    CLI::App* c = images->add_subcommand("add-labels", "Add or change labels of an image");
    c->add_option("NAME", *name, "Image name")->required();
    c->add_option("--labels", *labels, "KEY=VALUE,...")->required();
    c->footer("Example:\n  imago images add-labels image-v1 --labels env=prod,team=web");
    c->callback([&ctx, name, labels] { RunAddLabels(ctx, *name, *labels); });
  }
  {
    auto name = std::make_shared<std::string>();
    auto keys = std::make_shared<std::vector<std::string>>();
    auto all = std::make_shared<bool>(false);
    CLI::App* c = images->add_subcommand("remove-labels", "Remove labels of an image");
    c->add_option("NAME", *name, "Image name")->required();
    c->add_option("--labels", *keys, "KEY,...")->delimiter(',');
    c->add_flag("--all", *all, "Remove every label");
    c->footer("Example:\n  imago images remove-labels image-v1 --labels env");
    c->callback([&ctx, name, keys, all] { RunRemoveLabels(ctx, *name, *keys, *all); });
  }
  {
    auto f = std::make_shared<UpdateFlags>();
    CLI::App* c = images->add_subcommand("update", "Change the family, description or labels");
    c->add_option("NAME", f->name, "Image name")->required();
    auto* fam = c->add_option("--family", f->family, "Move the image to this family");
    c->add_flag("--clear-family", f->clear_family, "Take the image out of its family")
        ->excludes(fam);
    c->add_option("--description", f->description, "New description");
    c->add_option("--update-labels", f->update_labels, "KEY=VALUE,... to add or change");
    c->add_option("--remove-labels", f->remove_labels, "KEY,... to remove")->delimiter(',');
    c->add_flag("--clear-labels", f->clear_labels, "Remove every label first");
    c->footer("Example:\n  imago images update image-v1 --family web --update-labels env=prod");
    c->callback([&ctx, f, c] {
      f->family_set = c->count("--family") > 0;
      f->description_set = c->count("--description") > 0;
      RunUpdate(ctx, *f);
    });
  }
}

}  // namespace imago::cli
