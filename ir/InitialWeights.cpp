// PyTorch's default initialisations (see WeightInit, filled in by the
// frontend per layer): Linear U(-1/sqrt(in), 1/sqrt(in)); LSTM/GRU/RNN
// U(-1/sqrt(H), 1/sqrt(H)); Embedding N(0, 1) with the padding row zero;
// LayerNorm ones and zeros.
#include "ir/InitialWeights.h"

#include "runtime/Memory.h"

#include <cmath>
#include <random>

namespace attn::ir {

namespace {

class Sampler {
public:
  explicit Sampler(uint64_t seed) : rng_(seed) {}
  /// Uniform in [0, 1) from the top 53 bits.
  double unit() { return double(rng_() >> 11) * 0x1.0p-53; }
  double uniform(double bound) { return (2 * unit() - 1) * bound; }
  /// Box-Muller; the second value of each pair is discarded for simplicity.
  double normal() {
    double u1 = 1.0 - unit(), u2 = unit();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * M_PI * u2);
  }

private:
  std::mt19937_64 rng_;
};

} // namespace

Result<NamedTensors> initialWeights(const Module &module, uint64_t seed, uint64_t maxMemory) {
  auto shapeOf = [](const Value &w) {
    Shape shape;
    for (const Dim &d : w.type.shape) shape.push_back(*d.constant());
    return shape;
  };
  MemoryBudget budget(maxMemory);
  for (const auto &w : module.weights()) {
    auto bytes = checkedTensorBytes(w->type.dtype, shapeOf(*w)); // the frontend checked each
    if (Status s = budget.reserve(bytes.value_or(UINT64_MAX), "weight '" + w->name + "'"); !s) return s;
  }
  Sampler sampler(seed);
  NamedTensors out;
  for (const auto &w : module.weights()) {
    Shape shape = shapeOf(*w);
    auto allocated = Tensor::allocate(w->type.dtype, shape);
    if (!allocated) return allocated.status();
    Tensor t = std::move(*allocated);
    const WeightInit &init = module.weightInit(w.get());
    out.emplace_back(w->name, Tensor());
    if (w->type.dtype != DType::F32) { // a non-float param: zeros
      out.back().second = std::move(t);
      continue;
    }
    float *data = t.as<float>();
    int64_t n = t.numElements();
    for (int64_t i = 0; i < n; ++i) {
      switch (init.kind) {
      case WeightInit::Kind::Uniform: data[i] = float(sampler.uniform(init.bound)); break;
      case WeightInit::Kind::Normal: data[i] = float(sampler.normal()); break;
      case WeightInit::Kind::Ones: data[i] = 1.0f; break;
      case WeightInit::Kind::Zeros: data[i] = 0.0f; break;
      }
    }
    if (init.zeroRow >= 0 && shape.size() == 2)
      for (int64_t j = 0; j < shape[1]; ++j) data[init.zeroRow * shape[1] + j] = 0.0f;
    out.back().second = std::move(t);
  }
  return out;
}

} // namespace attn::ir
