// Helpers for every module's unit tests: a temporary directory and files.
#ifndef IMAGO_BASE_TESTING_H_
#define IMAGO_BASE_TESTING_H_

#include <dirent.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace imago::base {

/// A fresh directory, removed with everything in it when destroyed.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/imago-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    for (auto& e : std::filesystem::recursive_directory_iterator(path_, ec)) {
      std::filesystem::permissions(e.path(), std::filesystem::perms::owner_all, ec);
    }
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Writes `size` bytes of a pattern seeded by `seed` to `path`.
inline void WriteFile(const std::string& path, size_t size, int seed) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::string chunk(4096, '\0');
  for (size_t i = 0; i < chunk.size(); ++i)
    chunk[i] = static_cast<char>((i * 31 + static_cast<unsigned>(seed) * 7u) & 0xff);
  // The first bytes must not look like a foreign disk format.
  chunk[0] = 'R';
  for (size_t done = 0; done < size; done += chunk.size()) {
    out.write(chunk.data(), static_cast<std::streamsize>(std::min(chunk.size(), size - done)));
  }
}

/// Number of entries in a directory (0 when it does not exist).
inline int CountFiles(const std::string& dir) {
  int n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); ++it)
    ++n;
  return n;
}

}  // namespace imago::base

#endif  // IMAGO_BASE_TESTING_H_
