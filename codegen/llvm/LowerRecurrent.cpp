// LSTM, GRU and RNN as torch.nn's (the interpreter's RecurrentKernels.cpp):
// multi-layer, bidirectional, batch_first, initial states, lengths.
//
// Per layer and direction:
//   1. the input projection of every time step at once, one matrix product
//      gi = X W_ih^T + b_ih over the T*B rows (Gemm.cpp), in parallel;
//   2. the recurrence, in parallel over groups of 4 batch rows stepped
//      together (W_hh is read once per step for the group): for each of a
//      row's first lengths[b] steps (forward t = 0.., reverse t = len-1..),
//      gh = W_hh h + b_hh, then the cell
//        LSTM (i, f, g, o): c' = sig(f) c + sig(i) tanh(g), h' = sig(o) tanh(c')
//        GRU  (r, z, n):    n = tanh(gi_n + sig(r) gh_n), h' = (1 - sig(z)) n + sig(z) h
//        RNN:               h' = tanh(gi + gh) or relu(gi + gh)
//      writing h' to the output at the direction's columns.
// Rows are stored in the input's own order (b*T + t when batch_first, else
// t*B + b), for the input, the projection and the output alike. The state h
// (and c) lives in h_n (c_n) itself, so the final state needs no copy.
// Layer k > 0 reads layer k-1's output from a scratch buffer.
#include "codegen/llvm/Codegen.h"

#include "ir/ShapeInference.h"

