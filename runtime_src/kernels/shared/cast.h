/* cast from an integer or bool tensor to the output tensor's dtype (f32, i8,
 * u8, i16, i32, i64, bool), as TFLite's static_cast: integers narrow modulo
 * 2^bits (through the unsigned type: defined in C), widen exactly, become the
 * nearest float; bool is v != 0 and becomes 0 or 1. Raw values: like TFLite,
 * a cast ignores quantization.
 *
 *   SELRT_CAST(op, dt, T, D)   source elements of C type T, dtype D
 *
 * (One word after SELRT_: tests/test_catalogue.py finds a kernel's descriptor
 * as SELRT_<FAMILY>(<op>, <dtype>, ...).) */
#ifndef SELRT_SHARED_CAST_H
#define SELRT_SHARED_CAST_H

#include "selrt_kernel.h"

#define SELRT_CAST(op, dt, T, D)                                                                     \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {             \
    const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);                           \
    if (x->dtype != D) return SELRT_REJECT(p, "input dtype % is not the kernel's %", x->dtype, D);  \
    if (selrt_numel(x) != selrt_numel(y) || y->dtype == SELRT_F16 || (uint32_t)y->dtype > SELRT_BOOL) \
      return SELRT_REJECT(p, "output dtype % or element count % does not fit", y->dtype, selrt_numel(y)); \
    return SELRT_OK;                                                                                 \
  }                                                                                                  \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                      \
    const T *x = (const T *)selrt_in(s, n, 0)->data;                                                 \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                           \
    void *y = yt->data;                                                                              \
    const selrt_dtype to = yt->dtype;                                                                \
    for (size_t i = 0, count = selrt_numel(yt); i < count; i++) {                                    \
      const T v = D == SELRT_BOOL ? (T)(x[i] != 0) : x[i];                                           \
      const uint64_t u = (uint64_t)(int64_t)v;                                                       \
      switch (to) {                                                                                  \
        case SELRT_F32: ((float *)y)[i] = (float)v; break;                                           \
        case SELRT_I8: ((int8_t *)y)[i] = (int8_t)(uint8_t)u; break;                                 \
        case SELRT_U8: ((uint8_t *)y)[i] = (uint8_t)u; break;                                        \
        case SELRT_I16: ((int16_t *)y)[i] = (int16_t)(uint16_t)u; break;                             \
        case SELRT_I32: ((int32_t *)y)[i] = (int32_t)(uint32_t)u; break;                             \
        case SELRT_I64: ((int64_t *)y)[i] = (int64_t)v; break;                                       \
        default: ((uint8_t *)y)[i] = v != 0; break; /* bool */                                       \
      }                                                                                              \
    }                                                                                                \
    return SELRT_OK;                                                                                 \
  }                                                                                                  \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif
