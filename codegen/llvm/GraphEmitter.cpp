// GraphEmitter: one graph as the entry function of RuntimeAbi.h, its scratch
// size function and its tasks.
//
// The frame is an array of 8-byte words in the entry's stack frame: the dims
// of the call, then the address of every value and temporary. The entry's
// prologue fills it (arguments and outputs from the caller, intermediate
// values at their slot's offset in the scratch block); tasks receive it and
// load the words they use once, before their loops.
//
// Storage: a graph result computed by a node is written straight into the
// caller's output buffer; reshape, squeeze and unsqueeze are views of their
// operand; every other node result and temporary is a scratch buffer, and
// buffers share memory when their lifetimes do not overlap (MemoryPlan.h).
#include "codegen/llvm/Codegen.h"

#include "codegen/llvm/DimTerms.h"
#include "codegen/llvm/HostChecks.h"

#include <algorithm>

namespace attn::llvmcg {

namespace {

ByteSize sizeOf(const ir::Type &type) {
  ir::Dim elements(1);
  for (const ir::Dim &d : type.shape) elements = elements * d;
  return ByteSize{elements, int64_t(dtypeSize(type.dtype))};
}

llvm::Value *maxOf(llvm::IRBuilder<> &b, llvm::Value *x, llvm::Value *y) {
  return b.CreateSelect(b.CreateICmpSGT(x, y), x, y);
}

/// Bytes of a buffer rounded up to the scratch alignment (never negative).
llvm::Value *alignedBytes(llvm::IRBuilder<> &b, const ByteSize &size, const SymbolValue &symbol, SizeArithmetic &a) {
  llvm::Value *bytes = a.mul(emitDim(b, size.elements, symbol, &a), b.getInt64(uint64_t(size.elementBytes)));
  if (size.chunk != 1 || size.chunked != ir::Dim(1)) {
    llvm::Value *chunks = b.CreateSDiv(a.add(emitDim(b, size.chunked, symbol, &a), b.getInt64(uint64_t(size.chunk - 1))),
                                       b.getInt64(uint64_t(size.chunk)));
    bytes = a.mul(bytes, chunks);
  }
  bytes = maxOf(b, bytes, b.getInt64(0));
  llvm::Value *mask = b.getInt64(uint64_t(kScratchAlignment - 1));
  return b.CreateAnd(a.add(bytes, mask), b.CreateNot(mask));
}

/// Each slot's offset in the scratch block, and the block's size: slots one
/// after the other, each as large as its largest buffer, computed with `a`
/// (checked in the scratch size function).
std::pair<Values, llvm::Value *> slotOffsets(llvm::IRBuilder<> &b,
                                              const std::vector<PlannedBuffer> &buffers,
                                              const SlotAssignment &slots,
                                              const SymbolValue &symbol, SizeArithmetic &a) {
  Values offsets;
  llvm::Value *total = b.getInt64(0);
  for (const std::vector<int> &members : slots.members()) {
    llvm::Value *size = b.getInt64(0);
    for (int buffer : members) size = maxOf(b, size, alignedBytes(b, buffers[buffer].size, symbol, a));
    offsets.push_back(total);
    total = a.add(total, size);
  }
  return {offsets, total};
}

} // namespace

GraphEmitter::GraphEmitter(ModuleEmitter &m, const ir::Graph &graph) : m(m), graph(graph) {}

int GraphEmitter::symbolSlot(const std::string &symbol) const {
  auto it = std::find(symbols.begin(), symbols.end(), symbol);
  assert(it != symbols.end() && "checkDimsBindable guarantees every symbol is an argument dim");
  return int(it - symbols.begin());
}

const ir::Value *GraphEmitter::root(const ir::Value *value) const {
  auto it = roots_.find(value);
  return it == roots_.end() ? value : it->second;
}

int GraphEmitter::valueSlot(const ir::Value *value) const { return valueSlots_.at(root(value)); }

void GraphEmitter::assignValueStorage() {
  symbols = functionSymbols(graph);
  frameSize_ = int(symbols.size());
  for (const ir::Value *arg : graph.arguments) argumentSlots_.push_back(valueSlots_[arg] = newSlot());
  for (size_t i = 0; i < graph.results().size(); ++i) outputSlots_.push_back(newSlot());
  std::vector<const ir::Node *> nodes;
  for (const auto &node : graph.nodes()) nodes.push_back(node.get());
  for (const ir::Node *node : nodes)
    if (ir::hasTrait(node->op, ir::T_VIEW)) roots_[node->result()] = root(node->operand(0));
  std::unordered_map<const ir::Value *, int> lastUse;
  for (int n = 0; n < int(nodes.size()); ++n)
    for (const ir::Value *o : nodes[n]->operands()) lastUse[root(o)] = n;
  for (size_t i = 0; i < graph.results().size(); ++i) {
    const ir::Value *v = graph.results()[i].value;
    if (v->kind == ir::Value::Kind::NodeResult && !roots_.count(v) && !valueSlots_.count(v))
      valueSlots_[v] = outputSlots_[i];
    else
      copies_.emplace_back(v, int(i));
    lastUse[root(v)] = int(nodes.size());
  }
  for (int n = 0; n < int(nodes.size()); ++n)
    for (const ir::Value *r : nodes[n]->results) {
      if (roots_.count(r) || valueSlots_.count(r)) continue;
      int slot = valueSlots_[r] = newSlot();
      buffers_.push_back({sizeOf(r->type), n, std::max(n, lastUse[r]), slot});
    }
}

FunctionEmitter &GraphEmitter::newTask(const std::string &name) {
  llvm::LLVMContext &context = m.context;
  llvm::Type *ptr = llvm::PointerType::getUnqual(context), *i64 = llvm::Type::getInt64Ty(context);
  auto *type = llvm::FunctionType::get(llvm::Type::getVoidTy(context), {ptr, i64, i64}, false);
  auto *fn = llvm::Function::Create(type, llvm::GlobalValue::InternalLinkage, name_ + "." + name, m.module);
  m.addTargetAttributes(fn);
  fn->addFnAttr(llvm::Attribute::NoInline); // called through parallelFor; one copy
  auto *loads = llvm::BasicBlock::Create(context, "loads", fn);
  auto *body = llvm::BasicBlock::Create(context, "body", fn);
  llvm::BranchInst::Create(body, loads);
  functions_.push_back(std::make_unique<FunctionEmitter>(*this, fn, loads, body, fn->getArg(0)));
  return *functions_.back();
}

int GraphEmitter::newTemporary(const ByteSize &size) {
  int slot = newSlot();
  buffers_.push_back({size, currentNode_, currentNode_, slot});
  return slot;
}

void GraphEmitter::emitResultCopies() {
  FunctionEmitter &e = *entry_;
  for (const auto &[value, output] : copies_) {
    llvm::Value *bytes = e.b.CreateMul(e.extent(value->type.shape, 0, value->type.shape.size()),
                                       e.i64(int64_t(dtypeSize(value->type.dtype))));
    e.copyBytes(e.framePointer(outputSlots_[output]), e.ptr(value), bytes);
  }
}

// The prologue: the frame's words from the entry's arguments and the plan.
void GraphEmitter::emitPrologue() {
  llvm::Function *fn = entry_->fn;
  llvm::IRBuilder<> b(prologue_);
  llvm::Type *i64 = b.getInt64Ty(), *ptr = b.getPtrTy();
  auto word = [&](int slot) { return b.CreateConstInBoundsGEP1_64(i64, frame_, uint64_t(slot)); };
  Values symbolValues;
  for (size_t k = 0; k < symbols.size(); ++k) {
    symbolValues.push_back(b.CreateLoad(i64, b.CreateConstInBoundsGEP1_64(i64, fn->getArg(2), k)));
    b.CreateStore(symbolValues.back(), word(int(k)));
  }
  for (size_t i = 0; i < argumentSlots_.size(); ++i)
    b.CreateStore(b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, fn->getArg(0), i)), word(argumentSlots_[i]));
  for (size_t i = 0; i < outputSlots_.size(); ++i)
    b.CreateStore(b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, fn->getArg(1), i)), word(outputSlots_[i]));
  SlotAssignment slots = assignSlots(buffers_);
  auto symbol = [&](const std::string &s) { return symbolValues[size_t(symbolSlot(s))]; };
  SizeArithmetic plain(b, /*checked=*/false); // scratch_bytes has checked these dims
  Values offsets = slotOffsets(b, buffers_, slots, symbol, plain).first;
  for (size_t k = 0; k < buffers_.size(); ++k)
    b.CreateStore(b.CreateInBoundsGEP(b.getInt8Ty(), fn->getArg(3), offsets[size_t(slots.slotOf[k])]),
                  word(buffers_[k].frameSlot));
  b.CreateBr(prologue_->getNextNode());
  frame_->setAllocatedType(llvm::ArrayType::get(i64, uint64_t(std::max(frameSize_, 1))));

  // int64_t <entry>_scratch_bytes(const int64_t *dims)
  auto *type = llvm::FunctionType::get(i64, {ptr}, false);
  auto *size = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage, name_ + "_scratch_bytes", m.module);
  m.addTargetAttributes(size);
  llvm::IRBuilder<> s(llvm::BasicBlock::Create(m.context, "entry", size));
  auto dimsArg = [&](const std::string &name) {
    return s.CreateLoad(i64, s.CreateConstInBoundsGEP1_64(i64, size->getArg(0), uint64_t(symbolSlot(name))));
  };
  // -1 when the size overflows int64 (RuntimeAbi.h): dims from a stranger's
  // file can make a buffer's size wrap around to a small one.
  SizeArithmetic checked(s, /*checked=*/true);
  llvm::Value *total = slotOffsets(s, buffers_, slots, dimsArg, checked).second;
  s.CreateRet(s.CreateSelect(checked.overflowed(), s.getInt64(uint64_t(-1)), total));
}

