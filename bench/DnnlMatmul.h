// oneDNN's matmul primitive as the roofline reference of the benchmarks:
// dst = src x weights (+ bias) (then tanh), f32, on the CPU engine, with
// OpenMP's threads as the environment sets them (OMP_NUM_THREADS).
#pragma once

#include <dnnl.hpp>

#include <vector>

namespace attn::bench {

class DnnlMatmul {
public:
  /// A batch of [M, K] x [K, N] products; with `bias`, + a [N] bias; with
  /// `tanh`, a tanh post-op on the result.
  DnnlMatmul(int64_t batch, int64_t M, int64_t K, int64_t N, bool bias, bool tanh)
      : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
    using tag = dnnl::memory::format_tag;
    using dt = dnnl::memory::data_type;
    dnnl::memory::desc src({batch, M, K}, dt::f32, tag::abc), weights({batch, K, N}, dt::f32, tag::abc),
        dst({batch, M, N}, dt::f32, tag::abc), biasDesc({1, 1, N}, dt::f32, tag::abc);
    dnnl::primitive_attr attr;
    if (tanh) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_tanh, 0.0f, 0.0f);
      attr.set_post_ops(ops);
    }
    auto desc = bias ? dnnl::matmul::desc(src, weights, biasDesc, dst) : dnnl::matmul::desc(src, weights, dst);
    dnnl::matmul::primitive_desc pd(desc, attr, engine_);
    primitive_ = dnnl::matmul(pd);
    auto filled = [&](const dnnl::memory::desc &d, size_t n) {
      buffers_.emplace_back(n, 0.5f);
      return dnnl::memory(d, engine_, buffers_.back().data());
    };
    buffers_.reserve(4);
    args_[DNNL_ARG_SRC] = filled(src, size_t(batch * M * K));
    args_[DNNL_ARG_WEIGHTS] = filled(weights, size_t(batch * K * N));
    args_[DNNL_ARG_DST] = filled(dst, size_t(batch * M * N));
    if (bias) args_[DNNL_ARG_BIAS] = filled(biasDesc, size_t(N));
  }

  void run() {
    primitive_.execute(stream_, args_);
    stream_.wait();
  }

private:
  dnnl::engine engine_;
  dnnl::stream stream_;
  dnnl::primitive primitive_;
  std::vector<std::vector<float>> buffers_;
  std::unordered_map<int, dnnl::memory> args_;
};

} // namespace attn::bench
