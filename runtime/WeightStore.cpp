// Binding a weights file to a model's declared weights; see WeightStore.h for
// the error-message format.
#include "runtime/WeightStore.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <set>

namespace attn {
namespace {

constexpr size_t kNameBytes = 200, kGroupLines = 20;

/// A tensor name for a one-line message: control bytes escaped, cut after
/// kNameBytes (at a UTF-8 character's start).
std::string printable(std::string_view name) {
  std::string s;
  size_t cut = name.size();
  if (cut > kNameBytes) {
    cut = kNameBytes;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xc0) == 0x80) --cut;
  }
  for (char c : name.substr(0, cut)) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) {
      s += c;
      continue;
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", u);
    s += buf;
  }
  if (cut < name.size()) s += "... (" + std::to_string(name.size()) + " bytes)";
  return s;
}

std::string typeString(DType dtype, const Shape &shape) {
  return std::string(dtypeName(dtype)) + shapeToString(shape);
}

/// One "wrong ..." line for a spec the file holds with another type, or "".
std::string mismatch(const WeightSpec &spec, const TensorView &found) {
  bool dtypeOk = found.dtype == spec.dtype, shapeOk = found.shape == spec.shape;
  if (dtypeOk && shapeOk) return "";
  const char *kind = !dtypeOk && !shapeOk ? "wrong dtype and shape"
                     : !dtypeOk           ? "wrong dtype"
                                          : "wrong shape";
  return std::string(kind) + ": " + printable(spec.name) + ": expected " +
         typeString(spec.dtype, spec.shape) + ", found " + typeString(found.dtype, found.shape);
}

} // namespace

Result<WeightStore> WeightStore::bind(const std::vector<WeightSpec> &expected,
                                      std::shared_ptr<const SafetensorsFile> file,
                                      WeightStoreOptions options) {
  assert(file && "bind needs a file");
  NamedTensorViews views = file->views();
  std::string path = file->path();
  return bindViews(expected, views, std::move(path), std::move(file), options);
}

Result<WeightStore> WeightStore::bindViews(const std::vector<WeightSpec> &expected,
                                           const NamedTensorViews &tensors, std::string source,
                                           std::shared_ptr<const void> owner,
                                           WeightStoreOptions options) {
  std::map<std::string_view, const TensorView *> byName;
  for (const auto &[name, view] : tensors)
    if (!byName.emplace(name, &view).second)
      return Status::error(source + ": the weight '" + printable(name) + "' is given twice");
  std::vector<std::string> missing, unexpected, mismatched;
  std::set<std::string_view> declared;
  for (const WeightSpec &spec : expected) {
    bool isNew = declared.insert(spec.name).second;
    assert(isNew && "weight specs must have unique names");
    (void)isNew;
    if (auto found = byName.find(spec.name); found != byName.end()) {
      if (std::string line = mismatch(spec, *found->second); !line.empty()) mismatched.push_back(std::move(line));
    } else {
      missing.push_back("missing: " + printable(spec.name) + " (" + typeString(spec.dtype, spec.shape) + ")");
    }
  }
  std::vector<std::string> ignored;
  for (const auto &[name, found] : tensors) {
    if (declared.count(name)) continue;
    if (options.allowUnexpected) {
      ignored.push_back(name);
      continue;
    }
    unexpected.push_back("unexpected: " + printable(name) + " (" + typeString(found.dtype, found.shape) +
                         ")");
  }
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    std::string message = "Error(s) in loading weights from " + source + ":";
    for (const auto *group : {&missing, &unexpected, &mismatched}) {
      for (size_t i = 0; i < std::min(group->size(), kGroupLines); ++i) message += "\n  " + (*group)[i];
      if (group->size() > kGroupLines) {
        std::string kind = group == &missing ? "missing" : group == &unexpected ? "unexpected" : "mismatched";
        message += "\n  ... and " + std::to_string(group->size() - kGroupLines) + " more " + kind;
      }
    }
    return Status::error(std::move(message));
  }
  WeightStore store;
  store.source_ = std::move(source);
  store.ignored_ = std::move(ignored);
  for (const WeightSpec &spec : expected) store.add(spec.name, *byName.at(spec.name));
  store.owner_ = std::move(owner);
  return store;
}

Result<WeightStore> WeightStore::open(const std::string &path, const std::vector<WeightSpec> &expected,
                                      WeightStoreOptions options) {
  auto file = SafetensorsFile::open(path);
  if (!file) return file.status();
  return bind(expected, std::make_shared<const SafetensorsFile>(std::move(*file)), options);
}

WeightStore WeightStore::fromTensors(std::vector<std::pair<std::string, Tensor>> tensors) {
  WeightStore store;
  store.owned_.reserve(tensors.size());
  for (auto &[name, tensor] : tensors) {
    store.owned_.push_back(std::move(tensor));
    store.add(std::move(name), store.owned_.back().view());
  }
  return store;
}

void WeightStore::add(std::string name, TensorView view) {
  bool isNew = index_.emplace(name, names_.size()).second;
  assert(isNew && "weight names must be unique");
  if (!isNew) return;
  names_.push_back(std::move(name));
  views_.push_back(std::move(view));
}

const TensorView *WeightStore::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &views_[it->second];
}

const TensorView &WeightStore::get(std::string_view name) const {
  static const TensorView kAbsent{};
  const TensorView *view = find(name);
  assert(view && "WeightStore::get of a weight that is not there");
  return view ? *view : kAbsent;
}

} // namespace attn
