/* transpose_conv.f32i8: dynamic-range transposed convolution (LiteRT's
 * hybrid path). Float NHWC input, quantized per image on the fly into the
 * int8 scratch output, asymmetrically (LiteRT's BUILTIN_REF does, whatever
 * the options: tests/test_kernels_hybrid.py checks it against that);
 * constant symmetric int8 filter re-laid by the converter from OHWI to HWIO
 * ([KH][KW][Cin][Cout]) with 1 or Cout float scales; int32 sums of the taps
 * that reach each output pixel (gather form of the reference's scatter, as
 * transpose_conv.i8), then y = bias + acc * (image scale * filter scale) and
 * the fused activation (shared/hybrid.h). */
#include "selrt_kernel.h"
#include "../shared/hybrid.h"
#include "../shared/window.h"

#define SELRT_TRANSPOSE_CONV_F32I8_CH 64

selrt_status selrt_transpose_conv_f32i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *sc = selrt_pin(p, n, 2);
  const selrt_tensor *b = selrt_pin(p, n, 3), *y = selrt_pout(p, n, 0), *q = selrt_pout(p, n, 1);
  if (x->dtype != SELRT_F32 || w->dtype != SELRT_I8 || !w->data || y->dtype != SELRT_F32 || q->dtype != SELRT_I8 ||
      x->rank != 4 || w->rank != 4 || y->rank != 4 || x->dims[0] != y->dims[0] || w->dims[2] != x->dims[3] ||
      w->dims[3] != y->dims[3] || selrt_numel(q) != selrt_numel(x))
    return SELRT_ERR_UNSUPPORTED;
  if (b && (b->dtype != SELRT_F32 || selrt_numel(b) != (size_t)y->dims[3])) return SELRT_ERR_UNSUPPORTED;
  if (selrt_numel(x) > INT32_MAX || selrt_numel(y) > INT32_MAX || selrt_numel(w) > INT32_MAX)
    return SELRT_ERR_UNSUPPORTED;
  /* every output sums at most KH*KW*Cin products */
  if (selrt_shared_hybrid_node_check(1, sc, (size_t)y->dims[3], (size_t)w->dims[0] * w->dims[1] * w->dims[2]) != SELRT_OK)
    return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_window2d_check(p, y, x, w->dims + 0, n->ip + SELRT_transpose_conv_f32i8_IP_stride_h, 0,
                                     n->ip + SELRT_transpose_conv_f32i8_IP_pad_top);
}

selrt_status selrt_transpose_conv_f32i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *st = selrt_in(s, n, 2);
  const selrt_tensor *bt = selrt_in(s, n, 3), *yt = selrt_out(s, n, 0);
  const float *x = (const float *)xt->data, *ws = (const float *)st->data;
  const float *bias = bt ? (const float *)bt->data : (const float *)0;
  const int8_t *w = (const int8_t *)wt->data;
  int8_t *q = (int8_t *)selrt_out(s, n, 1)->data;
  float *y = (float *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t KH = wt->dims[0], KW = wt->dims[1];
  const int32_t OH = yt->dims[1], OW = yt->dims[2], OC = yt->dims[3];
  const int32_t sh = n->ip[SELRT_transpose_conv_f32i8_IP_stride_h], sw = n->ip[SELRT_transpose_conv_f32i8_IP_stride_w];
  const int32_t pt = n->ip[SELRT_transpose_conv_f32i8_IP_pad_top], pl = n->ip[SELRT_transpose_conv_f32i8_IP_pad_left];
  const float lo = n->fp[SELRT_transpose_conv_f32i8_FP_act_min], hi = n->fp[SELRT_transpose_conv_f32i8_FP_act_max];
  const size_t per_channel = selrt_numel(st) == (size_t)OC ? 1 : 0, image = (size_t)H * W * C;
  int32_t acc[SELRT_TRANSPOSE_CONV_F32I8_CH];
  for (int32_t b = 0; b < N; b++) {
    float rs;
    int32_t zp;
    int8_t *qb = q + (size_t)b * image;
    selrt_shared_hybrid_quantize(x + (size_t)b * image, image, 1, 1, qb, &rs, &zp);
    for (int32_t oy = 0; oy < OH; oy++)
      for (int32_t ox = 0; ox < OW; ox++)
        for (int32_t o0 = 0; o0 < OC; o0 += SELRT_TRANSPOSE_CONV_F32I8_CH) {
          const int32_t oc = OC - o0 < SELRT_TRANSPOSE_CONV_F32I8_CH ? OC - o0 : SELRT_TRANSPOSE_CONV_F32I8_CH;
          for (int32_t o = 0; o < oc; o++) acc[o] = 0;
          for (int32_t ky = 0; ky < KH; ky++) {
            const int64_t ty = (int64_t)oy + pt - ky;
            if (ty < 0 || ty % sh || ty / sh >= H) continue;
            for (int32_t kx = 0; kx < KW; kx++) {
              const int64_t tx = (int64_t)ox + pl - kx;
              if (tx < 0 || tx % sw || tx / sw >= W) continue;
              const int8_t *xp = qb + ((size_t)(ty / sh) * W + (size_t)(tx / sw)) * C;
              const int8_t *wk = w + ((size_t)ky * KW + kx) * C * OC + o0;
              for (int32_t ci = 0; ci < C; ci++) {
                const int32_t xv = (int32_t)xp[ci] - zp;
                const int8_t *wr = wk + (size_t)ci * OC;
                for (int32_t o = 0; o < oc; o++) acc[o] += xv * wr[o];
              }
            }
          }
          float *yp = y + (((size_t)b * OH + oy) * OW + ox) * OC + o0;
          for (int32_t o = 0; o < oc; o++)
            yp[o] = selrt_shared_hybrid_out(acc[o], rs, ws[per_channel * (size_t)(o0 + o)], bias, (size_t)(o0 + o), lo, hi);
        }
  }
  return SELRT_OK;
}

SELRT_KERNEL(transpose_conv_f32i8, "transpose_conv.f32i8");
