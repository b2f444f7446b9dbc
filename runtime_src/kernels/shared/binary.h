/* Elementwise binary kernel families without a fused activation: two inputs
 * of one dtype, numpy broadcasting through shared/broadcast.h (params
 * $broadcast), one output. One macro writes the whole kernel; each use is its
 * own file and object with its own selrt_<op>_<dtype>_* symbols, so the size
 * report keeps one row per kernel.
 *
 *   SELRT_BINARY(op, dt, TI, DI, TO, DO, EXPR)   y = EXPR of `x` (a) and `y` (b)
 *   SELRT_COMPARE(op, dt, T, D, OP)              bool y = a OP b (one byte, 0 or 1)
 *   SELRT_BINARY_ACT_F32(op, EXPR)               y = clamp(EXPR, act_min, act_max), f32,
 *                                                params $broadcast + act_min/act_max
 *   SELRT_ADDN(op, dt, T, D, ACC)                add_n: y = x0 + x1 + ... (two or more
 *                                                inputs of one shape, no broadcasting),
 *                                                summed left to right in ACC
 *
 * Every member gets the same row loops: contiguous rows (same shapes, or
 * broadcast in outer dims only) as a unit-stride loop the compiler
 * vectorizes, and in speed builds also a row against one broadcast scalar
 * (bias-like adds and scales); other rows take the strided loop.
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
    if (a->dtype != DI || b->dtype != DI || o->dtype != DO)                                        \
      return SELRT_REJECT(p, "input or output dtype is not the kernel's", 0, 0);                   \
    return SELRT_BINARY_BCAST_CHECK(op##_##dt);                                                    \
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

/* The broadcast proof of kernel `sym` (its $broadcast params), with a reason. */
#define SELRT_BINARY_BCAST_CHECK(sym)                                                              \
  (selrt_shared_bcast_check(o, a, b, n->ip[SELRT_##sym##_IP_rank], n->ip + SELRT_##sym##_IP_a_strides0, \
                            n->ip + SELRT_##sym##_IP_b_strides0) == SELRT_OK                      \
       ? SELRT_OK                                                                                  \
       : SELRT_REJECT(p, "broadcast strides of rank % reach outside the inputs", n->ip[SELRT_##sym##_IP_rank], 0))

#if defined(SELRT_PROFILE_SPEED)
/* A row against one scalar of b (or of a): the scalar stays in a register. */
#define SELRT_BINARY_SCALAR_ROWS(APPLY)                                                            \
  else if (it.inner_sa == 1 && it.inner_sb == 0) {                                                 \
    const float y = rb[0];                                                                         \
    for (size_t i = 0; i < it.inner; i++) ro[i] = APPLY(ra[i], y, lo, hi);                                 \
  } else if (it.inner_sa == 0 && it.inner_sb == 1) {                                               \
    const float x = ra[0];                                                                         \
    for (size_t i = 0; i < it.inner; i++) ro[i] = APPLY(x, rb[i], lo, hi);                                 \
  }
#else
#define SELRT_BINARY_SCALAR_ROWS(APPLY)
#endif

#define SELRT_BINARY_ACT_F32(op, EXPR)                                                             \
  selrt_status selrt_##op##_f32_check(const selrt_program *p, const selrt_node *n) {               \
    const selrt_tensor *a = selrt_pin(p, n, 0), *b = selrt_pin(p, n, 1), *o = selrt_pout(p, n, 0); \
    if (a->dtype != SELRT_F32 || b->dtype != SELRT_F32 || o->dtype != SELRT_F32)                   \
      return SELRT_REJECT(p, "input or output dtype is not f32", 0, 0);                            \
    /* !(min <= max) also rejects NaN bounds. */                                                   \
    if (!(n->fp[SELRT_##op##_f32_FP_act_min] <= n->fp[SELRT_##op##_f32_FP_act_max]))               \
      return SELRT_REJECT(p, "activation bounds are not an interval", 0, 0);                       \
    return SELRT_BINARY_BCAST_CHECK(op##_f32);                                                     \
  }                                                                                                \
  static inline float selrt_##op##_f32_apply(float x, float y, float lo, float hi) {               \
    const float v = (EXPR);                                                                        \
    return v < lo ? lo : (v > hi ? hi : v);                                                        \
  }                                                                                                \
  selrt_status selrt_##op##_f32_run(selrt_session *s, const selrt_node *n) {                       \
    const float *a = (const float *)selrt_in(s, n, 0)->data, *b = (const float *)selrt_in(s, n, 1)->data; \
    selrt_tensor *ot = selrt_out(s, n, 0);                                                         \
    float *o = (float *)ot->data;                                                                  \
    const float lo = n->fp[SELRT_##op##_f32_FP_act_min], hi = n->fp[SELRT_##op##_f32_FP_act_max];  \
    selrt_shared_bcast it;                                                                         \
    selrt_shared_bcast_init(&it, ot, n->ip[SELRT_##op##_f32_IP_rank], n->ip + SELRT_##op##_f32_IP_a_strides0, \
                            n->ip + SELRT_##op##_f32_IP_b_strides0);                               \
    while (selrt_shared_bcast_next(&it)) {                                                         \
      const float *ra = a + it.a, *rb = b + it.b;                                                  \
      float *ro = o + it.o;                                                                        \
      if (it.inner_sa == 1 && it.inner_sb == 1) {                                                  \
        for (size_t i = 0; i < it.inner; i++) ro[i] = selrt_##op##_f32_apply(ra[i], rb[i], lo, hi);           \
      }                                                                                            \
      SELRT_BINARY_SCALAR_ROWS(selrt_##op##_f32_apply)                                                \
      else {                                                                                       \
        for (size_t i = 0; i < it.inner; i++)                                                      \
          ro[i] = selrt_##op##_f32_apply(ra[i * it.inner_sa], rb[i * it.inner_sb], lo, hi);                   \
      }                                                                                            \
    }                                                                                              \
    return SELRT_OK;                                                                               \
  }                                                                                                \
  SELRT_KERNEL(op##_f32, #op ".f32")

#define SELRT_ADDN(op, dt, T, D, ACC)                                                              \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {             \
    const selrt_tensor *o = selrt_pout(p, n, 0);                                                   \
    if (o->dtype != D) return SELRT_REJECT(p, "output dtype is not the kernel's", 0, 0);           \
    for (uint32_t j = 0; j < n->n_in; j++) {                                                       \
      const selrt_tensor *x = selrt_pin(p, n, j);                                                  \
      if (!x || x->dtype != D) return SELRT_REJECT(p, "input % dtype is not the kernel's", j, 0);  \
      if (selrt_numel(x) != selrt_numel(o))                                                        \
        return SELRT_REJECT(p, "input % has % elements, the output another count", j, selrt_numel(x)); \
    }                                                                                              \
    return SELRT_OK;                                                                               \
  }                                                                                                \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                     \
    selrt_tensor *ot = selrt_out(s, n, 0);                                                         \
    T *o = (T *)ot->data;                                                                          \
    const size_t len = selrt_numel(ot);                                                            \
    for (size_t i = 0; i < len; i++) {                                                             \
      ACC acc = (ACC)((const T *)selrt_in(s, n, 0)->data)[i];                                     \
      for (uint32_t j = 1; j < n->n_in; j++) acc += (ACC)((const T *)selrt_in(s, n, j)->data)[i]; \
      o[i] = (T)acc;                                                                               \
    }                                                                                              \
    return SELRT_OK;                                                                               \
  }                                                                                                \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#define SELRT_COMPARE(op, dt, T, D, OP) SELRT_BINARY(op, dt, T, D, uint8_t, SELRT_BOOL, x OP y)

#endif /* SELRT_SHARED_BINARY_H */
