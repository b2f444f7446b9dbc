/* Kernels that walk one axis of an [outer, axis_size, inner] flattening (the
 * converter folds the constant axis into those three params):
 *
 *   SELRT_CUMSUM(op, dt, T, D, ACC)  running sum along the axis, params exclusive
 *                                     (0/1: the sum before the element) and reverse
 *                                     (0/1: from the end); ACC is the accumulator
 *                                     type (uint32_t for int32: wraps instead of UB)
 *   SELRT_TOPK(op, dt, T, D)          the k largest of each innermost row, largest
 *                                     first, ties by lower index (TFLite's order);
 *                                     values and int32 indices
 *
 * (One word after SELRT_: tests/test_catalogue.py finds a kernel's descriptor
 * as SELRT_<FAMILY>(<op>, <dtype>, ...).) */
#ifndef SELRT_SHARED_SCAN_H
#define SELRT_SHARED_SCAN_H

#include "selrt_kernel.h"

/* 1 when numel == outer * axis * inner, all >= 1 (divides, never multiplies). */
static inline int selrt_shared_scan_is_split(size_t numel, int32_t outer, int32_t axis, int32_t inner) {
  if (outer < 1 || axis < 1 || inner < 1 || numel % (size_t)outer) return 0;
  numel /= (size_t)outer;
  return numel % (size_t)axis == 0 && numel / (size_t)axis == (size_t)inner;
}

#define SELRT_CUMSUM(op, dt, T, D, ACC)                                                               \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {              \
    const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);                            \
    const int32_t *ip = n->ip;                                                                        \
    if (x->dtype != D || y->dtype != D) return SELRT_REJECT(p, "dtype % is not the kernel's %", x->dtype, D); \
    if (selrt_numel(y) != selrt_numel(x) ||                                                           \
        !selrt_shared_scan_is_split(selrt_numel(x), ip[SELRT_##op##_##dt##_IP_outer],                 \
                                    ip[SELRT_##op##_##dt##_IP_axis_size], ip[SELRT_##op##_##dt##_IP_inner])) \
      return SELRT_REJECT(p, "% elements are not outer x axis x inner (axis %)", selrt_numel(x),      \
                          ip[SELRT_##op##_##dt##_IP_axis_size]);                                      \
    if ((ip[SELRT_##op##_##dt##_IP_exclusive] & ~1) || (ip[SELRT_##op##_##dt##_IP_reverse] & ~1))     \
      return SELRT_REJECT(p, "exclusive % / reverse % must be 0 or 1", ip[SELRT_##op##_##dt##_IP_exclusive], \
                          ip[SELRT_##op##_##dt##_IP_reverse]);                                        \
    return SELRT_OK;                                                                                  \
  }                                                                                                   \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                       \
    const T *x = (const T *)selrt_in(s, n, 0)->data;                                                  \
    T *y = (T *)selrt_out(s, n, 0)->data;                                                             \
    const int32_t *ip = n->ip;                                                                        \
    const size_t outer = (size_t)ip[SELRT_##op##_##dt##_IP_outer];                                    \
    const size_t axis = (size_t)ip[SELRT_##op##_##dt##_IP_axis_size];                                 \
    const size_t inner = (size_t)ip[SELRT_##op##_##dt##_IP_inner];                                    \
    const int excl = ip[SELRT_##op##_##dt##_IP_exclusive], rev = ip[SELRT_##op##_##dt##_IP_reverse];  \
    for (size_t o = 0; o < outer; o++)                                                                \
      for (size_t i = 0; i < inner; i++) {                                                            \
        ACC acc = 0;                                                                                  \
        for (size_t k = 0; k < axis; k++) {                                                           \
          const size_t at = (o * axis + (rev ? axis - 1 - k : k)) * inner + i;                        \
          if (excl) {                                                                                 \
            y[at] = (T)acc;                                                                           \
            acc += (ACC)x[at];                                                                        \
          } else {                                                                                    \
            acc += (ACC)x[at];                                                                        \
            y[at] = (T)acc;                                                                           \
          }                                                                                           \
        }                                                                                             \
      }                                                                                               \
    return SELRT_OK;                                                                                  \
  }                                                                                                   \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

/* Each next pick is the largest (value, -index) strictly below the previous
 * pick: no scratch, O(rows x n x k). */
#define SELRT_TOPK(op, dt, T, D)                                                                      \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {              \
    const selrt_tensor *x = selrt_pin(p, n, 0), *v = selrt_pout(p, n, 0), *ix = selrt_pout(p, n, 1); \
    const int32_t rows = n->ip[SELRT_##op##_##dt##_IP_rows], len = n->ip[SELRT_##op##_##dt##_IP_n];   \
    const int32_t k = n->ip[SELRT_##op##_##dt##_IP_k];                                                \
    if (x->dtype != D || v->dtype != D || ix->dtype != SELRT_I32)                                     \
      return SELRT_REJECT(p, "dtype % or index dtype % is not the kernel's", v->dtype, ix->dtype);   \
    if (!selrt_shared_scan_is_split(selrt_numel(x), rows, len, 1) || k < 1 || k > len)                \
      return SELRT_REJECT(p, "input is not rows x n, or k % is outside 1..n (%)", k, len);            \
    if (!selrt_shared_scan_is_split(selrt_numel(v), rows, k, 1) ||                                    \
        !selrt_shared_scan_is_split(selrt_numel(ix), rows, k, 1))                                     \
      return SELRT_REJECT(p, "outputs are not rows x k (k %)", k, 0);                                 \
    return SELRT_OK;                                                                                  \
  }                                                                                                   \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                       \
    const T *x = (const T *)selrt_in(s, n, 0)->data;                                                  \
    T *v = (T *)selrt_out(s, n, 0)->data;                                                             \
    int32_t *ix = (int32_t *)selrt_out(s, n, 1)->data;                                                \
    const size_t rows = (size_t)n->ip[SELRT_##op##_##dt##_IP_rows];                                   \
    const size_t len = (size_t)n->ip[SELRT_##op##_##dt##_IP_n], k = (size_t)n->ip[SELRT_##op##_##dt##_IP_k]; \
    for (size_t r = 0; r < rows; r++, x += len, v += k, ix += k) {                                    \
      for (size_t j = 0; j < k; j++) {                                                                \
        size_t best = len;                                                                            \
        for (size_t i = 0; i < len; i++) {                                                            \
          if (j > 0) { /* only below the previous pick */                                             \
            const T pv = v[j - 1];                                                                    \
            const size_t pi = (size_t)ix[j - 1];                                                      \
            if (!(x[i] < pv || (x[i] == pv && i > pi))) continue;                                     \
          }                                                                                           \
          if (best == len || x[i] > x[best]) best = i;                                                \
        }                                                                                             \
        if (best == len) best = 0; /* only NaN left: TFLite's order is undefined there */            \
        v[j] = x[best];                                                                               \
        ix[j] = (int32_t)best;                                                                        \
      }                                                                                               \
    }                                                                                                 \
    return SELRT_OK;                                                                                  \
  }                                                                                                   \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif
