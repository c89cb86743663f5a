// oneDNN's LSTM primitive as the reference of recurrent_bench: the
// sentiment model's encoder, a bidirectional (concatenated) LSTM of `layers`
// layers over f32 [T, N, input], zero initial states, in inference. oneDNN
// stacks only layers whose input width equals the hidden size (2.6 rejects
// a stack of bidirectional_concat layers of input 2*hidden), so each layer
// is a primitive of its own, run one after the other (as PyTorch's mkldnn
// path runs them). Weights are in the layout the primitive asks for (format_tag::any),
// filled with small values: the time does not depend on them.
#pragma once

#include <dnnl.hpp>

#include <unordered_map>
#include <vector>

namespace attn::bench {

class DnnlLstm {
public:
  DnnlLstm(int64_t layers, int64_t T, int64_t N, int64_t input, int64_t hidden)
      : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
    buffers_.reserve(16);
    dnnl::memory src = buffer({T, N, input}, tag::tnc);
    dnnl::memory out[2] = {buffer({T, N, 2 * hidden}, tag::tnc), buffer({T, N, 2 * hidden}, tag::tnc)};
    for (int64_t layer = 0; layer < layers; ++layer)
      add(layer == 0 ? src : out[(layer + 1) % 2], out[layer % 2], layer == 0 ? input : 2 * hidden, hidden);
  }

  void run() {
    for (size_t k = 0; k < primitives_.size(); ++k) primitives_[k].execute(stream_, args_[k]);
    stream_.wait();
  }

private:
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;

  dnnl::memory buffer(const dnnl::memory::dims &dims, tag format) { return filled(dnnl::memory::desc(dims, dt::f32, format)); }
  dnnl::memory filled(const dnnl::memory::desc &desc) {
    buffers_.emplace_back(desc.get_size() / sizeof(float) + 1, 0.01f);
    return dnnl::memory(desc, engine_, buffers_.back().data());
  }

  /// One bidirectional layer from src to dst.
  void add(const dnnl::memory &src, const dnnl::memory &dst, int64_t input, int64_t hidden) {
    dnnl::memory::desc weightsLayer({1, 2, input, 4, hidden}, dt::f32, tag::any);
    dnnl::memory::desc weightsIter({1, 2, hidden, 4, hidden}, dt::f32, tag::any);
    dnnl::memory::desc bias({1, 2, 4, hidden}, dt::f32, tag::ldgo);
    dnnl::lstm_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::rnn_direction::bidirectional_concat,
                                  src.get_desc(), dnnl::memory::desc(), dnnl::memory::desc(), weightsLayer,
                                  weightsIter, bias, dst.get_desc(), dnnl::memory::desc(), dnnl::memory::desc());
    dnnl::lstm_forward::primitive_desc pd(desc, engine_);
    primitives_.emplace_back(pd);
    std::unordered_map<int, dnnl::memory> args;
    args[DNNL_ARG_SRC_LAYER] = src;
    args[DNNL_ARG_DST_LAYER] = dst;
    args[DNNL_ARG_WEIGHTS_LAYER] = filled(pd.weights_layer_desc());
    args[DNNL_ARG_WEIGHTS_ITER] = filled(pd.weights_iter_desc());
    args[DNNL_ARG_BIAS] = filled(pd.bias_desc());
    if (pd.workspace_desc().get_size()) args[DNNL_ARG_WORKSPACE] = filled(pd.workspace_desc());
    if (pd.scratchpad_desc().get_size()) args[DNNL_ARG_SCRATCHPAD] = filled(pd.scratchpad_desc());
    args_.push_back(std::move(args));
  }

  dnnl::engine engine_;
  dnnl::stream stream_;
  std::vector<dnnl::primitive> primitives_;
  std::vector<std::unordered_map<int, dnnl::memory>> args_;
  std::vector<std::vector<float>> buffers_;
};

} // namespace attn::bench
