/* quantize.i16: float32 -> int16, q = clamp(round(x / scale) + zero_point),
 * rounding half away from zero like TFLite's reference AffineQuantize (the
 * entry of an int16x8 model). */
#include "../shared/elementwise.h"

#include <math.h>

selrt_status selrt_quantize_i16_check(const selrt_program *p, const selrt_node *n) {
  float scale = n->fp[SELRT_quantize_i16_FP_scale];
  int32_t zp = n->ip[SELRT_quantize_i16_IP_zero_point];
  if (!(scale > 0.0f) || scale == INFINITY || zp < -32768 || zp > 32767) return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_elementwise_check(p, n, SELRT_F32, SELRT_I16);
}

selrt_status selrt_quantize_i16_run(selrt_session *s, const selrt_node *n) {
  const float *x = (const float *)selrt_in(s, n, 0)->data;
  selrt_tensor *yt = selrt_out(s, n, 0);
  int16_t *y = (int16_t *)yt->data;
  float scale = n->fp[SELRT_quantize_i16_FP_scale];
  float zp = (float)n->ip[SELRT_quantize_i16_IP_zero_point];
  size_t count = selrt_numel(yt);
  for (size_t i = 0; i < count; i++) {
    /* Clamp in float before converting: out-of-range or NaN -> int is UB. */
    float q = roundf(x[i] / scale) + zp;
    y[i] = (int16_t)(!(q > -32768.0f) ? -32768 : q > 32767.0f ? 32767 : (int32_t)q);
  }
  return SELRT_OK;
}

SELRT_KERNEL(quantize_i16, "quantize.i16");
