/* The int16x8 elementwise binary ops (add, sub, mul) with numpy broadcasting:
 * LiteRT's general-scale int16 arithmetic, the int8 formulas (qbinary_i8.h)
 * on int16 values: add/sub shift both inputs left by 15 (left_shift), rescale
 * each by its multiplier (input_scale / twice the larger one), add or
 * subtract, requantize by twice_max / (2^15 * output_scale); mul multiplies
 * the raw values and requantizes once by s_a * s_b / s_out. Zero points are
 * 0 in 16x8 models; the kernels take any int16 ones. Parameters as for int8:
 * $broadcast, then a_zp, b_zp, out_zp, a_mult, a_shift, b_mult, b_shift,
 * out_mult, out_shift, left_shift, act_min, act_max. */
#ifndef SELRT_SHARED_QBINARY_I16_H
#define SELRT_SHARED_QBINARY_I16_H

#include "selrt_kernel.h"

#define SELRT_SHARED_QBINARY_I16_ADD 0
#define SELRT_SHARED_QBINARY_I16_SUB 1
#define SELRT_SHARED_QBINARY_I16_MUL 2
#define SELRT_SHARED_QBINARY_I16_FIRST 13 /* index of a_zp: rank + 2 x 6 strides */

/* check proves that no intermediate overflows int32 for any int16 inputs:
 * |x - zp| << left_shift (<= 15) fits, input multipliers are below 1 (shifts
 * <= 0; the sum of the two rescaled inputs saturates for hostile ones); mul's
 * product of two 17-bit values would not fit, so mul requires input zero
 * points 0 (as LiteRT does). */
selrt_status selrt_shared_qbinary_i16_check(const selrt_program *p, const selrt_node *n, int op);
void selrt_shared_qbinary_i16_run(selrt_session *s, const selrt_node *n, int op);

#endif
