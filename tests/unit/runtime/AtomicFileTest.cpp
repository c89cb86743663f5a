// The atomic writer and the mapped reader: a target sees the old bytes or the
// new, never a part; nothing is left behind; a FIFO or a directory is refused
// without blocking.
#include "runtime/AtomicFile.h"
#include "runtime/MappedFile.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

using namespace attn;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("attnc-atomic-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto &e : fs::directory_iterator(path)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

std::string readAll(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

TEST(AtomicFile, ReplacesTheTargetAndLeavesNothingElse) {
  TempDir dir;
  std::string target = (dir.path / "out.bin").string();
  ASSERT_TRUE(writeFileAtomically(target, "old").isOk());
  ASSERT_TRUE(writeFileAtomically(target, std::string(100000, 'x')).isOk());
  EXPECT_EQ(readAll(target), std::string(100000, 'x'));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.bin"});
}

TEST(AtomicFile, UncommittedOrFailedWritesLeaveTheTargetAsItWas) {
  TempDir dir;
  std::string target = (dir.path / "out.bin").string();
  ASSERT_TRUE(writeFileAtomically(target, "old").isOk());
  {
    auto writer = AtomicFileWriter::create(target);
    ASSERT_TRUE(writer.isOk()) << writer.message();
    ASSERT_TRUE(writer->write("new, half written").isOk());
  } // destroyed without commit
  EXPECT_EQ(readAll(target), "old");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.bin"});
  Status missing = writeFileAtomically((dir.path / "no" / "such" / "dir").string(), "x");
  EXPECT_FALSE(missing.isOk());
  EXPECT_NE(missing.message().find("cannot create a temporary file"), std::string::npos) << missing.message();
  auto committed = AtomicFileWriter::create(target);
  ASSERT_TRUE(committed.isOk());
  ASSERT_TRUE(committed->commit().isOk());
  EXPECT_FALSE(committed->commit().isOk()); // once
  EXPECT_FALSE(committed->write("late").isOk());
  EXPECT_EQ(readAll(target), "");
}

TEST(AtomicFile, ATargetNameOfNameMaxCharactersWorks) {
  TempDir dir;
  std::string target = (dir.path / std::string(255, 'n')).string();
  Status s = writeFileAtomically(target, "long");
  ASSERT_TRUE(s.isOk()) << s.message(); // the temporary's name is short, not target + suffix
  EXPECT_EQ(readAll(target), "long");
}

TEST(MappedFile, MapsRegularFilesAndRefusesOthersWithoutBlocking) {
  TempDir dir;
  std::string file = (dir.path / "data").string(), empty = (dir.path / "empty").string();
  ASSERT_TRUE(writeFileAtomically(file, "abc").isOk());
  ASSERT_TRUE(writeFileAtomically(empty, "").isOk());
  auto mapped = MappedFile::open(file, /*populate=*/true);
  ASSERT_TRUE(mapped.isOk()) << mapped.message();
  ASSERT_EQ(mapped->size(), 3u);
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(mapped->data()), 3), "abc");
  MappedFile moved = std::move(*mapped);
  EXPECT_EQ(moved.size(), 3u);
  auto none = MappedFile::open(empty);
  ASSERT_TRUE(none.isOk());
  EXPECT_EQ(none->size(), 0u);

  std::string fifo = (dir.path / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto refused = MappedFile::open(fifo); // no writer: a blocking open would hang here
  ASSERT_FALSE(refused.isOk());
  EXPECT_EQ(refused.message(), "cannot open: not a regular file");
  auto directory = MappedFile::open(dir.path.string());
  ASSERT_FALSE(directory.isOk());
  EXPECT_EQ(directory.message(), "cannot open: is a directory");
  EXPECT_FALSE(MappedFile::open((dir.path / "missing").string()).isOk());
}

TEST(AtomicFile, FollowsLinksAndWritesDevicesInPlace) {
  TempDir dir;
  fs::path target = dir.path / "real.txt", link = dir.path / "link";
  ASSERT_TRUE(writeFileAtomically(target.string(), "old").isOk());
  fs::create_symlink("real.txt", link);
  ASSERT_TRUE(writeFileAtomically(link.string(), "new").isOk());
  EXPECT_TRUE(fs::is_symlink(link)); // the link stays, its target is replaced
  EXPECT_EQ(readAll(target), "new");
  fs::create_symlink("created.txt", dir.path / "dangling");
  ASSERT_TRUE(writeFileAtomically((dir.path / "dangling").string(), "made").isOk());
  EXPECT_EQ(readAll(dir.path / "created.txt"), "made");

  // A FIFO with no reader: an error at once, not a wait; the FIFO stays.
  fs::path fifo = dir.path / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Status noReader = writeFileAtomically(fifo.string(), "x");
  EXPECT_FALSE(noReader.isOk());
  EXPECT_TRUE(fs::is_fifo(fifo));

  // A character device (the null device, made here) is written, not replaced.
  fs::path device = dir.path / "null";
  if (::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) GTEST_SKIP() << "mknod needs root";
  ASSERT_TRUE(writeFileAtomically(device.string(), "discarded").isOk());
  EXPECT_TRUE(fs::is_character_file(device));
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"created.txt", "dangling", "fifo", "link", "null", "real.txt"}));
}
