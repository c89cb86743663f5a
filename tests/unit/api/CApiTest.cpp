// The C API (include/attn/attn.h): handles, status codes, the thread's last
// error, runtime-allocated outputs, and bad calls (null pointers, wrong
// sizes, unknown names, values outside the enums) as errors, never crashes.
#include "attn/attn.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>

namespace {

constexpr const char *kScale = "model Scale\n"
                               "dim B\n"
                               "fn f(x: f32[B, 3]) -> (y: f32[B, 3], total: f32[B]) {\n"
                               "  y = tanh(x) * 2.0\n"
                               "  return y, sum(y, axis=1)\n"
                               "}\n";

struct CModule {
  attn_module *module = nullptr;
  ~CModule() { attn_module_destroy(module); }
};

attn_options *singleThreaded() {
  attn_options *o = nullptr;
  EXPECT_EQ(attn_options_create(&o), ATTN_OK);
  EXPECT_EQ(attn_options_set_threads(o, 1), ATTN_OK);
  EXPECT_EQ(attn_options_set_cache_dir(o, "off"), ATTN_OK);
  return o;
}

attn_tensor tensor(const char *name, attn_dtype dtype, std::initializer_list<int64_t> shape, void *data,
                   size_t bytes) {
  attn_tensor t{};
  t.name = name;
  t.dtype = dtype;
  t.rank = int32_t(shape.size());
  int i = 0;
  for (int64_t d : shape) t.shape[i++] = d;
  t.data = data;
  t.size_bytes = bytes;
  return t;
}

void compileInspectAndRun(attn_backend backend, const char *name) {
  attn_options *o = singleThreaded();
  ASSERT_EQ(attn_options_set_backend(o, backend), ATTN_OK);
  CModule m;
  ASSERT_EQ(attn_module_compile_string(kScale, "scale.attn", nullptr, o, &m.module), ATTN_OK) << attn_last_error();
  attn_options_destroy(o);
  EXPECT_STREQ(attn_module_backend(m.module), name);
  ASSERT_EQ(attn_module_num_functions(m.module), 1u);
  const attn_function_info *f = attn_module_function(m.module, 0);
  ASSERT_NE(f, nullptr);
  EXPECT_STREQ(f->name, "f");
  EXPECT_STREQ(f->signature, "f(x: f32[B, 3]) -> (y: f32[B, 3], total: f32[B])");
  ASSERT_EQ(f->num_arguments, 1u);
  EXPECT_STREQ(f->arguments[0].name, "x");
  EXPECT_EQ(f->arguments[0].rank, 2);
  EXPECT_STREQ(f->arguments[0].dims[0], "B");
  EXPECT_STREQ(f->arguments[0].dims[1], "3");
  ASSERT_EQ(f->num_results, 2u);
  EXPECT_STREQ(f->results[1].name, "total");
  EXPECT_EQ(attn_module_find_function(m.module, "f"), f);
  EXPECT_EQ(attn_module_find_function(m.module, nullptr), f);
  EXPECT_EQ(attn_module_find_function(m.module, "g"), nullptr);
  EXPECT_EQ(attn_module_function(m.module, 1), nullptr);

  float x[6] = {1, 2, 3, -1, -2, -3};
  attn_tensor in = tensor("x", ATTN_F32, {2, 3}, x, sizeof x);
  attn_tensor shapes[2] = {};
  ASSERT_EQ(attn_module_result_shapes(m.module, "f", &in, 1, shapes, 2), ATTN_OK) << attn_last_error();
  EXPECT_EQ(shapes[0].rank, 2);
  EXPECT_EQ(shapes[0].shape[1], 3);
  EXPECT_EQ(shapes[1].rank, 1);

  float y[6];
  attn_tensor out[2] = {tensor("y", ATTN_F32, {}, y, sizeof y), tensor("total", ATTN_F32, {}, nullptr, 0)};
  ASSERT_EQ(attn_module_run(m.module, "f", &in, 1, out, 2), ATTN_OK) << attn_last_error();
  EXPECT_EQ(out[0].rank, 2);
  EXPECT_EQ(out[0].shape[0], 2);
  EXPECT_NEAR(y[4], 2 * std::tanh(-2.0), 1e-5);
  ASSERT_NE(out[1].data, nullptr); // allocated by the runtime
  EXPECT_EQ(out[1].rank, 1);
  EXPECT_EQ(out[1].shape[0], 2);
  EXPECT_NEAR(static_cast<float *>(out[1].data)[1], y[3] + y[4] + y[5], 1e-5);
  attn_free(out[1].data);
}

TEST(CApi, CompileInspectAndRun) { compileInspectAndRun(ATTN_BACKEND_LLVM, "llvm"); }
TEST(CApi, CompileInspectAndRunOnDnnl) { compileInspectAndRun(ATTN_BACKEND_DNNL, "dnnl"); }

TEST(CApi, BadCallsAreErrorsWithMessages) {
  attn_module *m = nullptr;
  EXPECT_EQ(attn_module_compile_string(nullptr, "x", nullptr, nullptr, &m), ATTN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(attn_last_error(), "the model source is null");
  EXPECT_EQ(attn_module_compile_string(kScale, "x", nullptr, nullptr, nullptr), ATTN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(attn_module_compile_file(nullptr, nullptr, nullptr, &m), ATTN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(attn_module_compile_file("/nonexistent.attn", nullptr, nullptr, &m), ATTN_ERROR_MODEL);
  EXPECT_EQ(m, nullptr);
  EXPECT_EQ(attn_module_compile_string("model M\nfn f(x: f32[2]) -> (y: f32[2]) { return x +* x }\n", "bad.attn",
                                       nullptr, nullptr, &m),
            ATTN_ERROR_MODEL);
  EXPECT_EQ(std::string(attn_last_error()).rfind("bad.attn:2:", 0), 0u) << attn_last_error();
  EXPECT_EQ(attn_module_compile_string(kScale, "x", "/nonexistent.safetensors", nullptr, &m), ATTN_ERROR_WEIGHTS);
  EXPECT_EQ(attn_options_set_backend(nullptr, ATTN_BACKEND_LLVM), ATTN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(attn_options_create(nullptr), ATTN_ERROR_INVALID_ARGUMENT);
  attn_options *o = singleThreaded();
  EXPECT_EQ(attn_options_set_backend(o, attn_backend(42)), ATTN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(attn_last_error(), "an unknown backend 42");
  EXPECT_EQ(attn_options_add_define(o, "width", nullptr), ATTN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(attn_options_add_define(o, "nosuchlet", "3"), ATTN_OK);
  EXPECT_EQ(attn_module_compile_string(kScale, "x", nullptr, o, &m), ATTN_ERROR_MODEL);
  attn_options_destroy(o);
  attn_options_destroy(nullptr);
  attn_module_destroy(nullptr);
  EXPECT_EQ(attn_module_num_functions(nullptr), 0u);
  EXPECT_EQ(attn_module_function(nullptr, 0), nullptr);
  EXPECT_EQ(attn_module_backend(nullptr), nullptr);
  EXPECT_EQ(attn_dtype_name(attn_dtype(9)), nullptr);
  EXPECT_EQ(attn_dtype_size(ATTN_I64), 8u);
  EXPECT_STREQ(attn_version(), "0.1.0");

  o = singleThreaded();
  CModule ok;
  ASSERT_EQ(attn_module_compile_string(kScale, "scale.attn", nullptr, o, &ok.module), ATTN_OK) << attn_last_error();
  attn_options_destroy(o);
  float x[3] = {1, 2, 3}, y[3], total[1];
  attn_tensor in = tensor("x", ATTN_F32, {1, 3}, x, sizeof x);
  attn_tensor out[2] = {tensor("y", ATTN_F32, {}, y, sizeof y), tensor("total", ATTN_F32, {}, total, sizeof total)};
  EXPECT_EQ(attn_module_run(nullptr, "f", &in, 1, out, 2), ATTN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(attn_module_run(ok.module, "f", nullptr, 1, out, 2), ATTN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(attn_module_run(ok.module, "f", &in, 1, nullptr, 2), ATTN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(attn_module_run(ok.module, "nosuch", &in, 1, out, 2), ATTN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(attn_last_error(), "the model has no function 'nosuch' (it has: f)");
  attn_tensor wrongSize = tensor("x", ATTN_F32, {1, 3}, x, 4);
  EXPECT_EQ(attn_module_run(ok.module, "f", &wrongSize, 1, out, 2), ATTN_ERROR_INPUT);
  EXPECT_STREQ(attn_last_error(), "input 'x' is f32[1, 3], 12 bytes, but its buffer holds 4");
  attn_tensor nullData = tensor("x", ATTN_F32, {1, 3}, nullptr, 0);
  EXPECT_EQ(attn_module_run(ok.module, "f", &nullData, 1, out, 2), ATTN_ERROR_INVALID_ARGUMENT);
  attn_tensor unknownName = tensor("z", ATTN_F32, {1, 3}, x, sizeof x);
  EXPECT_EQ(attn_module_run(ok.module, "f", &unknownName, 1, out, 2), ATTN_ERROR_INPUT);
  EXPECT_STREQ(attn_last_error(), "function 'f' has no argument 'z' (its arguments: x)");
  attn_tensor badDType = tensor("x", attn_dtype(7), {1, 3}, x, sizeof x);
  EXPECT_EQ(attn_module_run(ok.module, "f", &badDType, 1, out, 2), ATTN_ERROR_INVALID_ARGUMENT);
  attn_tensor badRank = tensor("x", ATTN_F32, {1, 3}, x, sizeof x);
  badRank.rank = 99;
  EXPECT_EQ(attn_module_run(ok.module, "f", &badRank, 1, out, 2), ATTN_ERROR_INVALID_ARGUMENT);
  attn_tensor smallOut[2] = {tensor("y", ATTN_F32, {}, y, 8), tensor("total", ATTN_F32, {}, total, sizeof total)};
  EXPECT_EQ(attn_module_run(ok.module, "f", &in, 1, smallOut, 2), ATTN_ERROR_INPUT);
  EXPECT_STREQ(attn_last_error(), "output buffer for 'y' is f32[1, 3], 12 bytes, but its buffer holds 8");
  attn_tensor oneOut[1] = {tensor("y", ATTN_F32, {}, nullptr, 0)};
  EXPECT_EQ(attn_module_run(ok.module, "f", &in, 1, oneOut, 1), ATTN_ERROR_INPUT);
  EXPECT_EQ(oneOut[0].data, nullptr); // nothing allocated is left behind
  EXPECT_EQ(attn_module_result_shapes(ok.module, "f", &in, 1, out, 1), ATTN_ERROR_INVALID_ARGUMENT);
  // The last error is per thread.
  std::thread([] { EXPECT_STREQ(attn_last_error(), ""); }).join();
}

TEST(CApi, WeightsFromBuffers) {
  const char *model = "model Lin\ndim B\nlayer fc = Linear(2, 1)\nfn f(x: f32[B, 2]) -> (y: f32[B, 1]) {\n"
                      "  return fc(x)\n}\n";
  float w[2] = {2, 3}, b[1] = {1};
  attn_tensor weights[2] = {tensor("fc.weight", ATTN_F32, {1, 2}, w, sizeof w),
                            tensor("fc.bias", ATTN_F32, {1}, b, sizeof b)};
  attn_options *o = singleThreaded();
  CModule m;
  ASSERT_EQ(attn_module_compile_with_buffers(model, "lin.attn", weights, 2, o, &m.module), ATTN_OK)
      << attn_last_error();
  float x[2] = {10, 100}, y[1];
  attn_tensor in = tensor(nullptr, ATTN_F32, {1, 2}, x, sizeof x); // by position
  attn_tensor out = tensor(nullptr, ATTN_F32, {}, y, sizeof y);
  ASSERT_EQ(attn_module_run(m.module, nullptr, &in, 1, &out, 1), ATTN_OK) << attn_last_error();
  EXPECT_FLOAT_EQ(y[0], 321);
  attn_module *bad = nullptr;
  EXPECT_EQ(attn_module_compile_with_buffers(model, "lin.attn", weights, 1, o, &bad), ATTN_ERROR_WEIGHTS);
  EXPECT_STREQ(attn_last_error(), "Error(s) in loading weights from the weight buffers:\n  missing: fc.bias (f32[1])");
  EXPECT_EQ(attn_module_compile_with_buffers(model, "lin.attn", nullptr, 2, o, &bad), ATTN_ERROR_INVALID_ARGUMENT);
  attn_options_destroy(o);
}

} // namespace
