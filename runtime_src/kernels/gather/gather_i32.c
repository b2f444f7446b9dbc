/* gather.i32: slices of params along one axis picked by int32/int64 indices, every index checked (shared/movers.h) */
#include "../shared/movers.h"

SELRT_GATHER(gather, i32, int32_t, SELRT_I32);
