// Internal to codegen/llvm: the classes that turn a Graph into LLVM IR.
//   ModuleEmitter   one LLVM module for an ir::Module: target, weights, math
//   GraphEmitter    one graph: its frame, buffers, entry and task functions
//   FunctionEmitter one LLVM function: an IRBuilder plus loops, frame access,
//                   element loads and stores, vectors and fast math
//   NodeLowering    what a node's lowering sees: its graph, the entry
//                   function, tasks run in parallel, temporaries, errors
// Only the .cpp files of this folder include it (LLVM headers are slow).
#pragma once

#include "codegen/common/ModuleChecks.h"
#include "codegen/llvm/MemoryPlan.h"
#include "codegen/llvm/RuntimeAbi.h"
#include "ir/Graph.h"
#include "runtime/Status.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <functional>
#include <map>
#include <optional>
#include <tuple>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace attn::llvmcg {

/// The machine the code is for, resolved from the host or from options.
struct TargetInfo {
  std::string triple, cpu, features;
  unsigned vectorBits = 128; // the widest vector registers the code should use
  bool hasFma = false;       // fused multiply-add in hardware
  unsigned lanes() const { return vectorBits / 32; } // f32 lanes in a vector
};

/// How generated code reaches the weights.
enum class WeightMode {
  Linked,  // JIT: each weight an external symbol (linkedWeightSymbol) that the
           // JIT defines as the weight's address when it links the code, so
           // the object does not depend on where the weights are (the object
           // cache); what is derived from them (packed, projected) likewise,
           // as LinkedBlobs
  Globals, // emitted code: a constant global holding each weight whose data
           // is known, else an external global (docs/llvm-backend.md)
};

/// Data derived from the weights at compile time (packed, projected) that
/// code emitted with WeightMode::Linked refers to by symbol.
struct LinkedBlob {
  std::string symbol;
  Tensor data;
};

/// The symbol a weight has in code emitted with WeightMode::Linked.
inline std::string linkedWeightSymbol(const ir::Value *weight) { return "attn.weight." + std::to_string(weight->index); }

/// The attribute of a function that runs the GEMM micro-kernel
/// (gemmAccumulate: register blocks, the K loop unrolled by the emitter): it
/// goes through the kernel pipeline, the others through the scalar one
/// (Target.cpp, optimizeModule).
inline constexpr const char *kKernelAttribute = "attn-kernel";

/// Layouts a kernel may want a 2-D or 1-D f32 operand in (width: GateLayout's).
enum class PackKind {
  Transposed, // [rows, cols] -> [cols, width], zero padded
  Padded,     // [n] -> [width], zero padded
  Panels,     // [rows, cols] -> [width / (gates*lanes), cols, gates*lanes]: Transposed
              // cut into panels of one vector of each gate, each panel contiguous
};

/// Rounds n up to a multiple of k.
inline int64_t roundUp(int64_t n, int64_t k) { return (n + k - 1) / k * k; }

/// How rows (of W, or elements of a bias) are placed along the packed
/// dimension. With gates = 1, in order and zero padded to whole vectors. With
/// gates = G (a recurrent layer's W of G gates of H rows each), each gate is
/// padded to Hp = roundUp(H, lanes) and the gates are interleaved by vector:
/// vector v of gate g (units v*lanes ..) is at (v*G + g)*lanes, so that one
/// row of accumulators of G vectors holds every gate of `lanes` units.
struct GateLayout {
  int64_t rows, gates, lanes;
  int64_t hidden() const { return rows / gates; }
  int64_t paddedHidden() const { return roundUp(hidden(), lanes); }
  int64_t width() const { return gates * paddedHidden(); }
  /// The packed position of row r.
  int64_t position(int64_t r) const {
    int64_t g = r / hidden(), u = r % hidden();
    return ((u / lanes) * gates + g) * lanes + u % lanes;
  }
  /// Where column c of the row at `position` goes, packed as `kind` with
  /// `cols` columns.
  int64_t index(PackKind kind, int64_t position, int64_t c, int64_t cols) const {
    if (kind != PackKind::Panels) return c * width() + position;
    int64_t panel = gates * lanes;
    return (position / panel * cols + c) * panel + position % panel;
  }
};

class GraphEmitter;
class FunctionEmitter;

using Values = std::vector<llvm::Value *>;

