/* Linked with -Wl,--wrap=selrt_shared_simd_detect by tests/test_simd_dispatch.py:
 * reports every CPU feature detection on stderr, so the test can count how
 * often the kernels of one session ask the CPU (once, not once per node). */
#include <stdint.h>
#include <stdio.h>

int32_t __real_selrt_shared_simd_detect(void);
int32_t __wrap_selrt_shared_simd_detect(void);

int32_t __wrap_selrt_shared_simd_detect(void) {
  fputs("simd-detect\n", stderr);
  return __real_selrt_shared_simd_detect();
}
