/* gather_nd.i32: slices of params picked by index tuples, every index checked (shared/movers.h) */
#include "../shared/movers.h"

SELRT_GATHERND(gather_nd, i32, int32_t, SELRT_I32);