// A node whose results all have no elements does nothing, but its loops may
// still walk a long axis of an empty tensor ([2^40, 0] summed over axis 0).
// Such a node is skipped when a dim of each result is 0 at run time; not
// the ops that check their operands' data (embedding's ids, a recurrent
// layer's lengths), nor views, nor results of a constant non-zero size.
llvm::BasicBlock *GraphEmitter::skipWhenEmpty(const ir::Node &node) {
  using K = ir::OpKind;
  if (node.results.empty() || ir::hasTrait(node.op, ir::T_VIEW) || node.op == K::Embedding || node.op == K::LSTM ||
      node.op == K::GRU || node.op == K::RNN)
    return nullptr;
  FunctionEmitter &e = *entry_;
  llvm::Value *empty = e.b.getTrue();
  for (const ir::Value *r : node.results) {
    if (auto bytes = r->type.constantByteSize(); bytes && *bytes > 0) return nullptr;
    llvm::Value *anyZero = e.b.getFalse();
    for (const ir::Dim &d : r->type.shape) anyZero = e.b.CreateOr(anyZero, e.b.CreateICmpEQ(e.dim(d), e.i64(0)));
    empty = e.b.CreateAnd(empty, anyZero);
  }
  auto *run = llvm::BasicBlock::Create(m.context, "node.run", e.fn);
  auto *skip = llvm::BasicBlock::Create(m.context, "node.done", e.fn);
  e.b.CreateCondBr(empty, skip, run);
  e.b.SetInsertPoint(run);
  return skip;
}

