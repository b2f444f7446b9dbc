/* add.i32: y = a + b for int32 with numpy broadcasting (loop counters of
 * converted recurrent models). Wraps on overflow as two's complement: signed
 * overflow would be undefined in C, so the sum is taken in uint32_t. */
#include "../shared/binary.h"

SELRT_BINARY(add, i32, int32_t, SELRT_I32, int32_t, SELRT_I32, (int32_t)((uint32_t)x + (uint32_t)y));
