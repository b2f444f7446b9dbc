/* The float reductions mean, sum, reduce_max, reduce_min and reduce_prod: one
 * shared check and one loop template. The converter passes the reduced axes
 * as a bit mask over the input dims (bit i = dim i); the output holds the
 * kept dims in order (keep_dims only changes its shape, not its element
 * order), so only its element count is checked.
 *
 * The loop is always inlined with a constant `op`, so each kernel compiles
 * only its own fold (a runtime with mean alone carries no max or product
 * code). The input is read once, in memory order; each element is folded
 * into out[sum_i idx_i * ostride_i] where reduced dims have ostride 0. The
 * innermost dim decides the loop shape: reduced -> a scalar accumulator,
 * kept -> an elementwise (vectorizable) update of an output row. */
#ifndef SELRT_SHARED_REDUCE_F32_H
#define SELRT_SHARED_REDUCE_F32_H

#include <float.h>

#include "selrt_kernel.h"

#define SELRT_SHARED_REDUCE_F32_SUM 0
#define SELRT_SHARED_REDUCE_F32_MEAN 1
#define SELRT_SHARED_REDUCE_F32_MAX 2
#define SELRT_SHARED_REDUCE_F32_MIN 3
#define SELRT_SHARED_REDUCE_F32_PROD 4

selrt_status selrt_shared_reduce_f32_check(const selrt_program *p, const selrt_node *n, int32_t mask);

/* TFLite's initial values: lowest() for max, max() for min. */
static inline __attribute__((always_inline)) float selrt_shared_reduce_f32_init(int op) {
  return op == SELRT_SHARED_REDUCE_F32_MAX ? -FLT_MAX
         : op == SELRT_SHARED_REDUCE_F32_MIN ? FLT_MAX
         : op == SELRT_SHARED_REDUCE_F32_PROD ? 1.0f : 0.0f;
}

static inline __attribute__((always_inline)) float selrt_shared_reduce_f32_fold(int op, float a, float v) {
  return op == SELRT_SHARED_REDUCE_F32_MAX ? (v > a ? v : a)
         : op == SELRT_SHARED_REDUCE_F32_MIN ? (v < a ? v : a)
         : op == SELRT_SHARED_REDUCE_F32_PROD ? a * v : a + v;
}

static inline __attribute__((always_inline)) void selrt_shared_reduce_f32_run(selrt_session *s, const selrt_node *n,
                                                                             int32_t mask, const int op) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *yt = selrt_out(s, n, 0);
  const float *x = (const float *)xt->data;
  float *y = (float *)yt->data;
  int32_t r = xt->rank, d[SELRT_MAX_RANK], idx[SELRT_MAX_RANK];
  size_t os[SELRT_MAX_RANK], acc = 1;
  if (r == 0) { /* a scalar: one element, nothing reduced */
    r = 1;
    d[0] = 1;
  } else {
    for (int32_t i = 0; i < r; i++) d[i] = xt->dims[i];
  }
  for (int32_t i = r - 1; i >= 0; i--) {
    idx[i] = 0;
    os[i] = ((mask >> i) & 1) ? 0 : acc;
    acc *= os[i] ? (size_t)d[i] : 1;
  }
  const size_t ny = selrt_numel(yt), L = (size_t)d[r - 1];
  for (size_t i = 0; i < ny; i++) y[i] = selrt_shared_reduce_f32_init(op);
  size_t yo = 0;
  for (;;) {
    float *restrict yp = y + yo;
    const float *restrict xp = x;
    if (os[r - 1] == 0) {
      float a = yp[0];
      for (size_t j = 0; j < L; j++) a = selrt_shared_reduce_f32_fold(op, a, xp[j]);
      yp[0] = a;
    } else {
      for (size_t j = 0; j < L; j++) yp[j] = selrt_shared_reduce_f32_fold(op, yp[j], xp[j]);
    }
    x += L;
    int32_t i = r - 2;
    for (; i >= 0; i--) {
      yo += os[i];
      if (++idx[i] < d[i]) break;
      yo -= os[i] * (size_t)d[i];
      idx[i] = 0;
    }
    if (i < 0) break;
  }
  if (op == SELRT_SHARED_REDUCE_F32_MEAN && ny > 0) {
    const float count = (float)(selrt_numel(xt) / ny);
    for (size_t i = 0; i < ny; i++) y[i] /= count;
  }
}

/* The whole of the kernel `op.f32` for reduction OP (SUM, MEAN, MAX, MIN, PROD). */
#define SELRT_REDUCE_F32(op, OP)                                                          \
  selrt_status selrt_##op##_f32_check(const selrt_program *p, const selrt_node *n) {      \
    return selrt_shared_reduce_f32_check(p, n, n->ip[SELRT_##op##_f32_IP_axis_mask]);     \
  }                                                                                       \
  selrt_status selrt_##op##_f32_run(selrt_session *s, const selrt_node *n) {              \
    selrt_shared_reduce_f32_run(s, n, n->ip[SELRT_##op##_f32_IP_axis_mask],               \
                                SELRT_SHARED_REDUCE_F32_##OP);                            \
    return SELRT_OK;                                                                      \
  }                                                                                       \
  SELRT_KERNEL(op##_f32, #op ".f32")

#endif
