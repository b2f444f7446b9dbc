/* tile.bool: the input repeated along every dim (output dim = input dim * multiple; shared/movers.h) */
#include "../shared/movers.h"

SELRT_REPEAT(tile, bool, uint8_t, SELRT_BOOL);
