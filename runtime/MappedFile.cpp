// Read-only whole-file mappings (MappedFile.h).
#include "runtime/MappedFile.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace attn {

namespace {
std::string errnoMessage() { return std::error_code(errno, std::generic_category()).message(); }
} // namespace

Result<MappedFile> MappedFile::open(const std::string &path, bool populate) {
  // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Status::error("cannot open: " + errnoMessage());
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    std::string reason = S_ISDIR(info.st_mode) ? "is a directory" : "not a regular file";
    ::close(fd);
    return Status::error("cannot open: " + reason);
  }
  size_t size = size_t(info.st_size);
  void *mapping = nullptr;
  if (size > 0) {
    mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd, 0);
    if (mapping == MAP_FAILED) {
      std::string reason = errnoMessage();
      ::close(fd);
      return Status::error("cannot map: " + reason);
    }
  }
  ::close(fd);
  return MappedFile(mapping, size);
}

MappedFile::MappedFile(MappedFile &&other) noexcept
    : mapping_(std::exchange(other.mapping_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile &MappedFile::operator=(MappedFile &&other) noexcept {
  if (this != &other) {
    if (mapping_) ::munmap(mapping_, size_);
    mapping_ = std::exchange(other.mapping_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (mapping_) ::munmap(mapping_, size_);
}

} // namespace attn
