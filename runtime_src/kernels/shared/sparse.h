/* sparse_to_dense: SELRT_SPARSE2DENSE(op, dt, T, D)
 *
 * indices (int32 or int64): a scalar or vector of positions in a rank-1
 * output, or a matrix [n, rank] of index tuples; values: a scalar (rank 0,
 * used for every index) or one per index; default_value: one element. The
 * output is default_value everywhere, then values written at the indices in
 * order (a repeated index keeps the last write, as LiteRT, which ignores
 * validate_indices). An index outside the output fails the run
 * (ERR_INVALID_ARG), as it fails LiteRT's invoke; nothing is written outside
 * the output. No params: everything comes from the tensors' dims.
 *
 * (One word after SELRT_: tests/test_catalogue.py finds a kernel's descriptor
 * as SELRT_<FAMILY>(<op>, <dtype>, ...).) */
#ifndef SELRT_SHARED_SPARSE_H
#define SELRT_SHARED_SPARSE_H

#include <stdint.h>

#include "selrt_kernel.h"

static inline selrt_status selrt_shared_sparse_check(const selrt_program *p, const selrt_node *n, selrt_dtype dtype) {
  const selrt_tensor *ix = selrt_pin(p, n, 0), *v = selrt_pin(p, n, 1), *d = selrt_pin(p, n, 2);
  const selrt_tensor *y = selrt_pout(p, n, 0);
  if (y->dtype != dtype || v->dtype != dtype || d->dtype != dtype)
    return SELRT_REJECT(p, "values/default/output dtype % is not the kernel's %", v->dtype, dtype);
  if ((ix->dtype != SELRT_I32 && ix->dtype != SELRT_I64) || ix->rank > 2)
    return SELRT_REJECT(p, "indices dtype % rank % (int32/int64 of rank 0..2)", ix->dtype, ix->rank);
  const int32_t count = ix->rank == 0 ? 1 : ix->dims[0], tuple = ix->rank == 2 ? ix->dims[1] : 1;
  if (tuple != y->rank) return SELRT_REJECT(p, "index tuples of % for an output of rank %", tuple, y->rank);
  if (selrt_numel(d) != 1) return SELRT_REJECT(p, "default_value has % elements", selrt_numel(d), 0);
  if (!(v->rank == 0 && selrt_numel(v) == 1) && selrt_numel(v) != (size_t)count)
    return SELRT_REJECT(p, "% values for % indices", selrt_numel(v), count);
  return SELRT_OK;
}

/* the flat output offset of index tuple i, or -1 when a coordinate is outside the output */
static inline ptrdiff_t selrt_shared_sparse_offset(const selrt_tensor *ix, const selrt_tensor *y, size_t i) {
  ptrdiff_t off = 0;
  const size_t k = (size_t)y->rank;
  for (size_t j = 0; j < k; j++) {
    const int64_t c = ix->dtype == SELRT_I64 ? ((const int64_t *)ix->data)[i * k + j]
                                             : ((const int32_t *)ix->data)[i * k + j];
    if (c < 0 || c >= y->dims[j]) return -1;
    off = off * y->dims[j] + (ptrdiff_t)c;
  }
  return off;
}

#define SELRT_SPARSE2DENSE(op, dt, T, D)                                                         \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {         \
    return selrt_shared_sparse_check(p, n, D);                                                   \
  }                                                                                              \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                  \
    const selrt_tensor *ix = selrt_in(s, n, 0), *vt = selrt_in(s, n, 1);                         \
    const T *v = (const T *)vt->data, dflt = *(const T *)selrt_in(s, n, 2)->data;               \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                       \
    T *y = (T *)yt->data;                                                                        \
    const size_t total = selrt_numel(yt), count = ix->rank == 0 ? 1 : (size_t)ix->dims[0];      \
    const int scalar = vt->rank == 0;                                                            \
    for (size_t i = 0; i < total; i++) y[i] = dflt;                                              \
    for (size_t i = 0; i < count; i++) {                                                         \
      const ptrdiff_t at = selrt_shared_sparse_offset(ix, yt, i);                                \
      if (at < 0) return SELRT_ERR_INVALID_ARG;                                                  \
      y[at] = v[scalar ? 0 : i];                                                                 \
    }                                                                                            \
    return SELRT_OK;                                                                             \
  }                                                                                              \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif
