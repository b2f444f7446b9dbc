/* gather.i64: slices of params along one axis picked by int32/int64 indices, every index checked (shared/movers.h) */
#include "../shared/movers.h"

SELRT_GATHER(gather, i64, int64_t, SELRT_I64);
