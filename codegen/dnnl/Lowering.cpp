// The dnnl backend's shared pieces (Lowering.h) and lowerNode, which asks
// each group of ops in turn.
#include "codegen/dnnl/Lowering.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>

namespace attn::dnnlcg {

void *ScratchBuffer::reserve(size_t bytes) {
  if (bytes > bytes_) {
    size_t rounded = (bytes + 4095) / 4096 * 4096;
    data_.reset(std::aligned_alloc(64, rounded));
    bytes_ = data_ ? rounded : 0;
    if (!data_) throw std::bad_alloc();
  }
  return data_.get();
}

float *Workspace::floats(size_t count) {
  size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
  if (chunks_.empty() || chunks_.back().used + bytes > chunks_.back().bytes) {
    // A new chunk; its buffer may be kept from before (the merged one).
    if (chunks_.empty() || chunks_.back().used != 0) chunks_.emplace_back();
    Chunk &chunk = chunks_.back();
    chunk.bytes = std::max(chunk.bytes, bytes);
  }
  Chunk &chunk = chunks_.back();
  auto *base = static_cast<char *>(chunk.buffer.reserve(chunk.bytes));
  float *p = reinterpret_cast<float *>(base + chunk.used);
  chunk.used += bytes;
  return p;
}

void Workspace::reset() {
  if (chunks_.size() > 1) {
    size_t total = 0;
    for (const Chunk &c : chunks_) total += c.bytes;
    chunks_.clear();
    chunks_.emplace_back();
    chunks_.back().bytes = total;
  }
  for (Chunk &c : chunks_) c.used = 0;
}

void RunContext::execute(const dnnl::primitive &primitive, const dnnl::primitive_desc_base &pd,
                         std::unordered_map<int, dnnl::memory> args) {
  dnnl::memory::desc scratchDesc = pd.scratchpad_desc();
  if (size_t bytes = scratchDesc.get_size())
    args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(scratchDesc, engine, memory_.scratchpad.reserve(bytes)));
  primitive.execute(stream, args);
  stream.wait();
}

dnnl::memory WeightCache::get(const dnnl::memory::desc &wanted, const dnnl::engine &engine) const {
  if (wanted == source_) return dnnl::memory(source_, engine, data_);
  std::lock_guard lock(mutex_);
  for (const auto &[desc, memory] : layouts_)
    if (desc == wanted) return memory;
  dnnl::memory from(source_, engine, data_), to(wanted, engine);
  dnnl::stream stream(engine);
  dnnl::reorder(from, to).execute(stream, from, to);
  stream.wait();
  // Bounded as PlanCache is (a layout may depend on the shapes: an RNN's
  // packed weights on B); the plans using a dropped layout keep it alive.
  if (layouts_.size() >= kLayouts) layouts_.erase(layouts_.begin());
  layouts_.emplace_back(wanted, to);
  return to;
}

std::vector<int64_t> shapeKey(const KernelArgs &args) {
  std::vector<int64_t> key;
  for (const TensorView &v : args.operands) {
    key.push_back(v.rank());
    key.insert(key.end(), v.shape.begin(), v.shape.end());
  }
  return key;
}

void nanRows(float *y, const Dims &dims, const std::function<bool(int64_t)> &keep) {
  int64_t outer = dims[0], size = dims[1], inner = dims[2];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      float *row = y + o * size * inner + i;
      bool nan = false;
      for (int64_t s = 0; s < size && !nan; ++s) nan = std::isnan(row[s * inner]);
      if (!nan) continue;
      for (int64_t s = 0; s < size; ++s)
        if (keep(row + s * inner - y)) row[s * inner] = std::numeric_limits<float>::quiet_NaN();
    }
}

Dims rowMajorStrides(const Dims &dims) {
  Dims strides(dims.size());
  int64_t stride = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= dims[i];
  }
  return strides;
}

dnnl::memory::desc plainDesc(const Shape &shape, DataType type) {
  Dims dims = shape.empty() ? Dims{1} : shape;
  return dnnl::memory::desc(dims, type, rowMajorStrides(dims));
}

dnnl::memory memoryOf(const dnnl::memory::desc &desc, const dnnl::engine &engine, const void *data) {
  return dnnl::memory(desc, engine, const_cast<void *>(data));
}

std::optional<Eltwise> eltwiseFor(ir::OpKind op) {
  using A = dnnl::algorithm;
  using K = ir::OpKind;
  // The T_ACTIVATION ops of ops.def; relu keeps NaN (0 * NaN), as torch.relu.
  static const std::pair<K, Eltwise> table[] = {
      {K::Tanh, {A::eltwise_tanh}},   {K::Sigmoid, {A::eltwise_logistic}},
      {K::Relu, {A::eltwise_relu}},   {K::Exp, {A::eltwise_exp}},
      {K::Log, {A::eltwise_log}},     {K::Sqrt, {A::eltwise_sqrt}},
      {K::Abs, {A::eltwise_abs}},     {K::Neg, {A::eltwise_linear, -1.0f, 0.0f}},
      {K::Gelu, {A::eltwise_gelu_erf}},
  };
  for (const auto &[kind, eltwise] : table)
    if (kind == op) return eltwise;
  return std::nullopt;
}

bool allOf(const ir::Node &node, DType dtype) {
  for (const ir::Value *v : node.operands())
    if (v->type.dtype != dtype) return false;
  for (const ir::Value *v : node.results)
    if (v->type.dtype != dtype) return false;
  return true;
}

KernelPtr lowerNode(const ir::Node &node, const LowerContext &context) {
  // A primitive oneDNN does not implement for this node (an unusual shape or
  // ISA) leaves the node to the loops; any other error is the caller's.
  if (node.numOperands() == 0) return nullptr; // constant, dim_value: the loops
  try {
    for (auto lower : {lowerLinear, lowerElementwise, lowerNormalization, lowerRecurrent, lowerAttention, lowerShape})
      if (KernelPtr kernel = lower(node, context)) return kernel;
  } catch (const dnnl::error &e) {
    if (e.status != dnnl_unimplemented) throw;
  }
  return nullptr;
}

} // namespace attn::dnnlcg
