/* dilate.<dt>: every output element is the padding value, then input element
 * (i0, .., ir-1) goes to output (i0 * d0, .., ir-1 * dr-1): out dim k is
 * (in dim k - 1) * dk + 1, as TFLite's DILATE. The dilations are a constant
 * the converter writes as params (rank, dilations[max_rank]); the padding
 * value a one-element tensor of the input's dtype (raw values: int8 tensors
 * are not requantized, as in LiteRT). check proves every shape relation the
 * run loop relies on. */
#ifndef SELRT_SHARED_DILATE_H
#define SELRT_SHARED_DILATE_H

#include "selrt_kernel.h"

#define SELRT_DILATE(op, dt, T, D)                                                                          \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                      \
    const selrt_tensor *x = selrt_pin(p, n, 0), *v = selrt_pin(p, n, 1), *y = selrt_pout(p, n, 0);          \
    const int32_t rank = n->ip[SELRT_##op##_##dt##_IP_rank];                                                \
    const int32_t *d = n->ip + SELRT_##op##_##dt##_IP_dilations0;                                           \
    if (x->dtype != D || v->dtype != D || y->dtype != D)                                                    \
      return SELRT_REJECT(p, "input, padding value or output dtype is not the kernel's", 0, 0);            \
    if (selrt_numel(v) != 1) return SELRT_REJECT(p, "padding value has % elements, not 1", selrt_numel(v), 0); \
    if (rank != x->rank || rank != y->rank)                                                                 \
      return SELRT_REJECT(p, "rank param % differs from the tensors' (%)", rank, x->rank);                  \
    for (int32_t k = 0; k < rank; k++) {                                                                    \
      if (d[k] < 1) return SELRT_REJECT(p, "dilation % is below 1", d[k], 0);                              \
      if ((int64_t)y->dims[k] != ((int64_t)x->dims[k] - 1) * d[k] + 1)                                      \
        return SELRT_REJECT(p, "output dim % is not (input dim - 1) * dilation + 1 (%)", y->dims[k],        \
                            ((int64_t)x->dims[k] - 1) * d[k] + 1);                                          \
    }                                                                                                       \
    return SELRT_OK;                                                                                        \
  }                                                                                                         \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                             \
    const selrt_tensor *xt = selrt_in(s, n, 0), *vt = selrt_in(s, n, 1), *yt = selrt_out(s, n, 0);        \
    const T *x = (const T *)xt->data;                                                                       \
    T *y = (T *)yt->data;                                                                                   \
    const int32_t rank = xt->rank, *d = n->ip + SELRT_##op##_##dt##_IP_dilations0;                         \
    const T pad = *(const T *)vt->data;                                                                     \
    const size_t total = selrt_numel(yt), count = selrt_numel(xt);                                          \
    size_t step[SELRT_MAX_RANK], span = 1;                                                                  \
    int32_t idx[SELRT_MAX_RANK] = {0};                                                                      \
    for (size_t i = 0; i < total; i++) y[i] = pad;                                                          \
    for (int32_t k = rank - 1; k >= 0; k--) {                                                               \
      step[k] = span * (size_t)d[k];                                                                        \
      span *= (size_t)yt->dims[k];                                                                          \
    }                                                                                                       \
    size_t off = 0;                                                                                         \
    for (size_t i = 0; i < count; i++) {                                                                    \
      y[off] = x[i];                                                                                        \
      for (int32_t k = rank - 1; k >= 0; k--) { /* odometer over the input index */                        \
        off += step[k];                                                                                     \
        if (++idx[k] < xt->dims[k]) break;                                                                  \
        off -= step[k] * (size_t)idx[k];                                                                    \
        idx[k] = 0;                                                                                         \
      }                                                                                                     \
    }                                                                                                       \
    return SELRT_OK;                                                                                        \
  }                                                                                                         \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif
