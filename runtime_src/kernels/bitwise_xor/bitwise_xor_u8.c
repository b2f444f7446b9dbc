/* bitwise_xor.u8: elementwise a ^ b, numpy broadcasting (shared/binary.h) */
#include "../shared/binary.h"

SELRT_BINARY(bitwise_xor, u8, uint8_t, SELRT_U8, uint8_t, SELRT_U8, x ^ y);
