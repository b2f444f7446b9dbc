/* conv2d.f32: NHWC input, filter re-laid by the converter into GEMM panels
 * [ceil(Cout/8)][KH][KW][Cin][8] (8 output channels contiguous: the GEMM's
 * vector direction; the last panel zero-padded), optional bias [Cout], fused
 * activation as a clamp.
 *
 * Every (output row, filter row) pair is a GEMM over the output pixels whose
 * input taps are in bounds: with dilation_w == 1 the KW taps of a pixel are
 * one contiguous run of KW*Cin inputs, so interior pixels take a single GEMM
 * with k = KW*Cin; border pixels add their valid taps one at a time. A 1x1,
 * stride-1, unpadded conv is one GEMM over the whole image. No im2col buffer,
 * no allocation. */
#include <float.h>

#include "selrt_kernel.h"
#include "../shared/window.h"
#include "../shared/gemm_f32.h"

/* arm64 speed builds: the largest patch (KH*KW*C floats) gathered for one GEMM, and pixels per block. */
#define SELRT_CONV2D_F32_PATCH_K 64
#define SELRT_CONV2D_F32_PATCH_PX 32

#if defined(__aarch64__) && defined(SELRT_PROFILE_SPEED)
#include <arm_neon.h>
/* n floats from s to d, 4 at a time; n zeros to d. The empty asm keeps the
 * compiler from turning these short runs (KW*C or C floats) into memcpy /
 * memset calls, which cost more than the copy. */
static inline void selrt_conv2d_f32_copy(float *d, const float *s, int32_t n) {
  for (; n >= 4; n -= 4, d += 4, s += 4) {
    __asm__("" : "+r"(d));
    vst1q_f32(d, vld1q_f32(s));
  }
  for (; n > 0; n--) {
    __asm__("" : "+r"(d));
    *d++ = *s++;
  }
}
static inline void selrt_conv2d_f32_zero(float *d, int32_t n) {
  for (; n >= 4; n -= 4, d += 4) {
    __asm__("" : "+r"(d));
    vst1q_f32(d, vdupq_n_f32(0.0f));
  }
  for (; n > 0; n--) {
    __asm__("" : "+r"(d));
    *d++ = 0.0f;
  }
}
#endif

selrt_status selrt_conv2d_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *y = selrt_pout(p, n, 0);
  selrt_status st = selrt_shared_gemm_f32_conv_check(x, w, selrt_pin(p, n, 2), y);
  if (st != SELRT_OK) return st;
  /* w: panels [ceil(Cout/8), KH, KW, Cin, 8] */
  return selrt_shared_window2d_check(p, x, y, w->dims + 1, n->ip + SELRT_conv2d_f32_IP_stride_h,
                                     n->ip + SELRT_conv2d_f32_IP_dilation_h, n->ip + SELRT_conv2d_f32_IP_pad_top);
}

/* Output rows [r0, r1) of the (batch, row) pairs, flattened (every row
 * without threads; a task's share with SELRT_THREADS). Pointwise convs are
 * one GEMM: 1 when the caller has run it (pointwise == 0 otherwise). */
static void selrt_conv2d_f32_rows(selrt_session *s, const selrt_node *n, int32_t r0, int32_t r1,
                                  int32_t *pointwise) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *bt = selrt_in(s, n, 2);
  const selrt_tensor *yt = selrt_out(s, n, 0);
  const float *x = (const float *)xt->data, *w = (const float *)wt->data;
  float *y = (float *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t KH = wt->dims[1], KW = wt->dims[2];
  const int32_t OH = yt->dims[1], OW = yt->dims[2], OC = yt->dims[3];
  const int32_t sh = n->ip[SELRT_conv2d_f32_IP_stride_h], sw = n->ip[SELRT_conv2d_f32_IP_stride_w];
  const int32_t dh = n->ip[SELRT_conv2d_f32_IP_dilation_h], dw = n->ip[SELRT_conv2d_f32_IP_dilation_w];
  const int32_t pt = n->ip[SELRT_conv2d_f32_IP_pad_top], pl = n->ip[SELRT_conv2d_f32_IP_pad_left];
  const float lo = n->fp[SELRT_conv2d_f32_FP_act_min], hi = n->fp[SELRT_conv2d_f32_FP_act_max];
  const size_t rowc = (size_t)W * C, tapc = (size_t)C * SELRT_SHARED_GEMM_F32_NR;
  selrt_shared_gemm_f32_args g = {0}; /* every field defined, whatever the caller sets */
  g.simd = selrt_shared_simd_avx2(s);
  g.ak = 1;
  g.ldb = SELRT_SHARED_GEMM_F32_NR;
  g.bps = (size_t)KH * KW * tapc;
  g.packed = 1;
  g.ldc = (size_t)OC;
  g.n = OC;
  g.bias = bt ? (const float *)bt->data : (const float *)0;

  if (pointwise && KH == 1 && KW == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && OH == H && OW == W) {
    /* Pointwise: the image is a [N*H*W, C] x [C, OC] matrix product. */
    g.a = x; g.lda = (size_t)C; g.b = w; g.c = y;
    g.m = N * H * W; g.k = C; g.accumulate = 0; g.lo = lo; g.hi = hi;
    selrt_shared_gemm_f32_par(s, &g);
    *pointwise = 1;
    return;
  }
  (void)r0, (void)r1;
#if defined(__aarch64__) && defined(SELRT_PROFILE_SPEED)
  /* arm64 speed builds, small patches (KH*KW*C <= 64: a network's first
   * layers): gather the patches of up to 32 output pixels of a row into a
   * stack block (8 KB) (zeros
   * for taps outside the image, as im2col does) and run one GEMM over it with
   * k = KH*KW*C, bias and clamp fused; the row-by-row tap passes below would
   * spend most of their time on calls with k = KW*C and on re-reading C. */
  if ((int64_t)KH * KW * C <= SELRT_CONV2D_F32_PATCH_K) {
    float patch[SELRT_CONV2D_F32_PATCH_PX * SELRT_CONV2D_F32_PATCH_K];
    const int32_t KC = KH * KW * C;
    g.a = patch; g.lda = (size_t)KC; g.b = w; g.k = KC; g.accumulate = 0; g.lo = lo; g.hi = hi;
    for (int32_t b = 0; b < N; b++) {
      const float *xb = x + (size_t)b * H * rowc;
      for (int32_t oy = 0; oy < OH; oy++) {
#ifdef SELRT_THREADS
        if (b * OH + oy < r0 || b * OH + oy >= r1) continue;
#endif
        for (int32_t ox0 = 0; ox0 < OW; ox0 += SELRT_CONV2D_F32_PATCH_PX) {
          const int32_t np = OW - ox0 < SELRT_CONV2D_F32_PATCH_PX ? OW - ox0 : SELRT_CONV2D_F32_PATCH_PX;
          float *pr = patch;
          for (int32_t i = 0; i < np; i++) {
            const int64_t ix0 = (int64_t)(ox0 + i) * sw - pl;
            /* Whole filter row in bounds along x, taps adjacent: one run of KW*C floats. */
            const int run = dw == 1 && ix0 >= 0 && ix0 + KW <= W;
            for (int32_t ky = 0; ky < KH; ky++) {
              const int64_t iy = (int64_t)oy * sh - pt + (int64_t)ky * dh;
              if (iy < 0 || iy >= H) {
                selrt_conv2d_f32_zero(pr, KW * C);
                pr += (size_t)KW * C;
                continue;
              }
              const float *xrow = xb + (size_t)iy * rowc;
              if (run) {
                selrt_conv2d_f32_copy(pr, xrow + (size_t)ix0 * C, KW * C);
                pr += (size_t)KW * C;
                continue;
              }
              for (int32_t kx = 0; kx < KW; kx++, pr += C) {
                const int64_t ix = ix0 + (int64_t)kx * dw;
                if (ix < 0 || ix >= W)
                  selrt_conv2d_f32_zero(pr, C);
                else
                  selrt_conv2d_f32_copy(pr, xrow + (size_t)ix * C, C);
              }
            }
          }
          g.c = y + (((size_t)b * OH + oy) * OW + ox0) * OC;
          g.m = np;
          selrt_shared_gemm_f32(&g);
        }
      }
    }
    return;
  }
#endif
  g.lda = (size_t)sw * C;
  for (int32_t b = 0; b < N; b++) {
    for (int32_t oy = 0; oy < OH; oy++) {
#ifdef SELRT_THREADS
      if (b * OH + oy < r0 || b * OH + oy >= r1) continue;
#endif
      float *yrow = y + ((size_t)b * OH + oy) * OW * OC;
      const float *xb = x + (size_t)b * H * rowc;
      /* Bias first (k = 0), then accumulate every valid tap unclamped. */
      g.a = xb; g.b = w; g.c = yrow; g.m = OW; g.k = 0; g.accumulate = 0;
      g.lo = -FLT_MAX; g.hi = FLT_MAX;
      selrt_shared_gemm_f32(&g);
      g.accumulate = 1;
      int32_t ky0, ky1;
      selrt_shared_gemm_f32_span((int64_t)oy * sh - pt, dh, H, KH, &ky0, &ky1);
      for (int32_t ky = ky0; ky < ky1; ky++) {
        const float *xrow = xb + (size_t)((int64_t)oy * sh - pt + (int64_t)ky * dh) * rowc;
        const float *wky = w + (size_t)ky * KW * tapc;
        /* Pixels whose KW taps are all in bounds: [a0, a1). */
        int32_t a0 = OW, a1 = OW, t;
        if (dw == 1 && KW > 1) {
          selrt_shared_gemm_f32_span(-(int64_t)pl, sw, W, OW, &a0, &t);
          selrt_shared_gemm_f32_span((int64_t)KW - 1 - pl, sw, W, OW, &t, &a1);
          if (a0 < a1) {
            g.a = xrow + (size_t)((int64_t)a0 * sw - pl) * C;
            g.b = wky; g.c = yrow + (size_t)a0 * OC; g.m = a1 - a0; g.k = KW * C;
            selrt_shared_gemm_f32(&g);
          } else {
            a0 = a1 = OW;
          }
        }
        g.k = C;
        for (int32_t kx = 0; kx < KW; kx++) {
          int32_t l, h;
          const int64_t off = (int64_t)kx * dw - pl;
          selrt_shared_gemm_f32_span(off, sw, W, OW, &l, &h);
          /* Two pieces: left of the interior run and right of it. */
          const int32_t e[4] = {l, h < a0 ? h : a0, l > a1 ? l : a1, h};
          for (int i = 0; i < 4; i += 2) {
            if (e[i] >= e[i + 1]) continue;
            g.a = xrow + (size_t)((int64_t)e[i] * sw + off) * C;
            g.b = wky + (size_t)kx * tapc;
            g.c = yrow + (size_t)e[i] * OC;
            g.m = e[i + 1] - e[i];
            selrt_shared_gemm_f32(&g);
          }
        }
      }
      for (size_t i = 0, e = (size_t)OW * OC; i < e; i++) {
        float v = yrow[i];
        v = v < lo ? lo : v;
        yrow[i] = v > hi ? hi : v;
      }
    }
  }
}

#ifdef SELRT_THREADS
static void selrt_conv2d_f32_task(void *ctx, int32_t r0, int32_t r1) {
  const selrt_node_job *j = (const selrt_node_job *)ctx;
  selrt_conv2d_f32_rows(j->s, j->n, r0, r1, (int32_t *)0);
}
#endif

selrt_status selrt_conv2d_f32_run(selrt_session *s, const selrt_node *n) {
  int32_t pointwise = 0;
#ifdef SELRT_THREADS
  /* Pointwise: one GEMM split by rows; else whole output rows per task. */
  selrt_conv2d_f32_rows(s, n, 0, 0, &pointwise);
  if (!pointwise) {
    selrt_node_job j = {s, n};
    const selrt_tensor *yt = selrt_out(s, n, 0);
    selrt_parallel_rows(s, selrt_conv2d_f32_task, &j, yt->dims[0] * yt->dims[1], 1);
  }
#else
  selrt_conv2d_f32_rows(s, n, 0, 0, &pointwise);
#endif
  return SELRT_OK;
}

SELRT_KERNEL(conv2d_f32, "conv2d.f32");
