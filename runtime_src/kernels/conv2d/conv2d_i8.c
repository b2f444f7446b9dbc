/* conv2d.i8: TFLite full-integer convolution. NHWC int8 input (asymmetric,
 * zero point input_zp), int8 filter (symmetric, per output channel) re-laid
 * by the converter from OHWI to HWIO ([KH][KW][Cin][Cout]: output channels
 * innermost), int32 bias with the zero-point term folded in:
 *   bias'[o] = bias[o] - input_zp * sum(filter[o])
 * so the accumulation is a plain int8 multiply-add. A tap in the padding
 * stands for a real zero, the value input_zp, and is accumulated as such.
 * A filter with a zero point (legacy uint8 models, shifted to int8 by the
 * converter: filter_zp != 0) also needs - filter_zp * sum(x - input_zp)
 * over the in-bounds taps of each output pixel (padded taps are real zeros
 * and add nothing, as in LiteRT), summed with the taps, only then.
 * Then the per-channel fixed-point requantize (requant[2][Cout]: multipliers,
 * shifts), + output_zp, clamp to act_min..act_max.
 *
 * Loop order: blocks of 4 output pixels of one row x 16 output channels,
 * small enough to live in vector registers across all taps and input
 * channels (the converter pads Cout to a multiple of 16 with zero filters);
 * each step multiplies one contiguous row of 16 filter values by the 4
 * pixels' inputs: no horizontal sums, each filter load serves 4 pixels, no
 * accumulator traffic through memory. No allocation.
 * x86-64 speed builds add an AVX2 version (shared/simd.h) that multiplies
 * input-channel pairs with vpmaddwd. */
#include "selrt_kernel.h"
#include "../shared/window.h"
#include "../shared/qi8.h"
#include "../shared/simd.h"

#define SELRT_CONV2D_I8_PB 4  /* output pixels per block */
#define SELRT_CONV2D_I8_NB 16 /* output channels per block (filter padded to a multiple) */

selrt_status selrt_conv2d_i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *b = selrt_pin(p, n, 2);
  const selrt_tensor *q = selrt_pin(p, n, 3), *y = selrt_pout(p, n, 0);
  const int32_t wz = n->ip[SELRT_conv2d_i8_IP_filter_zp];
  if (wz < -255 || wz > 255) return SELRT_REJECT(p, "filter zero point % is outside -255..255", wz, 0);
  if (x->dtype != SELRT_I8 || w->dtype != SELRT_I8 || y->dtype != SELRT_I8 || b->dtype != SELRT_I32 ||
      x->rank != 4 || w->rank != 4 || y->rank != 4 || x->dims[0] != y->dims[0] ||
      w->dims[2] != x->dims[3] || selrt_numel(b) != (size_t)y->dims[3] ||
      (int64_t)w->dims[3] != ((int64_t)y->dims[3] + SELRT_CONV2D_I8_NB - 1) / SELRT_CONV2D_I8_NB * SELRT_CONV2D_I8_NB)
    return SELRT_ERR_UNSUPPORTED;
  if (!q->data || selrt_shared_qi8_requant_check(q, y->dims[3]) != SELRT_OK ||
      selrt_shared_qi8_acc_check(w, b, y->dims[3], 128, wz, 255) != SELRT_OK)
    return SELRT_ERR_UNSUPPORTED;
  if (selrt_numel(x) > INT32_MAX || selrt_numel(y) > INT32_MAX || selrt_numel(w) > INT32_MAX)
    return SELRT_ERR_UNSUPPORTED;
  if (selrt_shared_window2d_check(p, x, y, w->dims + 0,
                                  n->ip + SELRT_conv2d_i8_IP_stride_h, n->ip + SELRT_conv2d_i8_IP_dilation_h,
                                  n->ip + SELRT_conv2d_i8_IP_pad_top) != SELRT_OK)
    return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_qi8_range_check(n->ip[SELRT_conv2d_i8_IP_input_zp], n->ip[SELRT_conv2d_i8_IP_output_zp],
                                      n->ip[SELRT_conv2d_i8_IP_act_min], n->ip[SELRT_conv2d_i8_IP_act_max]);
}

/* wz: the node's filter_zp; speed builds inline these loops once with wz = 0
 * (exactly the loops without a zero point) and once general. */
