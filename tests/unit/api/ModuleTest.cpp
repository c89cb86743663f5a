// The public C++ API (include/attn/attn.hpp): compiling from a file, a
// string or the caller's buffers, listing functions, running on the caller's
// buffers, and every failure as an error value with its code and message.
#include "attn/attn.hpp"

#include "ir/InitialWeights.h"
#include "runtime/Safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

namespace attn::api {
namespace {

constexpr const char *kScale = R"(model Scale
let width = 3
dim B
fn f(x: f32[B, width]) -> (y: f32[B, width], total: f32[B]) {
  y = tanh(x) * 2.0
  total = sum(y, axis=1)
  return y, total
}
)";

constexpr const char *kLinear = R"(model Lin
dim B
layer fc = Linear(2, 3)
fn f(x: f32[B, 2]) -> (y: f32[B, 3]) {
  return fc(x)
}
)";

constexpr const char *kEmbed = R"(model Emb
dim B, T
layer emb = Embedding(4, 2)
fn f(tokens: i64[B, T]) -> (e: f32[B, T, 2]) {
  return emb(tokens)
}
)";

std::vector<Backend> backends() { return {Backend::Interp, Backend::LLVM, Backend::DNNL}; }

const char *nameOf(Backend backend) {
  return backend == Backend::Interp ? "interp" : backend == Backend::LLVM ? "llvm" : "dnnl";
}

CompileOptions optionsFor(Backend backend) {
  CompileOptions o;
  o.backend = backend;
  o.threads = 1;
  o.cacheDir = "off";
  return o;
}

