// The verifier accepts well-formed graphs and names what is wrong otherwise.
#include "ir/Builder.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

#include <gtest/gtest.h>

using namespace attn;
using namespace attn::ir;

namespace {
struct Fixture {
  Module module;
  Graph *g;
  Value *x;
  Fixture() {
    module.name = "M";
    g = module.addFunction("forward");
    x = g->addArgument("x", Type{DType::F32, {Dim::symbol("B"), 4}});
  }
};
} // namespace

TEST(Verifier, AcceptsBuiltGraph) {
  Fixture f;
  Value *w = f.module.addWeight("fc.weight", Type{DType::F32, {3, 4}});
  auto y = Builder(*f.g).createValue(OpKind::Linear, {f.x, w});
  ASSERT_TRUE(y.isOk()) << y.message();
  f.g->addResult("y", (*y)->type, *y);
  Status s = verifyModule(f.module);
  EXPECT_TRUE(s.isOk()) << s.message();
  std::string text = moduleToString(f.module);
  EXPECT_NE(text.find("weight @fc.weight : f32[3, 4]"), std::string::npos) << text;
  EXPECT_NE(text.find("%0 = linear(%x, @fc.weight) : f32[B, 3]"), std::string::npos) << text;
}

TEST(Verifier, RejectsWrongResultType) {
  Fixture f;
  Node *n = f.g->appendNode(OpKind::Tanh, {f.x}, {Type{DType::F32, {7}}}, {}, {3, 5});
  f.g->addResult("y", n->result()->type, n->result());
  Status s = verifyModule(f.module);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("tanh at line 3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("infers f32[B, 4]"), std::string::npos) << s.message();
}

TEST(Verifier, RejectsUseBeforeDefinition) {
  Fixture f;
  Node *a = f.g->appendNode(OpKind::Tanh, {f.x}, {f.x->type}, {}, {});
  Node *b = f.g->appendNode(OpKind::Exp, {a->result()}, {f.x->type}, {}, {});
  f.g->setOperand(a, 0, b->result()); // a cycle: a uses b, defined after it
  f.g->addResult("y", b->result()->type, b->result());
  Status s = verifyModule(f.module);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("before it is defined"), std::string::npos) << s.message();
}

TEST(Verifier, RejectsUnboundAndMistypedResults) {
  Fixture f;
  f.g->addResult("y", f.x->type, nullptr);
  EXPECT_FALSE(verifyModule(f.module).isOk());
  f.g->addResult("z", Type{DType::I64, f.x->type.shape}, f.x);
  f.g->setResult(0, f.x);
  Status s = verifyModule(f.module);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("declared i64[B, 4]"), std::string::npos) << s.message();
}

TEST(Verifier, RejectsWrongOperandCount) {
  Fixture f;
  Node *n = f.g->appendNode(OpKind::Add, {f.x}, {f.x->type}, {}, {});
  f.g->addResult("y", f.x->type, n->result());
  Status s = verifyModule(f.module);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("operands"), std::string::npos) << s.message();
}
