// ModuleEmitter: what the generated functions of one module share: the
// target attributes, the weights (symbols the JIT links, globals in emitted
// code), weights packed for the kernels, and the helper that runs a
// task in parallel or inline.
#include "codegen/llvm/Codegen.h"

namespace attn::llvmcg {

namespace {

/// `data` ([rows, cols] f32, or [rows]) as `kind`, rows placed by `layout`.
Tensor packOnHost(const TensorView &data, PackKind kind, const GateLayout &layout) {
  const float *in = data.as<float>();
  int64_t rows = data.shape[0], cols = kind == PackKind::Padded ? 1 : data.shape[1], width = layout.width();
  Tensor t = kind == PackKind::Padded ? Tensor(DType::F32, {width}) : Tensor(DType::F32, {cols, width});
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) t.as<float>()[layout.index(kind, layout.position(r), c, cols)] = in[r * cols + c];
  return t;
}

constexpr int64_t kFoldRows = 4, kFoldLanes = 8;

// GCC and clang build a copy of foldRows per ISA and pick one when the
// library loads: the table of a large layer is ~1G multiply-adds. Not under
// ThreadSanitizer: the loader runs the ifunc resolver before TSan's runtime
// is up, and the instrumented resolver crashes (build-tsan/).
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ATTN_NO_IFUNC 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define ATTN_NO_IFUNC 1
#endif
#if defined(__x86_64__) && defined(__GNUC__) && !defined(ATTN_NO_IFUNC)
#define ATTN_HOST_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define ATTN_HOST_CLONES
#endif

/// acc[r, :] += sum_k x[r, k] wt[k, :] for `count` (<= kFoldRows) rows of x
/// [count, in], wt [in, width] and acc [kFoldRows, width], width a multiple
/// of kFoldLanes, in k order.
ATTN_HOST_CLONES void foldRows(const float *x, int64_t count, int64_t in, const double *wt, int64_t width,
                               double *acc) {
  typedef double Lanes __attribute__((vector_size(kFoldLanes * sizeof(double)), aligned(sizeof(double))));
  for (int64_t k = 0; k < in; ++k) {
    const Lanes *wk = reinterpret_cast<const Lanes *>(wt + k * width);
    for (int64_t r = 0; r < count; ++r) {
      double xk = x[r * in + k];
      Lanes *a = reinterpret_cast<Lanes *>(acc + r * width);
      for (int64_t j = 0; j < width / kFoldLanes; ++j) a[j] += xk * wk[j];
    }
  }
}

} // namespace

ModuleEmitter::ModuleEmitter(llvm::Module &module, const TargetInfo &target,
                             const ir::Module &source, WeightMode mode,
                             const codegen::WeightViews *weightData, std::vector<LinkedBlob> *blobs)
    : context(module.getContext()), module(module), target(target), source(source), mode_(mode),
      weightData_(weightData), blobs_(blobs) {
  assert((mode != WeightMode::Linked || blobs) && "linked code needs a place for its blobs");
}

std::string ModuleEmitter::entryName(const ir::Graph &graph) const {
  return entrySymbol(source.name, graph.name);
}

void ModuleEmitter::addTargetAttributes(llvm::Function *fn) const {
  if (!target.cpu.empty()) fn->addFnAttr("target-cpu", target.cpu);
  if (!target.features.empty()) fn->addFnAttr("target-features", target.features);
  // Without both, x86 tuning for some CPUs splits 512-bit vectors in two.
  fn->addFnAttr("prefer-vector-width", std::to_string(target.vectorBits));
  fn->addFnAttr("min-legal-vector-width", std::to_string(target.vectorBits));
  fn->addFnAttr(llvm::Attribute::NoUnwind);
}

llvm::Value *ModuleEmitter::addressOf(const void *data, size_t bytes, const std::string &name) {
  llvm::Type *i8 = llvm::Type::getInt8Ty(context);
  auto *init = llvm::ConstantDataArray::getRaw(
      llvm::StringRef(static_cast<const char *>(data), bytes), bytes, i8);
  auto *global = new llvm::GlobalVariable(module, init->getType(), /*isConstant=*/true,
                                          llvm::GlobalValue::PrivateLinkage, init, name);
  global->setAlignment(llvm::Align(64));
  return global;
}

llvm::Value *ModuleEmitter::weightAddress(const ir::Value *weight) {
  auto known = weights_.find(weight);
  if (known != weights_.end()) return known->second;
  const TensorView *data = nullptr;
  TensorView constant;
  if (const Tensor *t = source.constantData(weight)) {
    constant = t->view();
    data = &constant;
  } else if (weightData_) {
    auto it = weightData_->find(weight);
    if (it != weightData_->end()) data = &it->second;
  }
  llvm::Value *address;
  if (mode_ == WeightMode::Linked || !data) {
    // The JIT links its symbol to the weight; emitted code without weights
    // leaves it to the user's link (docs/llvm-backend.md).
    assert((mode_ == WeightMode::Globals || data) && "the JIT has every weight's data");
    address = externalSymbol(mode_ == WeightMode::Linked ? linkedWeightSymbol(weight) : weightSymbol(weight->name));
  } else {
    address = addressOf(data->data, data->byteSize(), "attn.weight." + symbolPart(weight->name));
  }
  weights_[weight] = address;
  return address;
}

std::optional<TensorView> ModuleEmitter::knownF32(const ir::Value *value) const {
  if (!value->isWeight() || value->type.dtype != DType::F32) return std::nullopt;
  if (const Tensor *t = source.constantData(value)) return t->view();
  if (weightData_ && weightData_->count(value)) return weightData_->at(value);
  return std::nullopt;
}

llvm::Value *ModuleEmitter::externalSymbol(const std::string &name) {
  return new llvm::GlobalVariable(module, llvm::Type::getInt8Ty(context), /*isConstant=*/true,
                                  llvm::GlobalValue::ExternalLinkage, nullptr, name);
}

llvm::Value *ModuleEmitter::keep(Tensor packed, const std::string &name) {
  if (mode_ != WeightMode::Linked) return addressOf(packed.data(), packed.byteSize(), name);
  std::string symbol = module.getName().str() + "." + std::to_string(blobs_->size()) + "." + name;
  blobs_->push_back({symbol, std::move(packed)});
  return externalSymbol(symbol);
}

llvm::Value *ModuleEmitter::packedConstant(const ir::Value *value, PackKind kind, int64_t gates) {
  auto key = std::make_tuple(value, kind, gates);
  if (auto it = packed_.find(key); it != packed_.end()) return it->second;
  std::optional<TensorView> known = knownF32(value);
  if (!known) return nullptr;
  const TensorView &view = *known;
  Tensor packed = packOnHost(view, kind, GateLayout{view.shape[0], gates, target.lanes()});
  llvm::Value *address = keep(std::move(packed), "attn.packed." + symbolPart(value->name));
  packed_[key] = address;
  return address;
}

