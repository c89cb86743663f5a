// lstm, gru and rnn on oneDNN's RNN primitives, one primitive per layer (a
// layer k > 0 reads 2H features of a bidirectional layer below, which one
// multi-layer primitive cannot), per distinct (T, B):
//   lstm -> lstm_forward: the gates i, f, g, o are oneDNN's i, f, c~, o;
//   gru  -> lbr_gru_forward (PyTorch's GRU applies the reset gate after the
//           hidden projection, "linear before reset"): PyTorch's r, z, n
//           become oneDNN's u = z, r, o = n, the bias [b_iz + b_hz,
//           b_ir + b_hr, b_in, b_hn];
//   rnn  -> vanilla_rnn_forward with tanh or relu.
// The two biases are summed at compile time (oneDNN has one, but for the
// GRU's fourth); the weights are converted once into ldigo ([layer, dir,
// input, gate, hidden]) and reordered once into the layout each primitive
// asks for. bidirectional is bidirectional_concat, batch_first the ntc
// layout, the initial and final states the [layers*dirs, B, H] tensors'
// slices.
//
// Packed sequences (`lengths`; oneDNN has no per-row lengths): each
// direction runs on its own, left to right over all T steps, the reverse
// direction on a copy of its input with each row's first lengths[b] steps
// reversed. A step sees only earlier steps, so for s < lengths[b] both
// give exactly the packed-sequence values; they are put back in place
// (reversed again for the reverse direction), the steps past lengths[b]
// left 0, and h_n is each row's output at its last step. The LSTM's c_n is
// oneDNN's only where every row has all T steps; a program that uses c_n
// with shorter rows runs on the loops for that call.
#include "codegen/dnnl/Lowering.h"

#include "ir/ShapeInference.h"

#include <cstring>
#include <tuple>

namespace attn::dnnlcg {

namespace {

using K = ir::OpKind;

/// One layer's weights in oneDNN's layout (both directions), and a cache of
/// their reorders for all directions at once (index 0) and, for packed
/// sequences, for each direction alone (index 1 + d).
struct LayerWeights {
  std::vector<float> layer, iter, bias; // ldigo, ldigo, ldgo
  int64_t inputSize;
  std::vector<std::unique_ptr<WeightCache>> layerCaches, iterCaches;
};

/// One layer's primitive for a (T, B), with the weights in its layout: one
/// set (all directions) or, for packed sequences, one per direction.
struct LayerPlan {
  dnnl::primitive_desc pd;
  dnnl::primitive primitive;
  std::vector<dnnl::memory> weightsLayer, weightsIter;
};

class RecurrentKernel final : public NodeKernel {
public:
  RecurrentKernel(const ir::Node &node, const LowerContext &context)
      : op_(node.op), layout_(node.op, node.attrs), H_(node.attrs.Hidden), L_(node.attrs.Layers),
        D_(node.attrs.Bidirectional ? 2 : 1), G_(ir::recurrentGateCount(node.op)),
        biasGates_(node.op == K::GRU ? 4 : G_), batchFirst_(node.attrs.BatchFirst),
        relu_(node.op == K::RNN && node.attrs.Nonlinearity == K::Relu),
        cellStateUsed_(node.op == K::LSTM && node.results[2]->useCount() > 0), plans_(context.shapesPerNode) {
    // oneDNN's gate g is PyTorch's gate order[g].
    std::vector<int64_t> order = op_ == K::GRU ? std::vector<int64_t>{1, 0, 2} : std::vector<int64_t>{0, 1, 2, 3};
    for (int64_t l = 0; l < L_; ++l) {
      LayerWeights w;
      w.inputSize = context.weight(node.operand(layout_.weights(l, 0)))->shape[1];
      int64_t C = w.inputSize;
      w.layer.assign(size_t(D_ * C * G_ * H_), 0.0f);
      w.iter.assign(size_t(D_ * H_ * G_ * H_), 0.0f);
      w.bias.assign(size_t(D_ * biasGates_ * H_), 0.0f);
      for (int64_t d = 0; d < D_; ++d) {
        size_t first = layout_.weights(l, d);
        const float *wIh = context.weight(node.operand(first))->as<float>();
        const float *wHh = context.weight(node.operand(first + 1))->as<float>();
        const float *bIh = layout_.hasBias ? context.weight(node.operand(first + 2))->as<float>() : nullptr;
        const float *bHh = layout_.hasBias ? context.weight(node.operand(first + 3))->as<float>() : nullptr;
        for (int64_t g = 0; g < G_; ++g)
          for (int64_t h = 0; h < H_; ++h) {
            int64_t row = order[size_t(g)] * H_ + h; // PyTorch's row of this gate and unit
            for (int64_t c = 0; c < C; ++c) w.layer[size_t(((d * C + c) * G_ + g) * H_ + h)] = wIh[row * C + c];
            for (int64_t c = 0; c < H_; ++c) w.iter[size_t(((d * H_ + c) * G_ + g) * H_ + h)] = wHh[row * H_ + c];
            if (!bIh) continue;
            float &b = w.bias[size_t((d * biasGates_ + g) * H_ + h)];
            // The GRU's n gate keeps b_hn apart (the fourth gate).
            b = op_ == K::GRU && g == 2 ? bIh[row] : bIh[row] + bHh[row];
            if (op_ == K::GRU && g == 2) w.bias[size_t((d * biasGates_ + 3) * H_ + h)] = bHh[row];
          }
      }
      auto caches = [&](int64_t dirs, int64_t firstDir) {
        w.layerCaches.push_back(std::make_unique<WeightCache>(
            dnnl::memory::desc({1, dirs, C, G_, H_}, DataType::f32, Tag::ldigo), w.layer.data() + firstDir * C * G_ * H_));
        w.iterCaches.push_back(std::make_unique<WeightCache>(
            dnnl::memory::desc({1, dirs, H_, G_, H_}, DataType::f32, Tag::ldigo), w.iter.data() + firstDir * H_ * G_ * H_));
      };
      caches(D_, 0);
      if (layout_.lengths)
        for (int64_t d = 0; d < D_; ++d) caches(1, d);
      layers_.push_back(std::move(w));
    }
  }

