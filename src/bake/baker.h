// Baker: builds an image the way the seed does with Packer, on the local
// cloud: a disk from the source image (copy-on-write), a builder VM booted
// from it (builder_vm.h), the provisioners run inside through
// imago-guest-agent (provision.h), a clean power-off, an image of the disk in
// the family, and the builder VM and disk deleted - on success, failure or
// cancel alike. Every bake keeps a journal (bake_journal.h) so that one
// killed half way is cleaned up by the next command.
#ifndef IMAGO_BAKE_BAKER_H_
#define IMAGO_BAKE_BAKER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/guest_channel.h"
#include "bake/bake_journal.h"
#include "bake/manifest.h"
#include "bake/spec.h"
#include "compute/service.h"
#include "compute/status.h"
#include "compute/time_util.h"
#include "lifecycle/rotation.h"

namespace imago::bake {

/// What a bake tells as it goes: steps, and the provisioners' output lines.
class BakeReporter {
 public:
  virtual ~BakeReporter() = default;
  /// A step starts ("booting the builder VM").
  virtual void Step(const std::string& what) = 0;
  /// A step ended well, with a short result ("up in 4.1 s").
  virtual void Done(const std::string& what) = 0;
  /// One line of a provisioner's output (without the newline).
  virtual void Output(bool is_stderr, const std::string& line) = 0;
};

struct BakeOptions {
  std::string project = "local";
  std::string zone = "local-a";
  std::string home;                           // IMAGO_HOME: bakes/ lives there.
  std::string imago_program;                  // This program (Ansible's connection plugin runs it).
  std::string family_template;                // The family's naming template, if it has one.
  bool force = false;                         // Bake even when the cache has the digest.
  const std::atomic<bool>* cancel = nullptr;  // Set by Ctrl-C: stop and clean up.
  const compute::Clock* clock = nullptr;      // nullptr: the system clock.
  /// Opens the channel to the builder's guest agent at 127.0.0.1:port.
  /// nullptr: an agent::AgentChannel (tests put a fake guest here).
  std::function<std::unique_ptr<agent::GuestChannel>(int port, const std::string& token)>
      open_channel;
  /// Reads a file of an image without booting it (for apt provisioners: the
  /// source image's package list). nullptr: specs with apt are refused.
  std::function<compute::Result<std::string>(const std::string& image, const std::string& path)>
      read_image_file;
};

struct BakeResult {
  std::string spec;  // The spec file.
  std::string family;
  std::string image;  // The image made (or found in the cache).
  std::string image_id;
  std::string source_image;  // The pinned source image's name.
  std::string source_image_id;
  std::string digest;   // The build digest (hex SHA-256).
  bool cached = false;  // True when the family already had the digest.
  double seconds = 0;
  std::string log_path;                  // The build log (kept on failure).
  int provisioner_exit_code = 0;         // When a provisioner failed: its exit code.
  std::vector<std::string> last_output;  // Its last output lines.
};

/// What a bake of a spec would do now (Baker::DryRun): nothing is made.
struct BakeDryRun {
  std::string source_image;      // The source it would pin.
  std::string digest;            // Its build digest.
  std::string cached_image;      // On a cache hit: the image it would return.
  std::vector<std::string> why;  // On a miss: why ("source image: a -> b", ...).
};

/// The label that holds the build digest's first 40 hex digits.
constexpr const char* kDigestLabel = lifecycle::kBakeDigestLabel;

class Baker {
 public:
  Baker(compute::Service& service, BakeReporter& reporter)
      : service_(service), reporter_(reporter) {}
  Baker(const Baker&) = delete;
  Baker& operator=(const Baker&) = delete;

  /// Bakes `spec`. On success fills `result` (cached or new). On failure the
  /// builder VM and disk are gone, no image entered the family, and `result`
  /// says where the log is (and, for a failed provisioner, its exit code and
  /// last lines). Errors: 400 (the spec does not fit the catalog: unknown
  /// source family...), 404, 409 (the image name exists), 503 (cancelled, the
  /// VM did not come up), 400 "provisioner N ... exited with C".
  compute::Status Bake(const BakeSpec& spec, const BakeOptions& options, BakeResult* result);

  /// What Bake would do now, with nothing made or changed: the source and
  /// digest, and the cached image or, on a miss, which inputs differ from
  /// the family's last bake (its record in HOME/bake-inputs). Errors as
  /// Bake's before it boots (400, 404).
  compute::Status DryRun(const BakeSpec& spec, const BakeOptions& options, BakeDryRun* out);

  /// Resolves the spec's source to an image (the family's head, once). 400
  /// naming the spec when it cannot be used.
  compute::Result<compute::Image> ResolveSource(const BakeSpec& spec, const BakeOptions& options);

 private:
  // The steps of Bake(), in order (docs/bake.md lists them).
  compute::Result<std::string> FindCached(const BakeSpec& spec, const BakeOptions& o,
                                          const std::string& digest, std::string* image_id);
  compute::Result<std::string> NameImage(const BakeSpec& spec, const BakeOptions& o);
  compute::Status Provision(const BakeSpec& spec, const BakeOptions& o, agent::GuestChannel& ch,
                            int agent_port, const std::string& token, BakeJournal& journal,
                            BakeResult* r);
  /// For each apt provisioner, what apt resolves for `source` ("NAME
  /// VERSION" lines), for the digest.
  compute::Result<std::vector<std::string>> PlanApt(const BakeSpec& spec, const BakeOptions& o,
                                                    const compute::Image& source);
  compute::Status MakeImage(const BakeSpec& spec, const BakeOptions& o, const std::string& name,
                            const std::string& disk, const compute::Image& source,
                            const std::string& digest, BakeResult* r);

  compute::Service& service_;  // Not owned; outlives the Baker.
  BakeReporter& reporter_;     // Not owned; outlives the Baker.
};

}  // namespace imago::bake

#endif  // IMAGO_BAKE_BAKER_H_