llvm::Value *ModuleEmitter::projectedTable(const ir::Value *table, const std::vector<const ir::Value *> &weights,
                                           const std::vector<const ir::Value *> &biases, int64_t width) {
  std::optional<TensorView> t = knownF32(table);
  if (!t || t->shape.size() != 2) return nullptr;
  std::vector<TensorView> w, bias;
  for (size_t d = 0; d < weights.size(); ++d) {
    std::optional<TensorView> wd = knownF32(weights[d]), bd = biases[d] ? knownF32(biases[d]) : std::nullopt;
    if (!wd || (biases[d] && !bd)) return nullptr;
    w.push_back(*wd);
    bias.push_back(bd ? *bd : TensorView{});
  }
  int64_t rows = t->shape[0], in = t->shape[1], out = w.front().shape[0], stride = int64_t(w.size()) * width;
  if (rows * stride * 4 > kMaxProjectedTableBytes || rows * in * stride > kMaxProjectedTableWork) return nullptr;
  // Row v: for each direction d, b_d + table[v] W_d^T in double, rounded
  // once; columns out.. of each direction's `width` are zero.
  Tensor packed(DType::F32, {rows * stride + target.lanes()}); // a vector of zeros past the end
  int64_t padded = roundUp(out, kFoldLanes);
  std::vector<double> wt(static_cast<size_t>(in * padded)), acc(static_cast<size_t>(kFoldRows * padded));
  for (size_t d = 0; d < w.size(); ++d) {
    const float *wd = w[d].as<float>(), *bd = bias[d].data ? bias[d].as<float>() : nullptr;
    for (int64_t o = 0; o < out; ++o)
      for (int64_t k = 0; k < in; ++k) wt[size_t(k * padded + o)] = wd[o * in + k];
    for (int64_t v0 = 0; v0 < rows; v0 += kFoldRows) {
      int64_t count = std::min(kFoldRows, rows - v0);
      for (int64_t r = 0; r < kFoldRows; ++r)
        for (int64_t o = 0; o < padded; ++o) acc[size_t(r * padded + o)] = bd && o < out ? bd[o] : 0.0;
      foldRows(t->as<float>() + v0 * in, count, in, wt.data(), padded, acc.data());
      for (int64_t r = 0; r < count; ++r) {
        float *row = packed.as<float>() + (v0 + r) * stride + int64_t(d) * width;
        for (int64_t o = 0; o < width; ++o) row[o] = o < out ? float(acc[size_t(r * padded + o)]) : 0.0f;
      }
    }
  }
  return keep(std::move(packed), "attn.projected." + symbolPart(table->name));
}

// void attn.parallel(pf, pool, task, frame, count, grain): the task over
// [0, count), through pf when there is one and the loop is worth threads.
llvm::Function *ModuleEmitter::parallelHelper() {
  if (parallelHelper_) return parallelHelper_;
  llvm::Type *ptr = llvm::PointerType::getUnqual(context), *i64 = llvm::Type::getInt64Ty(context);
  auto *type = llvm::FunctionType::get(llvm::Type::getVoidTy(context),
                                       {ptr, ptr, ptr, ptr, i64, i64}, false);
  auto *fn = llvm::Function::Create(type, llvm::GlobalValue::InternalLinkage, "attn.parallel", module);
  addTargetAttributes(fn);
  auto *entry = llvm::BasicBlock::Create(context, "entry", fn);
  auto *inline_ = llvm::BasicBlock::Create(context, "inline", fn);
  auto *threaded = llvm::BasicBlock::Create(context, "threaded", fn);
  auto *done = llvm::BasicBlock::Create(context, "done", fn);
  llvm::IRBuilder<> b(entry);
  llvm::Value *pf = fn->getArg(0), *pool = fn->getArg(1), *task = fn->getArg(2);
  llvm::Value *frame = fn->getArg(3), *count = fn->getArg(4), *grain = fn->getArg(5);
  auto *taskType = llvm::FunctionType::get(llvm::Type::getVoidTy(context), {ptr, i64, i64}, false);
  b.CreateCondBr(b.CreateICmpSLE(count, b.getInt64(0)), done, threaded);
  b.SetInsertPoint(threaded);
  llvm::Value *least = b.CreateSelect(b.CreateICmpSLT(grain, b.getInt64(0)), b.CreateNeg(grain), grain);
  llvm::Value *alone = b.CreateOr(b.CreateIsNull(pf), b.CreateICmpSLE(count, least));
  auto *call = llvm::BasicBlock::Create(context, "call", fn);
  b.CreateCondBr(alone, inline_, call);
  b.SetInsertPoint(call);
  b.CreateCall(llvm::FunctionType::get(llvm::Type::getVoidTy(context), {ptr, ptr, ptr, i64, i64}, false),
               pf, {pool, task, frame, count, grain});
  b.CreateBr(done);
  b.SetInsertPoint(inline_);
  b.CreateCall(taskType, task, {frame, b.getInt64(0), count});
  b.CreateBr(done);
  b.SetInsertPoint(done);
  b.CreateRetVoid();
  parallelHelper_ = fn;
  return fn;
}

Status ModuleEmitter::emitGraph(const ir::Graph &graph) {
  GraphEmitter emitter(*this, graph);
  return emitter.emit();
}

} // namespace attn::llvmcg
