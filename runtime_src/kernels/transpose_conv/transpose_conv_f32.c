/* transpose_conv.f32: NHWC input [N,H,W,Cin], filter re-laid by the converter
 * into GEMM panels [ceil(Cout/8)][KH][KW][Cin][8] (see shared/gemm_f32.h),
 * optional bias [Cout], fused activation.
 *
 * Scatter form: input pixel (iy, ix) adds in[iy,ix,:] x W[ky][kx] to output
 * (iy*sh - pt + ky, ix*sw - pl + kx). For a fixed input row and tap the
 * touched output pixels are every sw-th pixel of one output row, so each
 * (input row, tap) is one accumulating GEMM with ldc = sw*Cout. The output is
 * filled with the bias first and clamped at the end; no scratch. */
#include <float.h>

#include "selrt_kernel.h"
#include "../shared/window.h"
#include "../shared/gemm_f32.h"

selrt_status selrt_transpose_conv_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *y = selrt_pout(p, n, 0);
  selrt_status st = selrt_shared_gemm_f32_conv_check(x, w, selrt_pin(p, n, 2), y);
  if (st != SELRT_OK) return st;
  /* w: panels [ceil(Cout/8), KH, KW, Cin, 8] */
  return selrt_shared_window2d_check(p, y, x, w->dims + 1, n->ip + SELRT_transpose_conv_f32_IP_stride_h,
                                     0, n->ip + SELRT_transpose_conv_f32_IP_pad_top);
}

selrt_status selrt_transpose_conv_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *bt = selrt_in(s, n, 2);
  const selrt_tensor *yt = selrt_out(s, n, 0);
  const float *x = (const float *)xt->data, *w = (const float *)wt->data;
  float *y = (float *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t KH = wt->dims[1], KW = wt->dims[2];
  const int32_t OH = yt->dims[1], OW = yt->dims[2], OC = yt->dims[3];
  const int32_t sh = n->ip[SELRT_transpose_conv_f32_IP_stride_h], sw = n->ip[SELRT_transpose_conv_f32_IP_stride_w];
  const int32_t pt = n->ip[SELRT_transpose_conv_f32_IP_pad_top], pl = n->ip[SELRT_transpose_conv_f32_IP_pad_left];
  const float lo = n->fp[SELRT_transpose_conv_f32_FP_act_min], hi = n->fp[SELRT_transpose_conv_f32_FP_act_max];
  selrt_shared_gemm_f32_args g = {0}; /* every field defined, whatever the caller sets */
  g.simd = selrt_shared_simd_avx2(s);
  /* Bias everywhere: one k = 0 product over all output pixels. */
  g.a = x; g.lda = 0; g.ak = 1; g.b = w; g.ldb = SELRT_SHARED_GEMM_F32_NR;
  g.bps = (size_t)KH * KW * C * SELRT_SHARED_GEMM_F32_NR; g.packed = 1; g.c = y; g.ldc = (size_t)OC;
  g.bias = bt ? (const float *)bt->data : (const float *)0;
  g.m = N * OH * OW; g.n = OC; g.k = 0; g.accumulate = 0; g.lo = -FLT_MAX; g.hi = FLT_MAX;
  selrt_shared_gemm_f32(&g);
  g.lda = (size_t)C; g.ldc = (size_t)sw * OC; g.k = C; g.accumulate = 1;
  for (int32_t b = 0; b < N; b++) {
    for (int32_t iy = 0; iy < H; iy++) {
      const float *xrow = x + ((size_t)b * H + iy) * W * C;
      for (int32_t ky = 0; ky < KH; ky++) {
        const int64_t oy = (int64_t)iy * sh - pt + ky;
        if (oy < 0 || oy >= OH) continue;
        float *yrow = y + ((size_t)b * OH + (size_t)oy) * OW * OC;
        for (int32_t kx = 0; kx < KW; kx++) {
          int32_t l, h;
          const int64_t off = (int64_t)kx - pl;
          selrt_shared_gemm_f32_span(off, sw, OW, W, &l, &h);
          if (l >= h) continue;
          g.a = xrow + (size_t)l * C;
          g.b = w + ((size_t)ky * KW + kx) * C * SELRT_SHARED_GEMM_F32_NR;
          g.c = yrow + (size_t)((int64_t)l * sw + off) * OC;
          g.m = h - l;
          selrt_shared_gemm_f32(&g);
        }
      }
    }
  }
  for (size_t i = 0, e = selrt_numel(yt); i < e; i++) {
    const float v = y[i] < lo ? lo : y[i];
    y[i] = v > hi ? hi : v;
  }
  return SELRT_OK;
}

SELRT_KERNEL(transpose_conv_f32, "transpose_conv.f32");