static inline __attribute__((always_inline)) void selrt_conv2d_i8_loops(selrt_session *s, const selrt_node *n,
                                                                       const int32_t wz) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *yt = selrt_out(s, n, 0);
  const int8_t *x = (const int8_t *)xt->data, *w = (const int8_t *)wt->data;
  const int32_t *bias = (const int32_t *)selrt_in(s, n, 2)->data;
  const int32_t *q = (const int32_t *)selrt_in(s, n, 3)->data;
  int8_t *y = (int8_t *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t KH = wt->dims[0], KW = wt->dims[1], OCP = wt->dims[3];
  const int32_t OH = yt->dims[1], OW = yt->dims[2], OC = yt->dims[3];
  const int32_t sh = n->ip[SELRT_conv2d_i8_IP_stride_h], sw = n->ip[SELRT_conv2d_i8_IP_stride_w];
  const int32_t dh = n->ip[SELRT_conv2d_i8_IP_dilation_h], dw = n->ip[SELRT_conv2d_i8_IP_dilation_w];
  const int32_t pt = n->ip[SELRT_conv2d_i8_IP_pad_top], pl = n->ip[SELRT_conv2d_i8_IP_pad_left];
  const int8_t zin = (int8_t)n->ip[SELRT_conv2d_i8_IP_input_zp];
  const int32_t zout = n->ip[SELRT_conv2d_i8_IP_output_zp];
  const int32_t lo = n->ip[SELRT_conv2d_i8_IP_act_min], hi = n->ip[SELRT_conv2d_i8_IP_act_max];
  int32_t xsum[SELRT_CONV2D_I8_PB];
  const int8_t *xp[SELRT_CONV2D_I8_PB];
  size_t xs[SELRT_CONV2D_I8_PB];

  for (int32_t b = 0; b < N; b++) {
    const int8_t *xb = x + (size_t)b * H * W * C;
    for (int32_t oy = 0; oy < OH; oy++) {
      for (int32_t ox0 = 0; ox0 < OW; ox0 += SELRT_CONV2D_I8_PB) {
        const int32_t np = OW - ox0 < SELRT_CONV2D_I8_PB ? OW - ox0 : SELRT_CONV2D_I8_PB;
        for (int32_t o0 = 0; o0 < OC; o0 += SELRT_CONV2D_I8_NB) {
          /* A register block: 4 pixels x 16 channels (the filter is padded
           * to a multiple of 16 output channels, so every block is full). */
          int32_t acc[SELRT_CONV2D_I8_PB][SELRT_CONV2D_I8_NB];
          const int32_t oc = OC - o0 < SELRT_CONV2D_I8_NB ? OC - o0 : SELRT_CONV2D_I8_NB;
          for (int32_t p = 0; p < SELRT_CONV2D_I8_PB; p++)
            for (int32_t o = 0; o < SELRT_CONV2D_I8_NB; o++) acc[p][o] = o < oc ? bias[o0 + o] : 0;
          for (int32_t p = 0; p < SELRT_CONV2D_I8_PB; p++) xsum[p] = 0;
          for (int32_t ky = 0; ky < KH; ky++) {
            const int64_t iy = (int64_t)oy * sh - pt + (int64_t)ky * dh;
            for (int32_t kx = 0; kx < KW; kx++) {
              /* Each pixel reads its C inputs, or (in the padding, or past the
               * row's end) input_zp C times through a stride-0 pointer. */
              for (int32_t p = 0; p < SELRT_CONV2D_I8_PB; p++) {
                const int64_t ix = (int64_t)(ox0 + p) * sw - pl + (int64_t)kx * dw;
                const int ok = p < np && iy >= 0 && iy < H && ix >= 0 && ix < W;
                xp[p] = ok ? xb + ((size_t)iy * W + (size_t)ix) * C : &zin;
                xs[p] = ok ? 1 : 0;
              }
              for (int32_t p = 0; wz && p < SELRT_CONV2D_I8_PB; p++) /* sum(x - input_zp), in-bounds taps */
                for (int32_t ci = 0; ci < C * (int32_t)xs[p]; ci++) xsum[p] += xp[p][ci] - zin;
              const int8_t *wk = w + ((size_t)ky * KW + kx) * C * OCP + o0;
              for (int32_t ci = 0; ci < C; ci++) {
                const int8_t *wr = wk + (size_t)ci * OCP;
                const int32_t x0 = xp[0][ci * xs[0]], x1 = xp[1][ci * xs[1]];
                const int32_t x2 = xp[2][ci * xs[2]], x3 = xp[3][ci * xs[3]];
                for (int32_t o = 0; o < SELRT_CONV2D_I8_NB; o++) {
                  const int32_t wv = wr[o];
                  acc[0][o] += x0 * wv;
                  acc[1][o] += x1 * wv;
                  acc[2][o] += x2 * wv;
                  acc[3][o] += x3 * wv;
                }
              }
            }
          }
          for (int32_t p = 0; wz && p < np; p++) /* |wz * xsum| <= 255 * 255 * taps: checked */
            for (int32_t o = 0; o < SELRT_CONV2D_I8_NB; o++) acc[p][o] -= wz * xsum[p];
          for (int32_t p = 0; p < np; p++)
            selrt_shared_qi8_requant_inl(acc[p], y + (((size_t)b * OH + oy) * OW + ox0 + p) * OC + o0, oc,
                                         q + o0, q + OC + o0, zout, lo, hi);
        }
      }
    }
  }
}

