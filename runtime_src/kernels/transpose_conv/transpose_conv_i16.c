/* transpose_conv.i16: LiteRT's int16x8 transposed convolution (reference
 * TransposeConv with int16 input, int64 bias). NHWC int16 input with zero
 * point 0, symmetric per-channel int8 filter re-laid by the converter from
 * OHWI to HWIO ([KH][KW][Cin][Cout]), int64 bias (zeros when the model has
 * none), int64 sums, per-channel 64-bit requantize (requant[2][Cout]), clamp.
 * Gather form as transpose_conv.i8: output pixel (oy, ox) sums the input
 * pixels whose taps hit it, the same exact sums as the reference scatter. */
#include "selrt_kernel.h"
#include "../shared/qi16.h"
#include "../shared/window.h"

selrt_status selrt_transpose_conv_i16_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *b = selrt_pin(p, n, 2);
  const selrt_tensor *q = selrt_pin(p, n, 3), *y = selrt_pout(p, n, 0);
  if (x->dtype != SELRT_I16 || w->dtype != SELRT_I8 || y->dtype != SELRT_I16 || x->rank != 4 || w->rank != 4 ||
      y->rank != 4 || x->dims[0] != y->dims[0] || w->dims[2] != x->dims[3] || w->dims[3] != y->dims[3])
    return SELRT_REJECT(p, "transpose_conv.i16 needs int16 NHWC tensors and an int8 HWIO filter that fits them", 0, 0);
  if (selrt_numel(x) > INT32_MAX || selrt_numel(y) > INT32_MAX || selrt_numel(w) > INT32_MAX)
    return SELRT_ERR_UNSUPPORTED;
  if (selrt_shared_qi16_requant_check(q, y->dims[3]) != SELRT_OK ||
      selrt_shared_qi16_acc_check(w, b, y->dims[3], 0) != SELRT_OK)
    return SELRT_REJECT(p, "transpose_conv.i16: requantize parameters or constant bias/filter out of range", 0, 0);
  if (selrt_shared_window2d_check(p, y, x, w->dims + 0, n->ip + SELRT_transpose_conv_i16_IP_stride_h, 0,
                                  n->ip + SELRT_transpose_conv_i16_IP_pad_top) != SELRT_OK)
    return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_qi16_range_check(n->ip[SELRT_transpose_conv_i16_IP_act_min],
                                       n->ip[SELRT_transpose_conv_i16_IP_act_max]);
}

selrt_status selrt_transpose_conv_i16_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *yt = selrt_out(s, n, 0);
  const int16_t *x = (const int16_t *)xt->data;
  const int8_t *w = (const int8_t *)wt->data;
  const int64_t *bias = (const int64_t *)selrt_in(s, n, 2)->data;
  const int32_t *q = (const int32_t *)selrt_in(s, n, 3)->data;
  int16_t *y = (int16_t *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t KH = wt->dims[0], KW = wt->dims[1];
  const int32_t OH = yt->dims[1], OW = yt->dims[2], OC = yt->dims[3];
  const int32_t sh = n->ip[SELRT_transpose_conv_i16_IP_stride_h], sw = n->ip[SELRT_transpose_conv_i16_IP_stride_w];
  const int32_t pt = n->ip[SELRT_transpose_conv_i16_IP_pad_top], pl = n->ip[SELRT_transpose_conv_i16_IP_pad_left];
  const int32_t lo = n->ip[SELRT_transpose_conv_i16_IP_act_min], hi = n->ip[SELRT_transpose_conv_i16_IP_act_max];
  for (int32_t b = 0; b < N; b++)
    for (int32_t oy = 0; oy < OH; oy++)
      for (int32_t ox = 0; ox < OW; ox++)
        for (int32_t o = 0; o < OC; o++) {
          int64_t acc = bias[o];
          for (int32_t ky = 0; ky < KH; ky++) {
            const int64_t ty = (int64_t)oy + pt - ky;
            if (ty < 0 || ty % sh || ty / sh >= H) continue;
            for (int32_t kx = 0; kx < KW; kx++) {
              const int64_t tx = (int64_t)ox + pl - kx;
              if (tx < 0 || tx % sw || tx / sw >= W) continue;
              const int16_t *xp = x + (((size_t)b * H + (size_t)(ty / sh)) * W + (size_t)(tx / sw)) * C;
              const int8_t *wk = w + ((size_t)ky * KW + kx) * C * OC + o;
              for (int32_t ci = 0; ci < C; ci++) acc += (int32_t)xp[ci] * wk[(size_t)ci * OC];
            }
          }
          selrt_shared_qi16_requant(&acc, y + (((size_t)b * OH + oy) * OW + ox) * OC + o, 1, q + o, q + OC + o, lo,
                                    hi);
        }
  return SELRT_OK;
}

SELRT_KERNEL(transpose_conv_i16, "transpose_conv.i16");
