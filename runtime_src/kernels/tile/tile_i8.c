/* tile.i8: the int8 input repeated along every dim, quantization unchanged (shared/movers.h) */
#include "../shared/movers.h"

SELRT_REPEAT(tile, i8, int8_t, SELRT_I8);
