/* See qbinary_i16.h. */
#include "qbinary_i16.h"
#include "broadcast.h"
#include "qi8.h"

selrt_status selrt_shared_qbinary_i16_check(const selrt_program *p, const selrt_node *n, int op) {
  const selrt_tensor *a = selrt_pin(p, n, 0), *b = selrt_pin(p, n, 1), *o = selrt_pout(p, n, 0);
  if (a->dtype != SELRT_I16 || b->dtype != SELRT_I16 || o->dtype != SELRT_I16 ||
      n->n_ip != SELRT_SHARED_QBINARY_I16_FIRST + 12)
    return SELRT_REJECT(p, "int16 binary op needs int16 operands and its 25 parameters", 0, 0);
  const int32_t *q = n->ip + SELRT_SHARED_QBINARY_I16_FIRST;
  for (int i = 0; i < 3; i++)
    if (q[i] < -32768 || q[i] > 32767) return SELRT_REJECT(p, "zero point % is outside int16", q[i], 0);
  if (op == SELRT_SHARED_QBINARY_I16_MUL && (q[0] || q[1]))
    return SELRT_REJECT(p, "int16 mul needs input zero points 0 (% / % given)", q[0], q[1]);
  if (q[9] < 0 || q[9] > 15) return SELRT_REJECT(p, "left shift % outside 0 .. 15", q[9], 0);
  /* |x - zp| <= 65535, << 15 still fits int32; input multipliers are below 1 (shifts <= 0). */
  if (q[3] < 0 || q[5] < 0 || q[7] < 0 || q[4] < -31 || q[4] > 0 || q[6] < -31 || q[6] > 0 || q[8] < -31 ||
      q[8] > 30)
    return SELRT_REJECT(p, "multiplier or shift out of range (input shifts must be -31 .. 0)", 0, 0);
  if (q[10] < -32768 || q[11] > 32767 || q[10] > q[11])
    return SELRT_REJECT(p, "activation range % .. % is not inside int16", q[10], q[11]);
  return selrt_shared_bcast_check(o, a, b, n->ip[0], n->ip + 1, n->ip + 7);
}

void selrt_shared_qbinary_i16_run(selrt_session *s, const selrt_node *n, int op) {
  const int16_t *a = (const int16_t *)selrt_in(s, n, 0)->data;
  const int16_t *b = (const int16_t *)selrt_in(s, n, 1)->data;
  selrt_tensor *ot = selrt_out(s, n, 0);
  int16_t *o = (int16_t *)ot->data;
  const int32_t *q = n->ip + SELRT_SHARED_QBINARY_I16_FIRST;
  const int32_t za = q[0], zb = q[1], zo = q[2], ls = q[9], lo = q[10], hi = q[11];
  selrt_shared_bcast it;
  selrt_shared_bcast_init(&it, ot, n->ip[0], n->ip + 1, n->ip + 7);
  while (selrt_shared_bcast_next(&it)) {
    const int16_t *ra = a + it.a, *rb = b + it.b;
    int16_t *ro = o + it.o;
    for (size_t i = 0; i < it.inner; i++) {
      const int32_t va = ra[i * it.inner_sa] - za, vb = rb[i * it.inner_sb] - zb;
      int32_t raw;
      if (op == SELRT_SHARED_QBINARY_I16_MUL) {
        raw = va * vb; /* zero points 0 (checked): |product| <= 2^30 */
      } else {
        const int32_t sa = selrt_shared_qi8_mbqm_inl((int32_t)((uint32_t)va << ls), q[3], q[4]);
        const int32_t sb = selrt_shared_qi8_mbqm_inl((int32_t)((uint32_t)vb << ls), q[5], q[6]);
        /* Each term is below 2^30 for the converter's multipliers (<= 0.5); a
         * program's may reach 2^31, so the sum saturates instead of wrapping. */
        const int64_t r = op == SELRT_SHARED_QBINARY_I16_ADD ? (int64_t)sa + sb : (int64_t)sa - sb;
        raw = r > INT32_MAX ? INT32_MAX : r < INT32_MIN ? INT32_MIN : (int32_t)r;
      }
      const int64_t v = (int64_t)selrt_shared_qi8_mbqm_inl(raw, q[7], q[8]) + zo;
      ro[i] = (int16_t)(v < lo ? lo : v > hi ? hi : v);
    }
  }
}