  KernelResult run(const KernelArgs &args, RunContext &context) const override {
    const TensorView &x = args.operand(0);
    int64_t T = batchFirst_ ? x.shape[1] : x.shape[0], B = batchFirst_ ? x.shape[0] : x.shape[1];
    if (layout_.lengths) return runPacked(args, context, T, B);
    auto plans = plans_.get({T, B}, [&] {
      std::vector<LayerPlan> p;
      for (int64_t l = 0; l < L_; ++l) p.push_back(layerPlan(l, T, B, false, context.engine));
      return p;
    });
    bool lstm = op_ == K::LSTM;
    Tensor y = args.makeResult(0), hN = args.makeResult(1), cN = lstm ? args.makeResult(2) : Tensor();
    // The outputs of the layers below the last, time-major, in turn.
    float *between[2] = {nullptr, nullptr};
    if (L_ > 1)
      for (float *&b : between) b = context.temporary(size_t(T * B * D_ * H_));
    const void *in = x.data;
    int64_t state = D_ * B * H_; // one layer's floats of h0, h_n, c0, c_n
    for (int64_t l = 0; l < L_; ++l) {
      void *out = l + 1 < L_ ? between[l % 2] : y.data();
      execute(context, (*plans)[size_t(l)], 0, args, l * state, in, out, hN.as<float>() + l * state,
              lstm ? cN.as<float>() + l * state : nullptr, layers_[size_t(l)].bias.data());
      in = out;
    }
    if (lstm) return interp::results(std::move(y), std::move(hN), std::move(cN));
    return interp::results(std::move(y), std::move(hN));
  }

private:
  /// Runs `plan`'s primitive with weight set `weights` from `in` into
  /// `out`, the initial states (when given) read at `stateOffset` floats
  /// into h0 and c0, the final ones written to hOut and cOut (when not null).
  void execute(RunContext &context, const LayerPlan &plan, size_t weights, const KernelArgs &args,
               int64_t stateOffset, const void *in, void *out, void *hOut, void *cOut, const float *bias) const {
    auto md = [&](int what) { return plan.pd.query_md(dnnl::query::exec_arg_md, what); };
    std::unordered_map<int, dnnl::memory> m = {
        {DNNL_ARG_SRC_LAYER, memoryOf(md(DNNL_ARG_SRC_LAYER), context.engine, in)},
        {DNNL_ARG_WEIGHTS_LAYER, plan.weightsLayer[weights]},
        {DNNL_ARG_WEIGHTS_ITER, plan.weightsIter[weights]},
        {DNNL_ARG_BIAS, memoryOf(md(DNNL_ARG_BIAS), context.engine, bias)},
        {DNNL_ARG_DST_LAYER, memoryOf(md(DNNL_ARG_DST_LAYER), context.engine, out)},
        {DNNL_ARG_DST_ITER, memoryOf(md(DNNL_ARG_DST_ITER), context.engine, hOut)}};
    if (layout_.h0)
      m.emplace(DNNL_ARG_SRC_ITER, memoryOf(md(DNNL_ARG_SRC_ITER), context.engine,
                                            args.operand(*layout_.h0).as<float>() + stateOffset));
    if (op_ == K::LSTM) {
      m.emplace(DNNL_ARG_DST_ITER_C, memoryOf(md(DNNL_ARG_DST_ITER_C), context.engine, cOut));
      if (layout_.c0)
        m.emplace(DNNL_ARG_SRC_ITER_C, memoryOf(md(DNNL_ARG_SRC_ITER_C), context.engine,
                                                args.operand(*layout_.c0).as<float>() + stateOffset));
    }
    context.execute(plan.primitive, plan.pd, std::move(m));
  }

