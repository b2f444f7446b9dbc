/* prelu.i8: TFLite's int8 PReLU (prelu.cc, reference BroadcastPrelu4DSlow):
 *   v = x - x_zp;  y = v >= 0 ? mbqm(v, m1, s1) : mbqm(v * (alpha - alpha_zp), m2, s2);
 *   out = clamp(y + out_zp, -128, 127)
 * with m1 = s_x / s_out and m2 = s_x * s_alpha / s_out (the converter's
 * multipliers), alpha broadcast against the input (a = input, b = alpha). */
#include "selrt_kernel.h"
#include "../shared/broadcast.h"
#include "../shared/qi8.h"

#define SELRT_PRELU_I8_IP(name) n->ip[SELRT_prelu_i8_IP_##name]

selrt_status selrt_prelu_i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *al = selrt_pin(p, n, 1), *o = selrt_pout(p, n, 0);
  if (x->dtype != SELRT_I8 || al->dtype != SELRT_I8 || o->dtype != SELRT_I8)
    return SELRT_REJECT(p, "input, alpha and output must be int8", 0, 0);
  if (selrt_shared_qi8_range_check(SELRT_PRELU_I8_IP(x_zp), SELRT_PRELU_I8_IP(alpha_zp), -128, 127) != SELRT_OK ||
      SELRT_PRELU_I8_IP(out_zp) < -128 || SELRT_PRELU_I8_IP(out_zp) > 127)
    return SELRT_REJECT(p, "zero points % / % outside int8", SELRT_PRELU_I8_IP(x_zp), SELRT_PRELU_I8_IP(out_zp));
  if (SELRT_PRELU_I8_IP(pos_mult) < 0 || SELRT_PRELU_I8_IP(neg_mult) < 0 || SELRT_PRELU_I8_IP(pos_shift) < -31 ||
      SELRT_PRELU_I8_IP(pos_shift) > 30 || SELRT_PRELU_I8_IP(neg_shift) < -31 || SELRT_PRELU_I8_IP(neg_shift) > 30)
    return SELRT_REJECT(p, "multiplier shifts % / % outside -31..30", SELRT_PRELU_I8_IP(pos_shift),
                        SELRT_PRELU_I8_IP(neg_shift));
  return selrt_shared_bcast_check(o, x, al, SELRT_PRELU_I8_IP(rank), n->ip + SELRT_prelu_i8_IP_a_strides0,
                                  n->ip + SELRT_prelu_i8_IP_b_strides0);
}

selrt_status selrt_prelu_i8_run(selrt_session *s, const selrt_node *n) {
  const int8_t *x = (const int8_t *)selrt_in(s, n, 0)->data;
  const int8_t *al = (const int8_t *)selrt_in(s, n, 1)->data;
  selrt_tensor *ot = selrt_out(s, n, 0);
  int8_t *o = (int8_t *)ot->data;
  const int32_t xz = SELRT_PRELU_I8_IP(x_zp), az = SELRT_PRELU_I8_IP(alpha_zp), oz = SELRT_PRELU_I8_IP(out_zp);
  const int32_t m1 = SELRT_PRELU_I8_IP(pos_mult), s1 = SELRT_PRELU_I8_IP(pos_shift);
  const int32_t m2 = SELRT_PRELU_I8_IP(neg_mult), s2 = SELRT_PRELU_I8_IP(neg_shift);
  selrt_shared_bcast it;
  selrt_shared_bcast_init(&it, ot, SELRT_PRELU_I8_IP(rank), n->ip + SELRT_prelu_i8_IP_a_strides0,
                          n->ip + SELRT_prelu_i8_IP_b_strides0);
  while (selrt_shared_bcast_next(&it)) {
    const int8_t *rx = x + it.a, *ra = al + it.b;
    int8_t *ro = o + it.o;
    for (size_t i = 0; i < it.inner; i++) {
      const int32_t v = rx[i * it.inner_sa] - xz;
      const int32_t y = v >= 0 ? selrt_shared_qi8_mbqm_inl(v, m1, s1)
                               : selrt_shared_qi8_mbqm_inl(v * (ra[i * it.inner_sb] - az), m2, s2);
      ro[i] = (int8_t)selrt_shared_qi8_clamp_zp(y, oz, -128, 127);
    }
  }
  return SELRT_OK;
}

SELRT_KERNEL(prelu_i8, "prelu.i8");
