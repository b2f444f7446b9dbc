/* tile.f32: the input repeated along every dim (output dim = input dim * multiple; shared/movers.h) */
#include "../shared/movers.h"

SELRT_REPEAT(tile, f32, float, SELRT_F32);
