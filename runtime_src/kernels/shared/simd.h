/* Run-time choice of an instruction-set variant, for kernels that compile
 * their hot loop more than once in x86-64 speed builds (the x86-64 ABI
 * baseline is SSE2; AVX2+FMA doubles the vector width). No global state:
 * the features are detected the first time a kernel of a session asks and
 * kept in the session (selrt_session.isa). */
#ifndef SELRT_SHARED_SIMD_H
#define SELRT_SHARED_SIMD_H

#include <stdint.h>

#include "selrt_kernel.h"

#ifdef SELRT_SESSION_ISA
#define SELRT_SHARED_SIMD_AVX2 1
/* Marks the AVX2+FMA copy of a function (its always_inline callees follow). */
#define SELRT_SHARED_SIMD_TARGET_AVX2 __attribute__((target("avx2,fma")))
#endif

/* Feature bits of selrt_session.isa. */
#define SELRT_SHARED_SIMD_F_AVX2 1    /* AVX2 + FMA, OS saves YMM */
#define SELRT_SHARED_SIMD_F_AVX512 2  /* AVX-512 F + VL, OS saves ZMM/opmask (detected; no kernel uses it yet) */

#ifdef SELRT_SESSION_ISA
/* The CPU's feature bits (cpuid + xgetbv), x86-64 speed builds only.
 * Kernels call selrt_shared_simd(s), which asks this once per session. */
int32_t selrt_shared_simd_detect(void);

static inline int32_t selrt_shared_simd(selrt_session *s) {
  if (s->isa < 0) s->isa = selrt_shared_simd_detect();
  return s->isa;
}
#else
static inline int32_t selrt_shared_simd(selrt_session *s) { (void)s; return 0; }
#endif

/* 1 if this session's CPU and OS run the AVX2+FMA variants. */
static inline int32_t selrt_shared_simd_avx2(selrt_session *s) {
  return (selrt_shared_simd(s) & SELRT_SHARED_SIMD_F_AVX2) != 0;
}

#endif
