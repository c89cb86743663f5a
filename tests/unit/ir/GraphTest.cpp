// The graph's use lists: every edit (insert, erase, setOperand, setResult,
// replaceAllUsesWith) keeps them exact, checked against a count by scanning.
#include "ir/Graph.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace attn;
using namespace attn::ir;

namespace {

struct Fixture {
  Module module;
  Graph *g;
  Value *x;
  Type t{DType::F32, {Dim::symbol("B"), 4}};
  Fixture() {
    g = module.addFunction("forward");
    x = g->addArgument("x", t);
  }
  Node *unary(OpKind op, Value *v, Node *before = nullptr) {
    return g->insertNode(before, op, {v}, {t}, {}, {});
  }
  Node *binary(OpKind op, Value *a, Value *b) { return g->appendNode(op, {a, b}, {t}, {}, {}); }
};

/// Uses of `v` by scanning the whole graph: what the use list must agree with.
size_t scannedUses(const Graph &g, const Value *v) {
  size_t n = 0;
  for (const auto &node : g.nodes())
    n += size_t(std::count(node->operands().begin(), node->operands().end(), v));
  for (const GraphResult &r : g.results()) n += r.value == v;
  return n;
}

void expectConsistent(const Graph &g, const std::vector<const Value *> &values) {
  for (const Value *v : values) {
    EXPECT_EQ(v->useCount(), scannedUses(g, v)) << v->name;
    for (const Use &u : v->uses()) EXPECT_EQ(u.user->operand(u.operand), v);
  }
}

} // namespace

TEST(GraphUses, TrackOperandsAndResults) {
  Fixture f;
  Node *a = f.unary(OpKind::Tanh, f.x);
  Node *b = f.binary(OpKind::Mul, a->result(), a->result()); // two uses by one node
  f.g->addResult("y", f.t, b->result());
  f.g->addResult("z", f.t, a->result());
  EXPECT_EQ(f.x->useCount(), 1u);
  EXPECT_EQ(a->result()->useCount(), 3u);
  EXPECT_TRUE(b->result()->hasOneUse());
  EXPECT_EQ(f.g->users(a->result()), std::vector<Node *>{b}); // each user once
  expectConsistent(*f.g, {f.x, a->result(), b->result()});
}

TEST(GraphUses, ReplaceAllUsesWithMovesOperandsAndResults) {
  Fixture f;
  Node *a = f.unary(OpKind::Tanh, f.x);
  Node *b = f.unary(OpKind::Exp, a->result());
  Node *c = f.binary(OpKind::Add, a->result(), b->result());
  f.g->addResult("y", f.t, a->result());
  f.g->replaceAllUsesWith(a->result(), f.x);
  EXPECT_FALSE(a->isUsed());
  EXPECT_EQ(b->operand(0), f.x);
  EXPECT_EQ(c->operand(0), f.x);
  EXPECT_EQ(f.g->results()[0].value, f.x);
  EXPECT_EQ(f.x->useCount(), 4u); // a, b, c and the result
  f.g->eraseNode(a);
  expectConsistent(*f.g, {f.x, b->result(), c->result()});
  EXPECT_EQ(f.g->nodes().size(), 2u);
}

TEST(GraphUses, SetOperandAndEraseKeepOtherSlots) {
  Fixture f;
  std::vector<Node *> users;
  for (int i = 0; i < 6; ++i) users.push_back(f.unary(OpKind::Neg, f.x));
  Node *other = f.unary(OpKind::Abs, f.x);
  // Moving and erasing uses in the middle of x's list: the swapped-in uses'
  // slots must follow, or a later erase would drop the wrong use.
  f.g->setOperand(users[1], 0, other->result());
  f.g->eraseNode(users[3]);
  f.g->eraseNode(users[0]);
  f.g->setOperand(users[5], 0, other->result());
  f.g->eraseNode(users[2]);
  expectConsistent(*f.g, {f.x, other->result()});
  EXPECT_EQ(f.x->useCount(), 2u); // users[4] and other
  EXPECT_EQ(other->result()->useCount(), 2u);
}

TEST(GraphUses, WeightUsesEndWithTheirFunction) {
  Fixture f;
  Value *w = f.module.addWeight("w", f.t);
  f.binary(OpKind::Add, f.x, w);
  Graph *second = f.module.addFunction("second");
  Value *y = second->addArgument("y", f.t);
  second->appendNode(OpKind::Mul, {y, w}, {f.t}, {}, {});
  EXPECT_EQ(w->useCount(), 2u); // weights are the module's: uses of every function
  f.module.functions.pop_back();
  EXPECT_EQ(w->useCount(), 1u);
}

TEST(GraphOrder, ComesBeforeFollowsInsertions) {
  Fixture f;
  Node *a = f.unary(OpKind::Tanh, f.x);
  Node *c = f.unary(OpKind::Exp, a->result());
  Node *b = f.unary(OpKind::Relu, a->result(), c); // between a and c
  EXPECT_TRUE(f.g->comesBefore(a, b));
  EXPECT_TRUE(f.g->comesBefore(b, c));
  EXPECT_FALSE(f.g->comesBefore(c, b));
  Node *d = f.unary(OpKind::Abs, f.x, a); // first
  EXPECT_TRUE(f.g->comesBefore(d, a));
  EXPECT_EQ(f.g->users(a->result()), (std::vector<Node *>{b, c}));
  EXPECT_EQ(f.g->position(b)->get(), b);
}

TEST(ModuleNames, UniqueWeightNameSkipsTakenSuffixes) {
  Module m;
  Type t{DType::F32, {2}};
  m.addWeight("w", t);
  m.addWeight("w.2", t);
  std::string first = m.uniqueWeightName("w");
  EXPECT_EQ(first, "w.1");
  m.addWeight(first, t);
  EXPECT_EQ(m.uniqueWeightName("w"), "w.3");
  EXPECT_EQ(m.uniqueWeightName("v"), "v");
  EXPECT_EQ(m.findWeight("w.2")->name, "w.2");
  EXPECT_EQ(m.findWeight("nope"), nullptr);
}
