/* softmax.i16: TFLite's int16 softmax over the last axis (reference
 * SoftmaxInt16). Per row: d = x - max(row) rescaled by multiplier/shift
 * (input_scale * beta mapped so that [-10, 0] spans [-65535, 0]), moved to
 * [-32768, 32767] and looked up in the 513-entry exp table with linear
 * interpolation; the Q15 values are summed, the sum normalised by its
 * leading zeros and looked up in the 1/(1+x) table; each exp times that
 * reciprocal, shifted back, is the output (scale 1/32768, zero point 0).
 * Both tables are built by the converter as TFLite's Prepare builds them. */
#include "selrt_kernel.h"
#include "../shared/qi8.h"

#define SELRT_SOFTMAX_I16_LUT 513

/* TFLite's int16 table lookup: 512 segments of 128 inputs, interpolated. */
static int16_t selrt_softmax_i16_lookup(int32_t v, const int16_t *lut) {
  const int32_t index = 256 + (v >> 7); /* 0 .. 511 for int16 v */
  const int32_t offset = v & 0x7f;
  const int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
  return (int16_t)(lut[index] + ((slope * offset + 64) >> 7));
}

static int32_t selrt_softmax_i16_sat16(int32_t v) { return v < -32768 ? -32768 : v > 32767 ? 32767 : v; }

selrt_status selrt_softmax_i16_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *e = selrt_pin(p, n, 1), *r = selrt_pin(p, n, 2);
  const selrt_tensor *y = selrt_pout(p, n, 0);
  if (x->dtype != SELRT_I16 || y->dtype != SELRT_I16 || x->rank < 1 || x->rank != y->rank)
    return SELRT_REJECT(p, "softmax.i16 needs int16 input and output of one rank", 0, 0);
  for (int32_t i = 0; i < x->rank; i++)
    if (x->dims[i] != y->dims[i]) return SELRT_REJECT(p, "softmax.i16: output dim % differs from the input's", i, 0);
  const int32_t depth = x->dims[x->rank - 1];
  /* Each exp is at most 32767 (Q15): the int32 row sum holds 65536 of them. */
  if (depth < 1 || depth > 65536) return SELRT_REJECT(p, "softmax.i16: last axis of % values (1 .. 65536)", depth, 0);
  if (!e->data || !r->data || e->dtype != SELRT_I16 || r->dtype != SELRT_I16 ||
      selrt_numel(e) != SELRT_SOFTMAX_I16_LUT || selrt_numel(r) != SELRT_SOFTMAX_I16_LUT)
    return SELRT_REJECT(p, "softmax.i16: the tables must be constant int16 [%]", SELRT_SOFTMAX_I16_LUT, 0);
  const int32_t m = n->ip[SELRT_softmax_i16_IP_multiplier], sh = n->ip[SELRT_softmax_i16_IP_shift];
  if (m < 0 || sh < -31 || sh > 30) return SELRT_REJECT(p, "softmax.i16: multiplier % / shift % out of range", m, sh);
  return SELRT_OK;
}

selrt_status selrt_softmax_i16_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0);
  const int16_t *x = (const int16_t *)xt->data;
  const int16_t *exp_lut = (const int16_t *)selrt_in(s, n, 1)->data;
  const int16_t *rec_lut = (const int16_t *)selrt_in(s, n, 2)->data;
  int16_t *y = (int16_t *)selrt_out(s, n, 0)->data;
  const int32_t m = n->ip[SELRT_softmax_i16_IP_multiplier], sh = n->ip[SELRT_softmax_i16_IP_shift];
  const size_t depth = (size_t)xt->dims[xt->rank - 1], rows = selrt_numel(xt) / depth;
  for (size_t i = 0; i < rows; i++) {
    const int16_t *xr = x + i * depth;
    int16_t *yr = y + i * depth;
    int32_t mx = -32768;
    for (size_t j = 0; j < depth; j++) mx = xr[j] > mx ? xr[j] : mx;
    /* The exps go into the output row first (no scratch), then are scaled in place. */
    int32_t sum = 0;
    for (size_t j = 0; j < depth; j++) {
      const int32_t d = selrt_shared_qi8_mbqm(xr[j] - mx, m, sh);
      yr[j] = selrt_softmax_i16_lookup(selrt_softmax_i16_sat16(d + 32767), exp_lut);
      sum += yr[j];
    }
    /* Hostile tables can make the sum 0 or negative; TFLite assumes > 0. */
    const uint32_t usum = sum > 0 ? (uint32_t)sum : 1u;
    const int32_t headroom = __builtin_clz(usum); /* 1 .. 31 */
    const int32_t shifted = (int32_t)((((int64_t)usum << (headroom - 1)) + (1 << 13)) >> 14);
    const int16_t recip =
        selrt_softmax_i16_lookup(selrt_softmax_i16_sat16(shifted - ((1 << 15) + (1 << 16))), rec_lut);
    const int32_t right = 31 - headroom;
    const int64_t round = right > 0 ? (int64_t)1 << (right - 1) : 0;
    for (size_t j = 0; j < depth; j++) {
      const int64_t v = ((int64_t)yr[j] * recip + round) >> right;
      yr[j] = (int16_t)(v < 0 ? 0 : v > 32767 ? 32767 : v);
    }
  }
  return SELRT_OK;
}

SELRT_KERNEL(softmax_i16, "softmax.i16");
