/* Elementwise binary kernel families without a fused activation: two inputs
 * of one dtype, numpy broadcasting through shared/broadcast.h (params
 * $broadcast), one output. One macro writes the whole kernel; each use is its
 * own file and object with its own selrt_<op>_<dtype>_* symbols, so the size
 * report keeps one row per kernel.
 *
 *   SELRT_BINARY(op, dt, TI, DI, TO, DO, EXPR)   y = EXPR of `x` (a) and `y` (b)
 *   SELRT_COMPARE(op, dt, T, D, OP)              bool y = a OP b (one byte, 0 or 1)
 *
 * NaN compares as C does (unequal to everything), which is what LiteRT and
 * torch give. */
#ifndef SELRT_SHARED_BINARY_H
#define SELRT_SHARED_BINARY_H

#include "selrt_kernel.h"
#include "broadcast.h"

#define SELRT_BINARY(op, dt, TI, DI, TO, DO, EXPR)                                                 \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {            \
    const selrt_tensor *a = selrt_pin(p, n, 0), *b = selrt_pin(p, n, 1), *o = selrt_pout(p, n, 0); \
    if (a->dtype != DI || b->dtype != DI || o->dtype != DO) return SELRT_ERR_UNSUPPORTED;         \
    return selrt_shared_bcast_check(o, a, b, n->ip[SELRT_##op##_##dt##_IP_rank],                   \
                                    n->ip + SELRT_##op##_##dt##_IP_a_strides0,                     \
                                    n->ip + SELRT_##op##_##dt##_IP_b_strides0);                    \
  }                                                                                                \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                    \
    const TI *a = (const TI *)selrt_in(s, n, 0)->data, *b = (const TI *)selrt_in(s, n, 1)->data;   \
    selrt_tensor *ot = selrt_out(s, n, 0);                                                         \
    TO *o = (TO *)ot->data;                                                                        \
    selrt_shared_bcast it;                                                                         \
    selrt_shared_bcast_init(&it, ot, n->ip[SELRT_##op##_##dt##_IP_rank],                           \
                            n->ip + SELRT_##op##_##dt##_IP_a_strides0,                             \
                            n->ip + SELRT_##op##_##dt##_IP_b_strides0);                            \
    while (selrt_shared_bcast_next(&it))                                                           \
      for (size_t i = 0; i < it.inner; i++) {                                                      \
        const TI x = a[it.a + i * it.inner_sa], y = b[it.b + i * it.inner_sb];                     \
        o[it.o + i] = (TO)(EXPR);                                                                  \
      }                                                                                            \
    return SELRT_OK;                                                                               \
  }                                                                                                \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#define SELRT_COMPARE(op, dt, T, D, OP) SELRT_BINARY(op, dt, T, D, uint8_t, SELRT_BOOL, x OP y)

#endif /* SELRT_SHARED_BINARY_H */
