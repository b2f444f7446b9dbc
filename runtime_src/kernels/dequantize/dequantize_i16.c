/* dequantize.i16: int16 -> float32, x = scale * (q - zero_point). q - zp
 * has at most 17 bits, so the float product is exact before its one rounding
 * and equals TFLite's double arithmetic bit for bit. */
#include "../shared/elementwise.h"

#include <math.h>

selrt_status selrt_dequantize_i16_check(const selrt_program *p, const selrt_node *n) {
  int32_t zp = n->ip[SELRT_dequantize_i16_IP_zero_point];
  float scale = n->fp[SELRT_dequantize_i16_FP_scale];
  if (zp < -32768 || zp > 32767 || !(scale > 0.0f) || scale == INFINITY) return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_elementwise_check(p, n, SELRT_I16, SELRT_F32);
}

selrt_status selrt_dequantize_i16_run(selrt_session *s, const selrt_node *n) {
  const int16_t *x = (const int16_t *)selrt_in(s, n, 0)->data;
  selrt_tensor *yt = selrt_out(s, n, 0);
  float *y = (float *)yt->data;
  float scale = n->fp[SELRT_dequantize_i16_FP_scale];
  int32_t zp = n->ip[SELRT_dequantize_i16_IP_zero_point];
  size_t count = selrt_numel(yt);
  for (size_t i = 0; i < count; i++) y[i] = scale * (float)(x[i] - zp);
  return SELRT_OK;
}

SELRT_KERNEL(dequantize_i16, "dequantize.i16");
