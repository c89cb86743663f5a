// Every op on every compiled backend against the interpreter: one
// parametrised test over (backend target: llvm for each ISA level, dnnl; op
// case), with an explicit skip list per backend (empty: nothing is skipped),
// and a check that the cases together use every op of ops.def.
#include "DifferentialCases.h"

#include <map>
#include <set>

namespace attn::llvmcg::testing {
namespace {

/// Cases a backend may skip, with the reason. Keep it empty.
const std::map<std::string, std::set<std::string>, std::less<>> kSkipped = {{"llvm", {}}, {"dnnl", {}}};

std::vector<OpCase> allCases() {
  std::vector<OpCase> cases = elementwiseCases();
  for (auto more : {linearCases(), sequenceCases()})
    cases.insert(cases.end(), more.begin(), more.end());
  return cases;
}

struct Param {
  TargetCase target;
  OpCase op;
};

std::vector<Param> allParams() {
  std::vector<Param> params;
  for (const TargetCase &target : differentialTargets())
    for (const OpCase &op : allCases()) params.push_back({target, op});
  return params;
}

void PrintTo(const Param &p, std::ostream *os) { *os << p.target.name << "/" << p.op.name; }

class Differential : public ::testing::TestWithParam<Param> {};

TEST_P(Differential, MatchesInterpreter) {
  const Param &p = GetParam();
  std::string_view backend = codegen::backendName(p.target.backend);
  if (kSkipped.find(backend)->second.count(p.op.name)) GTEST_SKIP() << "on the " << backend << " skip list";
  ModelBuilder m;
  p.op.build(m);
  auto interp = m.compile();
  auto compiled = compileFor(m, p.target);
  ASSERT_TRUE(interp && compiled);
  for (size_t i = 0; i < p.op.inputs.size(); ++i) {
    SCOPED_TRACE("input set " + std::to_string(i));
    expectSameResults(*interp, *compiled, p.op.inputs[i]);
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, Differential, ::testing::ValuesIn(allParams()),
                         [](const ::testing::TestParamInfo<Param> &info) {
                           return info.param.target.name + "_" + info.param.op.name;
                         });

TEST(DifferentialCoverage, EveryOpIsTested) {
  std::set<OpKind> used;
  for (const OpCase &c : allCases()) {
    ModelBuilder m;
    c.build(m);
    for (const auto &node : m.graph().nodes()) used.insert(node->op);
  }
  for (OpKind op : ir::allOpKinds()) EXPECT_TRUE(used.count(op)) << "no case uses " << ir::mnemonic(op);
}

TEST(DifferentialCoverage, NothingIsSkipped) {
  for (const auto &[backend, cases] : kSkipped) EXPECT_TRUE(cases.empty()) << backend;
}

} // namespace
} // namespace attn::llvmcg::testing
