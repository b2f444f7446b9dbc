/* mean.i8: mean over the axes in axis_mask as LiteRT's reference kernel
 * computes it (QuantizedMeanOrSum): with u = sum(x) - input_zp * count over
 * the reduced elements,
 *   out = clamp(mbqm(u, multiplier, shift) + output_zp)
 * where the converter derived multiplier/shift from s_in / s_out and folded
 * 1/count in with TFLite's integer division (not a requantized real 1/count:
 * the last bit differs and the reference must be matched exactly). */
#include "selrt_kernel.h"
#include "../shared/qi8.h"

selrt_status selrt_mean_i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);
  if (x->dtype != SELRT_I8 || y->dtype != SELRT_I8) return SELRT_ERR_UNSUPPORTED;
  if (n->ip[SELRT_mean_i8_IP_multiplier] < 0 || n->ip[SELRT_mean_i8_IP_shift] < -31 ||
      n->ip[SELRT_mean_i8_IP_shift] > 30)
    return SELRT_ERR_UNSUPPORTED;
  if (selrt_shared_qi8_range_check(n->ip[SELRT_mean_i8_IP_input_zp], n->ip[SELRT_mean_i8_IP_output_zp], -128, 127))
    return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_qi8_reduce_check(x, y, n->ip[SELRT_mean_i8_IP_axis_mask]);
}

selrt_status selrt_mean_i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *yt = selrt_out(s, n, 0);
  int8_t *y = (int8_t *)yt->data;
  const int32_t mask = n->ip[SELRT_mean_i8_IP_axis_mask];
  const int32_t zin = n->ip[SELRT_mean_i8_IP_input_zp], zout = n->ip[SELRT_mean_i8_IP_output_zp];
  const int32_t m = n->ip[SELRT_mean_i8_IP_multiplier], sh = n->ip[SELRT_mean_i8_IP_shift];
  const int32_t count = (int32_t)selrt_shared_qi8_reduce_count(xt, mask);
  for (size_t o = 0, e = selrt_numel(yt); o < e; o++) {
    int32_t sum;
    selrt_shared_qi8_reduce(xt, mask, 0, &sum, o);
    /* check bounded numel (< 2^23), so sum and zin * count fit int32 */
    y[o] = (int8_t)selrt_shared_qi8_clamp_zp(selrt_shared_qi8_mbqm(sum - zin * count, m, sh), zout, -128, 127);
  }
  return SELRT_OK;
}

SELRT_KERNEL(mean_i8, "mean.i8");
