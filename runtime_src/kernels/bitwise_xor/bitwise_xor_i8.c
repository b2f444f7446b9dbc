/* bitwise_xor.i8: elementwise a ^ b, numpy broadcasting (shared/binary.h) */
#include "../shared/binary.h"

SELRT_BINARY(bitwise_xor, i8, int8_t, SELRT_I8, int8_t, SELRT_I8, x ^ y);
