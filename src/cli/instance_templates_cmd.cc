// imago instance-templates ...: blueprints of the VMs a group makes, shaped
// like `gcloud compute instance-templates`.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/instance_flags.h"
#include "cli/resource_cmd.h"
#include "compute/group_codec.h"
#include "compute/resource_ref.h"

namespace imago::cli {

namespace {

std::vector<Column> TemplateColumns() {
  return {{"NAME", [](const Json& j) { return Field(j, "name"); }},
          {"MACHINE_TYPE", [](const Json& j) { return Field(j, "properties.machineType"); }},
          {"IMAGE",
           [](const Json& j) {
             std::string s = Field(j, "properties.disks.0.initializeParams.sourceImage");
             size_t fam = s.find("/family/");
             return fam == std::string::npos ? compute::LastSegment(s)
                                             : "family/" + compute::LastSegment(s);
           }},
          {"CREATION_TIMESTAMP", [](const Json& j) { return Field(j, "creationTimestamp"); }}};
}

struct CreateFlags {
  std::string name, request_id;
  InstanceFlags vm;
};

int RunCreate(Context& ctx, const CreateFlags& f) {
  const char* cmd = "instance-templates.create";
  auto props = InstanceFromFlags(f.vm);
  if (!props.ok()) {
    return props.status().code() == compute::Code::kRequired
               ? ctx.Usage(cmd, props.status().message())
               : ctx.Fail(cmd, props.status());
  }
  compute::InstanceTemplate t;
  t.name = f.name;
  t.description = f.vm.description;
  t.properties = std::move(props.value());
  t.properties.description.clear();
  // A template takes the machine type by name; e2-micro as for instances.
  t.properties.machine_type =
      f.vm.machine_type.empty() ? "e2-micro" : compute::LastSegment(f.vm.machine_type);
  compute::Service* svc = ctx.Service(cmd);
  if (!svc) return ctx.exit_code;
  compute::MutationOptions opts;
  opts.request_id = f.request_id;
  if (int rc = ctx.Check(cmd, svc->instance_templates().Insert(ctx.g.project, t, opts))) return rc;
  auto created = svc->instance_templates().Get(ctx.g.project, f.name);
  if (!created.ok()) return ctx.Fail(cmd, created.status());
  std::cerr << "Created [" << created->self_link << "].\n";
  PrintOne(ctx, *created, TemplateColumns());
  return kExitOk;
}

}  // namespace

void AddInstanceTemplatesCommands(CLI::App& root, Context& ctx) {
  CLI::App* g = root.add_subcommand(
      "instance-templates", "Immutable blueprints of the instances a managed group makes (global)");
  g->require_subcommand(1);
  {
    auto f = std::make_shared<CreateFlags>();
    CLI::App* c = g->add_subcommand("create", "Create an instance template");
    c->add_option("NAME", f->name, "Template name")->required();
    AddInstanceFlags(c, &f->vm,
                     "Boot from the family's newest usable image, resolved each time an "
                     "instance is made (pin an image with --image for reproducible deploys)");
    c->add_option("--request-id", f->request_id, "A UUID making retries of this call safe");
    c->footer(
        "Example:\n  imago instance-templates create web-v2 --image app-v2 --machine-type e2-small "
        "\\\n      --metadata-from-file startup-script=boot.sh --ports 80");
    c->callback([&ctx, f] { ctx.exit_code = RunCreate(ctx, *f); });
  }
  {
    auto lf = std::make_shared<ListFlags>();
    CLI::App* c = g->add_subcommand("list", "List instance templates");
    AddListFlags(c, lf.get(), "properties.machineType = e2-small");
    c->footer("Example:\n  imago instance-templates list --format json");
    c->callback([&ctx, lf] {
      compute::Service* svc = ctx.Service("instance-templates.list");
      if (!svc) return;
      ctx.exit_code = RunList<compute::InstanceTemplate>(
          ctx, "instance-templates.list", *lf, TemplateColumns(),
          [&](const compute::ListOptions& o) {
            return svc->instance_templates().List(ctx.g.project, o);
          });
    });
  }
  AddDescribe(g, ctx, "instance-templates.describe", "Show one instance template",
              "imago instance-templates describe web-v2",
              [&ctx](compute::Service& svc, const std::string& n) {
                return JsonOf(svc.instance_templates().Get(ctx.g.project, n));
              });
  {
    CLI::App* c = g->add_subcommand("delete", "Delete instance templates (refused while in use)");
    c->footer("Example:\n  imago instance-templates delete web-v1");
    AddNamesVerb(c, ctx, "instance-templates.delete", "Deleting",
                 [&ctx](compute::Service& svc, const std::string& n) {
                   return svc.instance_templates().Delete(ctx.g.project, n, {});
                 });
  }
}

}  // namespace imago::cli
