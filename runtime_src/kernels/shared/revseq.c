#include "revseq.h"

selrt_status selrt_shared_revseq_check(const selrt_program *p, const selrt_node *n, selrt_dtype dtype,
                                       const int32_t *ip) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *l = selrt_pin(p, n, 1), *y = selrt_pout(p, n, 0);
  if (x->dtype != dtype || y->dtype != dtype) return SELRT_REJECT(p, "input or output dtype is not the kernel's", 0, 0);
  if (l->dtype != SELRT_I32 && l->dtype != SELRT_I64)
    return SELRT_REJECT(p, "seq_lengths dtype % is neither int32 nor int64", l->dtype, 0);
  if (ip[5] != 0 && ip[5] != 1) return SELRT_REJECT(p, "seq_first % is not 0 or 1", ip[5], 0);
  /* Each factor at least 1 and the product == numel (each <= numel, so the
   * running product stays below numel * 2^31: no int64 overflow). */
  int64_t prod = 1;
  const int64_t numel = (int64_t)selrt_numel(x);
  for (int k = 0; k < 5; k++) {
    if (ip[k] < 1 || ip[k] > numel) return SELRT_REJECT(p, "split factor % is % (outside 1 .. numel)", k, ip[k]);
    prod *= ip[k];
    if (prod > numel) return SELRT_REJECT(p, "split past the input's % elements", numel, 0);
  }
  if (prod != numel || (int64_t)selrt_numel(y) != numel)
    return SELRT_REJECT(p, "split covers % of the input's % elements (or the output differs)", prod, numel);
  const int64_t batch = ip[5] ? ip[3] : ip[1];
  if ((int64_t)selrt_numel(l) != batch)
    return SELRT_REJECT(p, "% seq_lengths for a batch dim of %", selrt_numel(l), batch);
  return SELRT_OK;
}
