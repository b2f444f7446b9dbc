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

/* The whole of a float unary kernel `op.f32`: y[i] = EXPR with `v` = x[i].
 * Each use is its own file and object, with its own selrt_<op>_f32_check,
 * _run and descriptor symbols, so the size report still attributes every
 * byte to its `<op>.<dtype>` row. */
#define SELRT_UNARY_F32(op, EXPR)                                                  \
  selrt_status selrt_##op##_f32_check(const selrt_program *p, const selrt_node *n) { \
    return selrt_shared_elementwise_check(p, n, SELRT_F32, SELRT_F32);             \
  }                                                                                \
  selrt_status selrt_##op##_f32_run(selrt_session *s, const selrt_node *n) {       \
    const float *x = (const float *)selrt_in(s, n, 0)->data;                       \
    selrt_tensor *yt = selrt_out(s, n, 0);                                         \
    float *y = (float *)yt->data;                                                  \
    const size_t count = selrt_numel(yt);                                          \
    for (size_t i = 0; i < count; i++) {                                           \
      const float v = x[i];                                                        \
      y[i] = (EXPR);                                                               \
    }                                                                              \
    return SELRT_OK;                                                               \
  }                                                                                \
  SELRT_KERNEL(op##_f32, #op ".f32")

#endif
