/* reverse_sequence kernels, one per element type: the input seen as
 * [outer, d0, mid, d1, inner] where d0 and d1 are the sequence and batch
 * dims in the order they come (seq_first: 1 when the sequence dim is d0).
 * Along the sequence dim, the first seq_lengths[b] elements of batch b are
 * reversed, the rest copied; a length <= 1 (negative included) copies, as
 * LiteRT does. seq_lengths (int32 or int64, one per batch) may be computed at
 * run time: a length past the sequence dim fails the run with
 * SELRT_ERR_INVALID_ARG before anything is written (LiteRT fails Invoke).
 *
 *   SELRT_REVSEQ(op, dt, T, D)   iparams outer, d0, mid, d1, inner, seq_first
 */
#ifndef SELRT_SHARED_REVSEQ_H
#define SELRT_SHARED_REVSEQ_H

#include "selrt_kernel.h"

/* The [outer, d0, mid, d1, inner] split of x (== y) and the lengths' count. */
selrt_status selrt_shared_revseq_check(const selrt_program *p, const selrt_node *n, selrt_dtype dtype,
                                       const int32_t *ip);
/* Length of batch b (int32 or int64 seq_lengths, as check proved). */
static inline int64_t selrt_shared_revseq_len(const selrt_tensor *lt, int64_t b) {
  return lt->dtype == SELRT_I32 ? (int64_t)((const int32_t *)lt->data)[b] : ((const int64_t *)lt->data)[b];
}

#define SELRT_REVSEQ(op, dt, T, D)                                                                 \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {            \
    return selrt_shared_revseq_check(p, n, D, n->ip + SELRT_##op##_##dt##_IP_outer);               \
  }                                                                                                \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                    \
    const int32_t *ip = n->ip + SELRT_##op##_##dt##_IP_outer;                                      \
    const int64_t outer = ip[0], d0 = ip[1], mid = ip[2], d1 = ip[3], inner = ip[4];               \
    const int seq_first = ip[5];                                                                   \
    const int64_t seq = seq_first ? d0 : d1, batch = seq_first ? d1 : d0;                          \
    const selrt_tensor *lt = selrt_in(s, n, 1);                                                    \
    const T *x = (const T *)selrt_in(s, n, 0)->data;                                               \
    T *y = (T *)selrt_out(s, n, 0)->data;                                                          \
    for (int64_t b = 0; b < batch; b++)                                                            \
      if (selrt_shared_revseq_len(lt, b) > seq) return SELRT_ERR_INVALID_ARG;                      \
    for (int64_t o = 0; o < outer; o++)                                                            \
      for (int64_t i0 = 0; i0 < d0; i0++)                                                          \
        for (int64_t m = 0; m < mid; m++)                                                          \
          for (int64_t i1 = 0; i1 < d1; i1++) {                                                    \
            const int64_t L = selrt_shared_revseq_len(lt, seq_first ? i1 : i0);                    \
            const int64_t si = seq_first ? i0 : i1, from = si < L ? L - 1 - si : si;               \
            const int64_t j0 = seq_first ? from : i0, j1 = seq_first ? i1 : from;                  \
            const T *src = x + ((((o * d0 + j0) * mid + m) * d1 + j1) * inner);                    \
            T *dst = y + ((((o * d0 + i0) * mid + m) * d1 + i1) * inner);                          \
            for (int64_t k = 0; k < inner; k++) dst[k] = src[k];                                   \
          }                                                                                        \
    return SELRT_OK;                                                                               \
  }                                                                                                \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif /* SELRT_SHARED_REVSEQ_H */
