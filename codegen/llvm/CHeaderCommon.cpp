// The text every generated C header has (CHeader.h): its opening comment,
// and the guarded part two model headers share (the ABI's typedefs, the
// status codes, the checked dim arithmetic of the wrappers).
#include "codegen/llvm/CHeader.h"

#include "codegen/llvm/RuntimeAbi.h"

namespace attn::llvmcg {

namespace {

struct StatusCode {
  std::string name;
  int32_t value;
  std::string meaning;
};

/// The codes the generated code returns (RuntimeAbi.h).
StatusCode runtimeStatus(RuntimeError code) {
  switch (code) {
  case kRunOk: return {"ATTN_OK", kRunOk, "success: every result is written"};
  case kEmbeddingOutOfRange:
    return {"ATTN_ERR_EMBEDDING_OUT_OF_RANGE", kEmbeddingOutOfRange,
            "an embedding's token id is outside [0, vocabulary): error = {node, flat position, id}"};
  case kIntegerDivisionByZero:
    return {"ATTN_ERR_INTEGER_DIVISION_BY_ZERO", kIntegerDivisionByZero,
            "an integer division by zero: error = {node, 0, 0}"};
  case kLengthOutOfRange:
    return {"ATTN_ERR_LENGTH_OUT_OF_RANGE", kLengthOutOfRange,
            "a recurrent layer's length is outside [1, T]: error = {node, batch row, length}"};
  }
  return {"", code, ""};
}

/// The codes the wrappers return themselves, before the code runs (negative,
/// apart from the code's).
const StatusCode kWrapperStatus[] = {
    {"ATTN_ERR_NULL_POINTER", -1,
     "a NULL argument or result with elements, or a NULL scratch when one is needed:\n"
     " * error = {-1, its position (arguments, then results, then scratch), 0}"},
    {"ATTN_ERR_INVALID_DIMS", -2,
     "the dims are not ones the code can run with (a negative dim, a shape that is\n"
     " * negative or too large to address, a slice out of range, an empty max or argmax,\n"
     " * a recurrent layer with T = 0; what `attnc run` reports before it runs):\n"
     " * error = {the failing node's index (as in --emit=opt-ir) or -1, 0, 0}"},
    {"ATTN_ERR_SCRATCH_TOO_SMALL", -3, "scratch_bytes is less than needed: error = {-1, needed, given}"},
    {"ATTN_ERR_SCRATCH_MISALIGNED", -4, "scratch is not 64-byte aligned: error = {-1, 0, 0}"},
};

std::string define(const StatusCode &s) {
  std::string value = s.value < 0 ? "(" + std::to_string(s.value) + ")" : std::to_string(s.value);
  return "/* " + s.meaning + " */\n#define " + s.name + " " + value + "\n";
}

/// The checked arithmetic of attnc's Dim::evaluate and checkedTensorBytes
/// (runtime/Memory.h), in C99.
constexpr const char *kDimArithmetic = R"(/* Dim arithmetic of the wrappers, as attnc evaluates dims: *bad is set where
 * the value does not exist (int64 overflow, a division by zero). */
static inline int64_t attn_no_value_(int *bad) {
  *bad = 1;
  return 0;
}
static inline int64_t attn_dim_add_(int64_t a, int64_t b, int *bad) {
  if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b)) return attn_no_value_(bad);
  return a + b;
}
static inline int64_t attn_dim_mul_(int64_t a, int64_t b, int *bad) {
  if (a > 0 ? (b > 0 ? a > INT64_MAX / b : b < INT64_MIN / a)
            : (b > 0 ? a < INT64_MIN / b : a != 0 && b < INT64_MAX / a))
    return attn_no_value_(bad);
  return a * b;
}
/* Python's a // b: rounded toward -infinity. */
static inline int64_t attn_dim_floordiv_(int64_t a, int64_t b, int *bad) {
  int64_t q;
  if (b == 0 || (a == INT64_MIN && b == -1)) return attn_no_value_(bad);
  q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}
static inline int64_t attn_dim_min_(int64_t a, int64_t b) { return b < a ? b : a; }
static inline int64_t attn_dim_max_(int64_t a, int64_t b) { return b > a ? b : a; }
/* Whether a tensor of `rank` dims and `size`-byte elements has no negative dim
 * and at most 2^62 bytes (attnc's largest tensor); *elements gets its count. */
