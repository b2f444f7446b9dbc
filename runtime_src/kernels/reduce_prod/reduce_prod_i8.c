/* reduce_prod.i8: LiteRT's quantized product over the axes in axis_mask.
 * To keep the running product in int32, every step is rescaled by
 * s = s_in / s_out^(1/count) (multiplier/shift from the converter, as
 * LiteRT's Prepare derives them): acc = x0 - zp_in, then per further element
 * acc = mbqm64(acc * (x - zp_in)) in input order, and the output is
 * clamp(mbqm64(acc) + zp_out) (count factors of s in all). */
#include "selrt_kernel.h"
#include "../shared/qi8.h"
#include "../shared/qi16.h"

selrt_status selrt_reduce_prod_i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);
  const int32_t *ip = n->ip;
  if (x->dtype != SELRT_I8 || y->dtype != SELRT_I8) return SELRT_REJECT(p, "dtypes % -> % are not int8", x->dtype, y->dtype);
  if (ip[SELRT_reduce_prod_i8_IP_multiplier] < 0 || ip[SELRT_reduce_prod_i8_IP_shift] < -31 ||
      ip[SELRT_reduce_prod_i8_IP_shift] > 7)
    return SELRT_REJECT(p, "multiplier % / shift % outside [0, 2^31) / [-31, 7]", ip[SELRT_reduce_prod_i8_IP_multiplier],
                        ip[SELRT_reduce_prod_i8_IP_shift]);
  if (selrt_shared_qi8_range_check(ip[SELRT_reduce_prod_i8_IP_input_zp], ip[SELRT_reduce_prod_i8_IP_output_zp], -128, 127))
    return SELRT_REJECT(p, "zero points % / % outside int8", ip[SELRT_reduce_prod_i8_IP_input_zp],
                        ip[SELRT_reduce_prod_i8_IP_output_zp]);
  return selrt_shared_qi8_reduce_check(x, y, ip[SELRT_reduce_prod_i8_IP_axis_mask]);
}

/* one product step: |acc * v| < 2^31 * 2^8 is in mbqm64's range; the int32
 * wrap of the result is LiteRT's cast */
static int32_t selrt_reduce_prod_i8_step(int32_t acc, int32_t v, const int32_t *q) {
  return (int32_t)(uint32_t)(uint64_t)selrt_shared_qi16_mbqm((int64_t)acc * v, q[1], q[2]);
}

selrt_status selrt_reduce_prod_i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *yt = selrt_out(s, n, 0);
  int8_t *y = (int8_t *)yt->data;
  const int32_t *ip = n->ip;
  const int32_t q[3] = {ip[SELRT_reduce_prod_i8_IP_input_zp], ip[SELRT_reduce_prod_i8_IP_multiplier],
                        ip[SELRT_reduce_prod_i8_IP_shift]};
  for (size_t o = 0, e = selrt_numel(yt); o < e; o++) {
    const int32_t acc = selrt_shared_qi8_reduce_prod(xt, ip[SELRT_reduce_prod_i8_IP_axis_mask],
                                                     selrt_reduce_prod_i8_step, q, o);
    /* LiteRT's int32 result of the last rescale (wrapping), then the zero point and clamp */
    const int64_t v = (int64_t)(int32_t)(uint32_t)(uint64_t)selrt_shared_qi16_mbqm(acc, q[1], q[2]) +
                      ip[SELRT_reduce_prod_i8_IP_output_zp];
    y[o] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
  }
  return SELRT_OK;
}

SELRT_KERNEL(reduce_prod_i8, "reduce_prod.i8");
