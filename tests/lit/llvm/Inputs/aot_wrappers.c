/* A C program that calls three models through nothing but the typed
 * wrappers of their generated headers (`attnc compile --emit=lib --header`),
 * linked against their static libraries (tests/lit/llvm/aot_header.test):
 *   aot_wrappers additive IN       writes its inputs to IN (safetensors, for
 *                                  `attnc run`), runs examples/additive_block.attn
 *                                  with a parallel_for, prints the results as
 *                                  `attnc run` does
 *   aot_wrappers sentiment IN      the same for examples/sentiment.attn
 *   aot_wrappers atoms IN IN0      Inputs/aot_atoms.ir: what its wrappers say
 *                                  for T = 0 to 5, then a run with T = 5 (its
 *                                  inputs written to IN; IN0: x with T = 0)
 *   aot_wrappers errors            the statuses of bad calls, one per line */
#include "additive_block.h"
#include "atoms.h"
#include "sentiment.h"
#include "additive_block.h" /* twice: the header is guarded */

#include "safetensors_io.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Any split of [0, count) is allowed: here two halves, one after the other. */
static void split_in_two(void *pool, attn_task_fn task, void *frame, int64_t count, int64_t grain) {
  (void)pool;
  (void)grain;
  task(frame, 0, count / 2);
  task(frame, count / 2, count);
}

/* `bytes` (at least 1) at a 64-byte aligned address inside *block (free it). */
static void *aligned_block(int64_t bytes, void **block) {
  *block = malloc((size_t)bytes + 64);
  if (!*block) return NULL;
  return (void *)(((uintptr_t)*block + 63) & ~(uintptr_t)63);
}

static int run_additive(const char *path) {
  enum { B = 2, T = 3, D = 32 };
  static float h[B * T * D], context[B * D], alpha[B * T];
  static uint8_t mask[B * T] = {1, 1, 0, 0, 0, 0}; /* row 1 fully masked */
  int64_t error[4] = {0, 0, 0, 0}, bytes = attn_AdditiveAttentionBlock_forward_scratch_size(B, T);
  void *block, *scratch;
  int32_t status;
  int i;
  test_tensor in[2] = {{"h", TEST_F32, 3, {B, T, D}, NULL}, {"mask", TEST_BOOL, 2, {B, T}, NULL}};
  test_tensor out[2] = {{"context", TEST_F32, 2, {B, D}, NULL}, {"alpha", TEST_F32, 2, {B, T}, NULL}};
  in[0].data = h, in[1].data = mask, out[0].data = context, out[1].data = alpha;
  for (i = 0; i < B * T * D; ++i) h[i] = (float)sin(0.37 * i);
  if (write_safetensors(path, in, 2)) return 1;
  if (attn_AdditiveAttentionBlock_forward_context_count(B, T) != B * D ||
      attn_AdditiveAttentionBlock_forward_alpha_count(B, T) != B * T || bytes < 0)
    return 3;
  scratch = aligned_block(bytes, &block);
  status = attn_AdditiveAttentionBlock_forward_run(h, mask, context, alpha, B, T, scratch, bytes, split_in_two,
                                                   NULL, error);
  free(block);
  if (status != ATTN_OK) return 2;
  print_tensor(&out[0]);
  print_tensor(&out[1]);
  return 0;
}

static int run_sentiment(const char *path) {
  enum { B = 2, T = 5 };
  static int64_t tokens[B * T];
  float *logits, *weights;
  int64_t bytes = attn_SentimentClassifier_forward_scratch_size(B, T);
  void *block, *scratch;
  int32_t status;
  int i;
  test_tensor in = {"tokens", TEST_I64, 2, {B, T}, NULL};
  test_tensor out[2] = {{"logits", TEST_F32, 2, {B, 2}, NULL}, {"weights", TEST_F32, 2, {B, T}, NULL}};
  for (i = 0; i < B * T; ++i) tokens[i] = (i * 1237 + 11) % 8000;
  in.data = tokens;
  if (write_safetensors(path, &in, 1)) return 1;
  logits = (float *)malloc(sizeof(float) * (size_t)attn_SentimentClassifier_forward_logits_count(B, T));
  weights = (float *)malloc(sizeof(float) * (size_t)attn_SentimentClassifier_forward_weights_count(B, T));
  scratch = aligned_block(bytes, &block);
  status = attn_SentimentClassifier_forward_run(tokens, logits, weights, B, T, scratch, bytes, NULL, NULL, NULL);
  out[0].data = logits, out[1].data = weights;
  if (status == ATTN_OK) print_tensor(&out[0]), print_tensor(&out[1]);
  free(block), free(logits), free(weights);
  return status == ATTN_OK ? 0 : 2;
}

/* floordiv(T - 3, 2) + 1 is -1 for T = 0 (C's / would give 0), so T = 0 is
 * refused; min(T, 4) stops growing at 4. */
static int run_atoms(const char *path, const char *emptyPath) {
  enum { B = 1, T = 5 };
  static float x[B * T] = {1, 2, 3, 4, 5}, y[B * T], z[B * T];
  int64_t error[4] = {0, 0, 0, 0}, t, bytes;
  void *block, *scratch;
  int32_t status;
  test_tensor in = {"x", TEST_F32, 2, {B, T}, NULL};
  test_tensor out[2] = {{"y", TEST_F32, 2, {B, 2}, NULL}, {"z", TEST_F32, 2, {B, 4}, NULL}};
  for (t = 0; t <= 5; ++t) {
    error[0] = error[1] = error[2] = 0;
    status = attn_Atoms_f_check_dims(B, t, error);
    printf("T = %lld: status %d, node %lld, counts %lld %lld\n", (long long)t, (int)status, (long long)error[0],
           (long long)attn_Atoms_f_y_count(B, t), (long long)attn_Atoms_f_z_count(B, t));
  }
  in.data = x, out[0].data = y, out[1].data = z;
  in.shape[1] = 0;
  if (write_safetensors(emptyPath, &in, 1)) return 1;
  in.shape[1] = T;
  if (write_safetensors(path, &in, 1)) return 1;
  bytes = attn_Atoms_f_scratch_size(B, T);
  scratch = aligned_block(bytes, &block);
  status = attn_Atoms_f_run(x, y, z, B, T, scratch, bytes, NULL, NULL, error);
  free(block);
  if (status != ATTN_OK) return 2;
  print_tensor(&out[0]);
  print_tensor(&out[1]);
  return 0;
}

/* Each bad call's status and error words. */
static int errors(void) {
  enum { B = 1, T = 4 };
  int64_t tokens[B * T] = {5, 6, 9000, 7}, error[4] = {0, 0, 0, 0};
  int64_t bytes = attn_SentimentClassifier_forward_scratch_size(B, T);
  float logits[B * 2], weights[B * T];
  void *block, *scratch = aligned_block(bytes, &block);
  int32_t s;
#define REPORT(what, call)                                                                                  \
  (error[0] = error[1] = error[2] = 0, s = (call),                                                          \
   printf("%s: status %d, error {%lld, %lld, %lld}\n", what, (int)s, (long long)error[0], (long long)error[1], \
          (long long)error[2]))
  printf("codes: %d %d %d %d %d %d %d %d\n", ATTN_OK, ATTN_ERR_EMBEDDING_OUT_OF_RANGE,
         ATTN_ERR_INTEGER_DIVISION_BY_ZERO, ATTN_ERR_LENGTH_OUT_OF_RANGE, ATTN_ERR_NULL_POINTER,
         ATTN_ERR_INVALID_DIMS, ATTN_ERR_SCRATCH_TOO_SMALL, ATTN_ERR_SCRATCH_MISALIGNED);
  REPORT("valid dims", attn_SentimentClassifier_forward_check_dims(B, T, error));
  REPORT("negative B", attn_SentimentClassifier_forward_check_dims(-1, T, error));
  REPORT("T = 0", attn_SentimentClassifier_forward_check_dims(B, 0, error));
  REPORT("B = T = 2^31", attn_SentimentClassifier_forward_check_dims(INT64_C(1) << 31, INT64_C(1) << 31, error));
  REPORT("T = 2^62, no error words", attn_SentimentClassifier_forward_check_dims(B, INT64_C(1) << 62, NULL));
  printf("sizes at T = 0: %lld %lld %lld\n", (long long)attn_SentimentClassifier_forward_scratch_size(B, 0),
         (long long)attn_SentimentClassifier_forward_logits_count(B, 0),
         (long long)attn_SentimentClassifier_forward_weights_count(B, 0));
  printf("counts at B = 3, T = 7: %lld %lld\n", (long long)attn_SentimentClassifier_forward_logits_count(3, 7),
         (long long)attn_SentimentClassifier_forward_weights_count(3, 7));
  REPORT("id 9000", attn_SentimentClassifier_forward_run(tokens, logits, weights, B, T, scratch, bytes, NULL, NULL,
                                                         error));
  tokens[2] = 9;
  REPORT("scratch too small",
         attn_SentimentClassifier_forward_run(tokens, logits, weights, B, T, scratch, bytes - 1, NULL, NULL, error));
  printf("needed: %s, given: %s\n", error[1] == bytes ? "the scratch size" : "wrong",
         error[2] == bytes - 1 ? "one byte less" : "wrong");
  REPORT("scratch misaligned", attn_SentimentClassifier_forward_run(tokens, logits, weights, B, T,
                                                                    (char *)scratch + 8, bytes, NULL, NULL, error));
  REPORT("NULL tokens",
         attn_SentimentClassifier_forward_run(NULL, logits, weights, B, T, scratch, bytes, NULL, NULL, error));
  REPORT("NULL weights",
         attn_SentimentClassifier_forward_run(tokens, logits, NULL, B, T, scratch, bytes, NULL, NULL, error));
  REPORT("NULL scratch",
         attn_SentimentClassifier_forward_run(tokens, logits, weights, B, T, NULL, bytes, NULL, NULL, error));
  REPORT("B = 0, NULL tensors", attn_SentimentClassifier_forward_run(NULL, NULL, NULL, 0, T, scratch, bytes, NULL,
                                                                     NULL, error));
  REPORT("valid call",
         attn_SentimentClassifier_forward_run(tokens, logits, weights, B, T, scratch, bytes, NULL, NULL, error));
  free(block);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "additive")) return run_additive(argv[2]);
  if (argc == 3 && !strcmp(argv[1], "sentiment")) return run_sentiment(argv[2]);
  if (argc == 4 && !strcmp(argv[1], "atoms")) return run_atoms(argv[2], argv[3]);
  if (argc == 2 && !strcmp(argv[1], "errors")) return errors();
  fprintf(stderr, "usage: aot_wrappers additive|sentiment IN | atoms IN IN0 | errors\n");
  return 2;
}