class ModuleEmitter {
public:
  /// With WeightMode::Linked, derived data goes to `blobs`, each symbol
  /// prefixed with the LLVM module's name.
  ModuleEmitter(llvm::Module &module, const TargetInfo &target, const ir::Module &source,
                WeightMode mode, const codegen::WeightViews *weightData, std::vector<LinkedBlob> *blobs);

  llvm::LLVMContext &context;
  llvm::Module &module;
  const TargetInfo &target;
  const ir::Module &source;

  /// Generates the entry and scratch-size functions of `graph` (RuntimeAbi.h).
  Status emitGraph(const ir::Graph &graph);
  /// "attn_<model>_<fn>", letters, digits and '_' only.
  std::string entryName(const ir::Graph &graph) const;

  /// The address of a weight's data, valid in any function.
  llvm::Value *weightAddress(const ir::Value *weight);
  /// The data of `value` packed as `kind` when it is known now (a weight with
  /// data), as a constant address; null otherwise.
  llvm::Value *packedConstant(const ir::Value *value, PackKind kind, int64_t gates = 1);
  /// The rows of `table` [rows, in] through the linear maps W_d [out, in]
  /// (+ b_d, where not null) of each direction d, side by side in `width`
  /// columns per direction (zero past out, and a vector of zeros after the
  /// last row): a recurrent layer's input projection of every possible
  /// embedding row, computed now in double precision. Null when a weight's
  /// data is unknown or the table would pass kMaxProjectedTableBytes or its
  /// computation kMaxProjectedTableWork.
  llvm::Value *projectedTable(const ir::Value *table, const std::vector<const ir::Value *> &weights,
                              const std::vector<const ir::Value *> &biases, int64_t width);
  static constexpr int64_t kMaxProjectedTableBytes = int64_t(8) << 20;
  static constexpr int64_t kMaxProjectedTableWork = int64_t(2) << 30; // multiply-adds
  /// Sets target-cpu, target-features and prefer-vector-width.
  void addTargetAttributes(llvm::Function *fn) const;
  /// The internal helper that runs a task through parallelFor or inline.
  llvm::Function *parallelHelper();

private:
  llvm::Value *addressOf(const void *data, size_t bytes, const std::string &name);
  /// A weight's f32 data when it is known now.
  std::optional<TensorView> knownF32(const ir::Value *value) const;
  /// The address of `packed`: constant data of the code, or a LinkedBlob.
  llvm::Value *keep(Tensor packed, const std::string &name);
  /// An external symbol's address.
  llvm::Value *externalSymbol(const std::string &name);
  WeightMode mode_;
  const codegen::WeightViews *weightData_;
  std::vector<LinkedBlob> *blobs_;
  std::map<std::tuple<const ir::Value *, PackKind, int64_t>, llvm::Value *> packed_;
  std::map<const ir::Value *, llvm::Value *> weights_;
  llvm::Function *parallelHelper_ = nullptr;
};

/// Where a packed operand is: a constant, or a temporary filled per call.
struct PackedRef {
  llvm::Value *constant = nullptr;
  int frameSlot = -1;
};

class FunctionEmitter {
public:
  FunctionEmitter(GraphEmitter &graph, llvm::Function *fn, llvm::BasicBlock *loads,
                  llvm::BasicBlock *body, llvm::Value *frame);

  GraphEmitter &graph;
  ModuleEmitter &m;
  llvm::Function *fn;
  llvm::IRBuilder<> b;

  llvm::Value *arg(unsigned i) { return fn->getArg(i); }

  // Types and constants.
  llvm::Type *f32Type() { return b.getFloatTy(); }
  llvm::Type *i64Type() { return b.getInt64Ty(); }
  llvm::Type *ptrType() { return b.getPtrTy(); }
  llvm::Value *i64(int64_t v) { return b.getInt64(uint64_t(v)); }
  llvm::Value *f32(float v);
  /// How a dtype is stored (bool as a byte) and how it is held in a register
  /// (bool as i1).
  llvm::Type *memoryType(DType dtype);
  llvm::Type *registerType(DType dtype);
  llvm::VectorType *vectorType(unsigned lanes);

