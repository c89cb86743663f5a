// LSTM, GRU and RNN as torch.nn's (the interpreter's RecurrentKernels.cpp):
// multi-layer, bidirectional, batch_first, initial states, lengths.
//
// W_hh is packed with its gates interleaved by vector (GateLayout, Codegen.h):
// each gate padded to Hp = roundUp(H, lanes) units, vector v of every gate
// side by side in a contiguous panel (PackKind::Panels), so that G
// accumulators of one row hold all the gates of `lanes` hidden units. Per
// layer:
//   1. the input projection of every time step and both directions,
//      gi = X W_ih^T + b_ih over the T*B rows (Gemm.cpp), in parallel; gi row
//      r holds each direction's G*H columns in torch's gate order, padded to
//      whole vectors;
//   2. the recurrence, in one task per thread over its share of the batch
//      rows (ThreadPool::Split::PerThread): for each step k, each direction,
//      each vector v of hidden units and each register block of rows (as
//      many rows as the register file holds G accumulators of), the
//      micro-kernel computes gh = b_hh + W_hh h for those units straight into
//      registers (gemmAccumulate) and the cell runs on the accumulators:
//        LSTM (i, f, g, o): c' = sig(f) c + sig(i) tanh(g), h' = sig(o) tanh(c')
//        GRU  (r, z, n):    n = tanh(gi_n + sig(r) gh_n), h' = (1 - sig(z)) n + sig(z) h
//        RNN:               h' = tanh(gi + gh) or relu(gi + gh)
//      (gi + gh added in that order: the interpreter's). The state lives in
//      scratch rows of Hp floats: h twice (step k reads one, writes the
//      other, as other units of a row still read the old h), c once; only h'
//      goes to the output (and the final h, c to h_n, c_n). A row steps for
//      its first lengths[b] steps (forward t = 0.., reverse t = len-1..); past
//      them it keeps its state and writes nothing.
// The tasks read the layer's operands (input, output, packed weights, layer
// number) from frame words the entry sets before each layer (Parameters), so
// that every layer runs the same recurrence function, and every layer of one
// input size the same projection: a 4-layer model compiles two or three
// tasks, not eight. (Layer 0's gi may be rows of a projected table picked by
// ids, a parameter that is null for the other layers.)
// Rows are stored in the input's own order (b*T + t when batch_first, else
// t*B + b), for the input, the projection and the output alike. Every row
// runs the same sequence of operations whatever block or thread it falls in.
// Layer k > 0 reads layer k-1's output from a scratch buffer.
#include "codegen/llvm/Codegen.h"

#include "ir/ShapeInference.h"

#include <map>

