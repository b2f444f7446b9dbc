/* See qbinary_i8.h. */
#include "qbinary_i8.h"
#include "broadcast.h"
#include "qi8.h"
#include "simd.h"

static void selrt_shared_qbinary_i8_get(const selrt_node *n, selrt_shared_qbinary_i8_params *q) {
  const int32_t *ip = n->ip + SELRT_SHARED_QBINARY_I8_FIRST;
  q->a_zp = ip[0]; q->b_zp = ip[1]; q->out_zp = ip[2];
  q->a_mult = ip[3]; q->a_shift = ip[4]; q->b_mult = ip[5]; q->b_shift = ip[6];
  q->out_mult = ip[7]; q->out_shift = ip[8];
  q->left_shift = ip[9]; q->act_min = ip[10]; q->act_max = ip[11];
}

selrt_status selrt_shared_qbinary_i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *a = selrt_pin(p, n, 0), *b = selrt_pin(p, n, 1), *o = selrt_pout(p, n, 0);
  selrt_shared_qbinary_i8_params q;
  if (a->dtype != SELRT_I8 || b->dtype != SELRT_I8 || o->dtype != SELRT_I8 ||
      n->n_ip != SELRT_SHARED_QBINARY_I8_FIRST + 12)
    return SELRT_ERR_UNSUPPORTED;
  selrt_shared_qbinary_i8_get(n, &q);
  if (selrt_shared_qi8_range_check(q.a_zp, q.b_zp, q.act_min, q.act_max) != SELRT_OK ||
      q.out_zp < -128 || q.out_zp > 127 || q.left_shift < 0 || q.left_shift > 22 ||
      q.a_mult < 0 || q.b_mult < 0 || q.out_mult < 0 || q.a_shift < -31 || q.a_shift > 0 ||
      q.b_shift < -31 || q.b_shift > 0 || q.out_shift < -31 || q.out_shift > 30)
    return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_bcast_check(o, a, b, n->ip[0], n->ip + 1, n->ip + 7);
}

#ifdef SELRT_SHARED_SIMD_AVX2
/* ADD/SUB of two contiguous rows: the per-element arithmetic of run without
 * its strides and op tests, so that x86-64 speed builds can compile it for
 * AVX2 as 8-lane vector code (the 64-bit rounding multiplies as vpmuldq). */
static inline __attribute__((always_inline)) void selrt_shared_qbinary_i8_addrow(
    const int8_t *restrict ra, const int8_t *restrict rb, int8_t *restrict ro, size_t len,
    const selrt_shared_qbinary_i8_params *q, int32_t sign) {
  for (size_t i = 0; i < len; i++) {
    const int32_t va = ra[i] - q->a_zp, vb = rb[i] - q->b_zp;
    const int32_t sa = selrt_shared_qi8_mbqm_inl(va * (1 << q->left_shift), q->a_mult, q->a_shift);
    const int32_t sb = selrt_shared_qi8_mbqm_inl(vb * (1 << q->left_shift), q->b_mult, q->b_shift);
    const int32_t v = selrt_shared_qi8_mbqm_inl(sa + sign * sb, q->out_mult, q->out_shift);
    ro[i] = (int8_t)selrt_shared_qi8_clamp_zp(v, q->out_zp, q->act_min, q->act_max);
  }
}

SELRT_SHARED_SIMD_TARGET_AVX2 static void selrt_shared_qbinary_i8_addrow_avx2(
    const int8_t *ra, const int8_t *rb, int8_t *ro, size_t len, const selrt_shared_qbinary_i8_params *q,
    int32_t sign) {
  selrt_shared_qbinary_i8_addrow(ra, rb, ro, len, q, sign);
}
#endif

void selrt_shared_qbinary_i8_run(selrt_session *s, const selrt_node *n, int op) {
  const int8_t *a = (const int8_t *)selrt_in(s, n, 0)->data;
  const int8_t *b = (const int8_t *)selrt_in(s, n, 1)->data;
  selrt_tensor *ot = selrt_out(s, n, 0);
  int8_t *o = (int8_t *)ot->data;
  selrt_shared_qbinary_i8_params q;
  selrt_shared_qbinary_i8_get(n, &q);
  selrt_shared_bcast it;
  selrt_shared_bcast_init(&it, ot, n->ip[0], n->ip + 1, n->ip + 7);
#ifdef SELRT_SHARED_SIMD_AVX2
  const int fast = (op == SELRT_SHARED_QBINARY_I8_ADD || op == SELRT_SHARED_QBINARY_I8_SUB) &&
                   selrt_shared_simd_avx2(s);
#endif
  while (selrt_shared_bcast_next(&it)) {
    const int8_t *ra = a + it.a, *rb = b + it.b;
    int8_t *ro = o + it.o;
#ifdef SELRT_SHARED_SIMD_AVX2
    if (fast && it.inner_sa == 1 && it.inner_sb == 1) {
      selrt_shared_qbinary_i8_addrow_avx2(ra, rb, ro, it.inner, &q, op == SELRT_SHARED_QBINARY_I8_ADD ? 1 : -1);
      continue;
    }
#endif
    for (size_t i = 0; i < it.inner; i++) {
      const int32_t va = ra[i * it.inner_sa] - q.a_zp, vb = rb[i * it.inner_sb] - q.b_zp;
      int32_t raw;
      if (op == SELRT_SHARED_QBINARY_I8_MUL) {
        raw = va * vb;
      } else {
        const int32_t sa = selrt_shared_qi8_mbqm_inl(va * (1 << q.left_shift), q.a_mult, q.a_shift);
        const int32_t sb = selrt_shared_qi8_mbqm_inl(vb * (1 << q.left_shift), q.b_mult, q.b_shift);
        raw = op == SELRT_SHARED_QBINARY_I8_ADD ? sa + sb : sa - sb;
        if (op == SELRT_SHARED_QBINARY_I8_SQDIFF) { /* < 2^30 for the converter's params; a program's may not be */
          const int64_t sq = (int64_t)raw * raw;
          raw = sq > INT32_MAX ? INT32_MAX : (int32_t)sq;
        }
      }
      const int32_t v = selrt_shared_qi8_mbqm_inl(raw, q.out_mult, q.out_shift);
      ro[i] = (int8_t)selrt_shared_qi8_clamp_zp(v, q.out_zp, q.act_min, q.act_max);
    }
  }
}