Status GraphEmitter::emit() {
  assignValueStorage();
  name_ = m.entryName(graph);
  llvm::LLVMContext &context = m.context;
  llvm::Type *ptr = llvm::PointerType::getUnqual(context);
  auto *type = llvm::FunctionType::get(llvm::Type::getInt32Ty(context),
                                       {ptr, ptr, ptr, ptr, ptr, ptr, ptr}, false);
  auto *fn = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage, name_, m.module);
  m.addTargetAttributes(fn);
  auto *alloc = llvm::BasicBlock::Create(context, "alloc", fn);
  prologue_ = llvm::BasicBlock::Create(context, "prologue", fn);
  auto *loads = llvm::BasicBlock::Create(context, "loads", fn);
  auto *body = llvm::BasicBlock::Create(context, "body", fn);
  llvm::IRBuilder<> a(alloc);
  frame_ = a.CreateAlloca(a.getInt64Ty(), nullptr, "frame");
  a.CreateBr(prologue_);
  llvm::BranchInst::Create(body, loads);
  functions_.push_back(std::make_unique<FunctionEmitter>(*this, fn, loads, body, frame_));
  entry_ = functions_.back().get();
  currentNode_ = 0;
  for (const auto &node : graph.nodes()) {
    NodeLowering lowering(*this, *node, currentNode_);
    llvm::BasicBlock *skip = skipWhenEmpty(*node);
    if (Status s = lowerNode(lowering); !s)
      return Status::error(codegen::locationPrefix(m.source, *node) + s.message());
    if (skip) {
      if (!entry_->b.GetInsertBlock()->getTerminator()) entry_->b.CreateBr(skip);
      entry_->b.SetInsertPoint(skip);
    }
    ++currentNode_;
  }
  emitResultCopies();
  entry_->b.CreateRet(entry_->b.getInt32(0));
  emitPrologue();
  for (const auto &f : functions_)
    if (f.get() != entry_ && !f->b.GetInsertBlock()->getTerminator()) f->finish();
  return Status::ok();
}

