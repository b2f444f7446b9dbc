/* local_response_normalization.f32: across the channels (the last dim) of
 * each position, y = x * pow(bias + alpha * sum of x^2 over channels
 * c - radius .. c + radius (clipped to the tensor), -beta), as TF and
 * LiteRT's default kernel (LiteRT 2.3's reference kernel stops one channel
 * short); the converter passes depth = the last dim. */
#include <math.h>

#include "selrt_kernel.h"

selrt_status selrt_local_response_normalization_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);
  const int32_t depth = n->ip[SELRT_local_response_normalization_f32_IP_depth];
  const int32_t radius = n->ip[SELRT_local_response_normalization_f32_IP_radius];
  if (x->dtype != SELRT_F32 || y->dtype != SELRT_F32 || selrt_numel(x) != selrt_numel(y))
    return SELRT_REJECT(p, "input and output must be float32 of one size", 0, 0);
  if (depth < 1 || selrt_numel(x) % (size_t)depth || radius < 0)
    return SELRT_REJECT(p, "depth % does not divide the input, or radius % < 0", depth, radius);
  return SELRT_OK;
}

selrt_status selrt_local_response_normalization_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0);
  const float *x = (const float *)xt->data;
  float *y = (float *)selrt_out(s, n, 0)->data;
  const int64_t depth = n->ip[SELRT_local_response_normalization_f32_IP_depth];
  const int64_t radius = n->ip[SELRT_local_response_normalization_f32_IP_radius];
  const float bias = n->fp[SELRT_local_response_normalization_f32_FP_bias];
  const float alpha = n->fp[SELRT_local_response_normalization_f32_FP_alpha];
  const float beta = n->fp[SELRT_local_response_normalization_f32_FP_beta];
  for (size_t r = 0, rows = selrt_numel(xt) / (size_t)depth; r < rows; r++, x += depth, y += depth)
    for (int64_t c = 0; c < depth; c++) {
      const int64_t lo = c - radius < 0 ? 0 : c - radius, hi = c + radius + 1 > depth ? depth : c + radius + 1;
      float acc = 0.0f;
      for (int64_t i = lo; i < hi; i++) acc += x[i] * x[i];
      y[c] = x[c] * powf(bias + alpha * acc, -beta);
    }
  return SELRT_OK;
}

SELRT_KERNEL(local_response_normalization_f32, "local_response_normalization.f32");
