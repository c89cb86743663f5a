/* A C application of the installed attn: a model from a string, its weights
 * in this program's arrays, one run; the result is checked against the
 * arithmetic done here, and a bad call must be an error with a message.
 * Prints "c_app: ok" and exits 0, or says what differed and exits 1. */
#include <attn/attn.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *kModel = "model Lin\n"
                            "dim B\n"
                            "layer fc = Linear(2, 3)\n"
                            "fn f(x: f32[B, 2]) -> (y: f32[B, 3]) {\n"
                            "  return tanh(fc(x))\n"
                            "}\n";

static attn_tensor tensor(const char *name, attn_dtype dtype, int32_t rank, const int64_t *shape, void *data,
                          size_t bytes) {
  attn_tensor t;
  int i;
  memset(&t, 0, sizeof t);
  t.name = name;
  t.dtype = dtype;
  t.rank = rank;
  for (i = 0; i < rank; ++i) t.shape[i] = shape[i];
  t.data = data;
  t.size_bytes = bytes;
  return t;
}

int main(void) {
  float w[6] = {1, 2, 3, 4, 5, 6}, b[3] = {0.5f, -0.5f, 1};
  float x[4] = {0.1f, -0.2f, 0.3f, 0.05f}, y[6];
  int64_t wShape[2] = {3, 2}, bShape[1] = {3}, xShape[2] = {2, 2};
  attn_tensor weights[2], in, out;
  attn_options *options = NULL;
  attn_module *module = NULL;
  const attn_function_info *f;
  int row, i, failures = 0;

  weights[0] = tensor("fc.weight", ATTN_F32, 2, wShape, w, sizeof w);
  weights[1] = tensor("fc.bias", ATTN_F32, 1, bShape, b, sizeof b);
  if (attn_options_create(&options) != ATTN_OK || attn_options_set_threads(options, 1) != ATTN_OK ||
      attn_options_set_cache_dir(options, "off") != ATTN_OK) {
    fprintf(stderr, "c_app: options: %s\n", attn_last_error());
    return 1;
  }
  if (attn_module_compile_with_buffers(kModel, "lin.attn", weights, 2, options, &module) != ATTN_OK) {
    fprintf(stderr, "c_app: %s\n", attn_last_error());
    return 1;
  }
  attn_options_destroy(options);
  f = attn_module_find_function(module, "f");
  printf("%s [%s]\n", f ? f->signature : "(none)", attn_module_backend(module));

  in = tensor("x", ATTN_F32, 2, xShape, x, sizeof x);
  out = tensor("y", ATTN_F32, 0, NULL, y, sizeof y);
  if (attn_module_run(module, "f", &in, 1, &out, 1) != ATTN_OK) {
    fprintf(stderr, "c_app: run: %s\n", attn_last_error());
    return 1;
  }
  for (row = 0; row < 2; ++row)
    for (i = 0; i < 3; ++i) {
      double ref = tanh(w[2 * i] * x[2 * row] + w[2 * i + 1] * x[2 * row + 1] + b[i]);
      printf("y[%d][%d] = %.6f\n", row, i, y[3 * row + i]);
      if (fabs(y[3 * row + i] - ref) > 1e-5 + 1e-4 * fabs(ref)) {
        fprintf(stderr, "c_app: y[%d][%d] is %.7g, expected %.7g\n", row, i, y[3 * row + i], ref);
        ++failures;
      }
    }
  if (out.rank != 2 || out.shape[0] != 2 || out.shape[1] != 3) {
    fprintf(stderr, "c_app: the output's shape was not set\n");
    ++failures;
  }
  /* A wrong size is an error value with a message, not a crash. */
  in.size_bytes = 3;
  if (attn_module_run(module, "f", &in, 1, &out, 1) != ATTN_ERROR_INPUT || strlen(attn_last_error()) == 0) {
    fprintf(stderr, "c_app: a wrong input size was not an input error\n");
    ++failures;
  } else {
    printf("wrong size: %s\n", attn_last_error());
  }
  attn_module_destroy(module);
  if (failures) return 1;
  printf("c_app: ok\n");
  return 0;
}
