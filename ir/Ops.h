// OpKind (one per line of ops.def), op traits, and the typed attribute struct.
#pragma once

#include "ir/Dim.h"
#include "runtime/DType.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attn::ir {

enum class OpKind : uint8_t {
#define OP(Kind, mnemonic, minOps, maxOps, numResults, traits, attrs) Kind,
#include "ir/ops.def"
};

enum OpTrait : uint32_t {
  T_NONE = 0,
  T_ELEMENTWISE = 1 << 0,
  T_BROADCAST = 1 << 1,
  T_COMMUTATIVE = 1 << 2,
  T_REDUCTION = 1 << 3,
  T_RECURRENT = 1 << 4,
  T_FUSED = 1 << 5,
};

enum class AttrKind : uint8_t {
#define ATTR(Name, Type, printed) Name,
#include "ir/attrs.def"
};

constexpr uint32_t attrBit(AttrKind k) { return 1u << unsigned(k); }

struct OpInfo {
  OpKind kind;
  std::string_view mnemonic;
  int minOperands;
  int maxOperands; // -1: variadic
  int numResults;
  uint32_t traits;
  uint32_t attrs; // attrBit()s
};

const OpInfo &opInfo(OpKind kind);
inline std::string_view mnemonic(OpKind kind) { return opInfo(kind).mnemonic; }
inline bool hasTrait(OpKind kind, OpTrait t) { return (opInfo(kind).traits & t) != 0; }
inline bool hasAttr(OpKind kind, AttrKind a) { return (opInfo(kind).attrs & attrBit(a)) != 0; }
std::optional<OpKind> opKindFromMnemonic(std::string_view mnemonic);
/// Every op, in ops.def order.
const std::vector<OpKind> &allOpKinds();

/// One scalar step of a fused_elementwise body: an elementwise op applied to
/// earlier values. Operand k < numInputs is the node's input k; operand
/// numInputs + j is the result of step j (j before this step).
struct ElementwiseStep {
  OpKind op = OpKind::Tanh;
  std::vector<int32_t> operands;
  attn::DType dtype = attn::DType::F32; // the target dtype of a cast
  bool operator==(const ElementwiseStep &) const = default;
};

/// The body of a fused_elementwise node; the last step is its result.
struct ElementwiseBody {
  int32_t numInputs = 0;
  std::vector<ElementwiseStep> steps;
  bool operator==(const ElementwiseBody &) const = default;
};

/// All attributes an op may carry; which ones an op has is in ops.def.
struct Attrs {
#define ATTR(Name, Type, printed) Type Name{};
#include "ir/attrs.def"
  bool operator==(const Attrs &) const = default;
};

/// Text of one attribute's value, as the printer writes it.
std::string attrValueToString(const Attrs &attrs, AttrKind kind);
std::string_view attrName(AttrKind kind);
const std::vector<AttrKind> &allAttrKinds();

} // namespace attn::ir
