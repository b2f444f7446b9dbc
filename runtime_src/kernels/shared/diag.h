/* matrix_diag and matrix_set_diag kernels, one per element type (TFLite's
 * v1 ops: the main diagonal of the innermost two dims, no offsets).
 *
 *   SELRT_DIAG(op, dt, T, D)      matrix_diag: x [..., N] -> y [..., N, N], zeros off
 *                                 the diagonal
 *   SELRT_SETDIAG(op, dt, T, D)   matrix_set_diag: x [..., M, N], d [..., min(M, N)]
 *                                 -> y = x with y[..., i, i] = d[..., i]
 * Neither has params: check proves the shapes (shared/diag.c) and run walks
 * them. Zeros are raw zero values, as LiteRT writes them. */
#ifndef SELRT_SHARED_DIAG_H
#define SELRT_SHARED_DIAG_H

#include <string.h>

#include "selrt_kernel.h"

/* y is x's shape + [N] (diag) / d is x's shape without N + [min(M, N)] (set_diag). */
selrt_status selrt_shared_diag_check(const selrt_program *p, const selrt_node *n, selrt_dtype dtype, int set);

#define SELRT_DIAG(op, dt, T, D)                                                                    \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {             \
    return selrt_shared_diag_check(p, n, D, 0);                                                     \
  }                                                                                                 \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                     \
    const selrt_tensor *xt = selrt_in(s, n, 0);                                                     \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                          \
    const T *x = (const T *)xt->data;                                                               \
    T *y = (T *)yt->data;                                                                           \
    const size_t N = (size_t)xt->dims[xt->rank - 1], rows = selrt_numel(xt) / N;                    \
    memset(y, 0, yt->bytes);                                                                        \
    for (size_t r = 0; r < rows; r++)                                                               \
      for (size_t i = 0; i < N; i++) y[(r * N + i) * N + i] = x[r * N + i];                         \
    return SELRT_OK;                                                                                \
  }                                                                                                 \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#define SELRT_SETDIAG(op, dt, T, D)                                                                 \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {             \
    return selrt_shared_diag_check(p, n, D, 1);                                                     \
  }                                                                                                 \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                     \
    const selrt_tensor *xt = selrt_in(s, n, 0), *dt_ = selrt_in(s, n, 1);                           \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                          \
    const T *d = (const T *)dt_->data;                                                              \
    T *y = (T *)yt->data;                                                                           \
    const size_t M = (size_t)xt->dims[xt->rank - 2], N = (size_t)xt->dims[xt->rank - 1];            \
    const size_t K = M < N ? M : N, mats = selrt_numel(xt) / (M * N);                               \
    memcpy(y, xt->data, yt->bytes);                                                                 \
    for (size_t b = 0; b < mats; b++)                                                               \
      for (size_t i = 0; i < K; i++) y[b * M * N + i * N + i] = d[b * K + i];                       \
    return SELRT_OK;                                                                                \
  }                                                                                                 \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif /* SELRT_SHARED_DIAG_H */
