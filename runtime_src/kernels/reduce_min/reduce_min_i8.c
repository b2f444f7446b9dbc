/* reduce_min.i8: minimum over the axes in axis_mask (input and output share
 * one quantization, as LiteRT requires). */
#include "selrt_kernel.h"
#include "../shared/qi8.h"

selrt_status selrt_reduce_min_i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);
  if (x->dtype != SELRT_I8 || y->dtype != SELRT_I8) return SELRT_REJECT(p, "dtypes % -> % are not int8", x->dtype, y->dtype);
  return selrt_shared_qi8_reduce_check(x, y, n->ip[SELRT_reduce_min_i8_IP_axis_mask]);
}

selrt_status selrt_reduce_min_i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *yt = selrt_out(s, n, 0);
  int8_t *y = (int8_t *)yt->data;
  for (size_t o = 0, e = selrt_numel(yt); o < e; o++) {
    int32_t m;
    selrt_shared_qi8_reduce(xt, n->ip[SELRT_reduce_min_i8_IP_axis_mask], 2, &m, o);
    y[o] = (int8_t)m;
  }
  return SELRT_OK;
}

SELRT_KERNEL(reduce_min_i8, "reduce_min.i8");
