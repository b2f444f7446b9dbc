/* The bool reductions reduce_any and reduce_all (TFLite REDUCE_ANY / REDUCE_ALL):
 * the same axis_mask contract as shared/reduce_f32.h (bit i = input dim i is
 * reduced; the output holds the kept dims in order), over bytes where any
 * nonzero byte is true; the output is 0 or 1. Inlined with a
 * constant `op` so each kernel compiles only its own fold. */
#ifndef SELRT_SHARED_REDUCE_BOOL_H
#define SELRT_SHARED_REDUCE_BOOL_H

#include "selrt_kernel.h"

#define SELRT_SHARED_REDUCE_BOOL_ANY 0
#define SELRT_SHARED_REDUCE_BOOL_ALL 1

selrt_status selrt_shared_reduce_bool_check(const selrt_program *p, const selrt_node *n, int32_t mask);

static inline __attribute__((always_inline)) void selrt_shared_reduce_bool_run(selrt_session *s, const selrt_node *n,
                                                                              int32_t mask, const int op) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *yt = selrt_out(s, n, 0);
  const uint8_t *x = (const uint8_t *)xt->data;
  uint8_t *y = (uint8_t *)yt->data;
  int32_t r = xt->rank, d[SELRT_MAX_RANK], idx[SELRT_MAX_RANK];
  size_t os[SELRT_MAX_RANK], acc = 1;
  const uint8_t init = op == SELRT_SHARED_REDUCE_BOOL_ALL;
  const size_t ny = selrt_numel(yt);
  for (size_t i = 0; i < ny; i++) y[i] = init;
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
  size_t yo = 0;
  const size_t L = (size_t)d[r - 1];
  for (;;) {
    for (size_t j = 0; j < L; j++) {
      uint8_t *yp = y + yo + os[r - 1] * j;
      const uint8_t v = x[j] != 0;
      *yp = op == SELRT_SHARED_REDUCE_BOOL_ALL ? (uint8_t)(*yp & v) : (uint8_t)(*yp | v);
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
}

/* The whole of the kernel `op.bool` for reduction OP (ANY, ALL). */
#define SELRT_REDUCE_BOOL(op, OP)                                                         \
  selrt_status selrt_##op##_bool_check(const selrt_program *p, const selrt_node *n) {     \
    return selrt_shared_reduce_bool_check(p, n, n->ip[SELRT_##op##_bool_IP_axis_mask]);   \
  }                                                                                       \
  selrt_status selrt_##op##_bool_run(selrt_session *s, const selrt_node *n) {             \
    selrt_shared_reduce_bool_run(s, n, n->ip[SELRT_##op##_bool_IP_axis_mask],             \
                                 SELRT_SHARED_REDUCE_BOOL_##OP);                          \
    return SELRT_OK;                                                                      \
  }                                                                                       \
  SELRT_KERNEL(op##_bool, #op ".bool")

#endif
