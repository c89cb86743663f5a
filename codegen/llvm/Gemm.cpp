// The matrix kernel behind linear, linear_act and the recurrent layers:
//   y[r, o] = act(bias[o] + sum_i x[r, i] W[o, i])
// with W packed transposed and zero-padded, Wt[i, o] over roundUp(out, lanes)
// columns, so that a row of y is a few vector registers.
//
// Register blocking: a micro-kernel keeps a block of up to 4 rows x C
// vectors of columns in accumulators and walks i once: each step broadcasts
// x[r, i] and loads C vectors of Wt[i, :]. Every element of y is computed by
// the same sequence, bias first, then one fused multiply-add per i in order,
// whichever block it falls in, so the result of a row never depends on which
// other rows (or how many) are computed with it.
#include "codegen/llvm/Codegen.h"

namespace attn::llvmcg {

namespace {

struct Kernel {
  FunctionEmitter &f;
  const GemmShape &shape;
  llvm::Value *x, *w, *bias, *y;
  unsigned lanes;
  int64_t paddedOut;

  /// Rows [row, row + rows) x vectors [column, column + vectors*lanes); the
  /// last vector stores only `lastLanes` lanes.
  void block(llvm::Value *row, unsigned rows, llvm::Value *column, unsigned vectors, unsigned lastLanes) {
    llvm::IRBuilder<> &b = f.b;
    Values initial;
    for (unsigned r = 0; r < rows; ++r)
      for (unsigned c = 0; c < vectors; ++c)
        initial.push_back(bias ? f.loadVector(bias, b.CreateAdd(column, f.i64(c * lanes)), lanes)
                               : llvm::Constant::getNullValue(f.vectorType(lanes)));
    Values rowBases;
    for (unsigned r = 0; r < rows; ++r)
      rowBases.push_back(b.CreateMul(b.CreateAdd(row, f.i64(r)), f.i64(shape.xStride)));
    Values sums = f.forRangeCarry(f.i64(0), f.i64(shape.in), initial, [&](llvm::Value *i, const Values &acc) {
      Values weights;
      llvm::Value *wRow = b.CreateAdd(b.CreateMul(i, f.i64(paddedOut)), column);
      for (unsigned c = 0; c < vectors; ++c)
        weights.push_back(f.loadVector(w, b.CreateAdd(wRow, f.i64(c * lanes)), lanes));
      Values next;
      for (unsigned r = 0; r < rows; ++r) {
        llvm::Value *xs = f.splat(f.loadF32(x, b.CreateAdd(rowBases[r], i)), lanes);
        for (unsigned c = 0; c < vectors; ++c) next.push_back(f.fma(xs, weights[c], acc[r * vectors + c]));
      }
      return next;
    });
    for (unsigned r = 0; r < rows; ++r) {
      llvm::Value *yRow = b.CreateAdd(b.CreateMul(b.CreateAdd(row, f.i64(r)), f.i64(shape.yStride)), column);
      for (unsigned c = 0; c < vectors; ++c) {
        llvm::Value *v = sums[r * vectors + c];
        if (shape.activation != ir::OpKind::Constant)
          v = emitScalarOp(f, shape.activation, {DType::F32}, {v}, DType::F32);
        llvm::Value *at = b.CreateAdd(yRow, f.i64(c * lanes));
        if (c + 1 == vectors && lastLanes < lanes) f.storeVectorPrefix(v, y, at, lastLanes);
        else f.storeVector(v, y, at);
      }
    }
  }

  /// All columns of rows [row, row + rows): full blocks of `blockVectors`
  /// vectors in a loop, then the rest (with the partial last vector) once.
  void rowBlock(llvm::Value *row, unsigned rows, unsigned blockVectors) {
    int64_t fullVectors = shape.out / lanes;
    unsigned tail = unsigned(shape.out % lanes);
    int64_t fullBlocks = fullVectors / blockVectors;
    f.forRange(f.i64(0), f.i64(fullBlocks), [&](llvm::Value *blockIndex) {
      block(row, rows, f.b.CreateMul(blockIndex, f.i64(blockVectors * lanes)), blockVectors, lanes);
    });
    unsigned rest = unsigned(fullVectors % blockVectors) + (tail ? 1 : 0);
    if (rest) block(row, rows, f.i64(fullBlocks * blockVectors * lanes), rest, tail ? tail : lanes);
  }
};

} // namespace

void emitPackedGemm(FunctionEmitter &f, const GemmShape &shape, llvm::Value *x, llvm::Value *w,
                    llvm::Value *bias, llvm::Value *y, llvm::Value *rowBegin, llvm::Value *rowEnd) {
  unsigned lanes = f.m.target.lanes();
  Kernel kernel{f, shape, x, w, bias, y, lanes, roundUp(shape.out, lanes)};
  // 4 rows x 4 vectors is 16 accumulators: half the 32 registers of AVX-512;
  // 4 x 2 with the 16 registers of AVX and SSE.
  const unsigned rowsPerBlock = 4, vectorsPerBlock = f.m.target.vectorBits >= 512 ? 4 : 2;
  llvm::IRBuilder<> &b = f.b;
  llvm::Value *blocks = b.CreateSDiv(b.CreateSub(rowEnd, rowBegin), f.i64(rowsPerBlock));
  f.forRange(f.i64(0), blocks, [&](llvm::Value *k) {
    kernel.rowBlock(b.CreateAdd(rowBegin, b.CreateMul(k, f.i64(rowsPerBlock))), rowsPerBlock, vectorsPerBlock);
  });
  f.forRange(b.CreateAdd(rowBegin, b.CreateMul(blocks, f.i64(rowsPerBlock))), rowEnd,
             [&](llvm::Value *row) { kernel.rowBlock(row, 1, vectorsPerBlock); });
}

} // namespace attn::llvmcg
