// The safetensors writer (Safetensors.h): the header laid out so that every
// tensor is aligned, written atomically (AtomicFile.h).
#include "runtime/Safetensors.h"

#include "runtime/AtomicFile.h"
#include "runtime/SafetensorsFormat.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace attn {

using namespace safetensors;

namespace {


std::string jsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\', out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

/// The 8-byte length, the padded header, and the order the data follows.
struct FilePlan {
  std::string prefix;
  std::vector<size_t> dataOrder;
};

Status checkWritable(const NamedTensorViews &tensors, const SafetensorsMetadata &metadata) {
  std::set<std::string_view> seen;
  for (const auto &[name, view] : tensors) {
    std::string what = "cannot write tensor " + quoted(name) + ": ";
    if (name == "__metadata__") return Status::error(what + "the name is reserved");
    if (!seen.insert(name).second) return Status::error(what + "duplicate name");
    if (findInvalidUtf8(name) != std::string_view::npos) return Status::error(what + "the name is not UTF-8");
    auto bytes = shapeByteSize(view.shape, view.dtype);
    if (!bytes) return Status::error(what + "invalid shape " + shapeToString(view.shape));
    if (*bytes > 0 && !view.data) return Status::error(what + "no data");
  }
  for (const auto &[key, value] : metadata)
    if (findInvalidUtf8(key) != std::string_view::npos || findInvalidUtf8(value) != std::string_view::npos)
      return Status::error("cannot write metadata " + quoted(key) + ": not UTF-8");
  return Status::ok();
}

/// Data goes by decreasing element size, so each offset is a multiple of the
/// tensor's element size; with an 8-aligned header every tensor is aligned.
Result<FilePlan> planFile(const NamedTensorViews &tensors, const SafetensorsMetadata &metadata) {
  if (Status st = checkWritable(tensors, metadata); !st) return st;
  FilePlan plan;
  for (size_t i = 0; i < tensors.size(); ++i) plan.dataOrder.push_back(i);
  std::stable_sort(plan.dataOrder.begin(), plan.dataOrder.end(), [&](size_t a, size_t b) {
    return dtypeSize(tensors[a].second.dtype) > dtypeSize(tensors[b].second.dtype);
  });
  std::vector<uint64_t> begins(tensors.size());
  uint64_t offset = 0;
  for (size_t i : plan.dataOrder) begins[i] = offset, offset += tensors[i].second.byteSize();

  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    for (const auto &[key, value] : metadata)
      header += (header.back() == '{' ? "" : ",") + jsonString(key) + ":" + jsonString(value);
    header += "}";
  }
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorView &view = tensors[i].second;
    std::string shape;
    for (int64_t d : view.shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    header += (header.size() == 1 ? "" : ",") + jsonString(tensors[i].first) + ":{\"dtype\":\"" +
              std::string(dtypeSafetensorsName(view.dtype)) + "\",\"shape\":[" + shape +
              "],\"data_offsets\":[" + std::to_string(begins[i]) + "," +
              std::to_string(begins[i] + view.byteSize()) + "]}";
  }
  header += "}";
  header.resize((header.size() + 7) / 8 * 8, ' ');
  uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) plan.prefix += char(length >> (8 * i) & 0xFF);
  plan.prefix += header;
  return plan;
}

} // namespace

Result<std::vector<std::byte>> serializeSafetensors(const NamedTensorViews &tensors,
                                                    const SafetensorsMetadata &metadata) {
  auto plan = planFile(tensors, metadata);
  if (!plan) return plan.status();
  std::vector<std::byte> out;
  auto append = [&](const void *p, size_t n) {
    auto *b = static_cast<const std::byte *>(p);
    out.insert(out.end(), b, b + n);
  };
  append(plan->prefix.data(), plan->prefix.size());
  for (size_t i : plan->dataOrder) append(tensors[i].second.data, tensors[i].second.byteSize());
  return out;
}

Status writeSafetensors(const std::string &path, const NamedTensorViews &tensors,
                        const SafetensorsMetadata &metadata) {
  auto plan = planFile(tensors, metadata);
  if (!plan) return Status::error(path + ": " + plan.message());
  auto file = AtomicFileWriter::create(path);
  if (!file) return file.status();
  Status st = file->write(plan->prefix);
  for (size_t i : plan->dataOrder)
    if (st) st = file->write(tensors[i].second.data, tensors[i].second.byteSize());
  return st ? file->commit() : st; // not committed: the temporary goes, `path` stays
}

} // namespace attn
