#include "base/file_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/testing.h"

namespace imago::base {
namespace {

TEST(FileLockTest, HeldLockIsSeenAndDiesWithItsProcess) {
  TempDir dir;
  std::string path = dir.path() + "/op.lock";
  bool held = false;
  auto none = FileLock::TryAcquire(path, &held);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Code::kNotFound);
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  if (child == 0) {
    auto lock = FileLock::Acquire(path);
    char c = lock.ok() ? 'y' : 'n';
    (void)!write(ready[1], &c, 1);
    pause();  // Killed below, holding the lock.
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  auto busy = FileLock::TryAcquire(path, &held);
  EXPECT_FALSE(busy.ok());
  EXPECT_TRUE(held);
  kill(child, SIGKILL);  // The kernel drops its lock.
  waitpid(child, nullptr, 0);
  auto mine = FileLock::TryAcquire(path, &held);
  ASSERT_TRUE(mine.ok()) << mine.status().message();
  EXPECT_FALSE(held);
  EXPECT_TRUE(mine->held());
  mine->Unlock();
  EXPECT_FALSE(mine->held());
}

}  // namespace
}  // namespace imago::base
