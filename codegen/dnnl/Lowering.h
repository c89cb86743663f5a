// What the dnnl backend's lowerings share: a node's kernel (NodeKernel), the
// per-run oneDNN state (RunContext: stream and one scratchpad buffer reused
// by every primitive of the run), the bounded per-node cache of primitives by
// shape (PlanCache), weights reordered once for a primitive (WeightCache),
// and memory descriptor helpers. Each Lower*.cpp maps one group of ops;
// lowerNode picks the group. A node no lowering takes runs on the
// interpreter's loops (interp::evaluateNode).
#pragma once

#include "codegen/common/ModuleChecks.h"
#include "codegen/interp/Kernel.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

namespace attn::dnnlcg {

using interp::KernelArgs;
using interp::KernelResult;
using Dims = dnnl::memory::dims;
using DataType = dnnl::memory::data_type;
using Tag = dnnl::memory::format_tag;

/// The eltwise algorithm and alpha, beta of a T_ACTIVATION op (nullopt: none).
struct Eltwise {
  dnnl::algorithm algorithm;
  float alpha = 0, beta = 0;
};
std::optional<Eltwise> eltwiseFor(ir::OpKind op);

/// A 64-byte aligned buffer for primitives' scratchpads, grown on demand.
class ScratchBuffer {
public:
  /// At least `bytes` (the old contents are not kept).
  void *reserve(size_t bytes);

private:
  struct Free {
    void operator()(void *p) const { std::free(p); }
  };
  std::unique_ptr<void, Free> data_;
  size_t bytes_ = 0;
};

/// A kernel's temporaries (the additive scores' U [B*T, A], a masked copy
/// of scores, the layers between a recurrent stack's first and last):
/// handed out in order from chunks that are kept, so after the first run
/// of a shape no temporary costs an allocation or a page fault.
class Workspace {
public:
  /// `count` uninitialised floats, 64-byte aligned, valid until reset().
  float *floats(size_t count);
  /// Everything handed out is free again; the chunks become one of their
  /// total size (allocated when next asked for).
  void reset();

private:
  struct Chunk {
    ScratchBuffer buffer;
    size_t bytes = 0, used = 0;
  };
  std::vector<Chunk> chunks_;
};

/// The memory a run borrows from the Executable and gives back: the
/// primitives' scratchpad and the kernels' workspace.
struct RunMemory {
  ScratchBuffer scratchpad;
  Workspace workspace;
};

/// One run's oneDNN state. A run is one thread, so nothing here is shared;
/// its memory is lent by the Executable for the run (and kept between
/// runs, so its pages are touched once).
class RunContext {
public:
  RunContext(const dnnl::engine &engine, RunMemory memory)
      : engine(engine), stream(engine), memory_(std::move(memory)) {}
  const dnnl::engine &engine;
  dnnl::stream stream;

  /// Executes `primitive` (made from `pd`, whose scratchpad mode is user)
  /// with `args` and the run's scratchpad buffer, and waits for it.
  void execute(const dnnl::primitive &primitive, const dnnl::primitive_desc_base &pd,
               std::unordered_map<int, dnnl::memory> args);
  /// A temporary of the kernel running now (Workspace::floats).
  float *temporary(size_t count) { return memory_.workspace.floats(count); }
  /// Before each kernel: its temporaries are the only ones.
  void startKernel() { memory_.workspace.reset(); }
  RunMemory release() { return std::move(memory_); }

private:
  RunMemory memory_;
};

/// A node's kernel: runs the node's primitives (or loops) for one call.
class NodeKernel {
public:
  virtual ~NodeKernel() = default;
  virtual KernelResult run(const KernelArgs &args, RunContext &context) const = 0;
};

/// What a lowering may use at compile time.
struct LowerContext {
  const dnnl::engine &engine;
  /// Every weight and pass constant of the module, by value.
  const codegen::WeightViews &weights;
  /// PlanCache's capacity.
  size_t shapesPerNode;