FunctionEmitter &NodeLowering::task(const std::string &what) {
  return graph.newTask(std::string(ir::mnemonic(node.op)) + std::to_string(index) + "." + what);
}

void NodeLowering::runParallel(FunctionEmitter &task, llvm::Value *count, int64_t grain, bool perThread) {
  if (!task.b.GetInsertBlock()->getTerminator()) task.finish();
  FunctionEmitter &e = entry();
  grain = std::max<int64_t>(grain, 1);
  e.b.CreateCall(m.parallelHelper(), {e.arg(4), e.arg(5), task.fn, graph.frame(), count,
                                      e.i64(perThread ? -grain : grain)});
}

void NodeLowering::failIf(llvm::Value *failed, RuntimeError code, llvm::Value *a, llvm::Value *b) {
  FunctionEmitter &e = entry();
  e.ifThen(failed, [&] {
    llvm::Value *error = e.arg(6);
    e.ifThen(e.b.CreateIsNotNull(error), [&] {
      e.b.CreateStore(e.i64(index), e.gep(e.i64Type(), error, e.i64(0)));
      e.b.CreateStore(a, e.gep(e.i64Type(), error, e.i64(1)));
      e.b.CreateStore(b, e.gep(e.i64Type(), error, e.i64(2)));
    });
    e.b.CreateRet(e.b.getInt32(uint32_t(code)));
  });
}

// Packing per call: only for operands whose data is not known at compile
// time (a computed matrix, or emitted code without weights). The operand's
// dims are constants (the lowerings that pack check).
PackedRef NodeLowering::pack(const ir::Value *value, PackKind kind, int64_t gates) {
  if (llvm::Value *c = m.packedConstant(value, kind, gates)) return PackedRef{c, -1};
  const ir::DimList &shape = value->type.shape;
  int64_t rows = *shape[0].constant(), cols = kind == PackKind::Padded ? 1 : *shape[1].constant();
  GateLayout layout{rows, gates, m.target.lanes()};
  int64_t width = layout.width(), H = layout.hidden(), lanes = layout.lanes;
  int slot = temporary(ByteSize{ir::Dim(cols * width), 4});
  FunctionEmitter &t = task("pack");
  llvm::IRBuilder<> &b = t.b;
  llvm::Value *from = t.ptr(value), *to = t.framePointer(slot);
  t.forRange(t.arg(1), t.arg(2), [&](llvm::Value *c) {
    t.forRange(t.i64(0), t.i64(width), [&](llvm::Value *p) {
      // The inverse of GateLayout::position: unit u of gate g, or padding.
      llvm::Value *g = b.CreateSRem(b.CreateSDiv(p, t.i64(lanes)), t.i64(gates));
      llvm::Value *u = b.CreateAdd(b.CreateMul(b.CreateSDiv(p, t.i64(gates * lanes)), t.i64(lanes)),
                                   b.CreateSRem(p, t.i64(lanes)));
      llvm::Value *inside = b.CreateICmpSLT(u, t.i64(H));
      llvm::Value *source = b.CreateAdd(b.CreateMul(b.CreateAdd(b.CreateMul(g, t.i64(H)), u), t.i64(cols)), c);
      llvm::Value *safe = b.CreateSelect(inside, source, t.i64(0));
      llvm::Value *v = b.CreateSelect(inside, t.loadF32(from, safe), t.f32(0.0f));
      llvm::Value *at = b.CreateAdd(b.CreateMul(c, t.i64(width)), p);
      if (kind == PackKind::Panels) { // GateLayout::index
        llvm::Value *panel = t.i64(gates * lanes);
        at = b.CreateAdd(b.CreateMul(b.CreateAdd(b.CreateMul(b.CreateSDiv(p, panel), t.i64(cols)), c), panel),
                         b.CreateSRem(p, panel));
      }
      t.storeF32(v, to, at);
    });
  });
  runParallel(t, entry().i64(cols), 1);
  return PackedRef{nullptr, slot};
}

} // namespace attn::llvmcg
