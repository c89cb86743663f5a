// attn: the C++ API for embedding attnc in an application.
//
// Compile a model (an attn file or a string, docs/language.md) with its
// weights (a PyTorch state_dict as safetensors, or the caller's buffers) into
// a Module for a backend; list its functions; run one on the caller's
// buffers. This header and attn.h (the C API over it) are the only headers
// an application includes: nothing here names LLVM, oneDNN or attnc's
// internals. Every failure is a value (Status, Result<T>) carrying a message,
// model errors as `file:line:col: error: ...` with the line and a caret;
// nothing throws or aborts the host. A Module is immutable: copies share it,
// and run() may be called from many threads at once. docs/embedding.md has a
// complete example.
//
//   auto module = attn::api::Module::compile(attn::api::ModelSource::file("m.attn"),
//                                            attn::api::Weights::file("w.safetensors"));
//   if (!module) { std::cerr << module.status().message() << "\n"; return 1; }
//   int64_t ids[] = {5, 9, 2};
//   auto results = module->run("forward", {attn::api::TensorRef::of("tokens", {1, 3}, ids)});
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace attn::api {

/// Element types: f32, i64, i32, bool (one byte, non-zero is true).
enum class DType : uint8_t { F32 = 0, I64 = 1, I32 = 2, Bool = 3 };

/// "f32", "i64", "i32", "bool"; "invalid" for a value outside the enum.
std::string_view dtypeName(DType dtype);
/// Bytes per element; 0 for a value outside the enum.
size_t dtypeSize(DType dtype);

/// What kind of failure a Status carries (the C API's attn_status).
enum class ErrorCode : int {
  Ok = 0,
  InvalidArgument = 1, // a misuse of the API: a null pointer, an unknown function, a bad option
  Model = 2,           // the model's text: its diagnostics
  Weights = 3,         // the weights: missing, unexpected, mistyped, misshapen tensors, a bad file
  Compile = 4,         // the backend could not compile the model (an unknown CPU, ...)
  Input = 5,           // a call's inputs or output buffers do not fit the function
  Run = 6,             // the run failed on the data (a token id out of range, the memory limit)
};

/// Success, or an error code and its message.
class [[nodiscard]] Status {
public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(ErrorCode code, std::string message) {
    Status s;
    s.code_ = code == ErrorCode::Ok ? ErrorCode::InvalidArgument : code;
    s.message_ = std::move(message);
    return s;
  }
  bool isOk() const { return code_ == ErrorCode::Ok; }
  explicit operator bool() const { return isOk(); }
  ErrorCode code() const { return code_; }
  /// Empty on success; may span several lines (model diagnostics).
  const std::string &message() const { return message_; }

private:
  ErrorCode code_ = ErrorCode::Ok;
  std::string message_;
};

/// A value or the Status of why there is none.
template <typename T> class [[nodiscard]] Result {
public:
  Result(T value) : state_(std::move(value)) {}
  Result(Status status) : state_(std::move(status)) {
    if (std::get<Status>(state_).isOk())
      state_ = Status::error(ErrorCode::InvalidArgument, "a Result made from a success status");
  }
  bool isOk() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return isOk(); }
  /// The value; only when isOk().
  T &value() { return std::get<T>(state_); }
  const T &value() const { return std::get<T>(state_); }
  T &operator*() { return value(); }
  const T &operator*() const { return value(); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }
  /// Why there is no value; an ok Status when there is one.
  const Status &status() const {
    static const Status ok;
    return isOk() ? ok : std::get<Status>(state_);
  }

private:
  std::variant<T, Status> state_;
};

/// One argument or result of a function: its name, dtype and dims, each a
/// dim expression as text: "B", "2*T", "12".
struct TensorSpec {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::string> dims;
  /// "i64[B, T]".
  std::string typeString() const;
};

/// An entry point of a module.
struct FunctionInfo {
  std::string name;
  std::vector<TensorSpec> arguments; // declaration order
  std::vector<TensorSpec> results;   // return order
  /// "forward(tokens: i64[B, T]) -> (logits: f32[B, 2], weights: f32[B, T])".
  std::string signature() const;
};

/// A named tensor in the caller's memory: contiguous row-major data of
/// `dtype`, never copied. As an input it is read; as an output buffer it is
/// written, `capacity` bytes at most, and run sets its shape.
struct TensorRef {
  std::string name; // the argument's or result's name; empty: by position
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  void *data = nullptr;
  /// The bytes at `data`: an input must hold exactly its shape's bytes, an
  /// output at least the result's. 0: as many as the shape needs.
  size_t capacity = 0;

  /// A TensorRef over `data` typed by T (float, int64_t, int32_t, bool or uint8_t).
  template <typename T> static TensorRef of(std::string name, std::vector<int64_t> shape, T *data);
};

/// A tensor the runtime allocated (64-byte aligned). Copies share the data.
class Tensor {
public:
  Tensor() = default;
  const std::string &name() const { return name_; }
  DType dtype() const { return dtype_; }
  const std::vector<int64_t> &shape() const { return shape_; }
  int64_t numElements() const;
  size_t byteSize() const { return size_t(numElements()) * dtypeSize(dtype_); }
  void *data() const { return data_.get(); }
  template <typename T> T *as() const { return static_cast<T *>(data()); }

private:
  friend struct TensorAccess;
  std::string name_;
  DType dtype_ = DType::F32;
  std::vector<int64_t> shape_;
  std::shared_ptr<void> data_;
};

