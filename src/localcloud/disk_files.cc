#include "localcloud/disk_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include "base/subprocess.h"

namespace imago::localcloud {

using base::FirstLine;
using base::RunProcess;
using compute::Result;
using compute::Status;

Result<std::unique_ptr<RawDiskView>> RawDiskView::Open(const std::string& disk,
                                                       const std::string& format,
                                                       const std::string& tmp_dir) {
  if (format == "raw") return std::unique_ptr<RawDiskView>(new RawDiskView(disk, false));
  std::string raw = tmp_dir + "/disk.raw";
  auto conv = RunProcess({"qemu-img", "convert", "-U", "-f", format, "-O", "raw", disk, raw});
  if (!conv.ok()) return conv.status();
  if (conv->exit_code != 0) {
    unlink(raw.c_str());
    return Status::Unavailable("cannot read the disk: " + FirstLine(conv->err));
  }
  return std::unique_ptr<RawDiskView>(new RawDiskView(raw, true));
}

RawDiskView::~RawDiskView() {
  if (copy_) unlink(path_.c_str());
}

Status RawDiskView::Dump(const std::string& from, const std::string& to) const {
  unlink(to.c_str());
  auto d = RunProcess({"debugfs", "-R", "dump " + from + " " + to, path_});
  if (!d.ok()) return d.status();
  // debugfs exits 0 either way; what it says, and the file, tell.
  if (d->err.find("Bad magic number") != std::string::npos ||
      d->err.find("Filesystem not open") != std::string::npos) {
    return Status::Invalid("the disk holds no ext2/3/4 file system (whole-disk) to read " + from +
                           " from");
  }
  struct stat st;
  if (stat(to.c_str(), &st) != 0 || st.st_size == 0) {
    unlink(to.c_str());
    return Status::NotFound("the disk has no " + from);
  }
  return Status::OK();
}

Result<std::string> RawDiskView::List(const std::string& dir) const {
  auto ls = RunProcess({"debugfs", "-R", "ls -p " + dir, path_});
  if (!ls.ok()) return ls.status();
  return ls->out;
}

}  // namespace imago::localcloud
