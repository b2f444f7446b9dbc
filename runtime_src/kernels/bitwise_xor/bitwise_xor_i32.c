/* bitwise_xor.i32: elementwise a ^ b, numpy broadcasting (shared/binary.h) */
#include "../shared/binary.h"

SELRT_BINARY(bitwise_xor, i32, int32_t, SELRT_I32, int32_t, SELRT_I32, x ^ y);
