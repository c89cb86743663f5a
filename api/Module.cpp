// The public C++ API (include/attn/attn.hpp) over api/Compiler.h, the
// backends and the Executable interface.
#include "api/Compiler.h"
#include "api/ModuleAccess.h"

#include "codegen/common/InputBinding.h"
#include "runtime/Memory.h"

#include <ostream>
#include <streambuf>

namespace attn::api {

bool validDType(DType dtype) {
  return dtype == DType::F32 || dtype == DType::I64 || dtype == DType::I32 || dtype == DType::Bool;
}
std::string_view dtypeName(DType dtype) {
  return validDType(dtype) ? attn::dtypeName(toInternal(dtype)) : std::string_view("invalid");
}
size_t dtypeSize(DType dtype) { return validDType(dtype) ? attn::dtypeSize(toInternal(dtype)) : 0; }
std::string_view version() { return "0.1.0"; }

attn::DType toInternal(DType dtype) {
  switch (dtype) {
  case DType::F32: return attn::DType::F32;
  case DType::I64: return attn::DType::I64;
  case DType::I32: return attn::DType::I32;
  case DType::Bool: return attn::DType::Bool;
  }
  return attn::DType::F32;
}

DType toPublic(attn::DType dtype) {
  switch (dtype) {
  case attn::DType::F32: return DType::F32;
  case attn::DType::I64: return DType::I64;
  case attn::DType::I32: return DType::I32;
  case attn::DType::Bool: return DType::Bool;
  }
  return DType::F32;
}

std::string TensorSpec::typeString() const {
  std::string s(dtypeName(dtype));
  if (dims.empty()) return s;
  s += "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + dims[i];
  return s + "]";
}

std::string FunctionInfo::signature() const {
  auto list = [](const std::vector<TensorSpec> &specs) {
    std::string s;
    for (const TensorSpec &t : specs) s += (s.empty() ? "" : ", ") + t.name + ": " + t.typeString();
    return s;
  };
  return name + "(" + list(arguments) + ") -> (" + list(results) + ")";
}

int64_t Tensor::numElements() const { return attn::numElements(shape_); }

ModelSource ModelSource::file(std::string path) {
  ModelSource s;
  s.name_ = std::move(path);
  s.isFile_ = true;
  return s;
}

ModelSource ModelSource::text(std::string source, std::string name) {
  ModelSource s;
  s.name_ = std::move(name);
  s.source_ = std::move(source);
  return s;
}

Weights Weights::file(std::string path) {
  Weights w;
  w.path_ = std::move(path);
  return w;
}

Weights Weights::buffers(std::vector<TensorRef> tensors) {
  Weights w;
  w.tensors_ = std::move(tensors);
  return w;
}

struct TensorAccess {
  static Tensor make(std::string name, attn::Tensor tensor) {
    Tensor t;
    t.name_ = std::move(name);
    t.dtype_ = toPublic(tensor.dtype());
    t.shape_ = tensor.shape();
    auto holder = std::make_shared<attn::Tensor>(std::move(tensor));
    t.data_ = std::shared_ptr<void>(holder, holder->data());
    return t;
  }
};

namespace {

Status fail(ErrorCode code, const std::string &message) { return Status::error(code, message); }

/// A stream that drops what it is given (the pipeline's log: the API asks
/// for no dumps).
struct NullStream : std::ostream {
  struct Buffer : std::streambuf {
    int overflow(int c) override { return c; }
  } buffer;
  NullStream() : std::ostream(&buffer) {}
};

/// A caller's tensor as an internal view, checked: a name when `names` needs
/// one, a non-negative shape whose bytes fit the capacity, data when there
/// are bytes. `what` is "input", "output buffer" or "weight".
Result<TensorView> viewOf(const TensorRef &ref, const std::string &name, const char *what, bool exactCapacity) {
  if (!validDType(ref.dtype))
    return fail(ErrorCode::InvalidArgument,
                std::string(what) + " '" + name + "' has an unknown dtype " + std::to_string(int(ref.dtype)));
  for (int64_t d : ref.shape)
    if (d < 0) return fail(ErrorCode::Input, std::string(what) + " '" + name + "' has a negative dim");
  TensorView view{toInternal(ref.dtype), ref.shape, ref.data};
  auto bytes = checkedTensorBytes(view.dtype, view.shape);
  if (!bytes) return fail(ErrorCode::Input, std::string(what) + " '" + name + "' has more bytes than memory can address");
  if (*bytes > 0 && !ref.data)
    return fail(ErrorCode::InvalidArgument, std::string(what) + " '" + name + "' has no data (a null pointer)");
  if (ref.capacity != 0 && (exactCapacity ? ref.capacity != *bytes : ref.capacity < *bytes))
    return fail(ErrorCode::Input, std::string(what) + " '" + name + "' is " +
                                      std::string(attn::dtypeName(view.dtype)) + shapeToString(view.shape) + ", " +
                                      std::to_string(*bytes) + " bytes, but its buffer holds " +
                                      std::to_string(ref.capacity));
  if (ref.data && reinterpret_cast<uintptr_t>(ref.data) % attn::dtypeSize(view.dtype) != 0)
    return fail(ErrorCode::InvalidArgument,
                std::string(what) + " '" + name + "' is not aligned to its element size");
  return view;
}

struct Call {
  const ir::Graph *graph = nullptr;
  const FunctionInfo *info = nullptr;
  NamedTensorViews inputs;
  std::vector<Shape> resultShapes;
};

} // namespace

Module ModuleAccess::wrap(std::shared_ptr<const ir::Module> module, std::shared_ptr<const Executable> executable,
                          std::vector<std::string> ignoredWeights) {
  auto impl = std::make_shared<Module::Impl>();
  for (const FunctionSignature &f : executable->functions()) {
    FunctionInfo info{f.name, {}, {}};
    for (const auto *group : {&f.arguments, &f.results})
      for (const attn::TensorSpec &t : *group)
        (group == &f.arguments ? info.arguments : info.results).push_back({t.name, toPublic(t.dtype), t.dims});
    impl->functions.push_back(std::move(info));
  }
  impl->module = std::move(module);
  impl->executable = std::move(executable);
  impl->ignoredWeights = std::move(ignoredWeights);
  return Module(std::move(impl));
}

namespace {

/// Features are added to a CPU's (as attnc's --mattr needs --mcpu): alone
/// they would be ignored for the host's. Unknown names are the backend's
/// compile error.
Status checkTarget(const std::string &cpu, const std::string &features) {
  if (cpu.empty() && !features.empty())
    return fail(ErrorCode::InvalidArgument, "the CPU features '" + features + "' need a CPU to add them to");
  return Status::ok();
}

codegen::Backend backendOf(Backend backend) {
  switch (backend) {
  case Backend::Default: return codegen::kDefaultBackend;
  case Backend::Interp: return codegen::Backend::Interp;
  case Backend::LLVM: return codegen::Backend::LLVM;
  case Backend::DNNL: return codegen::Backend::DNNL;
  }
  return codegen::kDefaultBackend;
}

/// Checks the inputs against `function` (empty: the only one) and binds its
/// dims, as the backend's run does, so that the errors of a call are the
/// API's and the result shapes are known before anything runs.
Result<Call> prepareCall(const Module::Impl &impl, const Module &module, std::string_view function,
                         const std::vector<TensorRef> &inputs) {
  Call call;
  call.info = module.function(function);
  if (!call.info) {
    std::string names;
    for (const FunctionInfo &f : impl.functions) names += (names.empty() ? "" : ", ") + f.name;
    if (function.empty())
      return fail(ErrorCode::InvalidArgument, "the model has several functions (" + names + "); name one");
    return fail(ErrorCode::InvalidArgument,
                "the model has no function '" + std::string(function) + "' (it has: " + names + ")");
  }
  for (const auto &g : impl.module->functions)
    if (g->name == call.info->name) call.graph = g.get();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorRef &ref = inputs[i];
    std::string name = ref.name;
    if (name.empty()) {
      if (i >= call.info->arguments.size())
        return fail(ErrorCode::Input, "input " + std::to_string(i) + " has no name and function '" +
                                          call.info->name + "' has " +
                                          std::to_string(call.info->arguments.size()) + " arguments");
      name = call.info->arguments[i].name;
    }
    auto view = viewOf(ref, name, "input", true);
    if (!view) return view.status();
    call.inputs.emplace_back(std::move(name), std::move(*view));
  }
  auto bound = codegen::bindInputs(*call.graph, call.inputs);
  if (!bound) return fail(ErrorCode::Input, bound.status().message());
  for (const ir::GraphResult &r : call.graph->results()) {
    Shape shape;
    for (const ir::Dim &d : r.declaredType.shape) {
      std::optional<int64_t> value = d.evaluate(bound->dims);
      if (!value || *value < 0)
        return fail(ErrorCode::Input, "result '" + r.name + "' has no valid shape for these inputs (" +
                                          r.declaredType.str() + ")");
      shape.push_back(*value);
    }
    call.resultShapes.push_back(std::move(shape));
  }
  return call;
}

} // namespace

Result<Module> Module::compile(const ModelSource &model, const Weights &weights, const CompileOptions &options) {
  if (Status s = checkTarget(options.cpu, options.features); !s) return s;
  detail::ModelText text{model.name(), std::nullopt};
  if (!model.isFile()) text.text = model.source();
  auto loaded = detail::loadModel(text, options.defines);
  if (!loaded) return fail(ErrorCode::Model, loaded.status().message());
  std::shared_ptr<const WeightStore> store;
  if (weights.isFile() || weights.tensors().empty()) {
    auto opened = detail::loadWeights(*(*loaded)->module, weights.path(), options.allowUnexpectedWeights,
                                       detail::kApiNames);
    if (!opened) return fail(ErrorCode::Weights, opened.status().message());
    store = std::move(*opened);
  } else {
    NamedTensorViews views;
    for (const TensorRef &ref : weights.tensors()) {
      if (ref.name.empty()) return fail(ErrorCode::InvalidArgument, "a weight buffer has no name");
      auto view = viewOf(ref, ref.name, "weight", true);
      if (!view) return fail(ErrorCode::Weights, view.status().message());
      views.emplace_back(ref.name, std::move(*view));
    }
    auto bound = detail::bindWeights(*(*loaded)->module, views, options.allowUnexpectedWeights, detail::kApiNames);
    if (!bound) return fail(ErrorCode::Weights, bound.status().message());
    store = std::move(*bound);
  }
  WeightMap weightMap = WeightMap::fromStore(store);
  passes::PipelineOptions pipeline;
  pipeline.fusion = options.fusion;
  NullStream log;
  auto report = detail::optimize(**loaded, &weightMap, pipeline, log);
  if (!report) return fail(ErrorCode::Model, report.status().message());
  codegen::CompileOptions backendOptions;
  backendOptions.threads = options.threads;
  backendOptions.cpu = options.cpu;
  backendOptions.features = options.features;
  backendOptions.cacheDir = options.cacheDir;
  backendOptions.maxMemory = options.maxMemory;
  std::shared_ptr<const ir::Module> module = std::move((*loaded)->module);
  auto executable = codegen::compile(module, store, backendOf(options.backend), backendOptions);
  if (!executable) return fail(ErrorCode::Compile, executable.status().message());
  for (const auto &f : module->functions)
    if (attn::Status s = (*executable)->prepare(f->name); !s) return fail(ErrorCode::Compile, s.message());
  return ModuleAccess::wrap(module, std::shared_ptr<const Executable>(std::move(*executable)), store->ignored());
}

std::string_view Module::backend() const { return impl_->executable->backendName(); }
const std::vector<FunctionInfo> &Module::functions() const { return impl_->functions; }
const std::vector<std::string> &Module::ignoredWeights() const { return impl_->ignoredWeights; }

const FunctionInfo *Module::function(std::string_view name) const {
  if (name.empty()) return impl_->functions.size() == 1 ? &impl_->functions.front() : nullptr;
  for (const FunctionInfo &f : impl_->functions)
    if (f.name == name) return &f;
  return nullptr;
}

Result<std::vector<std::vector<int64_t>>> Module::resultShapes(std::string_view function,
                                                              const std::vector<TensorRef> &inputs) const {
  auto call = prepareCall(*impl_, *this, function, inputs);
  if (!call) return call.status();
  return std::move(call->resultShapes);
}

Result<std::vector<Tensor>> Module::run(std::string_view function, const std::vector<TensorRef> &inputs) const {
  auto call = prepareCall(*impl_, *this, function, inputs);
  if (!call) return call.status();
  auto results = impl_->executable->run(call->info->name, call->inputs);
  if (!results) return fail(ErrorCode::Run, results.status().message());
  std::vector<Tensor> tensors;
  for (size_t i = 0; i < results->size(); ++i)
    tensors.push_back(TensorAccess::make(call->info->results[i].name, std::move((*results)[i])));
  return tensors;
}

namespace {

/// The bytes [data, data + bytes) of a buffer, for the overlap check.
struct ByteRange {
  uintptr_t begin = 0, end = 0;
  bool overlaps(const ByteRange &other) const {
    return begin < end && other.begin < other.end && begin < other.end && other.begin < end;
  }
};

ByteRange rangeOf(const TensorView &view) {
  auto begin = reinterpret_cast<uintptr_t>(view.data);
  return {begin, view.data ? begin + view.byteSize() : begin};
}

/// An error when an output buffer shares a byte with an input or another
/// output: the backends read inputs while they write results (the llvm
/// backend's fused kernels in chunks, in parallel), so an alias would give
/// an answer that depends on the backend and the schedule.
Status checkNoOverlap(const NamedTensorViews &inputs, const NamedTensorViews &outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    ByteRange out = rangeOf(outputs[i].second);
    for (const auto &[name, view] : inputs)
      if (out.overlaps(rangeOf(view)))
        return fail(ErrorCode::Input,
                    "output buffer for '" + outputs[i].first + "' overlaps input '" + name + "'");
    for (size_t j = 0; j < i; ++j)
      if (out.overlaps(rangeOf(outputs[j].second)))
        return fail(ErrorCode::Input, "output buffers for '" + outputs[j].first + "' and '" + outputs[i].first +
                                          "' overlap");
  }
  return Status::ok();
}

