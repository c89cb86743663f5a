// The C++ API's checks of a call's buffers, on every backend: output buffers
// that overlap an input or each other are refused, every result counts once
// toward CompileOptions::maxMemory (allocated by the run or in the caller's
// buffer), and dtypes outside the enum are errors, not f32.
#include "attn/attn.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace attn::api {
namespace {

constexpr const char *kScale = R"(model Scale
dim B
fn f(x: f32[B, 3]) -> (y: f32[B, 3], total: f32[B]) {
  y = tanh(x) * 2.0
  return y, sum(y, axis=1)
}
)";

// Zero-byte inputs bind N and M: c is N * M floats of zeros.
constexpr const char *kMatmul = R"(model MM
dim N, K, M
fn f(a: f32[N, K], b: f32[K, M]) -> (c: f32[N, M]) {
  return a @ b
}
)";

std::vector<Backend> backends() { return {Backend::Interp, Backend::LLVM, Backend::DNNL}; }

Module compiled(const char *source, Backend backend, uint64_t maxMemory = 0) {
  CompileOptions o;
  o.backend = backend;
  o.threads = 1;
  o.cacheDir = "off";
  o.maxMemory = maxMemory;
  auto m = Module::compile(ModelSource::text(source, "m.attn"), Weights::none(), o);
  EXPECT_TRUE(m) << m.status().message();
  return std::move(*m);
}

TEST(ApiRunBuffers, OutputsOverlappingAnInputOrEachOtherAreRefused) {
  for (Backend backend : backends()) {
    Module m = compiled(kScale, backend);
    SCOPED_TRACE(std::string(m.backend()));
    float x[8] = {1, 2, 3, -1, -2, -3, 0, 0}, y[6], total[2];
    std::vector<TensorRef> in = {TensorRef::of("x", {2, 3}, x)};

    std::vector<TensorRef> intoInput = {TensorRef::of("y", {2, 3}, x), TensorRef::of("total", {2}, total)};
    Status s = m.runInto("f", in, intoInput);
    EXPECT_EQ(s.code(), ErrorCode::Input);
    EXPECT_EQ(s.message(), "output buffer for 'y' overlaps input 'x'");

    // One float of the input's last: still an overlap.
    std::vector<TensorRef> tail = {TensorRef::of("y", {2, 3}, y), TensorRef::of("total", {2}, x + 5)};
    s = m.runInto("f", in, tail);
    EXPECT_EQ(s.message(), "output buffer for 'total' overlaps input 'x'");

    std::vector<TensorRef> eachOther = {TensorRef::of("y", {2, 3}, y), TensorRef::of("total", {2}, y + 4)};
    s = m.runInto("f", in, eachOther);
    EXPECT_EQ(s.code(), ErrorCode::Input);
    EXPECT_EQ(s.message(), "output buffers for 'y' and 'total' overlap");

    // Adjacent buffers share no byte: accepted.
    std::vector<TensorRef> adjacent = {TensorRef::of("y", {2, 3}, y), TensorRef::of("total", {2}, x + 6)};
    s = m.runInto("f", in, adjacent);
    EXPECT_TRUE(s) << s.message();
    EXPECT_FLOAT_EQ(x[7], y[3] + y[4] + y[5]);
  }
}

TEST(ApiRunBuffers, EveryResultCountsOnceTowardTheMemoryLimitOnEveryBackend) {
  float a = 0, b = 0;
  // c is f32[1024, 1024]: 4 MiB.
  std::vector<TensorRef> in = {TensorRef::of("a", {1024, 0}, &a), TensorRef::of("b", {0, 1024}, &b)};
  for (Backend backend : backends()) {
    Module fits = compiled(kMatmul, backend, 6u << 20);
    SCOPED_TRACE(std::string(fits.backend()));
    auto results = fits.run("f", in);
    ASSERT_TRUE(results) << results.status().message();
    EXPECT_EQ((*results)[0].shape(), (std::vector<int64_t>{1024, 1024}));
    EXPECT_EQ((*results)[0].as<float>()[1024 * 1024 - 1], 0.0f);

    // In the caller's buffer it counts as well: the same call fails or
    // passes whoever allocates.
    Module tight = compiled(kMatmul, backend, 2u << 20);
    std::vector<float> c(1024 * 1024);
    std::vector<TensorRef> out = {TensorRef::of("c", {1024, 1024}, c.data())};
    Status s = tight.runInto("f", in, out);
    EXPECT_EQ(s.code(), ErrorCode::Run);
    EXPECT_NE(s.message().find("would take the run's memory to 4.0 MiB, over its limit of 2.0 MiB"),
              std::string::npos)
        << s.message();
    auto refused = tight.run("f", in);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.status().message().find("over its limit of 2.0 MiB"), std::string::npos);
  }
}

TEST(ApiRunBuffers, DTypesOutsideTheEnumAreErrors) {
  Module m = compiled(kScale, Backend::LLVM);
  float x[6] = {}, y[6], total[2];
  std::vector<TensorRef> in = {TensorRef::of("x", {2, 3}, x)};
  in[0].dtype = DType(77);
  auto r = m.run("f", in);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(r.status().message(), "input 'x' has an unknown dtype 77");
  in[0].dtype = DType::F32;
  std::vector<TensorRef> out = {TensorRef::of("y", {2, 3}, y), TensorRef::of("total", {2}, total)};
  out[1].dtype = DType(9);
  Status s = m.runInto("f", in, out);
  EXPECT_EQ(s.code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(s.message(), "output buffer for 'total' has an unknown dtype 9");
  EXPECT_EQ(dtypeName(DType(9)), "invalid");
  EXPECT_EQ(dtypeSize(DType(9)), 0u);
  auto weights = Module::compile(ModelSource::text(kScale), Weights::buffers({{"w", DType(5), {1}, x, 4}}));
  ASSERT_FALSE(weights);
  EXPECT_EQ(weights.status().message(), "weight 'w' has an unknown dtype 5");
}

} // namespace
} // namespace attn::api
