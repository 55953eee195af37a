#include "bake/digest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

namespace imago::bake {

using compute::Result;
using compute::Status;

namespace {

/// An incremental SHA-256.
class Hasher {
 public:
  Hasher() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void Add(const void* p, size_t n) { EVP_DigestUpdate(ctx_.get(), p, n); }
  /// A field: its length first, so that no two sequences of fields collide.
  void Field(const std::string& s) {
    uint64_t n = s.size();
    Add(&n, sizeof n);
    Add(s.data(), s.size());
  }
  Status File(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::Invalid("cannot read " + path + ": " + strerror(errno));
    struct stat st;
    fstat(fd, &st);
    uint64_t size = static_cast<uint64_t>(st.st_size);
    Add(&size, sizeof size);
    std::vector<char> buf(1 << 16);
    ssize_t r;
    while ((r = read(fd, buf.data(), buf.size())) > 0) Add(buf.data(), static_cast<size_t>(r));
    close(fd);
    if (r < 0) return Status::Invalid("cannot read " + path + ": " + strerror(errno));
    return Status::OK();
  }
  std::string Hex() {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx_.get(), d, &n);
    static const char* kHex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < n; ++i) {
      out += kHex[d[i] >> 4];
      out += kHex[d[i] & 15];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

Status AddTree(Hasher& h, const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status top = fs::symlink_status(root, ec);
  if (ec) return Status::Invalid("cannot read " + root + ": " + ec.message());
  if (!fs::is_directory(top)) {
    h.Field("file");
    h.Field((fs::status(root).permissions() & fs::perms::owner_exec) != fs::perms::none ? "x"
                                                                                        : "-");
    return h.File(root);
  }
  std::vector<fs::path> entries;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->path().filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    entries.push_back(it->path());
  }
  if (ec) return Status::Invalid("cannot read " + root + ": " + ec.message());
  std::sort(entries.begin(), entries.end());
  for (const fs::path& p : entries) {
    h.Field(p.lexically_relative(root).string());
    fs::file_status st = fs::symlink_status(p, ec);
    if (fs::is_symlink(st)) {
      h.Field("link");
      h.Field(fs::read_symlink(p, ec).string());
    } else if (fs::is_directory(st)) {
      h.Field("dir");
    } else if (fs::is_regular_file(st)) {
      h.Field("file");
      h.Field((st.permissions() & fs::perms::owner_exec) != fs::perms::none ? "x" : "-");
      IMAGO_RETURN_IF_ERROR(h.File(p.string()));
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::string> TreeDigest(const std::string& path) {
  Hasher h;
  IMAGO_RETURN_IF_ERROR(AddTree(h, path));
  return h.Hex();
}

Result<std::string> BuildDigest(const BakeSpec& spec, const std::string& source_image_id,
                                const std::vector<std::string>& apt_plans) {
  Hasher h;
  h.Field("imago-bake/1");
  h.Field(source_image_id);
  h.Field(CanonicalSpec(spec));
  size_t apt = 0;
  for (const Provisioner& p : spec.provisioners) {
    switch (p.kind) {
      case Provisioner::Kind::kShell:
        if (!p.script.empty()) IMAGO_RETURN_IF_ERROR(AddTree(h, p.script));
        break;
      case Provisioner::Kind::kFile:
        IMAGO_RETURN_IF_ERROR(AddTree(h, p.source));
        break;
      case Provisioner::Kind::kAnsible:
        IMAGO_RETURN_IF_ERROR(AddTree(h, std::filesystem::path(p.playbook).parent_path().string()));
        if (!p.roles_path.empty()) IMAGO_RETURN_IF_ERROR(AddTree(h, p.roles_path));
        break;
      case Provisioner::Kind::kApt:
        if (!p.sources.empty()) IMAGO_RETURN_IF_ERROR(AddTree(h, p.sources));
        if (apt >= apt_plans.size()) {
          return Status::Internal("no apt plan for provisioner at line " + std::to_string(p.line));
        }
        h.Field("apt-plan");
        h.Field(apt_plans[apt++]);
        break;
    }
  }
  return h.Hex();
}

Result<std::vector<DigestPart>> DigestParts(const BakeSpec& spec,
                                            const std::string& source_image_id,
                                            const std::string& source_image,
                                            const std::vector<std::string>& apt_plans) {
  std::vector<DigestPart> parts;
  auto text = [](const std::string& s) {
    Hasher h;
    h.Field(s);
    return h.Hex();
  };
  auto tree = [&](const std::string& what, const std::string& path) -> Status {
    Hasher h;
    IMAGO_RETURN_IF_ERROR(AddTree(h, path));
    parts.push_back({what, h.Hex(), path});
    return Status::OK();
  };
  parts.push_back({"source image", text(source_image_id), source_image});
  parts.push_back({"spec settings", text(CanonicalSpec(spec)), spec.path});
  const std::string file = std::filesystem::path(spec.path).filename().string();
  size_t apt = 0;
  for (size_t i = 0; i < spec.provisioners.size(); ++i) {
    const Provisioner& p = spec.provisioners[i];
    const std::string name = "provisioner " + std::to_string(i + 1) + " (" + p.KindName() + " at " +
                             file + ":" + std::to_string(p.line) + ")";
    switch (p.kind) {
      case Provisioner::Kind::kShell:
        if (!p.script.empty()) IMAGO_RETURN_IF_ERROR(tree(name + ": script", p.script));
        break;
      case Provisioner::Kind::kFile:
        IMAGO_RETURN_IF_ERROR(tree(name + ": source", p.source));
        break;
      case Provisioner::Kind::kAnsible:
        IMAGO_RETURN_IF_ERROR(tree(name + ": playbook directory",
                                   std::filesystem::path(p.playbook).parent_path().string()));
        if (!p.roles_path.empty()) IMAGO_RETURN_IF_ERROR(tree(name + ": roles", p.roles_path));
        break;
      case Provisioner::Kind::kApt:
        if (!p.sources.empty()) IMAGO_RETURN_IF_ERROR(tree(name + ": apt sources", p.sources));
        if (apt < apt_plans.size()) {
          parts.push_back({name + ": the packages apt resolves", text(apt_plans[apt++]), ""});
        }
        break;
    }
  }
  return parts;
}

}  // namespace imago::bake
