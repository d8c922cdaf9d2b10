/* The C reference for `npm run bench:eval`: a plain bit-sliced evaluator, 8 uint64 words (512
 * input vectors) per wire per pass, table-driven over the same gate arrays as circuits/ir.ts.
 *   switch: one switch on the op per gate (the plain evaluator);
 *   runs:   the gate list cut into runs of one op, a loop per run (what the WebAssembly kernel
 *           does), for comparison.
 * Usage: bitsliced IN OUT MODE REPS. IN: int32 n, T, W, nKeep; uint8 ops[T] (padded to 4 bytes);
 * int32 a[T], b[T] (-1 where unused); int32 keep[nKeep]; uint32 inputs[n*W] (wire-major, as
 * circuits/eval.ts). Writes the kept wires' words to OUT (nKeep*W uint32, same layout) and prints
 * the best wall time of REPS evaluations in seconds. -DK=16 compiles 16 words per wire per pass. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef K
#define K 8
#endif
#define WORDS (2 * K) /* uint32 words per pass */
typedef uint64_t word;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *readn(FILE *f, size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p || fread(p, 1, bytes, f) != bytes) { fprintf(stderr, "short input\n"); exit(2); }
  return p;
}

static int n, T, W, nKeep;
static uint8_t *op;
static int32_t *ga, *gb, *keep;

/* One op on a wire's K words; x and y may be the same wire, o is never either. */
#define OP(name, expr) \
  static inline void name(word *restrict o, const word *restrict x, const word *restrict y) { \
    (void)x; (void)y; \
    for (int k = 0; k < K; k++) o[k] = (expr); \
  }
OP(op_and, x[k] & y[k])
OP(op_or, x[k] | y[k])
OP(op_xor, x[k] ^ y[k])
OP(op_nand, ~(x[k] & y[k]))
OP(op_nor, ~(x[k] | y[k]))
OP(op_xnor, ~(x[k] ^ y[k]))
OP(op_not, ~x[k])
OP(op_buf, x[k])
OP(op_const0, 0)
OP(op_const1, ~(word)0)

#define O(g) (s + (size_t)(n + (g)) * K)
#define X(g) (s + (size_t)(ga[g] < 0 ? 0 : ga[g]) * K)
#define Y(g) (s + (size_t)(gb[g] < 0 ? 0 : gb[g]) * K)

/* switch: one dispatch per gate. */
static void gates(word *s) {
  for (int g = 0; g < T; g++) {
    switch (op[g]) {
      case 0: op_and(O(g), X(g), Y(g)); break;
      case 1: op_or(O(g), X(g), Y(g)); break;
      case 2: op_xor(O(g), X(g), Y(g)); break;
      case 3: op_nand(O(g), X(g), Y(g)); break;
      case 4: op_nor(O(g), X(g), Y(g)); break;
      case 5: op_xnor(O(g), X(g), Y(g)); break;
      case 6: op_not(O(g), X(g), Y(g)); break;
      case 7: op_buf(O(g), X(g), Y(g)); break;
      case 8: op_const0(O(g), X(g), Y(g)); break;
      default: op_const1(O(g), X(g), Y(g)); break;
    }
  }
}

/* runs: one dispatch per run of gates [g0, g1) of one op. */
#define RUN(fn) for (int g = g0; g < g1; g++) fn(O(g), X(g), Y(g))
static void run(int g0, int g1, word *s) {
  switch (op[g0]) {
    case 0: RUN(op_and); break;
    case 1: RUN(op_or); break;
    case 2: RUN(op_xor); break;
    case 3: RUN(op_nand); break;
    case 4: RUN(op_nor); break;
    case 5: RUN(op_xnor); break;
    case 6: RUN(op_not); break;
    case 7: RUN(op_buf); break;
    case 8: RUN(op_const0); break;
    default: RUN(op_const1); break;
  }
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: bitsliced IN OUT switch|runs REPS\n"); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 2; }
  int32_t *h = readn(f, 16);
  n = h[0], T = h[1], W = h[2], nKeep = h[3];
  op = readn(f, (T + 3) / 4 * 4);
  ga = readn(f, 4 * (size_t)T);
  gb = readn(f, 4 * (size_t)T);
  keep = readn(f, 4 * (size_t)nKeep);
  uint32_t *in = readn(f, 4 * (size_t)n * W);
  fclose(f);
  int runs = strcmp(argv[3], "runs") == 0;
  int reps = atoi(argv[4]);
  int *starts = malloc(sizeof(int) * (T + 1)), nRuns = 0;
  for (int g = 0; g < T; g++) if (g == 0 || op[g] != op[g - 1]) starts[nRuns++] = g;
  starts[nRuns] = T;
  word *s = aligned_alloc(64, ((size_t)(n + T) * K * sizeof(word) + 63) / 64 * 64);
  uint32_t *out = calloc((size_t)nKeep * W + 1, 4);
  memset(s, 0, (size_t)(n + T) * K * sizeof(word));
  double best = 1e30;
  for (int rep = 0; rep < reps; rep++) {
    double t0 = now();
    for (int w0 = 0; w0 < W; w0 += WORDS) {
      int cw = W - w0 < WORDS ? W - w0 : WORDS;
      for (int i = 0; i < n; i++) memcpy((uint32_t *)(s + (size_t)i * K), in + (size_t)i * W + w0, 4 * (size_t)cw);
      if (runs) for (int r = 0; r < nRuns; r++) run(starts[r], starts[r + 1], s);
      else gates(s);
      for (int j = 0; j < nKeep; j++) memcpy(out + (size_t)j * W + w0, (uint32_t *)(s + (size_t)keep[j] * K), 4 * (size_t)cw);
    }
    double t = now() - t0;
    if (t < best) best = t;
  }
  FILE *o = fopen(argv[2], "wb");
  if (!o || fwrite(out, 4, (size_t)nKeep * W, o) != (size_t)nKeep * W) { perror(argv[2]); return 2; }
  fclose(o);
  printf("%.9f\n", best);
  return 0;
}
