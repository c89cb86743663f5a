/* For the C programs of the lit tests (object_abi.c, aot_wrappers.c): write
 * tensors to a safetensors file, so that `attnc run` can run the same inputs,
 * and print a tensor as `attnc run` does ("name: f32[2, 3] = [...]", at most
 * 32 values). C99; the tensors are small (a header of at most 4 KiB). */
#ifndef ATTN_TEST_SAFETENSORS_IO_H
#define ATTN_TEST_SAFETENSORS_IO_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum test_dtype { TEST_F32, TEST_I64, TEST_I32, TEST_BOOL };

typedef struct {
  const char *name;
  enum test_dtype dtype;
  int rank;
  int64_t shape[4];
  const void *data;
} test_tensor;

static inline size_t test_dtype_size(enum test_dtype d) { return d == TEST_F32 || d == TEST_I32 ? 4 : d == TEST_I64 ? 8 : 1; }

static inline int64_t test_elements(const test_tensor *t) {
  int64_t n = 1;
  int i;
  for (i = 0; i < t->rank; ++i) n *= t->shape[i];
  return n;
}

/* Returns 0 on success. */
static inline int write_safetensors(const char *path, const test_tensor *tensors, int count) {
  static const char *const names[] = {"F32", "I64", "I32", "BOOL"};
  char header[4096];
  size_t length = 0;
  uint64_t offset = 0, size;
  int i, k;
  FILE *f;
  length += (size_t)snprintf(header + length, sizeof header - length, "{");
  for (i = 0; i < count; ++i) {
    const test_tensor *t = &tensors[i];
    uint64_t bytes = (uint64_t)test_elements(t) * test_dtype_size(t->dtype);
    length += (size_t)snprintf(header + length, sizeof header - length, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[",
                               i ? "," : "", t->name, names[t->dtype]);
    for (k = 0; k < t->rank; ++k)
      length += (size_t)snprintf(header + length, sizeof header - length, "%s%lld", k ? "," : "",
                                 (long long)t->shape[k]);
    length += (size_t)snprintf(header + length, sizeof header - length, "],\"data_offsets\":[%llu,%llu]}",
                               (unsigned long long)offset, (unsigned long long)(offset + bytes));
    offset += bytes;
  }
  length += (size_t)snprintf(header + length, sizeof header - length, "}");
  if (length + 8 >= sizeof header) return 1;
  while (length % 8) header[length++] = ' ';
  f = fopen(path, "wb");
  if (!f) return 1;
  size = (uint64_t)length;
  fwrite(&size, 8, 1, f);
  fwrite(header, 1, length, f);
  for (i = 0; i < count; ++i)
    fwrite(tensors[i].data, test_dtype_size(tensors[i].dtype), (size_t)test_elements(&tensors[i]), f);
  return fclose(f) != 0;
}

static inline void print_tensor(const test_tensor *t) {
  static const char *const names[] = {"f32", "i64", "i32", "bool"};
  int64_t n = test_elements(t), i;
  int k;
  printf("%s: %s[", t->name, names[t->dtype]);
  for (k = 0; k < t->rank; ++k) printf("%s%lld", k ? ", " : "", (long long)t->shape[k]);
  printf("] = [");
  for (i = 0; i < n && i < 32; ++i) {
    printf("%s", i ? ", " : "");
    switch (t->dtype) {
    case TEST_F32: printf("%.6g", (double)((const float *)t->data)[i]); break;
    case TEST_I64: printf("%lld", (long long)((const int64_t *)t->data)[i]); break;
    case TEST_I32: printf("%d", (int)((const int32_t *)t->data)[i]); break;
    case TEST_BOOL: printf("%s", ((const uint8_t *)t->data)[i] ? "true" : "false"); break;
    }
  }
  if (n > 32) printf(", ... (%lld values)", (long long)n);
  printf("]\n");
}

#endif
