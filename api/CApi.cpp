// The C API (include/attn/attn.h) over the C++ API: handles own C++
// objects, every entry point catches what could escape (allocation failure)
// and turns each Status into a code and the thread's last error message.
#include "attn/attn.h"
#include "attn/attn.hpp"

#include "api/ModuleAccess.h"
#include "runtime/Tensor.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

using namespace attn::api;

struct attn_options {
  CompileOptions options;
};

struct attn_module {
  Module module;
  // The C views of module.functions(): stable for the module's life.
  struct Function {
    std::string signature;
    std::vector<std::vector<const char *>> dims; // one list per argument, then per result
    std::vector<attn_tensor_spec> arguments, results;
    attn_function_info info{};
  };
  std::vector<Function> functions;
};

namespace {

thread_local std::string lastError;

attn_status fail(attn_status code, std::string message) {
  lastError = std::move(message);
  return code;
}

attn_status fromStatus(const Status &s) {
  if (s.isOk()) return ATTN_OK;
  return fail(static_cast<attn_status>(s.code()), s.message());
}

/// Runs `body`, turning an escaping allocation failure into a status.
template <typename F> attn_status guarded(F &&body) {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return fail(ATTN_ERROR_OUT_OF_MEMORY, "out of memory");
  } catch (...) {
    return fail(ATTN_ERROR_INVALID_ARGUMENT, "an unexpected internal error");
  }
}

static_assert(sizeof(attn_dtype) == sizeof(int32_t) && sizeof(attn_backend) == sizeof(int32_t));

/// An enum field as the integer the caller stored: a C caller may store any
/// int, which C++ may not load as the enum (UBSan: "not a valid value").
template <typename Enum> int32_t rawValue(const Enum &field) {
  int32_t value;
  std::memcpy(&value, &field, sizeof value);
  return value;
}

bool validDType(int32_t d) { return d == ATTN_F32 || d == ATTN_I64 || d == ATTN_I32 || d == ATTN_BOOL; }

/// The C tensors as TensorRefs; `what` names them in errors.
attn_status toRefs(const attn_tensor *tensors, size_t count, const char *what, bool needData,
                   std::vector<TensorRef> &refs) {
  if (count && !tensors) return fail(ATTN_ERROR_INVALID_ARGUMENT, std::string(what) + ": a null array of tensors");
  for (size_t i = 0; i < count; ++i) {
    const attn_tensor &t = tensors[i];
    std::string label = std::string(what) + " " + (t.name ? "'" + std::string(t.name) + "'" : std::to_string(i));
    if (!validDType(rawValue(t.dtype)))
      return fail(ATTN_ERROR_INVALID_ARGUMENT, label + ": an unknown dtype " + std::to_string(rawValue(t.dtype)));
    TensorRef ref;
    ref.name = t.name ? t.name : "";
    ref.dtype = DType(rawValue(t.dtype));
    if (needData) {
      if (t.rank < 0 || t.rank > ATTN_MAX_RANK)
        return fail(ATTN_ERROR_INVALID_ARGUMENT, label + ": rank " + std::to_string(t.rank) + " is not in [0, " +
                                                     std::to_string(ATTN_MAX_RANK) + "]");
      ref.shape.assign(t.shape, t.shape + t.rank);
    }
    ref.data = t.data;
    ref.capacity = t.size_bytes;
    refs.push_back(std::move(ref));
  }
  return ATTN_OK;
}

attn_status compile(const ModelSource &source, const Weights &weights, const attn_options *options,
                    attn_module **out) {
  if (!out) return fail(ATTN_ERROR_INVALID_ARGUMENT, "the module's out pointer is null");
  *out = nullptr;
  auto module = Module::compile(source, weights, options ? options->options : CompileOptions{});
  if (!module) return fromStatus(module.status());
  auto handle = std::make_unique<attn_module>(attn_module{std::move(*module), {}});
  const std::vector<FunctionInfo> &functions = handle->module.functions();
  handle->functions.resize(functions.size());
  for (size_t i = 0; i < functions.size(); ++i) {
    const FunctionInfo &f = functions[i];
    attn_module::Function &c = handle->functions[i];
    c.signature = f.signature();
    for (const auto *group : {&f.arguments, &f.results})
      for (const TensorSpec &spec : *group) {
        c.dims.emplace_back();
        for (const std::string &d : spec.dims) c.dims.back().push_back(d.c_str());
      }
    size_t list = 0;
    for (const auto *group : {&f.arguments, &f.results})
      for (const TensorSpec &spec : *group) {
        attn_tensor_spec s{spec.name.c_str(), attn_dtype(spec.dtype), int32_t(spec.dims.size()),
                           c.dims[list++].data()};
        (group == &f.arguments ? c.arguments : c.results).push_back(s);
      }
    c.info = {f.name.c_str(), c.signature.c_str(), c.arguments.size(), c.arguments.data(),
              c.results.size(), c.results.data()};
  }
  *out = handle.release();
  return ATTN_OK;
}

} // namespace

