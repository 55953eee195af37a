// compute::Service: the waist of imago. One C++ interface shaped like the
// Compute Engine v1 API; LocalCloud (embedded, SQLite + files) and GceClient
// (HTTP) implement it, and everything above it (CLI, bake, rotate, deploy)
// is written against it alone.
//
// Conventions of every method:
//  - `project` is a project id; `image` is an image name or its numeric id.
//  - A mutation returns the Operation that records it. A mutation that fails
//    validation returns the error and changes nothing. A mutation with the
//    `request_id` of an earlier one returns that earlier Operation and has no
//    further effect.
//  - Errors are Status values with GCE's reasons and HTTP codes.
//  - Implementations are safe to call from several threads and processes.
#ifndef IMAGO_COMPUTE_SERVICE_H_
#define IMAGO_COMPUTE_SERVICE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compute/status.h"
#include "compute/types.h"

namespace imago::compute {

/// Called with bytes done and bytes in all while a long mutation runs.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

/// Options shared by every mutation.
struct MutationOptions {
  std::string request_id;  // A UUID, or empty.
  ProgressFn progress;     // Optional; may be ignored by remote implementations.
};

/// The fields `images.patch` may change; unset members stay as they are.
struct ImagePatch {
  std::optional<std::string> family;  // "" clears the family.
  std::optional<std::string> description;
  std::optional<DeprecationStatus> deprecated;  // state ACTIVE clears it.
};

class Service {
 public:
  virtual ~Service() = default;

  // --- images (global) ---

  /// Creates an image from exactly one source: `raw_disk.source` (a file),
  /// `source_image` (any ImageRef form, a family URL included: it is resolved
  /// now and recorded as sourceImage + sourceImageId), `source_disk` or
  /// `source_snapshot`. Output-only fields of `image` are ignored.
  /// A DEPRECATED source succeeds with a DEPRECATED_RESOURCE_USED warning on
  /// the Operation; an OBSOLETE or DELETED one is refused (400).
  virtual Result<Operation> InsertImage(const std::string& project, const Image& image,
                                        const MutationOptions& opts) = 0;
  virtual Result<Image> GetImage(const std::string& project, const std::string& image) = 0;
  /// The newest READY image of `family` that is not deprecated; 404 naming
  /// the family's path when there is none.
  virtual Result<Image> GetImageFromFamily(const std::string& project,
                                           const std::string& family) = 0;
  virtual Result<ListPage<Image>> ListImages(const std::string& project,
                                             const ListOptions& opts) = 0;
  virtual Result<Operation> DeleteImage(const std::string& project, const std::string& image,
                                        const MutationOptions& opts) = 0;
  /// Sets the deprecation status; nullopt (an empty body) or state ACTIVE
  /// clears it. `replacement`, when set, must name an existing image.
  virtual Result<Operation> DeprecateImage(const std::string& project, const std::string& image,
                                           const std::optional<DeprecationStatus>& status,
                                           const MutationOptions& opts) = 0;
  /// Replaces all labels. `fingerprint` must equal the image's current
  /// labelFingerprint, else 412 conditionNotMet.
  virtual Result<Operation> SetImageLabels(const std::string& project, const std::string& image,
                                           const Labels& labels, const std::string& fingerprint,
                                           const MutationOptions& opts) = 0;
  virtual Result<Operation> PatchImage(const std::string& project, const std::string& image,
                                       const ImagePatch& patch, const MutationOptions& opts) = 0;

  // --- global operations ---

  virtual Result<Operation> GetGlobalOperation(const std::string& project,
                                               const std::string& operation) = 0;
  /// Returns when the operation is DONE or a deadline near two minutes passes
  /// (then it may still be RUNNING: call again).
  virtual Result<Operation> WaitGlobalOperation(const std::string& project,
                                                const std::string& operation) = 0;
  virtual Result<ListPage<Operation>> ListGlobalOperations(const std::string& project,
                                                           const ListOptions& opts) = 0;
  virtual Status DeleteGlobalOperation(const std::string& project,
                                       const std::string& operation) = 0;
};

/// Every image of `project` that `opts` selects, reading page after page
/// (opts.page_token is where it starts). `calls`, when given, counts the
/// list calls made.
Result<std::vector<Image>> ListAllImages(Service& svc, const std::string& project,
                                         ListOptions opts = {}, int* calls = nullptr);

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_SERVICE_H_