  /// Packed sequences, one direction at a time (see the top of the file).
  KernelResult runPacked(const KernelArgs &args, RunContext &context, int64_t T, int64_t B) const {
    std::vector<int64_t> lengths(static_cast<size_t>(B));
    bool shorter = false;
    for (int64_t b = 0; b < B; ++b) {
      lengths[size_t(b)] = interp::integerAt(args.operand(*layout_.lengths), b);
      // Out of range: the loops report it, as on every backend.
      if (lengths[size_t(b)] < 1 || lengths[size_t(b)] > T) return interp::evaluateNode(args);
      shorter |= lengths[size_t(b)] < T;
    }
    if (cellStateUsed_ && shorter) return interp::evaluateNode(args);
    auto plans = plans_.get({T, B, 1}, [&] {
      std::vector<LayerPlan> p;
      for (int64_t l = 0; l < L_; ++l) p.push_back(layerPlan(l, T, B, true, context.engine));
      return p;
    });
    bool lstm = op_ == K::LSTM;
    const TensorView &x = args.operand(0);
    Tensor hN = args.makeResult(1), cN = lstm ? args.makeResult(2) : Tensor();
    // Time-major [T, B, F] throughout; `at` is the offset of (t, b) in rows.
    auto at = [B](int64_t t, int64_t b) { return t * B + b; };
    std::vector<float> seq = batchFirst_ ? interp::swapLeadingAxes(x.as<float>(), B, T, x.shape[2])
                                         : std::vector<float>(x.as<float>(), x.as<float>() + x.numElements());
    int64_t state = B * H_; // one direction's floats of h0, h_n, c0, c_n
    for (int64_t l = 0; l < L_; ++l) {
      const LayerWeights &w = layers_[size_t(l)];
      int64_t C = w.inputSize;
      std::vector<float> out(size_t(T * B * D_ * H_), 0.0f);
      float *steps = context.temporary(size_t(T * B * H_)), *hLast = context.temporary(size_t(B * H_));
      for (int64_t d = 0; d < D_; ++d) {
        const float *in = seq.data();
        if (d == 1) { // each row's first lengths[b] steps reversed, the rest 0
          float *reversed = context.temporary(size_t(T * B * C));
          std::fill_n(reversed, T * B * C, 0.0f);
          for (int64_t b = 0; b < B; ++b)
            for (int64_t s = 0; s < lengths[size_t(b)]; ++s)
              std::memcpy(reversed + at(s, b) * C, in + at(lengths[size_t(b)] - 1 - s, b) * C, size_t(C) * 4);
          in = reversed;
        }
        int64_t index = l * D_ + d;
        execute(context, (*plans)[size_t(l)], size_t(d), args, index * state, in, steps, hLast,
                lstm ? cN.as<float>() + index * state : nullptr, w.bias.data() + d * biasGates_ * H_);
        for (int64_t b = 0; b < B; ++b) {
          int64_t n = lengths[size_t(b)];
          for (int64_t s = 0; s < n; ++s)
            std::memcpy(out.data() + at(d == 0 ? s : n - 1 - s, b) * D_ * H_ + d * H_, steps + at(s, b) * H_,
                        size_t(H_) * 4);
          std::memcpy(hN.as<float>() + index * state + b * H_, steps + at(n - 1, b) * H_, size_t(H_) * 4);
        }
      }
      seq = std::move(out);
    }
    if (batchFirst_) seq = interp::swapLeadingAxes(seq.data(), T, B, D_ * H_);
    Tensor y = args.makeResult(0);
    std::copy(seq.begin(), seq.end(), y.as<float>());
    if (lstm) return interp::results(std::move(y), std::move(hN), std::move(cN));
    return interp::results(std::move(y), std::move(hN));
  }

