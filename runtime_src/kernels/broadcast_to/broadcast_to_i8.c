/* broadcast_to.i8: numpy broadcast of the int8 input, quantization unchanged (shared/movers.h) */
#include "../shared/movers.h"

SELRT_REPEAT(broadcast_to, i8, int8_t, SELRT_I8);
