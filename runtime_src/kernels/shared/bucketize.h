/* bucketize kernels, one per input type: y[i] (int32) = the number of
 * boundaries <= x[i], i.e. std::upper_bound's index as LiteRT computes it
 * (x converted to float for the comparison, as C++'s x < boundary does; a NaN
 * x lands past the last boundary). The converter passes the option's
 * boundaries as a constant float32 tensor (input 1).
 *
 *   SELRT_BUCKETIZE(op, dt, T, D)   no params */
#ifndef SELRT_SHARED_BUCKETIZE_H
#define SELRT_SHARED_BUCKETIZE_H

#include "selrt_kernel.h"

#define SELRT_BUCKETIZE(op, dt, T, D)                                                              \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {            \
    const selrt_tensor *x = selrt_pin(p, n, 0), *b = selrt_pin(p, n, 1), *y = selrt_pout(p, n, 0); \
    if (x->dtype != D || b->dtype != SELRT_F32 || y->dtype != SELRT_I32)                           \
      return SELRT_REJECT(p, "input, boundaries or output dtype is not the kernel's", 0, 0);       \
    if (b->rank != 1) return SELRT_REJECT(p, "boundaries of rank % (not 1)", b->rank, 0);          \
    if (selrt_numel(y) != selrt_numel(x))                                                          \
      return SELRT_REJECT(p, "% outputs for % inputs", selrt_numel(y), selrt_numel(x));            \
    return SELRT_OK;                                                                               \
  }                                                                                                \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                    \
    const selrt_tensor *xt = selrt_in(s, n, 0), *bt = selrt_in(s, n, 1);                           \
    const T *x = (const T *)xt->data;                                                              \
    const float *bound = (const float *)bt->data;                                                  \
    int32_t *y = (int32_t *)selrt_out(s, n, 0)->data;                                              \
    const size_t count = selrt_numel(xt), nb = (size_t)bt->dims[0];                                \
    for (size_t i = 0; i < count; i++) {                                                           \
      const float v = (float)x[i];                                                                 \
      size_t first = 0, len = nb;                                                                  \
      while (len > 0) {                                                                            \
        const size_t half = len / 2;                                                               \
        if (!(v < bound[first + half])) {                                                          \
          first += half + 1;                                                                       \
          len -= half + 1;                                                                         \
        } else {                                                                                   \
          len = half;                                                                              \
        }                                                                                          \
      }                                                                                            \
      y[i] = (int32_t)first;                                                                       \
    }                                                                                              \
    return SELRT_OK;                                                                               \
  }                                                                                                \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif /* SELRT_SHARED_BUCKETIZE_H */