enum class Backend {
  Default, // the fastest that is correct (llvm)
  Interp,  // the reference interpreter
  LLVM,    // LLVM's ORC JIT
  DNNL,    // oneDNN's primitives (docs/dnnl-backend.md)
};

struct CompileOptions {
  Backend backend = Backend::Default;
  /// Threads one run uses, the caller's included; 0: every hardware thread.
  unsigned threads = 0;
  /// The CPU and extra features to compile for (llvm, LLVM's names such as
  /// "znver3", "+avx2"); empty: the host's. Features are added to the CPU's:
  /// without a CPU they are an InvalidArgument error; unknown names a Compile one.
  std::string cpu, features;
  /// Where compiled code is cached (llvm); empty: $ATTNC_CACHE_DIR, else
  /// $XDG_CACHE_HOME/attnc, else ~/.cache/attnc; "off": no cache.
  std::string cacheDir;
  /// The bytes of tensors one run may allocate; 0: the machine's memory.
  uint64_t maxMemory = 0;
  /// The fusion passes (fused attention and elementwise chains).
  bool fusion = true;
  /// Overrides of the model's `let` constants, as `-D name=value`.
  std::vector<std::pair<std::string, std::string>> defines;
  /// Ignore tensors the model does not declare (PyTorch's strict=False).
  bool allowUnexpectedWeights = false;
};

/// A model's text: a file, or a string with a name for its diagnostics.
class ModelSource {
public:
  static ModelSource file(std::string path);
  static ModelSource text(std::string source, std::string name = "<string>");
  const std::string &name() const { return name_; }
  bool isFile() const { return isFile_; }
  const std::string &source() const { return source_; }

private:
  std::string name_, source_;
  bool isFile_ = false;
};

/// A model's weights: a safetensors file (mapped, read in place), the
/// caller's buffers (read in place: they must outlive every Module compiled
/// with them), or none (a model without parameters).
class Weights {
public:
  static Weights none() { return Weights(); }
  static Weights file(std::string path);
  static Weights buffers(std::vector<TensorRef> tensors);
  const std::string &path() const { return path_; }
  const std::vector<TensorRef> &tensors() const { return tensors_; }
  bool isFile() const { return !path_.empty(); }

private:
  std::string path_;
  std::vector<TensorRef> tensors_;
};

/// A compiled model. Copies share it; every method may be called from many
/// threads at once.
class Module {
public:
  static Result<Module> compile(const ModelSource &model, const Weights &weights,
                                const CompileOptions &options = {});

  /// "interp", "llvm" or "dnnl".
  std::string_view backend() const;
  /// Every entry point, in the model's order.
  const std::vector<FunctionInfo> &functions() const;
  /// The function called `name` (empty: the model's only one), or null.
  const FunctionInfo *function(std::string_view name = {}) const;
  /// Tensors of the weights file that the model does not declare, ignored
  /// under allowUnexpectedWeights.
  const std::vector<std::string> &ignoredWeights() const;

  /// The shape of each result (return order) for these inputs, checking them
  /// as run does, without running.
  Result<std::vector<std::vector<int64_t>>> resultShapes(std::string_view function,
                                                        const std::vector<TensorRef> &inputs) const;
  /// Runs `function` (empty: the only one) on the inputs, matched to its
  /// arguments by name (an empty name: by position). Symbolic dims are bound
  /// from the inputs, every input's dtype and shape is checked. The results
  /// are freshly allocated, in return order.
  Result<std::vector<Tensor>> run(std::string_view function, const std::vector<TensorRef> &inputs) const;
  /// As run(), writing each result into the caller's buffer of its name (or
  /// position): its dtype must be the result's, its capacity enough; its
  /// shape is set. Nothing is written when the call fails before running.
  Status runInto(std::string_view function, const std::vector<TensorRef> &inputs,
                 std::vector<TensorRef> &outputs) const;

  struct Impl;

private:
  friend struct ModuleAccess;
  explicit Module(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

/// "0.1.0".
std::string_view version();

// ---------------------------------------------------------------------------

namespace detail {
template <typename T> constexpr DType dtypeOf() {
  if constexpr (std::is_same_v<std::remove_const_t<T>, float>) return DType::F32;
  else if constexpr (std::is_same_v<std::remove_const_t<T>, int64_t>) return DType::I64;
  else if constexpr (std::is_same_v<std::remove_const_t<T>, int32_t>) return DType::I32;
  else {
    static_assert(std::is_same_v<std::remove_const_t<T>, bool> ||
                      std::is_same_v<std::remove_const_t<T>, uint8_t>,
                  "TensorRef::of takes float, int64_t, int32_t, bool or uint8_t data");
    static_assert(sizeof(T) == 1, "bool must be one byte");
    return DType::Bool;
  }
}
} // namespace detail

template <typename T>
TensorRef TensorRef::of(std::string name, std::vector<int64_t> shape, T *data) {
  TensorRef ref;
  ref.name = std::move(name);
  ref.dtype = detail::dtypeOf<T>();
  ref.shape = std::move(shape);
  ref.data = const_cast<std::remove_const_t<T> *>(data);
  return ref;
}

} // namespace attn::api
