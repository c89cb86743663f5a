// The matrix kernel behind linear, linear_act, the recurrent layers' input
// and hidden products and the fused additive attention:
//   y[r, o] = act(bias[o] + sum_i x[r, i] W[o, i])
// with W packed transposed and zero-padded, Wt[i, o] over roundUp(out, lanes)
// columns, so that a row of y is a few vector registers.
//
// Register blocking (gemmBlocking): a micro-kernel keeps rows x vectors
// accumulators, as many as the register file allows with room for the
// vectors of Wt it loads and the x element it broadcasts: 32 registers with
// AVX-512 (12x1, 12x2, 8x3, 6x4), 16 with AVX2 or SSE (12x1, 6x2, 4x3), so
// that at least 12 independent FMA chains hide the FMA latency. Rows that do
// not fill a block go through blocks of 4, then of 1.
//
// Cache blocking, when Wt is larger than kWeightBlockBytes: the columns are
// cut into blocks of whole register panels (the Wt block stays in L2 while
// every row block of the task passes over it) and K into near-equal blocks
// of at most kKBlock; between K blocks the partial sums are stored in y and
// loaded again, exactly (f32 in, f32 out).
//
// Every element of y is computed by the same sequence, bias first, then one
// fused multiply-add per i in order, then the activation, whichever block it
// falls in, so the result of a row never depends on which other rows (or how
// many) are computed with it, nor on the thread count.
#include "codegen/llvm/Codegen.h"

namespace attn::llvmcg {

namespace {

constexpr int64_t kWeightBlockBytes = 256 * 1024; // half the smallest L2 we run on
constexpr int64_t kKBlock = 384;
/// Steps of the K loop per iteration: the loads of W and x then take constant
/// offsets from one base, and the loop's own work is a quarter. The module's
/// pipeline does not unroll loops (Target.cpp): unrolling is decided here.
constexpr int64_t kKUnroll = 4;
constexpr int64_t kFullUnrollK = 16;

struct Kernel {
  FunctionEmitter &f;
  const GemmShape &shape;
  llvm::Value *x, *w, *bias, *y;
  unsigned lanes;
  int64_t paddedOut;

