/* Integer helpers shared by the int8 kernels (TFLite full-integer semantics).
 *
 * Requantization is TFLite's reference MultiplyByQuantizedMultiplier: a
 * rounding doubling high multiply by a Q31 multiplier, then a rounding right
 * shift (ties away from zero). The converter computes every multiplier and
 * shift on the build machine exactly as TFLite's Prepare does; the device only
 * runs this arithmetic, so results match the reference kernels bit for bit.
 *
 * Per-channel requantization parameters travel as one int32 tensor
 * `requant` of shape [2, C]: row 0 the multipliers, row 1 the shifts
 * (per-tensor quantization repeats one pair C times). */
#ifndef SELRT_SHARED_QI8_H
#define SELRT_SHARED_QI8_H

#include "selrt_kernel.h"

/* round(x * m * 2^(shift - 31)) the TFLite way; m in [0, 2^31), shift in [-31, 30]. */
int32_t selrt_shared_qi8_mbqm(int32_t x, int32_t m, int32_t shift);

/* The same, always inlined: for hot loops that are compiled twice (an AVX2
 * copy, shared/simd.h), so that the requantize vectorizes with the loop's
 * instruction set. Branch-free: data-dependent sign tests mispredict. */
static inline __attribute__((always_inline)) int32_t selrt_shared_qi8_mbqm_inl(int32_t x, int32_t m,
                                                                              int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t a = (int32_t)((uint32_t)x << left); /* wraps (defined) */
  /* Rounding doubling high multiply, ties away from zero, division truncating
   * toward zero; m >= 0 (checked) rules out TFLite's one overflow case. */
  const int64_t ab = (int64_t)a * (int64_t)m;
  const int64_t t = ab + ((int64_t)1 << 30) + ((ab >> 63) & (1 - ((int64_t)1 << 31)));
  const int32_t hi = (int32_t)((t + ((t >> 63) & (((int64_t)1 << 31) - 1))) >> 31);
  /* Rounding arithmetic right shift, ties away from zero. */
  const int32_t mask = (int32_t)(((int64_t)1 << right) - 1);
  const int32_t threshold = (mask >> 1) + (int32_t)((uint32_t)hi >> 31);
  return (hi >> right) + ((hi & mask) > threshold);
}

/* clamp(v + zp, lo, hi) without forming v + zp: a hostile multiplier can put
 * mbqm at INT32_MAX, where the add would overflow. Clamping first keeps the
 * int32 lanes (the hot loops vectorize) and gives the same result. */
static inline __attribute__((always_inline)) int32_t selrt_shared_qi8_clamp_zp(int32_t v, int32_t zp, int32_t lo,
                                                                              int32_t hi) {
  v = v < lo - zp ? lo - zp : v;
  return (v > hi - zp ? hi - zp : v) + zp;
}

static inline __attribute__((always_inline)) void selrt_shared_qi8_requant_inl(
    const int32_t *acc, int8_t *out, int32_t c, const int32_t *mul, const int32_t *shift, int32_t zp, int32_t lo,
    int32_t hi) {
  for (int32_t i = 0; i < c; i++) {
    out[i] = (int8_t)selrt_shared_qi8_clamp_zp(selrt_shared_qi8_mbqm_inl(acc[i], mul[i], shift[i]), zp, lo, hi);
  }
}

/* SELRT_OK when t is an int32 [2, c] tensor of valid multipliers/shifts. */
selrt_status selrt_shared_qi8_requant_check(const selrt_tensor *t, int32_t c);

/* SELRT_OK when the int32 accumulator of an int8 multiply-add kernel cannot
 * overflow: for every channel o of w (its last dim), bias[o] (0 past the c
 * bias values) plus any sum of x * w[.., o] with |x| <= xmax, plus a filter
 * zero point's correction filter_zp * S (S a sum of numel(w) / last dim terms,
 * one window or row, each of magnitude <= smax; nothing when filter_zp is 0)
 * stays in int32, i.e. |bias[o]| + |filter_zp| * smax * taps + xmax *
 * sum |w[.., o]| fits (and |filter_zp| <= 255). Every partial sum is inside
 * that range too, so `run` may accumulate and correct in any order. Weights
 * that are not constants count as -128 everywhere; a bias that is not a
 * constant fails. */
selrt_status selrt_shared_qi8_acc_check(const selrt_tensor *w, const selrt_tensor *bias, int32_t c, int32_t xmax,
                                        int32_t filter_zp, int32_t smax);

/* SELRT_OK when lo <= hi both in int8 range, and the zero points are int8. */
selrt_status selrt_shared_qi8_range_check(int32_t zp_a, int32_t zp_b, int32_t lo, int32_t hi);

/* out[i] = clamp(round(acc[i] * mul[i] * 2^(shift[i] - 31)) + zp, lo, hi) for
 * i < c with a single rounding, ties up ((acc * mul + 2^(30 - shift)) >>
 * (31 - shift) in int64): what LiteRT's fully_connected computes (measured:
 * an accumulator 38500 at multiplier 0.001 - 7e-12 gives 38 there, 39
 * through mbqm's two roundings). mul in [0, 2^31), shift in [-31, 30]. */
void selrt_shared_qi8_requant1(const int32_t *acc, int8_t *out, int32_t c, const int32_t *mul,
                               const int32_t *shift, int32_t zp, int32_t lo, int32_t hi);

/* out[i] = clamp(mbqm(acc[i], mul[i], shift[i]) + zp, lo, hi) for i < c. */
void selrt_shared_qi8_requant(const int32_t *acc, int8_t *out, int32_t c, const int32_t *mul,
                              const int32_t *shift, int32_t zp, int32_t lo, int32_t hi);

/* y[i] = table[(uint8_t)x[i]]: any int8 -> int8 function the converter tabulated. */
void selrt_shared_qi8_lut(const int8_t *x, int8_t *y, size_t count, const int8_t *table);

/* The int8 lookup-table family: y = table[x] with the 256-entry int8 table
 * the converter tabulated as input 1 (selbuild/convert/ops/q_tables.py), so
 * every activation costs one load per element on the device. One use per
 * kernel file keeps each <op>.i8 its own object and size row:
 *
 *   SELRT_LUT_I8(tanh);
 */
