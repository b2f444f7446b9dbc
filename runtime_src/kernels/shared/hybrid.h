/* Dynamic-range ("hybrid") helpers: float activations, constant int8 weights.
 *
 * TFLite's hybrid kernels quantize each batch row of the float input on the
 * fly, then accumulate int8 x int8 in int32 and dequantize with
 * input_scale * weight_scale. The row quantization below is that arithmetic
 * (its BatchQuantizeFloats) so the integer dot products match LiteRT's
 * reference kernels exactly:
 *   symmetric:  scale = max|x| / 127, q = round(x * 127 / max|x|) in [-127, 127];
 *   asymmetric: range [min(0, min x), max(0, max x)] over 255 steps (double),
 *               zero point nudged into [-128, 127], q = round(zp + x / scale).
 * An all-zero row (range 0) gives q = 0, scale 1, zero point 0.
 *
 * Accumulator proof (every hybrid kernel's check calls acc_check): a product
 * w * (q - zp) has |w| <= 128 and |q - zp| <= 255, so at most 32,640; K taps
 * of it fit int32 when K <= INT32_MAX / 32,640 = 65,793. */
#ifndef SELRT_SHARED_HYBRID_H
#define SELRT_SHARED_HYBRID_H

#include "selrt_kernel.h"

#define SELRT_SHARED_HYBRID_MAX_TAPS (INT32_MAX / (128 * 255))

/* Quantizes the n floats x[0], x[stride], ... into q[0..n); writes the
 * row's scale and zero point. */
void selrt_shared_hybrid_quantize(const float *x, size_t n, size_t stride, int32_t asymmetric, int8_t *q,
                                  float *scale, int32_t *zp);

/* SELRT_OK when `taps` products per accumulator cannot overflow int32. */
selrt_status selrt_shared_hybrid_acc_check(size_t taps);

/* The weight scales of a hybrid node: f32, finite and positive, 1 (per
 * tensor) or `channels` values. */
selrt_status selrt_shared_hybrid_scales_check(const selrt_tensor *scales, size_t channels);

/* The checks every hybrid kernel with an `asymmetric` iparam makes: the flag
 * is 0 or 1, the scales fit `channels` (scales_check) and `taps` products per
 * accumulator fit int32 (acc_check). */
selrt_status selrt_shared_hybrid_node_check(int32_t asymmetric, const selrt_tensor *scales, size_t channels,
                                            size_t taps);

/* One output of a hybrid kernel: the int32 sum dequantized with the row's
 * and the channel's scale, plus the float bias (NULL: none), then the fused
 * activation. Inline: it runs once per output value. */
static inline float selrt_shared_hybrid_out(int32_t acc, float row_scale, float w_scale, const float *bias,
                                            size_t o, float lo, float hi) {
  float v = (float)acc * (row_scale * w_scale);
  if (bias) v = bias[o] + v;
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

#endif