  // The frame: words loaded once, at the function's start.
  llvm::Value *frameWord(int slot, llvm::Type *type);
  /// A dim's value under the call's symbols (a constant when it has none).
  llvm::Value *dim(const ir::Dim &d);
  /// The product of dims [begin, end) of a type's shape.
  llvm::Value *extent(const ir::DimList &shape, size_t begin, size_t end);
  /// The data of `value`: a weight's address or a frame word.
  llvm::Value *ptr(const ir::Value *value);
  llvm::Value *packed(const PackedRef &ref);
  llvm::Value *framePointer(int slot) { return frameWord(slot, ptrType()); }
  /// Stores `value` (a pointer or an i64) to frame word `slot`, here; for a
  /// GraphEmitter::newParameter, which only tasks read.
  void setFrameWord(int slot, llvm::Value *value);

  // Memory.
  llvm::Value *gep(llvm::Type *element, llvm::Value *base, llvm::Value *index);
  llvm::Value *loadElement(DType dtype, llvm::Value *base, llvm::Value *index);
  void storeElement(DType dtype, llvm::Value *value, llvm::Value *base, llvm::Value *index);
  llvm::Value *loadF32(llvm::Value *base, llvm::Value *index);
  void storeF32(llvm::Value *value, llvm::Value *base, llvm::Value *index);
  /// A stack array of the function, allocated once at its start.
  llvm::Value *stackArray(llvm::Type *element, int64_t count);
  void copyBytes(llvm::Value *to, llvm::Value *from, llvm::Value *bytes);
  void zeroBytes(llvm::Value *to, llvm::Value *bytes);

  // Control flow. Bodies emit at the builder's position.
  void forRange(llvm::Value *begin, llvm::Value *end,
                const std::function<void(llvm::Value *)> &body);
  /// A loop carrying values: body(i, carried) returns the next carried values.
  Values forRangeCarry(llvm::Value *begin, llvm::Value *end, const Values &initial,
                       const std::function<Values(llvm::Value *, const Values &)> &body);
  /// forRangeCarry over constant [begin, end), unrolled here: `unroll` steps
  /// an iteration, the rest straight after (no loop when unroll covers the
  /// range). The steps run in order, as the plain loop's.
  Values forRangeCarryUnrolled(int64_t begin, int64_t end, int64_t unroll, const Values &initial,
                               const std::function<Values(llvm::Value *, const Values &)> &body);
  void ifThen(llvm::Value *condition, const std::function<void()> &then);
  void ifThenElse(llvm::Value *condition, const std::function<void()> &then,
                  const std::function<void()> &otherwise);
  /// Values that then() computes where `condition` holds, else `otherwise`
  /// (values computed before the branch).
  Values ifThenValues(llvm::Value *condition, const Values &otherwise,
                      const std::function<Values()> &then);

  // Arithmetic on f32 scalars or vectors alike.
  llvm::Value *fma(llvm::Value *a, llvm::Value *b, llvm::Value *c); // a*b + c
  llvm::Value *splat(llvm::Value *scalar, unsigned lanes);
  llvm::Value *constantLike(llvm::Value *like, float v);
  llvm::Value *min(llvm::Value *a, llvm::Value *b);
  llvm::Value *max(llvm::Value *a, llvm::Value *b);
  /// Sum of a vector's lanes by halving, a fixed order.
  llvm::Value *horizontalSum(llvm::Value *vector);
  /// Lane 0 of combine(low half, high half), halving to one lane.
  llvm::Value *horizontalReduce(llvm::Value *vector,
                                const std::function<llvm::Value *(llvm::Value *, llvm::Value *)> &combine);
  llvm::Value *loadVector(llvm::Value *base, llvm::Value *index, unsigned lanes);
  void storeVector(llvm::Value *vector, llvm::Value *base, llvm::Value *index);
  /// Stores the first `count` lanes (a constant < lanes).
  void storeVectorPrefix(llvm::Value *vector, llvm::Value *base, llvm::Value *index, unsigned count);
  /// Loads `count` lanes (a constant), zero in the others.
  llvm::Value *loadVectorPrefix(llvm::Value *base, llvm::Value *index, unsigned lanes,
                                unsigned count);

  // Fast math (FastMath.cpp): polynomial approximations without libm calls,
  // the same IEEE operations on scalars and vectors (so vectorised and
  // remainder iterations agree bit for bit).
  llvm::Value *exp(llvm::Value *x);
  llvm::Value *tanh(llvm::Value *x);
  llvm::Value *sigmoid(llvm::Value *x);
  llvm::Value *log(llvm::Value *x);
  llvm::Value *erf(llvm::Value *x);
  llvm::Value *gelu(llvm::Value *x);

