// Helpers for the interpreter's unit tests: build a one-function Module with
// ir::Builder (there is no frontend in these tests), compile it with its
// weights, and make and read small tensors.
#pragma once

#include "codegen/interp/Interpreter.h"
#include "ir/Builder.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace attn::interp::testing {

using ir::Dim;
using ir::OpKind;

inline Tensor makeTensor(DType dtype, Shape shape, const std::vector<double> &values) {
  Tensor t(dtype, std::move(shape));
  EXPECT_EQ(int64_t(values.size()), t.numElements()) << "test data of the wrong size";
  for (int64_t i = 0; i < t.numElements() && i < int64_t(values.size()); ++i) {
    switch (dtype) {
    case DType::F32: t.as<float>()[i] = float(values[i]); break;
    case DType::I64: t.as<int64_t>()[i] = int64_t(values[i]); break;
    case DType::I32: t.as<int32_t>()[i] = int32_t(values[i]); break;
    case DType::Bool: t.as<uint8_t>()[i] = values[i] != 0; break;
    }
  }
  return t;
}
inline Tensor f32(Shape shape, const std::vector<double> &values) {
  return makeTensor(DType::F32, std::move(shape), values);
}
inline Tensor i64(Shape shape, const std::vector<double> &values) {
  return makeTensor(DType::I64, std::move(shape), values);
}
inline Tensor boolean(Shape shape, const std::vector<double> &values) {
  return makeTensor(DType::Bool, std::move(shape), values);
}

/// Every element as a double, whatever the dtype.
inline std::vector<double> valuesOf(const Tensor &t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numElements(); ++i) {
    switch (t.dtype()) {
    case DType::F32: v.push_back(t.as<float>()[i]); break;
    case DType::I64: v.push_back(double(t.as<int64_t>()[i])); break;
    case DType::I32: v.push_back(t.as<int32_t>()[i]); break;
    case DType::Bool: v.push_back(t.as<uint8_t>()[i]); break;
    }
  }
  return v;
}

/// Elementwise |a - b| <= 1e-5 + 1e-4 |b| (architecture.md's tolerance).
inline void expectClose(const std::vector<double> &actual, const std::vector<double> &expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], 1e-5 + 1e-4 * std::abs(expected[i])) << "at element " << i;
}

/// A module with one function "f" under construction.
class ModelBuilder {
public:
  ModelBuilder() : module_(std::make_shared<ir::Module>()) {
    module_->name = "test";
    graph_ = module_->addFunction("f");
  }

  ir::Value *argument(const std::string &name, DType dtype, ir::DimList shape) {
    return graph_->addArgument(name, ir::Type{dtype, std::move(shape)});
  }
  /// A module weight with its data.
  ir::Value *weight(const std::string &name, Tensor data) {
    ir::DimList shape(data.shape().begin(), data.shape().end());
    ir::Value *w = module_->addWeight(name, ir::Type{data.dtype(), shape});
    weights_->emplace_back(name, std::move(data));
    return w;
  }
  /// A node; the test fails if its types do not check.
  std::vector<ir::Value *> node(OpKind op, std::vector<ir::Value *> operands,
                                ir::Attrs attrs = {}) {
    ir::Builder builder(*graph_);
    auto n = builder.create(op, std::move(operands), std::move(attrs));
    EXPECT_TRUE(n.isOk()) << n.message();
    return n ? (*n)->results : std::vector<ir::Value *>{};
  }
  ir::Value *value(OpKind op, std::vector<ir::Value *> operands, ir::Attrs attrs = {}) {
    auto results = node(op, std::move(operands), std::move(attrs));
    return results.empty() ? nullptr : results[0];
  }
  void result(const std::string &name, ir::Value *v) {
    graph_->addResult(name, v->type, v);
  }

  ir::Module &module() { return *module_; }
  ir::Graph &graph() { return *graph_; }
  /// For compiling with other backends: the module and the weights given to
  /// weight(), kept alive by the map.
  std::shared_ptr<const ir::Module> sharedModule() const { return module_; }
  WeightMap weightMap() const {
    WeightMap map;
    for (auto &[name, tensor] : *weights_) map.tensors.emplace(name, tensor.view());
    map.owner = weights_;
    return map;
  }

  /// Compiles with the weights given to weight().
  Result<std::unique_ptr<Executable>> tryCompile() { return compileInterpreter(module_, weightMap()); }
  Result<std::unique_ptr<Executable>> tryCompile(WeightMap weights) {
    return compileInterpreter(module_, std::move(weights));
  }
  std::unique_ptr<Executable> compile() {
    auto exe = tryCompile();
    EXPECT_TRUE(exe.isOk()) << exe.message();
    return exe ? std::move(*exe) : nullptr;
  }

private:
  std::shared_ptr<ir::Module> module_;
  ir::Graph *graph_;
  std::shared_ptr<std::vector<std::pair<std::string, Tensor>>> weights_ =
      std::make_shared<std::vector<std::pair<std::string, Tensor>>>();
};

/// Runs "f"; the test fails on an error.
inline std::vector<Tensor> runOk(const Executable &exe, const NamedTensorViews &inputs) {
  auto r = exe.run("f", inputs);
  EXPECT_TRUE(r.isOk()) << r.message();
  return r ? std::move(*r) : std::vector<Tensor>{};
}

inline ir::Attrs axisAttrs(std::optional<int64_t> axis, bool keepdim = false) {
  ir::Attrs a;
  a.Axis = axis;
  a.Keepdim = keepdim;
  return a;
}

} // namespace attn::interp::testing
