// What one 512-bit vector operation costs next to FMAs, on this machine:
// the instrument behind docs/performance.md's ceilings of the fused
// kernels. Each benchmark times a loop of 16 independent vfmadd231ps chains
// with 8 independent operations of one kind added to every iteration,
// against the same loop without them (run alternately, medians), and
// reports
//   fma_slots = (time with - time without) / time without * 16 / 8,
// the FMA issue slots one such operation takes from the FMAs: about 0 for
// an operation that runs on other ports, 1 for one that takes an FMA port
// for a cycle (vmulps, vfmadd), more for one that holds it longer.
//   vector_pipes/<operation>
// AVX-512 only (x86-64); elsewhere every benchmark is skipped.
#include "BenchSupport.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace attn::bench {
namespace {

#if defined(__x86_64__)

#define ATTN_FMA(r) "vfmadd231ps %%zmm30, %%zmm31, %%zmm" #r "\n"
#define ATTN_FMAS                                                                                            \
  ATTN_FMA(0) ATTN_FMA(1) ATTN_FMA(2) ATTN_FMA(3) ATTN_FMA(4) ATTN_FMA(5) ATTN_FMA(6) ATTN_FMA(7) ATTN_FMA(8) \
      ATTN_FMA(9) ATTN_FMA(10) ATTN_FMA(11) ATTN_FMA(12) ATTN_FMA(13) ATTN_FMA(14) ATTN_FMA(15)
#define ATTN_EIGHT(op)                                                                                       \
  op(16) op(17) op(18) op(19) op(20) op(21) op(22) op(23)
#define ATTN_CLOBBERS                                                                                        \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", \
      "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23",     \
      "xmm28", "xmm29", "xmm30", "xmm31", "k1", "memory"
// Each loop: sources set up once, then `n` iterations of the body.
#define ATTN_LOOP(name, body)                                                                                \
  __attribute__((target("avx512f"), noinline)) void name(long n, const float *p) {                           \
    __asm__ volatile("vbroadcastss (%1), %%zmm28\n vbroadcastss 4(%1), %%zmm29\n"                            \
                     "vbroadcastss 8(%1), %%zmm30\n vbroadcastss 12(%1), %%zmm31\n"                          \
                     "movl $0xf0, %%eax\n kmovw %%eax, %%k1\n"                                               \
                     "1:\n" body "dec %0\n jnz 1b\n"                                                         \
                     : "+r"(n)                                                                               \
                     : "r"(p)                                                                                \
                     : "eax", ATTN_CLOBBERS);                                                                \
  }

#define ATTN_ADD(r) "vaddps %%zmm28, %%zmm" #r ", %%zmm" #r "\n"
#define ATTN_MAX(r) "vmaxps %%zmm28, %%zmm" #r ", %%zmm" #r "\n"
#define ATTN_MUL(r) "vmulps %%zmm28, %%zmm29, %%zmm" #r "\n"
#define ATTN_DIV(r) "vdivps %%zmm28, %%zmm29, %%zmm" #r "\n"
#define ATTN_RCP14(r) "vrcp14ps %%zmm28, %%zmm" #r "\n"
#define ATTN_AND(r) "vpandd %%zmm28, %%zmm" #r ", %%zmm" #r "\n"
#define ATTN_TERNLOG(r) "vpternlogd $0x96, %%zmm28, %%zmm29, %%zmm" #r "\n"
#define ATTN_UNPACK(r) "vunpcklps %%zmm28, %%zmm" #r ", %%zmm" #r "\n"
#define ATTN_SHUFPS(r) "vshufps $0x4e, %%zmm28, %%zmm" #r ", %%zmm" #r "\n"
#define ATTN_PERMT2PS(r) "vpermt2ps %%zmm28, %%zmm29, %%zmm" #r "\n"
#define ATTN_SHUFF32X4(r) "vshuff32x4 $0x44, %%zmm28, %%zmm" #r ", %%zmm" #r "\n"
#define ATTN_LOAD(r) "vmovups 64(%1), %%zmm" #r "\n"
#define ATTN_BROADCAST(r) "vbroadcastss 16(%1), %%zmm" #r "\n"
#define ATTN_MASKED_LOAD(r) "vmovups 64(%1), %%zmm" #r "%{%%k1%}%{z%}\n"

ATTN_LOOP(fmasOnly, ATTN_FMAS)
ATTN_LOOP(withAdd, ATTN_FMAS ATTN_EIGHT(ATTN_ADD))
ATTN_LOOP(withMax, ATTN_FMAS ATTN_EIGHT(ATTN_MAX))
ATTN_LOOP(withMul, ATTN_FMAS ATTN_EIGHT(ATTN_MUL))
ATTN_LOOP(withDiv, ATTN_FMAS ATTN_EIGHT(ATTN_DIV))
ATTN_LOOP(withRcp14, ATTN_FMAS ATTN_EIGHT(ATTN_RCP14))
ATTN_LOOP(withAnd, ATTN_FMAS ATTN_EIGHT(ATTN_AND))
ATTN_LOOP(withTernlog, ATTN_FMAS ATTN_EIGHT(ATTN_TERNLOG))
ATTN_LOOP(withUnpack, ATTN_FMAS ATTN_EIGHT(ATTN_UNPACK))
ATTN_LOOP(withShufps, ATTN_FMAS ATTN_EIGHT(ATTN_SHUFPS))
ATTN_LOOP(withPermt2ps, ATTN_FMAS ATTN_EIGHT(ATTN_PERMT2PS))
ATTN_LOOP(withShuff32x4, ATTN_FMAS ATTN_EIGHT(ATTN_SHUFF32X4))
ATTN_LOOP(withLoad, ATTN_FMAS ATTN_EIGHT(ATTN_LOAD))
ATTN_LOOP(withBroadcast, ATTN_FMAS ATTN_EIGHT(ATTN_BROADCAST))
ATTN_LOOP(withMaskedLoad, ATTN_FMAS ATTN_EIGHT(ATTN_MASKED_LOAD))

using Loop = void (*)(long, const float *);

double secondsOf(Loop loop, long n, const float *data) {
  auto start = std::chrono::steady_clock::now();
  loop(n, data);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void measure(benchmark::State &state, Loop loop, bool smoke) {
  if (!__builtin_cpu_supports("avx512f")) {
    state.SkipWithError("needs AVX-512");
    return;
  }
  alignas(64) static const float data[32] = {1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f,
                                             1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f,
                                             1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f,
                                             1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
  long n = smoke ? 1000 : 2000000;
  std::vector<double> with, without;
  for (auto _ : state) {
    double a = secondsOf(fmasOnly, n, data), b = secondsOf(loop, n, data);
    without.push_back(a);
    with.push_back(b);
    state.SetIterationTime(b);
  }
  double base = median(without), extra = median(with) - base;
  state.counters["fma_slots"] = extra / base * 16.0 / 8.0;
  state.counters["ns_per_16_fma"] = base / double(n) * 1e9;
}

void registerAll(bool smoke) {
  const std::pair<const char *, Loop> loops[] = {
      {"vaddps", withAdd},         {"vmaxps", withMax},           {"vmulps", withMul},
      {"vdivps", withDiv},         {"vrcp14ps", withRcp14},       {"vpandd", withAnd},           {"vpternlogd", withTernlog},
      {"vunpcklps", withUnpack},   {"vshufps", withShufps},       {"vpermt2ps", withPermt2ps},
      {"vshuff32x4", withShuff32x4}, {"load", withLoad},          {"vbroadcastss_load", withBroadcast},
      {"masked_zeroing_load", withMaskedLoad}};
  for (auto [name, loop] : loops) {
    auto *b = benchmark::RegisterBenchmark((std::string("vector_pipes/") + name).c_str(),
                                           [loop, smoke](benchmark::State &s) { measure(s, loop, smoke); });
    b->UseManualTime()->Iterations(smoke ? 1 : 15)->Unit(benchmark::kMicrosecond);
  }
}

#else
void registerAll(bool) {}
#endif

} // namespace
} // namespace attn::bench

int main(int argc, char **argv) { return attn::bench::benchMain(argc, argv, attn::bench::registerAll); }
