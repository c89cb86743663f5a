// The weights a model runs with: a safetensors file bound to the list of
// weights the model declares, every name, dtype and shape checked at once.
//
// A failed bind reports every problem in one message, in the spirit of
// PyTorch's strict load_state_dict:
//   Error(s) in loading weights from w.safetensors:
//     missing: lstm.weight_ih_l0 (f32[48, 128])
//     unexpected: foo (f32[3])
//     wrong dtype: fc1.bias: expected f32[12], found i64[12]
//     wrong shape: fc1.weight: expected f32[12, 24], found f32[24, 12]
//     wrong dtype and shape: fc2.bias: expected f32[4], found i32[5]
// Lines are grouped: missing (declaration order), unexpected (file order),
// then mismatches (declaration order). A file's names are untrusted: control
// bytes are escaped, a name is cut after 200 bytes ("... (N bytes)"), and
// each group lists at most 20 lines, then "... and N more unexpected".
#pragma once

#include "runtime/Safetensors.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attn {

/// A weight the model declares, with a concrete shape.
struct WeightSpec {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
};

struct WeightStoreOptions {
  /// Ignore tensors in the file that the model does not declare (PyTorch's
  /// load_state_dict(strict=False)); WeightStore::ignored() lists them.
  bool allowUnexpected = false;
};

/// Named weights, read-only. Views point into the file's mapping (kept alive
/// by the store) or into tensors the store owns. Movable, not copyable.
class WeightStore {
public:
  WeightStore() = default;
  WeightStore(WeightStore &&) noexcept = default;
  WeightStore &operator=(WeightStore &&) noexcept = default;
  WeightStore(const WeightStore &) = delete;
  WeightStore &operator=(const WeightStore &) = delete;

  /// Checks `file` against `expected`; on success the store holds exactly the
  /// expected weights, in declaration order.
  static Result<WeightStore> bind(const std::vector<WeightSpec> &expected,
                                  std::shared_ptr<const SafetensorsFile> file,
                                  WeightStoreOptions options = {});
  /// As bind, over named views (the caller's buffers, which `owner`, if
  /// any, keeps alive); `source` names them in messages. A name given twice
  /// is an error.
  static Result<WeightStore> bindViews(const std::vector<WeightSpec> &expected,
                                       const NamedTensorViews &tensors, std::string source,
                                       std::shared_ptr<const void> owner, WeightStoreOptions options = {});
  /// SafetensorsFile::open then bind.
  static Result<WeightStore> open(const std::string &path, const std::vector<WeightSpec> &expected,
                                  WeightStoreOptions options = {});
  /// Weights made in memory (init-weights, tests). Names must be unique.
  static WeightStore fromTensors(std::vector<std::pair<std::string, Tensor>> tensors);

  /// The weight called `name`, or null.
  const TensorView *find(std::string_view name) const;
  /// The weight called `name`, which must exist (use find() otherwise).
  const TensorView &get(std::string_view name) const;
  /// Weight names in declaration (or insertion) order.
  const std::vector<std::string> &names() const { return names_; }
  size_t size() const { return names_.size(); }
  /// Where the weights came from: the file's path, or "<memory>".
  const std::string &source() const { return source_; }
  /// The file's tensors the model does not declare, in file order (only
  /// with allowUnexpected; a strict bind refuses them).
  const std::vector<std::string> &ignored() const { return ignored_; }

private:
  void add(std::string name, TensorView view);

  std::string source_ = "<memory>";
  std::vector<std::string> ignored_;
  std::shared_ptr<const void> owner_; // the file, or whatever holds bindViews' data
  std::vector<Tensor> owned_;
  std::vector<std::string> names_;
  std::vector<TensorView> views_; // parallel to names_
  std::map<std::string, size_t, std::less<>> index_;
};

} // namespace attn
