/* attn: the C API for embedding attnc (over the C++ API of attn.hpp).
 *
 * Opaque handles, status codes and a per-thread error message; no C++ types,
 * usable from C99 and from any language's FFI. Every function returns
 * ATTN_OK or an error code, and on error attn_last_error() (on the calling
 * thread) says what went wrong: model errors as `file:line:col: error: ...`
 * with the line and a caret. Nothing aborts the host. A module is immutable
 * once compiled: attn_module_run may be called on it from many threads at
 * once. docs/embedding.md has a complete example.
 *
 *   attn_module *m = NULL;
 *   if (attn_module_compile_file("m.attn", "w.safetensors", NULL, &m) != ATTN_OK) {
 *     fprintf(stderr, "%s\n", attn_last_error());
 *     return 1;
 *   }
 *   int64_t ids[3] = {5, 9, 2};
 *   attn_tensor in = {"tokens", ATTN_I64, 2, {1, 3}, ids, sizeof ids};
 *   float logits[2];
 *   attn_tensor out = {"logits", ATTN_F32, 0, {0}, logits, sizeof logits};
 *   ...attn_module_run(m, "forward", &in, 1, &out, 1)...
 *   attn_module_destroy(m);
 */
#ifndef ATTN_ATTN_H
#define ATTN_ATTN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The most dims a tensor of this API has. */
#define ATTN_MAX_RANK 8

typedef enum attn_status {
  ATTN_OK = 0,
  ATTN_ERROR_INVALID_ARGUMENT = 1, /* a null pointer, an unknown function, a bad option */
  ATTN_ERROR_MODEL = 2,            /* the model's text: its diagnostics */
  ATTN_ERROR_WEIGHTS = 3,          /* missing, unexpected, mistyped or misshapen weights; a bad file */
  ATTN_ERROR_COMPILE = 4,          /* the backend could not compile the model */
  ATTN_ERROR_INPUT = 5,            /* inputs or output buffers that do not fit the function */
  ATTN_ERROR_RUN = 6,              /* the run failed on the data (a token id out of range, memory) */
  ATTN_ERROR_OUT_OF_MEMORY = 7,    /* the runtime could not allocate */
  ATTN_STATUS_MAX_ENUM = 0x7FFFFFFF /* not a status: keeps every enum of this API 32 bits wide */
} attn_status;

typedef enum attn_dtype {
  ATTN_F32 = 0,
  ATTN_I64 = 1,
  ATTN_I32 = 2,
  ATTN_BOOL = 3, /* one byte, non-zero is true */
  ATTN_DTYPE_MAX_ENUM = 0x7FFFFFFF
} attn_dtype;

typedef enum attn_backend {
  ATTN_BACKEND_DEFAULT = 0, /* the fastest that is correct (llvm) */
  ATTN_BACKEND_INTERP = 1,  /* the reference interpreter */
  ATTN_BACKEND_LLVM = 2,    /* LLVM's ORC JIT */
  ATTN_BACKEND_DNNL = 3,    /* oneDNN's primitives */
  ATTN_BACKEND_MAX_ENUM = 0x7FFFFFFF
} attn_backend;

/* A tensor in the caller's memory: contiguous row-major data, never copied.
 * As an input: name (NULL: by position), dtype, rank, shape, data and
 * size_bytes (the bytes at data: exactly the shape's; 0: trust the shape).
 * As an output: name (NULL: by position) and dtype; data and size_bytes (its
 * capacity; at least the result's bytes) or data NULL, and then the runtime
 * allocates the result (release it with attn_free). The run sets rank and
 * shape (and data, when it allocated). */
typedef struct attn_tensor {
  const char *name;
  attn_dtype dtype;
  int32_t rank;
  int64_t shape[ATTN_MAX_RANK];
  void *data;
  size_t size_bytes;
} attn_tensor;

/* An argument or result of a function: dims as text ("B", "2*T", "12"). */
typedef struct attn_tensor_spec {
  const char *name;
  attn_dtype dtype;
  int32_t rank;
  const char *const *dims;
} attn_tensor_spec;