namespace attn::llvmcg {

namespace {

struct RecurrentShape {
  ir::OpKind op;
  int64_t H, G, layers, dirs;
  bool batchFirst, relu, bias;
  ir::Dim B, T;
};

struct Direction {
  const ir::Value *wIh, *wHh, *bIh = nullptr, *bHh = nullptr;
};

/// The cell update for column j of one row.
void emitCell(FunctionEmitter &f, const RecurrentShape &s, llvm::Value *gi, llvm::Value *gh, llvm::Value *h,
              llvm::Value *c, llvm::Value *out, llvm::Value *j) {
  llvm::IRBuilder<> &b = f.b;
  auto gate = [&](int64_t g) {
    llvm::Value *at = b.CreateAdd(j, f.i64(g * s.H));
    return std::make_pair(f.loadF32(gi, at), f.loadF32(gh, at));
  };
  auto sum = [&](int64_t g) { auto [x, y] = gate(g); return b.CreateFAdd(x, y); };
  llvm::Value *next;
  if (s.op == ir::OpKind::LSTM) {
    llvm::Value *i = f.sigmoid(sum(0)), *fg = f.sigmoid(sum(1)), *g = f.tanh(sum(2)), *o = f.sigmoid(sum(3));
    llvm::Value *cell = b.CreateFAdd(b.CreateFMul(fg, f.loadF32(c, j)), b.CreateFMul(i, g));
    f.storeF32(cell, c, j);
    next = b.CreateFMul(o, f.tanh(cell));
  } else if (s.op == ir::OpKind::GRU) {
    llvm::Value *r = f.sigmoid(sum(0)), *z = f.sigmoid(sum(1));
    auto [giN, ghN] = gate(2);
    llvm::Value *n = f.tanh(b.CreateFAdd(giN, b.CreateFMul(r, ghN)));
    next = b.CreateFAdd(b.CreateFMul(b.CreateFSub(f.f32(1.0f), z), n), b.CreateFMul(z, f.loadF32(h, j)));
  } else {
    llvm::Value *a = sum(0);
    next = s.relu ? b.CreateSelect(b.CreateFCmpOLT(a, f.f32(0.0f)), f.f32(0.0f), a) : f.tanh(a);
  }
  f.storeF32(next, h, j);
  f.storeF32(next, out, j);
}

/// Lengths, when given, must lie in [1, T]; the first row that does not is the error.
void checkLengths(NodeLowering &L, const RecurrentShape &s, const ir::Value *lengths) {
  FunctionEmitter &e = L.entry();
  llvm::IRBuilder<> &b = e.b;
  llvm::Value *data = e.ptr(lengths), *T = e.dim(s.T);
  Values scan = e.forRangeCarry(e.i64(0), e.dim(s.B), {b.getFalse(), e.i64(0), e.i64(0)},
                                [&](llvm::Value *row, const Values &c) {
    llvm::Value *n = b.CreateSExt(e.loadElement(lengths->type.dtype, data, row), e.i64Type());
    llvm::Value *bad = b.CreateOr(b.CreateICmpSLT(n, e.i64(1)), b.CreateICmpSGT(n, T));
    llvm::Value *first = b.CreateAnd(bad, b.CreateNot(c[0]));
    return Values{b.CreateOr(c[0], bad), b.CreateSelect(first, row, c[1]), b.CreateSelect(first, n, c[2])};
  });
  L.failIf(scan[0], kLengthOutOfRange, scan[1], scan[2]);
}

/// The operands and temporaries of one layer and direction.
struct Step {
  const ir::Value *input;  // the layer's input, or null for a scratch buffer
  int inputSlot = -1;      // ... at this frame slot
  int outputSlot = -1;     // the layer's output (-1: the node's result 0)
  int64_t inputSize;
  int index;               // layer * dirs + direction
  int direction;
};

/// The initial states and lengths operands (each may be null).
struct RecurrentInputs {
  const ir::Value *h0, *c0, *lengths;
};

/// Batch rows stepped together: each step reads W_hh once for all of them.
constexpr int64_t kRowsPerStep = 4;

/// The recurrence, in parallel over groups of kRowsPerStep batch rows. The
/// group steps until its longest row ends; a row past its own length keeps
/// its state (its gh is computed and dropped). Each row's numbers do not
/// depend on its group (Gemm.cpp computes every row alike).
void emitRecurrence(NodeLowering &L, const RecurrentShape &s, const Step &step, int giSlot,
                    const PackedRef &wHh, const PackedRef &bHh, const RecurrentInputs &in) {
  int64_t GH = s.G * s.H;
  FunctionEmitter &t = L.task("recurrence");
  llvm::IRBuilder<> &b = t.b;
  llvm::Value *T = t.dim(s.T), *B = t.dim(s.B), *gi = t.framePointer(giSlot);
  llvm::Value *out = step.outputSlot < 0 ? t.ptr(L.result(0)) : t.framePointer(step.outputSlot);
  llvm::Value *hN = t.ptr(L.result(1)), *cN = s.op == ir::OpKind::LSTM ? t.ptr(L.result(2)) : nullptr;
  llvm::Value *whh = t.packed(wHh), *bhh = s.bias ? t.packed(bHh) : nullptr;
  llvm::Value *gh = t.stackArray(t.f32Type(), kRowsPerStep * GH + t.m.target.lanes());
  auto lengthOf = [&](llvm::Value *row) {
    return in.lengths ? b.CreateSExt(t.loadElement(in.lengths->type.dtype, t.ptr(in.lengths), row), t.i64Type()) : T;
  };
  auto f32At = [&](llvm::Value *base, llvm::Value *offset) { return t.gep(t.f32Type(), base, offset); };
  t.forRange(t.arg(1), t.arg(2), [&](llvm::Value *group) {
    llvm::Value *first = b.CreateMul(group, t.i64(kRowsPerStep));
    llvm::Value *rows = b.CreateSub(B, first);
    rows = b.CreateSelect(b.CreateICmpSLT(rows, t.i64(kRowsPerStep)), rows, t.i64(kRowsPerStep));
    llvm::Value *state = b.CreateMul(b.CreateAdd(b.CreateMul(t.i64(step.index), B), first), t.i64(s.H));
    llvm::Value *h = f32At(hN, state), *c = cN ? f32At(cN, state) : nullptr;
    llvm::Value *bytes = b.CreateMul(rows, t.i64(s.H * 4));
    if (in.h0) t.copyBytes(h, f32At(t.ptr(in.h0), state), bytes);
    else t.zeroBytes(h, bytes);
    if (c && in.c0) t.copyBytes(c, f32At(t.ptr(in.c0), state), bytes);
    else if (c) t.zeroBytes(c, bytes);
    llvm::Value *steps = t.forRangeCarry(t.i64(0), rows, {t.i64(0)}, [&](llvm::Value *j, const Values &m) {
      llvm::Value *n = lengthOf(b.CreateAdd(first, j));
      return Values{b.CreateSelect(b.CreateICmpSGT(n, m[0]), n, m[0])};
    })[0];
    t.forRange(t.i64(0), steps, [&](llvm::Value *k) {
      emitPackedGemm(t, GemmShape{s.H, GH, s.H, GH, ir::OpKind::Constant}, h, whh, bhh, gh, t.i64(0), rows);
      t.forRange(t.i64(0), rows, [&](llvm::Value *j) {
        llvm::Value *row = b.CreateAdd(first, j), *length = lengthOf(row);
        t.ifThen(b.CreateICmpSLT(k, length), [&] {
          llvm::Value *time = step.direction == 0 ? k : b.CreateSub(b.CreateSub(length, t.i64(1)), k);
          llvm::Value *r = s.batchFirst ? b.CreateAdd(b.CreateMul(row, T), time) : b.CreateAdd(b.CreateMul(time, B), row);
          llvm::Value *giRow = f32At(gi, b.CreateMul(r, t.i64(GH)));
          llvm::Value *outRow = f32At(out, b.CreateAdd(b.CreateMul(r, t.i64(s.dirs * s.H)), t.i64(step.direction * s.H)));
          llvm::Value *hRow = f32At(h, b.CreateMul(j, t.i64(s.H))), *ghRow = f32At(gh, b.CreateMul(j, t.i64(GH)));
          llvm::Value *cRow = c ? f32At(c, b.CreateMul(j, t.i64(s.H))) : nullptr;
          t.forRange(t.i64(0), t.i64(s.H), [&](llvm::Value *col) { emitCell(t, s, giRow, ghRow, hRow, cRow, outRow, col); });
        });
      });
    });
  });
  FunctionEmitter &e = L.entry();
  L.runParallel(t, e.b.CreateSDiv(e.b.CreateAdd(e.dim(s.B), e.i64(kRowsPerStep - 1)), e.i64(kRowsPerStep)), 1);
}

void emitDirection(NodeLowering &L, const RecurrentShape &s, const Direction &d, const Step &step, int giSlot,
                   const ir::Value *h0, const ir::Value *c0, const ir::Value *lengths) {
  int64_t GH = s.G * s.H;
  PackedRef wIh = L.pack(d.wIh, PackKind::Transposed), wHh = L.pack(d.wHh, PackKind::Transposed);
  PackedRef bIh, bHh;
  if (s.bias) bIh = L.pack(d.bIh, PackKind::Padded), bHh = L.pack(d.bHh, PackKind::Padded);
  // 1. gi = X W_ih^T + b_ih for every row.
  FunctionEmitter &p = L.task("projection");
  llvm::Value *x = step.input ? p.ptr(step.input) : p.framePointer(step.inputSlot);
  emitPackedGemm(p, GemmShape{step.inputSize, GH, step.inputSize, GH, ir::OpKind::Constant}, x, p.packed(wIh),
                 s.bias ? p.packed(bIh) : nullptr, p.framePointer(giSlot), p.arg(1), p.arg(2));
  L.runParallel(p, L.entry().dim(s.T * s.B), gemmRowGrain(step.inputSize, GH));

  emitRecurrence(L, s, step, giSlot, wHh, bHh, RecurrentInputs{h0, c0, lengths});
}

} // namespace

Status lowerRecurrent(NodeLowering &L) {
  const ir::Attrs &a = L.node.attrs;
  const ir::Value *x = L.operand(0);
  RecurrentShape s{L.node.op, a.Hidden, ir::recurrentGateCount(L.node.op), a.Layers, a.Bidirectional ? 2 : 1,
          a.BatchFirst, L.node.op == ir::OpKind::RNN && a.Nonlinearity == "relu", a.HasBias,
          a.BatchFirst ? x->type.shape[0] : x->type.shape[1], a.BatchFirst ? x->type.shape[1] : x->type.shape[0]};
  if (L.node.op == ir::OpKind::RNN && a.Nonlinearity != "tanh" && a.Nonlinearity != "relu")
    return Status::error("rnn: nonlinearity must be \"tanh\" or \"relu\", got \"" + a.Nonlinearity + "\"");
  auto inputSize = x->type.shape[2].constant();
  if (!inputSize)
    return Status::error(std::string(ir::mnemonic(s.op)) + ": the llvm backend needs a constant input size, got " +
                         x->type.shape[2].str());
  size_t next = 1;
  const ir::Value *h0 = nullptr, *c0 = nullptr, *lengths = nullptr;
  if (a.HasInitialState) h0 = L.operand(unsigned(next++));
  if (a.HasInitialState && s.op == ir::OpKind::LSTM) c0 = L.operand(unsigned(next++));
  if (a.HasLengths) lengths = L.operand(unsigned(next++));
  if (lengths) checkLengths(L, s, lengths);
  int giSlot = L.temporary(ByteSize{s.T * s.B * ir::Dim(s.G * s.H), 4});
  ir::Dim layerElements = s.T * s.B * ir::Dim(s.dirs * s.H);
  int buffers[2] = {-1, -1};
  for (int k = 0; k < 2 && k + 1 < s.layers; ++k) buffers[k] = L.temporary(ByteSize{layerElements, 4});
  for (int64_t layer = 0; layer < s.layers; ++layer) {
    Step step{layer == 0 ? x : nullptr, layer == 0 ? -1 : buffers[(layer - 1) % 2],
              layer + 1 == s.layers ? -1 : buffers[layer % 2], layer == 0 ? *inputSize : s.dirs * s.H, 0, 0};
    if (lengths) { // positions past a row's length stay 0
      FunctionEmitter &e = L.entry();
      llvm::Value *target = step.outputSlot < 0 ? e.ptr(L.result(0)) : e.framePointer(step.outputSlot);
      e.zeroBytes(target, e.b.CreateMul(e.dim(layerElements), e.i64(4)));
    }
    for (int dir = 0; dir < s.dirs; ++dir) {
      Direction d{L.operand(unsigned(next)), L.operand(unsigned(next + 1))};
      if (s.bias) d.bIh = L.operand(unsigned(next + 2)), d.bHh = L.operand(unsigned(next + 3));
      next += s.bias ? 4 : 2;
      step.index = int(layer * s.dirs + dir);
      step.direction = dir;
      emitDirection(L, s, d, step, giSlot, h0, c0, lengths);
    }
  }
  return Status::ok();
}

} // namespace attn::llvmcg
