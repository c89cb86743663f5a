/* examples/additive_block.attn compiled without its weights (`attnc compile
 * --emit=lib --header` without --weights): this program defines the weight
 * arrays the header declares, fills them, writes them and its inputs to
 * safetensors files (argv[1], argv[2]) so that `attnc run` can run the same,
 * calls the typed wrapper and prints the results as `attnc run` does. */
#include "external.h"

#include "safetensors_io.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { B = 2, T = 3, D = 32, A = 16 };

float attn_weight_attention_W[A * D], attn_weight_attention_b[A], attn_weight_attention_v[A];

int main(int argc, char **argv) {
  static float h[B * T * D], context[B * D], alpha[B * T];
  static uint8_t mask[B * T] = {1, 1, 1, 1, 0, 0};
  int64_t bytes = attn_AdditiveAttentionBlock_forward_scratch_size(B, T), error[4] = {0, 0, 0, 0};
  void *block = malloc((size_t)bytes + 64);
  void *scratch = (void *)(((uintptr_t)block + 63) & ~(uintptr_t)63);
  int32_t status;
  int i;
  test_tensor weights[3] = {{"attention.W", TEST_F32, 2, {A, D}, NULL},
                            {"attention.b", TEST_F32, 1, {A}, NULL},
                            {"attention.v", TEST_F32, 1, {A}, NULL}};
  test_tensor in[2] = {{"h", TEST_F32, 3, {B, T, D}, NULL}, {"mask", TEST_BOOL, 2, {B, T}, NULL}};
  test_tensor out[2] = {{"context", TEST_F32, 2, {B, D}, NULL}, {"alpha", TEST_F32, 2, {B, T}, NULL}};
  if (argc != 3 || !block) return 1;
  for (i = 0; i < A * D; ++i) attn_weight_attention_W[i] = (float)(0.2 * cos(0.11 * i));
  for (i = 0; i < A; ++i) attn_weight_attention_b[i] = (float)(0.1 * sin(i)), attn_weight_attention_v[i] = (float)(0.3 * cos(i));
  for (i = 0; i < B * T * D; ++i) h[i] = (float)sin(0.29 * i);
  weights[0].data = attn_weight_attention_W, weights[1].data = attn_weight_attention_b;
  weights[2].data = attn_weight_attention_v;
  in[0].data = h, in[1].data = mask, out[0].data = context, out[1].data = alpha;
  if (write_safetensors(argv[1], weights, 3) || write_safetensors(argv[2], in, 2)) return 1;
  status = attn_AdditiveAttentionBlock_forward_run(h, mask, context, alpha, B, T, scratch, bytes, NULL, NULL, error);
  free(block);
  if (status != ATTN_OK) return 2;
  print_tensor(&out[0]);
  print_tensor(&out[1]);
  return 0;
}
