/* tanh.i16: LiteRT's int16 tanh (reference_integer_ops, 16x8 mode): the input
 * rescaled by multiplier / 2^left_shift (input_scale * 3 * 4096, so that the
 * table's 256 segments span [-10.7, 10.7]), then tanh(x) = 2 sigmoid(2x) - 1 from the same table,
 * output scale 1/32768. The 256-entry table of sigmoid(i / 24) in 0.16
 * fixed point is built by the converter (selbuild/convert/ops/q16.py). */
#include "../shared/elementwise.h"

selrt_status selrt_tanh_i16_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *t = selrt_pin(p, n, 1);
  if (!t->data || t->dtype != SELRT_I32 || selrt_numel(t) != 256)
    return SELRT_REJECT(p, "the sigmoid table must be a constant int32 [256]", 0, 0);
  const int32_t *tv = (const int32_t *)t->data;
  for (int i = 0; i < 256; i++)
    if (tv[i] < 0 || tv[i] > 65535) return SELRT_REJECT(p, "table entry % is % (0 .. 65535)", i, tv[i]);
  const int32_t m = n->ip[SELRT_tanh_i16_IP_multiplier], sh = n->ip[SELRT_tanh_i16_IP_left_shift];
  /* |x| * m + round <= 2^30 + 2^29: the rescale fits int32. */
  if (m < 1 || m > 32767 || sh < 0 || sh > 30) return SELRT_REJECT(p, "multiplier % / shift % out of range", m, sh);
  return selrt_shared_elementwise_check(p, n, SELRT_I16, SELRT_I16);
}

selrt_status selrt_tanh_i16_run(selrt_session *s, const selrt_node *n) {
  const int16_t *x = (const int16_t *)selrt_in(s, n, 0)->data;
  const int32_t *t = (const int32_t *)selrt_in(s, n, 1)->data;
  selrt_tensor *yt = selrt_out(s, n, 0);
  int16_t *y = (int16_t *)yt->data;
  const int32_t m = n->ip[SELRT_tanh_i16_IP_multiplier], sh = n->ip[SELRT_tanh_i16_IP_left_shift];
  const int32_t round = sh > 0 ? 1 << (sh - 1) : 0;
  const size_t count = selrt_numel(yt);
  for (size_t i = 0; i < count; i++) {
    const int32_t d = (x[i] * m + round) >> sh;
      const uint32_t a = (uint32_t)(d < 0 ? -d : d), uh = a >> 8;
      /* tanh(x) = 2 sigmoid(2x) - 1: the sigmoid table at twice the resolution. */
      const int64_t r = uh >= 255 ? (int64_t)0xFFFF << 8
                                  : ((int64_t)t[uh] << 8) + (int64_t)(a & 0xff) * ((int64_t)t[uh + 1] - t[uh]);
      const int64_t v = d >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
      y[i] = (int16_t)(v >> 8);
  }
  return SELRT_OK;
}

SELRT_KERNEL(tanh_i16, "tanh.i16");
