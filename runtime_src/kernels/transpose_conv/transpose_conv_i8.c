/* transpose_conv.i8: TFLite full-integer transposed convolution. NHWC int8
 * input (zero point input_zp), symmetric per-channel int8 filter re-laid by
 * the converter from OHWI to HWIO ([KH][KW][Cin][Cout]), int32 bias (zeros
 * when the model has none), per-channel requantize (requant[2][Cout]),
 * + output_zp, clamp to act_min..act_max.
 *
 * Gather form, so no int32 scratch tensor: output pixel (oy, ox) sums the
 * input pixels (iy, ix) with iy*stride_h - pad_top + ky == oy (same for x)
 * over the taps that hit it; only real input pixels contribute, each as
 * (x - input_zp) * w, exactly the reference kernel's scatter sums. */
#include "selrt_kernel.h"
#include "../shared/window.h"
#include "../shared/qi8.h"

#define SELRT_TRANSPOSE_CONV_I8_CH 64

selrt_status selrt_transpose_conv_i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *b = selrt_pin(p, n, 2);
  const selrt_tensor *q = selrt_pin(p, n, 3), *y = selrt_pout(p, n, 0);
  if (x->dtype != SELRT_I8 || w->dtype != SELRT_I8 || y->dtype != SELRT_I8 || b->dtype != SELRT_I32 ||
      x->rank != 4 || w->rank != 4 || y->rank != 4 || x->dims[0] != y->dims[0] ||
      w->dims[2] != x->dims[3] || w->dims[3] != y->dims[3] || selrt_numel(b) != (size_t)y->dims[3])
    return SELRT_ERR_UNSUPPORTED;
  /* run multiplies x - input_zp, up to 255 in magnitude. */
  if (!q->data || selrt_shared_qi8_requant_check(q, y->dims[3]) != SELRT_OK ||
      selrt_shared_qi8_acc_check(w, b, y->dims[3], 255, 0, 0) != SELRT_OK)
    return SELRT_ERR_UNSUPPORTED;
  if (selrt_numel(x) > INT32_MAX || selrt_numel(y) > INT32_MAX || selrt_numel(w) > INT32_MAX)
    return SELRT_ERR_UNSUPPORTED;
  if (selrt_shared_window2d_check(p, y, x, w->dims + 0,
                                  n->ip + SELRT_transpose_conv_i8_IP_stride_h, 0,
                                  n->ip + SELRT_transpose_conv_i8_IP_pad_top) != SELRT_OK)
    return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_qi8_range_check(n->ip[SELRT_transpose_conv_i8_IP_input_zp],
                                      n->ip[SELRT_transpose_conv_i8_IP_output_zp],
                                      n->ip[SELRT_transpose_conv_i8_IP_act_min],
                                      n->ip[SELRT_transpose_conv_i8_IP_act_max]);
}

selrt_status selrt_transpose_conv_i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *yt = selrt_out(s, n, 0);
  const int8_t *x = (const int8_t *)xt->data, *w = (const int8_t *)wt->data;
  const int32_t *bias = (const int32_t *)selrt_in(s, n, 2)->data;
  const int32_t *q = (const int32_t *)selrt_in(s, n, 3)->data;
  int8_t *y = (int8_t *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t KH = wt->dims[0], KW = wt->dims[1];
  const int32_t OH = yt->dims[1], OW = yt->dims[2], OC = yt->dims[3];
  const int32_t sh = n->ip[SELRT_transpose_conv_i8_IP_stride_h], sw = n->ip[SELRT_transpose_conv_i8_IP_stride_w];
  const int32_t pt = n->ip[SELRT_transpose_conv_i8_IP_pad_top], pl = n->ip[SELRT_transpose_conv_i8_IP_pad_left];
  const int32_t zin = n->ip[SELRT_transpose_conv_i8_IP_input_zp];
  const int32_t zout = n->ip[SELRT_transpose_conv_i8_IP_output_zp];
  const int32_t lo = n->ip[SELRT_transpose_conv_i8_IP_act_min], hi = n->ip[SELRT_transpose_conv_i8_IP_act_max];
  int32_t acc[SELRT_TRANSPOSE_CONV_I8_CH];
  for (int32_t b = 0; b < N; b++)
    for (int32_t oy = 0; oy < OH; oy++)
      for (int32_t ox = 0; ox < OW; ox++)
        for (int32_t o0 = 0; o0 < OC; o0 += SELRT_TRANSPOSE_CONV_I8_CH) {
          const int32_t oc = OC - o0 < SELRT_TRANSPOSE_CONV_I8_CH ? OC - o0 : SELRT_TRANSPOSE_CONV_I8_CH;
          for (int32_t o = 0; o < oc; o++) acc[o] = bias[o0 + o];
          for (int32_t ky = 0; ky < KH; ky++) {
            const int64_t ty = (int64_t)oy + pt - ky;
            if (ty < 0 || ty % sh || ty / sh >= H) continue;
            for (int32_t kx = 0; kx < KW; kx++) {
              const int64_t tx = (int64_t)ox + pl - kx;
              if (tx < 0 || tx % sw || tx / sw >= W) continue;
              const int8_t *xp = x + (((size_t)b * H + (size_t)(ty / sh)) * W + (size_t)(tx / sw)) * C;
              const int8_t *wk = w + ((size_t)ky * KW + kx) * C * OC + o0;
              for (int32_t ci = 0; ci < C; ci++) {
                const int32_t xv = xp[ci] - zin;
                const int8_t *wr = wk + (size_t)ci * OC;
                for (int32_t o = 0; o < oc; o++) acc[o] += xv * wr[o];
              }
            }
          }
          selrt_shared_qi8_requant(acc, y + (((size_t)b * OH + oy) * OW + ox) * OC + o0, oc, q + o0, q + OC + o0,
                                   zout, lo, hi);
        }
  return SELRT_OK;
}

SELRT_KERNEL(transpose_conv_i8, "transpose_conv.i8");
