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
// slices. oneDNN has no per-sequence lengths: with `lengths` (packed
// sequences) the node runs on the loops.
#include "codegen/dnnl/Lowering.h"

#include "ir/ShapeInference.h"

#include <tuple>

namespace attn::dnnlcg {

namespace {

using K = ir::OpKind;

/// One layer's weights in oneDNN's layout (both directions).
struct LayerWeights {
  std::vector<float> layer, iter, bias; // ldigo, ldigo, ldgo
  int64_t inputSize;
  std::unique_ptr<WeightCache> layerCache, iterCache;
};

/// One layer's primitive for a (T, B), with the weights in its layouts.
struct LayerPlan {
  dnnl::primitive_desc pd;
  dnnl::primitive primitive;
  dnnl::memory weightsLayer, weightsIter;
};

class RecurrentKernel final : public NodeKernel {
public:
  RecurrentKernel(const ir::Node &node, const LowerContext &context)
      : op_(node.op), layout_(node.op, node.attrs), H_(node.attrs.Hidden), L_(node.attrs.Layers),
        D_(node.attrs.Bidirectional ? 2 : 1), G_(ir::recurrentGateCount(node.op)),
        batchFirst_(node.attrs.BatchFirst), relu_(node.op == K::RNN && node.attrs.Nonlinearity == K::Relu),
        plans_(context.shapesPerNode) {
    // oneDNN's gate g is PyTorch's gate order_[g].
    std::vector<int64_t> order = op_ == K::GRU ? std::vector<int64_t>{1, 0, 2} : std::vector<int64_t>{0, 1, 2, 3};
    int64_t biasGates = op_ == K::GRU ? 4 : G_;
    for (int64_t l = 0; l < L_; ++l) {
      LayerWeights w;
      w.inputSize = context.weight(node.operand(layout_.weights(l, 0)))->shape[1];
      int64_t C = w.inputSize;
      w.layer.assign(size_t(D_ * C * G_ * H_), 0.0f);
      w.iter.assign(size_t(D_ * H_ * G_ * H_), 0.0f);
      w.bias.assign(size_t(D_ * biasGates * H_), 0.0f);
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
            float &b = w.bias[size_t((d * biasGates + g) * H_ + h)];
            // The GRU's n gate keeps b_hn apart (the fourth gate).
            b = op_ == K::GRU && g == 2 ? bIh[row] : bIh[row] + bHh[row];
            if (op_ == K::GRU && g == 2) w.bias[size_t((d * biasGates + 3) * H_ + h)] = bHh[row];
          }
      }
      w.layerCache = std::make_unique<WeightCache>(
          dnnl::memory::desc({1, D_, C, G_, H_}, DataType::f32, Tag::ldigo), w.layer.data());
      w.iterCache = std::make_unique<WeightCache>(
          dnnl::memory::desc({1, D_, H_, G_, H_}, DataType::f32, Tag::ldigo), w.iter.data());
      layers_.push_back(std::move(w));
    }
  }