  /// Finishes a task or helper: `ret void` at the current position.
  void finish();

private:
  llvm::IRBuilder<> loads_; // inserts at the end of the loads block
  llvm::Value *frame_;
  std::unordered_map<int, llvm::Value *> words_;
  std::unordered_map<std::string, llvm::Value *> dims_;
};

class NodeLowering;

class GraphEmitter {
public:
  GraphEmitter(ModuleEmitter &m, const ir::Graph &graph);
  Status emit();

  ModuleEmitter &m;
  const ir::Graph &graph;
  /// Frame slots: 0..symbols-1 hold the dims, then pointers.
  std::vector<std::string> symbols;
  int symbolSlot(const std::string &symbol) const;
  /// The value whose memory `value` shares (itself unless a reshape's view).
  const ir::Value *root(const ir::Value *value) const;
  int valueSlot(const ir::Value *value) const;
  llvm::Value *frame() const { return frame_; }

  /// A new task function `void(frame, begin, end)` for the current node.
  FunctionEmitter &newTask(const std::string &name);
  /// A temporary of the current node; returns its frame slot.
  int newTemporary(const ByteSize &size);
  /// A frame word that the entry sets (FunctionEmitter::setFrameWord) before
  /// it runs a task that reads it: a task's parameter, so that one task
  /// function can serve several calls (the layers of a recurrent op).
  int newParameter() { return newSlot(); }
  FunctionEmitter &entry() { return *entry_; }
  int currentNode() const { return currentNode_; }

private:
  void assignValueStorage();
  /// Branches around `node` when its results are empty at run time; returns
  /// the block after it (or null when the node always runs).
  llvm::BasicBlock *skipWhenEmpty(const ir::Node &node);
  void emitPrologue();
  llvm::Function *emitLayoutFunction(const SlotAssignment &slots);
  void emitResultCopies();
  int newSlot() { return frameSize_++; }

  std::unordered_map<const ir::Value *, int> valueSlots_;
  std::unordered_map<const ir::Value *, const ir::Value *> roots_;
  std::vector<int> argumentSlots_, outputSlots_;
  std::vector<std::pair<const ir::Value *, int>> copies_; // value -> output index
  std::vector<PlannedBuffer> buffers_;
  std::vector<std::unique_ptr<FunctionEmitter>> functions_;
  FunctionEmitter *entry_ = nullptr;
  llvm::BasicBlock *prologue_ = nullptr;
  llvm::AllocaInst *frame_ = nullptr;
  int frameSize_ = 0;
  int currentNode_ = 0;
  std::string name_;
};

/// What a node's lowering works with.
class NodeLowering {
public:
  NodeLowering(GraphEmitter &graph, const ir::Node &node, int index)
      : graph(graph), m(graph.m), node(node), index(index) {}

  GraphEmitter &graph;
  ModuleEmitter &m;
  const ir::Node &node;
  int index;

  FunctionEmitter &entry() { return graph.entry(); }
  const ir::Value *operand(unsigned i) const { return node.operands()[i]; }
  const ir::Value *result(unsigned i = 0) const { return node.results[i]; }
  /// A task named after the node: `void(frame, begin, end)`.
  FunctionEmitter &task(const std::string &what);
  /// Runs `task` over [0, count) (count valid in the entry); `grain` is the
  /// least number of items worth a thread; `perThread`: one range per
  /// thread (ThreadPool::Split::PerThread) rather than about four.
  void runParallel(FunctionEmitter &task, llvm::Value *count, int64_t grain, bool perThread = false);
  /// A temporary live while the node runs; returns its frame slot.
  int temporary(const ByteSize &size) { return graph.newTemporary(size); }
  /// A task parameter (GraphEmitter::newParameter).
  int parameter() { return graph.newParameter(); }
  /// In the entry: if `failed`, report `code` with the words a, b and return.
  void failIf(llvm::Value *failed, RuntimeError code, llvm::Value *a, llvm::Value *b);
  /// `value` packed as `kind` with rows placed as GateLayout{rows, gates}: a
  /// constant when known now, else packed into a temporary by a task run
  /// here, before the node's own work.
  PackedRef pack(const ir::Value *value, PackKind kind, int64_t gates = 1);
};

/// The switch over every op (Lowering.cpp).
Status lowerNode(NodeLowering &L);

