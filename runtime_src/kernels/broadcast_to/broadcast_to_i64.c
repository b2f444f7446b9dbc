/* broadcast_to.i64: numpy broadcast of the input to the output's shape (shared/movers.h) */
#include "../shared/movers.h"

SELRT_REPEAT(broadcast_to, i64, int64_t, SELRT_I64);