TEST(ApiModule, CompilesAStringListsItsFunctionAndRuns) {
  for (Backend backend : backends()) {
    auto module = Module::compile(ModelSource::text(kScale, "scale.attn"), Weights::none(), optionsFor(backend));
    ASSERT_TRUE(module) << module.status().message();
    EXPECT_EQ(module->backend(), nameOf(backend));
    ASSERT_EQ(module->functions().size(), 1u);
    const FunctionInfo *f = module->function();
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->signature(), "f(x: f32[B, 3]) -> (y: f32[B, 3], total: f32[B])");
    EXPECT_EQ(module->function("f"), f);
    EXPECT_EQ(module->function("g"), nullptr);

    float x[6] = {0.5f, -1, 2, 0, 0.25f, -3};
    auto results = module->run("f", {TensorRef::of("x", {2, 3}, x)});
    ASSERT_TRUE(results) << results.status().message();
    ASSERT_EQ(results->size(), 2u);
    const Tensor &y = (*results)[0], &total = (*results)[1];
    EXPECT_EQ(y.name(), "y");
    EXPECT_EQ(y.shape(), (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(total.shape(), (std::vector<int64_t>{2}));
    for (int row = 0; row < 2; ++row) {
      double sum = 0;
      for (int i = 0; i < 3; ++i) {
        double ref = 2 * std::tanh(double(x[row * 3 + i]));
        EXPECT_NEAR(y.as<float>()[row * 3 + i], ref, 1e-5 + 1e-4 * std::fabs(ref));
        sum += ref;
      }
      EXPECT_NEAR(total.as<float>()[row], sum, 1e-5 + 1e-4 * std::fabs(sum));
    }
  }
}

TEST(ApiModule, RunIntoWritesTheCallersBuffersAndSetsTheirShapes) {
  auto module = Module::compile(ModelSource::text(kScale), Weights::none(), optionsFor(Backend::LLVM));
  ASSERT_TRUE(module) << module.status().message();
  float x[3] = {1, 2, 3};
  std::vector<TensorRef> in = {TensorRef::of("", {1, 3}, x)}; // by position
  auto shapes = module->resultShapes("", in);
  ASSERT_TRUE(shapes) << shapes.status().message();
  EXPECT_EQ(*shapes, (std::vector<std::vector<int64_t>>{{1, 3}, {1}}));
  // A buffer larger than needed (given by capacity), results by name in any order.
  float y[16] = {}, total[1] = {};
  std::vector<TensorRef> out = {TensorRef::of("total", {1}, total), TensorRef::of("y", {}, y)};
  out[1].capacity = sizeof y;
  Status s = module->runInto("f", in, out);
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(out[1].shape, (std::vector<int64_t>{1, 3}));
  EXPECT_NEAR(y[2], 2 * std::tanh(3.0), 1e-5);
  EXPECT_NEAR(total[0], y[0] + y[1] + y[2], 1e-5);
  EXPECT_EQ(y[3], 0.0f); // past the result: untouched

  float small[2];
  std::vector<TensorRef> tooSmall = {TensorRef::of("y", {2}, small), TensorRef::of("total", {1}, total)};
  s = module->runInto("f", in, tooSmall);
  EXPECT_EQ(s.code(), ErrorCode::Input);
  EXPECT_EQ(s.message(), "output buffer for 'y' is f32[1, 3], 12 bytes, but its buffer holds 8");
  int64_t wrongType[3];
  std::vector<TensorRef> mistyped = {TensorRef::of("y", {1, 3}, wrongType), TensorRef::of("total", {1}, total)};
  s = module->runInto("f", in, mistyped);
  EXPECT_EQ(s.code(), ErrorCode::Input);
  EXPECT_EQ(s.message(), "result 'y' is f32, its buffer i64");
  std::vector<TensorRef> missing = {TensorRef::of("y", {1, 3}, y)};
  s = module->runInto("f", in, missing);
  EXPECT_EQ(s.message(), "result 'total' has no output buffer");
  std::vector<TensorRef> unknown = {TensorRef::of("z", {1, 3}, y)};
  s = module->runInto("f", in, unknown);
  EXPECT_EQ(s.message(), "output buffer 'z' names no result of function 'f' (its results: y, total)");
}

TEST(ApiModule, InputErrorsAreValuesNamingTheArgument) {
  auto module = Module::compile(ModelSource::text(kScale), Weights::none(), optionsFor(Backend::LLVM));
  ASSERT_TRUE(module) << module.status().message();
  float x[6] = {};
  auto r = module->run("g", {TensorRef::of("x", {2, 3}, x)});
  EXPECT_EQ(r.status().code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(r.status().message(), "the model has no function 'g' (it has: f)");
  r = module->run("f", {TensorRef::of("x", {2, 4}, x)});
  EXPECT_EQ(r.status().code(), ErrorCode::Input);
  EXPECT_NE(r.status().message().find("input 'x' has shape [2, 4], expected [B, 3]"), std::string::npos)
      << r.status().message();
  r = module->run("f", {});
  EXPECT_EQ(r.status().message(), "missing input 'x' (expected f32[B, 3])");
  r = module->run("f", {TensorRef::of("xs", {2, 3}, x)});
  EXPECT_EQ(r.status().message(), "function 'f' has no argument 'xs' (its arguments: x)");
  TensorRef null{"x", DType::F32, {2, 3}, nullptr, 0};
  r = module->run("f", {null});
  EXPECT_EQ(r.status().code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(r.status().message(), "input 'x' has no data (a null pointer)");
  TensorRef shortBuffer = TensorRef::of("x", {2, 3}, x);
  shortBuffer.capacity = 8;
  r = module->run("f", {shortBuffer});
  EXPECT_EQ(r.status().message(), "input 'x' is f32[2, 3], 24 bytes, but its buffer holds 8");
  TensorRef negative = TensorRef::of("x", {-1, 3}, x);
  r = module->run("f", {negative});
  EXPECT_EQ(r.status().message(), "input 'x' has a negative dim");
  TensorRef huge = TensorRef::of("x", {int64_t(1) << 40, int64_t(1) << 40}, x);
  r = module->run("f", {huge});
  EXPECT_EQ(r.status().message(), "input 'x' has more bytes than memory can address");
  r = module->run("f", {TensorRef::of("", {2, 3}, x), TensorRef::of("", {2, 3}, x)});
  EXPECT_EQ(r.status().message(), "input 1 has no name and function 'f' has 1 arguments");
}

TEST(ApiModule, ModelErrorsCarryTheDiagnosticWithLineAndCaret) {
  auto module = Module::compile(ModelSource::text("model M\nfn f(x: f32[3]) -> (y: f32[3]) {\n  return tanhh(x)\n}\n",
                                                  "bad.attn"),
                                Weights::none());
  ASSERT_FALSE(module);
  EXPECT_EQ(module.status().code(), ErrorCode::Model);
  std::string m = module.status().message();
  EXPECT_EQ(m.rfind("bad.attn:3:10: error: ", 0), 0u) << m;
  EXPECT_NE(m.find("\n  return tanhh(x)\n         ^"), std::string::npos) << m;
  auto missingFile = Module::compile(ModelSource::file("/nonexistent/m.attn"), Weights::none());
  EXPECT_EQ(missingFile.status().code(), ErrorCode::Model);
  EXPECT_EQ(missingFile.status().message().rfind("cannot read model '/nonexistent/m.attn': ", 0), 0u);
  CompileOptions badCpu;
  badCpu.cpu = "no-such-cpu";
  auto compiled = Module::compile(ModelSource::text(kScale), Weights::none(), badCpu);
  EXPECT_EQ(compiled.status().code(), ErrorCode::Compile);
  EXPECT_NE(compiled.status().message().find("no-such-cpu"), std::string::npos) << compiled.status().message();
}

TEST(ApiModule, DefinesOverrideLets) {
  CompileOptions o = optionsFor(Backend::Interp);
  o.defines = {{"width", "5"}};
  auto module = Module::compile(ModelSource::text(kScale), Weights::none(), o);
  ASSERT_TRUE(module) << module.status().message();
  EXPECT_EQ(module->function()->arguments[0].dims, (std::vector<std::string>{"B", "5"}));
  o.defines = {{"widht", "5"}};
  auto typo = Module::compile(ModelSource::text(kScale), Weights::none(), o);
  EXPECT_EQ(typo.status().code(), ErrorCode::Model);
  EXPECT_NE(typo.status().message().find("widht"), std::string::npos) << typo.status().message();
}

TEST(ApiModule, WeightsFromTheCallersBuffers) {
  float w[6] = {1, 2, 3, 4, 5, 6}, b[3] = {0.5f, -0.5f, 1};
  for (Backend backend : backends()) {
    auto module = Module::compile(ModelSource::text(kLinear),
                                  Weights::buffers({TensorRef::of("fc.weight", {3, 2}, w), TensorRef::of("fc.bias", {3}, b)}),
                                  optionsFor(backend));
    ASSERT_TRUE(module) << module.status().message();
    float x[2] = {1, -1};
    auto y = module->run("", {TensorRef::of("x", {1, 2}, x)});
    ASSERT_TRUE(y) << y.status().message();
    const float *v = (*y)[0].as<float>();
    EXPECT_FLOAT_EQ(v[0], 1 - 2 + 0.5f);
    EXPECT_FLOAT_EQ(v[1], 3 - 4 - 0.5f);
    EXPECT_FLOAT_EQ(v[2], 5 - 6 + 1);
  }
  auto missing = Module::compile(ModelSource::text(kLinear), Weights::buffers({TensorRef::of("fc.weight", {3, 2}, w)}));
  EXPECT_EQ(missing.status().code(), ErrorCode::Weights);
  EXPECT_EQ(missing.status().message(), "Error(s) in loading weights from the weight buffers:\n  missing: fc.bias (f32[3])");
  auto misshapen = Module::compile(ModelSource::text(kLinear), Weights::buffers({TensorRef::of("fc.weight", {2, 3}, w),
                                                                                 TensorRef::of("fc.bias", {3}, b)}));
  EXPECT_EQ(misshapen.status().message(), "Error(s) in loading weights from the weight buffers:\n  wrong shape: "
                                          "fc.weight: expected f32[3, 2], found f32[2, 3]");
  auto twice = Module::compile(ModelSource::text(kLinear), Weights::buffers({TensorRef::of("fc.bias", {3}, b),
                                                                             TensorRef::of("fc.bias", {3}, b)}));
  EXPECT_EQ(twice.status().message(), "the weight buffers: the weight 'fc.bias' is given twice");
  auto none = Module::compile(ModelSource::text(kLinear), Weights::none());
  EXPECT_EQ(none.status().code(), ErrorCode::Weights);
  TensorRef nullWeight{"fc.bias", DType::F32, {3}, nullptr, 0};
  auto null = Module::compile(ModelSource::text(kLinear), Weights::buffers({TensorRef::of("fc.weight", {3, 2}, w), nullWeight}));
  EXPECT_EQ(null.status().message(), "weight 'fc.bias' has no data (a null pointer)");
  float extra[1] = {0};
  CompileOptions lenient;
  lenient.allowUnexpectedWeights = true;
  auto ignored = Module::compile(ModelSource::text(kLinear),
                                 Weights::buffers({TensorRef::of("fc.weight", {3, 2}, w), TensorRef::of("fc.bias", {3}, b),
                                                   TensorRef::of("num_batches_tracked", {1}, extra)}),
                                 lenient);
  ASSERT_TRUE(ignored) << ignored.status().message();
  EXPECT_EQ(ignored->ignoredWeights(), std::vector<std::string>{"num_batches_tracked"});
}

TEST(ApiModule, WeightsFileAndARunTimeErrorWithItsLocation) {
  std::string dir = ::testing::TempDir();
  std::string modelPath = dir + "/api_emb.attn", weightsPath = dir + "/api_emb.safetensors";
  {
    FILE *f = std::fopen(modelPath.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(kEmbed, f);
    std::fclose(f);
  }
  float table[8] = {0, 1, 10, 11, 20, 21, 30, 31};
  ASSERT_TRUE(writeSafetensors(weightsPath, {{"emb.weight", attn::TensorView{attn::DType::F32, {4, 2}, table}}}));
  for (Backend backend : backends()) {
    auto module = Module::compile(ModelSource::file(modelPath), Weights::file(weightsPath), optionsFor(backend));
    ASSERT_TRUE(module) << module.status().message();
    int64_t ids[3] = {2, 0, 3};
    auto e = module->run("f", {TensorRef::of("tokens", {1, 3}, ids)});
    ASSERT_TRUE(e) << e.status().message();
    EXPECT_EQ((*e)[0].shape(), (std::vector<int64_t>{1, 3, 2}));
    EXPECT_EQ((*e)[0].as<float>()[0], 20);
    EXPECT_EQ((*e)[0].as<float>()[5], 31);
    int64_t bad[2] = {1, 9};
    auto r = module->run("f", {TensorRef::of("tokens", {1, 2}, bad)});
    EXPECT_EQ(r.status().code(), ErrorCode::Run);
    EXPECT_NE(r.status().message().find(modelPath + ":5:"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("token id 9 at position [0, 1] is out of range [0, 4)"), std::string::npos)
        << r.status().message();
  }
  auto absent = Module::compile(ModelSource::file(modelPath), Weights::file(dir + "/absent.safetensors"));
  EXPECT_EQ(absent.status().code(), ErrorCode::Weights);
  std::filesystem::remove(modelPath);
  std::filesystem::remove(weightsPath);
}

TEST(ApiModule, CopiesShareTheCompiledModule) {
  Module copy = [] {
    auto module = Module::compile(ModelSource::text(kScale), Weights::none(), optionsFor(Backend::LLVM));
    EXPECT_TRUE(module);
    return *module;
  }();
  float x[3] = {0, 0, 0};
  auto r = copy.run("f", {TensorRef::of("x", {1, 3}, x)});
  ASSERT_TRUE(r) << r.status().message();
  // A result outlives the module it came from.
  Tensor y = (*r)[0];
  r = Result<std::vector<Tensor>>(Status::error(ErrorCode::Run, "dropped"));
  EXPECT_EQ(y.as<float>()[0], 0.0f);
  EXPECT_EQ(version(), "0.1.0");
  EXPECT_EQ(dtypeName(DType::Bool), "bool");
  EXPECT_EQ(dtypeSize(DType::I64), 8u);
}

} // namespace
} // namespace attn::api
