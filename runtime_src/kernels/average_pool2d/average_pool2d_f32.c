/* average_pool2d.f32: NHWC, average of the in-bounds cells of each window
 * (padding cells are not counted, as in TFLite), fused activation as a clamp.
 * The window is clipped to the image once per output pixel; the inner loop
 * runs over contiguous channels of the output row. */
#include <float.h>

#include "selrt_kernel.h"
#include "../shared/window.h"

selrt_status selrt_average_pool2d_f32_check(const selrt_program *p, const selrt_node *n) {
  return selrt_shared_pool_check(p, selrt_pin(p, n, 0), selrt_pout(p, n, 0), SELRT_F32,
                                 n->ip + SELRT_average_pool2d_f32_IP_filter_h);
}

selrt_status selrt_average_pool2d_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *yt = selrt_out(s, n, 0);
  const float *x = (const float *)xt->data;
  float *y = (float *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t OH = yt->dims[1], OW = yt->dims[2];
  const int32_t *ip = n->ip;
  const int32_t FH = ip[SELRT_average_pool2d_f32_IP_filter_h], FW = ip[SELRT_average_pool2d_f32_IP_filter_w];
  const int32_t sh = ip[SELRT_average_pool2d_f32_IP_stride_h], sw = ip[SELRT_average_pool2d_f32_IP_stride_w];
  const int32_t pt = ip[SELRT_average_pool2d_f32_IP_pad_top], pl = ip[SELRT_average_pool2d_f32_IP_pad_left];
  const float lo = n->fp[SELRT_average_pool2d_f32_FP_act_min], hi = n->fp[SELRT_average_pool2d_f32_FP_act_max];
  for (int32_t b = 0; b < N; b++) {
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
            const float *restrict xv =
                x + (((size_t)b * H + (size_t)(iy0 + ky)) * W + (size_t)(ix0 + kx)) * C;
            for (int32_t c = 0; c < C; c++) yp[c] += xv[c];
          }
        const int32_t cells = (ky1 - ky0) * (kx1 - kx0);
        const float inv = cells > 0 ? 1.0f / (float)cells : 0.0f;
        for (int32_t c = 0; c < C; c++) {
          float v = yp[c] * inv;
          v = v < lo ? lo : v;
          yp[c] = v > hi ? hi : v;
        }
      }
    }
  }
  return SELRT_OK;
}

SELRT_KERNEL(average_pool2d_f32, "average_pool2d.f32");
