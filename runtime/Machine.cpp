// Machine description and measurement warnings (Machine.h).
#include "runtime/Machine.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace attn {

namespace {

std::string firstLineOf(const std::string &path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string cpuModelName() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return "unknown CPU";
}

} // namespace

MachineInfo describeMachine() {
  MachineInfo info;
  info.cpu = cpuModelName();
  info.cores = std::thread::hardware_concurrency();
#if defined(__x86_64__)
  __builtin_cpu_init();
  const std::pair<const char *, bool> features[] = {
      {"avx", __builtin_cpu_supports("avx")},           {"avx2", __builtin_cpu_supports("avx2")},
      {"fma", __builtin_cpu_supports("fma")},           {"avx512f", __builtin_cpu_supports("avx512f")},
      {"avx512bw", __builtin_cpu_supports("avx512bw")}, {"avx512dq", __builtin_cpu_supports("avx512dq")},
      {"avx512vl", __builtin_cpu_supports("avx512vl")}, {"avx512cd", __builtin_cpu_supports("avx512cd")}};
  for (const auto &[name, present] : features)
    if (present) info.features.push_back(name);
#endif
  return info;
}

std::optional<double> loadAverage() {
  double load[1];
  if (getloadavg(load, 1) != 1) return std::nullopt;
  return load[0];
}

std::vector<std::string> measurementWarnings() {
  std::vector<std::string> warnings;
  unsigned cores = std::thread::hardware_concurrency();
  if (std::optional<double> load = loadAverage(); load && *load > double(cores)) {
    std::ostringstream os;
    os.precision(3);
    os << "the machine looks busy (load average " << *load << " on " << cores
       << " cores): timings will be noisy";
    warnings.push_back(os.str());
  }
  std::string governor = firstLineOf("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  if (!governor.empty() && governor != "performance")
    warnings.push_back("the CPU frequency governor is '" + governor +
                       "', not 'performance': timings may include frequency ramps");
  return warnings;
}

} // namespace attn
