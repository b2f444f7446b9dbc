/* arg_max / arg_min along one axis, by element type. The converter flattens
 * the input to [outer, axis_size, inner] (the axis operand is a constant);
 * the output holds outer * inner indices, int32 or int64 (ArgMaxOptions'
 * output_type). Ties give the first index, as TFLite's reference loop (it
 * replaces the running best only on a strict comparison). For int8 the
 * raw values are compared: the order does not depend on the quantization.
 *
 *   SELRT_ARGMINMAX(op, dt, T, D, CMP)   CMP is > (arg_max) or < (arg_min)
 *
 * (One word after SELRT_: tests/test_catalogue.py finds a kernel's descriptor
 * as SELRT_<FAMILY>(<op>, <dtype>, ...).) */
#ifndef SELRT_SHARED_ARGMINMAX_H
#define SELRT_SHARED_ARGMINMAX_H

#include "selrt_kernel.h"

#define SELRT_ARGMINMAX(op, dt, T, D, CMP)                                                          \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                \
    const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);                              \
    const int32_t *ip = n->ip;                                                                          \
    int32_t outer = ip[SELRT_##op##_##dt##_IP_outer], axis = ip[SELRT_##op##_##dt##_IP_axis_size];      \
    int32_t inner = ip[SELRT_##op##_##dt##_IP_inner];                                                   \
    if (x->dtype != D) return SELRT_REJECT(p, "input dtype % is not the kernel's %", x->dtype, D);     \
    if (y->dtype != SELRT_I32 && y->dtype != SELRT_I64)                                                 \
      return SELRT_REJECT(p, "output dtype % is neither int32 nor int64 (%)", y->dtype, SELRT_I32);     \
    if (outer < 1 || axis < 1 || inner < 1)                                                             \
      return SELRT_REJECT(p, "outer % / axis size must be >= 1 (axis size %)", outer, axis);            \
    /* divide, never multiply: outer * axis * inner == numel(x) without overflow */                      \
    size_t nx = selrt_numel(x);                                                                         \
    if (nx % (size_t)outer || (nx /= (size_t)outer) % (size_t)axis || nx / (size_t)axis != (size_t)inner) \
      return SELRT_REJECT(p, "input of % elements is not outer x axis x inner (inner %)",                \
                          selrt_numel(x), inner);                                                       \
    if (selrt_numel(y) != selrt_numel(x) / (size_t)axis)                                                \
      return SELRT_REJECT(p, "output has % elements, not outer x inner = %", selrt_numel(y),             \
                          selrt_numel(x) / (size_t)axis);                                               \
    return SELRT_OK;                                                                                    \
  }                                                                                                     \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                         \
    const T *x = (const T *)selrt_in(s, n, 0)->data;                                                    \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                              \
    const int32_t *ip = n->ip;                                                                          \
    const size_t outer = (size_t)ip[SELRT_##op##_##dt##_IP_outer];                                      \
    const size_t axis = (size_t)ip[SELRT_##op##_##dt##_IP_axis_size];                                   \
    const size_t inner = (size_t)ip[SELRT_##op##_##dt##_IP_inner];                                      \
    const int wide = yt->dtype == SELRT_I64;                                                            \
    for (size_t o = 0; o < outer; o++) {                                                                \
      for (size_t i = 0; i < inner; i++) {                                                              \
        const T *row = x + o * axis * inner + i;                                                        \
        T best = row[0];                                                                                \
        size_t at = 0;                                                                                  \
        for (size_t k = 1; k < axis; k++) {                                                             \
          if (row[k * inner] CMP best) {                                                                \
            best = row[k * inner];                                                                      \
            at = k;                                                                                     \
          }                                                                                             \
        }                                                                                               \
        if (wide) ((int64_t *)yt->data)[o * inner + i] = (int64_t)at;                                   \
        else ((int32_t *)yt->data)[o * inner + i] = (int32_t)at;                                        \
      }                                                                                                 \
    }                                                                                                   \
    return SELRT_OK;                                                                                    \
  }                                                                                                     \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif
