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
#define OP(Kind, mnemonic, minOps, maxOps, numResults, traits, attrs, builtin) Kind,
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
  T_FLOAT = 1 << 6,      // computes in f32 (ops.def)
  T_ACTIVATION = 1 << 7, // unary f32 -> f32, usable by linear_act
  T_VIEW = 1 << 8,       // the operand's data under another shape
};

/// How the language exposes an op as a primitive function (ops.def).
enum class BuiltinForm : uint8_t {
  None,      // an operator, a layer, or made by a pass
  Unary,     // f(input)
  Binary,    // f(input, other)
  Reduction, // f(input, axis=all, keepdim=false)
  Own,       // a signature of its own (frontend/Builtins.cpp)
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
  BuiltinForm builtin;
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

/// Whether a printer shows attribute `k` of a node of `op`: the op has it,
/// and it is not an absent optional (an axis-less reduction, a fill-less
/// attention).
bool attrIsShown(OpKind op, const Attrs &attrs, AttrKind k);
/// Text of one attribute's value, as the printer writes it.
std::string attrValueToString(const Attrs &attrs, AttrKind kind);
/// A float as the printer writes it: 9 significant digits, always looking
/// like a float (`1.0`, `1e-05`, `inf`, `nan`).
std::string attrValueText(double value);
std::string_view attrName(AttrKind kind);
const std::vector<AttrKind> &allAttrKinds();

} // namespace attn::ir
