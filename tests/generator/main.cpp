// attn-generate: random programs on every backend, on demand (docs/testing.md).
//   attn-generate [--count N] [--seed S] [--out DIR] [--print]
// Checks N programs (default 1000) from seeds S, S+1, ...; each failure is
// shrunk to a small reproducer, printed, and written to DIR (default
// tests/generator/regressions) as NAME.attn with its dims and input seed,
// where GeneratedPrograms.Regressions runs it from then on.
#include "ProgramGenerator.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

using namespace attn::generator;

int main(int argc, char **argv) {
  uint64_t count = 1000, seed = 1;
  std::string out = std::string(ATTN_SOURCE_DIR) + "/tests/generator/regressions";
  bool print = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--count" && i + 1 < argc) count = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--out" && i + 1 < argc) out = argv[++i];
    else if (a == "--print") print = true;
    else {
      std::fprintf(stderr, "usage: attn-generate [--count N] [--seed S] [--out DIR] [--print]\n");
      return 2;
    }
  }
  unsigned failures = 0;
  for (uint64_t s = seed; s < seed + count; ++s) {
    Choices choices(s);
    Program program = generate(choices);
    if (print) std::printf("# seed %llu\n%s\n", (unsigned long long)s, program.text.c_str());
    auto failure = checkProgram(program);
    if (!failure) continue;
    ++failures;
    Choices small(shrink(choices.values()));
    Program reduced = generate(small);
    std::string path = out + "/seed" + std::to_string(s) + ".attn";
    std::ofstream file(path);
    file << "# generated (seed " << s << "), shrunk: " << *checkProgram(reduced) << "\n"
         << "# dims: B=" << reduced.dims.at("B") << " T=" << reduced.dims.at("T")
         << " input-seed=" << reduced.inputSeed << "\n"
         << reduced.text;
    std::printf("FAIL seed %llu: %s\n  reproducer: %s\n%s\n", (unsigned long long)s, failure->c_str(), path.c_str(),
                reduced.text.c_str());
  }
  std::printf("attn-generate: %llu programs, %u failed\n", (unsigned long long)count, failures);
  return failures ? 1 : 0;
}