  /// The weight's data when `value` is a module weight, else null.
  const TensorView *weight(const ir::Value *value) const {
    auto it = weights.find(value);
    return it == weights.end() ? nullptr : &it->second;
  }
};

using KernelPtr = std::unique_ptr<NodeKernel>;

/// The node's kernel, or null: the interpreter's loops run it.
KernelPtr lowerNode(const ir::Node &node, const LowerContext &context);

// The groups, by file; each returns null for a node it does not take.
KernelPtr lowerLinear(const ir::Node &node, const LowerContext &context);      // LowerLinear.cpp
KernelPtr lowerElementwise(const ir::Node &node, const LowerContext &context); // LowerElementwise.cpp
KernelPtr lowerNormalization(const ir::Node &node, const LowerContext &context); // LowerNormalization.cpp
KernelPtr lowerRecurrent(const ir::Node &node, const LowerContext &context);   // LowerRecurrent.cpp
KernelPtr lowerAttention(const ir::Node &node, const LowerContext &context);   // LowerAttention.cpp
KernelPtr lowerShape(const ir::Node &node, const LowerContext &context);       // LowerShape.cpp

/// Primitives (or anything built from a shape) per distinct key, at most
/// `capacity`, the oldest dropped first; safe to use from many threads.
/// make() runs outside the lock: two threads may build the same plan, the
/// first stored wins.
template <typename Value> class PlanCache {
public:
  explicit PlanCache(size_t capacity) : capacity_(capacity ? capacity : 1) {}

  template <typename Make> std::shared_ptr<const Value> get(const std::vector<int64_t> &key, Make &&make) const {
    {
      std::shared_lock lock(mutex_);
      if (auto it = plans_.find(key); it != plans_.end()) return it->second;
    }
    auto plan = std::make_shared<const Value>(make());
    std::unique_lock lock(mutex_);
    if (auto it = plans_.find(key); it != plans_.end()) return it->second;
    if (plans_.size() >= capacity_) {
      plans_.erase(order_.front());
      order_.pop_front();
    }
    plans_.emplace(key, plan);
    order_.push_back(key);
    return plan;
  }

private:
  size_t capacity_;
  mutable std::shared_mutex mutex_;
  mutable std::map<std::vector<int64_t>, std::shared_ptr<const Value>> plans_;
  mutable std::deque<std::vector<int64_t>> order_;
};

/// An attribute with the user scratchpad (RunContext::execute provides it).
inline dnnl::primitive_attr userScratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

/// A primitive and the descriptor it was made from (which describes its
/// memories and scratchpad).
template <typename Primitive> struct Plan {
  using Desc = typename Primitive::primitive_desc;
  explicit Plan(Desc desc) : pd(std::move(desc)), primitive(pd) {}
  Desc pd;
  Primitive primitive;
};

/// `Primitive`'s primitive descriptor for `desc` with the user scratchpad
/// (RunContext::execute) and `attr`'s other settings.
template <typename Primitive, typename OpDesc>
typename Primitive::primitive_desc primitiveDesc(const OpDesc &desc, const dnnl::engine &engine,
                                                 dnnl::primitive_attr attr = {}) {
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return typename Primitive::primitive_desc(desc, attr, engine);
}

/// A weight reordered into the layouts primitives ask for, each made once
/// (a linear's weight is wanted in one layout by every M).
class WeightCache {
public:
  /// `source` describes the weight's own data, `data` points at it.
  WeightCache(dnnl::memory::desc source, void *data) : source_(std::move(source)), data_(data) {}
  /// The weight in layout `wanted` (the data itself when that is its own layout).
  dnnl::memory get(const dnnl::memory::desc &wanted, const dnnl::engine &engine) const;

private:
  static constexpr size_t kLayouts = 16;
  dnnl::memory::desc source_;
  void *data_;
  mutable std::mutex mutex_;
  mutable std::vector<std::pair<dnnl::memory::desc, dnnl::memory>> layouts_;
};

/// oneDNN's matmul descriptor (user scratchpad), with a bias when `bias`
/// and an eltwise post-op when `post` (LowerLinear.cpp).
dnnl::matmul::primitive_desc matmulDesc(const dnnl::engine &engine, const dnnl::memory::desc &src,
                                        const dnnl::memory::desc &weights, const dnnl::memory::desc *bias,
                                        const dnnl::memory::desc &dst, std::optional<Eltwise> post);

/// y [M, N] = post(x [M, K] weight^T + bias) for a module weight [N, K]
/// (and bias [N]): one primitive per M (on first use), the weight reordered
/// once into the layout the primitives ask for (LowerLinear.cpp; M as a
/// run-time dim was measured 70 times slower with a tanh post-op: oneDNN
/// 2.6 then takes its gemm path, docs/dnnl-backend.md). x and y are
/// row-major.
class WeightMatmul {
public:
  WeightMatmul(const LowerContext &context, const TensorView &weight, const TensorView *bias,
               std::optional<Eltwise> post);
  int64_t inputs() const { return K_; }
  void run(RunContext &context, const void *x, int64_t M, void *y) const;

private:
  struct ForRows {
    explicit ForRows(dnnl::matmul::primitive_desc pd, dnnl::memory weights)
        : plan(std::move(pd)), weights(std::move(weights)) {}
    Plan<dnnl::matmul> plan;
    dnnl::memory weights; // in plan's layout
  };
  int64_t N_, K_;
  const TensorView *bias_;
  std::optional<Eltwise> post_;
  WeightCache weights_;
  PlanCache<ForRows> plans_;
};

/// The key of a call's operand shapes: each rank, then its dims.
std::vector<int64_t> shapeKey(const KernelArgs &args);

/// Row-major (plain) memory of `shape` (a scalar as [1]). oneDNN's Dims and
/// Shape are the same type, std::vector<int64_t>.
dnnl::memory::desc plainDesc(const Shape &shape, DataType type = DataType::f32);
/// The row-major strides of `dims`, in elements.
Dims rowMajorStrides(const Dims &dims);

/// A memory over a view's data / a tensor's data.
dnnl::memory memoryOf(const dnnl::memory::desc &desc, const dnnl::engine &engine, const void *data);

/// Whether every operand and result has the same dtype `dtype`.
bool allOf(const ir::Node &node, DType dtype);

/// A softmax's rows of y [outer, size, inner] (the row along `size`) as
/// PyTorch computes them: NaN at every kept position of a row with a NaN in
/// it (a NaN or +inf score makes PyTorch's max, and so the whole row, NaN,
/// where oneDNN's softmax leaves NaN at that position alone); keep(e) says
/// whether element e is kept (a masked position stays 0).
void nanRows(float *y, const Dims &dims, const std::function<bool(int64_t)> &keep);

} // namespace attn::dnnlcg
