/* select / select_v2: y = condition ? x : y, numpy broadcasting of all three
 * inputs (TFLite SELECT's rank-1 condition over dim 0 is that broadcast
 * after the converter reshapes it to [N, 1, ..]). Two broadcast iterators
 * over the one output walk in lockstep, (condition, x) and (condition, y):
 * each row gives the three offsets, and check proves both pairs in bounds.
 *
 *   SELRT_SELECT(op, dt, T, D)   x, y and output of C type T, dtype D
 *
 * (One word after SELRT_: tests/test_catalogue.py finds a kernel's descriptor
 * as SELRT_<FAMILY>(<op>, <dtype>, ...).) */
#ifndef SELRT_SHARED_SELECT_H
#define SELRT_SHARED_SELECT_H

#include "selrt_kernel.h"
#include "broadcast.h"

#define SELRT_SELECT(op, dt, T, D)                                                                            \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                         \
    const selrt_tensor *c = selrt_pin(p, n, 0), *x = selrt_pin(p, n, 1), *y = selrt_pin(p, n, 2);             \
    const selrt_tensor *o = selrt_pout(p, n, 0);                                                              \
    const int32_t rank = n->ip[SELRT_##op##_##dt##_IP_rank];                                                  \
    if (c->dtype != SELRT_BOOL || x->dtype != D || y->dtype != D || o->dtype != D ||                          \
        selrt_shared_bcast_check(o, c, x, rank, n->ip + SELRT_##op##_##dt##_IP_c_strides0,                    \
                                 n->ip + SELRT_##op##_##dt##_IP_x_strides0) != SELRT_OK)                      \
      return SELRT_ERR_UNSUPPORTED;                                                                           \
    return selrt_shared_bcast_check(o, c, y, rank, n->ip + SELRT_##op##_##dt##_IP_c_strides0,                 \
                                    n->ip + SELRT_##op##_##dt##_IP_y_strides0);                               \
  }                                                                                                           \
                                                                                                              \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                                 \
    const uint8_t *c = (const uint8_t *)selrt_in(s, n, 0)->data;                                              \
    const T *x = (const T *)selrt_in(s, n, 1)->data, *y = (const T *)selrt_in(s, n, 2)->data;                 \
    selrt_tensor *ot = selrt_out(s, n, 0);                                                                    \
    T *o = (T *)ot->data;                                                                                     \
    const int32_t rank = n->ip[SELRT_##op##_##dt##_IP_rank];                                                  \
    const int32_t *cs = n->ip + SELRT_##op##_##dt##_IP_c_strides0;                                            \
    selrt_shared_bcast cx, cy;                                                                                \
    selrt_shared_bcast_init(&cx, ot, rank, cs, n->ip + SELRT_##op##_##dt##_IP_x_strides0);                    \
    selrt_shared_bcast_init(&cy, ot, rank, cs, n->ip + SELRT_##op##_##dt##_IP_y_strides0);                    \
    while (selrt_shared_bcast_next(&cx) && selrt_shared_bcast_next(&cy))                                      \
      for (size_t i = 0; i < cx.inner; i++)                                                                   \
        o[cx.o + i] = c[cx.a + i * cx.inner_sa] ? x[cx.b + i * cx.inner_sb] : y[cy.b + i * cy.inner_sb];      \
    return SELRT_OK;                                                                                          \
  }                                                                                                           \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif
