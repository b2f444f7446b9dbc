/* depthwise_conv2d.f32: NHWC input [N,H,W,C], filter [1,KH,KW,C*M] (TFLite
 * layout: output channel o = c*M + m reads input channel c), optional bias,
 * fused activation as a clamp.
 *
 * Per output pixel the valid tap window is computed once (no per-element
 * bounds tests); with M == 1 channels are processed in blocks of 16 and 8 whose
 * accumulators stay in registers across all taps, so each multiply-add costs
 * two contiguous loads. M > 1 takes a simpler loop over the output row.
 * x86-64 speed builds add an AVX2+FMA copy of the loops (shared/simd.h). */
#include <float.h>

#include <string.h>

#include "selrt_kernel.h"
#include "../shared/window.h"
#include "../shared/simd.h"

/* Speed builds force inlining so that each call of the block below becomes a
 * fixed-width register block, also inside the AVX2+FMA copy of the loops. */
#if defined(SELRT_PROFILE_SPEED) && (defined(__clang__) || defined(__GNUC__))
#define SELRT_DEPTHWISE_CONV2D_F32_INLINE static inline __attribute__((always_inline))
#else
#define SELRT_DEPTHWISE_CONV2D_F32_INLINE static inline
#endif


/* [*lo, *hi): the taps t in [0, T) whose input index t*d + off is in [0, I). */
static void selrt_depthwise_conv2d_f32_span(int64_t off, int64_t d, int64_t I, int64_t T,
                                            int32_t *lo, int32_t *hi) {
  int64_t l = off >= 0 ? 0 : (d - 1 - off) / d;
  int64_t h = I - 1 - off < 0 ? 0 : (I - 1 - off) / d + 1;
  if (h > T) h = T;
  if (l > h) l = h;
  *lo = (int32_t)l;
  *hi = (int32_t)h;
}

/* Channel blocks in GNU C vector types (clang, gcc): vectorized at every
 * optimization level, -Oz included. Loads/stores through memcpy (unaligned,
 * no aliasing assumptions); vectors never cross a function boundary. */
typedef float selrt_depthwise_conv2d_f32_v8 __attribute__((vector_size(32)));
typedef int32_t selrt_depthwise_conv2d_f32_m8 __attribute__((vector_size(32)));
#define SELRT_DW_V8 selrt_depthwise_conv2d_f32_v8
#define SELRT_DW_M8 selrt_depthwise_conv2d_f32_m8
#define SELRT_DW_LOAD(v, p) memcpy(&(v), (p), sizeof(SELRT_DW_V8))
#define SELRT_DW_STORE(v, p)                                                    \
  do {                                                                          \
    SELRT_DW_V8 st_ = (v);                                                      \
    SELRT_DW_M8 m_ = st_ < vlo;                                                 \
    st_ = (SELRT_DW_V8)((m_ & (SELRT_DW_M8)vlo) | (~m_ & (SELRT_DW_M8)st_));    \
    m_ = st_ > vhi;                                                             \
    st_ = (SELRT_DW_V8)((m_ & (SELRT_DW_M8)vhi) | (~m_ & (SELRT_DW_M8)st_));    \
    memcpy((p), &st_, sizeof st_);                                              \
  } while (0)

/* One output pixel, 8 or 16 channels (two = 1) of the pointers (M == 1): the
 * accumulators live in registers across the whole window. */
SELRT_DEPTHWISE_CONV2D_F32_INLINE void selrt_depthwise_conv2d_f32_block(const int two, const float *xr, const float *wr,
                                                    int32_t nky, int32_t nkx, size_t xky, size_t xkx,
                                                    size_t wky, size_t wkx, const float *bias,
                                                    float *restrict yp, float lo, float hi) {
  SELRT_DW_V8 a0 = {0}, a1 = {0}, x, w;
  if (bias) {
    SELRT_DW_LOAD(a0, bias);
    if (two) SELRT_DW_LOAD(a1, bias + 8);
  }
  for (int32_t ky = 0; ky < nky; ky++, xr += xky, wr += wky) {
    const float *xv = xr, *wv = wr;
    for (int32_t kx = 0; kx < nkx; kx++, xv += xkx, wv += wkx) {
      SELRT_DW_LOAD(x, xv);
      SELRT_DW_LOAD(w, wv);
      a0 += x * w;
      if (two) {
        SELRT_DW_LOAD(x, xv + 8);
        SELRT_DW_LOAD(w, wv + 8);
        a1 += x * w;
      }
    }
  }
  const SELRT_DW_V8 vlo = (SELRT_DW_V8){0} + lo, vhi = (SELRT_DW_V8){0} + hi;
  SELRT_DW_STORE(a0, yp);
  if (two) SELRT_DW_STORE(a1, yp + 8);
}