namespace attn::llvmcg {

namespace {

struct RecurrentShape {
  ir::OpKind op;
  int64_t H, G, layers, dirs;
  bool batchFirst, relu, bias;
  ir::Dim B, T;
  int64_t lanes = 0, Hp = 0; // f32 lanes of a vector; H padded to whole vectors
  int64_t gateWidth() const { return G * Hp; }                   // a row of packed W_hh^T
  int64_t inputWidth() const { return roundUp(G * H, lanes); } // a direction's gi
};

/// Floats between the two h state buffers beyond their size, so that the h
/// a step reads and the h it writes are not 4 KB apart (which the load/store
/// unit takes for a dependence).
constexpr int64_t kStateSkew = 48;

/// One direction's weights, packed.
struct Direction {
  PackedRef wIh, wHh, bIh, bHh;
};

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

/// One layer's operands and temporaries.
struct Layer {
  const ir::Value *input;   // the layer's input, or null for a scratch buffer
  int inputSlot = -1;       // ... at this frame slot
  int outputSlot = -1;      // the layer's output (-1: the node's result 0)
  int64_t inputSize;
  int64_t index;            // the layer's number
  std::vector<Direction> directions;
  // Layer 0 fed by an embedding of known table: gi of position r is row
  // ids[r] of `projected` (ModuleEmitter::projectedTable), no product.
  llvm::Value *projected = nullptr;
  const ir::Value *ids = nullptr;
};

/// Folds layer 0's input projection into the embedding that makes x (see
/// Layer::projected) when x = embedding(ids, table) with ids an argument (so
/// that it is still there, range-checked by the embedding, when the layer
/// runs) and the table and W_ih, b_ih known now; `next` is the index of layer
/// 0's first weight operand.
void foldEmbedding(NodeLowering &L, const RecurrentShape &s, const ir::Value *x,
                   const ir::RecurrentOperands &layout, Layer &layer) {
  const ir::Node *def = x->def;
  if (!def || def->op != ir::OpKind::Embedding || !def->operand(0)->isArgument()) return;
  std::vector<const ir::Value *> weights, biases;
  for (int64_t dir = 0; dir < s.dirs; ++dir) {
    size_t first = layout.weights(0, dir);
    weights.push_back(L.operand(unsigned(first)));
    biases.push_back(s.bias ? L.operand(unsigned(first + 2)) : nullptr);
  }
  layer.projected = L.m.projectedTable(def->operand(1), weights, biases, s.inputWidth());
  if (layer.projected) layer.ids = def->operand(0);
}

/// The initial states and lengths operands (each may be null).
struct RecurrentInputs {
  const ir::Value *h0, *c0, *lengths;
};

/// A layer's operands as task parameters (NodeLowering::parameter): the
/// entry sets them before it runs the layer's tasks, so that the layers of
/// one shape share their task functions (one projection and one recurrence
/// for layers 1.., and for layer 0 where its input is as wide): the code is
/// compiled once, not once a layer.
struct Parameters {
  int input = -1, output = -1, index = -1;
  int gi = -1, ids = -1; // gi's rows: the projection's, or a projected table's, then ids (else null)
  std::vector<int> wIh, bIh, wHh, bHh; // per direction (the biases: -1 without)
};

Parameters newParameters(NodeLowering &L, const RecurrentShape &s) {
  Parameters p{L.parameter(), L.parameter(), L.parameter(), L.parameter(), L.parameter(), {}, {}, {}, {}};
  for (int64_t dir = 0; dir < s.dirs; ++dir) {
    p.wIh.push_back(L.parameter());
    p.wHh.push_back(L.parameter());
    p.bIh.push_back(s.bias ? L.parameter() : -1);
    p.bHh.push_back(s.bias ? L.parameter() : -1);
  }
  return p;
}

/// Frame slots of the node's temporaries.
struct Slots {
  int gi, h, c; // gi: [T*B, dirs*inputWidth] + a vector; h: 2 x [dirs, B, Hp] + skew; c: [dirs, B, Hp]
};

/// In the entry: `layer`'s operands into the parameters.
void setParameters(NodeLowering &L, const RecurrentShape &s, const Layer &layer, const Slots &slots,
                   const Parameters &p) {
  FunctionEmitter &e = L.entry();
  e.setFrameWord(p.input, layer.input ? e.ptr(layer.input) : e.framePointer(layer.inputSlot));
  e.setFrameWord(p.output, layer.outputSlot < 0 ? e.ptr(L.result(0)) : e.framePointer(layer.outputSlot));
  e.setFrameWord(p.index, e.i64(layer.index));
  e.setFrameWord(p.gi, layer.projected ? layer.projected : e.framePointer(slots.gi));
  e.setFrameWord(p.ids, layer.ids ? e.ptr(layer.ids) : llvm::ConstantPointerNull::get(e.b.getPtrTy()));
  for (int64_t dir = 0; dir < s.dirs; ++dir) {
    const Direction &d = layer.directions[size_t(dir)];
    if (!layer.projected) e.setFrameWord(p.wIh[size_t(dir)], e.packed(d.wIh));
    e.setFrameWord(p.wHh[size_t(dir)], e.packed(d.wHh));
    if (!s.bias) continue;
    if (!layer.projected) e.setFrameWord(p.bIh[size_t(dir)], e.packed(d.bIh));
    e.setFrameWord(p.bHh[size_t(dir)], e.packed(d.bHh));
  }
}

/// 1. gi = X W_ih^T + b_ih for every row and direction: the task of this
/// input size, built at its first use.
void emitProjection(NodeLowering &L, const RecurrentShape &s, const Layer &layer, const Slots &slots,
                    const Parameters &params, std::map<int64_t, FunctionEmitter *> &tasks) {
  if (layer.projected) return;
  int64_t width = s.inputWidth(), stride = s.dirs * width;
  // The cells read a vector past the last gate of the last row: zeros.
  FunctionEmitter &e = L.entry();
  e.zeroBytes(e.gep(e.f32Type(), e.framePointer(slots.gi), e.b.CreateMul(e.dim(s.T * s.B), e.i64(stride))),
              e.i64(s.lanes * 4));
  FunctionEmitter *&task = tasks[layer.inputSize];
  if (!task) {
    FunctionEmitter &p = L.task("projection");
    llvm::Value *x = p.framePointer(params.input), *gi = p.framePointer(slots.gi);
    for (int64_t dir = 0; dir < s.dirs; ++dir)
      emitPackedGemm(p, GemmShape{layer.inputSize, width, layer.inputSize, stride}, x, p.framePointer(params.wIh[size_t(dir)]),
                     s.bias ? p.framePointer(params.bIh[size_t(dir)]) : nullptr, p.gep(p.f32Type(), gi, p.i64(dir * width)),
                     p.arg(1), p.arg(2));
    task = &p;
  }
  L.runParallel(*task, e.dim(s.T * s.B), gemmRowGrain(layer.inputSize, stride));
}

/// The recurrence task of every layer (see the file comment), its operands
/// read from the Parameters; `idsType` is the type of the ids of layer 0's
/// projected table, if it has one.
class Recurrence {
public:
  Recurrence(NodeLowering &L, const RecurrentShape &s, DType idsType, const Slots &slots,
             const RecurrentInputs &in, const Parameters &params)
      : L(L), s(s), idsType(idsType), in(in), params(params), t(L.task("recurrence")), b(t.b) {
    T = t.dim(s.T), B = t.dim(s.B), gi = t.framePointer(params.gi);
    out = t.framePointer(params.output);
    hState[0] = t.framePointer(slots.h);
    hState[1] = f32At(hState[0], b.CreateAdd(b.CreateMul(t.i64(s.dirs * s.Hp), B), t.i64(kStateSkew)));
    cState = s.op == ir::OpKind::LSTM ? t.framePointer(slots.c) : nullptr;
  }

