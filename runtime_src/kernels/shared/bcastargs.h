/* broadcast_args kernels, one per shape dtype: y = the numpy broadcast of
 * shapes a and b (1-D, aligned at the right, a missing dim counts as 1). Two
 * dims that differ and are both != 1 fail the run with SELRT_ERR_INVALID_ARG
 * (LiteRT fails Invoke). Constant shapes fold at conversion; this kernel is
 * for shapes computed at run time.
 *
 *   SELRT_BCASTARGS(op, dt, T, D)   no params */
#ifndef SELRT_SHARED_BCASTARGS_H
#define SELRT_SHARED_BCASTARGS_H

#include "selrt_kernel.h"

#define SELRT_BCASTARGS(op, dt, T, D)                                                              \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {            \
    const selrt_tensor *a = selrt_pin(p, n, 0), *b = selrt_pin(p, n, 1), *y = selrt_pout(p, n, 0); \
    if (a->dtype != D || b->dtype != D || y->dtype != D)                                           \
      return SELRT_REJECT(p, "input or output dtype is not the kernel's", 0, 0);                   \
    if (a->rank != 1 || b->rank != 1 || y->rank != 1)                                              \
      return SELRT_REJECT(p, "shapes of rank % and % (not 1)", a->rank, b->rank);                  \
    const int32_t na = a->dims[0], nb = b->dims[0];                                                \
    if (y->dims[0] != (na > nb ? na : nb))                                                         \
      return SELRT_REJECT(p, "output of % dims for shapes of % and more", y->dims[0], na);         \
    return SELRT_OK;                                                                               \
  }                                                                                                \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                    \
    const selrt_tensor *at = selrt_in(s, n, 0), *bt = selrt_in(s, n, 1);                           \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                         \
    const T *a = (const T *)at->data, *b = (const T *)bt->data;                                    \
    T *y = (T *)yt->data;                                                                          \
    const int32_t na = at->dims[0], nb = bt->dims[0], ny = yt->dims[0];                            \
    for (int32_t j = 0; j < ny; j++) {            /* j: position from the right */                \
      const T va = j < na ? a[na - 1 - j] : (T)1, vb = j < nb ? b[nb - 1 - j] : (T)1;              \
      if (va != vb && va != 1 && vb != 1) return SELRT_ERR_INVALID_ARG;                            \
      y[ny - 1 - j] = va == 1 ? vb : va;                                                           \
    }                                                                                              \
    return SELRT_OK;                                                                               \
  }                                                                                                \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif /* SELRT_SHARED_BCASTARGS_H */
