#include "localcloud/local_instance_templates.h"

#include <fmt/format.h>

#include "compute/group_codec.h"
#include "compute/names.h"
#include "compute/resource_ref.h"
#include "localcloud/global_rows.h"
#include "localcloud/instance_checks.h"
#include "localcloud/local_instance_group_managers.h"
#include "localcloud/machine_types.h"
#include "localcloud/sources.h"
#include "localcloud/unsupported.h"
#include "localcloud/vm_boot.h"

namespace imago::localcloud {

using compute::InstanceTemplate;
using compute::Json;
using compute::ListOptions;
using compute::ListPage;
using compute::MutationOptions;
using compute::Operation;
using compute::Result;
using compute::Status;

namespace {

constexpr const char* kWhere = "instanceTemplate.properties";

Result<InstanceTemplate> ReadTemplate(const Json& j) {
  return compute::InstanceTemplateFromJson(j);
}

// The checks that need no catalog: those of instances.insert, and the
// template's own (a machine type by name, disks made by initializeParams).
Status CheckProperties(const compute::Instance& p) {
  const std::string where = kWhere;
  IMAGO_RETURN_IF_ERROR(compute::ValidateLabels(where + ".labels", p.labels));
  IMAGO_RETURN_IF_ERROR(ValidateMetadata(p.metadata));
  IMAGO_RETURN_IF_ERROR(CheckSupported(p, where));
  auto ports = ParsePorts(p.metadata.Get(kPortsKey).value_or(""));
  if (!ports.ok()) return ports.status();
  for (const auto& port : *ports) {
    if (port.host_port != 0) {
      return Status::InvalidField(where + ".metadata.imago-ports", std::to_string(port.host_port),
                                  "A template makes many instances, and a fixed host port can "
                                  "serve one; give guest ports only (e.g. '80').");
    }
  }
  if (p.machine_type.empty()) {
    return Status::Required("Required field '" + where + ".machineType' not specified");
  }
  if (p.machine_type.find('/') != std::string::npos) {
    return Status::InvalidField(where + ".machineType", p.machine_type,
                                "A template takes the machine type's name (e.g. e2-small), not "
                                "a URL, as GCE's templates do.");
  }
  auto type = ResolveMachineType(where + ".machineType", p.machine_type);
  if (!type.ok()) return type.status();
  if (p.disks.empty()) {
    return Status::Required("Required field '" + where +
                            ".disks' not specified: a template needs a boot disk.");
  }
  int boots = 0;
  for (const auto& d : p.disks) boots += d.boot;
  if (boots > 1) return Status::Invalid("Only one disk of a template may be the boot disk.");
  for (size_t i = 0; i < p.disks.size(); ++i) {
    const compute::AttachedDisk& d = p.disks[i];
    const std::string field = fmt::format("{}.disks[{}]", where, i);
    if (!d.source.empty()) {
      return Status::InvalidField(field + ".source", d.source,
                                  "Not supported by the local cloud: a disk attaches read-write "
                                  "to one instance, and a template makes many; describe the "
                                  "disk with initializeParams.");
    }
    if (!d.initialize_params) {
      return Status::Required("Required field '" + field +
                              ".initializeParams' not specified: say what each disk is made "
                              "from.");
    }
    const bool boot = d.boot || (boots == 0 && i == 0);
    if (boot && d.initialize_params->source_image.empty() &&
        d.initialize_params->source_snapshot.empty()) {
      return Status::Required("Required field '" + field +
                              ".initializeParams.sourceImage' not specified: the boot disk "
                              "is made from an image (or global/images/family/F).");
    }
  }
  return Status::OK();
}

}  // namespace

Result<Operation> LocalInstanceTemplates::Insert(const std::string& project,
                                                 const InstanceTemplate& in,
                                                 const MutationOptions& opts) {
  IMAGO_RETURN_IF_ERROR(s_.CheckProject(project));
  IMAGO_RETURN_IF_ERROR(compute::ValidateName("instanceTemplate.name", in.name));
  IMAGO_RETURN_IF_ERROR(RefuseUnsupported(
      in.extra, "instanceTemplate",
      {{"sourceInstance", "the local cloud cannot capture an instance; describe it in properties"},
       {"sourceInstanceParams",
        "the local cloud cannot capture an instance; describe it in properties"}}));
  IMAGO_RETURN_IF_ERROR(CheckProperties(in.properties));
  return s_.Mutate(project, "insert", opts, [&](Operation* op) -> Status {
    Catalog& c = s_.catalog();
    auto existing = c.FindResource(kInstanceTemplateKind, project, "", in.name);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) {
      return Status::ResourceExists(compute::GlobalPath(project, "instanceTemplates", in.name));
    }
    // Each image must exist now; a family is resolved again for each disk.
    for (size_t i = 0; i < in.properties.disks.size(); ++i) {
      const auto& p = *in.properties.disks[i].initialize_params;
      const std::string field = fmt::format("{}.disks[{}].initializeParams", kWhere, i);
      if (!p.source_image.empty()) {
        auto image = ResolveSourceImage(s_, project, field + ".sourceImage", p.source_image, op);
        if (!image.ok()) return image.status();
      }
      if (!p.source_snapshot.empty()) {
        auto snap = ResolveSnapshot(s_, project, field + ".sourceSnapshot", p.source_snapshot);
        if (!snap.ok()) return snap.status();
      }
    }
    InstanceTemplate t = in;
    ResourceRow row;
    row.kind = kInstanceTemplateKind;
    row.project = project;
    row.name = t.name;
    row.id = s_.NewId();
    row.creation_us = s_.NowUs();
    t.id = row.id;
    t.creation_timestamp = compute::FormatRfc3339(row.creation_us);
    t.self_link = s_.Link(compute::GlobalPath(project, "instanceTemplates", t.name));
    t.properties.metadata.fingerprint.clear();
    row.resource = compute::ToJson(t);
    IMAGO_RETURN_IF_ERROR(c.InsertResource(row));
    op->target_link = t.self_link;
    op->target_id = row.id;
    return Status::OK();
  });
}

Result<InstanceTemplate> LocalInstanceTemplates::Get(const std::string& project,
                                                     const std::string& instance_template) {
  return internal::GetGlobalRow<InstanceTemplate>(s_, kInstanceTemplateKind, "instanceTemplates",
                                                  project, instance_template, ReadTemplate);
}

Result<ListPage<InstanceTemplate>> LocalInstanceTemplates::List(const std::string& project,
                                                                const ListOptions& opts) {
  return internal::ListGlobalRows<InstanceTemplate>(
      s_, kInstanceTemplateKind, "instanceTemplates", project, opts,
      compute::InstanceTemplateFilterSchema(), ReadTemplate);
}

Result<Operation> LocalInstanceTemplates::Delete(const std::string& project,
                                                 const std::string& instance_template,
                                                 const MutationOptions& opts) {
  return internal::DeleteGlobalRow(s_, kInstanceTemplateKind, "instanceTemplates", project,
                                   instance_template, opts, [&](const ResourceRow& row) {
                                     return LocalInstanceGroupManagers::CheckTemplateUnused(
                                         s_, project, row.resource.value("selfLink", ""));
                                   });
}

}  // namespace imago::localcloud
