/* Segment reductions (segment_sum, unsorted_segment_{sum,max,min,prod}):
 *
 *   SELRT_SEGMENT(op, dt, T, D, ACC, INIT, COMBINE)
 *
 * data [ids dims..., inner...], int32 segment_ids (any rank, a prefix of the
 * data's dims), output [num_segments, inner...]. Every output element starts
 * at INIT (the reduction's identity: what an empty segment keeps); then, in
 * data order, output[id] = COMBINE(output[id], data[i]) with ACC the type the
 * combine runs in (uint32_t for int32 sums and products: they wrap instead of
 * being undefined). As in LiteRT, a negative id drops its row and an id at or
 * past num_segments fails the run (ERR_INVALID_ARG); nothing is written
 * outside the output either way. No params: num_segments is the output's
 * first dim, inner what the data has per id.
 *
 * (One word after SELRT_: tests/test_catalogue.py finds a kernel's descriptor
 * as SELRT_<FAMILY>(<op>, <dtype>, ...).) */
#ifndef SELRT_SHARED_SEGMENT_H
#define SELRT_SHARED_SEGMENT_H

#include <float.h>
#include <stdint.h>

#include "selrt_kernel.h"

/* the identities LiteRT starts from: lowest / highest value of the type */
#define SELRT_SEGMENT_LOWEST_f32 (-FLT_MAX)
#define SELRT_SEGMENT_HIGHEST_f32 FLT_MAX
#define SELRT_SEGMENT_LOWEST_i32 INT32_MIN
#define SELRT_SEGMENT_HIGHEST_i32 INT32_MAX

/* combines of the accumulated a and the next data value b, as std::max/min do
 * (a NaN already in a stays; a NaN b is dropped by max and min) */
#define SELRT_SEGMENT_ADD(a, b) ((a) + (b))
#define SELRT_SEGMENT_MUL(a, b) ((a) * (b))
#define SELRT_SEGMENT_MAX(a, b) ((a) < (b) ? (b) : (a))
#define SELRT_SEGMENT_MIN(a, b) ((b) < (a) ? (b) : (a))

/* The shape relations run relies on: ids dims are the data's leading dims,
 * the output is [num_segments] + the data's remaining dims. */
static inline selrt_status selrt_shared_segment_check(const selrt_program *p, const selrt_node *n, selrt_dtype dtype) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *ids = selrt_pin(p, n, 1), *y = selrt_pout(p, n, 0);
  if (x->dtype != dtype || y->dtype != dtype || ids->dtype != SELRT_I32)
    return SELRT_REJECT(p, "data/output dtype % or ids dtype % is not the kernel's", x->dtype, ids->dtype);
  if (ids->rank < 1 || ids->rank > x->rank || y->rank != x->rank - ids->rank + 1)
    return SELRT_REJECT(p, "ids rank % does not fit data rank %", ids->rank, x->rank);
  for (int32_t k = 0; k < ids->rank; k++)
    if (ids->dims[k] != x->dims[k]) return SELRT_REJECT(p, "ids dim % is not data dim %", ids->dims[k], x->dims[k]);
  for (int32_t k = 1; k < y->rank; k++)
    if (y->dims[k] != x->dims[ids->rank + k - 1])
      return SELRT_REJECT(p, "output dim % is not data dim %", y->dims[k], x->dims[ids->rank + k - 1]);
  if (y->dims[0] < 1) return SELRT_REJECT(p, "% segments", y->dims[0], 0);
  return SELRT_OK;
}

#define SELRT_SEGMENT(op, dt, T, D, ACC, INIT, COMBINE)                                           \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {          \
    return selrt_shared_segment_check(p, n, D);                                                   \
  }                                                                                               \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                   \
    const selrt_tensor *idt = selrt_in(s, n, 1);                                                  \
    const T *x = (const T *)selrt_in(s, n, 0)->data;                                              \
    const int32_t *id = (const int32_t *)idt->data;                                               \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                        \
    T *y = (T *)yt->data;                                                                         \
    const size_t total = selrt_numel(yt), count = selrt_numel(idt);                               \
    const int32_t segments = yt->dims[0];                                                         \
    const size_t inner = total / (size_t)segments;                                                \
    for (size_t i = 0; i < total; i++) y[i] = (T)(INIT);                                          \
    for (size_t i = 0; i < count; i++) {                                                          \
      if (id[i] < 0) continue;                                                                    \
      if (id[i] >= segments) return SELRT_ERR_INVALID_ARG;                                        \
      T *row = y + (size_t)id[i] * inner;                                                         \
      const T *src = x + i * inner;                                                               \
      for (size_t j = 0; j < inner; j++) row[j] = (T)COMBINE((ACC)row[j], (ACC)src[j]);           \
    }                                                                                             \
    return SELRT_OK;                                                                              \
  }                                                                                               \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif
