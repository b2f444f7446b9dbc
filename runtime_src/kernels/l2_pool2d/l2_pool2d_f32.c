/* l2_pool2d.f32: NHWC, sqrt(sum of squares / count) over the in-bounds cells
 * of each window (padding cells are not counted, as in TFLite), fused
 * activation as a clamp. A window with no in-bounds cell (only a hand-made
 * program has one) gives 0. The inner loop runs over contiguous channels. */
#include <math.h>

#include "selrt_kernel.h"
#include "../shared/window.h"

selrt_status selrt_l2_pool2d_f32_check(const selrt_program *p, const selrt_node *n) {
  if (!(n->fp[SELRT_l2_pool2d_f32_FP_act_min] <= n->fp[SELRT_l2_pool2d_f32_FP_act_max]))
    return SELRT_REJECT(p, "activation bounds are not an interval", 0, 0);
  return selrt_shared_pool_check(p, selrt_pin(p, n, 0), selrt_pout(p, n, 0), SELRT_F32,
                                 n->ip + SELRT_l2_pool2d_f32_IP_filter_h);
}

selrt_status selrt_l2_pool2d_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *yt = selrt_out(s, n, 0);
  const float *x = (const float *)xt->data;
  float *y = (float *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t OH = yt->dims[1], OW = yt->dims[2];
  const int32_t *ip = n->ip;
  const int32_t FH = ip[SELRT_l2_pool2d_f32_IP_filter_h], FW = ip[SELRT_l2_pool2d_f32_IP_filter_w];
  const int32_t sh = ip[SELRT_l2_pool2d_f32_IP_stride_h], sw = ip[SELRT_l2_pool2d_f32_IP_stride_w];
  const int32_t pt = ip[SELRT_l2_pool2d_f32_IP_pad_top], pl = ip[SELRT_l2_pool2d_f32_IP_pad_left];
  const float lo = n->fp[SELRT_l2_pool2d_f32_FP_act_min], hi = n->fp[SELRT_l2_pool2d_f32_FP_act_max];
  for (int32_t b = 0; b < N; b++)
    for (int32_t oy = 0; oy < OH; oy++) {
      const int64_t iy0 = (int64_t)oy * sh - pt;
      int32_t ky0, ky1;
      selrt_shared_pool_span(iy0, H, FH, &ky0, &ky1);
      for (int32_t ox = 0; ox < OW; ox++) {
        const int64_t ix0 = (int64_t)ox * sw - pl;
        int32_t kx0, kx1;
        selrt_shared_pool_span(ix0, W, FW, &kx0, &kx1);
        float *restrict yp = y + (((size_t)b * OH + oy) * OW + ox) * C;
        for (int32_t c = 0; c < C; c++) yp[c] = 0.0f;
        for (int32_t ky = ky0; ky < ky1; ky++)
          for (int32_t kx = kx0; kx < kx1; kx++) {
            const float *restrict xv = x + (((size_t)b * H + (size_t)(iy0 + ky)) * W + (size_t)(ix0 + kx)) * C;
            for (int32_t c = 0; c < C; c++) yp[c] += xv[c] * xv[c];
          }
        const int32_t cells = (ky1 - ky0) * (kx1 - kx0);
        for (int32_t c = 0; c < C; c++) {
          float v = cells > 0 ? sqrtf(yp[c] / (float)cells) : 0.0f;
          v = v < lo ? lo : v;
          yp[c] = v > hi ? hi : v;
        }
      }
    }
  return SELRT_OK;
}

SELRT_KERNEL(l2_pool2d_f32, "l2_pool2d.f32");