  /// Builds the task; the caller runs it (runParallel) once a layer.
  FunctionEmitter &emit() {
    llvm::Value *begin = t.arg(1), *end = t.arg(2);
    initialState(begin, end);
    llvm::Value *steps = in.lengths ? t.forRangeCarry(begin, end, {t.i64(0)}, [&](llvm::Value *row, const Values &m) {
      llvm::Value *n = lengthOf(row);
      return Values{b.CreateSelect(b.CreateICmpSGT(n, m[0]), n, m[0])};
    })[0] : T;
    t.forRange(t.i64(0), steps, [&](llvm::Value *k) {
      llvm::Value *odd = b.CreateTrunc(k, b.getInt1Ty());
      Cursor at{k, b.CreateSelect(odd, hState[1], hState[0]), b.CreateSelect(odd, hState[0], hState[1])};
      for (int64_t dir = 0; dir < s.dirs; ++dir) {
        at.dir = dir;
        int64_t full = s.H / s.lanes, tail = s.H % s.lanes;
        if (full == 1) units(at, t.i64(0), unsigned(s.lanes), begin, end);
        else if (full > 1)
          t.forRange(t.i64(0), t.i64(full), [&](llvm::Value *v) { units(at, v, unsigned(s.lanes), begin, end); });
        if (tail) units(at, t.i64(full), unsigned(tail), begin, end);
      }
    });
    finalState(begin, end, b.CreateSelect(b.CreateTrunc(steps, b.getInt1Ty()), hState[1], hState[0]));
    return t;
  }

private:
  NodeLowering &L;
  const RecurrentShape &s;
  DType idsType;
  const RecurrentInputs &in;
  const Parameters &params;
  FunctionEmitter &t;
  llvm::IRBuilder<> &b;
  llvm::Value *T, *B, *gi, *out, *hState[2], *cState;

  /// Where a step is: its number, the h it reads and the h it writes.
  struct Cursor {
    llvm::Value *k, *hIn, *hOut;
    int64_t dir = 0;
  };

