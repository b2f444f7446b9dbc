/* depthwise_conv2d.f32i8: dynamic-range depthwise 2-D convolution, NHWC
 * float input and output, constant symmetric int8 filter [1, KH, KW, C*M] as
 * TFLite stores it (output channel o reads input channel o / M), 1 or C*M
 * float scales, optional float bias. Each image is quantized on the fly into
 * the int8 scratch output (shared/hybrid.h), then per output value the int32
 * sum of filter * (q - zero_point) over the in-bounds taps,
 * y = bias + acc * (image_scale * scale[o]), fused activation. */
#include "selrt_kernel.h"
#include "../shared/hybrid.h"
#include "../shared/window.h"

selrt_status selrt_depthwise_conv2d_f32i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *sc = selrt_pin(p, n, 2);
  const selrt_tensor *b = selrt_pin(p, n, 3), *y = selrt_pout(p, n, 0), *qx = selrt_pout(p, n, 1);
  const int32_t M = n->ip[SELRT_depthwise_conv2d_f32i8_IP_depth_multiplier];
  if (x->dtype != SELRT_F32 || w->dtype != SELRT_I8 || !w->data || y->dtype != SELRT_F32 || qx->dtype != SELRT_I8 ||
      x->rank != 4 || w->rank != 4 || y->rank != 4 || x->dims[0] != y->dims[0] || w->dims[0] != 1 || M < 1 ||
      w->dims[3] != y->dims[3] || (int64_t)x->dims[3] * M != (int64_t)y->dims[3] || selrt_numel(qx) != selrt_numel(x))
    return SELRT_ERR_UNSUPPORTED;
  const size_t OC = (size_t)y->dims[3];
  if (b && (b->dtype != SELRT_F32 || selrt_numel(b) != OC)) return SELRT_ERR_UNSUPPORTED;
  if (selrt_numel(x) > INT32_MAX || selrt_numel(y) > INT32_MAX || selrt_numel(w) > INT32_MAX)
    return SELRT_ERR_UNSUPPORTED;
  const int32_t asym = n->ip[SELRT_depthwise_conv2d_f32i8_IP_asymmetric];
  if (selrt_shared_hybrid_node_check(asym, sc, OC, (size_t)w->dims[1] * (size_t)w->dims[2]) != SELRT_OK)
    return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_window2d_check(p, x, y, w->dims + 1, n->ip + SELRT_depthwise_conv2d_f32i8_IP_stride_h,
                                     n->ip + SELRT_depthwise_conv2d_f32i8_IP_dilation_h,
                                     n->ip + SELRT_depthwise_conv2d_f32i8_IP_pad_top);
}

selrt_status selrt_depthwise_conv2d_f32i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *st = selrt_in(s, n, 2);
  const selrt_tensor *bt = selrt_in(s, n, 3), *yt = selrt_out(s, n, 0);
  const float *x = (const float *)xt->data, *ws = (const float *)st->data;
  const float *bias = bt ? (const float *)bt->data : (const float *)0;
  const int8_t *w = (const int8_t *)wt->data;
  int8_t *q = (int8_t *)selrt_out(s, n, 1)->data;
  float *y = (float *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t KH = wt->dims[1], KW = wt->dims[2], OH = yt->dims[1], OW = yt->dims[2], OC = yt->dims[3];
  const int32_t M = n->ip[SELRT_depthwise_conv2d_f32i8_IP_depth_multiplier];
  const int32_t sh = n->ip[SELRT_depthwise_conv2d_f32i8_IP_stride_h];
  const int32_t sw = n->ip[SELRT_depthwise_conv2d_f32i8_IP_stride_w];
  const int32_t dh = n->ip[SELRT_depthwise_conv2d_f32i8_IP_dilation_h];
  const int32_t dw = n->ip[SELRT_depthwise_conv2d_f32i8_IP_dilation_w];
  const int32_t pt = n->ip[SELRT_depthwise_conv2d_f32i8_IP_pad_top];
  const int32_t pl = n->ip[SELRT_depthwise_conv2d_f32i8_IP_pad_left];
  const int32_t asym = n->ip[SELRT_depthwise_conv2d_f32i8_IP_asymmetric];
  const size_t per_ch = selrt_numel(st) == (size_t)OC ? 1 : 0, image = (size_t)H * W * C;
  const float lo = n->fp[SELRT_depthwise_conv2d_f32i8_FP_act_min];
  const float hi = n->fp[SELRT_depthwise_conv2d_f32i8_FP_act_max];
  for (int32_t bi = 0; bi < N; bi++) {
    float rs;
    int32_t zp;
    const int8_t *qb = q + (size_t)bi * image;
    selrt_shared_hybrid_quantize(x + (size_t)bi * image, image, 1, asym, q + (size_t)bi * image, &rs, &zp);
    for (int32_t oy = 0; oy < OH; oy++)
      for (int32_t ox = 0; ox < OW; ox++) {
        float *yp = y + (((size_t)bi * OH + oy) * OW + ox) * OC;
        for (int32_t o = 0; o < OC; o++) {
          const int32_t c = o / M;
          int32_t acc = 0; /* bounded by check (hybrid.h) */
          for (int32_t ky = 0; ky < KH; ky++) {
            const int32_t iy = oy * sh - pt + ky * dh; /* in int32: window2d_check */
            if (iy < 0 || iy >= H) continue;
            for (int32_t kx = 0; kx < KW; kx++) {
              const int32_t ix = ox * sw - pl + kx * dw;
              if (ix < 0 || ix >= W) continue;
              acc += (int32_t)w[((size_t)ky * KW + kx) * OC + o] * ((int32_t)qb[((size_t)iy * W + ix) * C + c] - zp);
            }
          }
          yp[o] = selrt_shared_hybrid_out(acc, rs, ws[per_ch * (size_t)o], bias, (size_t)o, lo, hi);
        }
      }
  }
  return SELRT_OK;
}

SELRT_KERNEL(depthwise_conv2d_f32i8, "depthwise_conv2d.f32i8");
