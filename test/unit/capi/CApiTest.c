/*===- CApiTest.c - The normc C API, used from C --------------------------===*
 *
 * Compiled as C: JIT-compiles a conv -> BatchNorm -> ReLU block, trains two
 * steps, checks that running statistics move and survive a save / load into
 * a second session, that inference is deterministic, and that bad calls
 * fail with a message instead of crashing.
 *
 * Usage: NormCApiTest GRAPH.mlir SCRATCH_DIR
 *
 *===----------------------------------------------------------------------===*/

#include "normc/normc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    ++checks;                                                                  \
    if (!(cond)) {                                                             \
      ++failures;                                                              \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                            \
      fprintf(stderr, " (last error: %s)\n", normc_last_error());              \
    }                                                                          \
  } while (0)

static int64_t numel(int rank, const int64_t *shape) {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i)
    n *= shape[i];
  return n;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s GRAPH.mlir SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  normc_executable *exe = normc_executable_jit(argv[1], "both");
  CHECK(exe != NULL, "jit of %s", argv[1]);
  if (!exe)
    return 1;
  normc_session *s = normc_session_create(exe, "block");
  normc_session *t = normc_session_create(exe, "block");
  CHECK(s && t, "session");
  if (!s || !t)
    return 1;

  /* Inputs: x, conv weight, scale, bias (all f32). */
  int n = normc_session_num_inputs(s);
  CHECK(n == 4, "num inputs %d", n);
  CHECK(normc_session_num_outputs(s) == 1, "one output");
  float *inputs[4];
  const void *inputPtrs[4];
  for (int i = 0; i < n && i < 4; ++i) {
    normc_dtype dtype;
    int rank;
    const int64_t *shape;
    CHECK(normc_session_input_info(s, i, &dtype, &rank, &shape), "info %d", i);
    CHECK(dtype == NORMC_F32, "input %d dtype %d", i, (int)dtype);
    int64_t count = numel(rank, shape);
    inputs[i] = malloc(sizeof(float) * count);
    for (int64_t k = 0; k < count; ++k)
      inputs[i][k] = (float)sin(0.37 * (double)(k + 13 * i)) + (i == 2);
    inputPtrs[i] = inputs[i];
  }
  normc_dtype outType;
  int outRank;
  const int64_t *outShape;
  CHECK(normc_session_output_info(s, 0, &outType, &outRank, &outShape),
        "output info");
  int64_t outCount = numel(outRank, outShape);

  /* Two training steps, then inference. */
  const void *out[1];
  CHECK(normc_session_train(s), "train");
  CHECK(normc_session_forward(s, inputPtrs, out), "train step 1");
  CHECK(normc_session_forward(s, inputPtrs, out), "train step 2");
  const float *y = out[0];
  int negative = 0, nonfinite = 0;
  for (int64_t k = 0; k < outCount; ++k) {
    negative += y[k] < 0;
    nonfinite += !isfinite(y[k]);
  }
  CHECK(negative == 0 && nonfinite == 0,
        "relu output: %d negative, %d "
        "non-finite",
        negative, nonfinite);

  char path[4096];
  snprintf(path, sizeof path, "%s/capi_state.npz", argv[2]);
  CHECK(normc_session_save_state(s, path), "save %s", path);
  CHECK(normc_session_load_state(t, path), "load %s", path);
  CHECK(normc_session_eval(s) && normc_session_eval(t), "eval");
  const void *a[1], *b[1];
  CHECK(normc_session_forward(s, inputPtrs, a), "eval s");
  float *first = malloc(sizeof(float) * outCount);
  memcpy(first, a[0], sizeof(float) * outCount);
  CHECK(normc_session_forward(t, inputPtrs, b), "eval t");
  CHECK(memcmp(first, b[0], sizeof(float) * outCount) == 0,
        "loaded state gives the same inference output");

  /* Fresh state (count 0, mean 0, var 1) differs from the trained one. */
  normc_session *fresh = normc_session_create(exe, "block");
  const void *c[1];
  CHECK(fresh && normc_session_forward(fresh, inputPtrs, c), "fresh eval");
  CHECK(fresh && memcmp(first, c[0], sizeof(float) * outCount) != 0,
        "training changed the running statistics");

  /* Errors are reported, not crashes. */
  CHECK(normc_session_create(exe, "missing") == NULL, "unknown function");
  CHECK(strstr(normc_last_error(), "no function 'missing'") != NULL,
        "message names the function");
  CHECK(normc_executable_load("/nonexistent/dir") == NULL, "bad directory");
  CHECK(strstr(normc_last_error(), "manifest.json") != NULL, "message");
  snprintf(path, sizeof path, "%s/capi_corrupt.npz", argv[2]);
  FILE *f = fopen(path, "wb");
  if (f) {
    fputs("garbage", f);
    fclose(f);
  }
  CHECK(!normc_session_load_state(t, path), "corrupt state rejected");
  CHECK(normc_session_input_info(s, 9, NULL, NULL, NULL) == 0, "bad index");
  CHECK(normc_executable_jit(argv[1], "eval") == NULL, "bad modes");

  normc_session_free(fresh);
  normc_session_free(s);
  normc_session_free(t);
  normc_executable_free(exe);
  for (int i = 0; i < 4; ++i)
    free(inputs[i]);
  free(first);
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures != 0;
}
