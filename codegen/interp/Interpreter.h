// The reference interpreter backend: compiles an IR Module into an
// Executable that evaluates each node with a plain-C++ kernel. It defines the
// semantics the other backends are tested against, and favours obviousness
// over speed.
#pragma once

#include "ir/Graph.h"
#include "runtime/Executable.h"

#include <memory>

namespace attn::interp {

/// Checks `module` (the verifier; every weight it declares present in
/// `weights` with its dtype and shape; every symbolic dim bindable from the
/// arguments) and returns an Executable running it. The module must not be
/// changed while the Executable lives; `weights.owner` keeps the weights'
/// storage alive as long. A run may allocate `maxMemory` bytes of tensors
/// (0: the machine's physical memory); past it, the run is an error.
Result<std::unique_ptr<Executable>> compileInterpreter(std::shared_ptr<const ir::Module> module,
                                                       WeightMap weights, uint64_t maxMemory = 0);

} // namespace attn::interp