#define SELRT_LUT_I8(op)                                                                          \
  selrt_status selrt_##op##_i8_check(const selrt_program *p, const selrt_node *n) {               \
    const selrt_tensor *t = selrt_pin(p, n, 1);                                                   \
    if (t->dtype != SELRT_I8 || selrt_numel(t) != 256)                                            \
      return SELRT_REJECT(p, "the lookup table has % entries, not 256 int8 values", selrt_numel(t), 0); \
    return selrt_shared_elementwise_check(p, n, SELRT_I8, SELRT_I8);                              \
  }                                                                                               \
  selrt_status selrt_##op##_i8_run(selrt_session *s, const selrt_node *n) {                       \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                        \
    selrt_shared_qi8_lut((const int8_t *)selrt_in(s, n, 0)->data, (int8_t *)yt->data, selrt_numel(yt), \
                         (const int8_t *)selrt_in(s, n, 1)->data);                                \
    return SELRT_OK;                                                                              \
  }                                                                                               \
  SELRT_KERNEL(op##_i8, #op ".i8")

/* The requantize family quantize.<in><out> (QUANTIZE from one integer
 * quantization to another: int8 <-> uint8, int8 -> int8, int16 -> int8 ...),
 * TFLite's reference Requantize: y = clamp(mbqm(x - input_zp, multiplier,
 * shift) + output_zp) with input_scale / output_scale as Q31 multiplier and
 * shift (the converter's). Its int8 <-> uint8 fast path (x ^ 0x80 when only
 * the zero point moves by 128) gives the same bytes as this arithmetic, so
 * there is one path. Each use is its own kernel file, object and size row:
 *
 *   SELRT_REQUANTIZE(quantize, u8i8, uint8_t, SELRT_U8, 0, 255, int8_t, SELRT_I8, -128, 127);
 */
#define SELRT_REQUANTIZE(op, dt, TI, DI, IMIN, IMAX, TO, DO, OMIN, OMAX)                               \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {          \
    const int32_t zi = n->ip[SELRT_##op##_##dt##_IP_input_zp];                                   \
    const int32_t zo = n->ip[SELRT_##op##_##dt##_IP_output_zp];                                  \
    const int32_t m = n->ip[SELRT_##op##_##dt##_IP_multiplier];                                  \
    const int32_t sh = n->ip[SELRT_##op##_##dt##_IP_shift];                                      \
    if (zi < (IMIN) || zi > (IMAX) || zo < (OMIN) || zo > (OMAX))                                  \
      return SELRT_REJECT(p, "zero points % / % are outside the dtypes' ranges", zi, zo);          \
    if (m < 0 || sh < -31 || sh > 30) return SELRT_REJECT(p, "multiplier % / shift % out of range", m, sh); \
    return selrt_shared_elementwise_check(p, n, DI, DO);                                           \
  }                                                                                                \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                  \
    const TI *x = (const TI *)selrt_in(s, n, 0)->data;                                             \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                         \
    TO *y = (TO *)yt->data;                                                                        \
    const int32_t zi = n->ip[SELRT_##op##_##dt##_IP_input_zp];                                   \
    const int32_t zo = n->ip[SELRT_##op##_##dt##_IP_output_zp];                                  \
    const int32_t m = n->ip[SELRT_##op##_##dt##_IP_multiplier];                                  \
    const int32_t sh = n->ip[SELRT_##op##_##dt##_IP_shift];                                      \
    const size_t count = selrt_numel(yt);                                                          \
    for (size_t i = 0; i < count; i++) {                                                           \
      const int64_t v = (int64_t)selrt_shared_qi8_mbqm_inl((int32_t)x[i] - zi, m, sh) + zo;        \
      y[i] = (TO)(v < (OMIN) ? (OMIN) : v > (OMAX) ? (OMAX) : v);                                  \
    }                                                                                              \
    return SELRT_OK;                                                                               \
  }                                                                                                \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

/* Reductions over the input dims set in `mask` (bit i = dim i). The output
 * element o (kept dims in order) gets the int32 sum (mode 0), maximum (1)
 * or minimum (2) of its reduced input elements; `count` receives how many
 * elements each output element reduces. check: rank <= 6, element counts.
 * reduce_prod: LiteRT's int8 product, the reduced elements in input order:
 * acc = x0 - q[0], then acc = step(acc, x - q[0], q) per further element
 * (reduce_prod.i8's step rescales; q holds the zero point and its params). */
selrt_status selrt_shared_qi8_reduce_check(const selrt_tensor *x, const selrt_tensor *y, int32_t mask);
void selrt_shared_qi8_reduce(const selrt_tensor *x, int32_t mask, int mode, int32_t *out_o, size_t o);
typedef int32_t (*selrt_shared_qi8_step)(int32_t acc, int32_t v, const int32_t *q);
int32_t selrt_shared_qi8_reduce_prod(const selrt_tensor *x, int32_t mask, selrt_shared_qi8_step step,
                                     const int32_t *q, size_t o);
size_t selrt_shared_qi8_reduce_count(const selrt_tensor *x, int32_t mask);

/* reduce_max.i8 / reduce_min.i8 (MODE 1 / 2): the extreme over the axes in
 * axis_mask, input and output quantized alike (as LiteRT requires). */
#define SELRT_QREDUCE(op, dt, MODE)                                                                       \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                  \
    const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);                                \
    if (x->dtype != SELRT_I8 || y->dtype != SELRT_I8)                                                    \
      return SELRT_REJECT(p, "dtypes % -> % are not int8", x->dtype, y->dtype);                          \
    return selrt_shared_qi8_reduce_check(x, y, n->ip[SELRT_##op##_##dt##_IP_axis_mask]);                 \
  }                                                                                                      \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                          \
    const selrt_tensor *xt = selrt_in(s, n, 0), *yt = selrt_out(s, n, 0);                                \
    int8_t *y = (int8_t *)yt->data;                                                                      \
    for (size_t o = 0, e = selrt_numel(yt); o < e; o++) {                                                \
      int32_t m;                                                                                         \
      selrt_shared_qi8_reduce(xt, n->ip[SELRT_##op##_##dt##_IP_axis_mask], MODE, &m, o);                 \
      y[o] = (int8_t)m;                                                                                  \
    }                                                                                                    \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  SELRT_KERNEL(op##_##dt, #op "." #dt)



/* The int8 twin of selrt_shared_strided_run (shared/strided.h, whose check
 * proves the bounds): y[i] = x[offset + odometer(dims, strides)]. */
void selrt_shared_qi8_strided_run(selrt_session *s, const selrt_node *n, const int32_t *ip);
#endif /* SELRT_SHARED_QI8_H */