  llvm::Value *f32At(llvm::Value *base, llvm::Value *offset) { return t.gep(t.f32Type(), base, offset); }
  llvm::Value *lengthOf(llvm::Value *row) {
    return in.lengths ? b.CreateSExt(t.loadElement(in.lengths->type.dtype, t.ptr(in.lengths), row), t.i64Type()) : T;
  }
  /// The state row of (dir, row) in hState / cState, in floats.
  llvm::Value *stateRow(int64_t dir, llvm::Value *row) {
    return b.CreateMul(b.CreateAdd(b.CreateMul(t.i64(dir), B), row), t.i64(s.Hp));
  }
  /// The row of (dir, row) in h0, c0, h_n and c_n, in floats.
  llvm::Value *finalRow(int64_t dir, llvm::Value *row) {
    llvm::Value *index = b.CreateAdd(b.CreateMul(t.frameWord(params.index, t.i64Type()), t.i64(s.dirs)), t.i64(dir));
    return b.CreateMul(b.CreateAdd(b.CreateMul(index, B), row), t.i64(s.H));
  }

  void initialState(llvm::Value *begin, llvm::Value *end) {
    llvm::Value *padded = t.i64(s.Hp * 4), *bytes = t.i64(s.H * 4);
    for (int64_t dir = 0; dir < s.dirs; ++dir)
      t.forRange(begin, end, [&](llvm::Value *row) {
        llvm::Value *h = f32At(hState[0], stateRow(dir, row));
        t.zeroBytes(h, padded);
        if (in.h0) t.copyBytes(h, f32At(t.ptr(in.h0), finalRow(dir, row)), bytes);
        if (!cState) return;
        llvm::Value *c = f32At(cState, stateRow(dir, row));
        t.zeroBytes(c, padded);
        if (in.c0) t.copyBytes(c, f32At(t.ptr(in.c0), finalRow(dir, row)), bytes);
      });
  }

  void finalState(llvm::Value *begin, llvm::Value *end, llvm::Value *h) {
    llvm::Value *bytes = t.i64(s.H * 4);
    for (int64_t dir = 0; dir < s.dirs; ++dir)
      t.forRange(begin, end, [&](llvm::Value *row) {
        t.copyBytes(f32At(t.ptr(L.result(1)), finalRow(dir, row)), f32At(h, stateRow(dir, row)), bytes);
        if (cState)
          t.copyBytes(f32At(t.ptr(L.result(2)), finalRow(dir, row)), f32At(cState, stateRow(dir, row)), bytes);
      });
  }

  /// Hidden units [v*lanes, v*lanes + count) of step `at` for rows [begin, end).
  void units(const Cursor &at, llvm::Value *v, unsigned count, llvm::Value *begin, llvm::Value *end) {
    llvm::Value *whh = t.framePointer(params.wHh[size_t(at.dir)]);
    llvm::Value *bhh = s.bias ? t.framePointer(params.bHh[size_t(at.dir)]) : nullptr;
    unsigned lanes = unsigned(s.lanes), G = unsigned(s.G);
    llvm::Value *column = b.CreateMul(v, t.i64(s.G * s.lanes)), *unit = b.CreateMul(v, t.i64(s.lanes));
    // The accumulators go to an L1 buffer between the product and the cells:
    // a cell needs more registers than the other rows' accumulators leave.
    unsigned blockRows = gemmRows(t.m.target, G);
    llvm::Value *panel = f32At(whh, b.CreateMul(v, t.i64(s.H * s.G * s.lanes)));
    llvm::Value *gh = t.stackArray(t.f32Type(), int64_t(blockRows * G * lanes));
    forRowBlocks(t, begin, end, blockRows, [&](llvm::Value *row, unsigned rows) {
      Values hRows, acc;
      for (unsigned r = 0; r < rows; ++r) {
        hRows.push_back(stateRow(at.dir, b.CreateAdd(row, t.i64(r))));
        for (unsigned g = 0; g < G; ++g)
          acc.push_back(bhh ? t.loadVector(bhh, b.CreateAdd(column, t.i64(g * lanes)), lanes)
                            : llvm::Constant::getNullValue(t.vectorType(lanes)));
      }
      acc = gemmAccumulate(t, at.hIn, hRows, panel, G * lanes, t.i64(0), G, 0, s.H, acc);
      for (unsigned k = 0; k < acc.size(); ++k) t.storeVector(acc[k], gh, t.i64(k * lanes));
      t.forRange(t.i64(0), t.i64(rows), [&](llvm::Value *r) {
        llvm::Value *rowGh = b.CreateMul(r, t.i64(G * lanes));
        Values gates;
        for (unsigned g = 0; g < G; ++g) gates.push_back(t.loadVector(gh, b.CreateAdd(rowGh, t.i64(g * lanes)), lanes));
        llvm::Value *batchRow = b.CreateAdd(row, r);
        cell(at, batchRow, b.CreateAdd(stateRow(at.dir, batchRow), unit), unit, count, gates);
      });
    }, {2, 1}); // every step pays for a batch's last rows: blocks of 2 keep two FMA chains going
  }

  /// The cell of one row for the units at `state` (an offset into the state
  /// rows), from its accumulators gh[g] = b_hh + W_hh h for each gate g.
  void cell(const Cursor &at, llvm::Value *row, llvm::Value *state, llvm::Value *unit,
            unsigned count, const Values &gh) {
    unsigned lanes = unsigned(s.lanes);
    llvm::Value *length = lengthOf(row);
    llvm::Value *active = in.lengths ? b.CreateICmpSLT(at.k, length) : b.getTrue();
    llvm::Value *time = at.k;
    if (at.dir == 1) { // t = len - 1 - k, kept in range for a row past its length
      time = b.CreateSub(b.CreateSub(length, t.i64(1)), at.k);
      if (in.lengths) time = b.CreateSelect(active, time, t.i64(0));
    }
    llvm::Value *position = s.batchFirst ? b.CreateAdd(b.CreateMul(row, T), time) : b.CreateAdd(b.CreateMul(time, B), row);
    // Row ids[position] of a projected table, where the layer has one.
    llvm::Value *ids = t.framePointer(params.ids);
    llvm::Value *giRow = t.ifThenValues(b.CreateIsNotNull(ids), {position}, [&] {
      return Values{b.CreateSExt(t.loadElement(idsType, ids, position), t.i64Type())};
    })[0];
    llvm::Value *giAt = b.CreateAdd(b.CreateMul(giRow, t.i64(s.dirs * s.inputWidth())),
                                    b.CreateAdd(t.i64(at.dir * s.inputWidth()), unit));
    // Lanes past H read the next gate (or the buffer's padding): they only
    // reach the state's padding lanes, which nothing reads.
    auto input = [&](unsigned g) { return t.loadVector(gi, b.CreateAdd(giAt, t.i64(g * s.H)), lanes); };
    auto sum = [&](unsigned g) { return b.CreateFAdd(input(g), gh[g]); };
    llvm::Value *hOld = t.loadVector(at.hIn, state, lanes), *next;
    if (s.op == ir::OpKind::LSTM) {
      llvm::Value *i = t.sigmoid(sum(0)), *f = t.sigmoid(sum(1)), *g = t.tanh(sum(2)), *o = t.sigmoid(sum(3));
      llvm::Value *cOld = t.loadVector(cState, state, lanes);
      llvm::Value *c = b.CreateFAdd(b.CreateFMul(f, cOld), b.CreateFMul(i, g));
      next = b.CreateFMul(o, t.tanh(c));
      t.storeVector(b.CreateSelect(active, c, cOld), cState, state);
    } else if (s.op == ir::OpKind::GRU) {
      llvm::Value *r = t.sigmoid(sum(0)), *z = t.sigmoid(sum(1));
      llvm::Value *n = t.tanh(b.CreateFAdd(input(2), b.CreateFMul(r, gh[2])));
      next = b.CreateFAdd(b.CreateFMul(b.CreateFSub(t.constantLike(z, 1.0f), z), n), b.CreateFMul(z, hOld));
    } else {
      llvm::Value *a = sum(0);
      llvm::Value *zero = t.constantLike(a, 0.0f);
      next = s.relu ? b.CreateSelect(b.CreateFCmpOLT(a, zero), zero, a) : t.tanh(a);
    }
    t.storeVector(b.CreateSelect(active, next, hOld), at.hOut, state);
    t.ifThen(active, [&] {
      llvm::Value *o = b.CreateAdd(b.CreateMul(position, t.i64(s.dirs * s.H)), b.CreateAdd(t.i64(at.dir * s.H), unit));
      if (count < lanes) t.storeVectorPrefix(next, out, o, count);
      else t.storeVector(next, out, o);
    });
  }
};

} // namespace

Status lowerRecurrent(NodeLowering &L) {
  const ir::Attrs &a = L.node.attrs;
  const ir::Value *x = L.operand(0);
  RecurrentShape s{L.node.op, a.Hidden, ir::recurrentGateCount(L.node.op), a.Layers, a.Bidirectional ? 2 : 1,
          a.BatchFirst, L.node.op == ir::OpKind::RNN && a.Nonlinearity == ir::OpKind::Relu, a.HasBias,
          a.BatchFirst ? x->type.shape[0] : x->type.shape[1], a.BatchFirst ? x->type.shape[1] : x->type.shape[0]};
  auto inputSize = x->type.shape[2].constant();
  if (!inputSize)
    return Status::error(std::string(ir::mnemonic(s.op)) + ": the llvm backend needs a constant input size, got " +
                         x->type.shape[2].str());
  const ir::RecurrentOperands layout(L.node.op, a);
  auto optionalOperand = [&](std::optional<size_t> index) {
    return index ? L.operand(unsigned(*index)) : nullptr;
  };
  const ir::Value *h0 = optionalOperand(layout.h0), *c0 = optionalOperand(layout.c0),
                  *lengths = optionalOperand(layout.lengths);
  if (lengths) checkLengths(L, s, lengths);
  s.lanes = L.m.target.lanes();
  s.Hp = roundUp(s.H, s.lanes);
  Slots slots{L.temporary(ByteSize{s.T * s.B * ir::Dim(s.dirs * s.inputWidth()) + ir::Dim(s.lanes), 4}),
              L.temporary(ByteSize{s.B * ir::Dim(2 * s.dirs * s.Hp) + ir::Dim(kStateSkew), 4}),
              s.op == ir::OpKind::LSTM ? L.temporary(ByteSize{s.B * ir::Dim(s.dirs * s.Hp), 4}) : -1};
  ir::Dim layerElements = s.T * s.B * ir::Dim(s.dirs * s.H);
  int buffers[2] = {-1, -1};
  Parameters params = newParameters(L, s);
  std::map<int64_t, FunctionEmitter *> projections; // by input size
  FunctionEmitter *recurrence = nullptr;            // one for every layer
  for (int k = 0; k < 2 && k + 1 < s.layers; ++k) buffers[k] = L.temporary(ByteSize{layerElements, 4});
  for (int64_t index = 0; index < s.layers; ++index) {
    Layer layer{index == 0 ? x : nullptr, index == 0 ? -1 : buffers[(index - 1) % 2],
                index + 1 == s.layers ? -1 : buffers[index % 2], index == 0 ? *inputSize : s.dirs * s.H, index, {}};
    if (lengths) { // positions past a row's length stay 0
      FunctionEmitter &e = L.entry();
      llvm::Value *target = layer.outputSlot < 0 ? e.ptr(L.result(0)) : e.framePointer(layer.outputSlot);
      e.zeroBytes(target, e.b.CreateMul(e.dim(layerElements), e.i64(4)));
    }
    if (index == 0) foldEmbedding(L, s, x, layout, layer);
    for (int dir = 0; dir < s.dirs; ++dir) {
      size_t next = layout.weights(index, dir);
      Direction d;
      if (!layer.projected) d.wIh = L.pack(L.operand(unsigned(next)), PackKind::Transposed);
      d.wHh = L.pack(L.operand(unsigned(next + 1)), PackKind::Panels, s.G);
      if (s.bias)
        d.bIh = layer.projected ? PackedRef{} : L.pack(L.operand(unsigned(next + 2)), PackKind::Padded),
        d.bHh = L.pack(L.operand(unsigned(next + 3)), PackKind::Padded, s.G);
      layer.directions.push_back(d);
    }
    setParameters(L, s, layer, slots, params);
    emitProjection(L, s, layer, slots, params, projections);
    RecurrentInputs inputs{h0, c0, lengths};
    if (!recurrence)
      recurrence = &Recurrence(L, s, layer.ids ? layer.ids->type.dtype : DType::I64, slots, inputs, params).emit();
    // A thread's rows cost about T * dirs * G*H*Hp multiply-adds each.
    L.runParallel(*recurrence, L.entry().dim(s.B), std::max<int64_t>(1, (int64_t(1) << 14) / (s.dirs * s.G * s.H * s.Hp)), true);
  }
  return Status::ok();
}

} // namespace attn::llvmcg
