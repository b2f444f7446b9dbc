/* tile.i64: the input repeated along every dim (output dim = input dim * multiple; shared/movers.h) */
#include "../shared/movers.h"

SELRT_REPEAT(tile, i64, int64_t, SELRT_I64);
