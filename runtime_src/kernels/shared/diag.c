#include "diag.h"

selrt_status selrt_shared_diag_check(const selrt_program *p, const selrt_node *n, selrt_dtype dtype, int set) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);
  const selrt_tensor *d = set ? selrt_pin(p, n, 1) : x;     /* the diagonal's values */
  const selrt_tensor *m = set ? x : y;                      /* the matrices' shape */
  if (x->dtype != dtype || y->dtype != dtype || d->dtype != dtype)
    return SELRT_REJECT(p, "input or output dtype is not the kernel's", 0, 0);
  if (m->rank < 2 || d->rank + 1 != m->rank)
    return SELRT_REJECT(p, "diagonal rank % against matrices of rank %", d->rank, m->rank);
  for (int32_t k = 0; k + 2 < (int32_t)m->rank; k++)
    if (d->dims[k] != m->dims[k]) return SELRT_REJECT(p, "batch dim % differs (% in the diagonal)", k, d->dims[k]);
  const int32_t M = m->dims[m->rank - 2], N = m->dims[m->rank - 1];
  if (d->dims[d->rank - 1] != (M < N ? M : N))
    return SELRT_REJECT(p, "diagonal of % for % x % matrices", d->dims[d->rank - 1], M);
  if (!set && M != N) return SELRT_REJECT(p, "output matrices % x % are not square", M, N);
  if (set && (y->rank != x->rank || selrt_numel(y) != selrt_numel(x)))
    return SELRT_REJECT(p, "output shape differs from the input's (rank %)", y->rank, 0);
  if (set)
    for (int32_t k = 0; k < (int32_t)x->rank; k++)
      if (y->dims[k] != x->dims[k]) return SELRT_REJECT(p, "output dim % differs from the input's", k, 0);
  return SELRT_OK;
}
