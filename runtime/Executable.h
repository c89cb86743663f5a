// The backend-independent face of a compiled model: its functions' signatures
// and a thread-safe `run`. Every backend (interp, llvm, dnnl) returns one;
// applications, the CLI and the tests talk only to this interface. Nothing
// here knows the IR: dims are text ("B", "2*T", "12").
#pragma once

#include "runtime/Status.h"
#include "runtime/Tensor.h"
#include "runtime/WeightStore.h"

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attn {


/// One argument or result of a function: name, dtype and symbolic shape.
struct TensorSpec {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::string> dims; // each a dim expression: "B", "2*T", "12"

  /// "i64[B, T]"; "f32" for a scalar.
  std::string typeString() const {
    std::string s(dtypeName(dtype));
    if (dims.empty()) return s;
    s += "[";
    for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + dims[i];
    return s + "]";
  }
};

/// An entry point: arguments in declaration order, results in return order.
struct FunctionSignature {
  std::string name;
  std::vector<TensorSpec> arguments;
  std::vector<TensorSpec> results;
};

/// The weights a model is compiled with. Views are read, never written;
/// `owner` keeps their storage alive for as long as any Executable compiled
/// from this map lives (a WeightStore, a SafetensorsFile, a vector<Tensor>).
/// Tensors the model does not declare are ignored.
struct WeightMap {
  std::map<std::string, TensorView, std::less<>> tensors;
  std::shared_ptr<const void> owner;

  /// Every weight of `store`, kept alive by the map.
  static WeightMap fromStore(std::shared_ptr<const WeightStore> store) {
    WeightMap map;
    for (const std::string &name : store->names()) map.tensors.emplace(name, store->get(name));
    map.owner = std::move(store);
    return map;
  }
};

/// One phase of compiling a module (llvm: "emit", "optimize", "codegen",
/// "link", ...; docs/llvm-backend.md) and its wall-clock time.
struct CompilePhase {
  std::string name;
  double milliseconds = 0;
};

/// A compiled module. Immutable once built: `run` and `runInto` may be called
/// from many threads at once; each call uses its own scratch memory.
class Executable {
public:
  virtual ~Executable() = default;

  /// "interp", "llvm", "dnnl".
  virtual std::string_view backendName() const = 0;
  /// Every entry point, in the module's order.
  virtual const std::vector<FunctionSignature> &functions() const = 0;
  /// How long the backend took to compile the module, phase by phase (none
  /// where it has no phases worth telling apart).
  virtual std::vector<CompilePhase> compilePhases() const { return {}; }

  /// Makes `function` ready to run, where a backend compiles functions when
  /// first run (llvm, in a module of several functions): its errors then
  /// come from here, and its compile time counts in compilePhases(). A no-op
  /// (ok) where there is nothing left to do; an error for no such function.
  virtual Status prepare(std::string_view function) const {
    if (!findFunction(function)) return Status::error("no function '" + std::string(function) + "'");
    return Status::ok();
  }

  /// The function called `name`, or null.
  const FunctionSignature *findFunction(std::string_view name) const {
    for (const FunctionSignature &f : functions())
      if (f.name == name) return &f;
    return nullptr;
  }

  /// Runs `function` on caller-owned inputs, matched to its arguments by name
  /// (every argument exactly once). Symbolic dims are bound from the inputs
  /// and every input's dtype and shape is checked. Returns the results in
  /// signature order, freshly allocated.
  virtual Result<std::vector<Tensor>> run(std::string_view function,
                                          const NamedTensorViews &inputs) const = 0;

  /// As run(), writing each result into the caller's buffer of the same name
  /// (every result exactly once, dtype and shape as computed). The default
  /// copies from run(); a backend may override it to write in place.
  ///
  /// With `allocated`, an output whose view has null data is allocated by
  /// the run, after every check a run makes (inputs, dims, the memory
  /// limit), and handed back in allocated[i] for outputs[i] (an empty Tensor
  /// for the caller's buffers). Every result counts once toward the memory
  /// limit, in the caller's buffer or the run's.
  virtual Status runInto(std::string_view function, const NamedTensorViews &inputs,
                         const NamedTensorViews &outputs, std::vector<Tensor> *allocated = nullptr) const {
    const FunctionSignature *signature = findFunction(function);
    if (!signature) return Status::error("no function '" + std::string(function) + "'");
    std::vector<size_t> bufferOf; // per result, its index in `outputs`
    for (const TensorSpec &spec : signature->results) {
      size_t count = 0, index = 0;
      for (size_t i = 0; i < outputs.size(); ++i)
        if (outputs[i].first == spec.name) index = i, ++count;
      bufferOf.push_back(index);
      if (count != 1)
        return Status::error("output '" + spec.name + "' needs exactly one buffer, got " +
                             std::to_string(count));
    }
    if (outputs.size() != bufferOf.size())
      return Status::error("an output buffer names no result of function '" + signature->name +
                           "'");
    auto results = run(function, inputs);
    if (!results) return results.status();
    for (size_t i = 0; i < bufferOf.size(); ++i) {
      const Tensor &r = (*results)[i];
      const TensorView &out = outputs[bufferOf[i]].second;
      if (out.dtype != r.dtype() || out.shape != r.shape())
        return Status::error("output '" + signature->results[i].name + "' is " +
                             std::string(dtypeName(r.dtype())) + shapeToString(r.shape()) +
                             ", its buffer is " + std::string(dtypeName(out.dtype)) +
                             shapeToString(out.shape));
      if (!out.data && !allocated && r.byteSize())
        return Status::error("output '" + signature->results[i].name + "' has no data (a null pointer)");
    }
    if (allocated) {
      allocated->clear();
      allocated->resize(outputs.size());
    }
    for (size_t i = 0; i < bufferOf.size(); ++i) {
      Tensor &r = (*results)[i];
      const TensorView &out = outputs[bufferOf[i]].second;
      if (!out.data && allocated) (*allocated)[bufferOf[i]] = std::move(r); // the run's own, counted by it
      else if (r.byteSize()) std::memcpy(out.data, r.data(), r.byteSize());
    }
    return Status::ok();
  }
};

} // namespace attn
