/* gather_nd.f32: slices of params picked by index tuples, every index checked (shared/movers.h) */
#include "../shared/movers.h"

SELRT_GATHERND(gather_nd, f32, float, SELRT_F32);
