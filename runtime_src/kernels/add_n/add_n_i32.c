/* add_n.i32: the elementwise sum of its inputs; wraps modulo 2^32 (summed as
 * uint32_t: no signed overflow) (shared/binary.h) */
#include "../shared/binary.h"

SELRT_ADDN(add_n, i32, int32_t, SELRT_I32, uint32_t);
