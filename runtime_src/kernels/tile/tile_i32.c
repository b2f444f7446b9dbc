/* tile.i32: the input repeated along every dim (output dim = input dim * multiple; shared/movers.h) */
#include "../shared/movers.h"

SELRT_REPEAT(tile, i32, int32_t, SELRT_I32);