/// Module::runInto; with `allocated`, an output of null data (and no
/// capacity) is allocated by the backend after all its checks.
Status runIntoChecked(const Module::Impl &impl, const Module &module, std::string_view function,
                      const std::vector<TensorRef> &inputs, std::vector<TensorRef> &outputs,
                      std::vector<attn::Tensor> *allocated) {
  auto call = prepareCall(impl, module, function, inputs);
  if (!call) return call.status();
  const std::vector<TensorSpec> &results = call->info->results;
  std::vector<int> given(results.size(), 0);
  NamedTensorViews views;
  std::vector<size_t> resultOf;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const TensorRef &ref = outputs[i];
    size_t r = 0;
    if (ref.name.empty()) {
      r = i;
    } else {
      while (r < results.size() && results[r].name != ref.name) ++r;
    }
    if (r >= results.size()) {
      std::string names;
      for (const TensorSpec &s : results) names += (names.empty() ? "" : ", ") + s.name;
      return fail(ErrorCode::Input, (ref.name.empty() ? "output buffer " + std::to_string(i)
                                                      : "output buffer '" + ref.name + "'") +
                                        " names no result of function '" + call->info->name +
                                        "' (its results: " + names + ")");
    }
    if (given[r]++) return fail(ErrorCode::Input, "result '" + results[r].name + "' has two buffers");
    if (!validDType(ref.dtype))
      return fail(ErrorCode::InvalidArgument, "output buffer for '" + results[r].name + "' has an unknown dtype " +
                                                  std::to_string(int(ref.dtype)));
    if (ref.dtype != results[r].dtype)
      return fail(ErrorCode::Input, "result '" + results[r].name + "' is " + std::string(dtypeName(results[r].dtype)) +
                                        ", its buffer " + std::string(dtypeName(ref.dtype)));
    if (allocated && !ref.data && ref.capacity == 0) { // the backend allocates it
      views.emplace_back(results[r].name, TensorView{toInternal(ref.dtype), call->resultShapes[r], nullptr});
      resultOf.push_back(r);
      continue;
    }
    TensorRef sized = ref;
    sized.shape = call->resultShapes[r];
    if (sized.capacity == 0) { // no capacity given: the buffer's shape says how large it is
      auto bytes = checkedTensorBytes(toInternal(ref.dtype), ref.shape);
      bool negative = false;
      for (int64_t d : ref.shape) negative |= d < 0;
      sized.capacity = bytes && !negative ? size_t(*bytes) : 0;
      if (sized.capacity == 0 && attn::numElements(sized.shape) > 0)
        return fail(ErrorCode::Input, "result '" + results[r].name + "' is " +
                                          std::string(dtypeName(results[r].dtype)) + shapeToString(sized.shape) +
                                          ", its buffer has shape " + shapeToString(ref.shape) +
                                          " (give the buffer's capacity in bytes to reuse a larger one)");
    }
    auto view = viewOf(sized, results[r].name, "output buffer for", false);
    if (!view) return view.status();
    views.emplace_back(results[r].name, std::move(*view));
    resultOf.push_back(r);
  }
  for (size_t r = 0; r < results.size(); ++r)
    if (!given[r]) return fail(ErrorCode::Input, "result '" + results[r].name + "' has no output buffer");
  if (Status s = checkNoOverlap(call->inputs, views); !s) return s;
  if (attn::Status s = impl.executable->runInto(call->info->name, call->inputs, views, allocated); !s)
    return fail(ErrorCode::Run, s.message());
  for (size_t i = 0; i < outputs.size(); ++i) {
    outputs[i].shape = call->resultShapes[resultOf[i]];
    if (allocated && (*allocated)[i].data()) outputs[i].data = (*allocated)[i].data();
  }
  return Status::ok();
}

} // namespace

Status Module::runInto(std::string_view function, const std::vector<TensorRef> &inputs,
                       std::vector<TensorRef> &outputs) const {
  return runIntoChecked(*impl_, *this, function, inputs, outputs, nullptr);
}

Status ModuleAccess::runIntoAllocating(const Module &module, std::string_view function,
                                       const std::vector<TensorRef> &inputs, std::vector<TensorRef> &outputs,
                                       std::vector<attn::Tensor> &allocated) {
  return runIntoChecked(*module.impl_, module, function, inputs, outputs, &allocated);
}

} // namespace attn::api
