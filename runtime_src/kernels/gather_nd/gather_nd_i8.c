/* gather_nd.i8: int8 slices picked by index tuples, every index checked (shared/movers.h) */
#include "../shared/movers.h"

SELRT_GATHERND(gather_nd, i8, int8_t, SELRT_I8);
