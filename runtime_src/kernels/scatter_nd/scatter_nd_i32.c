/* scatter_nd.i32: zeros plus the updates added at their index tuples, every index checked (shared/movers.h) */
#include "../shared/movers.h"

SELRT_SCATTERND(scatter_nd, i32, int32_t, SELRT_I32, uint32_t);
