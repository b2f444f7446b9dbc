/* sum.i8: int8 sum over the axes in axis_mask as LiteRT 2.3 computes it (its
 * default kernel: the reference registration returns values unrelated to
 * the sum, so there is nothing else to match). With input and output
 * quantized alike (rescale 0) the sum of the real values in that scale,
 *   out = clamp(sum(x) - (count - 1) * zp);
 * otherwise (rescale 1) in float32,
 *   out = clamp(rint(sum(x) * scale + bias) + output_zp)
 * with scale = s_in / s_out and bias = -input_zp * scale * count, float32
 * values the converter computes as LiteRT's Eval does. The product and the
 * addition are kept apart (no fused multiply-add: its single rounding would
 * differ from LiteRT's). */
#include <math.h>

#include "selrt_kernel.h"
#include "../shared/qi8.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

selrt_status selrt_sum_i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);
  const int32_t *ip = n->ip;
  if (x->dtype != SELRT_I8 || y->dtype != SELRT_I8) return SELRT_REJECT(p, "dtypes % -> % are not int8", x->dtype, y->dtype);
  if (ip[SELRT_sum_i8_IP_rescale] & ~1) return SELRT_REJECT(p, "rescale % is not 0 or 1", ip[SELRT_sum_i8_IP_rescale], 0);
  if (selrt_shared_qi8_range_check(ip[SELRT_sum_i8_IP_input_zp], ip[SELRT_sum_i8_IP_output_zp], -128, 127))
    return SELRT_REJECT(p, "zero points % / % outside int8", ip[SELRT_sum_i8_IP_input_zp], ip[SELRT_sum_i8_IP_output_zp]);
  return selrt_shared_qi8_reduce_check(x, y, ip[SELRT_sum_i8_IP_axis_mask]);
}

selrt_status selrt_sum_i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *yt = selrt_out(s, n, 0);
  int8_t *y = (int8_t *)yt->data;
  const int32_t *ip = n->ip;
  const int32_t mask = ip[SELRT_sum_i8_IP_axis_mask], zin = ip[SELRT_sum_i8_IP_input_zp];
  const int32_t zout = ip[SELRT_sum_i8_IP_output_zp];
  const float scale = n->fp[SELRT_sum_i8_FP_scale], bias = n->fp[SELRT_sum_i8_FP_bias];
  /* check bounded numel (< 2^23): the sum and (count - 1) * zp fit int32 */
  const int32_t count = (int32_t)selrt_shared_qi8_reduce_count(xt, mask);
  for (size_t o = 0, e = selrt_numel(yt); o < e; o++) {
    int32_t sum, v;
    selrt_shared_qi8_reduce(xt, mask, 0, &sum, o);
    if (!ip[SELRT_sum_i8_IP_rescale]) {
      v = sum - (count - 1) * zin;
    } else {
      const float prod = (float)sum * scale;
      float r = rintf(prod + bias);
      r = r > 512.0f ? 512.0f : r < -512.0f ? -512.0f : r; /* NaN stays: made 0 below */
      v = (r == r ? (int32_t)r : 0) + zout;
    }
    y[o] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
  }
  return SELRT_OK;
}

SELRT_KERNEL(sum_i8, "sum.i8");
