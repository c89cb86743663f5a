// Safetensors reader and writer: round trips for every dtype, atomic writes,
// misaligned data, and one test per kind of hostile file.
#include "runtime/Safetensors.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <numeric>

#include <unistd.h>

namespace attn {
namespace {

namespace fs = std::filesystem;

/// A file from raw parts: 8-byte length (the header's, unless given), header, data.
std::string rawFile(const std::string &header, const std::string &data = "",
                    std::optional<uint64_t> length = std::nullopt) {
  uint64_t n = length.value_or(header.size());
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes += char(n >> (8 * i) & 0xFF);
  return bytes + header + data;
}

/// A fresh, empty directory for one test, removed at the end of it. The pid
/// keeps concurrent runs from different build trees apart.
struct ScratchDir {
  fs::path path;
  explicit ScratchDir(const std::string &name)
      : path(fs::path(testing::TempDir()) / ("attn_safetensors_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

void writeBytes(const fs::path &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

bool isAligned(const TensorView &view) {
  return reinterpret_cast<uintptr_t>(view.data) % dtypeSize(view.dtype) == 0;
}

/// Tensors of every dtype, including a scalar, empty tensors and a BOOL of odd
/// size placed first (the writer must still keep the others aligned).
std::vector<std::pair<std::string, Tensor>> sampleTensors() {
  std::vector<std::pair<std::string, Tensor>> out;
  auto add = [&](std::string name, DType dtype, Shape shape) {
    Tensor t(dtype, std::move(shape));
    auto *bytes = static_cast<uint8_t *>(t.data());
    for (size_t i = 0; i < t.byteSize(); ++i) bytes[i] = uint8_t(dtype == DType::Bool ? i % 2 : i * 7 + 1);
    out.emplace_back(std::move(name), std::move(t));
  };
  add("mask", DType::Bool, {5});
  add("w.f32", DType::F32, {2, 3});
  add("ids.i64", DType::I64, {4});
  add("count.i32", DType::I32, {});
  add("empty.f32", DType::F32, {0, 3});
  add("empty.i64", DType::I64, {3, 0});
  add("empty.bool", DType::Bool, {0});
  add("v.i32", DType::I32, {3});
  return out;
}

NamedTensorViews viewsOf(const std::vector<std::pair<std::string, Tensor>> &tensors) {
  NamedTensorViews views;
  for (const auto &[name, t] : tensors) views.emplace_back(name, t.view());
  return views;
}

void expectSameTensors(const SafetensorsFile &file,
                       const std::vector<std::pair<std::string, Tensor>> &tensors) {
  ASSERT_EQ(file.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto &[name, expected] = tensors[i];
    EXPECT_EQ(file.names()[i], name);
    const TensorView *view = file.find(name);
    ASSERT_NE(view, nullptr) << name;
    EXPECT_EQ(view->dtype, expected.dtype()) << name;
    EXPECT_EQ(view->shape, expected.shape()) << name;
    EXPECT_TRUE(isAligned(*view)) << name;
    ASSERT_EQ(view->byteSize(), expected.byteSize()) << name;
    EXPECT_EQ(std::memcmp(view->data, expected.data(), expected.byteSize()), 0) << name;
  }
}

TEST(SafetensorsTest, RoundTripEveryDTypeThroughFile) {
  auto tensors = sampleTensors();
  SafetensorsMetadata metadata{{"format", "pt"}, {"note", "quote \" and \\ and\nnewline"}};
  ScratchDir dir("roundtrip");
  fs::path path = dir.path / "w.safetensors";
  ASSERT_TRUE(writeSafetensors(path, viewsOf(tensors), metadata)) << "write failed";
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(file) << file.message();
  expectSameTensors(*file, tensors);
  EXPECT_EQ(file->metadata(), metadata);
  EXPECT_EQ(file->path(), path.string());
  EXPECT_EQ(file->find("absent"), nullptr);
}

TEST(SafetensorsTest, RoundTripThroughBufferAndMove) {
  auto tensors = sampleTensors();
  auto bytes = serializeSafetensors(viewsOf(tensors));
  ASSERT_TRUE(bytes) << bytes.message();
  uint64_t headerSize = 0;
  std::memcpy(&headerSize, bytes->data(), 8);
  EXPECT_EQ(headerSize % 8, 0u) << "the header is padded to 8 bytes";
  auto file = SafetensorsFile::fromBuffer(std::move(*bytes));
  ASSERT_TRUE(file) << file.message();
  SafetensorsFile moved = std::move(*file);
  expectSameTensors(moved, tensors);
  EXPECT_TRUE(moved.metadata().empty());
}

TEST(SafetensorsTest, NamesAreUnescaped) {
  std::string header = R"({"a\u00e9\ud83d\ude00\n\"\/":{"dtype":"BOOL","shape":[],"data_offsets":[0,1]}})";
  auto file = SafetensorsFile::fromBuffer(rawFile(header, "\x01"));
  ASSERT_TRUE(file) << file.message();
  EXPECT_EQ(file->names().at(0), "a\xc3\xa9\xf0\x9f\x98\x80\n\"/");
}

TEST(SafetensorsTest, UnknownEntryFieldsAreIgnored) {
  std::string header =
      R"({"a":{"extra":{"x":[1,-2.5e3,true,null,{"y":"z"}]},"dtype":"I32","shape":[1],"data_offsets":[0,4]}})";
  auto file = SafetensorsFile::fromBuffer(rawFile(header, std::string(4, '\0')));
  ASSERT_TRUE(file) << file.message();
  EXPECT_EQ(file->find("a")->shape, Shape{1});
}

TEST(SafetensorsTest, MisalignedTensorsAreCopiedToAlignedStorage) {
  // Header length 59 (not a multiple of 8) and a BOOL first: both F32s start
  // at misaligned addresses in the file.
  std::string header = R"({"b":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]},)"
                       R"("f":{"dtype":"F32","shape":[2],"data_offsets":[3,11]}})";
  float values[2] = {1.5f, -2.25f};
  std::string data = std::string("\x01\x00\x01", 3) + std::string(reinterpret_cast<char *>(values), 8);
  std::string bytes = rawFile(header, data);
  ScratchDir dir("misaligned");
  fs::path path = dir.path / "m.safetensors";
  writeBytes(path, bytes);
  auto mapped = SafetensorsFile::open(path);
  auto buffered = SafetensorsFile::fromBuffer(bytes);
  for (auto *file : {&mapped, &buffered}) {
    ASSERT_TRUE(*file) << file->message();
    const TensorView *f = (*file)->find("f");
    ASSERT_TRUE(isAligned(*f));
    EXPECT_EQ(f->as<float>()[0], 1.5f);
    EXPECT_EQ(f->as<float>()[1], -2.25f);
    EXPECT_EQ((*file)->find("b")->as<uint8_t>()[2], 1);
  }
}

TEST(SafetensorsTest, OpenReportsMissingFileAndDirectory) {
  ScratchDir scratch("open");
  const fs::path &dir = scratch.path;
  auto missing = SafetensorsFile::open(dir / "nope.safetensors");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.message().find("nope.safetensors: cannot open: No such file"), std::string::npos)
      << missing.message();
  auto directory = SafetensorsFile::open(dir);
  ASSERT_FALSE(directory);
  EXPECT_NE(directory.message().find("is a directory"), std::string::npos) << directory.message();
  writeBytes(dir / "empty", "");
  auto empty = SafetensorsFile::open(dir / "empty");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.message().find("file is 0 bytes, too short"), std::string::npos) << empty.message();
}

TEST(SafetensorsTest, WriterReplacesExistingFileAndLeavesNoTemporary) {
  ScratchDir scratch("replace");
  const fs::path &dir = scratch.path;
  fs::path path = dir / "w.safetensors";
  writeBytes(path, "old contents");
  Tensor t(DType::I64, {2});
  t.as<int64_t>()[1] = 42;
  ASSERT_TRUE(writeSafetensors(path, {{"t", t.view()}}));
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(file) << file.message();
  EXPECT_EQ(file->find("t")->as<int64_t>()[1], 42);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST(SafetensorsTest, WriterFailureRemovesTemporaryAndKeepsTarget) {
  ScratchDir scratch("fail");
  const fs::path &dir = scratch.path;
  Tensor t(DType::F32, {3});
  // The rename onto a non-empty directory fails after the data is written.
  fs::path target = dir / "target";
  fs::create_directories(target / "inside");
  Status st = writeSafetensors(target, {{"t", t.view()}});
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("cannot rename the temporary file"), std::string::npos) << st.message();
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1)
      << "temporary left behind";
  EXPECT_TRUE(fs::is_directory(target / "inside"));

