// attn_module_run's output buffers, on every backend: outputs that the run
// allocates (data NULL) are allocated only after every check of the call
// and count toward the memory limit; outputs overlapping an input or each
// other are refused; an output with data but no size says so.
#include "attn/attn.h"

#include <gtest/gtest.h>

#include <string>

namespace {

constexpr const char *kMatmul = "model MM\n"
                                "dim N, K, M\n"
                                "fn f(a: f32[N, K], b: f32[K, M]) -> (c: f32[N, M]) {\n"
                                "  return a @ b\n"
                                "}\n";

constexpr const char *kReduce = "model R\n"
                                "dim N, T\n"
                                "fn f(x: f32[N, T]) -> (m: f32[N], y: f32[N, T]) {\n"
                                "  return max(x, axis=1), x * 2.0\n"
                                "}\n";

struct CModule {
  attn_module *module = nullptr;
  ~CModule() { attn_module_destroy(module); }
};

CModule compiled(const char *source, attn_backend backend, uint64_t maxMemory) {
  attn_options *o = nullptr;
  EXPECT_EQ(attn_options_create(&o), ATTN_OK);
  EXPECT_EQ(attn_options_set_threads(o, 1), ATTN_OK);
  EXPECT_EQ(attn_options_set_cache_dir(o, "off"), ATTN_OK);
  EXPECT_EQ(attn_options_set_backend(o, backend), ATTN_OK);
  EXPECT_EQ(attn_options_set_max_memory(o, maxMemory), ATTN_OK);
  CModule m;
  EXPECT_EQ(attn_module_compile_string(source, "m.attn", nullptr, o, &m.module), ATTN_OK) << attn_last_error();
  attn_options_destroy(o);
  return m;
}

attn_tensor tensor(const char *name, int64_t d0, int64_t d1, void *data, size_t bytes) {
  attn_tensor t{};
  t.name = name;
  t.dtype = ATTN_F32;
  t.rank = 2;
  t.shape[0] = d0;
  t.shape[1] = d1;
  t.data = data;
  t.size_bytes = bytes;
  return t;
}

attn_tensor output(const char *name, void *data, size_t bytes) {
  attn_tensor t{};
  t.name = name;
  t.dtype = ATTN_F32;
  t.data = data;
  t.size_bytes = bytes;
  return t;
}

const attn_backend kBackends[] = {ATTN_BACKEND_INTERP, ATTN_BACKEND_LLVM, ATTN_BACKEND_DNNL};

TEST(CApiRun, AllocatedOutputsCountTowardTheMemoryLimit) {
  float a = 0, b = 0;
  for (attn_backend backend : kBackends) {
    CModule m = compiled(kMatmul, backend, 64u << 20);
    SCOPED_TRACE(attn_module_backend(m.module));
    // Zero-byte inputs bind N = 32768, M = 16384: c is 2 GiB.
    attn_tensor in[2] = {tensor("a", 32768, 0, &a, 0), tensor("b", 0, 16384, &b, 0)};
    attn_tensor out = output("c", nullptr, 0);
    EXPECT_EQ(attn_module_run(m.module, "f", in, 2, &out, 1), ATTN_ERROR_RUN);
    EXPECT_NE(std::string(attn_last_error()).find("would take the run's memory to 2.0 GiB, over its limit of 64 MiB"),
              std::string::npos)
        << attn_last_error();
    EXPECT_EQ(out.data, nullptr);
    // One that fits: 1 MiB.
    in[0].shape[0] = 512;
    in[1].shape[1] = 512;
    ASSERT_EQ(attn_module_run(m.module, "f", in, 2, &out, 1), ATTN_OK) << attn_last_error();
    ASSERT_NE(out.data, nullptr);
    EXPECT_EQ(out.shape[1], 512);
    EXPECT_EQ(static_cast<float *>(out.data)[512 * 512 - 1], 0.0f);
    attn_free(out.data);
  }
}

TEST(CApiRun, TheRunsChecksComeBeforeAnyAllocation) {
  float x = 0;
  for (attn_backend backend : kBackends) {
    CModule m = compiled(kReduce, backend, 0); // no limit but the machine's memory
    SCOPED_TRACE(attn_module_backend(m.module));
    // T = 0 and N = 2^40: max has nothing to reduce; m would be 4 TiB.
    attn_tensor in = tensor("x", int64_t(1) << 40, 0, &x, 0);
    attn_tensor out[2] = {output("m", nullptr, 0), output("y", nullptr, 0)};
    attn_status s = attn_module_run(m.module, "f", &in, 1, out, 2);
    EXPECT_EQ(s, ATTN_ERROR_RUN) << attn_last_error(); // not ATTN_ERROR_OUT_OF_MEMORY
    EXPECT_EQ(out[0].data, nullptr);
    EXPECT_EQ(out[1].data, nullptr);
  }
  CModule m = compiled(kReduce, ATTN_BACKEND_LLVM, 0);
  attn_tensor in = tensor("x", int64_t(1) << 40, 0, &x, 0);
  attn_tensor out[2] = {output("m", nullptr, 0), output("y", nullptr, 0)};
  EXPECT_EQ(attn_module_run(m.module, "f", &in, 1, out, 2), ATTN_ERROR_RUN);
  EXPECT_NE(std::string(attn_last_error()).find("max: cannot reduce over axis 1, which has size 0"), std::string::npos)
      << attn_last_error();
}

TEST(CApiRun, OverlappingOutputsAreRefused) {
  for (attn_backend backend : kBackends) {
    CModule m = compiled(kReduce, backend, 0);
    SCOPED_TRACE(attn_module_backend(m.module));
    float x[6] = {1, 2, 3, 4, 5, 6}, y[6], mx[2];
    attn_tensor in = tensor("x", 2, 3, x, sizeof x);
    attn_tensor out[2] = {output("m", mx, sizeof mx), output("y", x, sizeof x)};
    EXPECT_EQ(attn_module_run(m.module, "f", &in, 1, out, 2), ATTN_ERROR_INPUT);
    EXPECT_STREQ(attn_last_error(), "output buffer for 'y' overlaps input 'x'");
    EXPECT_EQ(x[0], 1.0f); // nothing written
    out[1] = output("y", y, sizeof y);
    out[0] = output("m", y + 5, sizeof mx);
    EXPECT_EQ(attn_module_run(m.module, "f", &in, 1, out, 2), ATTN_ERROR_INPUT);
    EXPECT_STREQ(attn_last_error(), "output buffers for 'm' and 'y' overlap");
    out[0] = output("m", mx, sizeof mx);
    ASSERT_EQ(attn_module_run(m.module, "f", &in, 1, out, 2), ATTN_OK) << attn_last_error();
    EXPECT_EQ(mx[1], 6.0f);
    EXPECT_EQ(y[5], 12.0f);
  }
}

TEST(CApiRun, AnOutputWithDataButNoSizeSaysSo) {
  CModule m = compiled(kReduce, ATTN_BACKEND_LLVM, 0);
  float x[6] = {}, y[6], mx[2];
  attn_tensor in = tensor("x", 2, 3, x, sizeof x);
  attn_tensor out[2] = {output("m", mx, 0), output("y", y, sizeof y)};
  EXPECT_EQ(attn_module_run(m.module, "f", &in, 1, out, 2), ATTN_ERROR_INPUT);
  EXPECT_STREQ(attn_last_error(),
               "output 'm' has data but size_bytes 0: give its buffer's bytes, or data NULL to have the run allocate it");
}

} // namespace
