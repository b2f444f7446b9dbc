/* bitwise_xor.i16: elementwise a ^ b, numpy broadcasting (shared/binary.h) */
#include "../shared/binary.h"

SELRT_BINARY(bitwise_xor, i16, int16_t, SELRT_I16, int16_t, SELRT_I16, x ^ y);
