/* write_tokens OUT ID...: one sentence of token ids as a safetensors file
 * (tokens: i64[1, count]), the inputs `attnc run` takes for
 * examples/sentiment.attn; no ids: T = 0. For the lit tests of the ahead-of-
 * time library (aot_header.test, aot_classify.test). */
#include "safetensors_io.h"

#include <stdlib.h>

int main(int argc, char **argv) {
  static int64_t tokens[1024];
  test_tensor t = {"tokens", TEST_I64, 2, {1, 0}, NULL};
  int i;
  if (argc < 2 || argc - 2 > 1024) return 2;
  for (i = 2; i < argc; ++i) tokens[i - 2] = strtoll(argv[i], NULL, 10);
  t.shape[1] = argc - 2, t.data = tokens;
  return write_safetensors(argv[1], &t, 1);
}
