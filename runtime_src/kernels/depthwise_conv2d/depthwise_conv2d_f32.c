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

#if defined(__aarch64__) && defined(SELRT_PROFILE_SPEED)
#include <arm_neon.h>
#define SELRT_DW_NEON 1
/* One pixel's 3 taps of filter row KY from the input columns X0..X2 (8
 * channels: two q registers each) into the accumulators A0, A1. */
#define SELRT_DW_NEON_ROW(A0, A1, KY, X0, X1, X2)                           \
  do {                                                                      \
    A0 = vfmaq_f32(A0, X0##l, w0[3 * (KY)]);                                \
    A1 = vfmaq_f32(A1, X0##h, w1[3 * (KY)]);                                \
    A0 = vfmaq_f32(A0, X1##l, w0[3 * (KY) + 1]);                            \
    A1 = vfmaq_f32(A1, X1##h, w1[3 * (KY) + 1]);                            \
    A0 = vfmaq_f32(A0, X2##l, w0[3 * (KY) + 2]);                            \
    A1 = vfmaq_f32(A1, X2##h, w1[3 * (KY) + 2]);                            \
  } while (0)
#define SELRT_DW_NEON_LD(X, P) const float32x4_t X##l = vld1q_f32(P), X##h = vld1q_f32((P) + 4)

/* The pair loop in assembly for S = 1 and 2 (the compiled intrinsics spend
 * an add on every column address): weights of tap t in v(8+2t), v(9+2t),
 * the bias in v26-v27, accumulators v0-v3 (pixel i: v0-v1, i + 1: v2-v3),
 * input columns v4-v7; each filter row's columns come from two pointers
 * (pa, pb) that post-increment into the next pair's position. */
#define SELRT_DW_ASM_MAC(A0, A1, L0, L1, W0, W1) \
  "fmla v" #A0 ".4s, v" #L0 ".4s, v" #W0 ".4s\n\t" "fmla v" #A1 ".4s, v" #L1 ".4s, v" #W1 ".4s\n\t"
#define SELRT_DW_ASM_LD(L0, L1, P, INC) "ld1 {v" #L0 ".4s, v" #L1 ".4s}, [%[" #P "]], %[" #INC "]\n\t"
/* S = 1: columns 0-3; pixel i uses 0-2, pixel i + 1 uses 1-3. */
#define SELRT_DW_ASM_ROW1(PA, PB, WA0, WA1, WB0, WB1, WC0, WC1)                                \
  SELRT_DW_ASM_LD(4, 5, PA, x1) SELRT_DW_ASM_MAC(0, 1, 4, 5, WA0, WA1)                          \
  SELRT_DW_ASM_LD(6, 7, PA, x1) SELRT_DW_ASM_MAC(0, 1, 6, 7, WB0, WB1) SELRT_DW_ASM_MAC(2, 3, 6, 7, WA0, WA1) \
  SELRT_DW_ASM_LD(4, 5, PB, x1) SELRT_DW_ASM_MAC(0, 1, 4, 5, WC0, WC1) SELRT_DW_ASM_MAC(2, 3, 4, 5, WB0, WB1) \
  SELRT_DW_ASM_LD(6, 7, PB, x1) SELRT_DW_ASM_MAC(2, 3, 6, 7, WC0, WC1)
/* S = 2: columns 0-4; pixel i uses 0-2, pixel i + 1 uses 2-4. */
#define SELRT_DW_ASM_ROW2(PA, PB, WA0, WA1, WB0, WB1, WC0, WC1)                                \
  SELRT_DW_ASM_LD(4, 5, PA, x1) SELRT_DW_ASM_MAC(0, 1, 4, 5, WA0, WA1)                          \
  SELRT_DW_ASM_LD(6, 7, PA, x1) SELRT_DW_ASM_MAC(0, 1, 6, 7, WB0, WB1)                          \
  SELRT_DW_ASM_LD(4, 5, PA, x1) SELRT_DW_ASM_MAC(0, 1, 4, 5, WC0, WC1) SELRT_DW_ASM_MAC(2, 3, 4, 5, WA0, WA1) \
  SELRT_DW_ASM_LD(6, 7, PA, x1) SELRT_DW_ASM_MAC(2, 3, 6, 7, WB0, WB1)                          \
  SELRT_DW_ASM_LD(4, 5, PB, x4) SELRT_DW_ASM_MAC(2, 3, 4, 5, WC0, WC1)
/* The weights of filter rows 0-1 (W2) or 0-2 (W3) of a channel block, each
 * row's input columns (R2 / R3 uses of ROW). */
#define SELRT_DW_ASM_W2                                                                          \
  "ld1 {v8.4s, v9.4s}, [%[wp]], %[cb]\n\t" "ld1 {v10.4s, v11.4s}, [%[wp]], %[cb]\n\t"             \
  "ld1 {v12.4s, v13.4s}, [%[wp]], %[cb]\n\t" "ld1 {v14.4s, v15.4s}, [%[wp]], %[cb]\n\t"           \
  "ld1 {v16.4s, v17.4s}, [%[wp]], %[cb]\n\t" "ld1 {v18.4s, v19.4s}, [%[wp]], %[cb]\n\t"
#define SELRT_DW_ASM_W3                                                                          \
  SELRT_DW_ASM_W2 "ld1 {v20.4s, v21.4s}, [%[wp]], %[cb]\n\t" "ld1 {v22.4s, v23.4s}, [%[wp]], %[cb]\n\t" \
  "ld1 {v24.4s, v25.4s}, [%[wp]], %[cb]\n\t"
#define SELRT_DW_ASM_R2(ROW) ROW(p0a, p0b, 8, 9, 10, 11, 12, 13) ROW(p1a, p1b, 14, 15, 16, 17, 18, 19)
#define SELRT_DW_ASM_R3(ROW) SELRT_DW_ASM_R2(ROW) ROW(p2a, p2b, 20, 21, 22, 23, 24, 25)
#define SELRT_DW_ASM_PAIRS(WEIGHTS, ROWS, ROW)                                                   \
  __asm__ __volatile__(                                                                          \
      WEIGHTS "ld1 {v26.4s, v27.4s}, [%[bp]]\n\t"                                                 \
      "1:\n\t"                                                                                   \
      "mov v0.16b, v26.16b\n\t" "mov v1.16b, v27.16b\n\t" "mov v2.16b, v26.16b\n\t" "mov v3.16b, v27.16b\n\t" \
      ROWS(ROW)                                                                                  \
      "fmax v0.4s, v0.4s, %[lo].4s\n\t" "fmax v1.4s, v1.4s, %[lo].4s\n\t"                        \
      "fmax v2.4s, v2.4s, %[lo].4s\n\t" "fmax v3.4s, v3.4s, %[lo].4s\n\t"                        \
      "fmin v0.4s, v0.4s, %[hi].4s\n\t" "fmin v1.4s, v1.4s, %[hi].4s\n\t"                        \
      "fmin v2.4s, v2.4s, %[hi].4s\n\t" "fmin v3.4s, v3.4s, %[hi].4s\n\t"                        \
      "st1 {v0.4s, v1.4s}, [%[y]], %[cb]\n\t" "st1 {v2.4s, v3.4s}, [%[y]], %[cb]\n\t"            \
      "subs %w[n], %w[n], #1\n\t"                                                                \
      "b.ne 1b\n\t"                                                                              \
      : [p0a] "+r"(pa[0]), [p0b] "+r"(pb[0]), [p1a] "+r"(pa[1]), [p1b] "+r"(pb[1]), [p2a] "+r"(pa[2]), \
        [p2b] "+r"(pb[2]), [y] "+r"(yq), [n] "+r"(pairs), [wp] "+r"(wp)                            \
      : [bp] "r"(bp), [x1] "r"(x1), [x4] "r"(x4), [cb] "r"(cb), [lo] "w"(vlo), [hi] "w"(vhi)    \
      : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14", \
        "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "cc", "memory")

/* arm64 speed builds, 3x3 filter, M == 1, C % 8 == 0: npx output pixels of
 * one row whose windows are all in bounds (xr: the first one's top-left tap,
 * channel 0; pixels xpx floats apart; taps xky / xkx apart). 8 channels at a
 * time with the 9 weight vector pairs and the bias in registers, two pixels
 * per step, which share input columns when the pixel step is one tap (S = 1:
 * 4 column loads per filter row instead of 6) or two taps (S = 2: 5); S = 0
 * (other strides / dilations) and a last odd pixel take the intrinsics. */
SELRT_DEPTHWISE_CONV2D_F32_INLINE void selrt_depthwise_conv2d_f32_neon3x3(
    const int S, const int NKY, const float *xr, size_t xpx, size_t xky, size_t xkx, const float *w, const float *bias,
    float *yp, size_t C, int32_t npx, float lo, float hi) {
  const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
  const float zeros[8] = {0};
  for (size_t c0 = 0; c0 < C; c0 += 8) {
    const float *xp = xr + c0;
    float *yq = yp + c0;
    int32_t i = 0;
    if (S && npx >= 2) {
      int32_t pairs = npx / 2;
      const float *pa[3], *pb[3], *wp = w + c0, *bp = bias ? bias + c0 : zeros;
      const size_t x1 = xkx * sizeof(float), x4 = 4 * x1, cb = C * sizeof(float);
      for (int ky = 0; ky < 3; ky++) { /* with NKY = 2, row 2's pointers are set but not read */
        pa[ky] = xp + (size_t)(ky < NKY ? ky : 0) * xky;
        pb[ky] = pa[ky] + (S == 1 ? 2 : 4) * xkx;
      }
      if (S == 1 && NKY == 3)
        SELRT_DW_ASM_PAIRS(SELRT_DW_ASM_W3, SELRT_DW_ASM_R3, SELRT_DW_ASM_ROW1);
      else if (S == 1)
        SELRT_DW_ASM_PAIRS(SELRT_DW_ASM_W2, SELRT_DW_ASM_R2, SELRT_DW_ASM_ROW1);
      else if (NKY == 3)
        SELRT_DW_ASM_PAIRS(SELRT_DW_ASM_W3, SELRT_DW_ASM_R3, SELRT_DW_ASM_ROW2);
      else
        SELRT_DW_ASM_PAIRS(SELRT_DW_ASM_W2, SELRT_DW_ASM_R2, SELRT_DW_ASM_ROW2);
      i = 2 * (npx / 2);
      if (i == npx) continue;
      xp += (size_t)i * xpx;
    }
    float32x4_t w0[9], w1[9];
    for (int t = 0; t < 3 * NKY; t++) {
      w0[t] = vld1q_f32(w + (size_t)t * C + c0);
      w1[t] = vld1q_f32(w + (size_t)t * C + c0 + 4);
    }
    const float32x4_t b0 = bias ? vld1q_f32(bias + c0) : vdupq_n_f32(0.0f);
    const float32x4_t b1 = bias ? vld1q_f32(bias + c0 + 4) : vdupq_n_f32(0.0f);
    for (; i + 2 <= npx; i += 2, xp += 2 * xpx, yq += 2 * C) {
      float32x4_t p0 = b0, p1 = b1, q0 = b0, q1 = b1; /* pixel i: p, pixel i + 1: q */
      for (int ky = 0; ky < NKY; ky++) {
        const float *row = xp + (size_t)ky * xky;
        SELRT_DW_NEON_LD(c0_, row);
        SELRT_DW_NEON_LD(c1_, row + xkx);
        SELRT_DW_NEON_LD(c2_, row + 2 * xkx);
        SELRT_DW_NEON_LD(d0_, row + xpx);
        SELRT_DW_NEON_LD(d1_, row + xpx + xkx);
        SELRT_DW_NEON_LD(d2_, row + xpx + 2 * xkx);
        SELRT_DW_NEON_ROW(p0, p1, ky, c0_, c1_, c2_);
        SELRT_DW_NEON_ROW(q0, q1, ky, d0_, d1_, d2_);
      }
      vst1q_f32(yq, vminq_f32(vmaxq_f32(p0, vlo), vhi));
      vst1q_f32(yq + 4, vminq_f32(vmaxq_f32(p1, vlo), vhi));
      vst1q_f32(yq + C, vminq_f32(vmaxq_f32(q0, vlo), vhi));
      vst1q_f32(yq + C + 4, vminq_f32(vmaxq_f32(q1, vlo), vhi));
    }
    if (i < npx) {
      float32x4_t p0 = b0, p1 = b1;
      for (int ky = 0; ky < NKY; ky++) {
        const float *row = xp + (size_t)ky * xky;
        SELRT_DW_NEON_LD(c0_, row);
        SELRT_DW_NEON_LD(c1_, row + xkx);
        SELRT_DW_NEON_LD(c2_, row + 2 * xkx);
        SELRT_DW_NEON_ROW(p0, p1, ky, c0_, c1_, c2_);
      }
      vst1q_f32(yq, vminq_f32(vmaxq_f32(p0, vlo), vhi));
      vst1q_f32(yq + 4, vminq_f32(vmaxq_f32(p1, vlo), vhi));
    }
  }
}

/* The pixel-step variants for 3 or 2 filter rows in bounds (an always_inline
 * caller each keeps the loops fixed); w: the first of those filter rows. */
static void selrt_depthwise_conv2d_f32_neon3x3_any(int32_t nky, const float *xr, size_t xpx, size_t xky,
                                                   size_t xkx, const float *w, const float *bias, float *yp,
                                                   size_t C, int32_t npx, float lo, float hi) {
  const int s = xpx == xkx ? 1 : xpx == 2 * xkx ? 2 : 0;
  if (nky == 3) {
    if (s == 1)
      selrt_depthwise_conv2d_f32_neon3x3(1, 3, xr, xpx, xky, xkx, w, bias, yp, C, npx, lo, hi);
    else if (s == 2)
      selrt_depthwise_conv2d_f32_neon3x3(2, 3, xr, xpx, xky, xkx, w, bias, yp, C, npx, lo, hi);
    else
      selrt_depthwise_conv2d_f32_neon3x3(0, 3, xr, xpx, xky, xkx, w, bias, yp, C, npx, lo, hi);
  } else if (s == 1) {
    selrt_depthwise_conv2d_f32_neon3x3(1, 2, xr, xpx, xky, xkx, w, bias, yp, C, npx, lo, hi);
  } else if (s == 2) {
    selrt_depthwise_conv2d_f32_neon3x3(2, 2, xr, xpx, xky, xkx, w, bias, yp, C, npx, lo, hi);
  } else {
    selrt_depthwise_conv2d_f32_neon3x3(0, 2, xr, xpx, xky, xkx, w, bias, yp, C, npx, lo, hi);
  }
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

/* Output rows [r0, r1) of the (batch, row) pairs, flattened: a task's share
 * in threaded builds (SELRT_THREADS); every row otherwise. */
SELRT_DEPTHWISE_CONV2D_F32_INLINE void selrt_depthwise_conv2d_f32_loops(selrt_session *s, const selrt_node *n,
                                                                        int32_t r0, int32_t r1) {
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

  (void)r0, (void)r1;
  for (int32_t b = 0; b < N; b++) {
    for (int32_t oy = 0; oy < OH; oy++) {
#ifdef SELRT_THREADS
      if (b * OH + oy < r0 || b * OH + oy >= r1) continue;
#endif
      const int64_t iy0 = (int64_t)oy * sh - pt;
      int32_t ky0, ky1;
      selrt_depthwise_conv2d_f32_span(iy0, dh, H, KH, &ky0, &ky1);
#ifdef SELRT_DW_NEON
      /* The row's pixels whose windows are whole along x: [a0, a1) (2 or 3 filter rows in bounds). */
      int32_t a0 = OW, a1 = OW;
      if (M == 1 && KH == 3 && KW == 3 && C % 8 == 0 && ky1 - ky0 >= 2) {
        int32_t t;
        selrt_depthwise_conv2d_f32_span(-(int64_t)pl, sw, W, OW, &a0, &t);
        selrt_depthwise_conv2d_f32_span(2 * (int64_t)dw - pl, sw, W, OW, &t, &a1);
        if (a0 >= a1) a0 = a1 = OW;
      }
#endif
      for (int32_t ox = 0; ox < OW; ox++) {
        const int64_t ix0 = (int64_t)ox * sw - pl;
#ifdef SELRT_DW_NEON
        if (ox == a0) {
          selrt_depthwise_conv2d_f32_neon3x3_any(
              ky1 - ky0, x + (size_t)b * H * W * C + ((size_t)(iy0 + (int64_t)ky0 * dh) * W + (size_t)ix0) * C,
              (size_t)sw * C, (size_t)dh * W * C, (size_t)dw * C, w + (size_t)ky0 * 3 * OC, bias,
              y + (((size_t)b * OH + oy) * OW + ox) * OC, (size_t)C, a1 - a0, lo, hi);
          ox = a1 - 1; /* and the loop's ++ */
          continue;
        }
#endif
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
SELRT_SHARED_SIMD_TARGET_AVX2 static void selrt_depthwise_conv2d_f32_avx2(selrt_session *s, const selrt_node *n,
                                                                         int32_t r0, int32_t r1) {
  selrt_depthwise_conv2d_f32_loops(s, n, r0, r1);
}
#endif

#ifdef SELRT_THREADS
static void selrt_depthwise_conv2d_f32_task(void *ctx, int32_t r0, int32_t r1) {
  const selrt_node_job *j = (const selrt_node_job *)ctx;
#ifdef SELRT_SHARED_SIMD_AVX2
  if (selrt_shared_simd_avx2(j->s)) {
    selrt_depthwise_conv2d_f32_avx2(j->s, j->n, r0, r1);
    return;
  }
#endif
  selrt_depthwise_conv2d_f32_loops(j->s, j->n, r0, r1);
}
#endif

selrt_status selrt_depthwise_conv2d_f32_run(selrt_session *s, const selrt_node *n) {
#ifdef SELRT_THREADS
  const selrt_tensor *yt = selrt_out(s, n, 0);
  selrt_node_job j = {s, n};
  (void)selrt_shared_simd_avx2(s); /* detected before the tasks start: they only read it */
  selrt_parallel_rows(s, selrt_depthwise_conv2d_f32_task, &j, yt->dims[0] * yt->dims[1], 1);
  return SELRT_OK;
#else
#ifdef SELRT_SHARED_SIMD_AVX2
  if (selrt_shared_simd_avx2(s)) {
    selrt_depthwise_conv2d_f32_avx2(s, n, 0, 0);
    return SELRT_OK;
  }
#endif
  selrt_depthwise_conv2d_f32_loops(s, n, 0, 0);
  return SELRT_OK;
#endif
}

SELRT_KERNEL(depthwise_conv2d_f32, "depthwise_conv2d.f32");
