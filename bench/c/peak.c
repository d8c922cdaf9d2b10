/* The machine's f32 peak: each thread runs ACC independent FMA chains on vectors of VL floats
 * (AVX-512: 16, else 8) for ITERS iterations. Prints one line per thread count:
 *   threads T wall_s W flops F cpu_s C1 C2 ...  (each thread's own CPU time)
 * Usage: peak ITERS T1 [T2 ...] */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef __AVX512F__
#define VL 16
#define ACC 12
#else
#define VL 8
#define ACC 10
#endif
typedef float vf __attribute__((vector_size(4 * VL)));

static long iters;
static double now(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

struct job { double cpu; float sum; };

static void *work(void *p) {
  struct job *j = p;
  vf acc[ACC], m, a;
  for (int k = 0; k < VL; k++) { m[k] = 0.9999999f; a[k] = 1e-7f * (k + 1); }
  for (int i = 0; i < ACC; i++) for (int k = 0; k < VL; k++) acc[i][k] = (float)(i + k);
  double c0 = now(CLOCK_THREAD_CPUTIME_ID);
  for (long it = 0; it < iters; it++) {
#pragma GCC unroll 16
    for (int i = 0; i < ACC; i++) acc[i] = acc[i] * m + a;
  }
  j->cpu = now(CLOCK_THREAD_CPUTIME_ID) - c0;
  float s = 0;
  for (int i = 0; i < ACC; i++) for (int k = 0; k < VL; k++) s += acc[i][k];
  j->sum = s;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  iters = atol(argv[1]);
  for (int t = 2; t < argc; t++) {
    int n = atoi(argv[t]);
    pthread_t th[256];
    struct job jobs[256];
    if (n < 1 || n > 256) return 2;
    double w0 = now(CLOCK_MONOTONIC);
    for (int i = 0; i < n; i++) pthread_create(&th[i], NULL, work, &jobs[i]);
    float s = 0;
    for (int i = 0; i < n; i++) { pthread_join(th[i], NULL); s += jobs[i].sum; }
    double wall = now(CLOCK_MONOTONIC) - w0;
    printf("threads %d wall_s %.6f flops %.6e cpu_s", n, wall, 2.0 * VL * ACC * (double)iters * n);
    for (int i = 0; i < n; i++) printf(" %.6f", jobs[i].cpu);
    printf(" vector_floats %d sum %g\n", VL, s);
  }
  return 0;
}
