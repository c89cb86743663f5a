// What the safetensors reader and writer share (runtime-internal): the
// format's limits, the checks of names and shapes, and the header parser
// (SafetensorsHeader.cpp). Safetensors.h is the public face.
#pragma once

#include "runtime/Safetensors.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attn::safetensors {

constexpr uint64_t kMaxHeaderBytes = 100u << 20;
constexpr size_t kMaxRank = 64;
constexpr int kMaxJsonDepth = 64;

/// A name for messages: quoted, control bytes escaped so the message stays one line.
std::string quoted(std::string_view name, char quote = '\'');
/// Offset of the first byte that is not part of valid UTF-8, or npos.
size_t findInvalidUtf8(std::string_view s);
/// Bytes of a tensor of `shape` and `dtype`; nullopt when the element count or
/// the byte size does not fit in 63 bits (so numElements() cannot overflow).
std::optional<uint64_t> shapeByteSize(const Shape &shape, DType dtype);

struct HeaderEntry {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  uint64_t begin = 0, end = 0; // data_offsets, relative to the data region
};

struct Header {
  std::vector<HeaderEntry> entries;
  SafetensorsMetadata metadata;
};

/// The JSON header `text` (UTF-8, schema and layout of Safetensors.h checked
/// against a data region of `dataSize` bytes); the error is the message
/// without the file's name.
Result<Header> parseHeader(std::string_view text, uint64_t dataSize);

} // namespace attn::safetensors
