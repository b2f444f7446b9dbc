/* The int8 elementwise binary ops (add, sub, mul) with numpy broadcasting,
 * TFLite reference integer semantics. One loop for all three so that a build
 * with several of them links it once; each op keeps its own kernel file.
 *
 * add/sub: both inputs are shifted left by `left_shift` (20) after removing
 * their zero points, rescaled to a common scale by their own fixed-point
 * multipliers, added or subtracted, and requantized to the output:
 *   out = clamp(mbqm(mbqm(a', ma, sa) +- mbqm(b', mb, sb), mo, so) + zo)
 * mul: out = clamp(mbqm((a - za) * (b - zb), mo, so) + zo).
 * squared_difference: as sub with left_shift 7, the difference squared before
 * the output multiplier (TFLite squared_difference.cc; |diff| < 2^15, so the
 * square fits int32).
 * All multipliers/shifts are computed by the converter. */
#ifndef SELRT_SHARED_QBINARY_I8_H
#define SELRT_SHARED_QBINARY_I8_H

#include "selrt_kernel.h"

#define SELRT_SHARED_QBINARY_I8_ADD 0
#define SELRT_SHARED_QBINARY_I8_SUB 1
#define SELRT_SHARED_QBINARY_I8_MUL 2
#define SELRT_SHARED_QBINARY_I8_SQDIFF 3

/* Parameters in the order every one of these kernels declares after the
 * broadcast strides (add/sub/mul share one iparam layout). */
typedef struct selrt_shared_qbinary_i8_params {
  int32_t a_zp, b_zp, out_zp;
  int32_t a_mult, a_shift, b_mult, b_shift, out_mult, out_shift;
  int32_t left_shift, act_min, act_max;
} selrt_shared_qbinary_i8_params;

#define SELRT_SHARED_QBINARY_I8_FIRST 13 /* index of a_zp: rank + 2 x 6 strides */

selrt_status selrt_shared_qbinary_i8_check(const selrt_program *p, const selrt_node *n);
void selrt_shared_qbinary_i8_run(selrt_session *s, const selrt_node *n, int op);

#endif