#ifdef SELRT_PROFILE_SPEED
/* Four output pixels (xpx floats apart in x, ypx in y) x 8 channels whose
 * windows are all in bounds (M == 1): each weight vector is loaded once for
 * the four pixels, so a multiply-add costs one load instead of two. Speed
 * builds only (size builds keep the one-pixel blocks). */
SELRT_DEPTHWISE_CONV2D_F32_INLINE void selrt_depthwise_conv2d_f32_block4(
    const float *xr, size_t xpx, const float *wr, int32_t nky, int32_t nkx, size_t xky, size_t xkx, size_t wky,
    size_t wkx, const float *bias, float *restrict yp, size_t ypx, float lo, float hi) {
  SELRT_DW_V8 a0 = {0}, a1, a2, a3, x, w;
  if (bias) SELRT_DW_LOAD(a0, bias);
  a1 = a0;
  a2 = a0;
  a3 = a0;
  for (int32_t ky = 0; ky < nky; ky++, xr += xky, wr += wky) {
    const float *xv = xr, *wv = wr;
    for (int32_t kx = 0; kx < nkx; kx++, xv += xkx, wv += wkx) {
      SELRT_DW_LOAD(w, wv);
      SELRT_DW_LOAD(x, xv);
      a0 += x * w;
      SELRT_DW_LOAD(x, xv + xpx);
      a1 += x * w;
      SELRT_DW_LOAD(x, xv + 2 * xpx);
      a2 += x * w;
      SELRT_DW_LOAD(x, xv + 3 * xpx);
      a3 += x * w;
    }
  }
  const SELRT_DW_V8 vlo = (SELRT_DW_V8){0} + lo, vhi = (SELRT_DW_V8){0} + hi;
  SELRT_DW_STORE(a0, yp);
  SELRT_DW_STORE(a1, yp + ypx);
  SELRT_DW_STORE(a2, yp + 2 * ypx);
  SELRT_DW_STORE(a3, yp + 3 * ypx);
}
#endif

selrt_status selrt_depthwise_conv2d_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *b = selrt_pin(p, n, 2);
  const selrt_tensor *y = selrt_pout(p, n, 0);
  const int32_t m = n->ip[SELRT_depthwise_conv2d_f32_IP_depth_multiplier];
  if (x->dtype != SELRT_F32 || w->dtype != SELRT_F32 || y->dtype != SELRT_F32 ||
      x->rank != 4 || w->rank != 4 || y->rank != 4 || x->dims[0] != y->dims[0] ||
      w->dims[0] != 1 || w->dims[3] != y->dims[3] || m < 1 ||
      (int64_t)x->dims[3] * m != y->dims[3])
    return SELRT_ERR_UNSUPPORTED;
  if (b && (b->dtype != SELRT_F32 || selrt_numel(b) != (size_t)y->dims[3]))
    return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_window2d_check(p, x, y, w->dims + 1, n->ip + SELRT_depthwise_conv2d_f32_IP_stride_h,
                                     n->ip + SELRT_depthwise_conv2d_f32_IP_dilation_h,
                                     n->ip + SELRT_depthwise_conv2d_f32_IP_pad_top);
}