  Status noDir = writeSafetensors(dir / "no" / "such" / "w.safetensors", {{"t", t.view()}});
  ASSERT_FALSE(noDir);
  EXPECT_NE(noDir.message().find("cannot create a temporary file"), std::string::npos) << noDir.message();
}

TEST(SafetensorsTest, WriterRejectsBadTensorsWithoutTouchingTarget) {
  ScratchDir dir("badwrite");
  fs::path path = dir.path / "w.safetensors";
  writeBytes(path, "keep me");
  Tensor t(DType::F32, {1});
  struct Case {
    NamedTensorViews tensors;
    std::string reason;
  } cases[] = {
      {{{"a", t.view()}, {"a", t.view()}}, "cannot write tensor 'a': duplicate name"},
      {{{"__metadata__", t.view()}}, "the name is reserved"},
      {{{"n", TensorView{DType::F32, {2}, nullptr}}}, "cannot write tensor 'n': no data"},
      {{{"s", TensorView{DType::F32, {-1}, t.data()}}}, "invalid shape [-1]"},
  };
  for (const Case &c : cases) {
    Status st = writeSafetensors(path, c.tensors);
    ASSERT_FALSE(st) << c.reason;
    EXPECT_NE(st.message().find(c.reason), std::string::npos) << st.message();
  }
  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "keep me");
}

