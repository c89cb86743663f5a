// The parts of the C header generator (LLVMBackend.h, emitCHeader): the
// text every header shares (CHeaderCommon.cpp) and the per-model part
// (CHeader.cpp).
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace attn::llvmcg {

/// The names the shared part declares (a model's names must not take them).
inline constexpr std::array<const char *, 10> kCHeaderHelpers = {
    "attn_task_fn",        "attn_parallel_for_fn", "attn_fail_",         "attn_no_value_",
    "attn_dim_add_",       "attn_dim_mul_",        "attn_dim_floordiv_", "attn_dim_min_",
    "attn_dim_max_",       "attn_tensor_fits_"};

/// The header's first comment: what it declares and how to call it, for
/// model `model` with the functions' signatures (`signatures`, one
/// " *   f(...) -> (...)" line each).
std::string cHeaderPreamble(const std::string &model, const std::string &signatures, bool weightsCompiledIn);

/// The part two model headers share, guarded so that both can be included:
/// the ABI's typedefs, the status codes, the checked dim arithmetic.
std::string cHeaderCommon();

/// `text` made safe inside a /* */ comment: printable ASCII (\xNN for other
/// bytes), no "*/" or "/*", no trigraph.
std::string commentText(std::string_view text);

} // namespace attn::llvmcg
