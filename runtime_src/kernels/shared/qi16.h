/* Integer helpers shared by the int16x8 kernels (TFLite's 16x8 mode: int16
 * activations symmetric with zero point 0, int8 symmetric weights, int64
 * bias and accumulators).
 *
 * Requantization is TFLite's 64-bit MultiplyByQuantizedMultiplier: the Q31
 * multiplier reduced to Q15 (rounded), one multiply, one rounding right
 * shift by 15 - shift. The converter computes multipliers and shifts as
 * TFLite's Prepare does; parameters travel as one int32 tensor `requant`
 * [2, C] (multipliers, then shifts), as for the int8 kernels. */
#ifndef SELRT_SHARED_QI16_H
#define SELRT_SHARED_QI16_H

#include "selrt_kernel.h"

/* round(x * m * 2^(shift - 31)) as TFLite's int64 MultiplyByQuantizedMultiplier
 * computes it; m in [0, 2^31), shift in [-31, 7], |x| < 2^47 (all checked
 * at load time by the two checks below), so nothing overflows. */
static inline __attribute__((always_inline)) int64_t selrt_shared_qi16_mbqm(int64_t x, int32_t m, int32_t shift) {
  const int64_t reduced = m < 0x7FFF0000 ? ((int64_t)m + (1 << 15)) >> 16 : 0x7FFF;
  const int32_t total = 15 - shift; /* 8 .. 46 */
  return (x * reduced + ((int64_t)1 << (total - 1))) >> total;
}

/* out[i] = clamp(mbqm(acc[i], mul[i], shift[i]), lo, hi) for i < c. */
static inline __attribute__((always_inline)) void selrt_shared_qi16_requant(const int64_t *acc, int16_t *out,
                                                                            int32_t c, const int32_t *mul,
                                                                            const int32_t *shift, int32_t lo,
                                                                            int32_t hi) {
  for (int32_t i = 0; i < c; i++) {
    int64_t v = selrt_shared_qi16_mbqm(acc[i], mul[i], shift[i]);
    v = v < lo ? lo : v;
    out[i] = (int16_t)(v > hi ? hi : v);
  }
}

/* SELRT_OK when t is a constant int32 [2, c] tensor of multipliers >= 0 and
 * shifts in [-31, 7] (TFLite's range for the 64-bit requantize). */
selrt_status selrt_shared_qi16_requant_check(const selrt_tensor *t, int32_t c);

/* SELRT_OK when no int64 accumulator can leave (-2^47, 2^47), the range the
 * requantize is exact in: for each of the c channels, |bias| plus 32768 times
 * the sum of |w| over the channel's weights. Channel o's weights are row o
 * of w (channel_first: conv2d OHWI, fully_connected [N, K]) or column o of
 * its last dim (depthwise [1, KH, KW, C*M]). Weights and bias (int64 [c])
 * must be constants. */
selrt_status selrt_shared_qi16_acc_check(const selrt_tensor *w, const selrt_tensor *bias, int32_t c,
                                         int channel_first);

/* SELRT_OK when lo <= hi, both in int16 range. */
selrt_status selrt_shared_qi16_range_check(int32_t lo, int32_t hi);

#endif /* SELRT_SHARED_QI16_H */
