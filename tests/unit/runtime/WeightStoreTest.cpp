// WeightStore: binding a safetensors file to a model's declared weights, with
// every problem reported at once.
#include "runtime/WeightStore.h"

#include <gtest/gtest.h>

namespace attn {
namespace {

Tensor filled(DType dtype, Shape shape, float base) {
  Tensor t(dtype, std::move(shape));
  if (dtype == DType::F32)
    for (int64_t i = 0; i < t.numElements(); ++i) t.as<float>()[i] = base + float(i);
  return t;
}

/// A file (in memory, named "w.safetensors") holding `tensors`.
std::shared_ptr<const SafetensorsFile> fileOf(const std::vector<std::pair<std::string, Tensor>> &tensors) {
  NamedTensorViews views;
  for (const auto &[name, t] : tensors) views.emplace_back(name, t.view());
  auto bytes = serializeSafetensors(views);
  EXPECT_TRUE(bytes) << bytes.message();
  auto file = SafetensorsFile::fromBuffer(std::move(*bytes), "w.safetensors");
  EXPECT_TRUE(file) << file.message();
  return std::make_shared<const SafetensorsFile>(std::move(*file));
}

std::vector<std::pair<std::string, Tensor>> sampleTensors() {
  std::vector<std::pair<std::string, Tensor>> out;
  out.emplace_back("fc1.weight", filled(DType::F32, {12, 24}, 1));
  out.emplace_back("fc1.bias", filled(DType::F32, {12}, 100));
  out.emplace_back("steps", filled(DType::I64, {}, 0));
  return out;
}

const std::vector<WeightSpec> kSpecs = {
    {"fc1.bias", DType::F32, {12}},
    {"fc1.weight", DType::F32, {12, 24}},
    {"steps", DType::I64, {}},
};

TEST(WeightStoreTest, BindsMatchingFile) {
  auto file = fileOf(sampleTensors());
  auto store = WeightStore::bind(kSpecs, file);
  ASSERT_TRUE(store) << store.message();
  file.reset(); // the store keeps the file alive
  EXPECT_EQ(store->names(), (std::vector<std::string>{"fc1.bias", "fc1.weight", "steps"}));
  EXPECT_EQ(store->source(), "w.safetensors");
  const TensorView &weight = store->get("fc1.weight");
  EXPECT_EQ(weight.shape, (Shape{12, 24}));
  EXPECT_EQ(weight.as<float>()[5], 6.0f);
  EXPECT_EQ(store->get("fc1.bias").as<float>()[11], 111.0f);
  EXPECT_EQ(store->find("nope"), nullptr);
}

TEST(WeightStoreTest, ReportsEveryProblemAtOnce) {
  std::vector<std::pair<std::string, Tensor>> tensors;
  tensors.emplace_back("fc1.weight", filled(DType::F32, {24, 12}, 0));
  tensors.emplace_back("fc1.bias", filled(DType::I64, {12}, 0));
  tensors.emplace_back("fc2.bias", filled(DType::I32, {5}, 0));
  tensors.emplace_back("ok", filled(DType::F32, {2}, 0));
  tensors.emplace_back("foo", filled(DType::F32, {3}, 0));
  tensors.emplace_back("bar", filled(DType::Bool, {}, 0));
  std::vector<WeightSpec> specs = {
      {"lstm.weight_ih_l0", DType::F32, {48, 128}},
      {"fc1.weight", DType::F32, {12, 24}},
      {"fc1.bias", DType::F32, {12}},
      {"fc2.bias", DType::F32, {4}},
      {"ok", DType::F32, {2}},
      {"lstm.bias", DType::F32, {48}},
  };
  auto store = WeightStore::bind(specs, fileOf(tensors));
  ASSERT_FALSE(store);
  EXPECT_EQ(store.message(), "Error(s) in loading weights from w.safetensors:\n"
                             "  missing: lstm.weight_ih_l0 (f32[48, 128])\n"
                             "  missing: lstm.bias (f32[48])\n"
                             "  unexpected: foo (f32[3])\n"
                             "  unexpected: bar (bool[])\n"
                             "  wrong shape: fc1.weight: expected f32[12, 24], found f32[24, 12]\n"
                             "  wrong dtype: fc1.bias: expected f32[12], found i64[12]\n"
                             "  wrong dtype and shape: fc2.bias: expected f32[4], found i32[5]");
}

TEST(WeightStoreTest, AllowUnexpectedIgnoresExtraTensors) {
  auto tensors = sampleTensors();
  tensors.emplace_back("optimizer.state", filled(DType::F32, {7}, 0));
  auto strict = WeightStore::bind(kSpecs, fileOf(tensors));
  ASSERT_FALSE(strict);
  EXPECT_NE(strict.message().find("unexpected: optimizer.state (f32[7])"), std::string::npos);

  auto lenient = WeightStore::bind(kSpecs, fileOf(tensors), {.allowUnexpected = true});
  ASSERT_TRUE(lenient) << lenient.message();
  EXPECT_EQ(lenient->size(), 3u);
  EXPECT_EQ(lenient->find("optimizer.state"), nullptr);
  EXPECT_EQ(lenient->ignored(), std::vector<std::string>{"optimizer.state"});
  EXPECT_TRUE(WeightStore::bind(kSpecs, fileOf(sampleTensors()), {.allowUnexpected = true})->ignored().empty());
}

TEST(WeightStoreTest, AllowUnexpectedStillReportsMissingAndMismatched) {
  std::vector<std::pair<std::string, Tensor>> tensors;
  tensors.emplace_back("fc1.bias", filled(DType::F32, {13}, 0));
  tensors.emplace_back("extra", filled(DType::F32, {1}, 0));
  auto store = WeightStore::bind(kSpecs, fileOf(tensors), {.allowUnexpected = true});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.message(), "Error(s) in loading weights from w.safetensors:\n"
                             "  missing: fc1.weight (f32[12, 24])\n"
                             "  missing: steps (i64[])\n"
                             "  wrong shape: fc1.bias: expected f32[12], found f32[13]");
}

TEST(WeightStoreTest, NamesWithControlCharactersStayOnOneLine) {
  std::vector<std::pair<std::string, Tensor>> tensors;
  tensors.emplace_back("evil\nname", filled(DType::F32, {1}, 0));
  auto store = WeightStore::bind({}, fileOf(tensors));
  ASSERT_FALSE(store);
  EXPECT_EQ(store.message(),
            "Error(s) in loading weights from w.safetensors:\n  unexpected: evil\\x0aname (f32[1])");
}

TEST(WeightStoreTest, LongNamesAndLongListsAreCut) {
  std::vector<std::pair<std::string, Tensor>> tensors;
  // 199 ASCII bytes, then a 2-byte character straddling byte 200: cut before it.
  tensors.emplace_back(std::string(199, 'a') + "\xc3\xa9" + std::string(1000, 'b'), filled(DType::F32, {1}, 0));
  for (int i = 0; i < 24; ++i) tensors.emplace_back("extra" + std::to_string(i), filled(DType::F32, {1}, 0));
  auto store = WeightStore::bind({}, fileOf(tensors));
  ASSERT_FALSE(store);
  std::string expected = "Error(s) in loading weights from w.safetensors:\n  unexpected: " + std::string(199, 'a') +
                         "... (1201 bytes) (f32[1])";
  for (int i = 0; i < 19; ++i) expected += "\n  unexpected: extra" + std::to_string(i) + " (f32[1])";
  expected += "\n  ... and 5 more unexpected";
  EXPECT_EQ(store.message(), expected);
}

TEST(WeightStoreTest, OpenReportsFileErrors) {
  auto store = WeightStore::open("/nonexistent/dir/w.safetensors", kSpecs);
  ASSERT_FALSE(store);
  EXPECT_NE(store.message().find("/nonexistent/dir/w.safetensors: cannot open"), std::string::npos)
      << store.message();
}

TEST(WeightStoreTest, FromTensorsOwnsItsWeights) {
  auto store = WeightStore::fromTensors(sampleTensors());
  WeightStore moved = std::move(store);
  EXPECT_EQ(moved.source(), "<memory>");
  EXPECT_EQ(moved.names(), (std::vector<std::string>{"fc1.weight", "fc1.bias", "steps"}));
  EXPECT_EQ(moved.get("fc1.bias").as<float>()[3], 103.0f);
  EXPECT_EQ(moved.get("steps").dtype, DType::I64);
  EXPECT_EQ(moved.find("absent"), nullptr);
}

} // namespace
} // namespace attn