typedef struct attn_function_info {
  const char *name;
  /* "forward(tokens: i64[B, T]) -> (logits: f32[B, 2], weights: f32[B, T])" */
  const char *signature;
  size_t num_arguments;
  const attn_tensor_spec *arguments;
  size_t num_results;
  const attn_tensor_spec *results;
} attn_function_info;

typedef struct attn_options attn_options;
typedef struct attn_module attn_module;

/* The message of the last failed call on this thread ("" if none); valid
 * until the next call of this API on the thread. */
const char *attn_last_error(void);
/* "0.1.0" */
const char *attn_version(void);
/* "f32", "i64", "i32", "bool"; NULL for an unknown value. */
const char *attn_dtype_name(attn_dtype dtype);
/* Bytes per element; 0 for an unknown value. */
size_t attn_dtype_size(attn_dtype dtype);

/* Compile options; NULL wherever options are taken means the defaults. */
attn_status attn_options_create(attn_options **out);
void attn_options_destroy(attn_options *options);
attn_status attn_options_set_backend(attn_options *options, attn_backend backend);
/* Threads per run, the caller's included; 0: every hardware thread. */
attn_status attn_options_set_threads(attn_options *options, uint32_t threads);
/* The CPU and features to compile for (llvm; LLVM's names such as "znver3" and
 * "+avx2,-avx512f"); cpu NULL: the host's. Features are added to a CPU's: with
 * a NULL cpu they are an error, as are unknown names (when compiling). */
attn_status attn_options_set_target(attn_options *options, const char *cpu, const char *features);
/* The compiled-code cache; NULL: the environment's; "off": none. */
attn_status attn_options_set_cache_dir(attn_options *options, const char *dir);
/* The bytes of tensors one run may allocate; 0: the machine's memory. */
attn_status attn_options_set_max_memory(attn_options *options, uint64_t bytes);
attn_status attn_options_set_fusion(attn_options *options, int enabled);
attn_status attn_options_set_allow_unexpected_weights(attn_options *options, int allow);
/* Overrides the model's `let name` (as attnc -D name=value). */
attn_status attn_options_add_define(attn_options *options, const char *name, const char *value);

/* Compiles the model file (or, with _string, `source` named `name` in
 * diagnostics) with a weights file (NULL: a model without weights). */
attn_status attn_module_compile_file(const char *model_path, const char *weights_path,
                                     const attn_options *options, attn_module **out);
attn_status attn_module_compile_string(const char *source, const char *name, const char *weights_path,
                                       const attn_options *options, attn_module **out);
/* As attn_module_compile_string, with the weights in the caller's buffers
 * (each named; read in place: they must outlive the module). */
attn_status attn_module_compile_with_buffers(const char *source, const char *name, const attn_tensor *weights,
                                             size_t num_weights, const attn_options *options,
                                             attn_module **out);
void attn_module_destroy(attn_module *module);

/* "interp", "llvm" or "dnnl". */
const char *attn_module_backend(const attn_module *module);
size_t attn_module_num_functions(const attn_module *module);
/* The function at `index` (model order), or NULL; valid while the module lives. */
const attn_function_info *attn_module_function(const attn_module *module, size_t index);
/* The function called `name` (NULL: the only one), or NULL. */
const attn_function_info *attn_module_find_function(const attn_module *module, const char *name);

/* Sets each output's dtype, rank and shape for these inputs (checked as a
 * run checks them) without running; `outputs` has one slot per result, in
 * return order. */
attn_status attn_module_result_shapes(const attn_module *module, const char *function, const attn_tensor *inputs,
                                      size_t num_inputs, attn_tensor *outputs, size_t num_outputs);
/* Runs `function` (NULL: the only one) on the inputs, matched to its
 * arguments by name, writing every result into `outputs` (matched by name;
 * one per result). Safe from many threads at once. */
attn_status attn_module_run(const attn_module *module, const char *function, const attn_tensor *inputs,
                            size_t num_inputs, attn_tensor *outputs, size_t num_outputs);

/* Releases what attn_module_run allocated; NULL is ignored. */
void attn_free(void *data);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_ATTN_H */
