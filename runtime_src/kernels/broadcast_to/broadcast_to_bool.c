/* broadcast_to.bool: numpy broadcast of the input to the output's shape (shared/movers.h) */
#include "../shared/movers.h"

SELRT_REPEAT(broadcast_to, bool, uint8_t, SELRT_BOOL);