SELRT_DEPTHWISE_CONV2D_F32_INLINE void selrt_depthwise_conv2d_f32_loops(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *bt = selrt_in(s, n, 2);
  const selrt_tensor *yt = selrt_out(s, n, 0);
  const float *x = (const float *)xt->data, *w = (const float *)wt->data;
  const float *bias = bt ? (const float *)bt->data : (const float *)0;
  float *y = (float *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t KH = wt->dims[1], KW = wt->dims[2];
  const int32_t OH = yt->dims[1], OW = yt->dims[2], OC = yt->dims[3];
  const int32_t *ip = n->ip;
  const int32_t sh = ip[SELRT_depthwise_conv2d_f32_IP_stride_h], sw = ip[SELRT_depthwise_conv2d_f32_IP_stride_w];
  const int32_t dh = ip[SELRT_depthwise_conv2d_f32_IP_dilation_h], dw = ip[SELRT_depthwise_conv2d_f32_IP_dilation_w];
  const int32_t pt = ip[SELRT_depthwise_conv2d_f32_IP_pad_top], pl = ip[SELRT_depthwise_conv2d_f32_IP_pad_left];
  const int32_t M = ip[SELRT_depthwise_conv2d_f32_IP_depth_multiplier];
  const float lo = n->fp[SELRT_depthwise_conv2d_f32_FP_act_min], hi = n->fp[SELRT_depthwise_conv2d_f32_FP_act_max];

  for (int32_t b = 0; b < N; b++) {
    for (int32_t oy = 0; oy < OH; oy++) {
      const int64_t iy0 = (int64_t)oy * sh - pt;
      int32_t ky0, ky1;
      selrt_depthwise_conv2d_f32_span(iy0, dh, H, KH, &ky0, &ky1);
      for (int32_t ox = 0; ox < OW; ox++) {
        const int64_t ix0 = (int64_t)ox * sw - pl;
        int32_t kx0, kx1;
        selrt_depthwise_conv2d_f32_span(ix0, dw, W, KW, &kx0, &kx1);
#ifdef SELRT_PROFILE_SPEED
        /* Four pixels at once when all four windows are whole along x (the
         * windows are monotonic in ox: the first and the last decide). */
        if (M == 1 && C % 8 == 0 && ky0 < ky1 && ox + 4 <= OW && kx0 == 0 && kx1 == KW) {
          int32_t l3, h3;
          selrt_depthwise_conv2d_f32_span(ix0 + 3 * (int64_t)sw, dw, W, KW, &l3, &h3);
          if (l3 == 0 && h3 == KW) {
            const float *xr = x + (size_t)b * H * W * C + ((size_t)(iy0 + (int64_t)ky0 * dh) * W + (size_t)ix0) * C;
            const float *wr = w + (size_t)ky0 * KW * OC;
            float *yq = y + (((size_t)b * OH + oy) * OW + ox) * OC;
            for (int32_t c0 = 0; c0 < C; c0 += 8)
              selrt_depthwise_conv2d_f32_block4(xr + c0, (size_t)sw * C, wr + c0, ky1 - ky0, KW, (size_t)dh * W * C,
                                                (size_t)dw * C, (size_t)KW * OC, (size_t)OC, bias ? bias + c0 : bias,
                                                yq + c0, (size_t)OC, lo, hi);
            ox += 3; /* and the loop's ++ */
            continue;
          }
        }
#endif
        const float *xp = x + (size_t)b * H * W * C;
        float *restrict yp = y + (((size_t)b * OH + oy) * OW + ox) * OC;
        int32_t c0 = 0;
        /* M == 1: blocks of 16 then 8 channels, accumulators in registers. */
        if (M == 1 && ky0 < ky1 && kx0 < kx1) {
          const float *xr = xp + ((size_t)(iy0 + (int64_t)ky0 * dh) * W + (size_t)(ix0 + (int64_t)kx0 * dw)) * C;
          const float *wr = w + ((size_t)ky0 * KW + kx0) * OC;
          const size_t xky = (size_t)dh * W * C, xkx = (size_t)dw * C, wky = (size_t)KW * OC;
          for (; c0 + 16 <= C; c0 += 16)
            selrt_depthwise_conv2d_f32_block(1, xr + c0, wr + c0, ky1 - ky0, kx1 - kx0, xky, xkx, wky,
                                             (size_t)OC, bias ? bias + c0 : bias, yp + c0, lo, hi);
          for (; c0 + 8 <= C; c0 += 8)
            selrt_depthwise_conv2d_f32_block(0, xr + c0, wr + c0, ky1 - ky0, kx1 - kx0, xky, xkx, wky,
                                             (size_t)OC, bias ? bias + c0 : bias, yp + c0, lo, hi);
        }
        /* Remaining output channels (all of them when M > 1), on the output row. */
        if (c0 < OC) {
          const int32_t o0 = c0;
          for (int32_t o = o0; o < OC; o++) yp[o] = bias ? bias[o] : 0.0f;
          for (int32_t ky = ky0; ky < ky1; ky++) {
            for (int32_t kx = kx0; kx < kx1; kx++) {
              const float *restrict xv = xp + ((size_t)(iy0 + (int64_t)ky * dh) * W +
                                               (size_t)(ix0 + (int64_t)kx * dw)) * C;
              const float *restrict wv = w + ((size_t)ky * KW + kx) * OC;
              for (int32_t c = o0 / M; c < C; c++) {
                const float v = xv[c];
                for (int32_t m = 0; m < M; m++) yp[c * M + m] += v * wv[c * M + m];
              }
            }
          }
          for (int32_t o = o0; o < OC; o++) {
            const float v = yp[o] < lo ? lo : yp[o];
            yp[o] = v > hi ? hi : v;
          }
        }
      }
    }
  }
}

#ifdef SELRT_SHARED_SIMD_AVX2
/* The same loops compiled for AVX2+FMA: 8-wide vectors, fused multiply-add. */
SELRT_SHARED_SIMD_TARGET_AVX2 static void selrt_depthwise_conv2d_f32_avx2(selrt_session *s, const selrt_node *n) {
  selrt_depthwise_conv2d_f32_loops(s, n);
}
#endif

selrt_status selrt_depthwise_conv2d_f32_run(selrt_session *s, const selrt_node *n) {
#ifdef SELRT_SHARED_SIMD_AVX2
  if (selrt_shared_simd_avx2(s)) {
    selrt_depthwise_conv2d_f32_avx2(s, n);
    return SELRT_OK;
  }
#endif
  selrt_depthwise_conv2d_f32_loops(s, n);
  return SELRT_OK;
}

SELRT_KERNEL(depthwise_conv2d_f32, "depthwise_conv2d.f32");
