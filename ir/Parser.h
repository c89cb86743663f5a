// The IR text form read back (docs/ir.md): what the printer writes, parsed
// into a Module, so that a pass can be tested from IR (`attnc opt FILE.ir`,
// `attnc compile FILE.ir`) and print -> parse -> print is the identity.
//
// Every node is built through the Builder: its result types are inferred and
// must equal the ones the text states, and the module is verified. A node's
// source location is its line and column in the IR text.
#pragma once

#include "ir/Graph.h"

#include <memory>
#include <string>
#include <string_view>

namespace attn::ir {

/// The module, or the first error and where it is (1-based line and column
/// in `text`).
struct IRParseResult {
  std::unique_ptr<Module> module;
  SourceLoc errorLoc;
  std::string error;
};

IRParseResult parseModule(std::string_view text);

} // namespace attn::ir
