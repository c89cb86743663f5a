// The machine a measurement was taken on, and whether it looks quiet enough
// to measure: the CPU's name and cores, the vector ISA features it has (read
// at run time), the load average and the frequency governor. Benchmarks
// (`attnc bench`, bench/) print and record these next to every figure.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace attn {

struct MachineInfo {
  std::string cpu;                   // "AMD EPYC 7B13", from /proc/cpuinfo
  unsigned cores = 0;                // hardware threads available
  std::vector<std::string> features; // those of avx, avx2, fma, avx512f/bw/dq/vl/cd it has
};

MachineInfo describeMachine();

/// Warnings for a measurement started now: a load average above the core
/// count (another process competes), a CPU frequency governor other than
/// `performance` where one is exposed. Empty when neither applies.
std::vector<std::string> measurementWarnings();

/// The 1-minute load average, where the system reports one.
std::optional<double> loadAverage();

} // namespace attn