extern "C" {

const char *attn_last_error(void) { return lastError.c_str(); }
const char *attn_version(void) { return "0.1.0"; }

const char *attn_dtype_name(attn_dtype dtype) {
  if (!validDType(rawValue(dtype))) return nullptr;
  static const char *const names[] = {"f32", "i64", "i32", "bool"};
  return names[rawValue(dtype)];
}

size_t attn_dtype_size(attn_dtype dtype) {
  return validDType(rawValue(dtype)) ? dtypeSize(DType(rawValue(dtype))) : 0;
}

attn_status attn_options_create(attn_options **out) {
  return guarded([&] {
    if (!out) return fail(ATTN_ERROR_INVALID_ARGUMENT, "the options' out pointer is null");
    *out = new attn_options();
    return ATTN_OK;
  });
}

void attn_options_destroy(attn_options *options) { delete options; }

#define ATTN_OPTIONS_CHECK(options)                                                                                    \
  if (!(options)) return fail(ATTN_ERROR_INVALID_ARGUMENT, "the options are null")

attn_status attn_options_set_backend(attn_options *options, attn_backend backend) {
  ATTN_OPTIONS_CHECK(options);
  switch (int32_t value = rawValue(backend)) {
  case ATTN_BACKEND_DEFAULT: options->options.backend = Backend::Default; return ATTN_OK;
  case ATTN_BACKEND_INTERP: options->options.backend = Backend::Interp; return ATTN_OK;
  case ATTN_BACKEND_LLVM: options->options.backend = Backend::LLVM; return ATTN_OK;
  case ATTN_BACKEND_DNNL: options->options.backend = Backend::DNNL; return ATTN_OK;
  default: return fail(ATTN_ERROR_INVALID_ARGUMENT, "an unknown backend " + std::to_string(value));
  }
}

attn_status attn_options_set_threads(attn_options *options, uint32_t threads) {
  ATTN_OPTIONS_CHECK(options);
  options->options.threads = threads;
  return ATTN_OK;
}

attn_status attn_options_set_target(attn_options *options, const char *cpu, const char *features) {
  ATTN_OPTIONS_CHECK(options);
  return guarded([&] {
    if ((!cpu || !*cpu) && features && *features)
      return fail(ATTN_ERROR_INVALID_ARGUMENT,
                  "the CPU features '" + std::string(features) + "' need a CPU to add them to");
    options->options.cpu = cpu ? cpu : "";
    options->options.features = features ? features : "";
    return ATTN_OK;
  });
}

attn_status attn_options_set_cache_dir(attn_options *options, const char *dir) {
  ATTN_OPTIONS_CHECK(options);
  return guarded([&] {
    options->options.cacheDir = dir ? dir : "";
    return ATTN_OK;
  });
}

attn_status attn_options_set_max_memory(attn_options *options, uint64_t bytes) {
  ATTN_OPTIONS_CHECK(options);
  options->options.maxMemory = bytes;
  return ATTN_OK;
}

attn_status attn_options_set_fusion(attn_options *options, int enabled) {
  ATTN_OPTIONS_CHECK(options);
  options->options.fusion = enabled != 0;
  return ATTN_OK;
}

attn_status attn_options_set_allow_unexpected_weights(attn_options *options, int allow) {
  ATTN_OPTIONS_CHECK(options);
  options->options.allowUnexpectedWeights = allow != 0;
  return ATTN_OK;
}

attn_status attn_options_add_define(attn_options *options, const char *name, const char *value) {
  ATTN_OPTIONS_CHECK(options);
  if (!name || !*name || !value || !*value)
    return fail(ATTN_ERROR_INVALID_ARGUMENT, "a define needs a name and a value");
  return guarded([&] {
    options->options.defines.emplace_back(name, value);
    return ATTN_OK;
  });
}

attn_status attn_module_compile_file(const char *model_path, const char *weights_path, const attn_options *options,
                                     attn_module **out) {
  return guarded([&] {
    if (!model_path) return fail(ATTN_ERROR_INVALID_ARGUMENT, "the model path is null");
    return compile(ModelSource::file(model_path), weights_path ? Weights::file(weights_path) : Weights::none(),
                   options, out);
  });
}

attn_status attn_module_compile_string(const char *source, const char *name, const char *weights_path,
                                       const attn_options *options, attn_module **out) {
  return guarded([&] {
    if (!source) return fail(ATTN_ERROR_INVALID_ARGUMENT, "the model source is null");
    return compile(ModelSource::text(source, name ? name : "<string>"),
                   weights_path ? Weights::file(weights_path) : Weights::none(), options, out);
  });
}

attn_status attn_module_compile_with_buffers(const char *source, const char *name, const attn_tensor *weights,
                                             size_t num_weights, const attn_options *options, attn_module **out) {
  return guarded([&] {
    if (!source) return fail(ATTN_ERROR_INVALID_ARGUMENT, "the model source is null");
    std::vector<TensorRef> refs;
    if (attn_status s = toRefs(weights, num_weights, "weight", true, refs); s != ATTN_OK) return s;
    for (const TensorRef &r : refs)
      if (r.name.empty()) return fail(ATTN_ERROR_INVALID_ARGUMENT, "a weight buffer has no name");
    if (refs.empty()) return compile(ModelSource::text(source, name ? name : "<string>"), Weights::none(), options, out);
    return compile(ModelSource::text(source, name ? name : "<string>"), Weights::buffers(std::move(refs)), options,
                   out);
  });
}

void attn_module_destroy(attn_module *module) { delete module; }

const char *attn_module_backend(const attn_module *module) {
  if (!module) return nullptr;
  return module->module.backend().data(); // a string literal, NUL-terminated
}

size_t attn_module_num_functions(const attn_module *module) { return module ? module->functions.size() : 0; }

const attn_function_info *attn_module_function(const attn_module *module, size_t index) {
  if (!module || index >= module->functions.size()) return nullptr;
  return &module->functions[index].info;
}

const attn_function_info *attn_module_find_function(const attn_module *module, const char *name) {
  if (!module) return nullptr;
  const FunctionInfo *f = module->module.function(name ? name : "");
  if (!f) return nullptr;
  return &module->functions[size_t(f - module->module.functions().data())].info;
}

attn_status attn_module_result_shapes(const attn_module *module, const char *function, const attn_tensor *inputs,
                                      size_t num_inputs, attn_tensor *outputs, size_t num_outputs) {
  return guarded([&] {
    if (!module) return fail(ATTN_ERROR_INVALID_ARGUMENT, "the module is null");
    std::vector<TensorRef> in;
    if (attn_status s = toRefs(inputs, num_inputs, "input", true, in); s != ATTN_OK) return s;
    auto shapes = module->module.resultShapes(function ? function : "", in);
    if (!shapes) return fromStatus(shapes.status());
    const FunctionInfo &f = *module->module.function(function ? function : "");
    if (num_outputs != shapes->size() || (num_outputs && !outputs))
      return fail(ATTN_ERROR_INVALID_ARGUMENT, "function '" + f.name + "' has " + std::to_string(shapes->size()) +
                                                   " results, the outputs array " + std::to_string(num_outputs));
    for (size_t i = 0; i < num_outputs; ++i)
      if ((*shapes)[i].size() > ATTN_MAX_RANK)
        return fail(ATTN_ERROR_INPUT, "result '" + f.results[i].name + "' has more than ATTN_MAX_RANK dims");
    for (size_t i = 0; i < num_outputs; ++i) {
      outputs[i].dtype = attn_dtype(f.results[i].dtype);
      outputs[i].rank = int32_t((*shapes)[i].size());
      for (size_t d = 0; d < (*shapes)[i].size(); ++d) outputs[i].shape[d] = (*shapes)[i][d];
    }
    return ATTN_OK;
  });
}

attn_status attn_module_run(const attn_module *module, const char *function, const attn_tensor *inputs,
                            size_t num_inputs, attn_tensor *outputs, size_t num_outputs) {
  return guarded([&] {
    if (!module) return fail(ATTN_ERROR_INVALID_ARGUMENT, "the module is null");
    std::vector<TensorRef> in, out;
    if (attn_status s = toRefs(inputs, num_inputs, "input", true, in); s != ATTN_OK) return s;
    if (attn_status s = toRefs(outputs, num_outputs, "output", false, out); s != ATTN_OK) return s;
    for (size_t i = 0; i < out.size(); ++i)
      if (out[i].data && out[i].capacity == 0) // a C output has no shape to size it by
        return fail(ATTN_ERROR_INPUT, "output " + (out[i].name.empty() ? std::to_string(i) : "'" + out[i].name + "'") +
                                          " has data but size_bytes 0: give its buffer's bytes, or data NULL to "
                                          "have the run allocate it");
    if (const FunctionInfo *f = module->module.function(function ? function : ""))
      for (const TensorSpec &r : f->results)
        if (r.dims.size() > ATTN_MAX_RANK)
          return fail(ATTN_ERROR_INPUT, "result '" + r.name + "' has more than ATTN_MAX_RANK dims");
    // Outputs of null data are allocated by the run after all of its checks
    // (inputs, dims, the memory limit, which counts them), and freed here
    // when it fails.
    std::vector<attn::Tensor> allocated;
    if (Status s = ModuleAccess::runIntoAllocating(module->module, function ? function : "", in, out, allocated); !s)
      return fromStatus(s);
    for (size_t i = 0; i < out.size(); ++i) {
      outputs[i].rank = int32_t(out[i].shape.size());
      for (size_t d = 0; d < out[i].shape.size(); ++d) outputs[i].shape[d] = out[i].shape[d];
      if (allocated[i].data()) outputs[i].data = allocated[i].release();
    }
    return ATTN_OK;
  });
}

void attn_free(void *data) { std::free(data); }

} // extern "C"