// Lowerings by file.
/// One elementwise op on register values (scalars or vectors alike); bool
/// operands are i1. The result has `resultType`'s register type.
llvm::Value *emitScalarOp(FunctionEmitter &f, ir::OpKind op, const std::vector<DType> &operandTypes,
                          const Values &operands, DType resultType);
Status lowerElementwise(NodeLowering &L);
/// Copies `value` broadcast to `shape` into the temporary at frame slot
/// `slot` (same dtype), in parallel; for masks that are not of full shape.
void emitBroadcastCopy(NodeLowering &L, const ir::Value *value, const ir::DimList &shape, int slot);
/// A floating-point add that LLVM may reassociate (a reduction it may
/// vectorise). The order it picks depends only on the code and the trip
/// count, never on threads or on other rows.
llvm::Value *reassociableAdd(FunctionEmitter &f, llvm::Value *a, llvm::Value *b);
Status lowerFusedElementwise(NodeLowering &L);
Status lowerLeaf(NodeLowering &L);
Status lowerReduction(NodeLowering &L);
Status lowerSoftmax(NodeLowering &L);
Status lowerLayerNorm(NodeLowering &L);
Status lowerMatMul(NodeLowering &L);
Status lowerLinear(NodeLowering &L);
Status lowerEmbedding(NodeLowering &L);
Status lowerConv1d(NodeLowering &L);
Status lowerTranspose(NodeLowering &L);
Status lowerPermute(NodeLowering &L);
Status lowerConcat(NodeLowering &L);
Status lowerSlice(NodeLowering &L);
Status lowerSequenceMask(NodeLowering &L);
Status lowerRecurrent(NodeLowering &L);
Status lowerAttention(NodeLowering &L);

/// The shared matrix kernel of linear and the recurrent layers (Gemm.cpp):
/// y[r, :] = act(x[r, :] W^T + bias) for rows [rowBegin, rowEnd), W packed
/// Transposed ([in, roundUp(out, lanes)]), bias packed Padded or null, x and y
/// row-major with row strides xStride, yStride (in floats).
struct GemmShape {
  int64_t in = 0, out = 0;
  int64_t xStride = 0, yStride = 0;
  ir::OpKind activation = ir::OpKind::Constant; // Constant: none
};
void emitPackedGemm(FunctionEmitter &f, const GemmShape &shape, llvm::Value *x, llvm::Value *w,
                    llvm::Value *bias, llvm::Value *y, llvm::Value *rowBegin,
                    llvm::Value *rowEnd);

/// Rows of a GEMM per parallel chunk: at least 256K multiply-adds (a few
/// microseconds), below which handing rows to another thread costs more
/// than it saves.
inline int64_t gemmRowGrain(int64_t in, int64_t out) { return std::max<int64_t>(1, (int64_t(1) << 18) / std::max<int64_t>(1, in * out)); }

/// The micro-kernel's register block for `out` columns on `target`: `rows`
/// rows of x by `vectors` vectors of columns (Gemm.cpp).
struct GemmBlocking {
  unsigned rows = 1, vectors = 1;
};
GemmBlocking gemmBlocking(const TargetInfo &target, int64_t out);
/// Rows of a register block of `vectors` accumulators per row on `target`.
unsigned gemmRows(const TargetInfo &target, unsigned vectors);
/// body(row, rows) over [begin, end) in blocks of `rows` rows, then of each
/// smaller size of `tails` in turn (the rows a block size leaves; the last
/// tail should be 1).
void forRowBlocks(FunctionEmitter &f, llvm::Value *begin, llvm::Value *end, unsigned rows,
                  const std::function<void(llvm::Value *, unsigned)> &body,
                  std::initializer_list<unsigned> tails = {4, 1});
/// The micro-kernel's K loop, `unroll` steps an iteration (0: 4; the IR is
/// unrolled here, not by LLVM): for i in [k0, k1) in order, each x row r and
/// each vector c (w packed with row stride wStride):
///   acc[r * vectors + c] = fma(splat(x[xRows[r] + i]), w[i * wStride + column + c * lanes, ...], acc)
Values gemmAccumulate(FunctionEmitter &f, llvm::Value *x, const Values &xRows, llvm::Value *w,
                      int64_t wStride, llvm::Value *column, unsigned vectors, int64_t k0, int64_t k1,
                      const Values &initial, int64_t unroll = 0);


} // namespace attn::llvmcg
