/* The comparison kernel family: `<op>.<dtype>` compares a and b (both
 * `dtype`, numpy broadcasting through shared/broadcast.h, params $broadcast)
 * into a bool output (one byte, 0 or 1). One macro writes the whole kernel;
 * each use is its own file and object with its own selrt_<op>_<dtype>_*
 * symbols, so the size report keeps one row per kernel. NaN compares as C
 * does (unequal to everything), which is what LiteRT and torch give. */
#ifndef SELRT_SHARED_COMPARE_H
#define SELRT_SHARED_COMPARE_H

#include "selrt_kernel.h"
#include "broadcast.h"

#define SELRT_COMPARE(op, dt, T, DTYPE, OP)                                                        \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {            \
    const selrt_tensor *a = selrt_pin(p, n, 0), *b = selrt_pin(p, n, 1), *o = selrt_pout(p, n, 0); \
    if (a->dtype != DTYPE || b->dtype != DTYPE || o->dtype != SELRT_BOOL) return SELRT_ERR_UNSUPPORTED; \
    return selrt_shared_bcast_check(o, a, b, n->ip[SELRT_##op##_##dt##_IP_rank],                   \
                                    n->ip + SELRT_##op##_##dt##_IP_a_strides0,                     \
                                    n->ip + SELRT_##op##_##dt##_IP_b_strides0);                    \
  }                                                                                                \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                    \
    const T *a = (const T *)selrt_in(s, n, 0)->data, *b = (const T *)selrt_in(s, n, 1)->data;      \
    selrt_tensor *ot = selrt_out(s, n, 0);                                                         \
    uint8_t *o = (uint8_t *)ot->data;                                                              \
    selrt_shared_bcast it;                                                                         \
    selrt_shared_bcast_init(&it, ot, n->ip[SELRT_##op##_##dt##_IP_rank],                           \
                            n->ip + SELRT_##op##_##dt##_IP_a_strides0,                             \
                            n->ip + SELRT_##op##_##dt##_IP_b_strides0);                            \
    while (selrt_shared_bcast_next(&it))                                                           \
      for (size_t i = 0; i < it.inner; i++)                                                        \
        o[it.o + i] = (uint8_t)(a[it.a + i * it.inner_sa] OP b[it.b + i * it.inner_sb]);           \
    return SELRT_OK;                                                                               \
  }                                                                                                \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif /* SELRT_SHARED_COMPARE_H */
