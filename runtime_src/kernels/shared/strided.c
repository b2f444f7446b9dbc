#include "strided.h"

selrt_status selrt_shared_strided_check(const selrt_program *p, const selrt_node *n,
                                 const int32_t *ip, selrt_dtype dtype) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);
  int32_t rank = ip[0];
  int64_t numel_in, lo = ip[1], hi = ip[1], count = 1;
  if (!x || x->dtype != dtype || y->dtype != dtype || rank < 0 || rank > SELRT_MAX_RANK)
    return SELRT_ERR_UNSUPPORTED;
  numel_in = (int64_t)selrt_numel(x);
  const int64_t numel_out = (int64_t)selrt_numel(y);   /* >= 1: the core checked every dim >= 1 */
  for (int32_t k = 0; k < rank; k++) {
    int64_t d = ip[2 + k], span = (d - 1) * (int64_t)ip[2 + SELRT_MAX_RANK + k];
    /* The dims must multiply to the output's count: a zero dim never does, and a
     * product past it is refused before it can overflow (libFuzzer found one). */
    if (d < 1 || count > numel_out / d) return SELRT_ERR_UNSUPPORTED;
    count *= d;
    /* Each span bounded by the input size keeps the sums far from overflow. */
    if (span > numel_in || -span > numel_in) return SELRT_ERR_UNSUPPORTED;
    if (span < 0) lo += span; else hi += span;
  }
  if (count != numel_out) return SELRT_ERR_UNSUPPORTED;
  /* Every read lies in [lo, hi]. */
  if (lo < 0 || hi >= numel_in) return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}

selrt_status selrt_shared_strided_run(selrt_session *s, const selrt_node *n, const int32_t *ip) {
  const float *src = (const float *)selrt_in(s, n, 0)->data;
  selrt_tensor *y = selrt_out(s, n, 0);
  float *dst = (float *)y->data;
  const int32_t *dims = ip + 2, *strides = ip + 2 + SELRT_MAX_RANK;
  int32_t rank = ip[0], idx[SELRT_MAX_RANK];
  ptrdiff_t pos = ip[1];
  size_t total = selrt_numel(y);
  for (int32_t k = 0; k < rank; k++) idx[k] = 0;
  for (size_t i = 0; i < total; i++) {
    dst[i] = src[pos];
    /* Odometer step: advance the last dim, carry into earlier ones. */
    for (int32_t k = rank - 1; k >= 0; k--) {
      pos += strides[k];
      if (++idx[k] < dims[k]) break;
      pos -= (ptrdiff_t)strides[k] * dims[k];
      idx[k] = 0;
    }
  }
  return SELRT_OK;
}
