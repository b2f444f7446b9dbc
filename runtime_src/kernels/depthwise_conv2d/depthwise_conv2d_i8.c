/* depthwise_conv2d.i8: TFLite full-integer depthwise convolution. NHWC int8
 * input, [1,KH,KW,C*M] int8 filter (per output channel scales), int32 bias
 * with the zero-point term folded in by the converter
 *   bias'[oc] = bias[oc] - input_zp * sum over taps of filter[.., oc]
 * so in-bounds taps are plain int8 products and a padded tap adds
 * input_zp * filter (the value a real zero has). Per-channel requantize
 * (requant[2][C*M]), + output_zp, clamp. Channels run innermost in chunks of
 * a fixed-size stack accumulator: contiguous loads of input and filter.
 * x86-64 speed builds add an AVX2 copy of the loops (shared/simd.h). */
#include "selrt_kernel.h"
#include "../shared/window.h"
#include "../shared/qi8.h"
#include "../shared/simd.h"

#define SELRT_DEPTHWISE_CONV2D_I8_CHUNK 64
#define SELRT_DEPTHWISE_CONV2D_I8_NB 16 /* register block of the depth_multiplier 1 path */

selrt_status selrt_depthwise_conv2d_i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *b = selrt_pin(p, n, 2);
  const selrt_tensor *q = selrt_pin(p, n, 3), *y = selrt_pout(p, n, 0);
  const int32_t m = n->ip[SELRT_depthwise_conv2d_i8_IP_depth_multiplier];
  const int32_t wz = n->ip[SELRT_depthwise_conv2d_i8_IP_filter_zp];
  if (wz < -255 || wz > 255) return SELRT_REJECT(p, "filter zero point % is outside -255..255", wz, 0);
  if (x->dtype != SELRT_I8 || w->dtype != SELRT_I8 || y->dtype != SELRT_I8 || b->dtype != SELRT_I32 ||
      x->rank != 4 || w->rank != 4 || y->rank != 4 || x->dims[0] != y->dims[0] || w->dims[0] != 1 ||
      m < 1 || (int64_t)x->dims[3] * m != y->dims[3] || w->dims[3] != y->dims[3] ||
      selrt_numel(b) != (size_t)y->dims[3])
    return SELRT_ERR_UNSUPPORTED;
  if (!q->data || selrt_shared_qi8_requant_check(q, y->dims[3]) != SELRT_OK ||
      selrt_shared_qi8_acc_check(w, b, y->dims[3], 128, wz, 255) != SELRT_OK)
    return SELRT_ERR_UNSUPPORTED;
  if (selrt_numel(x) > INT32_MAX || selrt_numel(y) > INT32_MAX) return SELRT_ERR_UNSUPPORTED;
  if (selrt_shared_window2d_check(p, x, y, w->dims + 1,
                                  n->ip + SELRT_depthwise_conv2d_i8_IP_stride_h, n->ip + SELRT_depthwise_conv2d_i8_IP_dilation_h,
                                  n->ip + SELRT_depthwise_conv2d_i8_IP_pad_top) != SELRT_OK)
    return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_qi8_range_check(n->ip[SELRT_depthwise_conv2d_i8_IP_input_zp],
                                      n->ip[SELRT_depthwise_conv2d_i8_IP_output_zp],
                                      n->ip[SELRT_depthwise_conv2d_i8_IP_act_min],
                                      n->ip[SELRT_depthwise_conv2d_i8_IP_act_max]);
}

/* wz: the node's filter_zp; speed builds inline these loops once with wz = 0
 * (exactly the loops without a zero point) and once general. */
