/* l2_normalization.i8: TFLite's int8 L2 normalization over the last axis
 * (reference_integer_ops::L2Normalization): per row, acc = sum (x - zp)^2,
 * the fixed-point inverse square root of acc (GetInvSqrtQuantizedMultiplierExp:
 * five Newton steps in Q3, gemmlowp rounding), then
 *   out = clamp(mbqm(x - zp, inv, inv_shift + 7), -128, 127)
 * for the output quantization TFLite requires (scale 1/128, zero point 0).
 * The converter passes the input zero point and depth = the last dim. */
#include "selrt_kernel.h"
#include "../shared/qi8.h"

static int32_t selrt_l2_normalization_i8_srdhm(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t ab = (int64_t)a * b, t = ab + (ab >= 0 ? ((int64_t)1 << 30) : 1 - ((int64_t)1 << 30));
  return (int32_t)(t >= 0 ? t >> 31 : -((-t) >> 31)); /* divide by 2^31 truncating toward zero */
}

static int32_t selrt_l2_normalization_i8_rdbpot(int32_t x, int e) {
  const int32_t mask = (int32_t)(((int64_t)1 << e) - 1), threshold = (mask >> 1) + (x < 0);
  return (x >> e) + ((x & mask) > threshold);
}

static int32_t selrt_l2_normalization_i8_satpot(int32_t x, int e) { /* e > 0 */
  const int32_t threshold = (int32_t)(((int64_t)1 << (31 - e)) - 1);
  return x > threshold ? INT32_MAX : x < -threshold ? INT32_MIN : (int32_t)((uint32_t)x << e);
}

/* GetInvSqrtQuantizedMultiplierExp(value, reverse_shift = -1). */
static void selrt_l2_normalization_i8_inv_sqrt(int32_t value, int32_t *mult, int32_t *shift_out) {
  if (value <= 1) {
    *mult = INT32_MAX;
    *shift_out = 0;
    return;
  }
  int32_t shift = 11;
  while (value >= (1 << 29)) {
    value /= 4;
    shift++;
  }
  const int32_t pairs = (__builtin_clz((uint32_t)value) - 1) / 2 - 1;
  shift -= pairs;
  value <<= 2 * pairs;
  const int32_t half_input = selrt_l2_normalization_i8_rdbpot(value >> 1, 1), half_three = (1 << 28) + (1 << 27);
  int32_t x = 1 << 28;
  for (int i = 0; i < 5; i++) {
    const int32_t x3 = selrt_l2_normalization_i8_satpot(
        selrt_l2_normalization_i8_srdhm(selrt_l2_normalization_i8_srdhm(x, x), x), 6);
    const uint32_t d = (uint32_t)selrt_l2_normalization_i8_srdhm(half_three, x) -
                       (uint32_t)selrt_l2_normalization_i8_srdhm(half_input, x3);
    x = selrt_l2_normalization_i8_satpot((int32_t)d, 3);
  }
  x = selrt_l2_normalization_i8_srdhm(x, 1518500250); /* sqrt(2) / 2 in Q0.31 */
  if (shift < 0) {
    x = (int32_t)((uint32_t)x << -shift);
    shift = 0;
  }
  *mult = x;
  *shift_out = -shift;
}

selrt_status selrt_l2_normalization_i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);
  const int32_t depth = n->ip[SELRT_l2_normalization_i8_IP_depth], zp = n->ip[SELRT_l2_normalization_i8_IP_input_zp];
  if (x->dtype != SELRT_I8 || y->dtype != SELRT_I8 || selrt_numel(x) != selrt_numel(y))
    return SELRT_REJECT(p, "input and output must be int8 of one size", 0, 0);
  if (depth < 1 || selrt_numel(x) % (size_t)depth || zp < -128 || zp > 127)
    return SELRT_REJECT(p, "depth % does not divide the input, or zero point % is outside int8", depth, zp);
  return SELRT_OK;
}

selrt_status selrt_l2_normalization_i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0);
  const int8_t *x = (const int8_t *)xt->data;
  int8_t *y = (int8_t *)selrt_out(s, n, 0)->data;
  const size_t depth = (size_t)n->ip[SELRT_l2_normalization_i8_IP_depth];
  const int32_t zp = n->ip[SELRT_l2_normalization_i8_IP_input_zp];
  for (size_t r = 0, rows = selrt_numel(xt) / depth; r < rows; r++, x += depth, y += depth) {
    int64_t acc = 0; /* TFLite's int32 sum; saturated instead of overflowing past 33,025 channels */
    for (size_t c = 0; c < depth; c++) acc += (int64_t)(x[c] - zp) * (x[c] - zp);
    int32_t mult, shift;
    selrt_l2_normalization_i8_inv_sqrt(acc > INT32_MAX ? INT32_MAX : (int32_t)acc, &mult, &shift);
    for (size_t c = 0; c < depth; c++) {
      const int32_t v = selrt_shared_qi8_mbqm_inl(x[c] - zp, mult, shift + 7);
      y[c] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
    }
  }
  return SELRT_OK;
}

SELRT_KERNEL(l2_normalization_i8, "l2_normalization.i8");
