/* depthwise_conv2d.i16: TFLite's int16x8 depthwise convolution (reference
 * DepthwiseConvPerChannel with int16 input). Output channel o = c * M + m
 * (depth multiplier M) filters input channel c with column o of the
 * [1, KH, KW, C*M] int8 filter; input zero point 0 (padding taps skipped),
 * int64 bias and sums, per-channel 64-bit requantize, clamp. */
#include "selrt_kernel.h"
#include "../shared/qi16.h"
#include "../shared/window.h"

selrt_status selrt_depthwise_conv2d_i16_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *b = selrt_pin(p, n, 2);
  const selrt_tensor *q = selrt_pin(p, n, 3), *y = selrt_pout(p, n, 0);
  const int32_t m = n->ip[SELRT_depthwise_conv2d_i16_IP_depth_multiplier];
  if (x->dtype != SELRT_I16 || w->dtype != SELRT_I8 || y->dtype != SELRT_I16 || x->rank != 4 || w->rank != 4 ||
      y->rank != 4 || x->dims[0] != y->dims[0] || w->dims[0] != 1 || m < 1 ||
      (int64_t)x->dims[3] * m != y->dims[3] || w->dims[3] != y->dims[3])
    return SELRT_REJECT(p, "depthwise_conv2d.i16 needs int16 NHWC tensors, an int8 [1,KH,KW,C*M] filter, depth multiplier %", m, 0);
  if (selrt_numel(x) > INT32_MAX || selrt_numel(y) > INT32_MAX) return SELRT_ERR_UNSUPPORTED;
  if (selrt_shared_qi16_requant_check(q, y->dims[3]) != SELRT_OK ||
      selrt_shared_qi16_acc_check(w, b, y->dims[3], 0) != SELRT_OK)
    return SELRT_REJECT(p, "depthwise_conv2d.i16: requantize parameters or constant bias/filter out of range", 0, 0);
  if (selrt_shared_window2d_check(p, x, y, w->dims + 1, n->ip + SELRT_depthwise_conv2d_i16_IP_stride_h,
                                  n->ip + SELRT_depthwise_conv2d_i16_IP_dilation_h,
                                  n->ip + SELRT_depthwise_conv2d_i16_IP_pad_top) != SELRT_OK)
    return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_qi16_range_check(n->ip[SELRT_depthwise_conv2d_i16_IP_act_min],
                                       n->ip[SELRT_depthwise_conv2d_i16_IP_act_max]);
}

selrt_status selrt_depthwise_conv2d_i16_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *yt = selrt_out(s, n, 0);
  const int16_t *x = (const int16_t *)xt->data;
  const int8_t *w = (const int8_t *)wt->data;
  const int64_t *bias = (const int64_t *)selrt_in(s, n, 2)->data;
  const int32_t *q = (const int32_t *)selrt_in(s, n, 3)->data;
  int16_t *y = (int16_t *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t KH = wt->dims[1], KW = wt->dims[2];
  const int32_t OH = yt->dims[1], OW = yt->dims[2], OC = yt->dims[3];
  const int32_t M = n->ip[SELRT_depthwise_conv2d_i16_IP_depth_multiplier];
  const int32_t sh = n->ip[SELRT_depthwise_conv2d_i16_IP_stride_h], sw = n->ip[SELRT_depthwise_conv2d_i16_IP_stride_w];
  const int32_t dh = n->ip[SELRT_depthwise_conv2d_i16_IP_dilation_h];
  const int32_t dw = n->ip[SELRT_depthwise_conv2d_i16_IP_dilation_w];
  const int32_t pt = n->ip[SELRT_depthwise_conv2d_i16_IP_pad_top], pl = n->ip[SELRT_depthwise_conv2d_i16_IP_pad_left];
  const int32_t lo = n->ip[SELRT_depthwise_conv2d_i16_IP_act_min], hi = n->ip[SELRT_depthwise_conv2d_i16_IP_act_max];
  for (int32_t b = 0; b < N; b++)
    for (int32_t oy = 0; oy < OH; oy++)
      for (int32_t ox = 0; ox < OW; ox++) {
        int16_t *yp = y + (((size_t)b * OH + oy) * OW + ox) * OC;
        for (int32_t o = 0; o < OC; o++) {
          const int32_t c = o / M;
          int64_t acc = bias[o];
          for (int32_t ky = 0; ky < KH; ky++) {
            const int64_t iy = (int64_t)oy * sh - pt + (int64_t)ky * dh;
            if (iy < 0 || iy >= H) continue;
            for (int32_t kx = 0; kx < KW; kx++) {
              const int64_t ix = (int64_t)ox * sw - pl + (int64_t)kx * dw;
              if (ix < 0 || ix >= W) continue;
              acc += (int32_t)x[(((size_t)b * H + (size_t)iy) * W + (size_t)ix) * C + c] *
                     w[((size_t)ky * KW + kx) * OC + o];
            }
          }
          selrt_shared_qi16_requant(&acc, yp + o, 1, q + o, q + OC + o, lo, hi);
        }
      }
  return SELRT_OK;
}

SELRT_KERNEL(depthwise_conv2d_i16, "depthwise_conv2d.i16");
