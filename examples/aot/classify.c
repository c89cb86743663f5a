/* Classifies one sentence with examples/sentiment.attn compiled ahead of time
 * into a static library and a C header (examples/aot/README.md):
 *
 *   classify ID...
 *
 * The token ids of one sentence (B = 1, T = their count) come from the
 * command line. Prints the logits and the attention weights as `attnc run`
 * prints them, the class with the larger logit, and each token's weight.
 * Exit status: 0, 1 when the model refuses the ids (one out of the
 * vocabulary), 2 for bad usage. */
#include "sentiment.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { kMaxTokens = 4096 };

/* "name: f32[1, n] = [v, ...]" as `attnc run` prints a result (its first 32 values). */
static void print_row(const char *name, const float *values, int64_t count) {
  int64_t i;
  printf("%s: f32[1, %lld] = [", name, (long long)count);
  for (i = 0; i < count && i < 32; ++i) printf("%s%.6g", i ? ", " : "", (double)values[i]);
  if (count > 32) printf(", ... (%lld values)", (long long)count);
  printf("]\n");
}

int main(int argc, char **argv) {
  static int64_t tokens[kMaxTokens];
  int64_t T = argc - 1, i, bytes, classes, error[4] = {0, 0, 0, 0};
  float *logits, *weights;
  void *block, *scratch;
  int32_t status;
  if (T < 1 || T > kMaxTokens) {
    fprintf(stderr, "usage: classify ID... (the token ids of one sentence, 1 to %d of them)\n", kMaxTokens);
    return 2;
  }
  for (i = 0; i < T; ++i) {
    char *end;
    errno = 0;
    tokens[i] = strtoll(argv[i + 1], &end, 10);
    if (errno || end == argv[i + 1] || *end) {
      fprintf(stderr, "classify: '%s' is not a token id\n", argv[i + 1]);
      return 2;
    }
  }
  /* The sizes for these dims; -1 would mean dims the model cannot run with. */
  bytes = attn_SentimentClassifier_forward_scratch_size(1, T);
  classes = attn_SentimentClassifier_forward_logits_count(1, T);
  logits = malloc(sizeof(float) * (size_t)classes);
  weights = malloc(sizeof(float) * (size_t)T);
  block = malloc((size_t)(bytes < 0 ? 0 : bytes) + 64); /* the scratch must be 64-byte aligned */
  if (bytes < 0 || classes < 1) {
    fprintf(stderr, "classify: the model cannot run %lld tokens\n", (long long)T);
    return 1;
  }
  if (!logits || !weights || !block) {
    fprintf(stderr, "classify: out of memory\n");
    return 1;
  }
  scratch = (void *)(((uintptr_t)block + 63) & ~(uintptr_t)63);
  /* parallel_for NULL: on this thread alone. */
  status = attn_SentimentClassifier_forward_run(tokens, logits, weights, 1, T, scratch, bytes, NULL, NULL, error);
  if (status == ATTN_ERR_EMBEDDING_OUT_OF_RANGE) {
    fprintf(stderr, "classify: token id %lld (argument %lld) is not in the vocabulary\n", (long long)error[2],
            (long long)error[1] + 1);
  } else if (status != ATTN_OK) {
    fprintf(stderr, "classify: the model failed with status %d\n", (int)status);
  } else {
    print_row("logits", logits, classes);
    print_row("weights", weights, T);
    int64_t best = 0;
    for (i = 1; i < classes; ++i)
      if (logits[i] > logits[best]) best = i;
    printf("class: %lld\n", (long long)best);
    for (i = 0; i < T; ++i) printf("token %lld: weight %.4f\n", (long long)tokens[i], (double)weights[i]);
  }
  free(block);
  free(logits);
  free(weights);
  return status == ATTN_OK ? 0 : 1;
}