  KernelResult run(const KernelArgs &args, RunContext &context) const override {
    const TensorView &x = args.operand(0);
    int64_t T = batchFirst_ ? x.shape[1] : x.shape[0], B = batchFirst_ ? x.shape[0] : x.shape[1];
    auto plans = plans_.get({T, B}, [&] {
      std::vector<LayerPlan> p;
      for (int64_t l = 0; l < L_; ++l) p.push_back(layerPlan(l, T, B, context.engine));
      return p;
    });
    bool lstm = op_ == K::LSTM;
    Tensor y = args.makeResult(0), hN = args.makeResult(1), cN = lstm ? args.makeResult(2) : Tensor();
    const TensorView *h0 = layout_.h0 ? &args.operand(*layout_.h0) : nullptr;
    const TensorView *c0 = layout_.c0 ? &args.operand(*layout_.c0) : nullptr;
    Tensor between[2]; // the outputs of the layers below the last, time-major
    const void *in = x.data;
    int64_t state = D_ * B * H_; // one layer's floats of h0, h_n, c0, c_n
    for (int64_t l = 0; l < L_; ++l) {
      const LayerPlan &plan = (*plans)[size_t(l)];
      void *out = y.data();
      if (l + 1 < L_) {
        between[l % 2] = Tensor(DType::F32, {T, B, D_ * H_});
        out = between[l % 2].data();
      }
      auto md = [&](int what) { return plan.pd.query_md(dnnl::query::exec_arg_md, what); };
      std::unordered_map<int, dnnl::memory> m = {
          {DNNL_ARG_SRC_LAYER, memoryOf(md(DNNL_ARG_SRC_LAYER), context.engine, in)},
          {DNNL_ARG_WEIGHTS_LAYER, plan.weightsLayer},
          {DNNL_ARG_WEIGHTS_ITER, plan.weightsIter},
          {DNNL_ARG_BIAS, memoryOf(md(DNNL_ARG_BIAS), context.engine, layers_[size_t(l)].bias.data())},
          {DNNL_ARG_DST_LAYER, memoryOf(md(DNNL_ARG_DST_LAYER), context.engine, out)},
          {DNNL_ARG_DST_ITER, memoryOf(md(DNNL_ARG_DST_ITER), context.engine, hN.as<float>() + l * state)}};
      if (h0) m.emplace(DNNL_ARG_SRC_ITER, memoryOf(md(DNNL_ARG_SRC_ITER), context.engine, h0->as<float>() + l * state));
      if (lstm) {
        m.emplace(DNNL_ARG_DST_ITER_C, memoryOf(md(DNNL_ARG_DST_ITER_C), context.engine, cN.as<float>() + l * state));
        if (c0)
          m.emplace(DNNL_ARG_SRC_ITER_C,
                    memoryOf(md(DNNL_ARG_SRC_ITER_C), context.engine, c0->as<float>() + l * state));
      }
      context.execute(plan.primitive, plan.pd, std::move(m));
      in = out;
    }
    if (lstm) return interp::results(std::move(y), std::move(hN), std::move(cN));
    return interp::results(std::move(y), std::move(hN));
  }

private:
  LayerPlan layerPlan(int64_t l, int64_t T, int64_t B, const dnnl::engine &engine) const {
    const LayerWeights &w = layers_[size_t(l)];
    bool first = l == 0, last = l + 1 == L_;
    Tag inTag = first && batchFirst_ ? Tag::ntc : Tag::tnc, outTag = last && batchFirst_ ? Tag::ntc : Tag::tnc;
    dnnl::memory::desc src({T, B, w.inputSize}, DataType::f32, inTag), dst({T, B, D_ * H_}, DataType::f32, outTag);
    dnnl::memory::desc iter({1, D_, B, H_}, DataType::f32, Tag::ldnc);
    dnnl::memory::desc none; // no initial state: zeros
    bool h0 = layout_.h0.has_value(), c0 = layout_.c0.has_value();
    dnnl::memory::desc weightsLayer({1, D_, w.inputSize, G_, H_}, DataType::f32, Tag::any);
    dnnl::memory::desc weightsIter({1, D_, H_, G_, H_}, DataType::f32, Tag::any);
    dnnl::memory::desc bias({1, D_, op_ == K::GRU ? 4 : G_, H_}, DataType::f32, Tag::ldgo);
    auto direction = D_ == 2 ? dnnl::rnn_direction::bidirectional_concat : dnnl::rnn_direction::unidirectional_left2right;
    auto inference = dnnl::prop_kind::forward_inference;
    dnnl::primitive_desc pd;
    dnnl::primitive primitive;
    if (op_ == K::LSTM) {
      dnnl::lstm_forward::desc desc(inference, direction, src, h0 ? iter : none, c0 ? iter : none, weightsLayer,
                                    weightsIter, bias, dst, iter, iter);
      auto typed = primitiveDesc<dnnl::lstm_forward>(desc, engine);
      std::tie(pd, primitive) = std::pair(typed, dnnl::lstm_forward(typed));
    } else if (op_ == K::GRU) {
      dnnl::lbr_gru_forward::desc desc(inference, direction, src, h0 ? iter : none, weightsLayer, weightsIter, bias,
                                       dst, iter);
      auto typed = primitiveDesc<dnnl::lbr_gru_forward>(desc, engine);
      std::tie(pd, primitive) = std::pair(typed, dnnl::lbr_gru_forward(typed));
    } else {
      auto activation = relu_ ? dnnl::algorithm::eltwise_relu : dnnl::algorithm::eltwise_tanh;
      dnnl::vanilla_rnn_forward::desc desc(inference, activation, direction, src, h0 ? iter : none, weightsLayer,
                                           weightsIter, bias, dst, iter);
      auto typed = primitiveDesc<dnnl::vanilla_rnn_forward>(desc, engine);
      std::tie(pd, primitive) = std::pair(typed, dnnl::vanilla_rnn_forward(typed));
    }
    dnnl::memory wl = w.layerCache->get(pd.weights_desc(0), engine), wi = w.iterCache->get(pd.weights_desc(1), engine);
    return LayerPlan{pd, primitive, wl, wi};
  }

  K op_;
  ir::RecurrentOperands layout_;
  int64_t H_, L_, D_, G_;
  bool batchFirst_, relu_;
  std::vector<LayerWeights> layers_;
  PlanCache<std::vector<LayerPlan>> plans_;
};

} // namespace

KernelPtr lowerRecurrent(const ir::Node &node, const LowerContext &context) {
  if (!ir::hasTrait(node.op, ir::T_RECURRENT) || node.operand(0)->type.dtype != DType::F32) return nullptr;
  ir::RecurrentOperands layout(node.op, node.attrs);
  if (layout.lengths) return nullptr; // packed sequences: the loops
  for (size_t i = layout.firstWeight; i < layout.count; ++i) {
    const TensorView *w = context.weight(node.operand(i));
    if (!w || w->numElements() == 0) return nullptr; // computed or empty weights: the loops
  }
  return std::make_unique<RecurrentKernel>(node, context);
}

} // namespace attn::dnnlcg
