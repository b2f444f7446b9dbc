/* broadcast_to.i32: numpy broadcast of the input to the output's shape (shared/movers.h) */
#include "../shared/movers.h"

SELRT_REPEAT(broadcast_to, i32, int32_t, SELRT_I32);
