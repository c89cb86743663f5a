// FunctionEmitter: the IRBuilder of one generated function plus what every
// lowering needs: frame words loaded once at the function's start, dims,
// element loads and stores by dtype, counted loops, and vector helpers.
// No fast-math flags are set: every f32 operation is the IEEE one, so a
// vectorised loop and its scalar remainder compute the same bits.
#include "codegen/llvm/Codegen.h"

#include "codegen/llvm/DimTerms.h"

#include <llvm/IR/Intrinsics.h>

namespace attn::llvmcg {

FunctionEmitter::FunctionEmitter(GraphEmitter &graph, llvm::Function *fn, llvm::BasicBlock *loads,
                                 llvm::BasicBlock *body, llvm::Value *frame)
    : graph(graph), m(graph.m), fn(fn), b(body), loads_(loads->getTerminator()), frame_(frame) {}

llvm::Value *FunctionEmitter::f32(float v) { return llvm::ConstantFP::get(f32Type(), v); }

llvm::Type *FunctionEmitter::memoryType(DType dtype) {
  switch (dtype) {
  case DType::F32: return b.getFloatTy();
  case DType::I64: return b.getInt64Ty();
  case DType::I32: return b.getInt32Ty();
  case DType::Bool: return b.getInt8Ty();
  }
  return nullptr;
}

llvm::Type *FunctionEmitter::registerType(DType dtype) {
  return dtype == DType::Bool ? b.getInt1Ty() : memoryType(dtype);
}

llvm::VectorType *FunctionEmitter::vectorType(unsigned lanes) {
  return llvm::FixedVectorType::get(f32Type(), lanes);
}

llvm::Value *FunctionEmitter::frameWord(int slot, llvm::Type *type) {
  auto it = words_.find(slot);
  if (it != words_.end()) {
    if (it->second->getType() == type) return it->second;
    return type->isPointerTy() ? loads_.CreateIntToPtr(it->second, type)
                               : loads_.CreatePtrToInt(it->second, type);
  }
  llvm::Value *address = loads_.CreateConstInBoundsGEP1_64(loads_.getInt64Ty(), frame_, uint64_t(slot));
  llvm::Value *word = loads_.CreateLoad(type, address, "frame." + std::to_string(slot));
  words_[slot] = word;
  return word;
}

llvm::Value *FunctionEmitter::dim(const ir::Dim &d) {
  if (auto c = d.constant()) return i64(*c);
  std::string key = d.str();
  auto it = dims_.find(key);
  if (it != dims_.end()) return it->second;
  // Computed where the frame words are, so the value dominates every use.
  llvm::Value *value = emitDim(loads_, d, [&](const std::string &symbol) {
    return frameWord(graph.symbolSlot(symbol), i64Type());
  });
  dims_[key] = value;
  return value;
}

llvm::Value *FunctionEmitter::extent(const ir::DimList &shape, size_t begin, size_t end) {
  ir::Dim product(1);
  for (size_t i = begin; i < end; ++i) product = product * shape[i];
  return dim(product);
}

llvm::Value *FunctionEmitter::ptr(const ir::Value *value) {
  const ir::Value *root = graph.root(value);
  if (root->isWeight()) return m.weightAddress(root);
  return framePointer(graph.valueSlot(root));
}

Values FunctionEmitter::forRangeCarryUnrolled(int64_t begin, int64_t end, int64_t unroll, const Values &initial,
                                              const std::function<Values(llvm::Value *, const Values &)> &body) {
  unroll = std::max<int64_t>(unroll, 1);
  int64_t trips = std::max<int64_t>(end - begin, 0) / unroll;
  Values carried = initial;
  if (trips == 1) {
    for (int64_t u = 0; u < unroll; ++u) carried = body(i64(begin + u), carried);
  } else if (trips > 1) {
    carried = forRangeCarry(i64(0), i64(trips), initial, [&](llvm::Value *j, const Values &c) {
      Values next = c;
      llvm::Value *first = b.CreateAdd(i64(begin), b.CreateMul(j, i64(unroll)));
      for (int64_t u = 0; u < unroll; ++u) next = body(b.CreateAdd(first, i64(u)), next);
      return next;
    });
  }
  for (int64_t i = begin + trips * unroll; i < end; ++i) carried = body(i64(i), carried);
  return carried;
}

void FunctionEmitter::setFrameWord(int slot, llvm::Value *value) {
  assert(!words_.count(slot) && "a parameter is set by the entry and read by tasks only");
  b.CreateStore(value, b.CreateConstInBoundsGEP1_64(b.getInt64Ty(), frame_, uint64_t(slot)));
}

llvm::Value *FunctionEmitter::packed(const PackedRef &ref) {
  return ref.constant ? ref.constant : framePointer(ref.frameSlot);
}

llvm::Value *FunctionEmitter::gep(llvm::Type *element, llvm::Value *base, llvm::Value *index) {
  return b.CreateInBoundsGEP(element, base, index);
}

llvm::Value *FunctionEmitter::loadElement(DType dtype, llvm::Value *base, llvm::Value *index) {
  llvm::Type *type = memoryType(dtype);
  llvm::Value *v = b.CreateLoad(type, gep(type, base, index));
  if (dtype == DType::Bool) return b.CreateICmpNE(v, b.getInt8(0)); // any non-zero byte is true
  return v;
}

void FunctionEmitter::storeElement(DType dtype, llvm::Value *value, llvm::Value *base,
                                   llvm::Value *index) {
  llvm::Type *type = memoryType(dtype);
  if (dtype == DType::Bool) value = b.CreateZExt(value, type);
  b.CreateStore(value, gep(type, base, index));
}

llvm::Value *FunctionEmitter::loadF32(llvm::Value *base, llvm::Value *index) {
  return b.CreateLoad(f32Type(), gep(f32Type(), base, index));
}

void FunctionEmitter::storeF32(llvm::Value *value, llvm::Value *base, llvm::Value *index) {
  b.CreateStore(value, gep(f32Type(), base, index));
}

llvm::Value *FunctionEmitter::stackArray(llvm::Type *element, int64_t count) {
  llvm::IRBuilder<> first(&*fn->getEntryBlock().getFirstInsertionPt());
  llvm::AllocaInst *array = first.CreateAlloca(element, first.getInt64(uint64_t(count)));
  array->setAlignment(llvm::Align(64));
  return array;
}

void FunctionEmitter::copyBytes(llvm::Value *to, llvm::Value *from, llvm::Value *bytes) {
  b.CreateMemCpy(to, llvm::MaybeAlign(1), from, llvm::MaybeAlign(1), bytes);
}

void FunctionEmitter::zeroBytes(llvm::Value *to, llvm::Value *bytes) {
  b.CreateMemSet(to, b.getInt8(0), bytes, llvm::MaybeAlign(1));
}

Values FunctionEmitter::forRangeCarry(llvm::Value *begin, llvm::Value *end, const Values &initial,
                                      const std::function<Values(llvm::Value *, const Values &)> &body) {
  llvm::LLVMContext &context = m.context;
  llvm::BasicBlock *preheader = b.GetInsertBlock();
  llvm::BasicBlock *header = llvm::BasicBlock::Create(context, "loop", fn);
  llvm::BasicBlock *bodyBlock = llvm::BasicBlock::Create(context, "loop.body", fn);
  llvm::BasicBlock *exit = llvm::BasicBlock::Create(context, "loop.exit", fn);
  b.CreateBr(header);
  b.SetInsertPoint(header);
  llvm::PHINode *index = b.CreatePHI(i64Type(), 2, "i");
  index->addIncoming(begin, preheader);
  std::vector<llvm::PHINode *> phis;
  Values carried;
  for (llvm::Value *v : initial) {
    llvm::PHINode *phi = b.CreatePHI(v->getType(), 2);
    phi->addIncoming(v, preheader);
    phis.push_back(phi);
    carried.push_back(phi);
  }
  b.CreateCondBr(b.CreateICmpSLT(index, end), bodyBlock, exit);
  b.SetInsertPoint(bodyBlock);
  Values next = body(index, carried);
  assert(next.size() == phis.size() && "a loop body must return every carried value");
  llvm::Value *increment = b.CreateAdd(index, i64(1), "", /*HasNUW=*/true, /*HasNSW=*/true);
  llvm::BasicBlock *latch = b.GetInsertBlock();
  b.CreateBr(header);
  index->addIncoming(increment, latch);
  for (size_t k = 0; k < phis.size(); ++k) phis[k]->addIncoming(next[k], latch);
  b.SetInsertPoint(exit);
  return carried;
}

void FunctionEmitter::forRange(llvm::Value *begin, llvm::Value *end,
                               const std::function<void(llvm::Value *)> &body) {
  forRangeCarry(begin, end, {}, [&](llvm::Value *i, const Values &) {
    body(i);
    return Values{};
  });
}

void FunctionEmitter::ifThen(llvm::Value *condition, const std::function<void()> &then) {
  llvm::BasicBlock *thenBlock = llvm::BasicBlock::Create(m.context, "then", fn);
  llvm::BasicBlock *join = llvm::BasicBlock::Create(m.context, "endif", fn);
  b.CreateCondBr(condition, thenBlock, join);
  b.SetInsertPoint(thenBlock);
  then();
  if (!b.GetInsertBlock()->getTerminator()) b.CreateBr(join);
  b.SetInsertPoint(join);
}

void FunctionEmitter::ifThenElse(llvm::Value *condition, const std::function<void()> &then,
                                 const std::function<void()> &otherwise) {
  llvm::BasicBlock *thenBlock = llvm::BasicBlock::Create(m.context, "then", fn);
  llvm::BasicBlock *elseBlock = llvm::BasicBlock::Create(m.context, "else", fn);
  llvm::BasicBlock *join = llvm::BasicBlock::Create(m.context, "endif", fn);
  b.CreateCondBr(condition, thenBlock, elseBlock);
  b.SetInsertPoint(thenBlock);
  then();
  if (!b.GetInsertBlock()->getTerminator()) b.CreateBr(join);
  b.SetInsertPoint(elseBlock);
  otherwise();
  if (!b.GetInsertBlock()->getTerminator()) b.CreateBr(join);
  b.SetInsertPoint(join);
}

Values FunctionEmitter::ifThenValues(llvm::Value *condition, const Values &otherwise,
                                     const std::function<Values()> &then) {
  llvm::BasicBlock *before = b.GetInsertBlock();
  llvm::BasicBlock *thenBlock = llvm::BasicBlock::Create(m.context, "then", fn);
  llvm::BasicBlock *join = llvm::BasicBlock::Create(m.context, "endif", fn);
  b.CreateCondBr(condition, thenBlock, join);
  b.SetInsertPoint(thenBlock);
  Values computed = then();
  llvm::BasicBlock *thenEnd = b.GetInsertBlock();
  b.CreateBr(join);
  b.SetInsertPoint(join);
  Values merged;
  for (size_t k = 0; k < otherwise.size(); ++k) {
    llvm::PHINode *phi = b.CreatePHI(otherwise[k]->getType(), 2);
    phi->addIncoming(otherwise[k], before);
    phi->addIncoming(computed[k], thenEnd);
    merged.push_back(phi);
  }
  return merged;
}

llvm::Value *FunctionEmitter::fma(llvm::Value *x, llvm::Value *y, llvm::Value *z) {
  if (m.target.hasFma) return b.CreateIntrinsic(llvm::Intrinsic::fma, {x->getType()}, {x, y, z});
  return b.CreateFAdd(b.CreateFMul(x, y), z);
}

llvm::Value *FunctionEmitter::splat(llvm::Value *scalar, unsigned lanes) {
  return b.CreateVectorSplat(lanes, scalar);
}

llvm::Value *FunctionEmitter::constantLike(llvm::Value *like, float v) {
  return llvm::ConstantFP::get(like->getType(), v);
}

// Ordered comparisons: a NaN operand gives the other operand. Callers that
// must propagate NaN test for it themselves.
llvm::Value *FunctionEmitter::min(llvm::Value *x, llvm::Value *y) {
  return b.CreateSelect(b.CreateFCmpOLT(x, y), x, y);
}

llvm::Value *FunctionEmitter::max(llvm::Value *x, llvm::Value *y) {
  return b.CreateSelect(b.CreateFCmpOGT(x, y), x, y);
}

llvm::Value *FunctionEmitter::horizontalReduce(
    llvm::Value *vector, const std::function<llvm::Value *(llvm::Value *, llvm::Value *)> &combine) {
  auto *type = llvm::cast<llvm::FixedVectorType>(vector->getType());
  unsigned lanes = type->getNumElements();
  while (lanes > 1) {
    std::vector<int> low, high;
    for (unsigned i = 0; i < lanes / 2; ++i) low.push_back(int(i)), high.push_back(int(i + lanes / 2));
    vector = combine(b.CreateShuffleVector(vector, low), b.CreateShuffleVector(vector, high));
    lanes /= 2;
  }
  return b.CreateExtractElement(vector, uint64_t(0));
}

llvm::Value *FunctionEmitter::horizontalSum(llvm::Value *vector) {
  return horizontalReduce(vector, [&](llvm::Value *low, llvm::Value *high) { return b.CreateFAdd(low, high); });
}

llvm::Value *FunctionEmitter::loadVector(llvm::Value *base, llvm::Value *index, unsigned lanes) {
  return b.CreateAlignedLoad(vectorType(lanes), gep(f32Type(), base, index), llvm::Align(4));
}

void FunctionEmitter::storeVector(llvm::Value *vector, llvm::Value *base, llvm::Value *index) {
  b.CreateAlignedStore(vector, gep(f32Type(), base, index), llvm::Align(4));
}

namespace {
llvm::Value *prefixMask(llvm::IRBuilder<> &b, unsigned lanes, unsigned count) {
  std::vector<llvm::Constant *> bits;
  for (unsigned i = 0; i < lanes; ++i) bits.push_back(b.getInt1(i < count));
  return llvm::ConstantVector::get(bits);
}
} // namespace

void FunctionEmitter::storeVectorPrefix(llvm::Value *vector, llvm::Value *base, llvm::Value *index,
                                        unsigned count) {
  unsigned lanes = llvm::cast<llvm::FixedVectorType>(vector->getType())->getNumElements();
  b.CreateMaskedStore(vector, gep(f32Type(), base, index), llvm::Align(4), prefixMask(b, lanes, count));
}

llvm::Value *FunctionEmitter::loadVectorPrefix(llvm::Value *base, llvm::Value *index, unsigned lanes,
                                               unsigned count) {
  return b.CreateMaskedLoad(vectorType(lanes), gep(f32Type(), base, index), llvm::Align(4),
                            prefixMask(b, lanes, count), llvm::Constant::getNullValue(vectorType(lanes)));
}

void FunctionEmitter::finish() { b.CreateRetVoid(); }

} // namespace attn::llvmcg
