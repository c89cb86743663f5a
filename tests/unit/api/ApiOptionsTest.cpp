// The API's errors about its options speak the API's names, not attnc's
// flags, and target features without a CPU are refused (as attnc's --mattr
// needs --mcpu) in both the C++ and the C API.
#include "attn/attn.h"
#include "attn/attn.hpp"

#include <gtest/gtest.h>

#include <string>

namespace attn::api {
namespace {

constexpr const char *kLinear = "model Lin\ndim B\nlayer fc = Linear(2, 1)\n"
                                "fn f(x: f32[B, 2]) -> (y: f32[B, 1]) {\n  return fc(x)\n}\n";

TEST(ApiOptions, WeightErrorsNameTheApisOptions) {
  auto none = Module::compile(ModelSource::text(kLinear, "lin.attn"), Weights::none());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.status().code(), ErrorCode::Weights);
  EXPECT_EQ(none.status().message(), "the model declares weights; pass them with Weights::file or Weights::buffers "
                                     "(C: a weights path, or attn_module_compile_with_buffers)");
  float w[2] = {1, 2}, b[1] = {0}, extra[1] = {0};
  auto unexpected = Module::compile(ModelSource::text(kLinear, "lin.attn"),
                                    Weights::buffers({TensorRef::of("fc.weight", {1, 2}, w),
                                                      TensorRef::of("fc.bias", {1}, b),
                                                      TensorRef::of("fc.extra", {1}, extra)}));
  ASSERT_FALSE(unexpected);
  const std::string &message = unexpected.status().message();
  EXPECT_NE(message.find("\n(CompileOptions::allowUnexpectedWeights (C: attn_options_set_allow_unexpected_weights) "
                         "ignores the unexpected tensors"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("--"), std::string::npos) << message;
}

TEST(ApiOptions, FeaturesWithoutACpuAreRefused) {
  CompileOptions options;
  options.features = "+avx2";
  options.cacheDir = "off";
  auto m = Module::compile(ModelSource::text("model M\nfn f(x: f32[2]) -> (y: f32[2]) {\n  return x\n}\n"),
                           Weights::none(), options);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.status().code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(m.status().message(), "the CPU features '+avx2' need a CPU to add them to");

  attn_options *o = nullptr;
  ASSERT_EQ(attn_options_create(&o), ATTN_OK);
  EXPECT_EQ(attn_options_set_target(o, nullptr, "+notafeature"), ATTN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(attn_last_error(), "the CPU features '+notafeature' need a CPU to add them to");
  EXPECT_EQ(attn_options_set_target(o, nullptr, nullptr), ATTN_OK);
  EXPECT_EQ(attn_options_set_target(o, "x86-64", "+avx2"), ATTN_OK);
  attn_options_destroy(o);
}

} // namespace
} // namespace attn::api
