// The waist speaks base::Status (src/base/status.h): its codes are GCE's
// error reasons. These names let code above and below the waist say
// compute::Status, as the API's own vocabulary.
#ifndef IMAGO_COMPUTE_STATUS_H_
#define IMAGO_COMPUTE_STATUS_H_

#include "base/status.h"

namespace imago::compute {

using base::Code;
using base::Result;
using base::Status;

}  // namespace imago::compute

#endif  // IMAGO_COMPUTE_STATUS_H_
