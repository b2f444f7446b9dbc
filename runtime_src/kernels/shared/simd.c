/* See simd.h. cpuid + xgetbv (the OS must save the vector state), read
 * directly: no libgcc/compiler-rt CPU model, whose initialization is a
 * constructor. */
#include "simd.h"

#ifdef SELRT_SHARED_SIMD_AVX2
#include <cpuid.h>

/* Tests build with -DSELRT_SIMD_MASK=<bits> to force a lower ISA level on a
 * CPU that has a higher one (0: the SSE2 baseline); builds do not set it. */
#ifndef SELRT_SIMD_MASK
#define SELRT_SIMD_MASK 0x7fffffff
#endif

static int32_t selrt_shared_simd_cpu(void) {
  unsigned a, b, c, d, lo, hi;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27)) || !(c & (1u << 28)) || !(c & (1u << 12)))
    return 0; /* no OSXSAVE, AVX or FMA */
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  (void)hi;
  if ((lo & 6u) != 6u) return 0; /* the OS does not save XMM/YMM state */
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 5))) return 0; /* no AVX2 */
  int32_t f = SELRT_SHARED_SIMD_F_AVX2;
  /* AVX-512 F (b16) and VL (b31), with opmask + ZMM state saved (XCR0 bits 5-7). */
  if ((b & (1u << 16)) && (b & (1u << 31)) && (lo & 0xe0u) == 0xe0u) f |= SELRT_SHARED_SIMD_F_AVX512;
  return f;
}

int32_t selrt_shared_simd_detect(void) { return selrt_shared_simd_cpu() & (SELRT_SIMD_MASK); }
#else
/* Other builds have no variants and ask nothing (simd.h): no code at all. */
typedef int selrt_shared_simd_none;
#endif