#ifdef SELRT_SHARED_SIMD_AVX2
#include <immintrin.h>

/* The AVX2 copy: input channels in pairs through vpmaddwd (16-bit pairs
 * multiplied and summed into int32: 16 multiply-adds per instruction, where
 * vpmulld + vpaddd do 8 in two). The two filter rows of a pair are
 * interleaved byte-wise and sign-extended to 16 bits once per pair and serve
 * the 4 pixels; each pixel's two inputs are one broadcast 32-bit pair (from
 * one sign-extended vector of 16 inputs per pixel where 16 remain). The
 * sums are exact int32 (|x*w| <= 2^14), so outputs are bit-identical to the
 * portable loops. An odd last channel pairs with a zero row. */
SELRT_SHARED_SIMD_TARGET_AVX2 static inline __attribute__((always_inline)) void selrt_conv2d_i8_avx2_loops(
    selrt_session *s, const selrt_node *n, const int32_t wz) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *yt = selrt_out(s, n, 0);
  const int8_t *x = (const int8_t *)xt->data, *w = (const int8_t *)wt->data;
  const int32_t *bias = (const int32_t *)selrt_in(s, n, 2)->data;
  const int32_t *q = (const int32_t *)selrt_in(s, n, 3)->data;
  int8_t *y = (int8_t *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t KH = wt->dims[0], KW = wt->dims[1], OCP = wt->dims[3];
  const int32_t OH = yt->dims[1], OW = yt->dims[2], OC = yt->dims[3];
  const int32_t sh = n->ip[SELRT_conv2d_i8_IP_stride_h], sw = n->ip[SELRT_conv2d_i8_IP_stride_w];
  const int32_t dh = n->ip[SELRT_conv2d_i8_IP_dilation_h], dw = n->ip[SELRT_conv2d_i8_IP_dilation_w];
  const int32_t pt = n->ip[SELRT_conv2d_i8_IP_pad_top], pl = n->ip[SELRT_conv2d_i8_IP_pad_left];
  const int8_t zin = (int8_t)n->ip[SELRT_conv2d_i8_IP_input_zp];
  const int32_t zout = n->ip[SELRT_conv2d_i8_IP_output_zp];
  const int32_t lo = n->ip[SELRT_conv2d_i8_IP_act_min], hi = n->ip[SELRT_conv2d_i8_IP_act_max];
  int32_t xsum[SELRT_CONV2D_I8_PB];
  const int32_t C2 = C & ~1;
  const __m256i zv = _mm256_set1_epi16(n->ip[SELRT_conv2d_i8_IP_input_zp]); /* a padding pixel's inputs */
  const int8_t *xp[SELRT_CONV2D_I8_PB];
  size_t xs[SELRT_CONV2D_I8_PB];

  for (int32_t b = 0; b < N; b++) {
    const int8_t *xb = x + (size_t)b * H * W * C;
    for (int32_t oy = 0; oy < OH; oy++) {
      for (int32_t ox0 = 0; ox0 < OW; ox0 += SELRT_CONV2D_I8_PB) {
        const int32_t np = OW - ox0 < SELRT_CONV2D_I8_PB ? OW - ox0 : SELRT_CONV2D_I8_PB;
        for (int32_t o0 = 0; o0 < OC; o0 += SELRT_CONV2D_I8_NB) {
          const int32_t oc = OC - o0 < SELRT_CONV2D_I8_NB ? OC - o0 : SELRT_CONV2D_I8_NB;
          int32_t acc[SELRT_CONV2D_I8_PB][SELRT_CONV2D_I8_NB];
          for (int32_t o = 0; o < SELRT_CONV2D_I8_NB; o++) acc[0][o] = o < oc ? bias[o0 + o] : 0;
          const __m256i b0 = _mm256_loadu_si256((const __m256i *)(const void *)&acc[0][0]);
          const __m256i b1 = _mm256_loadu_si256((const __m256i *)(const void *)&acc[0][8]);
          __m256i a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1;
          for (int32_t p = 0; p < SELRT_CONV2D_I8_PB; p++) xsum[p] = 0;
          for (int32_t ky = 0; ky < KH; ky++) {
            const int64_t iy = (int64_t)oy * sh - pt + (int64_t)ky * dh;
            for (int32_t kx = 0; kx < KW; kx++) {
              for (int32_t p = 0; p < SELRT_CONV2D_I8_PB; p++) {
                const int64_t ix = (int64_t)(ox0 + p) * sw - pl + (int64_t)kx * dw;
                const int ok = p < np && iy >= 0 && iy < H && ix >= 0 && ix < W;
                xp[p] = ok ? xb + ((size_t)iy * W + (size_t)ix) * C : &zin;
                xs[p] = ok ? 1 : 0;
              }
              for (int32_t p = 0; wz && p < SELRT_CONV2D_I8_PB; p++) /* sum(x - input_zp), in-bounds taps */
                for (int32_t ci = 0; ci < C * (int32_t)xs[p]; ci++) xsum[p] += xp[p][ci] - zin;
              const int8_t *wk = w + ((size_t)ky * KW + kx) * C * OCP + o0;
              int32_t ci = 0;
              /* 16 channels at a time: each pixel's 16 inputs sign-extended in
               * one vector; pair j is broadcast from it by two shuffles. */
              for (; ci + 16 <= C; ci += 16) {
                __m256i xv[SELRT_CONV2D_I8_PB], xl[SELRT_CONV2D_I8_PB];
                for (int32_t p = 0; p < SELRT_CONV2D_I8_PB; p++)
                  xv[p] = xs[p] ? _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(xp[p] + ci)))
                                : zv;
#define SELRT_CONV2D_I8_ROW(J, IMM)                                                                    \
  {                                                                                                    \
    const int8_t *wr_ = wk + (size_t)(ci + 2 * (J)) * OCP;                                             \
    const __m128i r0_ = _mm_loadu_si128((const __m128i *)(const void *)wr_);                           \
    const __m128i r1_ = _mm_loadu_si128((const __m128i *)(const void *)(wr_ + OCP));                   \
    const __m256i w0_ = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(r0_, r1_));                             \
    const __m256i w1_ = _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(r0_, r1_));                             \
    __m256i v_;                                                                                        \
    v_ = _mm256_shuffle_epi32(xl[0], IMM);                                                             \
    a00 = _mm256_add_epi32(a00, _mm256_madd_epi16(v_, w0_));                                           \
    a01 = _mm256_add_epi32(a01, _mm256_madd_epi16(v_, w1_));                                           \
    v_ = _mm256_shuffle_epi32(xl[1], IMM);                                                             \
    a10 = _mm256_add_epi32(a10, _mm256_madd_epi16(v_, w0_));                                           \
    a11 = _mm256_add_epi32(a11, _mm256_madd_epi16(v_, w1_));                                           \
    v_ = _mm256_shuffle_epi32(xl[2], IMM);                                                             \
    a20 = _mm256_add_epi32(a20, _mm256_madd_epi16(v_, w0_));                                           \
    a21 = _mm256_add_epi32(a21, _mm256_madd_epi16(v_, w1_));                                           \
    v_ = _mm256_shuffle_epi32(xl[3], IMM);                                                             \
    a30 = _mm256_add_epi32(a30, _mm256_madd_epi16(v_, w0_));                                           \
    a31 = _mm256_add_epi32(a31, _mm256_madd_epi16(v_, w1_));                                           \
  }
                /* pairs 0-3: the low 128 bits in both halves */
                for (int32_t p = 0; p < SELRT_CONV2D_I8_PB; p++) xl[p] = _mm256_permute4x64_epi64(xv[p], 0x44);
                SELRT_CONV2D_I8_ROW(0, 0x00) SELRT_CONV2D_I8_ROW(1, 0x55)
                SELRT_CONV2D_I8_ROW(2, 0xaa) SELRT_CONV2D_I8_ROW(3, 0xff)
                /* pairs 4-7: the high 128 bits */
                for (int32_t p = 0; p < SELRT_CONV2D_I8_PB; p++) xl[p] = _mm256_permute4x64_epi64(xv[p], 0xee);
                SELRT_CONV2D_I8_ROW(4, 0x00) SELRT_CONV2D_I8_ROW(5, 0x55)
                SELRT_CONV2D_I8_ROW(6, 0xaa) SELRT_CONV2D_I8_ROW(7, 0xff)
#undef SELRT_CONV2D_I8_ROW
              }
              for (; ci < C; ci += 2) {
                const int8_t *wr = wk + (size_t)ci * OCP;
                const __m128i r0 = _mm_loadu_si128((const __m128i *)(const void *)wr);
                const __m128i r1 = ci < C2 ? _mm_loadu_si128((const __m128i *)(const void *)(wr + OCP))
                                           : _mm_setzero_si128();
                const __m256i w0 = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(r0, r1)); /* outputs 0-7 */
                const __m256i w1 = _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(r0, r1)); /* outputs 8-15 */
                const int32_t c1 = ci + 1 < C ? ci + 1 : ci; /* its weight row is zero when odd */
                __m256i v;
#define SELRT_CONV2D_I8_PAIR(P, A0, A1)                                                              \
  v = _mm256_set1_epi32((int32_t)(((uint32_t)(uint16_t)xp[P][(size_t)c1 * xs[P]] << 16) |             \
                                  (uint16_t)xp[P][(size_t)ci * xs[P]]));                              \
  A0 = _mm256_add_epi32(A0, _mm256_madd_epi16(v, w0));                                               \
  A1 = _mm256_add_epi32(A1, _mm256_madd_epi16(v, w1))
                SELRT_CONV2D_I8_PAIR(0, a00, a01);
                SELRT_CONV2D_I8_PAIR(1, a10, a11);
                SELRT_CONV2D_I8_PAIR(2, a20, a21);
                SELRT_CONV2D_I8_PAIR(3, a30, a31);
#undef SELRT_CONV2D_I8_PAIR
              }
            }
          }
          _mm256_storeu_si256((__m256i *)(void *)&acc[0][0], a00);
          _mm256_storeu_si256((__m256i *)(void *)&acc[0][8], a01);
          _mm256_storeu_si256((__m256i *)(void *)&acc[1][0], a10);
          _mm256_storeu_si256((__m256i *)(void *)&acc[1][8], a11);
          _mm256_storeu_si256((__m256i *)(void *)&acc[2][0], a20);
          _mm256_storeu_si256((__m256i *)(void *)&acc[2][8], a21);
          _mm256_storeu_si256((__m256i *)(void *)&acc[3][0], a30);
          _mm256_storeu_si256((__m256i *)(void *)&acc[3][8], a31);
          for (int32_t p = 0; wz && p < np; p++) /* |wz * xsum| <= 255 * 255 * taps: checked */
            for (int32_t o = 0; o < SELRT_CONV2D_I8_NB; o++) acc[p][o] -= wz * xsum[p];
          for (int32_t p = 0; p < np; p++)
            selrt_shared_qi8_requant_inl(acc[p], y + (((size_t)b * OH + oy) * OW + ox0 + p) * OC + o0, oc,
                                         q + o0, q + OC + o0, zout, lo, hi);
        }
      }
    }
  }
}

SELRT_SHARED_SIMD_TARGET_AVX2 __attribute__((noinline)) static void selrt_conv2d_i8_avx2_plain(selrt_session *s,
                                                                                           const selrt_node *n) {
  selrt_conv2d_i8_avx2_loops(s, n, 0);
}

SELRT_SHARED_SIMD_TARGET_AVX2 static void selrt_conv2d_i8_avx2(selrt_session *s, const selrt_node *n) {
  const int32_t wz = n->ip[SELRT_conv2d_i8_IP_filter_zp];
  if (wz == 0) selrt_conv2d_i8_avx2_plain(s, n);
  else selrt_conv2d_i8_avx2_loops(s, n, wz);
}
#endif

#if defined(SELRT_PROFILE_SPEED)
/* Speed builds: the loops without a zero point compiled on their own. */
__attribute__((noinline)) static void selrt_conv2d_i8_plain(selrt_session *s, const selrt_node *n) {
  selrt_conv2d_i8_loops(s, n, 0);
}
#endif

selrt_status selrt_conv2d_i8_run(selrt_session *s, const selrt_node *n) {
  const int32_t wz = n->ip[SELRT_conv2d_i8_IP_filter_zp];
#ifdef SELRT_SHARED_SIMD_AVX2
  if (selrt_shared_simd_avx2(s)) {
    selrt_conv2d_i8_avx2(s, n);
    return SELRT_OK;
  }
#endif
#if defined(SELRT_PROFILE_SPEED)
  if (wz == 0) {
    selrt_conv2d_i8_plain(s, n);
    return SELRT_OK;
  }
#endif
  selrt_conv2d_i8_loops(s, n, wz);
  return SELRT_OK;
}

SELRT_KERNEL(conv2d_i8, "conv2d.i8");