  /// Rows [row, row + rows) x vectors [column, column + vectors*lanes) over
  /// i in [k0, k1); the last vector holds only `lastLanes` lanes. The first
  /// K block starts from the bias, the others from y; the last applies the
  /// activation.
  void block(llvm::Value *row, unsigned rows, llvm::Value *column, unsigned vectors, unsigned lastLanes,
             int64_t k0, int64_t k1) {
    llvm::IRBuilder<> &b = f.b;
    bool first = k0 == 0, last = k1 == shape.in;
    auto yAt = [&](unsigned r, unsigned c) {
      return b.CreateAdd(b.CreateAdd(b.CreateMul(b.CreateAdd(row, f.i64(r)), f.i64(shape.yStride)), column),
                         f.i64(c * lanes));
    };
    Values acc, xRows;
    for (unsigned r = 0; r < rows; ++r) {
      xRows.push_back(b.CreateMul(b.CreateAdd(row, f.i64(r)), f.i64(shape.xStride)));
      for (unsigned c = 0; c < vectors; ++c) {
        bool partial = c + 1 == vectors && lastLanes < lanes;
        if (!first)
          acc.push_back(partial ? f.loadVectorPrefix(y, yAt(r, c), lanes, lastLanes) : f.loadVector(y, yAt(r, c), lanes));
        else
          acc.push_back(bias ? f.loadVector(bias, b.CreateAdd(column, f.i64(c * lanes)), lanes)
                             : llvm::Constant::getNullValue(f.vectorType(lanes)));
      }
    }
    // A short K loop goes straight through: at K = 12 that made linear up to
    // 25% faster (M = 32) than steps of 4, for little code.
    acc = gemmAccumulate(f, x, xRows, w, paddedOut, column, vectors, k0, k1, acc,
                         k1 - k0 <= kFullUnrollK ? k1 - k0 : kKUnroll);
    for (unsigned r = 0; r < rows; ++r)
      for (unsigned c = 0; c < vectors; ++c) {
        llvm::Value *v = acc[r * vectors + c];
        if (last && shape.activation != ir::OpKind::Constant)
          v = emitScalarOp(f, shape.activation, {DType::F32}, {v}, DType::F32);
        if (c + 1 == vectors && lastLanes < lanes) f.storeVectorPrefix(v, y, yAt(r, c), lastLanes);
        else f.storeVector(v, y, yAt(r, c));
      }
  }
};

} // namespace

unsigned gemmRows(const TargetInfo &target, unsigned vectors) {
  unsigned accumulators = target.vectorBits >= 512 ? 24 : 12; // of 32 vector registers, else 16
  return std::clamp(accumulators / std::max(vectors, 1u), 1u, 12u);
}

GemmBlocking gemmBlocking(const TargetInfo &target, int64_t out) {
  unsigned lanes = target.lanes();
  int64_t vectors = (out + lanes - 1) / lanes;
  unsigned maxVectors = target.vectorBits >= 512 ? 4 : 3;
  unsigned c = unsigned(std::clamp<int64_t>(vectors, 1, maxVectors));
  return GemmBlocking{gemmRows(target, c), c};
}

Values gemmAccumulate(FunctionEmitter &f, llvm::Value *x, const Values &xRows, llvm::Value *w, int64_t wStride,
                      llvm::Value *column, unsigned vectors, int64_t k0, int64_t k1, const Values &initial,
                      int64_t unroll) {
  llvm::IRBuilder<> &b = f.b;
  unsigned lanes = f.m.target.lanes();
  f.fn->addFnAttr(kKernelAttribute); // unrolled here: the kernel pipeline (Target.cpp)
  auto step = [&](llvm::Value *i, const Values &acc) {
    Values weights;
    llvm::Value *wRow = b.CreateAdd(b.CreateMul(i, f.i64(wStride)), column);
    for (unsigned c = 0; c < vectors; ++c) weights.push_back(f.loadVector(w, b.CreateAdd(wRow, f.i64(c * lanes)), lanes));
    Values next;
    for (llvm::Value *rowBase : xRows) {
      llvm::Value *xs = f.splat(f.loadF32(x, b.CreateAdd(rowBase, i)), lanes);
      for (unsigned c = 0; c < vectors; ++c) next.push_back(f.fma(xs, weights[c], acc[next.size()]));
    }
    return next;
  };
  return f.forRangeCarryUnrolled(k0, k1, unroll > 0 ? unroll : kKUnroll, initial, step);
}

void forRowBlocks(FunctionEmitter &f, llvm::Value *begin, llvm::Value *end, unsigned rows,
                  const std::function<void(llvm::Value *, unsigned)> &body, std::initializer_list<unsigned> tails) {
  std::vector<unsigned> sizes{rows};
  for (unsigned size : tails)
    if (size < rows) sizes.push_back(size);
  llvm::IRBuilder<> &b = f.b;
  llvm::Value *row = begin;
  for (unsigned size : sizes) {
    llvm::Value *blocks = b.CreateSDiv(b.CreateSub(end, row), f.i64(size));
    llvm::Value *start = row;
    f.forRange(f.i64(0), blocks, [&](llvm::Value *k) { body(b.CreateAdd(start, b.CreateMul(k, f.i64(size))), size); });
    row = b.CreateAdd(start, b.CreateMul(blocks, f.i64(size)));
  }
}

void emitPackedGemm(FunctionEmitter &f, const GemmShape &shape, llvm::Value *x, llvm::Value *w,
                    llvm::Value *bias, llvm::Value *y, llvm::Value *rowBegin, llvm::Value *rowEnd) {
  llvm::IRBuilder<> &b = f.b;
  unsigned lanes = f.m.target.lanes();
  Kernel kernel{f, shape, x, w, bias, y, lanes, roundUp(shape.out, lanes)};
  GemmBlocking blocking = gemmBlocking(f.m.target, shape.out);
  int64_t panel = blocking.vectors * lanes;              // columns of one register block
  int64_t panels = shape.out / panel;                    // register blocks of full vectors
  int64_t restColumns = shape.out - panels * panel;      // < panel
  unsigned restVectors = unsigned((restColumns + lanes - 1) / lanes);
  unsigned restLanes = restColumns % lanes ? unsigned(restColumns % lanes) : lanes;

  // K blocks of near-equal size; column blocks of `blockPanels` panels.
  int64_t weightBytes = shape.in * kernel.paddedOut * 4;
  int64_t kBlocks = weightBytes > kWeightBlockBytes ? (shape.in + kKBlock - 1) / kKBlock : 1;
  int64_t kSize = std::max<int64_t>(1, (shape.in + kBlocks - 1) / kBlocks);
  int64_t blockPanels = std::max<int64_t>(1, kWeightBlockBytes / (kSize * panel * 4));
  if (weightBytes <= kWeightBlockBytes) blockPanels = std::max<int64_t>(1, panels);

  // Every row of the task through columns [column, column + count panels
  // (+ the rest vectors)), one K block after the other; at K = 0 one empty
  // block, which stores the bias (or zeros) through the activation.
  auto sweep = [&](llvm::Value *column, int64_t count, bool withRest) {
    for (int64_t k0 = 0; k0 < std::max<int64_t>(shape.in, 1); k0 += kSize) {
      int64_t k1 = std::min(shape.in, k0 + kSize);
      auto rowBlock = [&](llvm::Value *row, unsigned rows) {
        if (count == 1) kernel.block(row, rows, column, blocking.vectors, lanes, k0, k1);
        else if (count > 1)
          f.forRange(f.i64(0), f.i64(count), [&](llvm::Value *p) {
            kernel.block(row, rows, b.CreateAdd(column, b.CreateMul(p, f.i64(panel))), blocking.vectors, lanes, k0, k1);
          });
        if (withRest) kernel.block(row, rows, b.CreateAdd(column, f.i64(count * panel)), restVectors, restLanes, k0, k1);
      };
      forRowBlocks(f, rowBegin, rowEnd, blocking.rows, rowBlock);
    }
  };
  int64_t fullBlocks = panels / blockPanels, leftPanels = panels % blockPanels;
  if (fullBlocks == 1 && !leftPanels && !restVectors) {
    sweep(f.i64(0), blockPanels, false);
    return;
  }
  if (fullBlocks > 0)
    f.forRange(f.i64(0), f.i64(fullBlocks), [&](llvm::Value *n) {
      sweep(b.CreateMul(n, f.i64(blockPanels * panel)), blockPanels, false);
    });
  if (leftPanels || restVectors) sweep(f.i64(fullBlocks * blockPanels * panel), leftPanels, restVectors > 0);
}

} // namespace attn::llvmcg
