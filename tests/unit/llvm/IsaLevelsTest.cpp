// The ISA levels the JIT suites run at: which ones this host can execute
// (checked against the compiler's own CPU detection), printed so that the
// test log names the CPU and the levels exercised, and code for a CPU the
// host cannot execute refused with an error instead of run.
#include "LLVMTestSupport.h"

#include <cstdio>

namespace attn::llvmcg::testing {
namespace {

#if defined(__x86_64__)
bool hasLevel(const std::string &level) {
  std::vector<std::string> levels = hostIsaLevels();
  return std::find(levels.begin(), levels.end(), level) != levels.end();
}

TEST(IsaLevels, NamesTheHostAndTheLevelsItCanExecute) {
  __builtin_cpu_init();
  std::string targets;
  for (const TargetCase &target : testTargets())
    targets += "\n  " + target.name + ": " + describeTarget(target.options);
  std::printf("[ isa ] the JIT suites compile for%s\n", targets.c_str());
  EXPECT_TRUE(hasLevel("x86-64"));
  EXPECT_EQ(hasLevel("x86-64-v3"), __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                                       __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("f16c"));
  EXPECT_EQ(hasLevel("x86-64-v4"), __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                                       __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                                       __builtin_cpu_supports("avx512cd"));
  if (std::string(ATTN_TEST_TARGETS).empty()) { // else the build keeps fewer (TestTargets.h)
    EXPECT_EQ(testTargets().size(), 1 + hostIsaLevels().size() - (hasLevel("x86-64-v2") ? 1 : 0));
  }
}

/// Each of these is missing on one kind of project machine: sse4a on Intel,
/// avx512fp16 on AMD, avx512f on Zen 3.
TEST(IsaLevels, CodeForFeaturesTheHostLacksIsRefused) {
  __builtin_cpu_init();
  const std::pair<const char *, bool> features[] = {{"sse4a", __builtin_cpu_supports("sse4a")},
                                                    {"avx512fp16", __builtin_cpu_supports("avx512fp16")},
                                                    {"avx512f", __builtin_cpu_supports("avx512f")}};
  int refused = 0;
  for (const auto &[feature, supported] : features) {
    LLVMOptions options{"x86-64", std::string("+") + feature, 1};
    EXPECT_EQ(missingHostFeatures(options).empty(), supported) << feature;
    ModelBuilder m;
    m.result("y", m.value(OpKind::Exp, {m.argument("x", DType::F32, {Dim(4)})}));
    auto exe = compileLLVM(m.sharedModule(), m.weightMap(), options);
    if (supported) {
      EXPECT_TRUE(exe.isOk()) << exe.message();
      continue;
    }
    ++refused;
    ASSERT_FALSE(exe.isOk()) << feature;
    EXPECT_EQ(exe.message(), std::string("cannot run code for CPU 'x86-64' on this host: it lacks ") + feature);
  }
  EXPECT_GE(refused, 1);
}
#endif

TEST(IsaLevels, TheHostItselfLacksNothing) { EXPECT_TRUE(missingHostFeatures({}).empty()); }

} // namespace
} // namespace attn::llvmcg::testing
