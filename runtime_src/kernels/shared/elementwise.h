/* Helpers shared by the one-input, one-output elementwise kernels (unary math,
 * activations, casts, (de)quantize) and by the pure copies (reshape, squeeze,
 * expand_dims). One copy of the check keeps each kernel a bare loop. */
#ifndef SELRT_SHARED_ELEMENTWISE_H
#define SELRT_SHARED_ELEMENTWISE_H

#include "selrt_kernel.h"

/* Input 0 of dtype `in`, output 0 of dtype `out`, same element count. */
selrt_status selrt_shared_elementwise_check(const selrt_program *p, const selrt_node *n,
                                     selrt_dtype in, selrt_dtype out);

/* Output 0 = input 0 byte for byte (a no-op when the planner aliased them). */
selrt_status selrt_shared_elementwise_copy(selrt_session *s, const selrt_node *n);

/* The whole of a unary kernel `op.dt`: y[i] = EXPR with `v` = x[i], x of
 * C type TI (dtype DI), y of TO (DO). Each use is its own file and object,
 * with its own selrt_<op>_<dt>_check, _run and descriptor symbols, so the
 * size report still attributes every byte to its `<op>.<dtype>` row. */
#define SELRT_UNARY(op, dt, TI, DI, TO, DO, EXPR)                                         \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {   \
    return selrt_shared_elementwise_check(p, n, DI, DO);                                  \
  }                                                                                       \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {           \
    const TI *x = (const TI *)selrt_in(s, n, 0)->data;                                    \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                \
    TO *y = (TO *)yt->data;                                                               \
    const size_t count = selrt_numel(yt);                                                 \
    for (size_t i = 0; i < count; i++) {                                                  \
      const TI v = x[i];                                                                  \
      y[i] = (TO)(EXPR);                                                                  \
    }                                                                                     \
    return SELRT_OK;                                                                      \
  }                                                                                       \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

/* Float to float: SELRT_UNARY_F32(exp, expf(v)) is exp.f32. */
#define SELRT_UNARY_F32(op, EXPR) SELRT_UNARY(op, f32, float, SELRT_F32, float, SELRT_F32, EXPR)

#endif