static inline __attribute__((always_inline)) void selrt_depthwise_conv2d_i8_loops(selrt_session *s,
                                                                                const selrt_node *n,
                                                                                const int32_t wz) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *yt = selrt_out(s, n, 0);
  const int8_t *x = (const int8_t *)xt->data, *w = (const int8_t *)wt->data;
  const int32_t *bias = (const int32_t *)selrt_in(s, n, 2)->data;
  const int32_t *q = (const int32_t *)selrt_in(s, n, 3)->data;
  int8_t *y = (int8_t *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t KH = wt->dims[1], KW = wt->dims[2];
  const int32_t OH = yt->dims[1], OW = yt->dims[2], OC = yt->dims[3];
  const int32_t sh = n->ip[SELRT_depthwise_conv2d_i8_IP_stride_h], sw = n->ip[SELRT_depthwise_conv2d_i8_IP_stride_w];
  const int32_t dh = n->ip[SELRT_depthwise_conv2d_i8_IP_dilation_h], dw = n->ip[SELRT_depthwise_conv2d_i8_IP_dilation_w];
  const int32_t pt = n->ip[SELRT_depthwise_conv2d_i8_IP_pad_top], pl = n->ip[SELRT_depthwise_conv2d_i8_IP_pad_left];
  const int32_t M = n->ip[SELRT_depthwise_conv2d_i8_IP_depth_multiplier];
  const int32_t zin = n->ip[SELRT_depthwise_conv2d_i8_IP_input_zp];
  const int32_t zout = n->ip[SELRT_depthwise_conv2d_i8_IP_output_zp];
  const int32_t lo = n->ip[SELRT_depthwise_conv2d_i8_IP_act_min], hi = n->ip[SELRT_depthwise_conv2d_i8_IP_act_max];
  int32_t acc[SELRT_DEPTHWISE_CONV2D_I8_CHUNK];

  for (int32_t b = 0; b < N; b++) {
    const int8_t *xb = x + (size_t)b * H * W * C;
    for (int32_t oy = 0; oy < OH; oy++) {
      for (int32_t ox = 0; ox < OW; ox++) {
        int8_t *yp = y + (((size_t)b * OH + oy) * OW + ox) * OC;
        int32_t first = 0;
        if (M == 1) {
          /* Full blocks of 16 channels: the accumulator stays in registers
           * across all taps (the general loop below keeps 64 on the stack). */
          for (; first + SELRT_DEPTHWISE_CONV2D_I8_NB <= OC; first += SELRT_DEPTHWISE_CONV2D_I8_NB) {
            int32_t a[SELRT_DEPTHWISE_CONV2D_I8_NB];
            for (int32_t o = 0; o < SELRT_DEPTHWISE_CONV2D_I8_NB; o++) a[o] = bias[first + o];
            for (int32_t ky = 0; ky < KH; ky++) {
              const int64_t iy = (int64_t)oy * sh - pt + (int64_t)ky * dh;
              for (int32_t kx = 0; kx < KW; kx++) {
                const int64_t ix = (int64_t)ox * sw - pl + (int64_t)kx * dw;
                const int8_t *wk = w + ((size_t)ky * KW + kx) * OC + first;
                if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                  const int8_t *xp = xb + ((size_t)iy * W + (size_t)ix) * C + first;
                  for (int32_t o = 0; o < SELRT_DEPTHWISE_CONV2D_I8_NB; o++) a[o] += xp[o] * wk[o];
                  for (int32_t o = 0; wz && o < SELRT_DEPTHWISE_CONV2D_I8_NB; o++) a[o] -= wz * (xp[o] - zin);
                } else {
                  for (int32_t o = 0; o < SELRT_DEPTHWISE_CONV2D_I8_NB; o++) a[o] += zin * wk[o];
                }
              }
            }
            selrt_shared_qi8_requant_inl(a, yp + first, SELRT_DEPTHWISE_CONV2D_I8_NB, q + first, q + OC + first,
                                         zout, lo, hi);
          }
        }
        for (int32_t o0 = first; o0 < OC; o0 += SELRT_DEPTHWISE_CONV2D_I8_CHUNK) {
          const int32_t oc = OC - o0 < SELRT_DEPTHWISE_CONV2D_I8_CHUNK ? OC - o0 : SELRT_DEPTHWISE_CONV2D_I8_CHUNK;
          for (int32_t o = 0; o < oc; o++) acc[o] = bias[o0 + o];
          for (int32_t ky = 0; ky < KH; ky++) {
            const int64_t iy = (int64_t)oy * sh - pt + (int64_t)ky * dh;
            for (int32_t kx = 0; kx < KW; kx++) {
              const int64_t ix = (int64_t)ox * sw - pl + (int64_t)kx * dw;
              const int8_t *wk = w + ((size_t)ky * KW + kx) * OC + o0;
              if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                const int8_t *xp = xb + ((size_t)iy * W + (size_t)ix) * C;
                /* the filter zero point's term (partial sums inside the checked bound) */
                for (int32_t o = 0; wz && o < oc; o++) acc[o] -= wz * (xp[(o0 + o) / M] - zin);
                if (M == 1) {
                  xp += o0;
                  for (int32_t o = 0; o < oc; o++) acc[o] += (int16_t)(xp[o] * wk[o]);
                } else {
                  for (int32_t o = 0; o < oc; o++) acc[o] += (int16_t)(xp[(o0 + o) / M] * wk[o]);
                }
              } else {
                for (int32_t o = 0; o < oc; o++) acc[o] += (int16_t)(zin * wk[o]);
              }
            }
          }
          selrt_shared_qi8_requant_inl(acc, yp + o0, oc, q + o0, q + OC + o0, zout, lo, hi);
        }
      }
    }
  }
}

#ifdef SELRT_SHARED_SIMD_AVX2
SELRT_SHARED_SIMD_TARGET_AVX2 __attribute__((noinline)) static void selrt_depthwise_conv2d_i8_avx2_plain(
    selrt_session *s, const selrt_node *n) {
  selrt_depthwise_conv2d_i8_loops(s, n, 0);
}

SELRT_SHARED_SIMD_TARGET_AVX2 static void selrt_depthwise_conv2d_i8_avx2(selrt_session *s, const selrt_node *n) {
  const int32_t wz = n->ip[SELRT_depthwise_conv2d_i8_IP_filter_zp];
  if (wz == 0) selrt_depthwise_conv2d_i8_avx2_plain(s, n);
  else selrt_depthwise_conv2d_i8_loops(s, n, wz);
}
#endif

#if defined(SELRT_PROFILE_SPEED)
/* Speed builds: the loops without a zero point compiled on their own. */
__attribute__((noinline)) static void selrt_depthwise_conv2d_i8_plain(selrt_session *s, const selrt_node *n) {
  selrt_depthwise_conv2d_i8_loops(s, n, 0);
}
#endif

selrt_status selrt_depthwise_conv2d_i8_run(selrt_session *s, const selrt_node *n) {
  const int32_t wz = n->ip[SELRT_depthwise_conv2d_i8_IP_filter_zp];
#ifdef SELRT_SHARED_SIMD_AVX2
  if (selrt_shared_simd_avx2(s)) {
    selrt_depthwise_conv2d_i8_avx2(s, n);
    return SELRT_OK;
  }
#endif
#if defined(SELRT_PROFILE_SPEED)
  if (wz == 0) {
    selrt_depthwise_conv2d_i8_plain(s, n);
    return SELRT_OK;
  }
#endif
  selrt_depthwise_conv2d_i8_loops(s, n, wz);
  return SELRT_OK;
}

SELRT_KERNEL(depthwise_conv2d_i8, "depthwise_conv2d.i8");
