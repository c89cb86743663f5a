// How attnc's own code reaches inside the public api::Module: the command
// line compiles with its own pipeline options (printing, --explain-fusion)
// and then wraps the Executable, so that every `attnc run` goes through the
// public Module::run. Internal: not installed.
#pragma once

#include "attn/attn.hpp"
#include "ir/Graph.h"
#include "runtime/Executable.h"

#include <memory>
#include <string>
#include <vector>

namespace attn::api {

struct Module::Impl {
  std::shared_ptr<const ir::Module> module; // optimised, what `executable` was compiled from
  std::shared_ptr<const Executable> executable;
  std::vector<FunctionInfo> functions;
  std::vector<std::string> ignoredWeights;
};

struct ModuleAccess {
  static Module wrap(std::shared_ptr<const ir::Module> module, std::shared_ptr<const Executable> executable,
                     std::vector<std::string> ignoredWeights);
  static const Module::Impl &impl(const Module &m) { return *m.impl_; }
  /// Module::runInto, where an output of null data and no capacity is
  /// allocated by the run after all of its checks (the memory limit
  /// included) and returned in allocated[i] (the C API's outputs).
  static Status runIntoAllocating(const Module &module, std::string_view function,
                                  const std::vector<TensorRef> &inputs, std::vector<TensorRef> &outputs,
                                  std::vector<attn::Tensor> &allocated);
};

/// Whether `dtype` is one of the enum's values (a caller may cast any integer).
bool validDType(DType dtype);
/// The internal dtype of a public one, and back.
attn::DType toInternal(DType dtype);
DType toPublic(attn::DType dtype);

} // namespace attn::api