static inline int attn_tensor_fits_(const int64_t *shape, int rank, int64_t size, int64_t *elements) {
  int bad = 0, i;
  int64_t n = 1;
  for (i = 0; i < rank; ++i)
    if (shape[i] < 0) return 0;
  for (i = 0; i < rank; ++i)
    if (shape[i] == 0) {
      *elements = 0;
      return 1;
    }
  for (i = 0; i < rank; ++i) n = attn_dim_mul_(n, shape[i], &bad);
  if (bad || n > (INT64_C(1) << 62) / size) return 0;
  *elements = n;
  return 1;
}
/* Sets error (unless NULL) to {node, a, b}; returns status. */
static inline int32_t attn_fail_(int64_t *error, int32_t status, int64_t node, int64_t a, int64_t b) {
  if (error) {
    error[0] = node;
    error[1] = a;
    error[2] = b;
  }
  return status;
}
)";

} // namespace

std::string cHeaderPreamble(const std::string &model, const std::string &signatures, bool weightsCompiledIn) {
  std::string m = "attn_" + symbolPart(model);
  return "/* The C interface of model " + commentText(model) +
         ", made by `attnc compile --emit=obj|lib --header`\n"
         " * with the object or library it declares: regenerate them together, never edit.\n"
         " * docs/llvm-backend.md, \"The object file ABI\", has the details.\n"
         " *\n"
         " * Functions, in attn terms (B, T, ...: symbolic dims, given per call):\n" +
         signatures +
         " *\n"
         " * For each function FN:\n"
         " *   " + m + "_FN_run(arguments, results, dims, scratch, scratch_bytes,\n"
         " *       parallel_for, pool, error)        the typed call; returns an ATTN_ status\n"
         " *   " + m + "_FN_scratch_size(dims)        the scratch bytes a call needs\n"
         " *   " + m + "_FN_RESULT_count(dims)        the elements of a result\n"
         " *   " + m + "_FN_check_dims(dims, error)   whether the code can run with these dims\n"
         " *   " + m + "_FN, " + m + "_FN_scratch_bytes   the raw ABI, which they call\n"
         " * The size queries return -1 for dims the code cannot run with.\n"
         " *\n"
         " * Data: contiguous row-major arrays; f32 is float, i64 int64_t, i32 int32_t,\n"
         " * bool one uint8_t (non-zero is true). Each argument must hold exactly the\n"
         " * elements of its shape under the dims passed: the call cannot see how long\n"
         " * an array is and trusts it. A result buffer holds RESULT_count(dims) elements,\n"
         " * is only written, and must not overlap an argument.\n"
         " *\n"
         " * Threads: with parallel_for NULL a call runs on the calling thread alone.\n"
         " * Otherwise parallel_for(pool, task, frame, count, grain) must call\n"
         " * task(frame, begin, end) over disjoint ranges that cover [0, count), on any\n"
         " * threads in any order, and return when all are done; pool is passed through.\n"
         " * grain is a hint: a range should have at least |grain| items, and a negative\n"
         " * grain asks for one range per thread. Every split gives the same results, bit\n"
         " * for bit. Calls may run at once, each with its own scratch.\n"
         " *\n" +
         (weightsCompiledIn ? " * Weights: compiled in.\n"
                            : " * Weights: not in the object; the program defines each attn_weight_ array\n"
                              " * declared below.\n") +
         " */\n";
}

std::string cHeaderCommon() {
  std::string codes;
  for (RuntimeError code : {kRunOk, kEmbeddingOutOfRange, kIntegerDivisionByZero, kLengthOutOfRange})
    codes += define(runtimeStatus(code));
  for (const StatusCode &s : kWrapperStatus) codes += define(s);
  return "#ifndef ATTN_AOT_COMMON_V1\n#define ATTN_AOT_COMMON_V1\n\n"
         "/* The ABI's parallel loop (see Threads above). */\n"
         "typedef void (*attn_task_fn)(void *frame, int64_t begin, int64_t end);\n"
         "typedef void (*attn_parallel_for_fn)(void *pool, attn_task_fn task, void *frame, int64_t count,\n"
         "                                     int64_t grain);\n\n"
         "/* The status of a call: ATTN_OK, what the code returns (1, 2, 3), or what a\n"
         " * wrapper returns before it calls the code (negative). error[0..2] as given;\n"
         " * a node is the index of the failing node in the function's --emit=opt-ir. */\n" +
         codes + "\n" + kDimArithmetic + "\n#endif /* ATTN_AOT_COMMON_V1 */\n\n";
}

} // namespace attn::llvmcg
