// Element types shared by every layer: the IR's value types, tensors, and the
// safetensors files. The lowest header of the project; it depends on nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace attn {

enum class DType : uint8_t { F32, I64, I32, Bool };

inline constexpr DType kAllDTypes[] = {DType::F32, DType::I64, DType::I32, DType::Bool};

/// Size of one element in bytes.
constexpr size_t dtypeSize(DType t) {
  switch (t) {
  case DType::F32: return 4;
  case DType::I64: return 8;
  case DType::I32: return 4;
  case DType::Bool: return 1;
  }
  return 0;
}

/// The attn language spelling: f32, i64, i32, bool.
constexpr std::string_view dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "f32";
  case DType::I64: return "i64";
  case DType::I32: return "i32";
  case DType::Bool: return "bool";
  }
  return "?";
}

/// The safetensors spelling: F32, I64, I32, BOOL.
constexpr std::string_view dtypeSafetensorsName(DType t) {
  switch (t) {
  case DType::F32: return "F32";
  case DType::I64: return "I64";
  case DType::I32: return "I32";
  case DType::Bool: return "BOOL";
  }
  return "?";
}

inline std::optional<DType> parseDTypeName(std::string_view s) {
  for (DType t : kAllDTypes)
    if (dtypeName(t) == s) return t;
  return std::nullopt;
}

inline std::optional<DType> parseSafetensorsDType(std::string_view s) {
  for (DType t : kAllDTypes)
    if (dtypeSafetensorsName(t) == s) return t;
  return std::nullopt;
}

constexpr bool isFloat(DType t) { return t == DType::F32; }
constexpr bool isInteger(DType t) { return t == DType::I64 || t == DType::I32; }

} // namespace attn
