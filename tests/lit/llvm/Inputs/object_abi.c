/* A C program linking the object of `attnc compile --emit=obj` for
 * examples/additive_block.attn (docs/llvm-backend.md has the ABI): it writes
 * its inputs to a safetensors file (argv[1]) so that `attnc run` can run the
 * same ones, calls the entry point with a parallel_for that splits every
 * loop in two, and prints the results as `attnc run` does. */
#include "safetensors_io.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef void (*attn_task_fn)(void *frame, int64_t begin, int64_t end);
typedef void (*attn_parallel_for_fn)(void *pool, attn_task_fn task, void *frame, int64_t count,
                                     int64_t grain);
int32_t attn_AdditiveAttentionBlock_forward(const void *const *inputs, void *const *outputs,
                                            const int64_t *dims, void *scratch,
                                            attn_parallel_for_fn parallel_for, void *pool,
                                            int64_t *error);
int64_t attn_AdditiveAttentionBlock_forward_scratch_bytes(const int64_t *dims);

enum { B = 2, T = 3, D = 32 };

/* Any split of [0, count) is allowed: here two halves, one after the other. */
static void split_in_two(void *pool, attn_task_fn task, void *frame, int64_t count, int64_t grain) {
  (void)pool, (void)grain;
  task(frame, 0, count / 2);
  task(frame, count / 2, count);
}

int main(int argc, char **argv) {
  static float h[B * T * D], context[B * D], alpha[B * T];
  static uint8_t mask[B * T] = {1, 1, 0, 0, 0, 0}; /* row 1 fully masked */
  for (int i = 0; i < B * T * D; ++i) h[i] = (float)sin(0.37 * i);
  const test_tensor in[2] = {{"h", TEST_F32, 3, {B, T, D}, h}, {"mask", TEST_BOOL, 2, {B, T}, mask}};
  if (argc < 2 || write_safetensors(argv[1], in, 2)) return 1;
  int64_t dims[2] = {B, T}, error[4] = {0};
  void *scratch = aligned_alloc(64, (size_t)attn_AdditiveAttentionBlock_forward_scratch_bytes(dims) + 64);
  const void *inputs[2] = {h, mask};
  void *outputs[2] = {context, alpha};
  int32_t code = attn_AdditiveAttentionBlock_forward(inputs, outputs, dims, scratch, split_in_two,
                                                     NULL, error);
  free(scratch);
  if (code != 0) return 2;
  const test_tensor out[2] = {{"context", TEST_F32, 2, {B, D}, context}, {"alpha", TEST_F32, 2, {B, T}, alpha}};
  print_tensor(&out[0]);
  print_tensor(&out[1]);
  return 0;
}
