/* logistic.i16: LiteRT's int16 logistic (reference_integer_ops, 16x8 mode): the input
 * rescaled by multiplier / 2^left_shift (input_scale * 3 * 4096, so that the
 * table's 256 segments span [-10.7, 10.7]), then sigmoid(x) = table interpolation over |x| (9 fractional bits), mirrored for x < 0,
 * output scale 1/32768. The 256-entry table of sigmoid(i / 24) in 0.16
 * fixed point is built by the converter (selbuild/convert/ops/q16.py). */
#include "../shared/elementwise.h"

selrt_status selrt_logistic_i16_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *t = selrt_pin(p, n, 1);
  if (!t->data || t->dtype != SELRT_I32 || selrt_numel(t) != 256)
    return SELRT_REJECT(p, "the sigmoid table must be a constant int32 [256]", 0, 0);
  const int32_t *tv = (const int32_t *)t->data;
  for (int i = 0; i < 256; i++)
    if (tv[i] < 0 || tv[i] > 65535) return SELRT_REJECT(p, "table entry % is % (0 .. 65535)", i, tv[i]);
  const int32_t m = n->ip[SELRT_logistic_i16_IP_multiplier], sh = n->ip[SELRT_logistic_i16_IP_left_shift];
  /* |x| * m + round <= 2^30 + 2^29: the rescale fits int32. */
  if (m < 1 || m > 32767 || sh < 0 || sh > 30) return SELRT_REJECT(p, "multiplier % / shift % out of range", m, sh);
  return selrt_shared_elementwise_check(p, n, SELRT_I16, SELRT_I16);
}

selrt_status selrt_logistic_i16_run(selrt_session *s, const selrt_node *n) {
  const int16_t *x = (const int16_t *)selrt_in(s, n, 0)->data;
  const int32_t *t = (const int32_t *)selrt_in(s, n, 1)->data;
  selrt_tensor *yt = selrt_out(s, n, 0);
  int16_t *y = (int16_t *)yt->data;
  const int32_t m = n->ip[SELRT_logistic_i16_IP_multiplier], sh = n->ip[SELRT_logistic_i16_IP_left_shift];
  const int32_t round = sh > 0 ? 1 << (sh - 1) : 0;
  const size_t count = selrt_numel(yt);
  for (size_t i = 0; i < count; i++) {
    const int32_t d = (x[i] * m + round) >> sh;
      const uint32_t a = (uint32_t)(d < 0 ? -d : d), uh = a >> 9;
      /* int64: the same value as the reference's uint32 arithmetic for any table, without wrapping. */
      const int64_t r = uh >= 255 ? (int64_t)0x7FFF << 10
                                  : ((int64_t)t[uh] << 9) + (int64_t)(a & 0x1ff) * ((int64_t)t[uh + 1] - t[uh]);
      const int64_t v = d >= 0 ? r + (1 << 9) : ((int64_t)1 << 25) - r + (1 << 9) - 1;
      y[i] = (int16_t)(v >> 10);
  }
  return SELRT_OK;
}

SELRT_KERNEL(logistic_i16, "logistic.i16");