  /// Layer l's primitive: all directions at once in the layout of x and y,
  /// or (packed) one direction, time-major, with each direction's weights.
  LayerPlan layerPlan(int64_t l, int64_t T, int64_t B, bool packed, const dnnl::engine &engine) const {
    const LayerWeights &w = layers_[size_t(l)];
    int64_t dirs = packed ? 1 : D_;
    bool first = l == 0, last = l + 1 == L_;
    Tag inTag = !packed && first && batchFirst_ ? Tag::ntc : Tag::tnc;
    Tag outTag = !packed && last && batchFirst_ ? Tag::ntc : Tag::tnc;
    dnnl::memory::desc src({T, B, w.inputSize}, DataType::f32, inTag), dst({T, B, dirs * H_}, DataType::f32, outTag);
    dnnl::memory::desc iter({1, dirs, B, H_}, DataType::f32, Tag::ldnc);
    dnnl::memory::desc none; // no initial state: zeros
    dnnl::memory::desc h0 = layout_.h0 ? iter : none, c0 = layout_.c0 ? iter : none;
    dnnl::memory::desc weightsLayer({1, dirs, w.inputSize, G_, H_}, DataType::f32, Tag::any);
    dnnl::memory::desc weightsIter({1, dirs, H_, G_, H_}, DataType::f32, Tag::any);
    dnnl::memory::desc bias({1, dirs, biasGates_, H_}, DataType::f32, Tag::ldgo);
    auto direction =
        dirs == 2 ? dnnl::rnn_direction::bidirectional_concat : dnnl::rnn_direction::unidirectional_left2right;
    auto inference = dnnl::prop_kind::forward_inference;
    LayerPlan plan;
    if (op_ == K::LSTM) {
      dnnl::lstm_forward::desc desc(inference, direction, src, h0, c0, weightsLayer, weightsIter, bias, dst, iter,
                                    iter);
      auto typed = primitiveDesc<dnnl::lstm_forward>(desc, engine);
      std::tie(plan.pd, plan.primitive) = std::pair(typed, dnnl::lstm_forward(typed));
    } else if (op_ == K::GRU) {
      dnnl::lbr_gru_forward::desc desc(inference, direction, src, h0, weightsLayer, weightsIter, bias, dst, iter);
      auto typed = primitiveDesc<dnnl::lbr_gru_forward>(desc, engine);
      std::tie(plan.pd, plan.primitive) = std::pair(typed, dnnl::lbr_gru_forward(typed));
    } else {
      auto activation = relu_ ? dnnl::algorithm::eltwise_relu : dnnl::algorithm::eltwise_tanh;
      dnnl::vanilla_rnn_forward::desc desc(inference, activation, direction, src, h0, weightsLayer, weightsIter,
                                           bias, dst, iter);
      auto typed = primitiveDesc<dnnl::vanilla_rnn_forward>(desc, engine);
      std::tie(plan.pd, plan.primitive) = std::pair(typed, dnnl::vanilla_rnn_forward(typed));
    }
    // Cache 0 holds all directions; 1 + d direction d alone.
    for (int64_t set = packed ? 1 : 0; set < (packed ? 1 + D_ : 1); ++set) {
      plan.weightsLayer.push_back(w.layerCaches[size_t(set)]->get(plan.pd.weights_desc(0), engine));
      plan.weightsIter.push_back(w.iterCaches[size_t(set)]->get(plan.pd.weights_desc(1), engine));
    }
    return plan;
  }

  K op_;
  ir::RecurrentOperands layout_;
  int64_t H_, L_, D_, G_, biasGates_;
  bool batchFirst_, relu_, cellStateUsed_;
  std::vector<LayerWeights> layers_;
  PlanCache<std::vector<LayerPlan>> plans_;
};

} // namespace

KernelPtr lowerRecurrent(const ir::Node &node, const LowerContext &context) {
  if (!ir::hasTrait(node.op, ir::T_RECURRENT) || node.operand(0)->type.dtype != DType::F32) return nullptr;
  ir::RecurrentOperands layout(node.op, node.attrs);
  for (size_t i = layout.firstWeight; i < layout.count; ++i) {
    const TensorView *w = context.weight(node.operand(i));
    if (!w || w->numElements() == 0) return nullptr; // computed or empty weights: the loops
  }
  return std::make_unique<RecurrentKernel>(node, context);
}

} // namespace attn::dnnlcg