// ---- Hostile files: each is rejected with its specific reason ---------------

struct HostileCase {
  const char *name;
  std::string bytes;
  const char *reason;
};

std::string entry(const std::string &name, const std::string &dtype, const std::string &shape,
                  const std::string &offsets) {
  return "\"" + name + "\":{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets +
         "}";
}

std::vector<HostileCase> hostileCases() {
  std::string f32x2 = entry("a", "\"F32\"", "[2]", "[0,8]");
  std::string eight(8, '\0');
  std::string sixtyFiveOnes = "[1";
  for (int i = 0; i < 64; ++i) sixtyFiveOnes += ",1";
  sixtyFiveOnes += "]";
  return {
      {"TooShort", std::string("\x10\0\0\0\0", 5), "file is 5 bytes, too short for a safetensors header"},
      {"HeaderOver100MB", rawFile("{}", "", 200u << 20), "header length 209715200 exceeds the 100 MB limit"},
      {"HeaderPastEnd", rawFile("{}", "", 40), "header length 40 runs past the end of the file (10 bytes)"},
      {"HugeHeaderLength", rawFile("{}", "", ~uint64_t(0)), "exceeds the 100 MB limit"},
      {"InvalidJson", rawFile(R"({"a":{"dtype":"F32")"),
       "invalid JSON in header at byte 19: expected ',' or '}'"},
      {"TrailingGarbage", rawFile("{} x"), "unexpected content after the header object"},
      {"NotAnObject", rawFile("[1,2]"), "header is not a JSON object"},
      {"EmptyHeader", rawFile(""), "header is not a JSON object"},
      {"InvalidUtf8", rawFile("{\"\xff\":1}"), "header is not valid UTF-8 (byte 2)"},
      {"ControlCharInName", rawFile("{\"a\nb\":1}"), "control character in string"},
      {"LoneSurrogate", rawFile(R"({"\ud800":1})"), "unpaired surrogate"},
      {"EntryNotObject", rawFile("{\"a\":[1]}"), "tensor 'a': entry is not a JSON object"},
      {"MissingDType", rawFile(R"({"a":{"shape":[],"data_offsets":[0,4]}})"),
       "tensor 'a': missing \"dtype\""},
      {"MissingShape", rawFile(R"({"a":{"dtype":"F32","data_offsets":[0,4]}})"),
       "tensor 'a': missing \"shape\""},
      {"MissingOffsets", rawFile(R"({"a":{"dtype":"F32","shape":[]}})"),
       "tensor 'a': missing \"data_offsets\""},
      {"DTypeNotString", rawFile("{" + entry("a", "5", "[2]", "[0,8]") + "}", eight),
       "\"dtype\" must be a string"},
      {"ShapeNotArray", rawFile("{" + entry("a", "\"F32\"", "\"2\"", "[0,8]") + "}", eight),
       "tensor 'a': \"shape\" must be an array of non-negative integers"},
      {"ShapeOfStrings", rawFile("{" + entry("a", "\"F32\"", "[\"2\"]", "[0,8]") + "}", eight),
       "\"shape\" must be an array of non-negative integers"},
      {"OffsetsNotArray", rawFile("{" + entry("a", "\"F32\"", "[2]", "{}") + "}", eight),
       "\"data_offsets\" must be an array of two non-negative integers"},
      {"OneOffset", rawFile("{" + entry("a", "\"F32\"", "[2]", "[8]") + "}", eight),
       "\"data_offsets\" must be an array of two"},
      {"ThreeOffsets", rawFile("{" + entry("a", "\"F32\"", "[2]", "[0,8,8]") + "}", eight),
       "\"data_offsets\" must be an array of two"},
      {"DuplicateField", rawFile(R"({"a":{"dtype":"F32","dtype":"F32","shape":[],"data_offsets":[0,4]}})"),
       "tensor 'a': duplicate field \"dtype\""},
      {"UnknownDType", rawFile("{" + entry("a", "\"F16\"", "[4]", "[0,8]") + "}", eight),
       "tensor 'a': unsupported dtype \"F16\" (supported: F32, I64, I32, BOOL)"},
      {"NegativeDim", rawFile("{" + entry("a", "\"F32\"", "[-2]", "[0,8]") + "}", eight),
       "tensor 'a': negative dimension -2 in \"shape\""},
      {"FractionalDim", rawFile("{" + entry("a", "\"F32\"", "[2.5]", "[0,8]") + "}", eight),
       "tensor 'a': non-integer dimension 2.5 in \"shape\""},
      {"ExponentDim", rawFile("{" + entry("a", "\"F32\"", "[2e0]", "[0,8]") + "}", eight),
       "non-integer dimension 2e0"},
      {"HugeDim", rawFile("{" + entry("a", "\"F32\"", "[99999999999999999999]", "[0,8]") + "}", eight),
       "too large dimension 99999999999999999999"},
      {"NegativeOffset", rawFile("{" + entry("a", "\"F32\"", "[2]", "[-8,0]") + "}", eight),
       "negative offset -8 in \"data_offsets\""},
      {"TooManyDims",
       rawFile("{" + entry("a", "\"F32\"", sixtyFiveOnes, "[0,4]") + "}", std::string(4, '\0')),
       "tensor 'a': \"shape\" has more than 64 dimensions"},
      {"BeginAfterEnd", rawFile("{" + entry("a", "\"F32\"", "[0]", "[8,4]") + "}", eight),
       "tensor 'a': data_offsets [8, 4] have begin > end"},
      {"OffsetsPastData", rawFile("{" + entry("a", "\"F32\"", "[4]", "[0,16]") + "}", eight),
       "tensor 'a': data_offsets [0, 16] run past the end of the data region (8 bytes)"},
      {"SizeMismatch", rawFile("{" + entry("a", "\"F32\"", "[3]", "[0,8]") + "}", eight),
       "tensor 'a': data_offsets [0, 8] hold 8 bytes but f32[3] needs 12"},
      {"ShapeOverflow",
       rawFile("{" + entry("a", "\"F32\"", "[4294967296,4294967296,4]", "[0,8]") + "}", eight),
       "tensor 'a': shape f32[4294967296, 4294967296, 4] is too large"},
      {"ShapeOverflowBeforeZero",
       rawFile("{" + entry("a", "\"I64\"", "[4294967296,4294967296,0]", "[0,0]") + "}"), "is too large"},
      {"Overlap", rawFile("{" + f32x2 + "," + entry("b", "\"I32\"", "[1]", "[4,8]") + "}", eight),
       "tensor 'b': data_offsets [4, 8] overlap tensor 'a' [0, 8]"},
      {"Gap",
       rawFile("{" + entry("a", "\"I32\"", "[1]", "[0,4]") + "," + entry("b", "\"BOOL\"", "[2]", "[6,8]") +
                   "}",
               eight),
       "tensor 'b': data_offsets [6, 8] leave a gap after byte 4"},
      {"TrailingData", rawFile("{" + f32x2 + "}", eight + "xyz"),
       "3 trailing bytes not covered by any tensor"},
      {"DataWithoutTensors", rawFile("{}", "x"), "1 trailing bytes"},
      {"DuplicateName", rawFile("{" + f32x2 + "," + f32x2 + "}", eight), "duplicate tensor name 'a'"},
      {"MetadataNotObject", rawFile(R"({"__metadata__":[]})"),
       "\"__metadata__\" must be an object of strings"},
      {"MetadataNotString", rawFile(R"({"__metadata__":{"k":1}})"),
       "\"__metadata__\" value for 'k' must be a string"},
      {"DuplicateMetadata", rawFile(R"({"__metadata__":{},"__metadata__":{}})"),
       "duplicate \"__metadata__\""},
      {"DeepNesting", rawFile("{\"a\":{\"x\":" + std::string(100000, '[') + "}}"), "nested too deeply"},
  };
}

class SafetensorsHostileTest : public testing::TestWithParam<HostileCase> {};

TEST_P(SafetensorsHostileTest, IsRejectedWithReason) {
  const HostileCase &c = GetParam();
  auto file = SafetensorsFile::fromBuffer(c.bytes, "bad.safetensors");
  ASSERT_FALSE(file) << "accepted: " << c.name;
  EXPECT_EQ(file.message().rfind("bad.safetensors: ", 0), 0u) << file.message();
  EXPECT_NE(file.message().find(c.reason), std::string::npos) << "message: " << file.message();
}

INSTANTIATE_TEST_SUITE_P(Safetensors, SafetensorsHostileTest, testing::ValuesIn(hostileCases()),
                         [](const auto &info) { return std::string(info.param.name); });

} // namespace
} // namespace attn
