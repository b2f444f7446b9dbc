/* See reduce_bool.h: the check both bool reductions share. */
#include "reduce_bool.h"

selrt_status selrt_shared_reduce_bool_check(const selrt_program *p, const selrt_node *n, int32_t mask) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);
  if (x->dtype != SELRT_BOOL || y->dtype != SELRT_BOOL || mask < 0 || (mask >> x->rank) != 0)
    return SELRT_ERR_UNSUPPORTED;
  size_t kept = 1;
  for (int32_t i = 0; i < x->rank; i++)
    if (!((mask >> i) & 1)) kept *= (size_t)x->dims[i];
  return kept == selrt_numel(y) ? SELRT_OK : SELRT_ERR_UNSUPPORTED;
}
