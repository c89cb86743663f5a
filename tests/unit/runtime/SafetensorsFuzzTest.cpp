// Robustness of the safetensors reader: every truncation of a valid file and
// thousands of seeded random mutations must be handled without a crash or an
// out-of-bounds read (run under ASan/UBSan), and every accepted file must only
// expose views that can be read in full.
#include "runtime/Safetensors.h"

#include <gtest/gtest.h>

#include <random>

namespace attn {
namespace {

std::vector<std::byte> validFile() {
  Tensor a(DType::F32, {2, 3}), b(DType::I64, {2}), c(DType::Bool, {3}), d(DType::I32, {}),
      e(DType::F32, {0});
  auto bytes = serializeSafetensors({{"layer.weight", a.view()},
                                     {"ids", b.view()},
                                     {"mask", c.view()},
                                     {"n", d.view()},
                                     {"empty", e.view()}},
                                    {{"format", "pt"}, {"k\u00e9y", "v\\al\"ue"}});
  EXPECT_TRUE(bytes) << bytes.message();
  return bytes ? *bytes : std::vector<std::byte>{};
}

size_t headerEnd(const std::vector<std::byte> &bytes) {
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  return size_t(8 + n);
}

/// Reads every byte of every tensor so ASan sees any view outside its storage.
unsigned touchAll(const SafetensorsFile &file) {
  unsigned sum = 0;
  for (const std::string &name : file.names()) {
    const TensorView *view = file.find(name);
    EXPECT_NE(view, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(view->data) % dtypeSize(view->dtype), 0u) << name;
    auto *p = static_cast<const unsigned char *>(view->data);
    for (size_t i = 0; i < view->byteSize(); ++i) sum += p[i];
  }
  return sum;
}

TEST(SafetensorsFuzzTest, ValidFileIsAccepted) {
  auto file = SafetensorsFile::fromBuffer(validFile());
  ASSERT_TRUE(file) << file.message();
  EXPECT_EQ(file->size(), 5u);
  touchAll(*file);
}

TEST(SafetensorsFuzzTest, EveryTruncationIsRejected) {
  std::vector<std::byte> bytes = validFile();
  ASSERT_GT(bytes.size(), 8u);
  for (size_t length = 0; length < bytes.size(); ++length) {
    std::vector<std::byte> prefix(bytes.begin(), bytes.begin() + std::ptrdiff_t(length));
    auto file = SafetensorsFile::fromBuffer(std::move(prefix), "cut");
    ASSERT_FALSE(file) << "a file cut to " << length << " bytes was accepted";
    EXPECT_EQ(file.message().rfind("cut: ", 0), 0u) << file.message();
  }
}

/// Mutations lean on the header, with JSON-significant bytes, since a changed
/// data byte is always valid.
std::vector<std::byte> mutate(std::vector<std::byte> bytes, std::mt19937 &rng) {
  static constexpr std::string_view kInteresting = "{}[]\":,-.0123456789eE\\u \x00\xff\x80";
  size_t headerSize = headerEnd(bytes);
  int edits = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int i = 0; i < edits && !bytes.empty(); ++i) {
    size_t limit = rng() % 5 == 0 ? bytes.size() : std::min(headerSize, bytes.size());
    size_t at = rng() % limit;
    std::byte value =
        rng() % 4 == 0 ? std::byte(rng() & 0xFF) : std::byte(kInteresting[rng() % kInteresting.size()]);
    switch (rng() % 4) {
    case 0: bytes.insert(bytes.begin() + std::ptrdiff_t(at), value); break;
    case 1: bytes.erase(bytes.begin() + std::ptrdiff_t(at)); break;
    default: bytes[at] = value; break;
    }
  }
  return bytes;
}

TEST(SafetensorsFuzzTest, RandomMutationsNeverCrash) {
  std::vector<std::byte> original = validFile();
  std::mt19937 rng(20240607);
  int accepted = 0;
  for (int iteration = 0; iteration < 5000; ++iteration) {
    auto file = SafetensorsFile::fromBuffer(mutate(original, rng), "fuzz");
    if (file) {
      ++accepted;
      touchAll(*file);
    } else {
      EXPECT_EQ(file.message().rfind("fuzz: ", 0), 0u) << file.message();
      EXPECT_GT(file.message().size(), 6u);
    }
  }
  // Some mutations (data bytes, header padding) keep the file valid.
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, 5000);
}

TEST(SafetensorsFuzzTest, RandomHeaderLengthsNeverCrash) {
  std::vector<std::byte> original = validFile();
  std::mt19937_64 rng(7);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    std::vector<std::byte> bytes = original;
    uint64_t length = iteration < 500 ? rng() % (original.size() + 16) : rng();
    std::memcpy(bytes.data(), &length, 8);
    auto file = SafetensorsFile::fromBuffer(std::move(bytes), "len");
    if (file) touchAll(*file);
  }
}

} // namespace
} // namespace attn
